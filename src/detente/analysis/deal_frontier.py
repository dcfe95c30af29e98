"""Exact Pareto frontiers of deal spaces, by enumeration or by merging components.

All utilities here are exact integers (see :mod:`detente.analysis.deal_structure`).
A package is on the frontier when no other package gives every party at least as much
and one party more. Packages with identical utility vectors are represented once, by the
one with the fewest moves (then a fixed order of moves): the tie-break key is additive
over disjoint sets of moves, so both methods pick the same representative.

*Merging*: if a package is the union of one option per independent component, its
utility is the sum of the options' utilities, and a Pareto-optimal sum only ever uses
Pareto-optimal options: ``P(A + B) ⊆ P(P(A) + P(B))``. So the frontier is built one
component at a time, filtering after each step, without ever listing all packages.

Examples
--------
>>> U = np.array([[3, 1], [1, 3], [2, 2], [1, 1], [3, 1]])
>>> sorted(pareto_indices(U, np.zeros(5, np.int64), np.arange(5)).tolist())
[0, 1, 2]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detente.model.errors import AnalysisError
from detente.model.scenario import Scenario

from .deal_structure import ComponentTooLarge, DealStructure, conditioned_structure

__all__ = [
    "BRANCH_LIMIT",
    "ENUMERATE_LIMIT",
    "MERGE_LIMIT",
    "Frontier",
    "branch_frontier",
    "enumerate_packages",
    "merge_frontier",
    "pareto_indices",
]

ENUMERATE_LIMIT = 1 << 22
"""Most packages enumerated at once (about four million)."""

MERGE_LIMIT = 20_000_000
"""Most candidate sums (frontier size x options x parties) held in one merge step."""


def pareto_indices(U: np.ndarray, count: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Indices of the Pareto-optimal rows of ``U`` (maximising every column).

    Among rows with equal vectors, only the one with the smallest ``(count, key)`` is kept.
    Returned in order of the first column descending (then the next columns descending).

    >>> pareto_indices(np.array([[1, 2], [2, 1], [1, 2], [0, 0]]), np.array([2, 0, 1, 0]),
    ...                np.zeros(4, np.int64)).tolist()
    [1, 2]
    """
    n, k = U.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    cols = tuple(-U[:, j] for j in reversed(range(k)))
    order = np.lexsort((key, count, *cols))  # first column descending, then ties by key
    V = U[order]
    if k == 1:
        keep = V[:, 0] == V[0, 0]
        keep[1:] = False
        return order[keep]
    if k == 2:
        y = V[:, 1]
        prev = np.empty_like(y)
        prev[0] = np.iinfo(np.int64).min
        if n > 1:
            prev[1:] = np.maximum.accumulate(y)[:-1]
        return order[y > prev]
    # several parties: drop duplicates, then sweep by total (a dominating vector has a larger sum)
    first = np.ones(n, dtype=bool)
    first[1:] = np.any(V[1:] != V[:-1], axis=1)
    cand = order[first]
    W = U[cand]
    by_sum = np.argsort(-W.sum(axis=1), kind="stable")
    cand, W = cand[by_sum], W[by_sum]
    kept: list[np.ndarray] = []
    front = np.zeros((0, k), dtype=U.dtype)
    start = 0
    while start < len(cand):
        block = max(1, min(512, 4_000_000 // max(1, front.shape[0] + 1)))
        C = W[start : start + block]
        idx = cand[start : start + block]
        if front.shape[0]:
            dom = np.asarray((front[None, :, :] >= C[:, None, :]).all(axis=2)).any(axis=1)
            C, idx = C[~dom], idx[~dom]
        inner = np.asarray((C[None, :, :] >= C[:, None, :]).all(axis=2))
        np.fill_diagonal(inner, False)
        ok = ~inner.any(axis=1)
        front = np.concatenate([front, C[ok]])
        kept.append(idx[ok])
        start += block
    out = np.concatenate(kept) if kept else np.zeros(0, dtype=np.int64)
    # back to the documented order
    cols2 = tuple(-U[out, j] for j in reversed(range(k)))
    return out[np.lexsort(cols2)]


@dataclass(frozen=True)
class Frontier:
    """Frontier packages as integer utilities and one option index per component."""

    utility: np.ndarray  # (m, k) int64
    choice: np.ndarray  # (m, n_components) int64
    evaluated: int
    all_utility: np.ndarray | None = None  # every package's utility, when enumerated
    packages: list[frozenset[str]] | None = None  # the packages, when ``choice`` does not apply
    n_feasible: int | None = None  # the exact number of packages, when known here


BRANCH_LIMIT = 4096
"""Most sub-problems :func:`branch_frontier` may split a deal space into."""


def branch_frontier(scenario: Scenario, move_values: np.ndarray, inter_values: np.ndarray) -> Frontier:
    """The exact frontier when a group of linked moves is too large to enumerate.

    Conditions on the most connected move of the too-large group (in every package, or in
    none), which removes its links and often splits the group; each half is solved by
    merging (conditioning again if needed), and the two frontiers are merged. Exact; the
    number of sub-problems is limited by :data:`BRANCH_LIMIT`.
    """
    ids = scenario.move_ids
    index = {m: i for i, m in enumerate(ids)}
    degree = [0] * len(ids)
    for i, m in enumerate(scenario.moves):
        for other in (*m.requires, *m.excludes):
            degree[i] += 1
            degree[index[other]] += 1
    for inter in scenario.interactions:
        for mid in inter.moves:
            degree[index[mid]] += len(inter.moves) - 1
    leaves = 0

    def solve(
        fin: frozenset[int], fout: frozenset[int]
    ) -> tuple[np.ndarray, list[frozenset[str]], int, int] | None:
        nonlocal leaves
        leaves += 1
        if leaves > BRANCH_LIMIT:
            raise AnalysisError(
                f"the linked moves need more than {BRANCH_LIMIT:,} sub-problems to solve exactly; "
                "split them (fewer shared prerequisites, exclusions or interactions)"
            )
        try:
            st = conditioned_structure(scenario, fin, fout)
        except ComponentTooLarge as exc:
            hub = max(exc.moves, key=lambda i: (degree[i], -i))
            parts = [r for r in (solve(fin | {hub}, fout), solve(fin, fout | {hub})) if r is not None]
            if not parts:
                return None
            U = np.concatenate([p[0] for p in parts])
            pk = [x for p in parts for x in p[1]]
            idx = _pareto_of_packages(U, pk, index)
            return U[idx], [pk[i] for i in idx], sum(p[2] for p in parts), sum(p[3] for p in parts)
        if st is None:
            return None
        fr = merge_frontier(st, move_values, inter_values)
        return fr.utility, [st.package(c) for c in fr.choice], fr.evaluated, st.n_feasible

    out = solve(frozenset(), frozenset())
    if out is None:
        raise AnalysisError(
            "the moves in force contradict each other (a prerequisite is missing or excluded)"
        )
    U, pk, evaluated, n = out
    return Frontier(U, np.zeros((len(pk), 0), dtype=np.int64), evaluated, packages=pk, n_feasible=n)


def _pareto_of_packages(U: np.ndarray, packages: list[frozenset[str]], index: dict[str, int]) -> np.ndarray:
    """Pareto filter with the global tie-break: fewest moves, then the smaller bit mask in file order."""
    count = np.array([len(p) for p in packages], dtype=np.int64)
    masks = [sum(1 << index[m] for m in p) for p in packages]
    order = sorted(range(len(packages)), key=lambda i: (int(count[i]), masks[i]))
    rank = np.empty(len(packages), dtype=np.int64)
    rank[order] = np.arange(len(packages))
    return pareto_indices(U, np.zeros(len(packages), dtype=np.int64), rank)


def _component_tables(
    st: DealStructure, move_values: np.ndarray, inter_values: np.ndarray
) -> list[np.ndarray]:
    return [c.utilities(move_values, inter_values) for c in st.components]


def merge_frontier(st: DealStructure, move_values: np.ndarray, inter_values: np.ndarray) -> Frontier:
    """The exact frontier, merging components one at a time (never lists every package).

    ``move_values`` and ``inter_values`` are quantised (integer) value tables.
    Raises :class:`AnalysisError` when an intermediate frontier grows beyond
    :data:`MERGE_LIMIT` candidates (many parties and many conflicting moves).
    """
    k = len(st.parties)
    U = st.base_utility(move_values, inter_values)[None, :]
    count = np.zeros(1, dtype=np.int64)
    key = np.zeros(1, dtype=np.int64)
    choice = np.zeros((1, 0), dtype=np.int64)
    evaluated = 0
    for comp, cu in zip(st.components, _component_tables(st, move_values, inter_values), strict=True):
        evaluated += cu.shape[0]
        local = pareto_indices(cu, comp.count, comp.key)
        cu_f, cc, ck = cu[local], comp.count[local], comp.key[local]
        size = U.shape[0] * cu_f.shape[0]
        if size * k > MERGE_LIMIT:
            raise AnalysisError(
                f"the frontier grows to {size:,} candidate packages for {k} parties; "
                f"exact analysis is limited to {MERGE_LIMIT // k:,}"
            )
        evaluated += size
        cand = (U[:, None, :] + cu_f[None, :, :]).reshape(size, k)
        ccount = (count[:, None] + cc[None, :]).reshape(size)
        ckey = (key[:, None] + ck[None, :]).reshape(size)
        idx = pareto_indices(cand, ccount, ckey)
        ia, ib = idx // cu_f.shape[0], idx % cu_f.shape[0]
        U, count, key = cand[idx], ccount[idx], ckey[idx]
        choice = np.concatenate([choice[ia], local[ib][:, None]], axis=1)
    order = pareto_indices(U, count, key)  # final documented order
    return Frontier(U[order], choice[order], evaluated)


def enumerate_packages(st: DealStructure, move_values: np.ndarray, inter_values: np.ndarray) -> Frontier:
    """The exact frontier by listing every feasible package (at most :data:`ENUMERATE_LIMIT`)."""
    total = st.n_feasible
    if total > ENUMERATE_LIMIT:
        raise AnalysisError(
            f"{total:,} feasible packages are too many to list (limit {ENUMERATE_LIMIT:,}); "
            "use the merging method"
        )
    k = len(st.parties)
    U = st.base_utility(move_values, inter_values)[None, :]
    count = np.zeros(1, dtype=np.int64)
    key = np.zeros(1, dtype=np.int64)
    for comp, cu in zip(st.components, _component_tables(st, move_values, inter_values), strict=True):
        n = U.shape[0] * cu.shape[0]
        U = (U[:, None, :] + cu[None, :, :]).reshape(n, k)
        count = (count[:, None] + comp.count[None, :]).reshape(n)
        key = (key[:, None] + comp.key[None, :]).reshape(n)
    idx = pareto_indices(U, count, key)
    shape = tuple(c.n_options for c in st.components)
    if shape:
        choice = np.stack(np.unravel_index(idx, shape), axis=1).astype(np.int64)
    else:
        choice = np.zeros((len(idx), 0), dtype=np.int64)
    return Frontier(U[idx], choice, total, all_utility=U)
