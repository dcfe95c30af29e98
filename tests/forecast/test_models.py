"""Forecast models against independent oracles: hand computations and brute force."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from detente.analysis.forecast import REGISTRY, Draws, Model, forecast
from detente.analysis.forecast.compromise import WeightedMean, WeightedMedian, _toy
from detente.analysis.forecast.expected_utility import ExpectedUtility, chances
from detente.analysis.forecast.nash import NashBargaining, nash_objective
from detente.analysis.forecast.procedural import ProceduralModel, winset
from detente.scenarios import load_positions_builtin


def test_weighted_mean_and_median_by_hand() -> None:
    # weights 3, 1, 2; saliences 50, 100, 25: c*s = 150, 100, 50 over positions 10, 40, 90
    d = _toy(np.array([3.0, 1.0, 2.0]))
    dr = Draws(np.array([[10.0, 40.0, 90.0]]), np.array([[50.0, 100.0, 25.0]]))
    assert WeightedMean().predict(d, dr)[0] == pytest.approx((10 * 150 + 40 * 100 + 90 * 50) / 300)
    assert WeightedMedian().predict(d, dr)[0] == 10.0  # 150 of 300 reached at 10
    dr2 = Draws(np.array([[10.0, 40.0, 90.0]]), np.array([[40.0, 100.0, 25.0]]))  # 120 < 135
    assert WeightedMedian().predict(d, dr2)[0] == 40.0
    # capability only (salience exponent 0): (3*10 + 40 + 2*90) / 6
    assert WeightedMean(salience=0.0).predict(d, dr)[0] == pytest.approx(250 / 6)


@pytest.mark.parametrize("seed", range(20))
def test_nash_matches_a_brute_force_grid(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 6))
    sq = None if seed % 3 == 0 else float(rng.integers(0, 101))
    d = dataclasses.replace(_toy(rng.uniform(0.5, 3, n)), status_quo=sq)
    dr = Draws(rng.integers(0, 101, (1, n)).astype(float), rng.integers(10, 101, (1, n)).astype(float))
    grid = np.linspace(0, 100, 100_001)
    values = nash_objective(d, dr, grid)[0]
    got = NashBargaining().predict(d, dr)[0]
    if np.isfinite(values).any():
        assert got == pytest.approx(grid[np.argmax(values)], abs=2e-3)
    else:
        assert got == sq


@pytest.mark.parametrize("seed", range(20))
def test_winset_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(2, 7))
    rule, share = [("unanimity", 1.0), ("simple-majority", 0.5), ("qualified-majority", 0.7)][seed % 3]
    votes = rng.integers(1, 5, n).astype(float)
    must = rng.random(n) < 0.2
    d = dataclasses.replace(_toy(votes), status_quo=float(rng.integers(0, 101)), rule=rule, share=share,
                            votes=votes, must_accept=must)  # fmt: skip
    x = rng.integers(0, 101, (1, n)).astype(float)
    grid = np.linspace(0, 100, 2001)
    accept = np.abs(grid[:, None] - x[0]) <= np.abs(d.status_quo - x[0]) + 1e-9
    support = (accept * votes).sum(axis=1)
    ok = (
        (support > share * votes.sum())
        if rule == "simple-majority"
        else (support >= share * votes.sum() - 1e-9)
    )
    ok = (ok & accept[:, must].all(axis=1)) | np.isclose(grid, d.status_quo)
    left, right = winset(d, x)
    assert left[0] == pytest.approx(grid[ok].min(), abs=0.05)
    assert right[0] == pytest.approx(grid[ok].max(), abs=0.05)
    assert ProceduralModel().predict(dataclasses.replace(d, lead=0), Draws(x, np.ones_like(x)))[
        0
    ] == pytest.approx(np.clip(x[0, 0], left[0], right[0]))


def test_procedural_abstains_without_a_status_quo() -> None:
    d = _toy(np.ones(2))
    assert np.isnan(ProceduralModel().predict(d, Draws(np.array([[0.0, 1.0]]), np.ones((1, 2))))[0])


@pytest.mark.parametrize("seed", range(30))
def test_chances_match_the_direct_sum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 9))
    u = rng.choice([0.0, 0.25, 0.5, 1.0, float(rng.random())], size=(3, n))
    w = rng.random((3, n)) * (rng.random((3, n)) > 0.2)
    v = w[:, None, None, :] * (
        np.abs(u[:, None, None, :] - u[:, None, :, None]) - np.abs(u[:, None, None, :] - u[:, :, None, None])
    )
    total = np.abs(v).sum(axis=-1)
    ref = np.where(total > 1e-12, np.clip(v, 0, None).sum(axis=-1) / np.where(total > 0, total, 1), 0.5)
    assert np.allclose(chances(u, w), ref, atol=1e-9)


def test_expected_utility_hand_worked_case() -> None:
    """The two-actor case worked by hand in docs/forecast.md: B capitulates to A in round 1."""
    d = _toy(np.array([2.0, 1.0]))
    dr = Draws(np.array([[0.0, 100.0]]), np.array([[100.0, 100.0]]))
    game = ExpectedUtility().play(d, dr)
    assert game.path[1, 0].tolist() == [0.0, 0.0]
    assert game.median[0].tolist() == [0.0, 0.0]
    assert game.rounds.tolist() == [1]


def test_expected_utility_compromise_moves_part_way() -> None:
    """With a salient, well-supported defender the weaker challenger compromises instead."""
    d = _toy(np.array([1.0, 1.0, 1.0]))
    dr = Draws(np.array([[0.0, 40.0, 100.0]]), np.array([[100.0, 100.0, 100.0]]))
    game = ExpectedUtility(rounds=1).play(d, dr)
    moved = game.path[1, 0]
    assert moved[1] == 40.0  # the median voter is not moved
    assert all(0.0 <= x <= 100.0 for x in moved)


def test_every_model_is_registered_and_documented() -> None:
    classes = {cls for cls in Model.__subclasses__()}
    classes |= {sub for cls in classes for sub in cls.__subclasses__()}
    assert set(REGISTRY.values()) == {c for c in classes if c.name}
    for name, cls in REGISTRY.items():
        assert cls.name == name and cls.citation and cls.__doc__


def test_seeded_runs_reproduce() -> None:
    ps = load_positions_builtin("korea-six-party")
    a = forecast(ps, seed=3).as_json()
    b = forecast(ps, seed=3).as_json()
    c = forecast(ps, seed=4).as_json()
    assert a == b
    assert a != c
    # a model's forecast does not depend on which other models run beside it
    alone = forecast(ps, ["expected-utility"], seed=3).as_json()
    assert [i["prediction"]["expected-utility"] for i in alone["issues"]] == [
        i["prediction"]["expected-utility"] for i in a["issues"]
    ]
