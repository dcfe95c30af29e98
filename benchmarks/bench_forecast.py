"""Forecast models on the DEU III development file (225 issues): accuracy and time.

Every model of the registry forecasts every issue; the table gives the mean and
median absolute error (0-100 scale) over the issues with a recorded outcome, the
number of issues scored, and the time. A candidate fitted model, the weighted mean
with exponents on capability and salience (``c^a s^b``), is scored out of sample:
proposals are split into :data:`FOLDS` folds, each fold's exponents are chosen on
the other folds' proposals and the fold is forecast with them (it does not beat
the plain weighted mean, so it is not in the registry). The expected-utility model is also run on :data:`SAMPLES` sampled judgements
per issue (point judgements given a +-:data:`SPREAD` % triangular range).
Times are for each model over the whole file on one core, the median of
:data:`REPEATS` runs, against the issue's :data:`TARGET_SECONDS` (set
``OMP_NUM_THREADS=1`` and friends for a one-core figure; the models use numpy
only, no threaded BLAS calls).

Dataset: Arregui, J. & Perarnaud, C. (2021), DEU III, *Journal of European Public
Policy*; data doi:10.34810/data53 (see ``benchmarks/data/README.md``).
"""

from __future__ import annotations

import functools
import itertools
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from detente.analysis.forecast import REGISTRY, forecast, issue_data, score
from detente.analysis.forecast.compromise import WeightedMean
from detente.analysis.forecast.data import draw
from detente.model.deu3 import load_deu3

DATA = Path(__file__).parent / "data" / "deu3-dev.tsv"
FOLDS = 10
GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
SAMPLES = 1000
SPREAD = 5.0
TARGET_SECONDS = 10.0
REPEATS = 3


def cross_validated_exponents(ps: Any) -> dict[str, Any]:
    """Leave-proposals-out CV of the weighted mean's exponents: out-of-sample errors and the chosen pairs."""
    data = [issue_data(ps, i) for i in ps.issues]
    rng = np.random.default_rng(0)
    draws = [draw(d, 1, rng) for d in data]
    outcome = np.array([np.nan if d.outcome is None else d.outcome for d in data])
    groups = sorted({d.group for d in data})
    fold_of = {g: k % FOLDS for k, g in enumerate(groups)}
    fold = np.array([fold_of[d.group] for d in data])
    pairs = list(itertools.product(GRID, GRID))
    preds = np.array(
        [[WeightedMean(a, b).predict(d, dr)[0] for d, dr in zip(data, draws, strict=True)] for a, b in pairs]
    )
    err = np.abs(preds - outcome[None, :])
    scored = ~np.isnan(outcome)
    oos = np.full(len(data), np.nan)
    chosen = []
    for k in range(FOLDS):
        train = scored & (fold != k)
        best = int(np.argmin(err[:, train].mean(axis=1)))
        chosen.append(pairs[best])
        oos[fold == k] = preds[best, fold == k]
    whole = pairs[int(np.argmin(err[:, scored].mean(axis=1)))]
    e = [None if np.isnan(x) else float(x) for x in np.abs(oos - outcome)]
    return {"score": score(e), "chosen": chosen, "whole_file": whole}


def timed(run: Callable[[], Any], repeats: int = REPEATS) -> tuple[Any, float, list[float]]:
    """The result of ``run()`` and the median and list of its wall times over ``repeats`` runs.

    >>> result, median, runs = timed(lambda: 2 + 2, repeats=3)
    >>> result, len(runs), median >= 0
    (4, 3, True)
    """
    runs = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        runs.append(time.perf_counter() - start)
    return result, statistics.median(runs), runs


def main() -> dict[str, Any]:
    ps = load_deu3(DATA)
    rows: dict[str, dict[str, Any]] = {}
    for name in REGISTRY:
        fc, seconds, runs = timed(functools.partial(forecast, ps, [name]))
        rows[name] = {**fc.scores()[name], "seconds": seconds, "runs": runs, "samples": 1}
    cv, seconds, runs = timed(lambda: cross_validated_exponents(ps))
    rows["compromise-fit (CV)"] = {**cv["score"], "seconds": seconds, "runs": runs, "samples": 1}
    fc, seconds, runs = timed(lambda: forecast(ps, ["expected-utility"], samples=SAMPLES, spread=SPREAD))
    rows[f"expected-utility x{SAMPLES}"] = {
        **fc.scores()["expected-utility"],
        "seconds": seconds,
        "runs": runs,
        "samples": SAMPLES,
    }
    base = rows["compromise"]["mae"]
    print(f"DEU III development file: {len(ps.issues)} issues; errors on the 0-100 scale")
    print(
        f"seconds: each model over the whole file, median of {REPEATS} runs; target {TARGET_SECONDS:.0f} s each"
    )
    print(f"{'model':28} {'MAE':>6} {'median AE':>9} {'n':>4} {'vs mean':>8} {'seconds':>8}  target")
    for name, r in rows.items():
        rel = (r["mae"] - base) / base
        ok = "ok" if r["seconds"] < TARGET_SECONDS else "OVER"
        print(
            f"{name:28} {r['mae']:6.2f} {r['median_ae']:9.2f} {r['n']:4d} {rel:+8.1%} {r['seconds']:8.2f}  {ok}"
        )
    total = sum(r["seconds"] for r in rows.values())
    slow = [k for k, r in rows.items() if r["seconds"] >= TARGET_SECONDS]
    print(f"all models: {total:.1f} s; over the {TARGET_SECONDS:.0f} s target: {', '.join(slow) or 'none'}")
    print(f"compromise-fit: exponents chosen per fold {cv['chosen']}; on the whole file {cv['whole_file']}")
    best = min(rows, key=lambda k: rows[k]["mae"])
    print(
        f"lowest out-of-sample MAE: {best} ({(rows[best]['mae'] - base) / base:+.1%} against the weighted mean)"
    )
    return {"models": rows, "cv": cv, "total_seconds": total, "over_target": slow, "best": best}


if __name__ == "__main__":
    main()
