"""step-by-step(robust=L): the strategy follows the chance-constrained roadmap, checked draw by draw."""

from __future__ import annotations

from typing import Any

import pytest

from detente.analysis import roadmap
from detente.analysis.roadmap_instance import Instance, evaluate
from detente.model.draws import value_draws
from detente.scenarios import load_builtin
from detente.simulate import SimulationSettings, StrategyError, make_strategy
from detente.simulate.montecarlo import MonteCarloJob, run_chunk
from detente.simulate.observation import Observation
from detente.simulate.strategies.stepwise import planned_stages

DRAWS = 100


def _holds_in(scenario: Any, target: frozenset[str], stages: list[frozenset[str]], tolerance: float) -> int:
    """Independent count: the exact checker on each of the draws the strategy plans on (seed 0)."""
    kinds = {"balance", "exposure", "self-enforcement"}
    n = 0
    for s in value_draws(scenario, DRAWS, 0):
        _, conflicts, _ = evaluate(Instance(s, target, tolerance), stages)
        n += not any(c.kind in kinds for c in conflicts)
    return n


def test_robust_step_by_step_follows_a_roadmap_that_holds_in_the_asked_share_of_draws() -> None:
    base = load_builtin("korea-2019")
    target = roadmap.resolve_target(base, roadmap.target_from_spec(base, "ks")[0])
    seen: dict[str, list[frozenset[str]] | None] = {}

    class Spy(type(make_strategy("step-by-step"))):  # type: ignore[misc]
        def setup(self, obs: Observation) -> None:
            super().setup(obs)
            seen["robust"] = self._stages
            seen["likely"] = planned_stages(obs, self.tolerance, self.plan_time_limit)

    job = MonteCarloJob(
        base,
        (("USA", "spy"), ("DPRK", "tit-for-tat")),
        settings=SimulationSettings(target=target),
        make=lambda spec: Spy(robust=0.95) if spec == "spy" else make_strategy(spec),
    )
    run_chunk(job, 0, 2)
    robust, likely = seen["robust"], seen["likely"]
    assert robust is not None and likely is not None and robust != likely
    # the robust roadmap holds in at least 95 of the 100 draws, the likely-value one in fewer
    assert _holds_in(base, target, robust, 0.2) >= 95 > _holds_in(base, target, likely, 0.2)


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"robust": 1.5}, "robust: expected a share"),
        ({"robust": 0}, "robust: expected a share"),
        ({"robust": "high"}, "robust: expected a share"),
        ({"robust": 0.9, "robust_samples": 0}, "robust_samples"),
    ],
)
def test_robust_parameters_are_checked(params: dict[str, Any], text: str) -> None:
    with pytest.raises(StrategyError, match=text):
        make_strategy("step-by-step", **params)
