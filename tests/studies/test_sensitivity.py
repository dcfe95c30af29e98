"""Sensitivity: Sobol indices against closed forms, OAT and break-even against hand-computed values."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from detente.model.errors import ScenarioError
from detente.model.scenario import Scenario
from detente.store import RunStore
from detente.studies import parse_metric, ranged_inputs, sensitivity, set_inputs, sobol_indices
from detente.studies.sensitivity import Input, sobol_design

PI = math.pi


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[list[float], list[float]]:
    """Closed form (Ishigami and Homma 1990; Sobol' and Levitan 1999) for X_i ~ U(-pi, pi)."""
    v1 = 0.5 * (1 + b * PI**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * PI**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v]


def test_sobol_indices_of_the_ishigami_function() -> None:
    inputs = [Input(f"x{k}", (f"x{k}",), "A", -PI, 0.0, PI) for k in (1, 2, 3)]
    res = sobol_indices(ishigami, inputs, n=4096, seed=3, distribution="uniform")
    got = {r["name"]: r for r in res["indices"]}
    s1, st = ishigami_indices()
    for k, name in enumerate(("x1", "x2", "x3")):
        assert got[name]["S1"] == pytest.approx(s1[k], abs=0.03)
        assert got[name]["ST"] == pytest.approx(st[k], abs=0.03)
    assert [r["name"] for r in res["indices"]] == ["x1", "x2", "x3"]  # sorted by total index
    assert s1 == pytest.approx([0.3139, 0.4424, 0.0], abs=1e-4)  # the published values


def test_sobol_with_triangular_inputs_matches_variance_shares_of_a_linear_function() -> None:
    inputs = [Input("a", ("a",), "A", 0.0, 0.2, 1.0), Input("b", ("b",), "A", -2.0, 1.5, 2.0)]
    weights = np.array([3.0, 1.0])

    def var_tri(lo: float, c: float, hi: float) -> float:
        return (lo * lo + c * c + hi * hi - lo * c - lo * hi - c * hi) / 18

    shares = weights**2 * np.array([var_tri(0, 0.2, 1), var_tri(-2, 1.5, 2)])
    shares /= shares.sum()
    res = sobol_indices(lambda x: x @ weights, inputs, n=4096, seed=1, distribution="triangular")
    got = {r["name"]: r for r in res["indices"]}
    for k, name in enumerate(("a", "b")):
        assert got[name]["S1"] == pytest.approx(shares[k], abs=0.03)
        assert got[name]["ST"] == pytest.approx(shares[k], abs=0.03)
    # the transform gives triangular marginals: mean (lo + c + hi) / 3
    x = sobol_design(inputs, 4096, seed=2)
    assert x[:, 1].mean() == pytest.approx((-2 + 1.5 + 2) / 3, abs=0.02)
    assert x[:, 1].min() >= -2 and x[:, 1].max() <= 2


def test_samples_must_be_a_power_of_two() -> None:
    with pytest.raises(ScenarioError, match="power of two"):
        sobol_design([Input("a", ("a",), "A", 0, 1, 2)], 100)


SCENARIO = Scenario.model_validate(
    {
        "detente": 1,
        "id": "two",
        "title": "Two moves",
        "parties": [{"id": "A"}, {"id": "B"}],
        "moves": [
            {"id": "a1", "by": "A", "title": "a1", "value": {"A": [-3, -1, 0], "B": [1, 2, 4]}},
            {"id": "b1", "by": "B", "title": "b1", "value": {"A": [1, 3, 4], "B": [-2.5, -1.5, -0.5]}},
            {"id": "b2", "by": "B", "title": "b2", "value": {"A": 1, "B": [-1, -0.5, 0]}, "requires": ["a1"]},
        ],
        "interactions": [{"moves": ["a1", "b1"], "value": {"A": [0, 0.5, 1]}}],
    }
)


def test_inputs_and_fixing_them() -> None:
    names = [i.name for i in ranged_inputs(SCENARIO)]
    assert names == ["a1:A", "a1:B", "b1:A", "b1:B", "b2:B", "a1+b1:A"]
    assert [i.name for i in ranged_inputs(SCENARIO, "b*:B")] == ["b1:B", "b2:B"]
    fixed = set_inputs(SCENARIO, {"a1+b1:A": 0.75, "b1:B": -2.0})
    assert not fixed.has_ranges
    assert fixed.utility("A", ["a1", "b1"]) == -1 + 3 + 0.75
    assert fixed.utility("B", ["b1"]) == -2.0
    with pytest.raises(ScenarioError, match="no value named"):
        set_inputs(SCENARIO, {"zz:A": 1.0})


def test_oat_and_break_even_of_a_linear_metric_are_exact() -> None:
    # package-utility:A={a1, b1} = v(a1,A) + v(b1,A) + v(a1+b1,A): likely -1 + 3 + 0.5 = 2.5
    metric = parse_metric("package-utility:A=a1+b1", SCENARIO)
    res = sensitivity(SCENARIO, metric, threshold=2.0)
    assert res.base_value == 2.5 and res.base_verdict == ">= 2"
    rows = {r["name"]: r for r in res.oat}
    assert rows["a1:A"]["swing"] == 3.0 and rows["b1:A"]["swing"] == 3.0 and rows["a1+b1:A"]["swing"] == 1.0
    assert rows["b1:B"]["swing"] == 0.0
    assert rows["a1:A"]["at_low"]["value"] == 0.5 and rows["a1:A"]["at_low"]["flips"]
    assert not rows["a1+b1:A"]["at_low"]["flips"]  # 2.0 is still >= 2
    be = {r["name"]: r for r in res.break_even}
    # a1:A flips below -1.5 (0.5 below likely), b1:A below 2.5, a1+b1:A below 0: exactly at the boundary
    for name, boundary in (("a1:A", -1.5), ("b1:A", 2.5), ("a1+b1:A", 0.0)):
        lo, hi = be[name]["down"]["bracket"]
        assert lo <= boundary <= hi and hi - lo < 1e-3, name
        assert be[name]["down"]["in_range"] == (name != "a1+b1:A")  # a1+b1:A flips just below its low, 0
        assert be[name]["up"] is None  # raising it never flips ">= 2"
    # b1:B does not enter the metric: never flips, even beyond the range
    assert be["b1:B"]["down"] is None and be["b1:B"]["up"] is None
    # nearest flips as a share of the range: a1:A and b1:A move 0.5 of 3, a1+b1:A 0.5 of 1
    order = [(w["name"], round(w["relative"], 3)) for w in res.what_would_change()]
    assert order == [("a1:A", 0.167), ("b1:A", 0.167), ("a1+b1:A", 0.5)]


def _nash_brute(s: Scenario) -> frozenset[str]:
    """Nash bargaining package by enumeration (status quo is empty, disagreement 0)."""
    best, arg = 0.0, frozenset()
    ids = s.move_ids
    for r in range(len(ids) + 1):
        for combo in itertools.combinations(ids, r):
            if not s.is_feasible(combo):
                continue
            u = s.utilities(combo)
            if all(v > 0 for v in u.values()):
                product = math.prod(u.values())
                if product > best:
                    best, arg = product, frozenset(combo)
    return arg


def test_nash_package_break_even_matches_brute_force_scan() -> None:
    pytest.importorskip("detente.analysis.deals")
    metric = parse_metric("nash-package", SCENARIO)
    res = sensitivity(SCENARIO, metric, iterations=14)
    base = _nash_brute(set_inputs(SCENARIO, {}))
    assert metric.package(res.base_value) == base
    for row in res.break_even:
        for side in ("down", "up"):
            hit = row[side]
            x_grid = np.linspace(row["likely"], row["search"][0 if side == "down" else 1], 801)[1:]
            flips = [x for x in x_grid if _nash_brute(set_inputs(SCENARIO, {row["name"]: x})) != base]
            if hit is None:
                # the search grid saw no flip; allow a flip window narrower than a grid step
                assert not flips or len(flips) < 100, (row["name"], side)
                continue
            lo, hi = hit["bracket"]
            near = flips[0]
            # the bracket holds the boundary; the brute-force scan's first flip is within one scan step
            step = abs(x_grid[1] - x_grid[0])
            assert min(lo, hi) - step <= near <= max(lo, hi) + step or abs(near - hi) <= step, (
                row["name"],
                side,
            )
            # just past the boundary the brute force sees the change too (at it, ties may break either way)
            past = hit["value"] + (1e-4 if side == "up" else -1e-4)
            assert _nash_brute(set_inputs(SCENARIO, {row["name"]: past})) != base


def test_sensitivity_run_is_recorded_and_resumes(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    metric = parse_metric("package-utility:B=a1+b1", SCENARIO)
    first = sensitivity(SCENARIO, metric, method="both", samples=16, store=store)
    again = sensitivity(SCENARIO, metric, method="both", samples=16, store=store, resume=True)
    assert first.run_id == again.run_id
    assert first.as_json()["sobol"] == again.as_json()["sobol"]
    info = store.run(first.run_id or "")
    assert info.kind == "sensitivity" and info.status == "complete"
    assert info.stored == 2 * 6 + 16 * (6 + 2)
    assert info.summary["base"]["value"] == first.base_value
    jobs = store.jobs(first.run_id or "")
    assert jobs[0]["columns"][-1] == "package-utility:B=a1+b1"


def test_metric_specs_are_checked() -> None:
    with pytest.raises(ScenarioError, match="did you mean 'zopa'"):
        parse_metric("zopq", SCENARIO)
    with pytest.raises(ScenarioError, match="no move 'a3'"):
        parse_metric("package-utility:A=a1+a3", SCENARIO)
    with pytest.raises(ScenarioError, match="only simulation metrics"):
        parse_metric("zopa@10", SCENARIO)
    with pytest.raises(ScenarioError, match="no strategy for B"):
        parse_metric("agreement-rate:A=grit", SCENARIO)


def test_flipping_ends_scope_locates_the_same_changes_as_the_full_search() -> None:
    pytest.importorskip("detente.analysis.deals")
    metric = parse_metric("nash-package", SCENARIO)
    full = sensitivity(SCENARIO, metric, iterations=14)
    ends = sensitivity(SCENARIO, metric, iterations=14, break_even_scope="flipping-ends")
    flipping = {
        (r["name"], side)
        for r in ends.oat
        for side, end in (("down", "at_low"), ("up", "at_high"))
        if r[end]["flips"]
    }
    found = {(r["name"], side) for r in ends.break_even for side in ("down", "up") if r[side] is not None}
    assert found == flipping and flipping
    by_name = {r["name"]: r for r in full.break_even}
    for name, side in found:
        a = next(r for r in ends.break_even if r["name"] == name)[side]
        b = by_name[name][side]
        assert a["in_range"] and b is not None
        assert a["value"] == pytest.approx(b["value"], abs=1e-3)


def test_process_backend_gives_the_same_study() -> None:
    from detente.simulate.backends import ProcessBackend

    metric = parse_metric("package-utility:B=a1+b2", SCENARIO)
    here = sensitivity(SCENARIO, metric, method="both", samples=8, threshold=1.0)
    with ProcessBackend(workers=2) as backend:
        there = sensitivity(SCENARIO, metric, method="both", samples=8, threshold=1.0, backend=backend)
    assert there.as_json() == here.as_json()
