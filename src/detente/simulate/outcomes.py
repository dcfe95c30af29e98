"""Summaries of Monte Carlo outcomes: rates with Wilson score intervals, means with Student-t intervals, quantiles.

Examples
--------
>>> [round(x, 4) for x in wilson_interval(8, 10)]
[0.4902, 0.9433]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

if TYPE_CHECKING:
    pass

from .jobs import outcome_columns

__all__ = ["QUANTILES", "distribution", "summarise", "wilson_interval"]

QUANTILES: tuple[tuple[str, float], ...] = (
    ("p5", 0.05),
    ("p25", 0.25),
    ("p50", 0.5),
    ("p75", 0.75),
    ("p95", 0.95),
)


@lru_cache(maxsize=256)
def _norm_quantile(p: float) -> float:
    """``stats.norm.ppf(p)``, remembered: every summary of a sweep asks the same few (scipy's call is slow)."""
    return float(stats.norm.ppf(p))


@lru_cache(maxsize=256)
def _t_quantile(p: float, dof: int) -> float:
    """``stats.t.ppf(p, dof)``, remembered like :func:`_norm_quantile`."""
    return float(stats.t.ppf(p, dof))


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (Wilson 1927).

    Better behaved than the normal interval near 0 and 1 and for small ``n``.

    >>> lo, hi = wilson_interval(0, 20)
    >>> lo, round(hi, 4)
    (0.0, 0.1611)
    """
    if n <= 0:
        raise ValueError("n must be positive")
    z = _norm_quantile(0.5 + confidence / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    lo = 0.0 if successes == 0 else max(0.0, centre - half)  # exact at the ends, not 1e-17 off
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return lo, hi


def summarise(x: np.ndarray, confidence: float = 0.95, quantiles: np.ndarray | None = None) -> dict[str, Any]:
    """Mean with a Student-t interval, standard deviation, count and quantiles of a sample.

    NaN entries (an outcome that did not occur in a replicate) are left out; ``n`` says
    how many remain. With fewer than two values the interval is ``[null, null]``. ``quantiles``:
    those of :data:`QUANTILES`, computed already (:func:`distribution`, for a sample without NaN).

    >>> s = summarise(np.array([1.0, 2.0, 3.0, np.nan]))
    >>> s["mean"], s["n"], s["quantiles"]["p50"]
    (2.0, 3, 2.0)
    >>> [round(v, 3) for v in s["ci"]]
    [-0.484, 4.484]
    """
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return {"mean": None, "ci": [None, None], "std": None, "n": 0, "quantiles": None}
    mean = float(x.mean())
    std = float(x.std(ddof=1)) if n > 1 else 0.0
    ci: list[float | None] = [None, None]
    if n > 1:
        half = _t_quantile(0.5 + confidence / 2, n - 1) * std / math.sqrt(n)
        ci = [mean - half, mean + half]
    qs = np.quantile(x, [q for _, q in QUANTILES]) if quantiles is None else quantiles
    return {
        "mean": mean,
        "ci": ci,
        "std": std,
        "n": n,
        "quantiles": {name: float(v) for (name, _), v in zip(QUANTILES, qs, strict=True)},
    }


def distribution(outcomes: np.ndarray, parties: Sequence[str], confidence: float = 0.95) -> dict[str, Any]:
    """Summarise outcome rows (columns :func:`outcome_columns`) into an outcome distribution.

    ``agreement_rate`` is a proportion with a Wilson interval (plus ``count`` and ``n``);
    ``first_step`` is summarised over the replicates where a first step happened (its
    ``n`` says how many); every other entry over all replicates.

    ``utility`` is each party's payoff, ``window`` the part of it earned in the window,
    ``no_deal`` its value of no deal and ``gain`` the payoff less the value of no deal, per replicate.

    >>> rows = np.array([[1, 2, 1.0, 0, 0, 0, 10, 5.0, 4.0, 1.0], [0, np.nan, 0.0, 1, 1, 1, 10, -1.0, -1.0, 1.0]])
    >>> d = distribution(rows, ["A"])
    >>> d["agreement_rate"]["mean"], d["first_step"]["n"], d["utility"]["A"]["mean"], d["gain"]["A"]["mean"]
    (0.5, 1, 2.0, 1.0)
    """
    outcomes = np.asarray(outcomes, dtype=float)
    columns = outcome_columns(parties)
    if outcomes.ndim != 2 or outcomes.shape[1] != len(columns):
        raise ValueError(f"expected an array with {len(columns)} columns")
    n = int(outcomes.shape[0])
    col = {name: outcomes[:, k] for k, name in enumerate(columns)}
    successes = int(np.count_nonzero(col["agreement"]))
    lo, hi = wilson_interval(successes, n, confidence)
    detected = float(col["breaches_detected"].sum())
    missed = float(col["breaches_missed"].sum())
    for p in parties:
        col[f"gain:{p}"] = col[f"utility:{p}"] - col[f"no_deal:{p}"]
    del col["agreement"]  # a rate, not summarised
    s = _summaries(col, confidence)
    return {
        "agreement_rate": {"mean": successes / n, "ci": [lo, hi], "count": successes, "n": n},
        "first_step": s["first_step"],
        "target_share": s["target_share"],
        "utility": {p: s[f"utility:{p}"] for p in parties},
        "window": {p: s[f"window:{p}"] for p in parties},
        "no_deal": {p: s[f"no_deal:{p}"] for p in parties},
        "gain": {p: s[f"gain:{p}"] for p in parties},
        "breakdowns": s["breakdowns"],
        "breaches_detected": s["breaches_detected"],
        "breaches_missed": s["breaches_missed"],
        "detection_rate": None if detected + missed == 0 else detected / (detected + missed),
        "periods": s["periods"],
    }


def _summaries(series: dict[str, np.ndarray], confidence: float) -> dict[str, dict[str, Any]]:
    """:func:`summarise` of each series; the quantiles of those without NaN in one call.

    ``np.quantile`` along an axis gives each column the numbers it gives the column alone
    (a partition and the same interpolation), at a fraction of the cost of a call per column.
    """
    full = [k for k, x in series.items() if x.size and not np.isnan(x).any()]
    qs = (
        np.quantile(np.column_stack([series[k] for k in full]), [q for _, q in QUANTILES], axis=0)
        if full
        else None
    )
    out = {k: summarise(series[k], confidence, None if qs is None else qs[:, j]) for j, k in enumerate(full)}
    for k, x in series.items():
        if k not in out:
            out[k] = summarise(x, confidence)
    return out
