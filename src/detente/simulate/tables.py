"""Everything a run reads of its scenario, built once: :class:`Tables`.

A scenario is immutable, so the look-ups the engine and the offer searches make of it
(who makes each move, prerequisites, exclusions, values, discount powers, the default
target) are computed once and passed to the run explicitly. Nothing is found by object
identity and nothing outlives the tables it belongs to: the caches below live on their
object and die with it.

- :class:`Structure` holds what does not depend on values (moves, makers, reversibility,
  prerequisites, exclusions) and the searches over it; a Monte Carlo group of sampled
  scenarios shares its base's structure.
- :class:`Tables` holds one scenario's structure and values: the parties' exact views,
  the utility of each set of moves in force, discount powers, the default target.
  :meth:`Tables.resampled` makes the tables of a sampled replicate, sharing the structure.

Examples
--------
>>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X",
...     "parties": [{"id": "A"}, {"id": "B"}],
...     "moves": [{"id": "m", "by": "A", "title": "m", "value": {"B": 2}},
...               {"id": "n", "by": "A", "title": "n", "requires": ["m"], "value": {"B": 1}}]})
>>> t = Tables(s)
>>> t.structure.feasible({"n"}), sorted(t.structure.closure({"n"})), sorted(t.target)
(False, ['m', 'n'], ['m', 'n'])
>>> t.utility({"m", "n"})
{'A': 0.0, 'B': 3.0}
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from detente.model.scenario import Scenario

from .observation import Perception, interactions_of, likely_values
from .structure import Structure, concessions
from .valuation import continuation, no_deal

__all__ = ["Tables"]

_UTILITY_LIMIT = 20_000  # sets of moves in force of Tables.utility
_CONTINUATION_LIMIT = 20_000  # states of the board of Tables.continuation


class Tables:
    """One scenario compiled for runs: its :class:`Structure`, likely values, exact views and more.

    Build it once per scenario (``Tables(scenario)``) and pass it to every run of that
    scenario (``play(..., tables=t)``) so that the runs share the parties' exact views and the
    answers of pure offer searches. For a replicate sampled from the scenario use
    :meth:`resampled`, which shares the structure. Immutable apart from caches of pure
    functions of the scenario, which die with the object.

    Attributes
    ----------
    scenario : Scenario
    structure : Structure
    likely : dict
        ``likely[party][move]``: the likely per-period value of ``move`` to ``party``.
    target : frozenset of str
        The default target (see :func:`detente.simulate.settings.default_target`).
    """

    __slots__ = (
        "_continuations",
        "_interactions",
        "_no_deal",
        "_powers",
        "_utilities",
        "_views",
        "likely",
        "scenario",
        "structure",
        "target",
    )

    def __init__(self, scenario: Scenario, structure: Structure | None = None) -> None:
        self.scenario = scenario
        self.structure = Structure(scenario) if structure is None else structure
        self.likely = likely_values(scenario)
        self.target = self.structure.default_target(scenario.status_quo, concessions(scenario))
        self._interactions = interactions_of(scenario)
        self._views: dict[str, Perception] | None = None
        self._utilities: dict[frozenset[str], dict[str, float]] = {}
        self._powers: dict[tuple[float, int], list[float]] = {}
        self._no_deal: dict[str, float] | None = None
        self._continuations: dict[tuple[object, ...], dict[str, float]] = {}

    def resampled(self, scenario: Scenario) -> Tables:
        """The tables of ``scenario``, a replicate with the same structure (values drawn anew)."""
        if (
            len(scenario.moves) != len(self.scenario.moves)
            or Structure.key_of(scenario) != self.structure.key
        ):
            raise ValueError(f"resampled: scenario {scenario.id!r} does not have these tables' structure")
        return Tables(scenario, self.structure)

    @property
    def views(self) -> dict[str, Perception]:
        """Each party's exact view of the values (no misperception), built once and shared by the runs."""
        if self._views is None:
            values = self.likely
            self._views = {
                p: Perception(p, self.scenario, values, self.structure) for p in self.scenario.party_ids
            }
        return self._views

    @property
    def interactions(self) -> dict[str, tuple[tuple[tuple[str, ...], float], ...]]:
        """``interactions[party]``: (moves, likely value to ``party``) of each interaction term."""
        return self._interactions

    @property
    def no_deal(self) -> dict[str, float]:
        """Each party's value of no deal at the start (:func:`detente.simulate.valuation.no_deal`), built once."""
        if self._no_deal is None:
            self._no_deal = no_deal(self.scenario)
        return self._no_deal

    def continuation(
        self,
        period: int,
        horizon: int,
        in_force: frozenset[str],
        pending: Mapping[str, int | None],
        reversing: Mapping[str, int],
        streaks: Sequence[int],
        waiting: Mapping[str, frozenset[str]],
    ) -> dict[str, float]:
        """:func:`detente.simulate.valuation.continuation` with likely values, remembered per state of the board.

        Runs of one replicate often end in the same state (a comparison's cells share the tables).
        """
        key = (
            period,
            horizon,
            in_force,
            frozenset(pending.items()),
            frozenset(reversing.items()),
            tuple(streaks),
            frozenset(waiting.items()),
        )
        out = self._continuations.get(key)
        if out is None:
            out = continuation(
                self.scenario,
                self.likely,
                self._interactions,
                period=period,
                horizon=horizon,
                in_force=in_force,
                pending=pending,
                reversing=reversing,
                streaks=streaks,
                waiting=waiting,
            )
            if len(self._continuations) >= _CONTINUATION_LIMIT:
                self._continuations.clear()
            self._continuations[key] = out
        return dict(out)

    def utility(self, in_force: frozenset[str] | set[str]) -> dict[str, float]:
        """``{p: scenario.utility(p, in_force)}`` with likely values, remembered (sets in force recur)."""
        key = in_force if type(in_force) is frozenset else frozenset(in_force)
        out = self._utilities.get(key)
        if out is None:
            out = {}
            interactions = self._interactions
            for p, values in self.likely.items():
                # fsum: the sum of the same terms whatever the order the set is iterated in
                terms = [values[m] for m in key]
                for together, value in interactions.get(p, ()):
                    if key.issuperset(together):
                        terms.append(value)
                out[p] = math.fsum(terms)
            if len(self._utilities) >= _UTILITY_LIMIT:
                self._utilities.clear()
            self._utilities[key] = out
        return out

    def powers(self, discount: float, horizon: int) -> list[float]:
        """``[discount ** t for t in range(horizon)]``, remembered."""
        key = (discount, horizon)
        out = self._powers.get(key)
        if out is None:
            out = self._powers[key] = [discount**t for t in range(horizon)]
        return out
