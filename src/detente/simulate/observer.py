"""The observer: the board as one party sees it, as a read-only :class:`Observation`.

Every party sees the board alike (:meth:`Board.public`) except for breaches not yet
found out: a party that covertly reversed or halted a committed move knows it; the
others still see the move in force (or pending until it seemed due, then in force) and
committed. A reversal under way is seen by everyone unless it is a covert one.

Examples
--------
>>> from detente.model.scenario import Scenario
>>> from detente.simulate.tables import Tables
>>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
...     "parties": [{"id": "A"}, {"id": "B"}],
...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"B": 1}, "in_force": True}]})
>>> t = Tables(s)
>>> board = Board(s.status_quo, s.party_ids, trust=0.5)
>>> ob = Observer(t.views, s.party_ids, horizon=5, agenda=t.target, history={"A": [], "B": []}, board=board)
>>> o = ob.observe("B")
>>> sorted(o.in_force), o.others, o.proposer
(['a1'], ('A',), False)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from types import MappingProxyType
from typing import Any

from detente.model.scenario import Scenario

from .board import Board
from .observation import History, Observation, Perception
from .trace import TraceEntry

__all__ = ["OBSERVATION_FIELDS", "Observer", "fast_observation"]

_NOTHING: MappingProxyType[str, int] = MappingProxyType({})
_new = object.__new__

OBSERVATION_FIELDS = frozenset(f.name for f in fields(Observation))


def fast_observation(values: dict[str, Any]) -> Observation:
    """``Observation(**values)`` with ``settled`` filled in, without the frozen ``__init__``.

    A frozen dataclass sets its 17 fields one by one through ``object.__setattr__``
    (1.9 against 0.3 us here), and a negotiation observes about a hundred times. ``values``
    must hold every field and ``settled`` (tests/simulate/test_observer.py checks that this
    equals the constructor's object).
    """
    obs = _new(Observation)
    obs.__dict__.update(values)
    return obs


class Observer:
    """Makes each party's observations in one run (the run's constants held once)."""

    def __init__(
        self,
        views: Mapping[str, Perception],
        parties: tuple[str, ...],
        *,
        horizon: int,
        agenda: frozenset[str],
        history: Mapping[str, list[TraceEntry]],
        prior: Scenario | None = None,
        board: Board,
        answers: Mapping[str, str] | None = None,
    ) -> None:
        self.board = board
        self._relative: list[Any] | None = None
        self.answers = MappingProxyType(dict(answers or {}))
        self.period = 0  # the run's current period (the engine moves it on)
        self.views = views
        self.others = {p: tuple(q for q in parties if q != p) for p in parties}
        self.makers = views[parties[0]].makers
        self.horizon = horizon
        self.agenda = agenda
        self.history = history
        self.prior = prior

    def observe(self, me: str, *, proposer: bool = False) -> Observation:
        """What ``me`` knows now."""
        board, period = self.board, self.period
        in_force, pending, committed, trust, deals, settled = board.public()
        hidden = (
            [br for br in board.breaches if br.detected is None and br.party != me]
            if board.breaches
            else None
        )
        if hidden:  # the others' breaches not yet found out look as if nothing happened
            seen_pending: dict[str, int | None] = dict(pending)
            in_force_s, committed_s = set(board.in_force), set(board.committed)
            for br in hidden:
                committed_s.add(br.move)
                if br.phase == "in_force" or (br.apparent is not None and br.apparent <= period):
                    in_force_s.add(br.move)
                else:
                    seen_pending[br.move] = br.apparent
            in_force, committed = frozenset(in_force_s), frozenset(committed_s)
            pending = MappingProxyType(seen_pending)
            settled = in_force | frozenset(seen_pending)
        reversing = board.reversing
        seen_reversing = (
            MappingProxyType(
                {m: at for m, at in reversing.items() if m not in board.covert or self.makers[m] == me}
            )
            if reversing
            else _NOTHING
        )
        obs = _new(Observation)  # = fast_observation(...), inlined: observe() runs ~100 times a negotiation
        obs.__dict__.update(
            period=period,
            horizon=self.horizon,
            me=me,
            others=self.others[me],
            in_force=in_force,
            pending=pending,
            reversing=seen_reversing,
            committed=committed,
            agenda=self.agenda,
            trust=trust,
            talks=board.talks,
            proposer=proposer,
            history=History(self.history[me]),
            view=self.views[me],
            deals=deals,
            licences=board.licences[me],
            prior=self.prior,
            settled=settled,
            streaks=tuple(board.streaks),
            answers=self.answers,
        )
        # the board relative to now, which valuations are keyed by: the same for every observation
        # of one period that sees the same pending and reversing moves (computed once for them)
        # (a cell holding it, filled in by the first valuation that needs it)
        cell = self._relative
        if cell is None or cell[0] != period or cell[1] is not pending or cell[2] is not seen_reversing:
            cell = self._relative = [period, pending, seen_reversing, None]
        obs.__dict__["_state_cell"] = cell
        return obs
