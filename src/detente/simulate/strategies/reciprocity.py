"""Reciprocity strategies: tit-for-tat, GRIT, freeze-for-freeze.

Each proposes small exchanges balanced in both parties' eyes (as it perceives them),
accepts what is balanced in its own eyes, and answers the other side's reversals.

Examples
--------
>>> TitForTat(tolerance=0.1).get_params()
{'tolerance': 0.1, 'min_trust': 0.0, 'opportunistic': False, 'margin': 0.5}
>>> Grit().name, FreezeForFreeze.simultaneous
('grit', True)
"""

from __future__ import annotations

from ..observation import Observation, Proposal
from .base import Strategy
from .breaches import ANSWERED, Tracker, profitable_breaches
from .demands import initiative
from .offers import (
    EPS,
    NOT_BALANCED,
    NOTHING,
    TRUST,
    Verdict,
    acceptable,
    assess,
    judge,
    rational,
    small_exchange,
)

__all__ = ["FreezeForFreeze", "Grit", "Reciprocal", "TitForTat"]


class Reciprocal(Strategy):
    """Shared behaviour: balanced acceptance, trust threshold, answering reversals.

    Not registered; the concrete strategies below are.
    """

    tolerance: float
    min_trust: float
    opportunistic: bool = False
    margin: float = 0.5
    answer = "in-kind"
    _tracker: Tracker

    def validate(self) -> None:
        self._check(0 <= self.tolerance < 1, f"tolerance: expected 0 <= t < 1, found {self.tolerance}")
        self._check(0 <= self.min_trust <= 1, f"min_trust: expected 0..1, found {self.min_trust}")
        self._check(self.margin >= 0, f"margin: expected >= 0, found {self.margin}")

    def setup(self, obs: Observation) -> None:
        self._tracker = Tracker()

    def trusting(self, obs: Observation) -> bool:
        return obs.trust[obs.me] >= self.min_trust

    def respond(self, obs: Observation, proposal: Proposal) -> Verdict:
        if not self.trusting(obs):
            return Verdict(False, TRUST)
        return self.judged(obs, proposal)

    def judged(self, obs: Observation, proposal: Proposal, *, norm: bool | None = None) -> Verdict:
        """:func:`.offers.judge` with its norm: balanced in its own eyes within ``tolerance``."""
        if norm is None:
            norm = acceptable(obs, proposal, self.tolerance)
        refusal = NOT_BALANCED if assess(obs, proposal, obs.me).received > EPS else NOTHING
        return judge(obs, proposal, norm=norm, refusal=refusal, margin=self.margin)

    def renege(self, obs: Observation) -> frozenset[str]:
        return self._tracker.answers(obs, self._tracker.defections(obs)) | self.cheats(obs)

    def renege_triggers(self) -> frozenset[str] | None:
        # it answers reversals and detected breaches of the others; an opportunist may cheat any time
        return None if self.opportunistic else ANSWERED

    def cheats(self, obs: Observation) -> frozenset[str]:
        """With ``opportunistic``: the committed moves whose covert reversal pays."""
        return profitable_breaches(obs) if self.opportunistic else frozenset()


class TitForTat(Reciprocal):
    """Cooperate first, then do what the other side did (Axelrod 1984).

    Cooperation is the smallest exchange balanced in both parties' eyes (one move for
    one move where possible) and accepting any proposal balanced in its own eyes
    within ``tolerance`` whose exposure stays within its limit. Each move the other
    side takes away (an open reversal, a halted implementation, a detected breach) is
    answered by reversing one own move of about the same value in the taker's eyes;
    then it cooperates again (it does not hold a grudge).

    Parameters
    ----------
    tolerance : float
        Accepted shortfall: received >= (1 - tolerance) x given, on its own scale.
    min_trust : float
        Below this trust it neither proposes nor accepts (0: always engages).
    opportunistic : bool
        Also reverse, covertly, any of its committed moves whose reversal pays in expectation
        over the whole future, given the move's verification and what the other side's declared
        answer would take away (:func:`~detente.simulate.strategies.breaches.profitable_breaches`):
        a breach.
    margin : float
        It never accepts a proposal worth less to it than holding out (the board carrying on
        with no new deal, pressures running: :mod:`detente.simulate.valuation`); it accepts one
        its norm refuses (unbalanced) if that beats holding out by ``margin`` a period on its own
        scale, for ever (pressure can make it yield). It proposes only exchanges that every side
        gains from, in its eyes.

    References
    ----------
    Axelrod, R. (1984). *The Evolution of Cooperation*. Basic Books.
    Axelrod, R. & Hamilton, W. D. (1981). The evolution of cooperation. *Science* 211:1390-1396.
    """

    name = "tit-for-tat"
    description = "Cooperates first with small balanced exchanges; answers each reversal in kind."
    reference = "Axelrod (1984), The Evolution of Cooperation"

    def __init__(
        self, tolerance: float = 0.2, min_trust: float = 0.0, opportunistic: bool = False, margin: float = 0.5
    ) -> None:
        self.tolerance = tolerance
        self.min_trust = min_trust
        self.opportunistic = opportunistic
        self.margin = margin

    def propose(self, obs: Observation) -> Proposal | None:
        if not self.trusting(obs):
            return None
        return rational(obs, small_exchange(obs, self.tolerance))


class Grit(Reciprocal):
    """Graduated and reciprocated initiatives in tension reduction (Osgood 1962).

    When it proposes, it announces and carries out a small unilateral initiative
    (its cheapest concession the other side values, reversible ones first, costing at
    most ``step`` times its exposure limit), and keeps doing so while the other side
    reciprocates; after ``patience`` initiatives in a row without reciprocation it
    proposes balanced exchanges instead. Reciprocation is any move of the other side
    that it values entering force, any initiative of the other side, or the other
    side accepting its proposal. It accepts balanced proposals and answers each
    reversal in kind, as Osgood advises (keep a retaliatory capacity, respond in kind).

    Parameters
    ----------
    step : float
        Largest cost of one initiative, as a share of its exposure limit (of its largest
        single concession's cost when it has no limit).
    patience : int
        Initiatives made without reciprocation before it stops making them.
    tolerance, min_trust, opportunistic, margin
        As for :class:`TitForTat`. Its initiatives are unilateral costs by design (Osgood's
        investment in trust, bounded by ``step``): the one decision of a built-in strategy that
        is not individually rational.

    References
    ----------
    Osgood, C. E. (1962). *An Alternative to War or Surrender*. University of Illinois Press.
    Lindskold, S. (1978). Trust development, the GRIT proposal, and the effects of conciliatory
    acts on conflict and cooperation. *Psychological Bulletin* 85(4):772-793.
    """

    name = "grit"
    description = "Small unilateral initiatives, continued while reciprocated; balanced exchanges otherwise."
    reference = "Osgood (1962), An Alternative to War or Surrender"

    def __init__(
        self,
        step: float = 0.5,
        patience: int = 3,
        tolerance: float = 0.2,
        min_trust: float = 0.0,
        opportunistic: bool = False,
        margin: float = 0.5,
    ) -> None:
        self.step = step
        self.patience = patience
        self.tolerance = tolerance
        self.min_trust = min_trust
        self.opportunistic = opportunistic
        self.margin = margin

    def validate(self) -> None:
        super().validate()
        self._check(self.step > 0, f"step: expected > 0, found {self.step}")
        self._check(self.patience >= 0, f"patience: expected >= 0, found {self.patience}")

    def unreciprocated(self, obs: Observation) -> int:
        """Own initiatives since the other side last reciprocated."""
        count = 0
        for e in reversed(obs.history):
            if e.party == obs.me:
                if e.kind == "proposal" and not e.asks:
                    count += 1
                continue
            if e.kind == "implement" and any(obs.value(obs.me, m) > EPS for m in e.moves):
                break
            if (e.kind == "proposal" and not e.asks) or (e.kind == "accept" and _to(e.note) == obs.me):
                break
        return count

    def initiative(self, obs: Observation) -> frozenset[str] | None:
        """Its cheapest concession the others value (reversible first) within ``step`` (see :func:`.demands.initiative`)."""
        return initiative(obs, self.step)

    def propose(self, obs: Observation) -> Proposal | None:
        if not self.trusting(obs):
            return None
        if self.unreciprocated(obs) < self.patience:
            moves = self.initiative(obs)
            if moves:
                return Proposal(gives=moves, note="initiative")
        return rational(obs, small_exchange(obs, self.tolerance))


def _to(note: str) -> str:
    """The proposer an accept entry answers: its note is ``"to P"`` or ``"to P: reason"``."""
    head = note.split(":", 1)[0]
    return head[3:] if head.startswith("to ") else ""


class FreezeForFreeze(Reciprocal):
    """Suspension for suspension: reversible steps taken by both sides at once, snap-back on breach.

    Offers are simultaneous (every party proposes in every round while it plays). It
    proposes the smallest exchange of one reversible move for one reversible move
    balanced in both parties' eyes; when no such freeze is left, the smallest balanced
    exchange of any moves. It accepts balanced proposals. If the other side takes any
    move away, it reverses every reversible move of its own (snap-back).

    Parameters
    ----------
    tolerance, min_trust, opportunistic, margin
        As for :class:`TitForTat`.

    References
    ----------
    The "double suspension" (freeze-for-freeze) proposal of China and Russia, joint statement
    of their foreign ministries, 4 July 2017 (citation from memory); the freeze-first sequencing
    of the 1994 US-DPRK Agreed Framework (see docs/strategies.md).
    """

    name = "freeze-for-freeze"
    description = "Simultaneous reversible freezes first, then balanced exchanges; snap-back on reversal."
    reference = "China-Russia 'double suspension' proposal (2017); Agreed Framework (1994) freeze"
    simultaneous = True

    answer = "all"

    def __init__(
        self, tolerance: float = 0.3, min_trust: float = 0.0, opportunistic: bool = False, margin: float = 0.5
    ) -> None:
        self.tolerance = tolerance
        self.min_trust = min_trust
        self.opportunistic = opportunistic
        self.margin = margin

    def propose(self, obs: Observation) -> Proposal | None:
        if not self.trusting(obs):
            return None
        freeze = rational(obs, small_exchange(obs, self.tolerance, reversible_only=True, max_size=1))
        return freeze or rational(obs, small_exchange(obs, self.tolerance))

    def renege(self, obs: Observation) -> frozenset[str]:
        return self._tracker.answers(obs, self._tracker.defections(obs), all_of_them=True) | self.cheats(obs)
