"""Monte Carlo replicates and their statistics, against independent oracles.

The engine is replaced here by small fake ``play`` functions whose outcome is a known
function of the seed and the sampled scenario, so every aggregate has a closed form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize
from scipy import stats as sps

from detente.model.errors import ScenarioError
from detente.model.scenario import Scenario
from detente.simulate.backends import InProcessBackend
from detente.simulate.montecarlo import (
    Engine,
    MonteCarloJob,
    distribution,
    group_tasks,
    outcome_columns,
    replicate_seed,
    run_chunk,
    run_group,
    run_jobs,
    simulate,
    summarise,
    validate_strategies,
    wilson_interval,
)

RANGED = Scenario.model_validate(
    {
        "detente": 1,
        "id": "ranged",
        "title": "Ranged",
        "parties": [{"id": "A"}, {"id": "B"}],
        "moves": [
            {"id": "a1", "by": "A", "title": "a1", "value": {"A": -1, "B": [0, 1, 5]}},
            {"id": "b1", "by": "B", "title": "b1", "value": {"A": [2, 3, 4], "B": -2}},
        ],
    }
)


def coin_play(
    scenario: Scenario, strategies: dict[str, Any], *, seed: np.random.Generator
) -> SimpleNamespace:
    """Agreement with probability 0.3; utilities echo the sampled values and the rng."""
    u = seed.random()
    agree = bool(u < 0.3)
    return SimpleNamespace(
        agreement=agree,
        first_step=int(10 * u) if agree else None,
        target_share=u,
        utilities={
            "A": scenario.move("b1").value["A"].likely,
            "B": scenario.move("a1").value["B"].likely + seed.normal(),
        },
        breakdowns=int(u * 4),
        breaches_detected=1 if u > 0.5 else 0,
        breaches_missed=1 if u > 0.9 else 0,
        periods=12,
    )


def run(runs: int, seed: int = 5, **kw: Any) -> np.ndarray:
    return simulate(
        RANGED, {"A": "x", "B": "y"}, runs=runs, seed=seed, engine=Engine(coin_play, str), **kw
    ).outcomes


# ----------------------------------------------------------------- seeding
def test_replicate_seed_matches_spawn() -> None:
    children = np.random.SeedSequence(42).spawn(6)
    for i, child in enumerate(children):
        assert (replicate_seed(42, i).generate_state(4) == child.generate_state(4)).all()


def test_replicate_depends_only_on_seed_and_index() -> None:
    long, short = run(40), run(15)
    np.testing.assert_array_equal(long[:15], short)
    job = MonteCarloJob(RANGED, (("A", "x"), ("B", "y")), 5, play=coin_play, make=str)
    np.testing.assert_array_equal(run_chunk(job, 20, 25), long[20:25])
    np.testing.assert_array_equal(job.replicate(33), long[33])
    assert not np.array_equal(run(15, seed=6), short)


def test_same_seed_same_result_and_chunking_irrelevant() -> None:
    job = MonteCarloJob(RANGED, (("A", "x"), ("B", "y")), 9, play=coin_play, make=str)
    whole = run_chunk(job, 0, 30)
    pieces = np.vstack([run_chunk(job, a, b) for a, b in [(0, 7), (7, 8), (8, 30)]])
    np.testing.assert_array_equal(whole, pieces)
    assert run_chunk(job, 3, 3).shape == (0, len(outcome_columns(["A", "B"])))


# ---------------------------------------------------------------- sampling
def test_ranged_values_are_sampled_per_run_from_the_triangle() -> None:
    out = simulate(RANGED, {"A": "x", "B": "y"}, runs=3000, seed=1, engine=Engine(coin_play, str))
    a = out.column("utility:A")  # the sampled value of b1 to A, triangular(2, 3, 4)
    assert a.min() >= 2 and a.max() <= 4 and len(np.unique(a)) > 2900
    assert abs(a.mean() - 3.0) < 3 * math.sqrt(1 / 6 / 3000)  # var of tri(2,3,4) = 1/6
    # Kolmogorov-Smirnov against the triangular law
    assert sps.kstest(a, sps.triang(c=0.5, loc=2, scale=2).cdf).pvalue > 1e-3


def test_likely_values_when_sampling_is_off() -> None:
    out = simulate(
        RANGED, {"A": "x", "B": "y"}, runs=50, seed=1, sample_values=False, engine=Engine(coin_play, str)
    )
    assert (out.column("utility:A") == 3.0).all()


def test_common_random_numbers_across_strategy_profiles() -> None:
    a = simulate(RANGED, {"A": "x", "B": "y"}, runs=30, seed=2, engine=Engine(coin_play, str))
    b = simulate(RANGED, {"A": "other", "B": "y"}, runs=30, seed=2, engine=Engine(coin_play, str))
    np.testing.assert_array_equal(a.column("utility:A"), b.column("utility:A"))


def test_fresh_strategy_objects_each_replicate() -> None:
    def play(scenario: Scenario, strategies: dict[str, Any], *, seed: np.random.Generator) -> SimpleNamespace:
        seen = [len(s) for s in strategies.values()]
        for s in strategies.values():
            s.append(1)  # a stateful strategy remembers; a fresh one starts empty
        return SimpleNamespace(
            agreement=seen == [0, 0],
            first_step=None,
            target_share=0.0,
            utilities={"A": 0.0, "B": 0.0},
            breakdowns=0,
            breaches_detected=0,
            breaches_missed=0,
            periods=1,
        )

    out = simulate(RANGED, {"A": "x", "B": "y"}, runs=10, engine=Engine(play, lambda spec: []))
    assert out.column("agreement").all()


# -------------------------------------------------------------- validation
def test_validate_strategies_orders_by_scenario_parties() -> None:
    assert validate_strategies(RANGED, {"B": "y", "A": "x"}, make=str) == (("A", "x"), ("B", "y"))


def test_validate_strategies_reports_every_problem() -> None:
    def make(spec: str) -> str:
        if spec == "nonsense":
            raise ScenarioError.single("strategy", "unknown strategy 'nonsense'")
        return spec

    with pytest.raises(ScenarioError) as info:
        validate_strategies(RANGED, {"AA": "x", "B": "nonsense"}, make=make)
    text = str(info.value)
    assert "no party 'AA'" in text and "did you mean 'A'" in text
    assert "unknown strategy 'nonsense'" in text
    assert "no strategy for party A" in text
    assert len(info.value.problems) == 3


def test_bad_runs_and_seed() -> None:
    with pytest.raises(ScenarioError, match="at least 1 run"):
        run(0)
    with pytest.raises(ScenarioError, match="non-negative"):
        run(3, seed=-1)


# -------------------------------------------------------------- statistics
@given(n=st.integers(1, 400), data=st.data())
@settings(max_examples=60, deadline=None)
def test_wilson_interval_solves_the_score_equation(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, n))
    lo, hi = wilson_interval(k, n)
    z = sps.norm.ppf(0.975)
    phat = k / n

    def score(p: float) -> float:  # zero at the interval's ends (Wilson 1927)
        return (phat - p) ** 2 - z * z * p * (1 - p) / n

    if k == 0:
        assert lo == 0.0
    else:
        assert lo == pytest.approx(optimize.brentq(score, 1e-15, min(phat, 1 - 1e-12)), abs=1e-9)
    if k == n:
        assert hi == 1.0
    else:
        assert hi == pytest.approx(optimize.brentq(score, max(phat, 1e-12), 1 - 1e-15), abs=1e-9)
    assert lo <= phat <= hi


def test_wilson_interval_covers_near_its_level() -> None:
    rng = np.random.default_rng(0)
    n, p = 60, 0.2
    ks = rng.binomial(n, p, size=4000)
    cover = np.mean([lo <= p <= hi for lo, hi in (wilson_interval(int(k), n) for k in ks)])
    assert 0.93 <= cover <= 0.97


def test_summarise_matches_scipy() -> None:
    x = np.random.default_rng(3).normal(2, 3, size=57)
    s = summarise(x, confidence=0.9)
    lo, hi = sps.t.interval(0.9, 56, loc=x.mean(), scale=sps.sem(x))
    assert s["ci"] == pytest.approx([lo, hi])
    assert s["std"] == pytest.approx(x.std(ddof=1))
    assert s["quantiles"]["p25"] == pytest.approx(np.percentile(x, 25))
    assert summarise(np.array([np.nan]))["mean"] is None
    one = summarise(np.array([4.0]))
    assert one["mean"] == 4.0 and one["ci"] == [None, None]


def test_distribution_counts() -> None:
    out = simulate(RANGED, {"A": "x", "B": "y"}, runs=400, seed=11, engine=Engine(coin_play, str))
    d = out.distribution()
    u = out.column("target_share")  # the fake's uniform draw
    agree = u < 0.3
    assert d["agreement_rate"]["count"] == int(agree.sum())
    assert d["agreement_rate"]["ci"] == pytest.approx(list(wilson_interval(int(agree.sum()), 400)))
    assert d["first_step"]["n"] == int(agree.sum())
    assert d["first_step"]["mean"] == pytest.approx(np.floor(10 * u[agree]).mean())
    assert d["breaches_detected"]["mean"] == pytest.approx((u > 0.5).mean())
    assert d["detection_rate"] == pytest.approx((u > 0.5).sum() / ((u > 0.5).sum() + (u > 0.9).sum()))
    assert set(d["utility"]) == {"A", "B"}
    # the fake's agreement chance is 0.3: the interval should cover it
    assert d["agreement_rate"]["ci"][0] < 0.3 < d["agreement_rate"]["ci"][1]


def test_distribution_rejects_wrong_shape() -> None:
    with pytest.raises(ValueError):
        distribution(np.zeros((3, 4)), ["A"])


def test_as_json_shape() -> None:
    doc = simulate(RANGED, {"B": "y", "A": "x"}, runs=20, seed=3, engine=Engine(coin_play, str)).as_json()
    assert doc["strategies"] == {"A": "x", "B": "y"}
    assert (doc["scenario"], doc["runs"], doc["seed"], doc["backend"]) == ("ranged", 20, 3, "inprocess")
    o = doc["outcomes"]
    for key in (
        "agreement_rate",
        "first_step",
        "target_share",
        "breakdowns",
        "breaches_detected",
        "breaches_missed",
    ):
        assert set(o[key]) >= {"mean", "ci"}


@given(runs=st.integers(1, 40), chunk=st.integers(1, 50), seed=st.integers(0, 2**32))
@settings(max_examples=25, deadline=None)
def test_any_batching_gives_the_same_rows(runs: int, chunk: int, seed: int) -> None:
    from detente.simulate.backends import InProcessBackend

    class Chunked(InProcessBackend):
        def chunk_size(self, total: int) -> int:
            return chunk

    job = MonteCarloJob(RANGED, (("A", "x"), ("B", "y")), seed, play=coin_play, make=str)
    expected = np.vstack([job.replicate(i) for i in range(runs)])
    got = simulate(
        RANGED, {"A": "x", "B": "y"}, runs=runs, seed=seed, backend=Chunked(), engine=Engine(coin_play, str)
    )
    np.testing.assert_array_equal(got.outcomes, expected)


# ------------------------------------------------------------ grouped work
@dataclass(frozen=True)
class Count:
    """A job that is not a MonteCarloJob: replicate ``i`` is ``[i, tag]``."""

    tag: float

    @property
    def columns(self) -> tuple[str, ...]:
        return ("i", "tag")

    def replicate(self, index: int) -> np.ndarray:
        return np.array([float(index), self.tag])


def one_by_one(job: Any, indices: Any) -> np.ndarray:
    """The oracle: each replicate on its own, as job.replicate(i)."""
    rows = [job.replicate(i) for i in indices]
    return np.vstack(rows) if rows else np.empty((0, len(job.columns)))


def test_run_group_equals_each_replicate_on_its_own() -> None:
    other = RANGED.replace(id="other")  # another scenario object: its own draws
    jobs = [
        MonteCarloJob(RANGED, (("A", "x"), ("B", "y")), 5, play=coin_play, make=str),
        MonteCarloJob(RANGED, (("A", "z"), ("B", "y")), 5, play=coin_play, make=str),
        MonteCarloJob(RANGED, (("A", "x"), ("B", "y")), 6, play=coin_play, make=str),  # another seed
        MonteCarloJob(RANGED, (("A", "x"), ("B", "y")), 5, sample_values=False, play=coin_play, make=str),
        MonteCarloJob(other, (("A", "x"), ("B", "y")), 5, play=coin_play, make=str),
        Count(7.0),
    ]
    indices = [range(3, 9), [0, 4, 11], range(0), (2, 3), [5, 1], range(2, 5)]
    got = run_group(jobs, indices)
    for job, idx, rows in zip(jobs, indices, got, strict=True):
        np.testing.assert_array_equal(rows, one_by_one(job, idx))
    assert got[2].shape == (0, 13)


def test_run_group_draws_each_replicate_once_for_the_group(monkeypatch: pytest.MonkeyPatch) -> None:
    from detente.simulate import jobs as jobs_module

    draws: list[int] = []
    real = jobs_module._sampled

    def counting(scenario: Scenario, rng: np.random.Generator) -> Scenario:
        draws.append(1)
        return real(scenario, rng)

    seen: dict[int, set[int]] = {}

    def play(scenario: Scenario, strategies: dict[str, Any], *, seed: np.random.Generator) -> Any:
        out = coin_play(scenario, strategies, seed=seed)
        seen.setdefault(round(out.utilities["A"] * 1e12), set()).add(id(scenario))
        return out

    monkeypatch.setattr(jobs_module, "_sampled", counting)
    jobs = [MonteCarloJob(RANGED, (("A", s), ("B", "y")), 3, play=play, make=str) for s in "pqrs"]
    rows = run_group(jobs, [range(10)] * 4)
    assert len(draws) == 10  # not 40
    assert len(seen) == 10 and all(len(ids) == 1 for ids in seen.values())  # one scenario object each
    np.testing.assert_array_equal(rows[1][:, -2], rows[0][:, -2])  # common random numbers


class Recording(InProcessBackend):
    """The in-process backend with a given chunk size, remembering the weights of its tasks."""

    def __init__(self, chunk: int) -> None:
        super().__init__()
        self.chunk = chunk
        self.weights: list[int] = []

    def chunk_size(self, total: int) -> int:
        return self.chunk

    def map(self, fn: Any, tasks: Any, weights: Any = None, progress: Any = None) -> list[Any]:
        self.weights = list(weights)
        return super().map(fn, tasks, weights, progress)


@given(
    runs=st.lists(st.integers(1, 25), min_size=1, max_size=5),
    seeds=st.lists(st.integers(0, 2), min_size=5, max_size=5),
    chunk=st.integers(1, 60),
)
@settings(max_examples=25, deadline=None)
def test_run_jobs_groups_give_each_jobs_own_rows(runs: list[int], seeds: list[int], chunk: int) -> None:
    jobs = [
        (MonteCarloJob(RANGED, (("A", f"s{k}"), ("B", "y")), seeds[k], play=coin_play, make=str), n)
        for k, n in enumerate(runs)
    ]
    jobs.append((Count(1.0), 3))  # type: ignore[arg-type]
    backend = Recording(chunk)
    done: list[tuple[int, int]] = []
    got = run_jobs(jobs, backend, lambda d, t: done.append((d, t)))
    for (job, n), rows in zip(jobs, got, strict=True):
        np.testing.assert_array_equal(rows, one_by_one(job, range(n)))
    total = sum(n for _, n in jobs)
    assert sum(backend.weights) == total and done[-1] == (total, total)
    assert all(0 < w <= max(chunk, len(jobs)) for w in backend.weights)  # about `chunk` runs a task


def test_run_jobs_task_count_follows_the_chunk_size() -> None:
    jobs = [
        (MonteCarloJob(RANGED, (("A", f"s{k}"), ("B", "y")), 1, play=coin_play, make=str), 40)
        for k in range(9)
    ]
    backend = Recording(90)  # 90 runs a task: 10 replicates of the 9 jobs
    run_jobs(jobs, backend)
    assert backend.weights == [90] * 4


@given(
    picks=st.lists(st.sets(st.integers(0, 40), min_size=0, max_size=15), min_size=1, max_size=5),
    seeds=st.lists(st.integers(0, 1), min_size=5, max_size=5),
    size=st.integers(1, 30),
)
@settings(max_examples=30, deadline=None)
def test_group_tasks_cover_any_replicates_once(picks: list[set[int]], seeds: list[int], size: int) -> None:
    """Any ascending replicate lists (a resumed sweep's missing ones): each replicate once, grouped."""
    work: list[tuple[Any, Any]] = [
        (MonteCarloJob(RANGED, (("A", f"s{k}"), ("B", "y")), seeds[k], play=coin_play, make=str), sorted(p))
        for k, p in enumerate(picks)
    ]
    tasks = group_tasks(work, size)
    got: list[list[int]] = [[] for _ in work]
    rows: list[list[np.ndarray]] = [[] for _ in work]
    for t in tasks:
        assert 0 < t.weight <= max(size, len(t.members))
        assert all(t.jobs[m] is work[k][0] for m, k in enumerate(t.members))
        assert len({seeds[k] for k in t.members}) == 1  # only jobs that share draws are grouped
        for k, idx, part in zip(t.members, t.indices, run_group(t.jobs, t.indices), strict=True):
            got[k].extend(idx)
            rows[k].append(part)
    for k, (job, idx) in enumerate(work):
        assert got[k] == idx  # every replicate once, in order
        if idx:
            np.testing.assert_array_equal(np.vstack(rows[k]), one_by_one(job, idx))
    groups = {id(t.jobs) for t in tasks}
    assert len(groups) == len({seeds[k] for k, p in enumerate(picks) if p})
