"""Demanding strategies: maximum pressure, the big deal, the hardliner.

Examples
--------
>>> MaximumPressure().get_params(), BigDeal().name, Hardliner().name
({'reward': True}, 'big-deal', 'hardliner')
"""

from __future__ import annotations

from ..observation import Observation, Proposal
from .base import Strategy
from .breaches import ANSWERED, Tracker
from .demands import best_demand, own_gain
from .offers import EPS, acceptable, assess, exposure_ok

__all__ = ["BigDeal", "Hardliner", "MaximumPressure"]


class MaximumPressure(Strategy):
    """All of the other side's concessions first; own concessions only after.

    It demands every move of the other side on the agenda that it values, offering
    its own concessions (if ``reward``) to start only once everything demanded is in
    force (sequence ``asks-first``). It accepts only a proposal that meets its whole
    demand with its own moves coming after (or none at all). If the other side takes
    a move away, it reverses every reversible move of its own (sanctions snap back).

    Parameters
    ----------
    reward : bool
        Whether its demand comes with own concessions to follow.

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
    pure = True  # its proposal follows from what is settled and the agenda

    def __init__(self, reward: bool = True) -> None:
        self.reward = reward

    def setup(self, obs: Observation) -> None:
        self._tracker = Tracker()

    def propose(self, obs: Observation) -> Proposal | None:
        asks = best_demand(obs)
        if not asks:
            return None
        if self.reward:
            offer = frozenset(
                m for m in obs.available(obs.me) if any(obs.value(o, m) > EPS for o in obs.others)
            )
            full = obs.complete(offer | asks)
            if obs.feasible(full):
                gives = frozenset(m for m in full if obs.maker(m) == obs.me)
                return Proposal(gives, full - gives, "asks-first")
        return Proposal(asks=asks, sequence="asks-first")

    def respond(self, obs: Observation, proposal: Proposal) -> bool:
        demand = best_demand(obs)
        if not demand <= proposal.moves:
            return False
        mine = any(obs.maker(m) == obs.me for m in proposal.moves)
        return not mine or proposal.sequence == "gives-first"

    def renege(self, obs: Observation) -> frozenset[str]:
        return self._tracker.answers(obs, self._tracker.defections(obs), all_of_them=True)

    def renege_triggers(self) -> frozenset[str] | None:
        return ANSWERED  # it only answers reversals and detected breaches of the others


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

    References
    ----------
    The "big deal" (comprehensive, all-at-once denuclearisation for full normalisation)
    sought by the United States at the Hanoi summit, 27-28 Feb 2019 (docs/cases.md).
    """

    name = "big-deal"
    description = "Proposes and accepts only the whole agenda at once."
    reference = "The US 'big deal' at Hanoi, February 2019"
    pure = True  # its proposal follows from what is settled and the agenda

    def __init__(self, tolerance: float = 0.2) -> None:
        self.tolerance = tolerance

    def validate(self) -> None:
        self._check(0 <= self.tolerance < 1, f"tolerance: expected 0 <= t < 1, found {self.tolerance}")

    def setup(self, obs: Observation) -> None:
        self._tracker = Tracker()

    def remaining(self, obs: Observation) -> frozenset[str]:
        return obs.agenda - obs.settled

    def propose(self, obs: Observation) -> Proposal | None:
        todo = obs.complete(self.remaining(obs))
        if not todo or not obs.feasible(todo):
            return None
        gives = frozenset(m for m in todo if obs.maker(m) == obs.me)
        prop = Proposal(gives, todo - gives, by=obs.me)
        if prop.unilateral or not acceptable(obs, prop, self.tolerance):
            return None
        return Proposal(prop.gives, prop.asks)

    def respond(self, obs: Observation, proposal: Proposal) -> bool:
        return (
            proposal.sequence == "together"
            and self.remaining(obs) <= proposal.moves
            and acceptable(obs, proposal, self.tolerance)
        )

    def renege(self, obs: Observation) -> frozenset[str]:
        return self._tracker.answers(obs, self._tracker.defections(obs), all_of_them=True)

    def renege_triggers(self) -> frozenset[str] | None:
        return ANSWERED  # it only answers reversals and detected breaches of the others


class Hardliner(Strategy):
    """Demands everything, offers nothing, accepts only capitulation, never reverses.

    It always proposes its best outcome (every move of the others it values, nothing
    of its own) and accepts only a proposal worth at least as much to it. It is the
    limit of the time-based tactics as the concession exponent goes to zero (a
    Boulware that never concedes).

    References
    ----------
    Faratin, P., Sierra, C. & Jennings, N. R. (1998). Negotiation decision functions for
    autonomous agents. *Robotics and Autonomous Systems* 24(3-4):159-182 (the beta -> 0 limit).
    """

    name = "hardliner"
    description = "Always demands its best outcome; accepts only that."
    reference = "Faratin, Sierra & Jennings (1998), limit beta -> 0"

    def __init__(self) -> None:
        pass

    def propose(self, obs: Observation) -> Proposal | None:
        asks = best_demand(obs)
        return Proposal(asks=asks) if asks else None

    def respond(self, obs: Observation, proposal: Proposal) -> bool:
        a = assess(obs, proposal, obs.me)
        best = own_gain(obs, best_demand(obs))
        return a.gain >= best - EPS and a.received > EPS and exposure_ok(obs, obs.me, a)
