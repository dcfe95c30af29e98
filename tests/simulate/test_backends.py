"""Backends: results in task order, progress, and identical Monte Carlo results everywhere.

Worker processes import functions by module name, so the fake engine used here is
written to a temporary module that the workers can import (they inherit ``sys.path``).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from detente.model.errors import ScenarioError
from detente.model.scenario import Scenario
from detente.simulate.backends import (
    DaskBackend,
    InProcessBackend,
    ProcessBackend,
    make_backend,
)
from detente.simulate.montecarlo import Engine, simulate

FAKE = """
import time
from types import SimpleNamespace


def slow(i, n):
    time.sleep(0.02 * (n - i))  # later tasks finish first
    return i * i


def where(job, i):
    from distributed import get_worker

    time.sleep(0.05)
    return get_worker().address, len(job)


def fail(i):
    if i == 3:
        raise ValueError("task 3 failed")
    time.sleep(0.05)
    return i


def play(scenario, strategies, *, seed, settings=None):
    u = seed.random()
    agree = bool(u < 0.4)
    value = scenario.move("b1").value["A"].likely
    return SimpleNamespace(
        agreement=agree, first_step=int(5 * u) if agree else None, target_share=u,
        utilities={"A": value + seed.normal(), "B": -value * u},
        breakdowns=int(3 * u), breaches_detected=int(u > 0.5), breaches_missed=int(u > 0.8), periods=7)
"""

SCENARIO = Scenario.model_validate(
    {
        "detente": 1,
        "id": "pair",
        "title": "Pair",
        "parties": [{"id": "A"}, {"id": "B"}],
        "moves": [
            {"id": "a1", "by": "A", "title": "a1", "value": {"A": -1, "B": [0, 1, 5]}},
            {"id": "b1", "by": "B", "title": "b1", "value": {"A": [2, 3, 4], "B": -2}},
        ],
    }
)


@pytest.fixture(scope="module")
def fake() -> Iterator[ModuleType]:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        Path(d, "detente_fake_engine.py").write_text(FAKE)
        sys.path.insert(0, d)
        try:
            yield importlib.import_module("detente_fake_engine")
        finally:
            sys.path.remove(d)
            sys.modules.pop("detente_fake_engine", None)


def _json(backend: Any, fake: ModuleType, runs: int = 150) -> str:
    r = simulate(
        SCENARIO, {"A": "x", "B": "y"}, runs=runs, seed=17, backend=backend, engine=Engine(fake.play, str)
    )
    doc = r.as_json()
    assert doc.pop("backend") == (backend.name if backend is not None else "inprocess")
    return json.dumps(doc, sort_keys=True)


def test_inprocess_map_and_progress() -> None:
    seen: list[tuple[int, int]] = []
    out = InProcessBackend().map(
        divmod, [(7, 2), (9, 4), (1, 1)], [2, 3, 1], lambda d, t: seen.append((d, t))
    )
    assert out == [(3, 1), (2, 1), (1, 0)]
    assert seen == [(2, 6), (5, 6), (6, 6)]
    with pytest.raises(ValueError):
        InProcessBackend().map(divmod, [(1, 1)], [1, 2])


def test_processes_keep_task_order(fake: ModuleType) -> None:
    seen: list[int] = []
    done: list[tuple[int, int]] = []
    with ProcessBackend(2) as b:
        out = b.map(
            fake.slow,
            [(i, 6) for i in range(6)],
            None,
            lambda d, t: seen.append(d),
            on_result=lambda k, r: done.append((k, r)),
        )
    assert out == [i * i for i in range(6)]
    assert seen == sorted(seen) and seen[-1] == 6
    # each result is handed over once, with its task's index, as the task completes
    assert sorted(done) == [(i, i * i) for i in range(6)]


def test_inprocess_hands_over_each_result() -> None:
    done: list[tuple[int, int]] = []
    assert InProcessBackend().map(pow, [(2, 3), (3, 2)], on_result=lambda k, r: done.append((k, r))) == [8, 9]
    assert done == [(0, 8), (1, 9)]


def test_auto_backend_by_job_size(monkeypatch: pytest.MonkeyPatch) -> None:
    from detente.simulate import backends

    monkeypatch.setattr(backends.os, "cpu_count", lambda: 2)
    assert make_backend("auto").name == "inprocess"  # size unknown
    assert make_backend("auto", total=backends.AUTO_MIN_RUNS - 1).name == "inprocess"
    with make_backend("auto", total=backends.AUTO_MIN_RUNS) as b:
        assert b.name == "processes" and b.workers == 2
    with make_backend("auto", total=10, workers=3) as b:  # asking for workers asks for processes
        assert b.name == "processes" and b.workers == 3
    assert make_backend("auto", total=10**6, workers=1).name == "inprocess"
    monkeypatch.setattr(backends.os, "cpu_count", lambda: 1)
    assert make_backend("auto", total=10**6).name == "inprocess"  # one core: no gain


def test_chunk_sizes() -> None:
    assert InProcessBackend().chunk_size(1000) == 10
    assert ProcessBackend(2).chunk_size(1000) == 125
    assert ProcessBackend(2).chunk_size(3) == 1


def test_make_backend_errors() -> None:
    with pytest.raises(ScenarioError, match="unknown backend 'gpu'"):
        make_backend("gpu")
    with pytest.raises(ScenarioError, match="at least 1 worker"):
        make_backend("processes", workers=0)
    with pytest.raises(ScenarioError, match="tcp://"):
        make_backend("dask", address="localhost:8786")
    with pytest.raises(ScenarioError, match="address: a scheduler address needs the dask backend"):
        make_backend("processes", address="tcp://127.0.0.1:8786")
    with pytest.raises(ScenarioError, match="cannot reach"):
        DaskBackend(address="tcp://127.0.0.1:9", connect_timeout=0.5)


def test_same_seed_same_result_in_process_and_processes(fake: ModuleType) -> None:
    reference = _json(None, fake)
    for workers in (1, 2):
        with make_backend("processes", workers=workers) as b:
            assert _json(b, fake) == reference


def test_same_seed_same_result_on_dask(fake: ModuleType) -> None:
    from dask.distributed import LocalCluster

    reference = _json(None, fake)
    with make_backend("dask", workers=1) as b:
        assert isinstance(b, DaskBackend) and b.workers == 1
        assert _json(b, fake) == reference
    # an existing two-worker cluster, reached by its address
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=40)
    with cluster, make_backend("dask", address=cluster.scheduler_address) as b:
        assert b.workers == 2
        seen: list[int] = []
        r = simulate(
            SCENARIO,
            {"A": "x", "B": "y"},
            runs=150,
            seed=17,
            backend=b,
            engine=Engine(fake.play, str),
            progress=lambda d, t: seen.append(d),
        )
        doc = r.as_json()
        assert doc.pop("backend") == "dask"
        assert json.dumps(doc, sort_keys=True) == reference
        assert seen[-1] == 150


def test_real_engine_same_results_on_every_backend() -> None:
    """The real engine on korea-2019: counts exact, utilities to 1e-12 (see docs: hash-order caveat)."""
    import numpy as np

    from detente.scenarios import load_builtin

    s = load_builtin("korea-2019")
    pair = {"USA": "grit", "DPRK": "freeze-for-freeze"}
    reference = simulate(s, pair, runs=4, seed=8).outcomes
    for name in ("processes", "dask"):
        with make_backend(name, workers=2) as b:
            out = simulate(s, pair, runs=4, seed=8, backend=b).outcomes
        np.testing.assert_allclose(out, reference, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(out[:, :7], reference[:, :7])  # every scalar outcome but utilities


def _on_workers(b: DaskBackend, fn: Any) -> list[Any]:
    return list(b._client.run(fn).values())


def _fake_loaded() -> bool:
    return "detente_fake_engine" in sys.modules


def _profiling() -> bool:
    import dask

    return bool(dask.config.get("distributed.worker.profile.enabled"))


def test_dask_map_warm_workers_spread_order_errors(fake: ModuleType) -> None:
    with DaskBackend(2) as b:
        assert b.chunk_size(1000) == 63  # about eight tasks per worker
        assert _on_workers(b, _fake_loaded) == [False, False]
        assert _on_workers(b, _profiling) == [False, False]  # our cluster's workers do not profile
        # one task: every worker imports the task's module anyway (before the tasks run)
        assert b.map(fake.slow, [(1, 1)]) == [1]
        assert _on_workers(b, _fake_loaded) == [True, True]
        # results in task order although later tasks finish first; progress counts weights
        seen: list[tuple[int, int]] = []
        out = b.map(
            fake.slow, [(i, 6) for i in range(6)], [1, 2, 1, 2, 1, 2], lambda d, t: seen.append((d, t))
        )
        assert out == [i * i for i in range(6)]
        assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1] == (9, 9)
        # the job is shipped once to every worker, so the scheduler spreads the tasks evenly
        job = tuple(range(1000))
        places = b.map(fake.where, [(job, i) for i in range(8)])
        assert {n for _, n in places} == {1000}
        counts = sorted(Counter(a for a, _ in places).values())
        assert len(counts) == 2 and counts[0] >= 2, counts
        # a failing task raises its own error and the other tasks are cancelled
        with pytest.raises(ValueError, match="task 3 failed"):
            b.map(fake.fail, [(i,) for i in range(8)])
        assert b.map(fake.fail, [(i,) for i in (0, 1)]) == [0, 1]  # the backend still works
        # tasks sized by time: the last map took about 50 ms a unit on each worker
        assert b._unit_seconds is not None and 0.04 < b._unit_seconds < 5
        for unit_seconds, size in ((0.01, 63), (0.0015, 167), (0.00175, 125), (0.001, 250), (0.0001, 250)):
            b._unit_seconds = unit_seconds  # 1000 units: 10 s, 1.5 s, 1.75 s, 1 s, 0.1 s of work
            # tasks of about 0.25 s, at most eight per worker and at least two, as many on each
            # worker: 16, 6, 8 (not 7), 4, 4 tasks
            assert b.chunk_size(1000) == size


def test_dask_benchmark_smoke() -> None:
    """benchmarks/bench_simulate.py's Dask comparison runs (tiny), and its results agree."""
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_simulate.py"
    spec = importlib.util.spec_from_file_location("bench_simulate_dask", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = bench.time_dask(16, repeats=1, settle=0)  # no waiting for a quiet machine
    assert out["bit_identical"] is True
    assert out["runs"] == 16 and len(out["speedups"]) == 1 and out["other_load"] >= 0 and out["waited"] < 1
