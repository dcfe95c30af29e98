"""Time-dependent concession tactics: Boulware and Conceder (Faratin, Sierra & Jennings 1998).

The aspiration at period ``t`` of a horizon ``T`` is
``u(t) = u_min + (1 - alpha(t)) * (u_max - u_min)`` with
``alpha(t) = kappa + (1 - kappa) * (t / (T - 1)) ** (1 / beta)``: ``beta < 1`` holds
out until the deadline (Boulware), ``beta > 1`` concedes early (Conceder). ``u_max``
is the gain of its best demand now; ``u_min`` is ``reserve``.

Examples
--------
>>> Boulware().beta < 1 < Conceder().beta
True
>>> round(alpha(5, 11, beta=1.0, kappa=0.0), 2)
0.5
"""

from __future__ import annotations

from ..observation import Observation, Proposal
from .base import Strategy
from .demands import best_demand, own_gain, package_at
from .offers import EPS, Verdict, assess, exposure_ok, judge, rational

__all__ = ["Boulware", "Conceder", "TimeDependent", "alpha"]


def alpha(period: int, horizon: int, *, beta: float, kappa: float) -> float:
    """Faratin et al.'s polynomial time function: 0 -> kappa at the start, 1 at the last period."""
    last = max(1, horizon - 1)
    t = min(max(period, 0), last)
    return kappa + (1.0 - kappa) * (t / last) ** (1.0 / beta)


class TimeDependent(Strategy):
    """A time-dependent tactic (not registered; see :class:`Boulware` and :class:`Conceder`).

    It proposes the offer most generous to the others that still gives it its current
    aspiration (see :func:`detente.simulate.strategies.demands.package_at`) and accepts
    any proposal worth at least its aspiration with its exposure within its limit, and never
    one worth less to it than holding out (see ``margin`` in :class:`Boulware`).
    """

    def __init__(
        self, beta: float = 1.0, kappa: float = 0.0, reserve: float = 0.0, margin: float = 0.5
    ) -> None:
        self.beta = beta
        self.kappa = kappa
        self.reserve = reserve
        self.margin = margin

    def validate(self) -> None:
        self._check(self.beta > 0, f"beta: expected > 0, found {self.beta}")
        self._check(0 <= self.kappa <= 1, f"kappa: expected 0..1, found {self.kappa}")
        self._check(self.margin >= 0, f"margin: expected >= 0, found {self.margin}")

    def aspiration(self, obs: Observation) -> float:
        best = own_gain(obs, best_demand(obs))
        if best <= self.reserve:
            return self.reserve
        a = alpha(obs.period, obs.horizon, beta=self.beta, kappa=self.kappa)
        return self.reserve + (1.0 - a) * (best - self.reserve)

    def propose(self, obs: Observation) -> Proposal | None:
        return rational(obs, package_at(obs, self.aspiration(obs)), only_me=True)

    def respond(self, obs: Observation, proposal: Proposal) -> Verdict:
        a = assess(obs, proposal, obs.me)
        norm = a.gain >= self.aspiration(obs) - EPS and a.received > EPS and exposure_ok(obs, obs.me, a)
        return judge(obs, proposal, norm=norm, refusal="below its aspiration", margin=self.margin)


class Boulware(TimeDependent):
    """Holds out near its best demand and concedes only close to the deadline (beta < 1).

    Parameters
    ----------
    beta : float
        Concession exponent, < 1 for Boulware behaviour.
    kappa : float
        Share of the concession range given up at once.
    reserve : float
        The least per-period gain it will ever settle for.
    margin : float
        It never accepts a proposal worth less to it than holding out (the board carrying on
        with no new deal, pressures running: :mod:`detente.simulate.valuation`), and accepts
        one below its aspiration if that beats holding out by ``margin`` a period on its own
        scale, for ever (pressure can make it yield).

    References
    ----------
    Faratin, P., Sierra, C. & Jennings, N. R. (1998). Negotiation decision functions for
    autonomous agents. *Robotics and Autonomous Systems* 24(3-4):159-182.
    """

    name = "boulware"
    description = "Time-based: holds out, concedes near the deadline."
    reference = "Faratin, Sierra & Jennings (1998)"

    def __init__(
        self, beta: float = 0.2, kappa: float = 0.0, reserve: float = 0.0, margin: float = 0.5
    ) -> None:
        super().__init__(beta, kappa, reserve, margin)


class Conceder(TimeDependent):
    """Concedes early towards its reserve (beta > 1).

    Parameters
    ----------
    beta : float
        Concession exponent, > 1 for Conceder behaviour.
    kappa, reserve, margin : float
        As for :class:`Boulware`.

    References
    ----------
    Faratin, P., Sierra, C. & Jennings, N. R. (1998). Negotiation decision functions for
    autonomous agents. *Robotics and Autonomous Systems* 24(3-4):159-182.
    """

    name = "conceder"
    description = "Time-based: concedes early."
    reference = "Faratin, Sierra & Jennings (1998)"

    def __init__(
        self, beta: float = 5.0, kappa: float = 0.0, reserve: float = 0.0, margin: float = 0.5
    ) -> None:
        super().__init__(beta, kappa, reserve, margin)
