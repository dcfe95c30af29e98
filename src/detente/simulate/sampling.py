"""Sampling ranged values fast: :meth:`Scenario.sampled <detente.model.scenario.Scenario.sampled>` in one draw.

``Scenario.sampled`` draws one triangular value per valuation, one numpy call each. A Monte
Carlo replicate samples the scenario once, so on a scenario of a few dozen valuations that
was a large share of a replicate's time. :func:`sampled` makes the same draws, in the same
order, from the same generator, in one vectorised call, and returns an equal scenario
(tests check equality with ``Scenario.sampled``).

Examples
--------
>>> import numpy as np
>>> from detente.model.scenario import Scenario
>>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X", "parties": [{"id": "A"}],
...     "moves": [{"id": "m", "by": "A", "title": "m", "value": {"A": [0, 1, 2]}}]})
>>> sampled(s, np.random.default_rng(1)) == s.sampled(np.random.default_rng(1))
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from pydantic import BaseModel

from detente.model.scenario import Scenario
from detente.model.values import Value, sample_triangular

__all__ = ["sampled"]


@dataclass(frozen=True)
class _Layout:
    """Where each draw goes: (moves or interactions, item index, party), in draw order."""

    slots: tuple[tuple[bool, int, str], ...]
    low: np.ndarray
    likely: np.ndarray
    high: np.ndarray


_LAYOUTS: dict[int, tuple[Scenario, _Layout]] = {}
_LAYOUT_LIMIT = 8


def _layout(scenario: Scenario) -> _Layout:
    hit = _LAYOUTS.get(id(scenario))
    if hit is not None and hit[0] is scenario:
        return hit[1]
    slots: list[tuple[bool, int, str]] = []
    lows: list[float] = []
    likelies: list[float] = []
    highs: list[float] = []
    # the order of Scenario.sampled: moves in file order, then interactions; parties in file order
    items = [(True, i, m.value) for i, m in enumerate(scenario.moves)]
    items += [(False, i, x.value) for i, x in enumerate(scenario.interactions)]
    for is_move, i, values in items:
        for pid in scenario.party_ids:
            if pid in values:
                v = values[pid]
                slots.append((is_move, i, pid))
                lows.append(v.low)
                likelies.append(v.likely)
                highs.append(v.high)
    lay = _Layout(tuple(slots), np.array(lows, float), np.array(likelies, float), np.array(highs, float))
    if len(_LAYOUTS) >= _LAYOUT_LIMIT:
        _LAYOUTS.pop(next(iter(_LAYOUTS)))
    _LAYOUTS[id(scenario)] = (scenario, lay)
    return lay


def sampled(scenario: Scenario, rng: np.random.Generator) -> Scenario:
    """Equal to ``scenario.sampled(rng)``, drawing all values in one call.

    Parameters
    ----------
    scenario : Scenario
        The scenario with ranged values.
    rng : numpy.random.Generator
        Advanced exactly as ``Scenario.sampled`` advances it (one uniform per valuation).

    Returns
    -------
    Scenario
        A copy with every value replaced by one triangular draw.

    Examples
    --------
    See the module docstring.
    """
    lay = _layout(scenario)
    draws = sample_triangular(lay.low, lay.likely, lay.high, rng) if lay.slots else np.empty(0)
    move_values: list[dict[str, Value]] = [{} for _ in scenario.moves]
    inter_values: list[dict[str, Value]] = [{} for _ in scenario.interactions]
    for (is_move, i, pid), x in zip(lay.slots, draws.tolist(), strict=True):
        (move_values if is_move else inter_values)[i][pid] = _point(x)
    moves = tuple(_with_value(m, v) for m, v in zip(scenario.moves, move_values, strict=True))
    inters = tuple(_with_value(x, v) for x, v in zip(scenario.interactions, inter_values, strict=True))
    return scenario.replace(moves=moves, interactions=inters)


# A replicate makes one Value per valuation and one copy per move: built through pydantic's
# pickle protocol (``__setstate__``), as ``model_copy`` copies, without running the validators
# (a drawn value is a finite float, so ``Value(low=x, likely=x, high=x)`` would accept it).
# About a third of the time of validated construction; tests check equality with Scenario.sampled.
_VALUE_FIELDS = frozenset({"low", "likely", "high"})
_new = object.__new__
_M = TypeVar("_M", bound=BaseModel)


def _point(x: float) -> Value:
    """``Value(low=x, likely=x, high=x)`` for a finite float ``x``."""
    v = _new(Value)
    v.__setstate__(
        {
            "__dict__": {"low": x, "likely": x, "high": x},
            "__pydantic_extra__": None,
            "__pydantic_fields_set__": set(_VALUE_FIELDS),
            "__pydantic_private__": None,
        }
    )
    return v


def _with_value(item: _M, value: dict[str, Value]) -> _M:
    """``item.model_copy(update={"value": value})`` (a move or an interaction)."""
    out = _new(type(item))
    out.__setstate__(
        {
            "__dict__": {**item.__dict__, "value": value},
            "__pydantic_extra__": item.__pydantic_extra__,
            "__pydantic_fields_set__": set(item.__pydantic_fields_set__),
            "__pydantic_private__": item.__pydantic_private__,
        }
    )
    return out
