"""Metrics against independent computations: brute force over packages, direct simulation."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from detente.model.scenario import Scenario
from detente.studies import parse_metric, set_inputs

SCENARIO = Scenario.model_validate(
    {
        "detente": 1,
        "id": "m",
        "title": "Metrics",
        "time": {"horizon": 6},
        "parties": [{"id": "A"}, {"id": "B"}],
        "moves": [
            {"id": "a1", "by": "A", "title": "a1", "value": {"A": [-2, -1, 0], "B": [1, 2, 3]}},
            {"id": "a2", "by": "A", "title": "a2", "value": {"A": -2, "B": [2, 3, 5]}, "requires": ["a1"]},
            {"id": "b1", "by": "B", "title": "b1", "value": {"A": [1, 2, 4], "B": [-2, -1, 0]}},
        ],
    }
)


def _packages(s: Scenario) -> list[tuple[str, ...]]:
    ids = s.move_ids
    return [c for r in range(len(ids) + 1) for c in itertools.combinations(ids, r) if s.is_feasible(c)]


@pytest.mark.parametrize("shift", [0.0, -1.5, -3.0])
def test_zopa_and_nash_utility_match_brute_force(shift: float) -> None:
    pytest.importorskip("detente.analysis.deals")
    s = set_inputs(SCENARIO, {"b1:A": 2.0 + shift, "a1:B": 2.0 + shift})
    utils = [s.utilities(p) for p in _packages(s)]
    zopa = any(all(u[p] > 0 for p in s.party_ids) for u in utils)
    assert parse_metric("zopa", SCENARIO).evaluate(s, 0) == float(zopa)
    if zopa:
        best = max((u for u in utils if all(v > 0 for v in u.values())), key=lambda u: math.prod(u.values()))
        assert parse_metric("nash-utility:B", SCENARIO).evaluate(s, 0) == pytest.approx(best["B"])


def test_package_utility_adds_prerequisites() -> None:
    m = parse_metric("package-utility:B=a2", SCENARIO)
    s = set_inputs(SCENARIO, {})
    assert m.evaluate(s, 0) == 2.0 + 3.0  # a2 requires a1


def test_agreement_rate_is_the_simulated_share_at_fixed_values() -> None:
    from detente.simulate.montecarlo import simulate

    m = parse_metric("agreement-rate:A=tit-for-tat,B=grit@30", SCENARIO)
    s = set_inputs(SCENARIO, {"b1:A": 1.0})
    direct = simulate(s, {"A": "tit-for-tat", "B": "grit"}, runs=30, seed=4, sample_values=False)
    assert m.evaluate(s, 4) == float(np.mean(direct.column("agreement")))
    assert m.verdict(0.5) == ">= 0.5" and m.verdict(0.4) == "< 0.5"


def test_best_pair_is_the_argmax_of_the_matrix() -> None:
    from detente.simulate.compare import compare

    names = ["tit-for-tat", "maximum-pressure", "grit"]
    m = parse_metric("best-pair:" + ",".join(names) + "@20", SCENARIO)
    s = set_inputs(SCENARIO, {})
    c = compare(s, names, runs=20, seed=1, sample_values=False)
    rate, share = c.matrix("agreement_rate"), c.matrix("target_share")
    cells = [
        ((-rate[i][j], -share[i][j], f"A={a},B={b}"))
        for i, a in enumerate(names)
        for j, b in enumerate(names)
    ]
    expected = min(cells, key=lambda t: (t[0], t[1], m.categories.index(t[2])))[2]
    assert m.verdict(m.evaluate(s, 1)) == expected
    assert len(m.categories) == 9


def test_nash_package_codes_and_describes_changes() -> None:
    m = parse_metric("nash-package", SCENARIO)
    code = float(0b101)  # a1 and b1
    assert m.package(code) == frozenset({"a1", "b1"})
    assert m.verdict(code) == "{a1, b1}"
    assert m.describe_change(code, float(0b111)) == "the Nash deal adds a2"
