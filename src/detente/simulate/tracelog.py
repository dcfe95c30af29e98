"""The trace as it is written during a run: every entry, who sees it, and who waits for it.

Examples
--------
>>> log = TraceLog(("A", "B"), watch={"B": frozenset({"reverse"})})
>>> log.add(0, "A", "reverse", frozenset({"a1"}))
>>> log.add(0, "A", "breach", frozenset({"a2"}), only="A")
>>> len(log.entries), len(log.seen["A"]), len(log.seen["B"]), log.alerted["B"]
(2, 2, 1, True)
"""

from __future__ import annotations

from collections.abc import Mapping

from .trace import TraceEntry, TraceKind

__all__ = ["TraceLog", "fast_entry"]

_new = object.__new__


def fast_entry(
    period: int, party: str, kind: TraceKind, moves: frozenset[str], note: str, asks: frozenset[str]
) -> TraceEntry:
    """``TraceEntry(...)`` without the frozen ``__init__`` (entries are made many times a run).

    tests/simulate/test_observer.py checks that this equals the constructor's object.
    """
    entry = _new(TraceEntry)
    entry.__dict__.update(period=period, party=party, kind=kind, moves=moves, note=note, asks=asks)
    return entry


class TraceLog:
    """The run's trace, each party's visible part of it, and the parties alerted by a kind of entry.

    ``watch[p]``: the kinds of entries of *other* parties after which ``p``'s strategy wants
    to be asked to renege (:meth:`~detente.simulate.strategies.base.Strategy.renege_triggers`);
    ``alerted[p]`` is set when one of them is added where ``p`` can see it.
    """

    def __init__(self, parties: tuple[str, ...], watch: Mapping[str, frozenset[str]]) -> None:
        self.parties = parties
        self.entries: list[TraceEntry] = []
        self.seen: dict[str, list[TraceEntry]] = {p: [] for p in parties}
        self.watch = dict(watch)
        self.alerted = dict.fromkeys(self.watch, False)
        self.watched = frozenset().union(*self.watch.values())

    def add(
        self,
        period: int,
        party: str,
        kind: TraceKind,
        moves: frozenset[str] | set[str] = frozenset(),
        note: str = "",
        *,
        asks: frozenset[str] = frozenset(),
        only: str | None = None,
    ) -> None:
        """Add an entry, seen by every party, or by ``only``."""
        entry = _new(TraceEntry)  # = fast_entry(...), inlined: entries are made many times a run
        entry.__dict__.update(
            period=period,
            party=party,
            kind=kind,
            moves=moves if type(moves) is frozenset else frozenset(moves),
            note=note,
            asks=asks,
        )
        self.entries.append(entry)
        if only is None:
            for p in self.parties:
                self.seen[p].append(entry)
        else:
            self.seen[only].append(entry)
        if kind in self.watched:
            for p, kinds in self.watch.items():
                if p != party and kind in kinds and (only is None or only == p):
                    self.alerted[p] = True
