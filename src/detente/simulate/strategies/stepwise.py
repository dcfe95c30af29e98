"""Step by step, action for action: follow a roadmap of balanced stages.

Examples
--------
>>> s = StepByStep(roadmap=[["a1", "b1"], ["a2", "b2"]])
>>> s.name, s.get_params()["tolerance"]
('step-by-step', 0.2)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from detente.model.errors import DetenteError
from detente.model.scenario import Scenario

from ..observation import Observation, Proposal
from .offers import TRUST, Verdict, rational, small_exchange
from .reciprocity import Reciprocal

__all__ = ["StepByStep", "planned_stages", "robust_stages"]


class StepByStep(Reciprocal):
    """Follows a roadmap stage by stage, each stage only after the previous one is in force.

    The roadmap is ``roadmap`` if given, else the planner's
    (:func:`detente.analysis.roadmap.plan` for the run's agenda, with ``tolerance``), made
    in advance on the values known before the run (``Observation.estimates``: the
    published ranges' likely values when the run's values were sampled, as a negotiating
    team drafts its roadmap from its analysts' estimates; else the scenario as this party
    perceives it). A stage balanced on the estimates need not be balanced on the values
    drawn for the run, and the other side judges it on those. When it proposes, it proposes the
    remaining moves of the first stage not yet in force, all together; while moves of
    that stage are still being implemented it waits ("action for action"). It accepts
    the current stage, and any other proposal balanced in its own eyes within
    ``tolerance`` with its exposure within its limit. Each move the other side takes
    away is answered by reversing one own move of about the same value (as
    :class:`~detente.simulate.strategies.reciprocity.TitForTat`).

    Without a roadmap (the planner finds none, cannot finish in ``plan_time_limit``
    seconds, or is not installed) and once the roadmap is done, it pairs the smallest
    offers of equal perceived value one for one
    (:func:`~detente.simulate.strategies.offers.small_exchange`), still action for action:
    it proposes no new exchange while a move the other side agreed to is being implemented.

    Parameters
    ----------
    roadmap : sequence of iterables of move ids, optional
        Stages to follow instead of planning.
    tolerance : float
        Balance tolerance, for planning and for accepting.
    min_trust : float
        Below this trust it neither proposes nor accepts.
    opportunistic, margin
        As for :class:`~detente.simulate.strategies.reciprocity.TitForTat`. A stage worth less
        than holding out to a side (in its eyes) is not proposed, and not accepted.
    robust : float, optional
        Plan for the value ranges instead of the likely values: the roadmap that holds
        (balanced, within every exposure limit, self-enforcing) in at least this share of
        ``robust_samples`` value draws from the published ranges
        (:func:`detente.analysis.roadmap_chance.plan_robust`, draws from seed 0: the
        analysts' own sample, not the run's values). When no roadmap reaches the share, the
        one that holds in the most draws; when none holds in any, the likely-value roadmap.
    robust_samples : int
        Value draws for ``robust`` (default 100).
    plan_time_limit : float
        The planner's work budget per solver call, in CP-SAT deterministic seconds (roughly
        seconds of solver work). Deterministic, unlike wall time, so the same seed gives the
        same run on a busy or a quiet machine. Plans are remembered (see :func:`planned_stages`).

    References
    ----------
    "Commitment for commitment, action for action": Chair's statement of the fifth round of
    the Six-Party Talks, 11 Nov 2005, and the "Initial Actions" of 13 Feb 2007
    (docs/cases.md); Schelling, T. C. (1960). *The Strategy of
    Conflict*, Harvard University Press (dividing a deal into small steps when trust is lacking).
    """

    name = "step-by-step"
    description = "Follows a roadmap of balanced stages, action for action."
    reference = "Six-Party Talks, 'action for action' (2005, 2007)"

    def __init__(
        self,
        roadmap: Sequence[Iterable[str]] | None = None,
        tolerance: float = 0.2,
        min_trust: float = 0.0,
        plan_time_limit: float = 1.0,
        opportunistic: bool = False,
        margin: float = 0.5,
        robust: float | None = None,
        robust_samples: int = 100,
    ) -> None:
        self.roadmap = roadmap
        self.tolerance = tolerance
        self.min_trust = min_trust
        self.plan_time_limit = plan_time_limit
        self.opportunistic = opportunistic
        self.margin = margin
        self.robust = robust
        self.robust_samples = robust_samples

    def validate(self) -> None:
        super().validate()
        self._check(self.plan_time_limit > 0, f"plan_time_limit: expected > 0, found {self.plan_time_limit}")
        if self.robust is not None:
            self._check(
                isinstance(self.robust, int | float) and 0 < self.robust <= 1,
                f"robust: expected a share of draws in (0, 1], such as 0.9, found {self.robust!r}",
            )
        self._check(
            isinstance(self.robust_samples, int) and self.robust_samples >= 1,
            f"robust_samples: expected a whole number of draws >= 1, found {self.robust_samples!r}",
        )

    def setup(self, obs: Observation) -> None:
        super().setup(obs)
        self._stages: list[frozenset[str]] | None
        if self.roadmap is not None:
            self._stages = [frozenset(stage) for stage in self.roadmap]
            for stage in self._stages:
                for mid in sorted(stage):
                    self._check(mid in obs.scenario.move_ids, f"roadmap: no move {mid!r} in the scenario")
        else:
            self._stages = self.plan(obs)

    def plan(self, obs: Observation) -> list[frozenset[str]] | None:
        """The planner's stages on the estimates for the run's agenda, or ``None`` (see :func:`planned_stages`)."""
        if self.robust is not None:
            robust = robust_stages(
                obs, self.tolerance, self.plan_time_limit, self.robust, self.robust_samples
            )
            if robust is not None:
                return robust
        return planned_stages(obs, self.tolerance, self.plan_time_limit)

    def current(self, obs: Observation) -> tuple[int, frozenset[str]] | None:
        """The first stage not wholly in force, and its moves not yet in force."""
        for k, stage in enumerate(self._stages or ()):
            left = stage - obs.in_force
            if left:
                return k, left
        return None

    def propose(self, obs: Observation) -> Proposal | None:
        if not self.trusting(obs):
            return None
        cur = self.current(obs)
        if cur is not None:
            k, left = cur
            if left & frozenset(obs.pending):
                return None  # action for action: wait until the stage is implemented
            moves = obs.complete(left)
            if obs.feasible(moves):
                gives = frozenset(m for m in moves if obs.maker(m) == obs.me)
                stage = rational(obs, Proposal(gives, moves - gives, note=f"stage {k + 1}"))
                if stage is not None:
                    return stage
        if any(m in obs.committed and obs.maker(m) != obs.me for m in obs.pending):
            return None  # action for action: the other side's last agreed step first
        return rational(obs, small_exchange(obs, self.tolerance))

    def respond(self, obs: Observation, proposal: Proposal) -> Verdict:
        if not self.trusting(obs):
            return Verdict(False, TRUST)
        cur = self.current(obs)
        if cur is not None and proposal.moves == cur[1] - frozenset(obs.pending):
            return self.judged(obs, proposal, norm=True)  # its stage: still not if worse than holding out
        return self.judged(obs, proposal)


def planned_stages(obs: Observation, tolerance: float, work_limit: float) -> list[frozenset[str]] | None:
    """The planner's roadmap for ``obs.agenda`` on ``obs.estimates``, as stages; ``None`` if there is none.

    A pure function of the estimates, so it is remembered: for the replicates of one prior
    (on their shared structure), or on the party's view when the run was not sampled.
    """
    key = ("roadmap", obs.agenda, tolerance, work_limit)
    if obs.prior is not None:
        return obs.view.structure.remember_for(
            obs.prior, key, _plan, obs.prior, obs.agenda, tolerance, work_limit
        )
    return obs.view._remember(key, _plan, obs.view.scenario, obs.agenda, tolerance, work_limit)


def robust_stages(
    obs: Observation, tolerance: float, work_limit: float, level: float, samples: int
) -> list[frozenset[str]] | None:
    """The roadmap for ``obs.agenda`` that holds in at least ``level`` of ``samples`` draws from the
    ranges the party knows (the prior, else its view), or the one that holds in the most; ``None``
    if none holds in any draw. Remembered as :func:`planned_stages` is."""
    key = ("robust-roadmap", obs.agenda, tolerance, work_limit, float(level), samples)
    if obs.prior is not None:
        return obs.view.structure.remember_for(
            obs.prior, key, _plan_robust, obs.prior, obs.agenda, tolerance, work_limit, level, samples
        )
    return obs.view._remember(
        key, _plan_robust, obs.view.scenario, obs.agenda, tolerance, work_limit, level, samples
    )


def _plan_robust(
    scenario: Scenario,
    agenda: frozenset[str],
    tolerance: float,
    work_limit: float,
    level: float,
    samples: int,
) -> list[frozenset[str]] | None:
    from detente.analysis import roadmap
    from detente.analysis.roadmap_chance import plan_robust

    try:
        target = roadmap.resolve_target(scenario, agenda)
        out = plan_robust(
            scenario,
            target,
            level=float(level),
            samples=samples,
            seed=0,
            tolerance=tolerance,
            work_limit=work_limit,
        )
    except DetenteError:
        return None
    stages = [frozenset(st.moves) for st in out.result.stages]
    if out.result.feasible or (out.highest or 0) > 0:
        return stages or None
    return None


def _plan(
    scenario: Scenario, agenda: frozenset[str], tolerance: float, work_limit: float
) -> list[frozenset[str]] | None:
    # imported here: OR-Tools adds about 0.22 s to importing the simulator, which most commands never need
    from detente.analysis import roadmap
    from detente.analysis.roadmap_solver import solve

    try:  # the solver without its explanation of infeasibility, which is not needed here
        inst = roadmap.Instance(scenario, roadmap.resolve_target(scenario, agenda), tolerance)
        # a deterministic work budget, not wall time: same seed, same run on any machine
        result = solve(inst, explain=False, work_limit=work_limit)
    except DetenteError:
        return None
    return [frozenset(st.moves) for st in result.stages] if result.feasible and result.stages else None
