"""A sweep run in a subprocess by the kill-and-resume and concurrency tests.

Usage: python sweep_worker.py STORE RUNS SEED DELAY [--resume] [--backend NAME] [--out FILE.npy]
[--address tcp://...] [--lost-seconds S]

Errors are reported the way the command line reports them (``guarded``: a message, exit 1
or 2, no traceback), so the fault tests see what a user would.

The job is a real :class:`~detente.simulate.montecarlo.MonteCarloJob` on a small scenario
with ranged values; the engine is replaced by :func:`noisy_play`, which draws from the
replicate's generator (so each replicate depends on the seed and its index) and sleeps
``DELAY`` seconds, so a test can kill the sweep part way.
"""

from __future__ import annotations

import os
import sys
import time
from types import SimpleNamespace
from typing import Any

import numpy as np

from detente.model.scenario import Scenario
from detente.simulate.montecarlo import MonteCarloJob

SCENARIO = Scenario.model_validate(
    {
        "detente": 1,
        "id": "kill-test",
        "title": "Kill test",
        "parties": [{"id": "A"}, {"id": "B"}],
        "moves": [
            {"id": "a1", "by": "A", "title": "a1", "value": {"A": [-3, -1, 0], "B": [1, 2, 5]}},
            {"id": "b1", "by": "B", "title": "b1", "value": {"A": [0, 3, 4], "B": -1}},
        ],
    }
)


def noisy_play(
    scenario: Scenario, strategies: dict[str, Any], *, seed: np.random.Generator
) -> SimpleNamespace:
    """A stand-in engine: outcomes drawn from ``seed`` and the sampled values; sleeps DELAY."""
    time.sleep(float(os.environ.get("SWEEP_DELAY", "0")))
    u = seed.random(3)
    ua = scenario.utility("A", ["a1", "b1"]) + u[0]
    ub = scenario.utility("B", ["a1", "b1"]) + u[1]
    agree = bool(u[2] < 0.6)
    return SimpleNamespace(
        agreement=agree,
        first_step=int(u[0] * 10) if agree else None,
        target_share=float(u[2]),
        breakdowns=int(u[1] * 3),
        breaches_detected=0,
        breaches_missed=1,
        periods=12,
        utilities={"A": ua, "B": ub},
    )


def make_job(seed: int) -> MonteCarloJob:
    return MonteCarloJob(SCENARIO, (("A", "tit-for-tat"), ("B", "grit")), seed, play=noisy_play, make=str)


def main(argv: list[str]) -> int:
    import typer

    from detente.cli.common import guarded

    try:
        with guarded():
            return _sweep(argv)
    except typer.Exit as exc:
        return int(exc.exit_code)


def _sweep(argv: list[str]) -> int:
    from detente.simulate.backends import DaskBackend, make_backend
    from detente.store import RunStore, run_recorded

    store_path, runs, seed, delay = argv[0], int(argv[1]), int(argv[2]), argv[3]
    os.environ["SWEEP_DELAY"] = delay
    resume = "--resume" in argv
    backend_name = argv[argv.index("--backend") + 1] if "--backend" in argv else "inprocess"
    out = argv[argv.index("--out") + 1] if "--out" in argv else None
    address = argv[argv.index("--address") + 1] if "--address" in argv else None
    if "--lost-seconds" in argv:
        DaskBackend.lost_seconds = float(argv[argv.index("--lost-seconds") + 1])

    def progress(done: int, total: int) -> None:
        print(f"progress {done} {total}", flush=True)

    workers = 2 if backend_name != "inprocess" and address is None else None
    with make_backend(backend_name, workers=workers, address=address) as backend:
        store = RunStore(store_path, lock_timeout=120)
        result = run_recorded(
            make_job(seed),
            store,
            runs=runs,
            parameters={"runs": runs, "seed": seed, "backend": backend_name},
            resume=resume,
            backend=backend,
            progress=progress,
        )
    if out is not None:
        np.save(out, result.outcomes)
    print(f"done {result.run_id}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
