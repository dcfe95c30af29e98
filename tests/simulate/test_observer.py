"""The board, the observer and the trace log: fast constructors equal the plain ones, changes invalidate."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from detente.scenarios import load_builtin
from detente.simulate.board import Board
from detente.simulate.observation import History, Observation
from detente.simulate.observer import OBSERVATION_FIELDS, Observer, fast_observation
from detente.simulate.tables import Tables
from detente.simulate.trace import TraceEntry
from detente.simulate.tracelog import TraceLog, fast_entry
from detente.simulate.valuation import relative_state


def test_fast_entry_equals_the_constructor() -> None:
    args = (3, "A", "proposal", frozenset({"a"}), "note", frozenset({"b"}))
    built = TraceEntry(*args)  # type: ignore[arg-type]
    fast = fast_entry(*args)  # type: ignore[arg-type]
    assert fast == built and fast.__dict__ == built.__dict__
    assert set(fast.__dict__) == {f.name for f in dataclasses.fields(TraceEntry)}


def test_observer_fills_every_field_and_equals_the_constructor() -> None:
    sc = load_builtin("korea-2019")
    t = Tables(sc)
    log = TraceLog(sc.party_ids, {})
    board = Board(sc.status_quo, sc.party_ids, trust=0.4)
    board.schedule(sc.move_ids[4], 2)
    observer = Observer(t.views, sc.party_ids, horizon=9, agenda=t.target, history=log.seen, board=board)
    for me in sc.party_ids:
        obs = observer.observe(me, proposer=True)
        # settled, and the board relative to now that valuations are keyed by (see valuation.relative_state)
        assert set(obs.__dict__) == OBSERVATION_FIELDS | {"settled", "_state_cell"}
        from detente.simulate.valuation import _state_key

        assert _state_key(obs) == relative_state(obs.in_force, obs.pending, obs.reversing, 0, 9)
        built = Observation(**{k: v for k, v in obs.__dict__.items() if k in OBSERVATION_FIELDS})
        assert obs == built and obs.settled == built.settled
        assert isinstance(obs.pending, MappingProxyType) and isinstance(obs.history, History)
    assert fast_observation({**obs.__dict__}) == obs


def test_every_board_change_rebuilds_what_parties_see() -> None:
    b = Board(frozenset({"x"}), ("A", "B"), trust=0.5)
    seen = b.public()
    changes = [
        lambda: b.set_trust("A", 0.9),
        lambda: b.commit(frozenset({"a", "b"})),
        lambda: b.schedule("a", 1),
        lambda: b.wait("b", frozenset({"a"})),
        lambda: b.enter_force("a"),
        lambda: b.unwait("b", 3),
        lambda: b.halt("b"),
        lambda: b.start_reversal("a", 4, covert=True),
        lambda: b.leave_force("a"),
        lambda: b.uncommit("a"),
        lambda: b.release(0, "A", {"a": "A", "b": "B"}),
    ]
    for change in changes:
        change()
        now = b.public()
        assert now is not seen
        assert now == (
            b.in_force,
            {**b.pending, **dict.fromkeys(b.waiting)},
            frozenset(b.committed),
            b.trust,
            tuple(b.deals),
            b.in_force | frozenset(b.pending) | frozenset(b.waiting),
        )
        assert b.public() is now  # nothing changed: the same object
        seen = now
