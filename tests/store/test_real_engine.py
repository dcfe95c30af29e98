"""Recorded sweeps with the real engine and strategies: same numbers as an unrecorded simulation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detente.model.scenario import Scenario
from detente.simulate.montecarlo import MonteCarloJob, simulate
from detente.store import RunStore, StoreRecorder, run_recorded, sweep

SCENARIO = Scenario.model_validate(
    {
        "detente": 1,
        "id": "engine-small",
        "title": "Small",
        "time": {"horizon": 8},
        "parties": [{"id": "A", "exposure_limit": 2}, {"id": "B", "exposure_limit": 2}],
        "moves": [
            {
                "id": "a1",
                "by": "A",
                "title": "a1",
                "value": {"A": [-2, -1, 0], "B": [1, 2, 3]},
                "verification": 0.5,
            },
            {
                "id": "b1",
                "by": "B",
                "title": "b1",
                "value": {"A": [1, 2, 4], "B": [-2, -1, -0.5]},
                "reversible": True,
            },
        ],
        "events": [{"id": "shock", "rate": 0.2, "effect": {"trust": {"A": -0.3}}}],
    }
)


def test_recorded_run_with_the_real_engine_equals_simulate_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    strategies = {"A": "tit-for-tat", "B": "grit"}
    direct = simulate(SCENARIO, strategies, runs=60, seed=9)
    job = MonteCarloJob(SCENARIO, (("A", "tit-for-tat"), ("B", "grit")), 9)
    store = RunStore(tmp_path / "runs.duckdb")

    real = sweep._chunk
    calls: list[int] = []

    def flaky(job: Any, indices: Any) -> Any:
        if len(calls) == 5:
            raise KeyboardInterrupt
        calls.append(1)
        return real(job, indices)

    monkeypatch.setattr(sweep, "_chunk", flaky)
    with pytest.raises(KeyboardInterrupt):
        run_recorded(job, store, runs=60, parameters={"runs": 60, "seed": 9}, resume=True)
    monkeypatch.undo()
    recorded = run_recorded(job, store, runs=60, parameters={"runs": 60, "seed": 9}, resume=True)
    np.testing.assert_array_equal(recorded.outcomes, direct.outcomes)
    assert recorded.as_json() == direct.as_json()
    (info,) = store.list_runs()
    assert info.status == "complete" and info.stored == 60


def test_recorded_comparison_matrix_equals_compare(tmp_path: Path) -> None:
    """A comparison recorded by a StoreRecorder (how ``detente compare`` records) has the same numbers."""
    from detente.simulate import compare as compare_module

    store = RunStore(tmp_path / "runs.duckdb")
    plain = compare_module.compare(SCENARIO, ["tit-for-tat", "maximum-pressure"], runs=15, seed=2)
    recorder = StoreRecorder(store, {"runs": 15, "seed": 2})
    recorded = compare_module.compare(
        SCENARIO, ["tit-for-tat", "maximum-pressure"], runs=15, seed=2, recorder=recorder
    )
    assert recorded.as_json() == plain.as_json()
    (info,) = store.list_runs()
    assert recorded.run_id == info.run_id and plain.run_id is None
    assert info.kind == "compare" and info.stored == 4 * 15
    assert len(store.jobs(info.run_id)) == 4
