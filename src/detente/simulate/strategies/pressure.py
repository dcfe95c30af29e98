"""Demanding strategies: maximum pressure, the big deal, the hardliner.

Examples
--------
>>> MaximumPressure().get_params(), BigDeal().name, Hardliner().name
({'reward': 'least', 'margin': 2.0, 'expects': 0.5}, 'big-deal', 'hardliner')
"""

from __future__ import annotations

import math

from ..observation import Observation, Proposal
from ..valuation import worth
from .base import Strategy
from .breaches import ANSWERED, Tracker
from .demands import best_demand, own_gain
from .offers import (
    EPS,
    NOT_BALANCED,
    Verdict,
    acceptable,
    asked_parties,
    assess,
    exposure_ok,
    judge,
    margin_value,
    rational,
)

REWARDS = ("least", "all", "none")


__all__ = ["BigDeal", "Hardliner", "MaximumPressure"]


class MaximumPressure(Strategy):
    """All of the other side's concessions first; own concessions only after.

    It demands every move of the other side on the agenda that it values, offering
    its own concessions (the ``reward``) to start only once everything demanded is in
    force (sequence ``asks-first``): its pressure stays on until its demand is met. It
    accepts only a proposal that meets its whole demand with its own moves coming after (or
    none at all), and worth more to it than holding out. If the other side takes a move
    away, it reverses every reversible move of its own (sanctions snap back).

    Parameters
    ----------
    reward : {"least", "all", "none"}
        ``"least"``: the cheapest set of own concessions that makes yielding pay for the
        other side, as it estimates the other side's values and holding-out value (best ratio
        of their value to own cost first, then any not needed dropped; all of them when
        nothing less works); ``"all"``: every own concession the other side values; ``"none"``.
        (``True`` and ``False`` are read as ``"all"`` and ``"none"``.)
    expects : float
        The margin it expects the other side to need before it yields, a period on that side's
        scale (the reciprocal strategies' default, 0.5): "makes yielding pay" means a gain over
        holding out of at least this much, in its estimate.
    margin : float
        It never accepts a proposal worth less to it than holding out (the board carrying on
        with no new deal, pressures running: :mod:`detente.simulate.valuation`), and accepts
        one its norm refuses if that beats holding out by ``margin`` a period on its own scale,
        for ever (pressure can make it yield too). The default, 2, is a coercer's resolve: a
        fifth of the 0-10 scale, more than the reciprocal strategies' 0.5, so that it holds to
        its demand unless the alternative is much better than holding out.

    References
    ----------
    The "maximum pressure" policy of the United States towards the DPRK (2017-2019) and
    the "all up front" demand criticised in the op-ed this project starts from
    (Kim, "The US must compromise", 2019, the op-ed in docs/korea-2019.md); Hanoi summit,
    27-28 Feb 2019 (docs/cases.md).
    """

    name = "maximum-pressure"
    description = "Demands all of the other side's concessions first; rewards only after."
    reference = "US 'maximum pressure' policy, 2017-2019"
    answer = "all"

    def __init__(self, reward: str | bool = "least", margin: float = 2.0, expects: float = 0.5) -> None:
        self.reward = reward
        self.margin = margin
        self.expects = expects

    def validate(self) -> None:
        self._check(
            self._reward() in REWARDS, f"reward: expected one of {', '.join(REWARDS)}, found {self.reward!r}"
        )
        self._check(self.margin >= 0, f"margin: expected >= 0, found {self.margin}")
        self._check(self.expects >= 0, f"expects: expected >= 0, found {self.expects}")

    def _reward(self) -> str:
        if isinstance(self.reward, bool):
            return "all" if self.reward else "none"
        return str(self.reward)

    def setup(self, obs: Observation) -> None:
        self._tracker = Tracker()

    def offer(self, obs: Observation, gives: frozenset[str], asks: frozenset[str]) -> Proposal | None:
        """The demand ``asks`` with own concessions ``gives`` to follow, if feasible (remembered per state)."""
        key = ("pressure-offer", obs.me, obs.settled, gives, asks)
        return obs.view._remember(key, self._offer, obs, gives, asks)

    @staticmethod
    def _offer(obs: Observation, gives: frozenset[str], asks: frozenset[str]) -> Proposal | None:
        full = obs.complete(gives | asks)
        if not obs.feasible(full):
            return None
        own = frozenset(m for m in full if obs.maker(m) == obs.me)
        return Proposal(own, full - own, "asks-first", by=obs.me)

    def works(self, obs: Observation, prop: Proposal | None) -> bool:
        """Whether yielding to ``prop`` pays every other side to it by ``expects`` a period, as this party estimates them."""
        if prop is None:
            return False
        return all(
            worth(obs, prop, t) >= margin_value(obs, self.expects, t) - EPS for t in asked_parties(obs, prop)
        )

    def blocked(self, obs: Observation, prop: Proposal | None) -> bool:
        """Whether an asked party's exposure limit rules ``prop`` out whatever the reward (its moves come first)."""
        if prop is None:
            return True
        return any(not exposure_ok(obs, t, assess(obs, prop, t)) for t in asked_parties(obs, prop))

    def rewards(self, obs: Observation) -> tuple[str, ...]:
        """Its own moves the others value, best ratio of their gain to its cost first (remembered per state)."""
        key = ("pressure-rewards", obs.me, obs.others, obs.settled, obs.agenda)
        return obs.view._remember(key, _rewards, obs)

    def least(self, obs: Observation, asks: frozenset[str], order: tuple[str, ...]) -> Proposal | None:
        """The cheapest reward (in own cost) that makes yielding pay, or ``None`` if none does.

        ``order``: the candidate rewards, best first (:meth:`rewards`).
        """
        bare = self.offer(obs, frozenset(), asks)
        if self.blocked(obs, bare):
            return None  # no reward can make it work: the other side cannot go first that far
        if self.works(obs, bare):
            return bare
        mine = obs.view.values[obs.me]

        def cost(m: str) -> float:
            return max(0.0, -mine[m])

        rank = obs.view.structure.rank  # ties by content, not ids
        chosen: list[str] = []
        found = None
        for m in order:
            chosen.append(m)
            prop = self.offer(obs, frozenset(chosen), asks)
            if self.works(obs, prop):
                found = prop
                break
        if found is None:
            return None
        for m in sorted(chosen, key=lambda m: (-cost(m), -_their_gain(obs, m), rank[m])):  # dearest first
            rest = frozenset(chosen) - {m}
            prop = self.offer(obs, rest, asks)
            if self.works(obs, prop):
                chosen.remove(m)
                found = prop
        return found

    def propose(self, obs: Observation) -> Proposal | None:
        asks = best_demand(obs)
        if not asks:
            return None
        bare = Proposal(asks=asks, sequence="asks-first")
        reward = self._reward()
        if reward == "none":
            return bare
        offers = self.rewards(obs)
        prop = self.least(obs, asks, offers) if reward == "least" else None
        if prop is None:  # "all", or nothing less works
            prop = self.offer(obs, frozenset(offers), asks)
        if prop is None:
            return bare
        # never a reward that leaves it worse off than holding out: then the bare demand
        return rational(obs, Proposal(prop.gives, prop.asks, prop.sequence), only_me=True) or bare

    def respond(self, obs: Observation, proposal: Proposal) -> Verdict:
        demand = best_demand(obs)
        mine = any(obs.maker(m) == obs.me for m in proposal.moves)
        norm = demand <= proposal.moves and (not mine or proposal.sequence == "gives-first")
        return judge(obs, proposal, norm=norm, refusal="does not meet its demand first", margin=self.margin)

    def renege(self, obs: Observation) -> frozenset[str]:
        return self._tracker.answers(obs, self._tracker.defections(obs), all_of_them=True)

    def renege_triggers(self) -> frozenset[str] | None:
        return ANSWERED  # it only answers reversals and detected breaches of the others


def _their_gain(obs: Observation, m: str) -> float:
    """What the others gain from ``m`` (exact: the same in any order of the parties)."""
    return math.fsum(max(0.0, obs.value(o, m)) for o in obs.others)


def _rewards(obs: Observation) -> tuple[str, ...]:
    """:meth:`MaximumPressure.rewards` computed."""
    mine, rank = obs.view.values[obs.me], obs.view.structure.rank  # ties by content, not ids

    def cost(m: str) -> float:
        return max(0.0, -mine[m])

    offers = [m for m in obs.available(obs.me) if any(obs.value(o, m) > EPS for o in obs.others)]
    offers.sort(key=lambda m: (-_their_gain(obs, m) / max(EPS, cost(m)), cost(m), rank[m]))
    return tuple(offers)


class BigDeal(Strategy):
    """One package, all at once: everything on the agenda, or nothing.

    It proposes every remaining move on the agenda, all to start together, if that
    package is balanced in its own eyes within ``tolerance`` and within its exposure limit; it accepts only a
    proposal that completes the agenda, all moves starting together, and is balanced in its own eyes with its
    exposure within its limit. Partial deals are rejected. If the other side takes a
    move away, it reverses every reversible move of its own.

    Parameters
    ----------
    tolerance : float
        Accepted shortfall: received >= (1 - tolerance) x given, on its own scale.
    margin : float
        It never accepts a proposal worth less to it than holding out (the board carrying on
        with no new deal, pressures running: :mod:`detente.simulate.valuation`), and accepts
        one its norm refuses if that beats holding out by ``margin`` a period on its own scale,
        for ever (pressure can make it yield too). The default, 2, is a coercer's resolve: a
        fifth of the 0-10 scale, more than the reciprocal strategies' 0.5, so that it holds to
        its demand unless the alternative is much better than holding out.

    References
    ----------
    The "big deal" (comprehensive, all-at-once denuclearisation for full normalisation)
    sought by the United States at the Hanoi summit, 27-28 Feb 2019 (docs/cases.md).
    """

    name = "big-deal"
    description = "Proposes and accepts only the whole agenda at once."
    reference = "The US 'big deal' at Hanoi, February 2019"
    answer = "all"

    def __init__(self, tolerance: float = 0.2, margin: float = 2.0) -> None:
        self.tolerance = tolerance
        self.margin = margin

    def validate(self) -> None:
        self._check(0 <= self.tolerance < 1, f"tolerance: expected 0 <= t < 1, found {self.tolerance}")
        self._check(self.margin >= 0, f"margin: expected >= 0, found {self.margin}")

    def setup(self, obs: Observation) -> None:
        self._tracker = Tracker()

    def remaining(self, obs: Observation) -> frozenset[str]:
        return obs.agenda - obs.settled

    def propose(self, obs: Observation) -> Proposal | None:
        key = ("big-deal", obs.me, obs.settled, obs.agenda, self.tolerance)
        return rational(obs, obs.view._remember(key, self._package, obs))

    def _package(self, obs: Observation) -> Proposal | None:
        """The whole remaining agenda, if feasible and balanced in its own eyes (a pure function of the state)."""
        todo = obs.complete(self.remaining(obs))
        if not todo or not obs.feasible(todo):
            return None
        gives = frozenset(m for m in todo if obs.maker(m) == obs.me)
        prop = Proposal(gives, todo - gives, by=obs.me)
        if prop.unilateral or not acceptable(obs, prop, self.tolerance):
            return None
        return Proposal(prop.gives, prop.asks)

    def respond(self, obs: Observation, proposal: Proposal) -> Verdict:
        whole = proposal.sequence == "together" and self.remaining(obs) <= proposal.moves
        norm = whole and acceptable(obs, proposal, self.tolerance)
        refusal = "not the whole agenda at once" if not whole else NOT_BALANCED
        return judge(obs, proposal, norm=norm, refusal=refusal, margin=self.margin)

    def renege(self, obs: Observation) -> frozenset[str]:
        return self._tracker.answers(obs, self._tracker.defections(obs), all_of_them=True)

    def renege_triggers(self) -> frozenset[str] | None:
        return ANSWERED  # it only answers reversals and detected breaches of the others


class Hardliner(Strategy):
    """Demands everything, offers nothing, accepts only capitulation, never reverses.

    It always proposes its best outcome (every move of the others it values, nothing
    of its own) and accepts only a proposal worth at least as much to it (or one that beats
    holding out by its ``margin``). It is the limit of the time-based tactics as the
    concession exponent goes to zero (a Boulware that never concedes).

    Parameters
    ----------
    margin : float
        It never accepts a proposal worth less to it than holding out (the board carrying on
        with no new deal, pressures running: :mod:`detente.simulate.valuation`), and accepts
        one its norm refuses if that beats holding out by ``margin`` a period on its own scale,
        for ever (pressure can make it yield too). The default, 2, is a coercer's resolve: a
        fifth of the 0-10 scale, more than the reciprocal strategies' 0.5, so that it holds to
        its demand unless the alternative is much better than holding out.

    References
    ----------
    Faratin, P., Sierra, C. & Jennings, N. R. (1998). Negotiation decision functions for
    autonomous agents. *Robotics and Autonomous Systems* 24(3-4):159-182 (the beta -> 0 limit).
    """

    name = "hardliner"
    description = "Always demands its best outcome; accepts only that."
    reference = "Faratin, Sierra & Jennings (1998), limit beta -> 0"

    def __init__(self, margin: float = 2.0) -> None:
        self.margin = margin

    def validate(self) -> None:
        self._check(self.margin >= 0, f"margin: expected >= 0, found {self.margin}")

    def propose(self, obs: Observation) -> Proposal | None:
        asks = best_demand(obs)
        return rational(obs, Proposal(asks=asks), only_me=True) if asks else None

    def respond(self, obs: Observation, proposal: Proposal) -> Verdict:
        a = assess(obs, proposal, obs.me)
        best = own_gain(obs, best_demand(obs))
        norm = a.gain >= best - EPS and a.received > EPS and exposure_ok(obs, obs.me, a)
        return judge(obs, proposal, norm=norm, refusal="short of its whole demand", margin=self.margin)
