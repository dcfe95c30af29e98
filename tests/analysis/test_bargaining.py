"""Bargaining solutions against brute force and closed-form theory."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from detente.analysis.bargaining import discrete_solutions, hull_solutions, rubinstein, upper_chain
from detente.analysis.deal_frontier import pareto_indices
from detente.analysis.deals import analyse_deals
from detente.model.errors import AnalysisError
from detente.model.scenario import Scenario


def frontier_of(points: np.ndarray) -> np.ndarray:
    """Distinct Pareto-optimal rows, by brute force."""
    pts = np.unique(points, axis=0)
    keep = [i for i, p in enumerate(pts) if not any((q >= p).all() and (q != p).any() for q in pts)]
    return pts[keep]


def objective(name: str, G: np.ndarray, ideal: np.ndarray) -> np.ndarray:
    return {
        "nash": np.prod(G, axis=-1),
        "kalai_smorodinsky": np.min(G / ideal, axis=-1),
        "egalitarian": np.min(G, axis=-1),
        "utilitarian": np.sum(G, axis=-1),
    }[name]


clouds = st.integers(2, 3).flatmap(
    lambda k: st.lists(st.lists(st.integers(-6, 12), min_size=k, max_size=k), min_size=1, max_size=25)
)


@settings(max_examples=150, deadline=None)
@given(clouds)
def test_discrete_solutions_are_the_brute_force_optima(rows: list[list[int]]) -> None:
    pts = np.array(rows, dtype=float) / 2
    F = frontier_of(pts)
    d = np.zeros(F.shape[1])
    sol = discrete_solutions(F, d)
    strict = (pts > d).all(axis=1).any()
    assert (sol is not None) == bool(strict)
    if sol is None:
        return
    ir = pts[(pts >= d).all(axis=1)]
    ideal = ir.max(axis=0)
    for name, i in sol.items():
        assert (F[i] >= d).all(), "individually rational"
        best = objective(name, ir - d, ideal).max()
        assert math.isclose(objective(name, F[i] - d, ideal), best, rel_tol=1e-12, abs_tol=1e-12), name


def hull_lp(pts: np.ndarray, d: np.ndarray, w: np.ndarray | None, obj: np.ndarray | None) -> float:
    """Best value over all lotteries of all points (an LP over the raw points, not the frontier)."""
    G = pts - d
    m, k = G.shape
    c = np.zeros(m + 1)
    A = np.zeros((k, m + 1))
    if obj is None:
        c[m] = -1
        A[:, :m] = -(G * w).T
        A[:, m] = 1
    else:
        c[:m] = -(G @ obj)
        A[:, :m] = -G.T
    res = linprog(
        c,
        A_ub=A,
        b_ub=np.zeros(k),
        A_eq=np.r_[np.ones(m), 0][None],
        b_eq=[1],
        bounds=[(0, None)] * m + [(None, None)],
        method="highs",
    )
    assert res.status == 0
    return float(-res.fun)


@settings(max_examples=120, deadline=None)
@given(clouds)
def test_hull_solutions_match_linear_programs(rows: list[list[int]]) -> None:
    pts = np.array(rows, dtype=float) / 2
    F = frontier_of(pts)
    k = F.shape[1]
    d = np.zeros(k)
    hull = hull_solutions(F, d)
    egal = hull_lp(pts, d, np.ones(k), None)
    if egal <= 1e-9:
        assert hull is None
        return
    assert hull is not None
    ideal = np.array([hull_lp(pts, d, None, np.eye(k)[p]) for p in range(k)])
    want = {
        "egalitarian": egal,
        "kalai_smorodinsky": hull_lp(pts, d, 1 / ideal, None),
        "utilitarian": hull_lp(pts, d, None, np.ones(k)),
    }
    for name, lot in hull.items():
        point = np.array(lot.point)
        assert math.isclose(sum(lot.weights), 1.0)
        assert np.allclose(np.array(lot.weights) @ F[list(lot.rows)], point)
        assert (point >= d - 1e-9).all()
        if k == 2:
            assert len(lot.rows) <= 2 and (len(lot.rows) == 1 or abs(lot.rows[0] - lot.rows[1]) >= 1)
        if name in want:
            assert math.isclose(objective(name, point - d, ideal), want[name], rel_tol=1e-7, abs_tol=1e-9), (
                name
            )
    # Nash on the hull, optimality certificate: the gradient of sum(log gains) at the point x
    # supports the hull there, i.e. sum_p g_p / x_p <= k for every package g (concave program)
    x = np.array(hull["nash"].point) - d
    assert ((pts - d) @ (1.0 / x)).max() <= k * (1 + 1e-7)
    # and at least as good as any package and any two-point lottery
    nash = float(np.prod(np.array(hull["nash"].point) - d))
    for a in F:
        for b in F:
            for t in np.linspace(0, 1, 51):
                g = a + t * (b - a) - d
                if (g >= 0).all():
                    assert nash >= float(np.prod(g)) - 1e-7 * max(1.0, nash)


def test_upper_chain_keeps_collinear_packages() -> None:
    F = np.array([[0.0, 2.0], [1.0, 1.0], [2.0, 0.0]])
    assert upper_chain(F).tolist() == [0, 1, 2]
    h = hull_solutions(F, np.zeros(2))
    assert h is not None and h["nash"].rows == (1,) and h["nash"].is_pure


# ----------------------------------------------------------------------------- Rubinstein
@pytest.mark.parametrize(("d1", "d2"), [(0.9, 0.9), (0.5, 0.8), (0.95, 0.6), (0.99, 0.999)])
@pytest.mark.parametrize("first", [0, 1])
def test_rubinstein_closed_form_on_a_linear_frontier(d1: float, d2: float, first: int) -> None:
    F = np.array([[3.0, 1.0], [1.0, 3.0]])  # surplus 2 above d = (1, 1), a straight line
    d = np.array([1.0, 1.0])
    r = rubinstein(F, d, (d1, d2), first)
    assert r is not None
    share = (1 - d2) / (1 - d1 * d2) if first == 0 else 1 - (1 - d1) / (1 - d1 * d2)
    assert math.isclose(r.lottery.point[0] - 1, 2 * share, rel_tol=1e-9)
    assert math.isclose(sum(r.lottery.point), 4.0, rel_tol=1e-9)


def test_rubinstein_through_a_scenario() -> None:
    s = Scenario.model_validate(
        {
            "detente": 1,
            "id": "split",
            "title": "split",
            "parties": [{"id": "A", "discount": 0.8}, {"id": "B", "discount": 0.7}],
            "moves": [
                {"id": "x", "by": "A", "title": "all to A", "value": {"A": 1}, "excludes": ["y"]},
                {"id": "y", "by": "B", "title": "all to B", "value": {"B": 1}},
            ],
        }
    )
    for first, d1, d2 in (("A", 0.8, 0.7), ("B", 0.7, 0.8)):
        r = analyse_deals(s, first_proposer=first).rubinstein
        assert r is not None and r.first == first
        assert math.isclose(r.utility[first], (1 - d2) / (1 - d1 * d2), rel_tol=1e-9)
        assert len(r.lottery) == 2


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=2, max_size=12))
def test_rubinstein_tends_to_nash_as_patience_grows(rows: list[tuple[int, int]]) -> None:
    F = frontier_of(np.array(rows, dtype=float))
    d = np.zeros(2)
    hull = hull_solutions(F, d)
    if hull is None:
        return
    nash = np.array(hull["nash"].point)
    for first in (0, 1):
        r = rubinstein(F, d, (1 - 1e-6, 1 - 1e-6), first)
        assert r is not None
        assert np.allclose(r.lottery.point, nash, atol=1e-3 * max(1.0, nash.max()))
        # the first proposer's advantage
        other = rubinstein(F, d, (0.6, 0.6), 1 - first)
        mine = rubinstein(F, d, (0.6, 0.6), first)
        assert other is not None and mine is not None
        assert mine.lottery.point[first] >= other.lottery.point[first] - 1e-9


def test_rubinstein_needs_impatience_and_two_parties() -> None:
    F = np.array([[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(AnalysisError, match="no discounting"):
        rubinstein(F, np.zeros(2), (1.0, 1.0))
    with pytest.raises(AnalysisError, match="two parties"):
        rubinstein(np.ones((2, 3)), np.zeros(3), (0.9, 0.9))
    assert rubinstein(F, np.ones(2), (0.9, 0.9)) is None


def test_pareto_indices_three_parties_agrees_with_brute_force() -> None:
    rng = np.random.default_rng(0)
    U = rng.integers(-5, 6, size=(400, 3))
    idx = pareto_indices(U, np.zeros(400, np.int64), np.arange(400, dtype=np.int64))
    assert {tuple(r) for r in U[idx]} == {tuple(r) for r in frontier_of(U)}
    assert len(idx) == len({tuple(r) for r in U[idx]})
