"""A scenario's structure as plain look-ups: who makes each move, prerequisites, exclusions.

It also holds the content order of the moves (:mod:`detente.model.order`): every search
that must break a tie between moves, or add up values over a set of moves, follows
:attr:`Structure.rank` (never the ids), so renaming moves or parties changes no number.

Values play no part, so a scenario and the replicates sampled from it share one
:class:`Structure` (:meth:`detente.simulate.tables.Tables.resampled` passes it on). Its
caches of pure searches live on the object and die with it.

Examples
--------
>>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X",
...     "parties": [{"id": "A"}], "moves": [{"id": "m", "by": "A", "title": "m"},
...     {"id": "n", "by": "A", "title": "n", "requires": ["m"]}]})
>>> sorted(Structure(s).closure({"n"}))
['m', 'n']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from detente.model.order import content_order
from detente.model.scenario import Scenario

__all__ = ["Structure", "concessions"]

_T = TypeVar("_T")
MoveKey = tuple[str, str, bool, tuple[str, ...], tuple[str, ...]]  # id, by, reversible, requires, excludes

_AVAILABILITY_LIMIT = 50_000  # entries of Structure.available's answers
_CLOSED_LIMIT = 50_000  # tuples of seeds of Structure.closed_sorted
_COURSE_LIMIT = 20_000  # courses of the board remembered by Structure.remember
_MISSING = object()


class Structure:
    """A scenario's structure as plain look-ups: who makes each move, prerequisites, exclusions.

    Values play no part, so scenarios with the same moves, makers, reversibility,
    prerequisites and exclusions (a scenario and the replicates sampled from it) can share
    one structure; :meth:`Tables.resampled` passes it on.

    Examples
    --------
    >>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X",
    ...     "parties": [{"id": "A"}], "moves": [{"id": "m", "by": "A", "title": "m"},
    ...     {"id": "n", "by": "A", "title": "n", "requires": ["m"]}]})
    >>> st = Structure(s)
    >>> st.feasible({"n"}), st.feasible({"m", "n"}), sorted(st.closure({"n"}))
    (False, True, ['m', 'n'])
    """

    __slots__ = (
        "_availability",
        "_closed",
        "_courses",
        "_of_prior",
        "_targets",
        "all_moves",
        "closures",
        "key",
        "makers",
        "order",
        "own",
        "rank",
        "required_by",
        "requires",
        "reversible",
        "rules",
    )

    def __init__(self, scenario: Scenario) -> None:
        self.key = key = self.key_of(scenario)  # (id, by, reversible, requires, excludes) per move
        self.makers = {mid: by for mid, by, _, _, _ in key}
        self.all_moves = frozenset(self.makers)
        # party -> its moves (for the parties that make moves)
        own: dict[str, list[str]] = {}
        for mid, by, _, _, _ in key:
            own.setdefault(by, []).append(mid)
        self.own = {p: frozenset(ms) for p, ms in own.items()}
        self.reversible = {mid: rev for mid, _, rev, _, _ in key}
        self.requires = {mid: req for mid, _, _, req, _ in key}
        # the other moves that require each move directly
        required_by: dict[str, set[str]] = {mid: set() for mid in self.makers}
        for mid, _, _, req, _ in key:
            for r in req:
                if r != mid and r in required_by:
                    required_by[r].add(mid)
        self.required_by = {mid: frozenset(xs) for mid, xs in required_by.items()}
        self.closures = {m.id: scenario.closure([m.id]) for m in scenario.moves}
        self.rules = tuple((mid, req, exc) for mid, _, _, req, exc in key if req or exc)
        # the content order (detente.model.order): ties and sums follow it, never the ids. It
        # reads no values, so the replicates sharing this structure share it too.
        self.order = content_order(scenario, self.closures)
        self.rank = {mid: i for i, mid in enumerate(self.order)}
        self._availability: dict[tuple[str, frozenset[str], frozenset[str] | None], tuple[str, ...]] = {}
        self._closed: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._targets: dict[tuple[frozenset[str], tuple[str, ...]], frozenset[str]] = {}
        self._of_prior: list[tuple[Scenario, tuple[object, ...], object]] = []
        self._courses: dict[tuple[object, ...], object] = {}

    @staticmethod
    def key_of(scenario: Scenario) -> tuple[MoveKey, ...]:
        """What a structure is made of: scenarios with equal keys have equal structures."""
        return tuple((m.id, m.by, m.reversible, m.requires, m.excludes) for m in scenario.moves)

    def closure(self, moves: Iterable[str]) -> frozenset[str]:
        """``scenario.closure(moves)``: the moves and every prerequisite they need."""
        closures = self.closures
        out: set[str] = set()
        for m in moves:
            out |= closures[m]
        return frozenset(out)

    def remember_for(
        self, prior: Scenario, key: tuple[object, ...], compute: Callable[..., _T], *args: Any
    ) -> _T:
        """``compute(*args)``, a pure function of ``prior`` and ``key``, remembered for the replicates drawn from ``prior``.

        The replicates of a Monte Carlo group share this structure and their prior (plans made
        in advance on the published estimates are made once for the group). Entries hold
        ``prior`` itself and are matched by identity, so a scenario freed and another made in
        its place can never read them.
        """
        for known, k, answer in self._of_prior:
            if known is prior and k == key:
                return answer  # type: ignore[return-value]
        out = compute(*args)
        if len(self._of_prior) >= 16:
            self._of_prior.pop(0)
        self._of_prior.append((prior, key, out))
        return out

    def remember(self, key: tuple[object, ...], compute: Callable[..., _T], *args: Any) -> _T:
        """``compute(*args)`` remembered under ``key``, which must hold everything the answer depends on
        besides the structure (the courses of the board in :mod:`detente.simulate.valuation`)."""
        memo = self._courses
        out = memo.get(key, _MISSING)
        if out is _MISSING:
            out = compute(*args)
            if len(memo) >= _COURSE_LIMIT:
                memo.clear()
            memo[key] = out
        return out  # type: ignore[return-value]

    def ordered(self, moves: Iterable[str]) -> list[str]:
        """``moves`` in the content order (:attr:`rank`): how ties between moves are broken."""
        return sorted(moves, key=self.rank.__getitem__)

    def closed_sorted(self, seeds: tuple[str, ...]) -> tuple[str, ...]:
        """``ordered(closure(seeds))``, remembered (the offer searches try the same seeds again and again)."""
        found = self._closed.get(seeds)
        if found is None:
            if len(self._closed) >= _CLOSED_LIMIT:
                self._closed.clear()
            found = self._closed[seeds] = tuple(self.ordered(self.closure(seeds)))
        return found

    def available(
        self, party: str, settled: frozenset[str], agenda: frozenset[str] | None
    ) -> tuple[str, ...]:
        """Moves of ``party`` not in ``settled`` (and in ``agenda`` unless it is ``None``), in file order."""
        key = (party, settled, agenda)
        found = self._availability.get(key)
        if found is None:
            makers = self.makers
            found = tuple(
                m
                for m in makers  # file order
                if makers[m] == party and m not in settled and (agenda is None or m in agenda)
            )
            if len(self._availability) >= _AVAILABILITY_LIMIT:
                self._availability.clear()
            self._availability[key] = found
        return found

    def feasible(self, moves: frozenset[str] | set[str]) -> bool:
        """``scenario.is_feasible(moves)``, without building the list of violations."""
        for mid, requires, excludes in self.rules:
            if mid in moves:
                for r in requires:
                    if r not in moves:
                        return False
                for x in excludes:
                    if x in moves:
                        return False
        return True

    def default_target(self, status_quo: frozenset[str], offered: tuple[str, ...]) -> frozenset[str]:
        """Each concession of ``offered`` in turn, with its prerequisites, while feasible with ``status_quo``.

        Remembered by its arguments: replicates whose values keep their signs offer the same
        concessions and find their base's answer. Incremental form of
        ``chosen = closure(chosen | {m}) - sq`` kept when ``feasible(closure(chosen | {m}) | sq)``:
        ``chosen | sq`` is closed up to ``sq``, so ``closure(chosen | {m}) | sq == chosen | sq | closures[m]``.
        """
        key = (status_quo, offered)
        found = self._targets.get(key)
        if found is None:
            held = status_quo
            for mid in offered:
                candidate = held | self.closures[mid]
                if self.feasible(candidate):
                    held = candidate
            if len(self._targets) >= 64:
                self._targets.pop(next(iter(self._targets)))
            found = self._targets[key] = held - status_quo
        return found


def concessions(scenario: Scenario) -> tuple[str, ...]:
    """Moves not in force at the start that some party other than the maker values above zero (file order)."""
    offered = []
    for m in scenario.moves:
        if m.in_force:
            continue
        for p, v in m.value.items():
            if p != m.by and v.likely > 0:
                offered.append(m.id)
                break
    return tuple(offered)
