"""Breaches and answers: when a covert reversal pays, and what the others took away.

Examples
--------
>>> renege_pays(1.0, 2.0, discount=0.95, detection=1.0, periods=20)
False
"""

from __future__ import annotations

import math

from ..observation import Observation
from ..trace import AFTER_BREACH
from .offers import EPS

__all__ = ["ANSWERED", "Tracker", "profitable_breaches", "renege_pays"]


def renege_pays(
    saved: float, at_stake: float, *, discount: float, detection: float, periods: int, lag: int = 0
) -> bool:
    """Whether covertly reversing a committed move pays in expectation.

    The move costs its maker ``saved`` per period while in force; reversing it saves that
    from ``lag`` periods on. The maker expects the other side to withdraw what it gave in
    the same deal (``at_stake`` per period to the maker) from the period after the breach
    is found out, found out with probability ``detection`` each period (the period of the
    breach included). Over ``periods`` periods with per-period ``discount`` ``d``:

    ``gain = saved * sum_{k=lag}^{periods-1} d**k``,
    ``loss = at_stake * sum_{k=1}^{periods-1} d**k * (1 - (1 - detection)**k)``;

    it pays if ``gain > loss``. (This is the inspectee's side of an inspection game,
    Avenhaus, von Stengel & Zamir 2002, with the penalty being the partner's withdrawal.)

    >>> renege_pays(1.0, 2.0, discount=0.95, detection=1.0, periods=20)
    False
    >>> renege_pays(1.0, 2.0, discount=0.95, detection=0.0, periods=20)
    True
    """
    gain = saved * sum(discount**k for k in range(lag, periods))
    loss = at_stake * sum(discount**k * (1.0 - (1.0 - detection) ** k) for k in range(1, periods))
    return gain > loss + EPS


def profitable_breaches(obs: Observation) -> frozenset[str]:
    """Own committed moves in force whose covert reversal pays (see :func:`renege_pays`)."""
    me, sc = obs.me, obs.scenario
    out = set()
    for mid in obs.reversible_in_force(me):
        cost = -obs.value(me, mid)
        if mid not in obs.committed or cost <= EPS:
            continue
        deal = next((d for d in reversed(obs.deals) if mid in d), frozenset())
        at_stake = math.fsum(  # exact, so the same whatever order the deal's set is iterated in
            obs.value(me, x)
            for x in deal
            if obs.maker(x) != me and x in obs.in_force and sc.move(x).reversible and obs.value(me, x) > 0
        )
        move = sc.move(mid)
        if renege_pays(
            cost,
            at_stake,
            discount=sc.party(me).discount,
            detection=move.verification,
            periods=obs.periods_left,
            lag=move.reversal_lag,
        ):
            out.add(mid)
    return frozenset(out)


ANSWERED: frozenset[str] = frozenset({"reverse", "detect"})
"""The kinds of trace entries a :class:`Tracker` reads (see ``Strategy.renege_triggers``)."""


class Tracker:
    """Reads the history for what the other parties took away since the last call.

    A defection is another party's move, valued above zero by the observer, that
    visibly left force (an open reversal, or a halt), or whose breach was detected.
    """

    def __init__(self) -> None:
        self.seen = 0

    def defections(self, obs: Observation) -> list[str]:
        out: list[str] = []
        history = obs.history
        n = len(history)
        if n == self.seen:
            return out
        me, ordered = obs.me, obs.view.structure.ordered
        for e in history[self.seen : n]:
            if e.party == me or e.kind not in ANSWERED:
                continue
            if e.kind == "reverse" and e.note == AFTER_BREACH:
                continue  # already counted when the breach was detected
            out.extend(m for m in ordered(e.moves) if obs.value(me, m) > EPS)  # content order, not ids
        self.seen = n
        return out

    def answers(self, obs: Observation, taken: list[str], *, all_of_them: bool = False) -> frozenset[str]:
        """Own moves to reverse in answer: one per move taken (the closest in the taker's eyes), or all.

        Committed moves are reversed only as far as the party's licences go (``obs.licences``),
        so that an answer is never a breach; moves not committed (or released by the other
        side's breach) are always free to reverse. Candidates are taken in the content order
        (:mod:`detente.model.order`), which also breaks ties of closeness; ids never do.
        """
        if not taken:
            return frozenset()
        rank = obs.view.structure.rank
        candidates = [m for m in obs.reversible_in_force(obs.me)]
        candidates += sorted(
            (m for m in obs.pending if obs.maker(m) == obs.me and m in obs.committed), key=rank.__getitem__
        )
        free = [m for m in candidates if m not in obs.committed]
        bound = [m for m in candidates if m in obs.committed]
        if all_of_them:
            return frozenset(free) | frozenset(bound[: obs.licences])
        out: set[str] = set()
        licences = obs.licences
        for mid in taken:
            taker = obs.maker(mid)
            saved = abs(obs.value(taker, mid))
            pool = [
                m
                for m in candidates
                if m not in out and obs.value(taker, m) > EPS and (m in free or licences > 0)
            ]
            if not pool:
                break
            pick = min(pool, key=lambda m: (abs(obs.value(taker, m) - saved), rank[m]))
            out.add(pick)
            licences -= pick in bound
        return frozenset(out)
