"""The board: the mutable state of one run, and the only functions that change it.

Everything a party can observe of the board (moves in force, pending and waiting,
commitments, deals, trust) changes only through the methods of :class:`Board`, and each
of them marks the board changed, so :meth:`Board.public` (what every party sees alike,
shared by the observations of one moment) is rebuilt exactly when it must be. The state
of the talks (open, broken, paused), the stall count and the licences are read directly.

Examples
--------
>>> b = Board(frozenset({"x"}), ("A", "B"), trust=0.5)
>>> deal = b.commit(frozenset({"a", "b"}))
>>> b.schedule("a", 2); b.wait("b", frozenset({"a"}))
>>> p = b.public()
>>> sorted(p.pending.items(), key=str), sorted(p.settled), sorted(p.committed), deal
([('a', 2), ('b', None)], ['a', 'b', 'x'], ['a', 'b'], 0)
>>> b.enter_force("a"); b.public() is p
False
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, NamedTuple

from .observation import TalksState

__all__ = ["Board", "Breach", "Public"]

Phase = Literal["in_force", "pending", "waiting"]


@dataclass
class Breach:
    """A committed move reversed without cause (covertly, until it is found out)."""

    move: str
    party: str
    period: int
    phase: Phase  # in force (a covert reversal), pending (a covert halt), waiting (a visible withdrawal)
    apparent: int | None  # for a halted move: the period in which it seemed due to enter force
    deal: int  # index of the deal the move was agreed in
    detected: int | None = None


class Public(NamedTuple):
    """What every party sees alike at one moment (hidden breaches aside)."""

    in_force: frozenset[str]
    pending: Mapping[str, int | None]  # pending and waiting moves; None for a waiting one
    committed: frozenset[str]
    trust: Mapping[str, float]
    deals: tuple[frozenset[str], ...]
    settled: frozenset[str]  # in force, pending or waiting


class Board:
    """The mutable state of one run (never stored on the scenario).

    Read any attribute; change what parties observe only through the methods below.
    """

    def __init__(self, in_force: frozenset[str], parties: tuple[str, ...], *, trust: float) -> None:
        self.in_force = in_force  # replaced, never changed in place (observations share it)
        self.parties = parties
        self.trust: dict[str, float] = dict.fromkeys(parties, trust)
        self.licences: dict[str, int] = dict.fromkeys(parties, 0)
        self.pending: dict[str, int] = {}  # move -> period in which it enters force
        self.waiting: dict[str, frozenset[str]] = {}  # move -> the moves it waits for
        self.reversing: dict[str, int] = {}  # move -> period in which it leaves force
        self.covert: set[str] = set()  # reversals of breaches not yet found out
        self.exposed: set[str] = set()  # reversals of breaches found out
        self.committed: dict[str, int] = {}  # move -> index of its deal
        self.deals: list[frozenset[str]] = []
        self.breaches: list[Breach] = []
        self.talks: TalksState = "open"
        self.resume_at = 0
        self.stall = 0
        self.rounds = 0
        self.streaks: list[int] = []  # each pressure's periods in a row running (the ledger's list)
        self._public: Public | None = None

    # ----- what every party sees --------------------------------------------
    def public(self) -> Public:
        """The board as every party sees it, rebuilt only after a change."""
        if self._public is None:
            pending: dict[str, int | None] = dict(self.pending)
            if self.waiting:
                pending.update(dict.fromkeys(self.waiting))
            self._public = Public(
                self.in_force,
                MappingProxyType(pending),
                frozenset(self.committed),
                MappingProxyType(dict(self.trust)),
                tuple(self.deals),
                self.in_force | frozenset(pending),
            )
        return self._public

    def settled(self) -> frozenset[str]:
        """Moves in force, pending or waiting (hidden breaches included)."""
        public = self._public
        return (public if public is not None else self.public()).settled

    def _changed(self) -> None:
        self._public = None

    # ----- changes ----------------------------------------------------------
    def set_trust(self, party: str, value: float) -> None:
        self.trust[party] = value
        self._changed()

    def commit(self, moves: frozenset[str]) -> int:
        """Record an agreed exchange; its index."""
        self.deals.append(moves)
        deal = len(self.deals) - 1
        self.committed.update(dict.fromkeys(moves, deal))
        self._changed()
        return deal

    def uncommit(self, move: str) -> int | None:
        """Release ``move`` from its deal; the deal's index, or ``None`` if it had none."""
        self._changed()
        return self.committed.pop(move, None)

    def release(self, deal: int, breacher: str, makers: Mapping[str, str]) -> None:
        """Release the other parties' moves of ``deal`` (a material breach by ``breacher``)."""
        for mid in self.deals[deal]:
            if makers[mid] != breacher and self.committed.get(mid) == deal:
                del self.committed[mid]
        self._changed()

    def schedule(self, move: str, at: int) -> None:
        """``move`` starts: it enters force in period ``at`` (once its prerequisites are in force)."""
        self.pending[move] = at
        self._changed()

    def wait(self, move: str, first: frozenset[str]) -> None:
        """``move`` starts once every move of ``first`` is in force."""
        self.waiting[move] = first
        self._changed()

    def start_reversal(self, move: str, at: int, *, covert: bool) -> None:
        """``move`` (in force) leaves force in period ``at``."""
        self.reversing[move] = at
        if covert:
            self.covert.add(move)
        self._changed()

    def halt(self, move: str) -> int:
        """Stop a pending move; the period in which it was due."""
        self._changed()
        return self.pending.pop(move)

    def withdraw(self, move: str) -> None:
        """Drop a waiting move."""
        del self.waiting[move]
        self._changed()

    def expose(self, breach: Breach, period: int) -> None:
        """``breach`` is found out in ``period``."""
        breach.detected = period
        if breach.move in self.covert:
            self.covert.discard(breach.move)
            self.exposed.add(breach.move)
        self._changed()

    def leave_force(self, move: str) -> None:
        del self.reversing[move]
        self.in_force = self.in_force - {move}
        self._changed()

    def enter_force(self, move: str) -> None:
        del self.pending[move]
        self.in_force = self.in_force | {move}
        self._changed()

    def unwait(self, move: str, at: int) -> None:
        """A waiting move whose conditions are met starts: it enters force in period ``at``."""
        del self.waiting[move]
        self.pending[move] = at
        self._changed()
