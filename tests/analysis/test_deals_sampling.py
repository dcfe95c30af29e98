"""Sampling the deal space: reproducible, and equal to brute force on every draw."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from detente.analysis.deal_sampling import sample_deals
from detente.analysis.deal_structure import sample_value_tables
from detente.model.errors import AnalysisError
from detente.model.scenario import Scenario
from detente.model.values import Value

SCALE = 1_000_000


def brute_packages(s: Scenario) -> dict[frozenset[str], tuple[int, ...]]:
    """Every feasible package and its utility vector, by listing all subsets (as in test_deals)."""
    forced = {m.id for m in s.moves if m.in_force and not (s.analysis.reverse_status_quo and m.reversible)}
    out = {}
    for r in range(len(s.move_ids) + 1):
        for combo in itertools.combinations(s.move_ids, r):
            if forced <= set(combo) and s.is_feasible(combo):
                out[frozenset(combo)] = tuple(round(s.utility(p, combo) * SCALE) for p in s.party_ids)
    return out


def brute_frontier(vectors: set[tuple[int, ...]]) -> set[tuple[int, ...]]:
    return {
        v
        for v in vectors
        if not any(w != v and all(a >= b for a, b in zip(w, v, strict=True)) for w in vectors)
    }


SCENARIO = Scenario.model_validate(
    {
        "detente": 1,
        "id": "ranged",
        "title": "ranged",
        "parties": [{"id": "A"}, {"id": "B"}],
        "moves": [
            {"id": "a1", "by": "A", "title": "a1", "value": {"A": [-3, -1, 0.5], "B": [1, 2, 4]}},
            {
                "id": "a2",
                "by": "A",
                "title": "a2",
                "value": {"A": [-2, -0.5, 0], "B": [0, 1, 3]},
                "requires": ["a1"],
            },
            {"id": "b1", "by": "B", "title": "b1", "value": {"A": [1, 2, 3], "B": [-2, -1, 0]}},
            {
                "id": "b2",
                "by": "B",
                "title": "b2",
                "value": {"A": [0, 2, 5], "B": [-3, -2, -1]},
                "excludes": ["a2"],
            },
            {
                "id": "c",
                "by": "B",
                "title": "c",
                "value": {"A": 1, "B": -0.5},
                "in_force": True,
                "reversible": True,
            },
        ],
        "interactions": [{"moves": ["a1", "b1"], "value": {"A": [0, 0.5, 1]}}],
    }
)


def with_values(s: Scenario, moves: np.ndarray, inters: np.ndarray) -> Scenario:
    """The scenario with one draw of every value written in (for the brute-force oracle)."""
    parties = s.party_ids
    new_moves = tuple(
        m.model_copy(update={"value": {p: Value.parse(float(moves[i, j])) for j, p in enumerate(parties)}})
        for i, m in enumerate(s.moves)
    )
    new_inters = tuple(
        x.model_copy(update={"value": {p: Value.parse(float(inters[i, j])) for j, p in enumerate(parties)}})
        for i, x in enumerate(s.interactions)
    )
    return s.replace(moves=new_moves, interactions=new_inters)


def test_same_seed_same_result_and_seeds_matter() -> None:
    a = sample_deals(SCENARIO, 100, seed=7)
    b = sample_deals(SCENARIO, 100, seed=7)
    c = sample_deals(SCENARIO, 100, seed=8)
    assert a == b
    assert a.as_dict() != c.as_dict()


@pytest.mark.parametrize("method", ["enumerate", "merge"])
def test_frequencies_equal_brute_force_on_each_draw(method: str) -> None:
    n = 60
    out = sample_deals(SCENARIO, n, seed=3, method=method)  # type: ignore[arg-type]
    tables = sample_value_tables(SCENARIO, n, np.random.default_rng(3))
    counts: dict[frozenset[str], int] = {}
    for t in tables:
        s = with_values(SCENARIO, t.moves, t.interactions)
        packs = brute_packages(s)
        front = brute_frontier(set(packs.values()))
        for moves, v in packs.items():
            if v in front:
                counts[moves] = counts.get(moves, 0) + 1
    got = {p.moves: round(p.frontier * n) for p in out.packages}
    assert got == counts
    assert [p.frontier for p in out.packages] == sorted((p.frontier for p in out.packages), reverse=True)
    for name in ("nash", "kalai_smorodinsky", "egalitarian", "utilitarian"):
        assert abs(sum(p.solutions[name] for p in out.packages) - out.agreement) < 1e-9
    assert 0 < out.agreement <= 1


def test_a_generator_can_be_passed() -> None:
    a = sample_deals(SCENARIO, 20, rng=np.random.default_rng(5))
    b = sample_deals(SCENARIO, 20, seed=5)
    assert a.packages == b.packages and a.seed is None


def test_no_samples_is_an_error() -> None:
    with pytest.raises(AnalysisError, match="at least one sample"):
        sample_deals(SCENARIO, 0)
