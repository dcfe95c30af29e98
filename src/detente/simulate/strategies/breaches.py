"""Breaches and answers: when a covert reversal pays, and what the others took away.

A covert reversal of a committed move is weighed as an inspection game over the whole
future (:mod:`detente.analysis.discounting`): it saves its maker the move's cost from its
reversal lag on, for ever, and once found out (with the move's verification probability
each period) costs it, from the next period on, what the partners take away: what each
partner's declared answer takes (``Observation.answers``: one move of about the same value,
every reversible move, or nothing), the partners' moves of the deal not yet in force (a
breach releases them, and they stop delivering), and the pressures those moves stopped,
which resume.

Examples
--------
>>> from detente.analysis.discounting import breach_pays
>>> breach_pays(1.0, 2.0, discount=0.95, detection=1.0)
False
"""

from __future__ import annotations

import math

from detente.analysis.discounting import breach_pays

from ..observation import Observation
from ..trace import AFTER_BREACH
from ..valuation import lookahead_of
from .offers import EPS

__all__ = ["ANSWERED", "Tracker", "breach_loss_per_period", "profitable_breaches"]


def _taken(obs: Observation, mid: str, partner: str, answer: str) -> list[str]:
    """What ``partner``'s declared ``answer`` takes away from the observer for a breach of ``mid``."""
    me = obs.me
    if answer == "none":
        return []
    rank = obs.view.structure.rank
    pool = [m for m in obs.reversible_in_force(partner) if obs.value(me, m) > EPS]
    pool += sorted(
        (m for m in obs.pending if obs.maker(m) == partner and m in obs.committed and obs.value(me, m) > EPS),
        key=rank.__getitem__,
    )
    if answer == "all" or not pool:
        return pool
    saved = abs(obs.value(me, mid))  # in kind: the move closest in value, in the taker's (observer's) eyes
    return [min(pool, key=lambda m: (abs(obs.value(me, m) - saved), rank[m]))]  # ties by content


def breach_loss_per_period(obs: Observation, mid: str) -> float:
    """What the observer loses a period once a covert reversal of its committed ``mid`` is found out.

    The value to it of what the partners' declared answers take away and of their moves of
    the deal not yet in force, plus the pressures on it that only those moves stopped.
    """
    me = obs.me
    deal = next((d for d in reversed(obs.deals) if mid in d), frozenset())
    partners = sorted({obs.maker(x) for x in deal} - {me})
    lost: set[str] = set()
    for q in partners:
        lost.update(_taken(obs, mid, q, obs.answers.get(q, "in-kind")))
        lost.update(x for x in deal if obs.maker(x) == q and x in obs.pending and obs.value(me, x) > EPS)
    terms = [obs.value(me, x) for x in lost]
    for pr in obs.scenario.pressures:
        if pr.party != me:
            continue
        stopping = [m for m in pr.stopped_by if m in obs.in_force and m not in obs.reversing]
        if stopping and all(m in lost for m in stopping):
            terms.append(-pr.per_period)
    return math.fsum(terms)


def profitable_breaches(obs: Observation) -> frozenset[str]:
    """Own committed moves in force whose covert reversal pays, weighed over the whole future.

    See the module docstring: the gain is the move's cost for ever from its reversal lag, the
    expected loss :func:`breach_loss_per_period` from the period after it is found out.
    """
    me, sc = obs.me, obs.scenario
    d = sc.party(me).discount
    ahead = lookahead_of(d, obs.horizon)
    out = set()
    for mid in obs.reversible_in_force(me):
        cost = -obs.value(me, mid)
        if mid not in obs.committed or cost <= EPS:
            continue
        move = sc.move(mid)
        loss = breach_loss_per_period(obs, mid)
        if breach_pays(
            cost, loss, discount=d, detection=move.verification, lag=move.reversal_lag, lookahead=ahead
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
