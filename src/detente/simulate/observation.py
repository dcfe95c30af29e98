"""What a strategy sees at the table: an :class:`Observation`, and what it says: a :class:`Proposal`.

An observation is read-only and holds no reference to the engine or to another
party's strategy. Values of the other parties are *perceived* values: with
misperception switched on (``SimulationSettings.misperception``), each party sees
the others' values with a relative error drawn once per run.

Examples
--------
>>> p = Proposal(gives=frozenset({"a1"}), asks=frozenset({"b1"}))
>>> sorted(p.moves), p.sequence
(['a1', 'b1'], 'together')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, TypeVar, overload

from detente.model.scenario import Scenario

from .structure import Structure
from .trace import TraceEntry

__all__ = [
    "History",
    "Observation",
    "Perception",
    "Proposal",
    "Sequencing",
    "TalksState",
    "Verdict",
    "interactions_of",
    "likely_values",
]

_T = TypeVar("_T")
_MISSING = object()
_SEARCH_LIMIT = 20_000  # answers remembered per view, so that a long-lived process stays bounded

Sequencing = Literal["together", "asks-first", "gives-first"]
TalksState = Literal["open", "broken", "paused"]


@dataclass(frozen=True)
class Proposal:
    """An offer: moves the proposer gives, moves it asks of the others, and in which order.

    Attributes
    ----------
    gives : frozenset of str
        The proposer's own moves.
    asks : frozenset of str
        Moves of the other parties. A proposal that asks nothing is a unilateral
        initiative: the engine implements it without a response.
    sequence : {"together", "asks-first", "gives-first"}
        ``together``: every move starts at once. ``asks-first``: the proposer's moves
        start only once every asked move is in force. ``gives-first``: the reverse.
    note : str
        Free text copied into the trace.
    by : str
        The proposer; filled in by the engine (a strategy need not set it).
    """

    gives: frozenset[str] = frozenset()
    asks: frozenset[str] = frozenset()
    sequence: Sequencing = "together"
    note: str = ""
    by: str = ""

    @property
    def moves(self) -> frozenset[str]:
        return self.gives | self.asks

    @property
    def unilateral(self) -> bool:
        return not self.asks

    def describe(self) -> str:
        give = ", ".join(sorted(self.gives)) or "nothing"
        ask = ", ".join(sorted(self.asks)) or "nothing"
        text = f"gives {give}; asks {ask}; {self.sequence}"
        return f"{text}; {self.note}" if self.note else text


@dataclass(frozen=True)
class Verdict:
    """A response: accepted or not, and why (the reason goes into the trace).

    True in a condition when the proposal is accepted, so a strategy may return it from
    :meth:`~detente.simulate.strategies.base.Strategy.respond` like a bool.

    >>> bool(Verdict(False, "worse than holding out")), Verdict(True).reason
    (False, '')
    """

    accept: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.accept


@dataclass(frozen=True)
class Perception:
    """How one party sees the scenario: its own values exactly, the others' perhaps with error.

    Attributes
    ----------
    party : str
        Whose perception this is.
    scenario : Scenario
        The scenario with the others' values replaced by the perceived ones (likely
        values only), fixed for the run.
    values : mapping
        ``values[party][move]``: the perceived per-period value of ``move`` to ``party``.
    structure : Structure
        The scenario's structure as look-ups (:class:`detente.simulate.tables.Structure`):
        makers, reversibility, prerequisites, exclusions.
    """

    party: str
    scenario: Scenario
    values: Mapping[str, Mapping[str, float]]
    structure: Structure = field(repr=False, compare=False)
    # Answers of the pure offer searches of detente.simulate.strategies.offers on this view,
    # private to that module: a view is immutable, so an answer computed for a state holds
    # for every run that shares the view (the runs on one Tables object).
    _searches: dict[tuple[object, ...], object] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    # ----- look-ups (the scenario is immutable) ---------------------------
    @property
    def makers(self) -> dict[str, str]:
        """``makers[move]``: the party that makes ``move``."""
        return self.structure.makers

    @property
    def reversible(self) -> dict[str, bool]:
        """``reversible[move]``: whether ``move`` can be reversed."""
        return self.structure.reversible

    @property
    def closures(self) -> dict[str, frozenset[str]]:
        """``closures[move]``: ``scenario.closure([move])`` (the move and its prerequisites)."""
        return self.structure.closures

    @cached_property
    def interactions_of(self) -> dict[str, tuple[tuple[tuple[str, ...], float], ...]]:
        """``interactions_of[party]``: (moves, perceived likely value to ``party``) of each interaction."""
        return interactions_of(self.scenario)

    def feasible(self, moves: frozenset[str] | set[str]) -> bool:
        """``scenario.is_feasible(moves)``, without building the list of violations."""
        return self.structure.feasible(moves)

    def _remember(self, key: tuple[object, ...], compute: Callable[..., _T], *args: Any) -> _T:
        """``compute(*args)``, remembered on this view under ``key`` (a pure function of the view).

        For detente's own searches and the engine, not for strategies: ``key`` must hold
        everything the answer depends on besides the view.
        """
        memo = self._searches
        out = memo.get(key, _MISSING)
        if out is _MISSING:
            out = compute(*args)
            if len(memo) >= _SEARCH_LIMIT:
                memo.clear()
            memo[key] = out
        return out  # type: ignore[return-value]

    @classmethod
    def exact(cls, party: str, scenario: Scenario) -> Perception:
        """A perception without error.

        >>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X",
        ...     "parties": [{"id": "A"}, {"id": "B"}],
        ...     "moves": [{"id": "m", "by": "A", "title": "m", "value": {"B": [1, 2, 3]}}]})
        >>> Perception.exact("A", s).values["B"]["m"]
        2.0
        """
        return cls(party, scenario, likely_values(scenario), Structure(scenario))


def interactions_of(scenario: Scenario) -> dict[str, tuple[tuple[tuple[str, ...], float], ...]]:
    """``{party: ((moves, likely value to party), ...)}`` of the scenario's interaction terms."""
    out: dict[str, list[tuple[tuple[str, ...], float]]] = {}
    for inter in scenario.interactions:
        for party, value in inter.value.items():
            out.setdefault(party, []).append((inter.moves, value.likely))
    return {p: tuple(v) for p, v in out.items()}


def likely_values(scenario: Scenario) -> dict[str, dict[str, float]]:
    """``{party: {move: move.value_for(party).likely}}`` for every party and move, in file order.

    >>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X",
    ...     "parties": [{"id": "A"}, {"id": "B"}],
    ...     "moves": [{"id": "m", "by": "A", "title": "m", "value": {"B": [1, 2, 3]}}]})
    >>> likely_values(s)
    {'A': {'m': 0.0}, 'B': {'m': 2.0}}
    """
    values: dict[str, dict[str, float]] = {p: {} for p in scenario.party_ids}
    for m in scenario.moves:
        mid, given = m.id, m.value
        for p, row in values.items():
            v = given.get(p)
            row[mid] = 0.0 if v is None else v.likely  # value_for's default is a zero value
    return values


class History(Sequence[TraceEntry]):
    """A read-only view of the first ``n`` entries of a growing list (no copy)."""

    __slots__ = ("_items", "_n")

    def __init__(self, items: list[TraceEntry], n: int | None = None) -> None:
        self._items = items
        self._n = len(items) if n is None else n

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> TraceEntry: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[TraceEntry]: ...
    def __getitem__(self, i: int | slice) -> TraceEntry | Sequence[TraceEntry]:
        if isinstance(i, slice):
            r = range(self._n)[i]  # the slice's indices within the first n entries
            if r.step == 1:
                return tuple(self._items[r.start : r.stop])
            return tuple(self._items[j] for j in r)
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return self._items[i]

    def __iter__(self) -> Iterator[TraceEntry]:
        for i in range(self._n):
            yield self._items[i]

    def __reversed__(self) -> Iterator[TraceEntry]:
        for i in range(self._n - 1, -1, -1):
            yield self._items[i]


@dataclass(frozen=True)
class Observation:
    """Everything one party knows at one moment of a run.

    Attributes
    ----------
    period, horizon : int
        The current period (0-based) and the number of periods in the run.
    me : str
        The observing party.
    others : tuple of str
        The other parties, in scenario order.
    in_force : frozenset of str
        Moves this party believes are in force (a breach not yet detected is not seen).
    pending : mapping
        Moves agreed or begun but not yet in force, with the period in which each will
        enter force, or ``None`` for a move that waits for other moves (sequenced deals).
    reversing : mapping
        Moves whose reversal this party knows of, with the period in which each leaves force.
    committed : frozenset of str
        Moves agreed in exchanges (reversing one without cause is a breach).
    agenda : frozenset of str
        The moves on the table (the run's target package).
    trust : mapping
        Each party's trust in the others, in [0, 1].
    talks : {"open", "broken", "paused"}
        The state of the talks.
    proposer : bool
        Whether this party proposes in the current round.
    history : sequence of TraceEntry
        The trace entries this party can see, oldest first.
    view : Perception
        The values as this party sees them.
    deals : tuple of frozenset of str
        Every exchange agreed so far (all its moves), oldest first.
    licences : int
        How many of its own committed moves this party may reverse in answer to what the
        others took away without that being a breach (see docs/simulate.md).
    prior : Scenario or None
        The scenario as published before the run, with its ranged values (the analysts'
        estimates, common knowledge), when this run's values were drawn from it (a Monte
        Carlo replicate); ``None`` when the run plays the scenario's own values. A plan made
        in advance (:class:`~detente.simulate.strategies.stepwise.StepByStep`) is made on
        :attr:`estimates`.
    streaks : tuple of int
        For each pressure of the scenario (in file order), how many periods in a row it has
        run (its cost grows with it; see :mod:`detente.simulate.valuation`).
    answers : mapping
        Each party's declared answer to a breach or reversal of the others (``"in-kind"``,
        ``"all"`` or ``"none"``; see ``Strategy.answer``), which a party weighs before a breach.
    """

    period: int
    horizon: int
    me: str
    others: tuple[str, ...]
    in_force: frozenset[str]
    pending: Mapping[str, int | None]
    reversing: Mapping[str, int]
    committed: frozenset[str]
    agenda: frozenset[str]
    trust: Mapping[str, float]
    talks: TalksState
    proposer: bool
    history: Sequence[TraceEntry]
    view: Perception = field(repr=False)
    deals: tuple[frozenset[str], ...] = ()
    licences: int = 0
    prior: Scenario | None = field(default=None, repr=False)
    streaks: tuple[int, ...] = ()
    answers: Mapping[str, str] = field(default_factory=dict)

    # ----- conveniences for strategies -----------------------------------
    @property
    def scenario(self) -> Scenario:
        """The scenario as this party perceives it."""
        return self.view.scenario

    @property
    def estimates(self) -> Scenario:
        """The values known before the run: :attr:`prior` if the run's values were drawn, else :attr:`scenario`."""
        return self.prior if self.prior is not None else self.view.scenario

    @property
    def periods_left(self) -> int:
        return self.horizon - self.period

    @cached_property
    def settled(self) -> frozenset[str]:
        """Moves in force or pending (already dealt with)."""
        return self.in_force | frozenset(self.pending)

    def value(self, party: str, move: str) -> float:
        """Per-period value of ``move`` to ``party`` as this party sees it (exact for itself)."""
        return self.view.values[party][move]

    def maker(self, move: str) -> str:
        return self.view.makers[move]

    def utility(self, party: str, moves: frozenset[str] | set[str]) -> float:
        """Perceived per-period utility of ``party`` if exactly ``moves`` were in force."""
        return self.view.scenario.utility(party, moves)

    def gain(self, party: str, moves: frozenset[str] | set[str]) -> float:
        """Perceived change in ``party``'s per-period utility if ``moves`` were added to what is settled."""
        base = self.settled
        values = self.view.values[party]
        # exact (math.fsum), so the answer does not depend on the order in which the set is
        # iterated, which varies between equal sets and between processes (hash seeds)
        total = math.fsum([values[m] for m in moves if m not in base])
        inters = self.view.interactions_of.get(party)
        if inters:
            both = base | moves
            for together, value in inters:
                before = base.issuperset(together)
                after = both.issuperset(together)
                total += value * (int(after) - int(before))
        return total

    def available(self, party: str, *, agenda_only: bool = True) -> list[str]:
        """Moves of ``party`` neither in force nor pending (on the agenda only, by default), in file order."""
        return list(self.view.structure.available(party, self.settled, self.agenda if agenda_only else None))

    def complete(self, moves: frozenset[str] | set[str]) -> frozenset[str]:
        """``moves`` plus the prerequisites they need that are not yet settled."""
        return self.view.structure.closure(moves) - self.settled

    def feasible(self, moves: frozenset[str] | set[str]) -> bool:
        """Whether ``moves`` can be added to what is settled (prerequisites, exclusions)."""
        return self.view.feasible(self.settled | moves)

    def reversible_in_force(self, party: str) -> list[str]:
        """Moves of ``party`` in force, reversible, and not already being reversed (in the content order).

        The content order (:mod:`detente.model.order`), not the ids: renaming moves changes nothing.
        """
        makers, reversible = self.view.makers, self.view.reversible
        return self.view.structure.ordered(
            mid
            for mid in self.in_force
            if makers[mid] == party and reversible[mid] and mid not in self.reversing
        )
