"""What a run leaves behind: the trace of who did what, and the run's outcome.

Examples
--------
>>> e = TraceEntry(3, "USA", "proposal", frozenset({"a", "b"}), "gives a; asks b")
>>> e.kind, sorted(e.moves)
('proposal', ['a', 'b'])
>>> str(e)
'3 USA proposal [a, b] gives a; asks b'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["AFTER_BREACH", "TRACE_KINDS", "RunResult", "TraceEntry", "TraceKind"]

TraceKind = Literal[
    "proposal", "accept", "reject", "implement", "reverse", "breach", "detect", "event", "breakdown", "resume"
]
TRACE_KINDS: tuple[str, ...] = (
    "proposal",
    "accept",
    "reject",
    "implement",
    "reverse",
    "breach",
    "detect",
    "event",
    "breakdown",
    "resume",
)

AFTER_BREACH = "after a detected breach"
"""The note of a ``reverse`` entry whose move was already announced by a ``detect`` entry."""


@dataclass(frozen=True)
class TraceEntry:
    """One thing that happened in a run.

    Attributes
    ----------
    period : int
        The period (0-based) in which it happened.
    party : str
        Who did it: the proposer, the responder, the party whose move entered or left
        force, the breacher (for ``breach`` and ``detect``), or ``""`` for events and for
        breakdowns and resumptions of the talks.
    kind : str
        One of :data:`TRACE_KINDS`.
    moves : frozenset of str
        The moves concerned (for a proposal: every move in it, given and asked).
    note : str
        Free text for people (for an event: the event id; for a proposal: what is given,
        what is asked and in which order).
    asks : frozenset of str
        For a proposal (and the responses to it): the moves asked of the other side.
    """

    period: int
    party: str
    kind: TraceKind
    moves: frozenset[str] = frozenset()
    note: str = ""
    asks: frozenset[str] = frozenset()

    @property
    def gives(self) -> frozenset[str]:
        """For a proposal: the proposer's own moves in it."""
        return self.moves - self.asks

    def __str__(self) -> str:
        moves = f" [{', '.join(sorted(self.moves))}]" if self.moves else ""
        note = f" {self.note}" if self.note else ""
        who = f" {self.party}" if self.party else ""
        return f"{self.period}{who} {self.kind}{moves}{note}"

    def as_dict(self) -> dict[str, object]:
        return {
            "period": self.period,
            "party": self.party,
            "kind": self.kind,
            "moves": sorted(self.moves),
            "asks": sorted(self.asks),
            "note": self.note,
        }


@dataclass(frozen=True)
class RunResult:
    """The outcome of one run of :func:`detente.simulate.engine.play`.

    Attributes
    ----------
    agreement : bool
        At least one reciprocal exchange (a proposal with moves of two or more parties) was agreed.
    first_step : int or None
        Period of the first agreed reciprocal exchange.
    target_share : float
        Share of the target's moves that were not in force at the start and are in force at
        the horizon (1.0 when the target holds no such move).
    utilities : dict
        Per party, its payoff: ``window`` plus ``continuation`` (the value of the course of
        action as the decisions value it; see :mod:`detente.simulate.valuation`).
    breakdowns : int
        Times the talks broke down.
    breaches_detected, breaches_missed : int
        Breaches found out before the horizon, and those never found out.
    periods : int
        Periods played (the horizon).
    trace : tuple of TraceEntry
        Everything that happened, in order.
    target : frozenset of str
        The target package whose share is measured.
    in_force : frozenset of str
        The moves in force at the horizon.
    period_utilities : dict
        Per party, the undiscounted utility of each period (for checks and plots).
    proposals, accepted, implemented, reversed : int
        Counts of proposals made, proposals accepted (unilateral initiatives included),
        moves that entered force and moves that left force.
    window : dict
        Per party, the discounted sum over the horizon of its per-period utility (moves in
        force, pressures, event shocks): ``sum_t discount**t * u_t``.
    continuation : dict
        Per party, the value, discounted to the start, of the board at the horizon carrying
        on with no new deal (what stands in force, what is due, pressures still running).
    no_deal : dict
        Per party, the value at the start of no deal at all (the status quo carrying on), on
        the payoff's scale: ``utilities[p] - no_deal[p]`` is what the talks gained ``p``.
    """

    agreement: bool
    first_step: int | None
    target_share: float
    utilities: dict[str, float]
    breakdowns: int
    breaches_detected: int
    breaches_missed: int
    periods: int
    trace: tuple[TraceEntry, ...]
    target: frozenset[str] = frozenset()
    in_force: frozenset[str] = frozenset()
    period_utilities: dict[str, tuple[float, ...]] = field(default_factory=dict)
    proposals: int = 0
    accepted: int = 0
    implemented: int = 0
    reversed: int = 0
    window: dict[str, float] = field(default_factory=dict)
    continuation: dict[str, float] = field(default_factory=dict)
    no_deal: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, float | int | bool | None]:
        """Every scalar outcome, flat, for aggregation (utilities as ``utility.<party>``).

        >>> r = RunResult(True, 2, 0.5, {"A": 1.0, "B": 2.0}, 0, 0, 0, 10, ())
        >>> r.summary()["utility.B"], r.summary()["first_step"]
        (2.0, 2)
        """
        out: dict[str, float | int | bool | None] = {
            "agreement": self.agreement,
            "first_step": self.first_step,
            "target_share": self.target_share,
            "breakdowns": self.breakdowns,
            "breaches_detected": self.breaches_detected,
            "breaches_missed": self.breaches_missed,
            "periods": self.periods,
            "proposals": self.proposals,
            "accepted": self.accepted,
            "implemented": self.implemented,
            "reversed": self.reversed,
        }
        for party, u in self.utilities.items():
            out[f"utility.{party}"] = u
        for name, figures in (("window", self.window), ("no_deal", self.no_deal)):
            for party, u in figures.items():
                out[f"{name}.{party}"] = u
        return out

    def as_dict(self) -> dict[str, object]:
        """Everything, JSON-ready: the summary figures, the target, the final state and the trace."""
        out: dict[str, object] = dict(self.summary())
        out["utilities"] = dict(self.utilities)
        out["window"] = dict(self.window)
        out["continuation"] = dict(self.continuation)
        out["no_deal"] = dict(self.no_deal)
        out["target"] = sorted(self.target)
        out["in_force"] = sorted(self.in_force)
        out["trace"] = [e.as_dict() for e in self.trace]
        return out

    def entries(self, kind: str) -> list[TraceEntry]:
        """The trace entries of one kind."""
        return [e for e in self.trace if e.kind == kind]
