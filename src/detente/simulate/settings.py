"""The rules of a run that are not in the scenario, and what each party perceives.

Examples
--------
>>> SimulationSettings(misperception=0.2).problems(Scenario.model_validate(
...     {"detente": 1, "id": "t", "title": "T", "parties": [{"id": "A"}]}))
[]
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from detente.model.scenario import Scenario
from detente.model.values import Value

from .observation import Perception, likely_values
from .structure import Structure, concessions
from .tables import Tables

__all__ = ["SimulationSettings", "default_target", "did_you_mean", "perceptions"]


@dataclass(frozen=True)
class SimulationSettings:
    """The rules of a run that are not part of the scenario.

    Attributes
    ----------
    horizon : int or None
        Periods to play; default ``scenario.time.horizon``.
    misperception : float
        Standard deviation of the relative error with which a party sees each of the
        other parties' values (``v * (1 + e)``, ``e ~ N(0, misperception)``, drawn once per run).
    cooling_off : int
        Periods the talks stay broken after a breakdown before they resume.
    target : frozenset of str or None
        The package whose share in force is measured and which the strategies see as the
        agenda. Default: :func:`default_target` (every concession not in force at the start,
        kept in file order as long as they are feasible together).
    stall_limit : int
        Rejected proposals in a row that break the talks down.
    initial_trust : float
        Every party's trust at the start, in [0, 1].
    trust_gain : float
        Trust a party gains when a move of another party that it values enters force.
    trust_loss_reversal, trust_loss_breach : float
        Trust a party loses when another party openly reverses a move it values, and when
        a breach by another party is detected.
    trust_recovery : float
        Each period, trust moves this much back towards ``initial_trust``.
    first_proposer : str or None
        The party that proposes first (default: the first party of the scenario).
    """

    horizon: int | None = None
    misperception: float = 0.0
    cooling_off: int = 3
    target: frozenset[str] | None = None
    stall_limit: int = 6
    initial_trust: float = 0.5
    trust_gain: float = 0.05
    trust_loss_reversal: float = 0.15
    trust_loss_breach: float = 0.3
    trust_recovery: float = 0.0
    first_proposer: str | None = None

    def problems(self, scenario: Scenario) -> list[str]:
        """What is wrong with these settings for ``scenario`` (empty if nothing)."""
        out = []
        if self.horizon is not None and not 0 < self.horizon <= 10_000:
            out.append(f"horizon: expected 1..10000, found {self.horizon}")
        if not (np.isfinite(self.misperception) and self.misperception >= 0):
            out.append(f"misperception: expected a number >= 0, found {self.misperception}")
        if self.cooling_off < 0:
            out.append(f"cooling_off: expected >= 0, found {self.cooling_off}")
        if self.stall_limit < 1:
            out.append(f"stall_limit: expected >= 1, found {self.stall_limit}")
        for name in (
            "initial_trust",
            "trust_gain",
            "trust_loss_reversal",
            "trust_loss_breach",
            "trust_recovery",
        ):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                out.append(f"{name}: expected 0..1, found {v}")
        if self.target is not None:
            for mid in sorted(self.target):
                if mid not in scenario.move_ids:
                    out.append(f"target: no move {mid!r}{did_you_mean(mid, scenario.move_ids)}")
        if self.first_proposer is not None and self.first_proposer not in scenario.party_ids:
            out.append(
                f"first_proposer: no party {self.first_proposer!r}"
                f"{did_you_mean(self.first_proposer, scenario.party_ids)}"
            )
        return out


def did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str:
    same_case = [c for c in choices if c.lower() == word.lower()]
    close = same_case or difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def default_target(scenario: Scenario) -> frozenset[str]:
    """Every concession on the table that is feasible together.

    A concession is a move not in force at the start that some party other than its
    maker values above zero. They are taken in file order, each with its prerequisites,
    skipping any that would break an exclusion. (A run reads it from its
    :class:`~detente.simulate.tables.Tables`, which compute it once.)

    >>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
    ...     "parties": [{"id": "A"}, {"id": "B"}],
    ...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"B": 1}},
    ...               {"id": "a2", "by": "A", "title": "a2", "value": {"B": 2}, "excludes": ["a1"]},
    ...               {"id": "b1", "by": "B", "title": "b1", "value": {"B": 5}}]})
    >>> sorted(default_target(s))
    ['a1']
    """
    return Structure(scenario).default_target(scenario.status_quo, concessions(scenario))


def perceptions(tables: Tables, misperception: float, rng: np.random.Generator) -> dict[str, Perception]:
    """Each party's view of the values: exact for itself, with relative error for the others.

    Draws ``len(parties) * len(moves) * len(parties)`` normal errors (then the same for the
    interactions), observer by observer, when ``misperception > 0``; none otherwise.

    >>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
    ...     "parties": [{"id": "A"}, {"id": "B"}],
    ...     "moves": [{"id": "m", "by": "A", "title": "m", "value": {"A": -1, "B": 2}}]})
    >>> v = perceptions(Tables(s), 0.5, np.random.default_rng(0))
    >>> v["A"].values["A"]["m"], v["B"].values["B"]["m"], v["A"].values["B"]["m"] != 2.0
    (-1.0, 2.0, True)
    """
    scenario = tables.scenario
    parties = scenario.party_ids
    if misperception <= 0:
        return dict(tables.views)
    out = {}
    for observer in parties:
        err_m = rng.normal(0.0, misperception, size=(len(scenario.moves), len(parties)))
        err_i = rng.normal(0.0, misperception, size=(len(scenario.interactions), len(parties)))

        def seen(
            values: Mapping[str, Value], errors: np.ndarray, observer: str = observer
        ) -> dict[str, Value]:
            res = {}
            for j, p in enumerate(parties):
                if p in values:
                    x = values[p].likely * (1.0 if p == observer else 1.0 + float(errors[j]))
                    res[p] = Value(low=x, likely=x, high=x)
            return res

        moves = tuple(
            m.model_copy(update={"value": seen(m.value, err_m[i])}) for i, m in enumerate(scenario.moves)
        )
        inters = tuple(
            x.model_copy(update={"value": seen(x.value, err_i[i])})
            for i, x in enumerate(scenario.interactions)
        )
        seen_scenario = scenario.replace(moves=moves, interactions=inters)
        out[observer] = Perception(observer, seen_scenario, likely_values(seen_scenario), tables.structure)
    return out
