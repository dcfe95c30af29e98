"""The rules of moves in a run: proposals checked and settled, moves started, reversed, found out, implemented.

Steps 3 (settling a proposal), 4 (reneging), 5 (detection) and 6 (progress) of a period
(see :mod:`detente.simulate.engine` and docs/simulate.md). Moves that start, are reversed,
leave or enter force in the same period are handled in the content order
(:attr:`~detente.simulate.structure.Structure.rank`), never by id: the order decides which
breach gets which detection draw and which reversal uses a licence, so an order of ids would
let a renaming change the numbers. Every change of the board goes
through :class:`~detente.simulate.board.Board`'s methods; every entry of the trace through
the run's :class:`~detente.simulate.tracelog.TraceLog`.

Examples
--------
See :func:`detente.simulate.engine.play`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from functools import lru_cache

import numpy as np

from detente.model.scenario import Scenario

from .board import Board, Breach
from .observation import Observation, Proposal
from .settings import SimulationSettings, did_you_mean
from .strategies.base import Strategy, StrategyError
from .structure import Structure
from .trace import AFTER_BREACH
from .tracelog import TraceLog

__all__ = ["Moves"]

_new = object.__new__
_SEQUENCES = ("together", "asks-first", "gives-first")


@lru_cache(maxsize=4096)
def _description(gives: frozenset[str], asks: frozenset[str], sequence: str, note: str) -> str:
    """The trace note of a plain proposal (the same offers recur period after period)."""
    return Proposal(gives, asks, sequence, note).describe() + ("" if asks else "; unilateral")  # type: ignore[arg-type]


class Moves:
    """The rules of moves for one run, and its counts."""

    def __init__(
        self,
        scenario: Scenario,
        structure: Structure,
        settings: SimulationSettings,
        *,
        board: Board,
        log: TraceLog,
        strategies: Mapping[str, Strategy],
        renegers: tuple[str, ...],
        rng: np.random.Generator,
        observe: Callable[[str], Observation],
    ) -> None:
        # What it needs is given one by one (no reference back to the run: no reference cycle,
        # so a finished run is freed at once, not by the garbage collector).
        self.sc = scenario
        self.settings = settings
        self.parties = scenario.party_ids
        self.board = board
        self.log = log
        self.strategies = strategies
        self.renegers = renegers
        self.rng = rng
        self.observe = observe
        self.t = 0  # the current period (the engine moves it on)
        self.structure = structure
        self.makers = structure.makers
        self.rank = structure.rank
        self.ordered = structure.ordered
        self.others = {p: tuple(q for q in self.parties if q != p) for p in self.parties}
        self.own = {p: structure.own.get(p, frozenset()) for p in self.parties}
        self.counts = {"proposals": 0, "accepted": 0, "implemented": 0, "reversed": 0, "breakdowns": 0}
        self.first_step: int | None = None

    def breakdown(self, reason: str, until: int) -> None:
        """The talks break down until period ``until`` (at least)."""
        b = self.board
        if b.talks == "broken":
            b.resume_at = max(b.resume_at, until)
            return
        was_paused = b.talks == "paused"
        b.talks = "broken"
        b.resume_at = max(b.resume_at, until) if was_paused else until
        b.stall = 0
        self.counts["breakdowns"] += 1
        self.log.add(self.t, "", "breakdown", note=reason)

    # ----- step 3: a proposal ---------------------------------------------
    def clean(self, pid: str, offer: object) -> Proposal | None:
        """Check a strategy's offer against the rules; drop moves already settled."""
        if offer is None:
            return None
        label = self.strategies[pid].label
        if not isinstance(offer, Proposal):
            raise StrategyError.of(
                label, f"propose() must return a Proposal or None, not {type(offer).__name__}"
            )
        if offer.sequence not in _SEQUENCES:
            raise StrategyError.of(label, f"unknown sequence {offer.sequence!r}")
        gives, asks = frozenset(offer.gives), frozenset(offer.asks)
        own = self.own[pid]
        if not (gives <= own and asks <= self.structure.all_moves and asks.isdisjoint(own)):
            self.unlawful(pid, offer)
        settled = self.board.settled()
        gives, asks = gives - settled, asks - settled
        if (offer.gives and not gives) or (offer.asks and not asks):
            return None  # one side of the exchange is already settled: nothing left to exchange
        if type(offer) is Proposal:  # fields set directly: Proposal's frozen __init__ sets them one by one
            prop = _new(Proposal)
            prop.__dict__.update(gives=gives, asks=asks, sequence=offer.sequence, note=offer.note, by=pid)
            return prop
        return replace(offer, gives=gives, asks=asks, by=pid)

    def unlawful(self, pid: str, offer: Proposal) -> None:
        """Raise the error for the first rule ``offer`` breaks (in move order, for a stable message)."""
        label, makers = self.strategies[pid].label, self.makers
        for mid in sorted(offer.gives | offer.asks):
            if mid not in makers:
                raise StrategyError.of(
                    label, f"proposed unknown move {mid!r}{did_you_mean(mid, self.sc.move_ids)}"
                )
        for mid in sorted(offer.gives):
            if makers[mid] != pid:
                raise StrategyError.of(label, f"party {pid} cannot give {mid!r}, a move of {makers[mid]}")
        for mid in sorted(offer.asks):
            if makers[mid] == pid:
                raise StrategyError.of(label, f"party {pid} asks for its own move {mid!r} (put it in gives)")

    def settle(self, prop: Proposal) -> None:
        """Put ``prop`` to the others (unless it asks nothing) and start it if all accept."""
        b, log = self.board, self.log
        pid = prop.by
        self.counts["proposals"] += 1
        moves, asks = prop.moves, prop.asks
        note = (
            _description(prop.gives, prop.asks, prop.sequence, prop.note)
            if type(prop) is Proposal
            else prop.describe()
            + ("; unilateral" if prop.unilateral else "")  # a subclass may describe itself
        )
        log.add(self.t, pid, "proposal", moves, note, asks=asks)
        together = b.settled() | moves
        problems = [] if self.structure.feasible(together) else self.sc.violations(together)
        if problems:
            log.add(self.t, "", "reject", moves, "infeasible: " + "; ".join(problems), asks=asks)
            self.stalled()
            return
        if not asks:  # a unilateral initiative
            self.counts["accepted"] += 1
            b.stall = 0
            self.start(prop, moves, committed=False)
            return
        verdicts = []
        to = "to " + pid
        for rid in self.others[pid]:
            answer = self.strategies[rid].respond(self.observe(rid), prop)
            ok = bool(answer)
            verdicts.append(ok)
            why = getattr(answer, "reason", "")  # a Verdict says why (a plain bool does not)
            log.add(
                self.t, rid, "accept" if ok else "reject", moves, f"{to}: {why}" if why else to, asks=asks
            )
        if not all(verdicts):
            self.stalled()
            return
        self.counts["accepted"] += 1
        b.stall = 0
        self.start(prop, moves, committed=True)
        if self.first_step is None and len({self.makers[m] for m in moves}) >= 2:
            self.first_step = self.t

    def stalled(self) -> None:
        b, settings = self.board, self.settings
        b.stall += 1
        if b.stall >= settings.stall_limit:
            self.breakdown(f"{b.stall} proposals rejected in a row", self.t + 1 + settings.cooling_off)

    def start(self, prop: Proposal, moves: frozenset[str], *, committed: bool) -> None:
        """Start an agreed (or unilateral) proposal's moves in its sequence."""
        b, sc, t = self.board, self.sc, self.t
        if committed:
            b.commit(moves)
        first, then = moves, frozenset[str]()
        if prop.sequence == "asks-first":
            first, then = prop.asks, prop.gives
        elif prop.sequence == "gives-first":
            first, then = prop.gives, prop.asks
        for mid in self.ordered(first):
            b.schedule(mid, t + sc.move(mid).duration)
        for mid in self.ordered(then):
            b.wait(mid, first)

    # ----- step 4: reneging ----------------------------------------------
    def reneging(self) -> None:
        alerted = self.log.alerted
        for pid in self.renegers:
            if pid in alerted:  # its renege() waits for an entry of a kind it watches for
                if not alerted[pid]:
                    continue
                alerted[pid] = False
            for mid in self._in_turn(self.strategies[pid].renege(self.observe(pid))):
                self.reverse(pid, mid)

    def _in_turn(self, moves: Iterable[str]) -> list[str]:
        """A renege() answer in the order its moves are reversed: unknown ids first (so that the
        error names one), then the content order (the first reversals use the licences, and the
        breaches draw for detection in turn)."""
        rank = self.rank
        given = set(moves)
        return sorted(m for m in given if m not in rank) + self.ordered(m for m in given if m in rank)

    def reverse(self, pid: str, mid: str) -> None:
        """``pid`` reverses its move ``mid``: openly, under a licence, or in breach of its deal."""
        b, t = self.board, self.t
        label = self.strategies[pid].label
        if mid not in self.makers:
            raise StrategyError.of(
                label, f"reneged on unknown move {mid!r}{did_you_mean(mid, self.sc.move_ids)}"
            )
        move = self.sc.move(mid)
        if move.by != pid:
            raise StrategyError.of(label, f"party {pid} cannot reverse {mid!r}, a move of {move.by}")
        if mid in b.reversing:
            return
        if mid in b.in_force:
            if not move.reversible:
                raise StrategyError.of(label, f"{mid!r} is in force and irreversible")
            phase = "in_force"
        elif mid in b.pending:
            phase = "pending"
        elif mid in b.waiting:
            phase = "waiting"
        else:
            return
        deal = b.uncommit(mid)
        licensed = deal is not None and b.licences[pid] > 0
        if licensed:
            b.licences[pid] -= 1
        breach = deal is not None and not licensed
        apparent: int | None = None
        if phase == "in_force":
            b.start_reversal(mid, t + move.reversal_lag, covert=breach)
        elif phase == "pending":
            apparent = b.halt(mid)
            if not breach:
                self.log.add(t, pid, "reverse", {mid}, "implementation halted")
        else:
            b.withdraw(mid)
            if not breach:
                self.log.add(t, pid, "reverse", {mid}, "withdrawn before it began")
        if deal is not None and breach:
            br = Breach(mid, pid, t, phase, apparent, deal)  # type: ignore[arg-type]
            b.breaches.append(br)
            what = {"in_force": "covert reversal", "pending": "implementation halted", "waiting": "withdrawn"}
            self.log.add(t, pid, "breach", {mid}, what[phase], only=pid)
            if phase == "waiting":
                self.found_out(br, "withdrawal is visible")
        else:
            self.wronged(pid, mid, self.settings.trust_loss_reversal, licence=not licensed)

    def wronged(self, pid: str, mid: str, loss: float, *, licence: bool) -> None:
        """The others who valued ``mid`` lose trust (and may answer in kind)."""
        b = self.board
        move = self.sc.move(mid)
        for q in self.parties:
            if q != pid and move.value_for(q).likely > 0:
                b.set_trust(q, max(0.0, b.trust[q] - loss))
                if licence:
                    b.licences[q] += 1

    # ----- step 5: detection ---------------------------------------------
    def detection(self) -> None:
        for br in self.board.breaches:
            if br.detected is None and self.rng.random() < self.sc.move(br.move).verification:
                self.found_out(br, "verified")

    def found_out(self, br: Breach, how: str) -> None:
        b, t = self.board, self.t
        b.expose(br, t)
        self.log.add(t, br.party, "detect", {br.move}, f"breach of period {br.period} found out ({how})")
        self.wronged(br.party, br.move, self.settings.trust_loss_breach, licence=True)
        b.release(br.deal, br.party, self.makers)  # a material breach releases the others from that deal
        # ... and they stop delivering what of it is not yet in force (the undelivered stages)
        for mid in self.ordered(b.deals[br.deal]):
            if self.makers[mid] == br.party:
                continue
            if mid in b.pending:
                b.halt(mid)
                self.log.add(
                    t, self.makers[mid], "reverse", {mid}, "implementation halted: released by a breach"
                )
            elif mid in b.waiting:
                b.withdraw(mid)
                self.log.add(t, self.makers[mid], "reverse", {mid}, "withdrawn: released by a breach")
        self.breakdown(f"breach by {br.party} detected", t + 1 + self.settings.cooling_off)

    # ----- step 6: progress ----------------------------------------------
    def progress(self) -> None:
        """Reversals due leave force; implementations due (prerequisites in force) enter; waiting moves start."""
        b, t, log, sc, rank = self.board, self.t, self.log, self.sc, self.rank
        for mid in sorted(b.reversing, key=lambda m: (b.reversing[m], rank[m])):
            if b.reversing[mid] > t:
                continue
            b.leave_force(mid)
            self.counts["reversed"] += 1
            pid = self.makers[mid]
            if mid in b.covert:
                b.covert.discard(mid)
                log.add(t, pid, "reverse", {mid}, "covert", only=pid)
            elif mid in b.exposed:
                b.exposed.discard(mid)
                log.add(t, pid, "reverse", {mid}, AFTER_BREACH)
            else:
                log.add(t, pid, "reverse", {mid})
        changed = True
        while changed:
            changed = False
            for mid in sorted(b.pending, key=lambda m: (b.pending[m], rank[m])):
                move = sc.move(mid)
                if b.pending[mid] > t or not all(r in b.in_force for r in move.requires):
                    continue
                b.enter_force(mid)
                self.counts["implemented"] += 1
                log.add(t, move.by, "implement", {mid})
                for q in self.parties:
                    if q != move.by and move.value_for(q).likely > 0:
                        b.set_trust(q, min(1.0, b.trust[q] + self.settings.trust_gain))
                changed = True
            for mid in self.ordered(b.waiting):
                if b.waiting[mid] <= b.in_force:
                    b.unwait(mid, t + sc.move(mid).duration)
                    changed = True
