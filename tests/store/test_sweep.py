"""Recorded sweeps: interrupted and resumed in-process, backends, sweep keys, scenario text."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.model.scenario import Scenario
from detente.simulate.backends import ProcessBackend
from detente.simulate.montecarlo import Engine, MonteCarloJob, simulate
from detente.store import RunStore, record_sweep, run_recorded, scenario_hash, sweep
from detente.store.sweep import Squares, describe_job, sweep_key

SCENARIO = Scenario.model_validate(
    {
        "detente": 1,
        "id": "tiny",
        "title": "Tiny",
        "parties": [{"id": "A"}, {"id": "B"}],
        "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"A": [-2, -1, 0], "B": [0, 1, 3]}}],
    }
)


def coin_play(
    scenario: Scenario, strategies: dict[str, Any], *, seed: np.random.Generator
) -> SimpleNamespace:
    x = seed.random()
    return SimpleNamespace(
        agreement=x < 0.5,
        first_step=None,
        target_share=x,
        breakdowns=0,
        breaches_detected=0,
        breaches_missed=0,
        periods=3,
        utilities={"A": scenario.utility("A", ["a1"]), "B": x},
    )


def _interrupt_after(monkeypatch: pytest.MonkeyPatch, calls: int) -> list[int]:
    """Make the sweep's chunk runner raise KeyboardInterrupt after ``calls`` chunks; count replicates run."""
    real = sweep._chunk
    seen: list[int] = []

    def chunk(jobs: Any, indices: tuple[tuple[int, ...], ...]) -> list[np.ndarray]:
        if calls >= 0 and len(seen) >= calls:
            raise KeyboardInterrupt
        seen.append(sum(len(i) for i in indices))
        return real(jobs, indices)

    monkeypatch.setattr(sweep, "_chunk", chunk)
    return seen


def test_interrupted_sweep_resumes_computing_only_missing_replicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    job = MonteCarloJob(SCENARIO, (("A", "x"), ("B", "y")), 4, play=coin_play, make=str)
    first = _interrupt_after(monkeypatch, 7)
    with pytest.raises(KeyboardInterrupt):  # the same sweep as run_recorded's below, committing every chunk
        record_sweep(
            [(job, 300)], store, kind="simulate", parameters={"runs": 300}, resume=True, commit_every=0.0
        )
    (info,) = store.list_runs()
    assert info.status == "running"
    # Chunks of 3 replicates, each committed as it finished: the 7 finished chunks were kept.
    assert info.stored == 21 and sum(first) == 21
    monkeypatch.undo()
    second = _interrupt_after(monkeypatch, -1)
    result = run_recorded(job, store, runs=300, parameters={"runs": 300}, resume=True)
    assert sum(second) == 300 - 21
    direct = simulate(SCENARIO, {"A": "x", "B": "y"}, runs=300, seed=4, engine=Engine(coin_play, str))
    np.testing.assert_array_equal(result.outcomes, direct.outcomes)
    assert result.distribution() == direct.distribution()
    (info,) = store.list_runs()
    assert (info.status, info.stored) == ("complete", 300)


def test_resume_of_a_complete_run_computes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    run_id, (a,) = record_sweep([(Squares(), 10)], store, kind="demo")
    _interrupt_after(monkeypatch, 0)  # any computation now raises
    again, (b,) = record_sweep([(Squares(), 10)], store, kind="demo", resume=True)
    assert again == run_id
    np.testing.assert_array_equal(a, b)
    monkeypatch.undo()
    fresh, _ = record_sweep([(Squares(), 10)], store, kind="demo")
    assert fresh != run_id and len(store.list_runs()) == 2


def test_resume_on_another_backend_gives_identical_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    jobs = [(Squares(seed=s), 40) for s in (1, 2)]
    _interrupt_after(monkeypatch, 3)
    with pytest.raises(KeyboardInterrupt):
        record_sweep(jobs, store, kind="demo", parameters={"backend": "inprocess"})
    monkeypatch.undo()
    with ProcessBackend(workers=2) as backend:
        _, arrays = record_sweep(
            jobs, store, kind="demo", parameters={"backend": "processes"}, resume=True, backend=backend
        )
    assert len(store.list_runs()) == 1
    for (job, runs), arr in zip(jobs, arrays, strict=True):
        np.testing.assert_array_equal(arr, np.vstack([job.replicate(i) for i in range(runs)]))


def test_sweep_key_changes_with_anything_that_changes_the_numbers() -> None:
    def key(job: Any, runs: int = 10, **params: Any) -> str:
        return sweep_key("simulate", params, [describe_job(job, runs)])

    job = MonteCarloJob(SCENARIO, (("A", "x"), ("B", "y")), 4, play=coin_play, make=str)
    base = key(job)
    assert key(job, workers=3, backend="dask") == base
    assert key(job, runs=11) != base
    assert key(MonteCarloJob(SCENARIO, (("A", "x"), ("B", "z")), 4, play=coin_play, make=str)) != base
    assert key(MonteCarloJob(SCENARIO, (("A", "x"), ("B", "y")), 5, play=coin_play, make=str)) != base
    assert (
        key(MonteCarloJob(SCENARIO.replace(title="T"), (("A", "x"), ("B", "y")), 4, play=coin_play, make=str))
        != base
    )
    assert (
        key(
            MonteCarloJob(
                SCENARIO, (("A", "x"), ("B", "y")), 4, sample_values=False, play=coin_play, make=str
            )
        )
        != base
    )
    assert key(job, horizon=12) != base


def test_stored_scenario_text_is_the_scenario(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    job = MonteCarloJob(SCENARIO, (("A", "x"), ("B", "y")), 0, play=coin_play, make=str)
    result = run_recorded(job, store, runs=3)
    assert result.run_id is not None
    (record,) = store.jobs(result.run_id)
    assert record["scenario_hash"] == scenario_hash(SCENARIO)
    assert record["description"]["strategies"] == [["A", "x"], ["B", "y"]]
    text = store.scenario_text(record["scenario_hash"])
    assert text is not None
    assert Scenario.model_validate(json.loads(text)) == SCENARIO


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sizes=st.lists(st.integers(1, 40), min_size=1, max_size=3),
    stops=st.lists(st.integers(0, 12), min_size=1, max_size=3),
    wave=st.integers(1, 3),
)
def test_any_sequence_of_interruptions_stores_each_replicate_once(
    tmp_path_factory: pytest.TempPathFactory, sizes: list[int], stops: list[int], wave: int
) -> None:
    store = RunStore(tmp_path_factory.mktemp("s") / "runs.duckdb")
    jobs = [(Squares(seed=k), n) for k, n in enumerate(sizes)]
    real = sweep._chunk
    for stop in stops:  # interrupted after `stop` chunks each time, resuming the same sweep
        count = [0]

        def chunk(
            job: Any, indices: tuple[tuple[int, ...], ...], count: list[int] = count, stop: int = stop
        ) -> list[np.ndarray]:
            if count[0] >= stop:
                raise KeyboardInterrupt
            count[0] += 1
            return real(job, indices)

        sweep._chunk = chunk  # type: ignore[assignment]
        try:
            record_sweep(jobs, store, kind="demo", resume=True, wave=wave, commit_every=0.0)
        except KeyboardInterrupt:
            pass
        finally:
            sweep._chunk = real  # type: ignore[assignment]
    _, arrays = record_sweep(jobs, store, kind="demo", resume=True)
    assert len(store.list_runs()) == 1
    for (job, n), arr in zip(jobs, arrays, strict=True):
        np.testing.assert_array_equal(arr, np.vstack([job.replicate(i) for i in range(n)]))
    assert store.list_runs()[0].stored == sum(sizes)
