"""Which assumption drives a verdict: one-at-a-time tornado, Sobol indices, break-even values.

Inputs: every ranged value of a scenario (a move's value to one party, or an interaction
term's value to one party, written ``[low, likely, high]``) is one input, named
``MOVE:PARTY`` or ``MOVE1+MOVE2:PARTY`` (interaction). Values given as plain numbers are
not inputs. Whenever a metric is evaluated, *every* ranged value is fixed: the inputs
being varied at their given values and all others at their likely values (so a
simulation metric plays the same valuations in every replicate), with the same seed for
every evaluation (common random numbers: differences come from the inputs, not luck).

- **OAT** (one at a time): each input to its low and to its high value, the others at
  likely; the tornado orders inputs by swing ``|f(high) - f(low)|``, and marks the ends
  that change the verdict.
- **Sobol** (variance-based, Saltelli's scheme via SALib): first-order ``S1`` and total
  ``ST`` indices with bootstrap confidence intervals, each input drawn independently from
  its ``[low, high]`` range with a **triangular** distribution peaked at ``likely`` (the
  reading the Monte Carlo simulator gives a range) or, with ``distribution="uniform"``,
  uniformly. Unit-cube Sobol points from SALib are mapped through each input's inverse CDF.
  ``n`` base samples (a power of two) cost ``n * (k + 2)`` evaluations for ``k`` inputs.
  For a categorical metric the indices are those of the indicator "same verdict as at the
  likely values".
- **Break-even**: for each input and each direction, the nearest value at which the verdict
  flips, searched from ``likely`` out to ``likely -/+ 2 * (high - low)`` (twice the width of
  the range away from likely): a grid of ``grid`` equal steps finds the first flip, then bisection
  narrows the bracket ``iterations`` times. ``None`` means it does not flip in that range.
  A numeric metric has a verdict only with a threshold (``value >= threshold``).

Examples
--------
>>> from detente.model.scenario import Scenario
>>> from detente.studies.metrics import parse_metric
>>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X",
...     "parties": [{"id": "A"}, {"id": "B"}],
...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"A": [-3, -1, 0], "B": [1, 2, 4]}}]})
>>> r = sensitivity(s, parse_metric("package-utility:B=a1", s), threshold=1.5)
>>> [(row["name"], row["swing"]) for row in r.oat]
[('a1:B', 3.0), ('a1:A', 0.0)]
>>> r.break_even[0]["down"]["bracket"][0] <= 1.5 <= r.break_even[0]["down"]["bracket"][1]
True
"""

from __future__ import annotations

import fnmatch
import hashlib
import math
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from detente.model.errors import ScenarioError
from detente.model.scenario import Scenario
from detente.model.tabular import Table, Tabular
from detente.model.values import Value
from detente.simulate.montecarlo import Sweep, run_sweep
from detente.store import RunStore, StoreRecorder

from .metrics import Metric

if TYPE_CHECKING:
    from detente.simulate.backends import Backend, Progress

__all__ = [
    "EvaluationJob",
    "Input",
    "SensitivityResult",
    "break_even",
    "ranged_inputs",
    "sensitivity",
    "set_inputs",
    "sobol_analyse",
    "sobol_design",
    "sobol_indices",
]

Distribution = Literal["triangular", "uniform"]
WIDEN = 2.0
"""Break-even searches out to ``likely -/+ WIDEN * (high - low)``."""


@dataclass(frozen=True)
class Input:
    """One ranged value: a move's (or interaction's) value to one party."""

    name: str
    items: tuple[str, ...]
    party: str
    low: float
    likely: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "low": self.low, "likely": self.likely, "high": self.high}


def ranged_inputs(scenario: Scenario, pattern: str | None = None) -> list[Input]:
    """Every ranged value of a scenario in file order (moves, then interactions; parties in order).

    ``pattern`` keeps only the names matching a shell-style pattern (``"usa-*:DPRK"``).

    >>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X", "parties": [{"id": "A"}],
    ...     "moves": [{"id": "m", "by": "A", "title": "m", "value": {"A": [0, 1, 2]}},
    ...               {"id": "n", "by": "A", "title": "n", "value": {"A": 5}}]})
    >>> [i.name for i in ranged_inputs(s)]
    ['m:A']
    """
    out: list[Input] = []

    def add(items: tuple[str, ...], values: Mapping[str, Value]) -> None:
        for pid in scenario.party_ids:
            v = values.get(pid)
            if v is not None and v.is_range:
                out.append(Input(f"{'+'.join(items)}:{pid}", items, pid, v.low, v.likely, v.high))

    for m in scenario.moves:
        add((m.id,), m.value)
    for inter in scenario.interactions:
        add(tuple(inter.moves), inter.value)
    if pattern is not None:
        out = [i for i in out if fnmatch.fnmatchcase(i.name, pattern)]
        if not out:
            raise ScenarioError.single("inputs", f"no ranged value of {scenario.id} matches {pattern!r}")
    return out


def set_inputs(scenario: Scenario, assignment: Mapping[str, float]) -> Scenario:
    """A copy with every ranged value fixed: assigned inputs at their value, the rest at likely.

    >>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X", "parties": [{"id": "A"}],
    ...     "moves": [{"id": "m", "by": "A", "title": "m", "value": {"A": [0, 1, 2]}}]})
    >>> t = set_inputs(s, {"m:A": 1.5})
    >>> t.move("m").value["A"].likely, t.has_ranges
    (1.5, False)
    """
    used: set[str] = set()

    def fix(items: tuple[str, ...], values: Mapping[str, Value]) -> dict[str, Value]:
        out = {}
        for pid, v in values.items():
            name = f"{'+'.join(items)}:{pid}"
            x = assignment.get(name)
            if x is not None:
                used.add(name)
            elif v.is_range:
                x = v.likely
            out[pid] = v if x is None else Value(low=x, likely=x, high=x)
        return out

    moves = tuple(m.model_copy(update={"value": fix((m.id,), m.value)}) for m in scenario.moves)
    inters = tuple(
        i.model_copy(update={"value": fix(tuple(i.moves), i.value)}) for i in scenario.interactions
    )
    unknown = set(assignment) - used
    if unknown:
        raise ScenarioError.single("inputs", f"no value named {sorted(unknown)[0]!r} in {scenario.id}")
    return scenario.replace(moves=moves, interactions=inters)


@dataclass(frozen=True)
class EvaluationJob:
    """The metric at a list of input points (a picklable job for the results store).

    Replicate ``i`` is ``[*points[i], value]``; with ``indicator_of`` set, ``value`` is 1.0
    when the metric equals it (same category) and 0.0 otherwise.
    """

    scenario: Scenario
    metric: Metric
    names: tuple[str, ...]
    points: tuple[tuple[float, ...], ...]
    seed: int = 0
    indicator_of: float | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.names, self.metric.spec)

    def describe(self) -> tuple[Scenario, dict[str, Any]]:

        digest = hashlib.sha256(np.asarray(self.points, dtype=float).tobytes()).hexdigest()
        return self.scenario, {
            "metric": self.metric.spec,
            "inputs": list(self.names),
            "points": {"count": len(self.points), "sha256": digest},
            "seed": self.seed,
            "indicator_of": self.indicator_of,
        }

    def value(self, point: Sequence[float]) -> float:
        scenario = set_inputs(self.scenario, dict(zip(self.names, point, strict=True)))
        y = float(self.metric.evaluate(scenario, self.seed))
        if self.indicator_of is not None:
            return 1.0 if y == self.indicator_of else 0.0
        return y

    def replicate(self, index: int) -> np.ndarray:
        point = self.points[index]
        return np.array([*point, self.value(point)], dtype=float)


# ------------------------------------------------------------------------- Sobol
def _triangular_ppf(u: np.ndarray, low: float, likely: float, high: float) -> np.ndarray:
    width = high - low
    if width <= 0:
        return np.full_like(u, low)
    c = (likely - low) / width
    return np.where(
        u < c, low + np.sqrt(u * c) * width, high - np.sqrt(np.clip((1 - u) * (1 - c), 0, None)) * width
    )


def _salib_seed(seed: int, stream: int) -> int:
    """A non-zero seed for SALib (which leaves a zero seed unseeded), one stream per use."""
    return int(np.random.SeedSequence([seed, stream]).generate_state(1)[0]) | 1


def sobol_design(
    inputs: Sequence[Input], n: int, seed: int = 0, distribution: Distribution = "triangular"
) -> np.ndarray:
    """Saltelli's sample for first- and total-order indices: ``n * (k + 2)`` rows of ``k`` inputs.

    >>> ins = [Input("a", ("a",), "A", 0, 1, 2), Input("b", ("b",), "A", 0, 0, 1)]
    >>> x = sobol_design(ins, 8, seed=1)
    >>> x.shape, bool((x[:, 0] >= 0).all() and (x[:, 0] <= 2).all())
    ((32, 2), True)
    """
    from SALib.sample import (
        sobol as salib_sample,  # keep: SALib takes 0.67 s to import, only the Sobol method needs it
    )

    if n < 2 or n & (n - 1):
        raise ScenarioError.single("samples", f"expected a power of two (at least 2), found {n}")
    if distribution not in ("triangular", "uniform"):
        raise ScenarioError.single("distribution", f"expected triangular or uniform, found {distribution!r}")
    k = len(inputs)
    problem = {"num_vars": k, "names": [i.name for i in inputs], "bounds": [[0.0, 1.0]] * k}
    u = salib_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=_salib_seed(seed, 0))
    x = np.empty_like(u)
    for j, inp in enumerate(inputs):
        if distribution == "uniform":
            x[:, j] = inp.low + u[:, j] * inp.width
        else:
            x[:, j] = _triangular_ppf(u[:, j], inp.low, inp.likely, inp.high)
    return x


def sobol_analyse(y: np.ndarray, names: Sequence[str], seed: int = 0) -> dict[str, Any]:
    """First-order and total indices (with 95% bootstrap half-widths) from outputs on :func:`sobol_design`."""
    from SALib.analyze import sobol as salib_analyze  # keep: SALib takes 0.67 s to import (see above)

    y = np.asarray(y, dtype=float)
    if not np.all(np.isfinite(y)):
        raise ScenarioError.single(
            "metric", "the metric returned a non-finite value; Sobol indices need numbers"
        )
    k = len(names)
    rows: list[dict[str, Any]]
    if float(np.var(y)) == 0.0:
        rows = [{"name": n, "S1": 0.0, "S1_conf": 0.0, "ST": 0.0, "ST_conf": 0.0} for n in names]
        return {"variance": 0.0, "indices": rows, "note": "the metric does not vary over these ranges"}
    problem = {"num_vars": k, "names": list(names), "bounds": [[0.0, 1.0]] * k}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = salib_analyze.analyze(
            problem, y, calc_second_order=False, print_to_console=False, seed=_salib_seed(seed, 1)
        )
    rows = [
        {
            "name": n,
            "S1": float(res["S1"][j]),
            "S1_conf": float(res["S1_conf"][j]),
            "ST": float(res["ST"][j]),
            "ST_conf": float(res["ST_conf"][j]),
        }
        for j, n in enumerate(names)
    ]
    rows.sort(key=lambda r: (-r["ST"], r["name"]))
    return {"variance": float(np.var(y)), "indices": rows, "note": ""}


def sobol_indices(
    function: Callable[[np.ndarray], np.ndarray],
    inputs: Sequence[Input],
    n: int = 1024,
    seed: int = 0,
    distribution: Distribution = "triangular",
) -> dict[str, Any]:
    """Sobol indices of a vectorised ``function`` (rows of inputs -> outputs) over the input ranges.

    >>> ins = [Input(n, (n,), "A", 0, 0.5, 1) for n in ("a", "b")]
    >>> res = sobol_indices(lambda x: 3 * x[:, 0] + x[:, 1], ins, n=1024, distribution="uniform")
    >>> [(r["name"], round(r["S1"], 1)) for r in res["indices"]]
    [('a', 0.9), ('b', 0.1)]
    """
    x = sobol_design(inputs, n, seed, distribution)
    return sobol_analyse(np.asarray(function(x), dtype=float), [i.name for i in inputs], seed)


# --------------------------------------------------------------------- break-even
def _search(
    verdict_at: Callable[[float], str | None],
    likely: float,
    bound: float,
    base: str | None,
    grid: int,
    iterations: int,
) -> dict[str, Any] | None:
    prev = likely
    for x in np.linspace(likely, bound, grid + 1)[1:]:
        v = verdict_at(float(x))
        if v != base:
            same, other, flipped = prev, float(x), v
            for _ in range(iterations):
                mid = (same + other) / 2
                vm = verdict_at(mid)
                if vm == base:
                    same = mid
                else:
                    other, flipped = mid, vm
            return {"value": other, "bracket": sorted([same, other]), "verdict": flipped}
        prev = float(x)
    return None


def break_even(
    scenario: Scenario,
    metric: Metric,
    inputs: Sequence[Input],
    *,
    threshold: float | None = None,
    seed: int = 0,
    grid: int = 8,
    iterations: int = 12,
    deadline: float | None = None,
    sides: Mapping[str, Sequence[str]] | None = None,
    within_range: bool = False,
) -> tuple[list[dict[str, Any]], bool]:
    """For each input, how far it must move (down and up) to flip the verdict; see the module docstring.

    Returns the rows and whether every input was searched before ``deadline`` (a
    :func:`time.monotonic` time). Rows with no verdict (numeric metric, no threshold) are empty.
    ``sides`` limits the search of an input to some directions (``"down"``, ``"up"``; a
    direction not searched is ``None``); ``within_range`` searches only out to ``low`` and
    ``high`` instead of the widened bounds.
    """

    def verdict(value: float) -> str | None:
        return metric.verdict(value, threshold)

    base_value = metric.evaluate(set_inputs(scenario, {}), seed)
    base = verdict(base_value)
    if base is None:
        return [], True
    rows: list[dict[str, Any]] = []
    for inp in inputs:
        if deadline is not None and time.monotonic() > deadline:
            return rows, False

        seen: dict[float, float] = {}

        def verdict_at(x: float, inp: Input = inp, seen: dict[float, float] = seen) -> str | None:
            seen[x] = metric.evaluate(set_inputs(scenario, {inp.name: x}), seed)
            return verdict(seen[x])

        span = WIDEN * inp.width
        lo, hi = (inp.low, inp.high) if within_range else (inp.likely - span, inp.likely + span)
        row: dict[str, Any] = {**inp.as_json(), "search": [lo, hi]}
        wanted = ("down", "up") if sides is None else tuple(sides.get(inp.name, ()))
        for side, bound in (("down", lo), ("up", hi)):
            found = None
            if side in wanted and bound != inp.likely:
                found = _search(verdict_at, inp.likely, bound, base, grid, iterations)
            if found is not None:
                found["metric_value"] = seen[found["value"]]
                found["change"] = metric.describe_change(base_value, found["metric_value"], threshold)
                found["shift"] = found["value"] - inp.likely
                found["in_range"] = inp.low <= found["value"] <= inp.high
            row[side] = found
        rows.append(row)
    return rows, True


# ---------------------------------------------------------------------- the study
@dataclass
class SensitivityResult(Tabular):
    """Everything :func:`sensitivity` found (``as_json`` is ``detente sensitivity --json``)."""

    scenario: str
    metric: Metric
    threshold: float | None
    seed: int
    base_value: float
    inputs: list[Input]
    oat: list[dict[str, Any]]
    sobol: dict[str, Any] | None = None
    break_even: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = True
    run_id: str | None = None

    @property
    def base_verdict(self) -> str | None:
        return self.metric.verdict(self.base_value, self.threshold)

    def what_would_change(self) -> list[dict[str, Any]]:
        """The inputs whose move flips the verdict, nearest (as a share of the range) first."""
        out = []
        for row in self.break_even:
            width = row["high"] - row["low"]
            for side in ("down", "up"):
                hit = row.get(side)
                if hit is not None:
                    out.append(
                        {
                            "name": row["name"],
                            "direction": side,
                            "likely": row["likely"],
                            **hit,
                            "relative": abs(hit["shift"]) / width if width else math.inf,
                        }
                    )
        out.sort(key=lambda r: (r["relative"], r["name"]))
        return out

    def _table(self) -> Table:
        """The tornado (inputs by swing), with Sobol indices and break-even values where computed."""
        rows = self.oat or [i.as_json() for i in self.inputs]
        sobol = {r["name"]: r for r in self.sobol["indices"]} if self.sobol else {}
        flips = {r["name"]: r for r in self.break_even}
        cols: dict[str, list[Any]] = {k: [r[k] for r in rows] for k in ("name", "low", "likely", "high")}
        for side in ("at_low", "at_high"):
            cols[f"value_{side}"] = [r[side]["value"] if side in r else None for r in rows]
            cols[f"verdict_{side}"] = [r[side]["verdict"] if side in r else None for r in rows]
        cols["swing"] = [r.get("swing") for r in rows]
        for key in ("S1", "ST") if sobol else ():
            cols[key] = [sobol[r["name"]][key] if r["name"] in sobol else None for r in rows]
        for side in ("down", "up"):
            hits = [(flips.get(r["name"]) or {}).get(side) for r in rows]
            cols[f"break_even_{side}"] = [None if h is None else h["value"] for h in hits]
        verdict = f", verdict {self.base_verdict}" if self.base_verdict is not None else ""
        return Table(
            cols, f"{self.scenario}: sensitivity of {self.metric.spec} (base {self.base_value:.6g}{verdict})"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "metric": {
                "spec": self.metric.spec,
                "kind": self.metric.kind,
                "description": self.metric.description,
            },
            "threshold": self.threshold if self.threshold is not None else self.metric.default_threshold,
            "seed": self.seed,
            "base": {"value": self.base_value, "verdict": self.base_verdict},
            "inputs": [i.as_json() for i in self.inputs],
            "oat": self.oat,
            "sobol": self.sobol,
            "break_even": self.break_even,
            "what_would_change": self.what_would_change(),
            "complete": self.complete,
            "run_id": self.run_id,
        }


def _oat_rows(
    metric: Metric, inputs: Sequence[Input], base: float, values: np.ndarray, threshold: float | None
) -> list[dict[str, Any]]:
    base_verdict = metric.verdict(base, threshold)
    rows = []
    for j, inp in enumerate(inputs):
        lo, hi = float(values[2 * j]), float(values[2 * j + 1])
        ends: dict[str, dict[str, Any]] = {}
        for side, x, y in (("at_low", inp.low, lo), ("at_high", inp.high, hi)):
            v = metric.verdict(y, threshold)
            ends[side] = {"input": x, "value": y, "verdict": v, "flips": v != base_verdict}
        swing = (
            abs(hi - lo) if metric.kind == "numeric" else float(sum(bool(e["flips"]) for e in ends.values()))
        )
        rows.append({**inp.as_json(), **ends, "swing": swing})
    rows.sort(key=lambda r: (-r["swing"], r["name"]))
    return rows


def sensitivity(
    scenario: Scenario,
    metric: Metric,
    *,
    method: Literal["oat", "sobol", "both"] = "oat",
    threshold: float | None = None,
    inputs: str | None = None,
    samples: int = 128,
    distribution: Distribution = "triangular",
    seed: int = 0,
    with_break_even: bool = True,
    grid: int = 8,
    iterations: int = 12,
    budget: float | None = None,
    break_even_scope: Literal["all", "flipping-ends"] = "all",
    store: RunStore | None = None,
    resume: bool = False,
    backend: Backend | None = None,
    progress: Progress | None = None,
) -> SensitivityResult:
    """Tornado (OAT), optionally Sobol indices, and break-even values of one metric.

    OAT and Sobol evaluations are one sweep: recorded (and resumable) in ``store`` when one
    is given, run on ``backend``. Break-even searches run here afterwards. ``budget``
    (seconds) stops the break-even search early (``complete`` is then false).
    ``break_even_scope="flipping-ends"`` searches only where the tornado saw the verdict
    change at an end of the range, from likely to that end: every change within the ranges
    that the tornado reveals, located, for a fixed and small amount of work.
    """
    start = time.monotonic()
    chosen = ranged_inputs(scenario, inputs)
    names = tuple(i.name for i in chosen)
    base = float(metric.evaluate(set_inputs(scenario, {}), seed))
    likely = [i.likely for i in chosen]
    oat_points = []
    for j, inp in enumerate(chosen):
        for x in (inp.low, inp.high):
            point = list(likely)
            point[j] = x
            oat_points.append(tuple(point))
    jobs: list[tuple[EvaluationJob, int]] = []
    if method in ("oat", "both"):
        jobs.append((EvaluationJob(scenario, metric, names, tuple(oat_points), seed), len(oat_points)))
    design = None
    if method in ("sobol", "both"):
        design = sobol_design(chosen, samples, seed, distribution)
        indicator = base if metric.kind == "categorical" else None
        points = tuple(tuple(float(v) for v in row) for row in design)
        jobs.append((EvaluationJob(scenario, metric, names, points, seed, indicator), len(points)))
    if method not in ("oat", "sobol", "both"):
        raise ScenarioError.single("method", f"expected oat, sobol or both, found {method!r}")
    if not chosen:
        raise ScenarioError.single(
            scenario.id, "no ranged values: nothing to vary (write values as [low, likely, high])"
        )

    parameters = {
        "metric": metric.spec,
        "method": method,
        "threshold": threshold,
        "inputs": inputs,
        "samples": samples,
        "distribution": distribution,
        "seed": seed,
        "break_even": with_break_even,
        "grid": grid,
        "iterations": iterations,
    }
    recorder = StoreRecorder(store, parameters, resume) if store is not None else None
    # any job with replicate(i) runs
    run_id, arrays = run_sweep(Sweep("sensitivity", tuple(jobs)), backend, progress, recorder)
    oat: list[dict[str, Any]] = []
    sobol = None
    k = 0
    if method in ("oat", "both"):
        oat = _oat_rows(metric, chosen, base, arrays[0][:, -1], threshold)
        k = 1
    if design is not None:
        sobol = sobol_analyse(arrays[k][:, -1], names, seed)
        sobol.update({"samples": samples, "distribution": distribution, "evaluations": int(design.shape[0])})
        if metric.kind == "categorical":
            sobol["note"] = (
                sobol["note"] + "; " if sobol["note"] else ""
            ) + "indices of 'same verdict as at likely'"
    result = SensitivityResult(scenario.id, metric, threshold, seed, base, chosen, oat, sobol, run_id=run_id)
    if with_break_even:
        order = [next(i for i in chosen if i.name == r["name"]) for r in oat] if oat else chosen
        sides: dict[str, list[str]] | None = None
        if break_even_scope == "flipping-ends":
            sides = {
                r["name"]: [side for side, end in (("down", "at_low"), ("up", "at_high")) if r[end]["flips"]]
                for r in oat
            }
            order = [i for i in order if sides.get(i.name)]
        deadline = None if budget is None else start + budget
        result.break_even, result.complete = break_even(
            scenario,
            metric,
            order,
            threshold=threshold,
            seed=seed,
            grid=grid,
            iterations=iterations,
            deadline=deadline,
            sides=sides,
            within_range=sides is not None,
        )
    if store is not None and run_id is not None:
        store.finish_run(run_id, result.as_json())
    return result
