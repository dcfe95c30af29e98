"""The deal space under uncertain values: how often each package is on the frontier and is each solution.

Every ranged value ``[low, likely, high]`` is drawn from a triangular distribution, all
draws at once from one seeded generator, so the same seed gives the same answer. For each
draw the exact frontier and the four discrete solutions are recomputed; the structure of
the space (which packages exist) is computed once.

Examples
--------
>>> from detente.model.scenario import Scenario
>>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
...     "parties": [{"id": "A"}, {"id": "B"}],
...     "moves": [{"id": "a", "by": "A", "title": "a", "value": {"A": [-2, -1, 1], "B": 2}},
...               {"id": "b", "by": "B", "title": "b", "value": {"A": 2, "B": -1}}]})
>>> out = sample_deals(s, 200, seed=1)
>>> out.samples, out.agreement
(200, 1.0)
>>> {"+".join(sorted(p.moves)): p.solutions["nash"] for p in out.packages}["a+b"]
1.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.model.errors import AnalysisError
from detente.model.scenario import Scenario

from .bargaining import SOLUTIONS, discrete_solutions
from .deal_structure import SCALE, quantise, sample_value_tables
from .deals import Method, compute_frontier, disagreement_int, structure_of

__all__ = ["DealSampling", "PackageFrequency", "sample_deals"]


@dataclass(frozen=True)
class PackageFrequency:
    """How often one package was on the frontier and was each solution (shares of all samples)."""

    moves: frozenset[str]
    frontier: float
    solutions: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {"moves": sorted(self.moves), "frontier": self.frontier, **self.solutions}


@dataclass(frozen=True)
class DealSampling:
    """The result of :func:`sample_deals`."""

    samples: int
    seed: int | None
    agreement: float
    """Share of samples in which some package beats the disagreement point for every party."""
    packages: list[PackageFrequency]
    """Every package that was ever on the frontier, most often first."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "seed": self.seed,
            "agreement": self.agreement,
            "packages": [p.as_dict() for p in self.packages],
        }


def sample_deals(
    scenario: Scenario,
    samples: int,
    *,
    seed: int | None = None,
    rng: np.random.Generator | None = None,
    method: Method = "auto",
) -> DealSampling:
    """Redo the deal-space analysis for ``samples`` draws of the ranged values.

    Parameters
    ----------
    scenario
        The scenario.
    samples
        Number of draws (at least 1).
    seed, rng
        Either a seed or a generator (a generator wins); the same seed gives the same result.
    method
        Frontier method, as in :func:`detente.analysis.deals.analyse_deals`; ``auto`` merges
        (the fastest exact method when every package need not be listed).

    Examples
    --------
    >>> from detente.model.scenario import Scenario
    >>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T", "parties": [{"id": "A"}],
    ...     "moves": [{"id": "m", "by": "A", "title": "m", "value": {"A": [-2, 1, 2]}}]})
    >>> f = sample_deals(s, 1000, seed=0).packages
    >>> [(sorted(p.moves), round(p.frontier, 1)) for p in f]
    [(['m'], 0.7), ([], 0.3)]
    """
    if samples < 1:
        raise AnalysisError(f"expected at least one sample, found {samples}")
    gen = rng if rng is not None else np.random.default_rng(seed)
    st = structure_of(scenario)
    tables = sample_value_tables(scenario, samples, gen)
    on_front: dict[Any, int] = {}
    as_sol: dict[Any, dict[str, int]] = {}
    agreements = 0
    for table in tables:
        mv, iv = quantise(table.moves), quantise(table.interactions)
        front, _ = compute_frontier(scenario, st, mv, iv, "merge" if method == "auto" else method)
        _, d = disagreement_int(scenario, mv, iv)
        keys: list[Any] = (
            list(front.packages)
            if front.packages is not None
            else [tuple(int(x) for x in row) for row in front.choice]
        )
        for key in keys:
            on_front[key] = on_front.get(key, 0) + 1
        sol = discrete_solutions(front.utility / SCALE, d / SCALE)
        if sol is None:
            continue
        agreements += 1
        for name, i in sol.items():
            counts = as_sol.setdefault(keys[i], dict.fromkeys(SOLUTIONS, 0))
            counts[name] += 1

    def moves(key: Any) -> frozenset[str]:
        if isinstance(key, frozenset):
            return key
        assert st is not None  # option indices only come from a compiled structure
        return st.package(np.array(key, dtype=np.int64))

    ordered = sorted(on_front, key=lambda k: (-on_front[k], sorted(moves(k))))
    packages = [
        PackageFrequency(
            moves=moves(k),
            frontier=on_front[k] / samples,
            solutions={n: as_sol.get(k, dict.fromkeys(SOLUTIONS, 0))[n] / samples for n in SOLUTIONS},
        )
        for k in ordered
    ]
    return DealSampling(samples, seed if rng is None else None, agreements / samples, packages)
