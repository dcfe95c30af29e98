"""Bargaining solutions on a deal frontier: discrete, on the convex hull (lotteries), Rubinstein.

Every function here takes the frontier as an array of utility vectors (one row per
package, one column per party) and the disagreement point ``d``. Gains are ``u - d``.

Discrete solutions choose one package among those with ``u >= d`` for every party:

- **Nash** (Nash 1950): maximise the product of gains.
- **Kalai–Smorodinsky** (Kalai & Smorodinsky 1975): maximise the smallest gain as a share
  of the party's ideal gain (its best gain over individually rational packages).
- **Egalitarian** (Kalai 1977): maximise the smallest gain (compares the parties' scales).
- **Utilitarian**: maximise the sum of gains (compares the parties' scales).

Ties (within a relative 1e-12) go to the larger sum of gains (for the utilitarian
solution: the larger smallest gain), then to the first package in frontier order; the
two-party hull solutions break ties the same way (for three or more parties, a tie goes to
the vertex the linear program returns).
There is an agreement only if some package gives every party a strictly positive gain;
otherwise the solutions are ``None`` ("no package beats the disagreement point").

Hull solutions solve the same problems over lotteries between packages (the convex hull
of the frontier, intersected with ``u >= d``); for two parties the optimum is on one edge
of the hull and is reported as a lottery between its two packages.

Examples
--------
>>> F = np.array([[4.0, 0.0], [3.0, 2.0], [0.0, 3.0]])
>>> discrete_solutions(F, np.zeros(2))["nash"]
1
>>> hull_solutions(np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2))["nash"].weights
(0.5, 0.5)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog, minimize

from detente.model.errors import AnalysisError

__all__ = [
    "SOLUTIONS",
    "Lottery",
    "RubinsteinOutcome",
    "discrete_solutions",
    "hull_solutions",
    "rubinstein",
    "upper_chain",
]

SOLUTIONS = ("nash", "kalai_smorodinsky", "egalitarian", "utilitarian")
_TOL = 1e-12


def _pick(obj: np.ndarray, second: np.ndarray) -> int:
    best = obj.max()
    cand = np.flatnonzero(obj >= best - _TOL * max(1.0, abs(best)))
    s = second[cand]
    sbest = s.max()
    return int(cand[np.flatnonzero(s >= sbest - _TOL * max(1.0, abs(sbest)))[0]])


def discrete_solutions(F: np.ndarray, d: np.ndarray) -> dict[str, int] | None:
    """Index (row of ``F``) of each solution, or ``None`` when no row beats ``d`` for every party.

    >>> discrete_solutions(np.array([[2.0, 2.0], [5.0, 0.5]]), np.zeros(2))
    {'nash': 0, 'kalai_smorodinsky': 0, 'egalitarian': 0, 'utilitarian': 1}
    >>> discrete_solutions(np.array([[2.0, 0.0]]), np.zeros(2)) is None
    True
    """
    F = np.asarray(F, dtype=float)
    d = np.asarray(d, dtype=float)
    if F.shape[0] == 0 or not (d < F).all(axis=1).any():
        return None
    rows = np.flatnonzero((d <= F).all(axis=1))
    G = F[rows] - d
    ideal = G.max(axis=0)
    total = G.sum(axis=1)
    low = G.min(axis=1)
    out = {
        "nash": _pick(np.prod(G, axis=1), total),
        "kalai_smorodinsky": _pick((G / ideal).min(axis=1), total),
        "egalitarian": _pick(low, total),
        "utilitarian": _pick(total, low),
    }
    return {k: int(rows[v]) for k, v in out.items()}


@dataclass(frozen=True)
class Lottery:
    """A point of the hull: ``weights[i]`` is the probability of frontier row ``rows[i]``."""

    rows: tuple[int, ...]
    weights: tuple[float, ...]
    point: tuple[float, ...]

    @property
    def is_pure(self) -> bool:
        return len(self.rows) == 1


def upper_chain(F: np.ndarray) -> np.ndarray:
    """Rows of a two-party frontier on the upper-right convex hull, by first utility ascending.

    Collinear packages are kept, so a hull point that a single package reaches is reported
    as that package.

    >>> upper_chain(np.array([[0.0, 3.0], [1.0, 1.0], [3.0, 0.0], [2.0, 1.0]])).tolist()
    [0, 3, 2]
    """
    order = np.lexsort((-F[:, 1], F[:, 0]))
    scale = max(1.0, float(np.abs(F).max())) if F.size else 1.0
    hull: list[int] = []
    for i in order:
        while len(hull) >= 2:
            o, a = F[hull[-2]], F[hull[-1]]
            cross = (a[0] - o[0]) * (F[i][1] - o[1]) - (a[1] - o[1]) * (F[i][0] - o[0])
            if cross > 1e-12 * scale * scale:
                hull.pop()
            else:
                break
        hull.append(int(i))
    return np.array(hull, dtype=np.int64)


def _lottery(F: np.ndarray, i: int, j: int, t: float) -> Lottery:
    if t <= 1e-12 or i == j:
        return Lottery((i,), (1.0,), tuple(float(x) for x in F[i]))
    if t >= 1 - 1e-12:
        return Lottery((j,), (1.0,), tuple(float(x) for x in F[j]))
    p = (1 - t) * F[i] + t * F[j]
    return Lottery((i, j), (float(1 - t), float(t)), tuple(float(x) for x in p))


def _hull_2(F: np.ndarray, d: np.ndarray) -> dict[str, Lottery] | None:
    chain = upper_chain(F)
    edges = [(int(chain[0]), int(chain[0]))] if len(chain) == 1 else list(itertools.pairwise(chain))
    segs = []  # (i, j, tlo, thi, a, e) over the individually rational part of each edge
    for i, j in edges:
        a = F[i] - d
        e = F[j] - F[i]
        lo, hi = 0.0, 1.0
        for p in range(2):
            if abs(e[p]) < 1e-15:
                if a[p] < 0:
                    lo, hi = 1.0, 0.0
            elif e[p] > 0:
                lo = max(lo, -a[p] / e[p])
            else:
                hi = min(hi, -a[p] / e[p])
        if lo <= hi:
            segs.append((int(i), int(j), lo, hi, a, e))
    if not segs:
        return None
    ends = [a + t * e for _, _, lo, hi, a, e in segs for t in (lo, hi)]
    ideal = np.max(ends, axis=0)
    if not np.all(ideal > 0):
        return None

    def best(
        f: Callable[[np.ndarray], float],
        extra: Callable[[np.ndarray, np.ndarray], list[float]],
        second: Callable[[np.ndarray], float] = lambda g: float(g.sum()),
    ) -> Lottery:
        top: tuple[float, float, int, int, float] | None = None
        for i, j, lo, hi, a, e in segs:
            for t in [lo, hi, *[x for x in extra(a, e) if lo < x < hi]]:
                g = a + t * e
                val, tie = f(g), second(g)
                if (
                    top is None
                    or val > top[0] + _TOL * max(1.0, abs(top[0]))
                    or (
                        val >= top[0] - _TOL * max(1.0, abs(top[0]))
                        and tie > top[1] + _TOL * max(1.0, abs(top[1]))
                    )
                ):
                    top = (val, tie, i, j, t)
        assert top is not None
        return _lottery(F, top[2], top[3], top[4])

    def nash_t(a: np.ndarray, e: np.ndarray) -> list[float]:
        den = 2 * e[0] * e[1]
        return [] if den == 0 else [-(e[0] * a[1] + e[1] * a[0]) / den]

    def cross_t(w: np.ndarray) -> Callable[[np.ndarray, np.ndarray], list[float]]:
        def f(a: np.ndarray, e: np.ndarray) -> list[float]:
            den = w[0] * e[0] - w[1] * e[1]
            return [] if den == 0 else [(w[1] * a[1] - w[0] * a[0]) / den]

        return f

    w_ks = 1.0 / ideal
    ones = np.ones(2)
    out = {
        "nash": best(lambda g: float(g[0] * g[1]), nash_t),
        "kalai_smorodinsky": best(lambda g: float((g * w_ks).min()), cross_t(w_ks)),
        "egalitarian": best(lambda g: float(g.min()), cross_t(ones)),
        "utilitarian": best(lambda g: float(g.sum()), cross_t(ones), lambda g: float(g.min())),
    }
    if out["egalitarian"].point and min(np.array(out["egalitarian"].point) - d) <= 0:
        return None
    return out


def _lp(G: np.ndarray, w: np.ndarray | None, objective: np.ndarray | None) -> np.ndarray:
    """Weights over rows: maximise z (min of w * gains) or objective . gains, with gains >= 0."""
    m, k = G.shape
    # variables: lambda (m), z
    c = np.zeros(m + 1)
    if objective is None:
        c[m] = -1.0
    else:
        c[:m] = -(G @ objective)
    A = np.zeros((k, m + 1))
    A[:, :m] = -G.T * (w[:, None] if w is not None else 1.0)
    A[:, m] = 1.0 if objective is None else 0.0
    res = linprog(
        c,
        A_ub=A,
        b_ub=np.zeros(k),
        A_eq=np.r_[np.ones(m), 0.0][None, :],
        b_eq=[1.0],
        bounds=[(0, None)] * m + [(None, None)],
        method="highs",
    )
    if res.status != 0:
        raise AnalysisError(f"the lottery problem could not be solved: {res.message}")
    return np.asarray(res.x[:m])


def _as_lottery(F: np.ndarray, lam: np.ndarray) -> Lottery:
    rows = np.flatnonzero(lam > 1e-9)
    w = lam[rows] / lam[rows].sum()
    return Lottery(
        tuple(int(r) for r in rows), tuple(float(x) for x in w), tuple(float(x) for x in w @ F[rows])
    )


def _hull_k(F: np.ndarray, d: np.ndarray) -> dict[str, Lottery] | None:
    G = F - d
    k = G.shape[1]
    egal = _lp(G, None, None)
    if float((egal @ G).min()) <= 1e-12:
        return None
    ideal = np.array([float(_lp(G, None, np.eye(k)[p]) @ G[:, p]) for p in range(k)])
    ks = _lp(G, 1.0 / ideal, None)
    util = _lp(G, None, np.ones(k))
    lam = _nash_weights(G, _nash_start(G, egal))
    return {
        "nash": _as_lottery(F, lam),
        "kalai_smorodinsky": _as_lottery(F, ks),
        "egalitarian": _as_lottery(F, egal),
        "utilitarian": _as_lottery(F, util),
    }


def _nash_start(G: np.ndarray, lam0: np.ndarray) -> np.ndarray:
    """Near-optimal Nash weights from the dual: maximise sum(log w) subject to G w <= k, then x = 1 / w.

    The dual has one variable per party, so it solves fast however many packages there are;
    the packages whose constraint is tight carry the lottery, found by a small LP.
    """

    m, k = G.shape
    x0 = lam0 @ G
    w0 = 1.0 / x0
    w0 = w0 * k / float((G @ w0).max())
    res = minimize(
        lambda w: -float(np.log(w).sum()), w0, jac=lambda w: -1.0 / w, method="SLSQP",
        bounds=[(1e-12, None)] * k,
        constraints=[{"type": "ineq", "fun": lambda w: k - G @ w, "jac": lambda w: -G}],
        options={"ftol": 1e-14, "maxiter": 500},
    )  # fmt: skip
    w = np.asarray(res.x) if res.success else w0
    x = 1.0 / w
    tight = np.flatnonzero(G @ w >= k * (1 - 1e-6))
    if len(tight) == 0:
        return lam0
    t = len(tight)
    c = np.r_[np.zeros(t), np.ones(2 * k)]
    A_eq = np.zeros((k + 1, t + 2 * k))
    A_eq[:k, :t] = G[tight].T
    A_eq[:k, t : t + k] = np.eye(k)
    A_eq[:k, t + k :] = -np.eye(k)
    A_eq[k, :t] = 1.0
    lp = linprog(c, A_eq=A_eq, b_eq=np.r_[x, 1.0], bounds=[(0, None)] * (t + 2 * k), method="highs")
    if lp.status != 0:
        return lam0
    lam = np.zeros(m)
    lam[tight] = lp.x[:t]
    if float((lam @ G).min()) <= 0:
        return lam0
    return lam


def _nash_weights(G: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Maximise the sum of log gains over lotteries: pairwise Frank–Wolfe (linear convergence on a polytope)."""
    lam = lam.copy()
    for _ in range(1_000):
        x = lam @ G
        grad = G @ (1.0 / x)
        s = int(np.argmax(grad))
        support = np.flatnonzero(lam > 0)
        v = int(support[np.argmin(grad[support])])
        dvec = G[s] - G[v]
        if s == v or float(grad[s]) - G.shape[1] < 1e-11 * G.shape[1]:
            break  # duality gap of the log objective: the product is within 1e-11 of the optimum
        neg = dvec < 0
        hi = float(lam[v])
        if neg.any():
            hi = min(hi, float((-x[neg] / dvec[neg]).min()) * (1 - 1e-12))
        lo = 0.0
        if float((dvec / (x + hi * dvec)).sum()) > 0:
            lo = hi
        else:
            for _ in range(80):
                mid = (lo + hi) / 2
                if float((dvec / (x + mid * dvec)).sum()) > 0:
                    lo = mid
                else:
                    hi = mid
        if lo <= 0:
            break
        lam[s] += lo
        lam[v] -= lo
        if lam[v] < 1e-15:
            lam[v] = 0.0
    return lam


def hull_solutions(F: np.ndarray, d: np.ndarray) -> dict[str, Lottery] | None:
    """Each solution over lotteries between frontier packages, or ``None`` if none beats ``d``.

    Two parties: exact, edge by edge of the hull. One party: its best package. Three or
    more: linear programs (HiGHS) for Kalai–Smorodinsky, egalitarian and utilitarian, and
    pairwise Frank–Wolfe iterations for Nash (to within about 1e-9).

    >>> s = hull_solutions(np.array([[4.0, 0.0], [0.0, 4.0]]), np.zeros(2))
    >>> s["egalitarian"].point
    (2.0, 2.0)
    """
    F = np.asarray(F, dtype=float)
    d = np.asarray(d, dtype=float)
    if F.shape[0] == 0:
        return None
    if F.shape[1] == 1:
        disc = discrete_solutions(F, d)
        if disc is None:
            return None
        return {k: _lottery(F, v, v, 0.0) for k, v in disc.items()}
    if F.shape[1] == 2:
        return _hull_2(F, d)
    return _hull_k(F, d)


@dataclass(frozen=True)
class RubinsteinOutcome:
    """The subgame-perfect agreement of alternating offers, reached at once."""

    first: int
    lottery: Lottery
    share: tuple[float, ...]
    """Each party's gain as a share of its largest individually rational gain."""


def rubinstein(
    F: np.ndarray, d: np.ndarray, discounts: tuple[float, float], first: int = 0
) -> RubinsteinOutcome | None:
    """Subgame-perfect agreement of Rubinstein (1982) alternating offers over lotteries on the frontier.

    Party ``first`` proposes first; a rejected offer costs a period, discounting gains over
    ``d`` by each party's factor. Offers are points of the hull of the frontier (with free
    disposal), so on a linear frontier the first proposer gets ``(1 - d2) / (1 - d1 d2)``
    of the surplus. ``None`` when no lottery beats ``d`` for both parties.

    >>> r = rubinstein(np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2), (0.9, 0.9))
    >>> round(r.lottery.point[0], 6), round((1 - 0.9) / (1 - 0.81), 6)
    (0.526316, 0.526316)
    """
    F = np.asarray(F, dtype=float)
    d = np.asarray(d, dtype=float)
    if F.ndim != 2 or F.shape[1] != 2:
        raise AnalysisError("Rubinstein bargaining needs exactly two parties")
    if not all(0 < x <= 1 for x in discounts):
        raise AnalysisError("discount factors must be in (0, 1]")
    if discounts[0] * discounts[1] >= 1:
        raise AnalysisError(
            "with no discounting every frontier point is an equilibrium; set a discount below 1"
        )
    if _hull_2(F, d) is None:
        return None
    chain = upper_chain(F)
    P = F[chain] - d  # x ascending, y descending
    swap = first == 1
    X = P[:, ::-1][::-1] if swap else P  # proposer's gain first, still ascending
    d1, d2 = (discounts[1], discounts[0]) if swap else discounts

    def phi(x: float) -> float:  # most the responder can get when the proposer gets >= x
        if x <= X[0, 0]:
            return float(X[0, 1])
        if x > X[-1, 0]:
            return -np.inf
        i = int(np.searchsorted(X[:, 0], x, side="left"))
        a, b = X[i - 1], X[i]
        return float(a[1] + (x - a[0]) / (b[0] - a[0]) * (b[1] - a[1]))

    Y = X[::-1, ::-1]

    def psi(y: float) -> float:
        if y <= Y[0, 0]:
            return float(Y[0, 1])
        if y > Y[-1, 0]:
            return -np.inf
        i = int(np.searchsorted(Y[:, 0], y, side="left"))
        a, b = Y[i - 1], Y[i]
        return float(a[1] + (y - a[0]) / (b[0] - a[0]) * (b[1] - a[1]))

    top = psi(0.0)
    lo, hi = 0.0, top
    for _ in range(200):
        mid = (lo + hi) / 2
        if psi(d2 * phi(d1 * mid)) - mid >= 0:
            lo = mid
        else:
            hi = mid
    x = lo
    y = d2 * phi(d1 * x)
    gains = np.array([y, x]) if swap else np.array([x, y])
    point = gains + d
    # express as a lottery on the hull edge that holds the point
    C = F[chain]
    j = int(np.clip(np.searchsorted(C[:, 0], point[0], side="left"), 1, max(1, len(C) - 1)))
    if len(C) == 1:
        lot = _lottery(F, int(chain[0]), int(chain[0]), 0.0)
    else:
        a, b = C[j - 1], C[j]
        t = 0.0 if b[0] == a[0] else float(np.clip((point[0] - a[0]) / (b[0] - a[0]), 0.0, 1.0))
        lot = _lottery(F, int(chain[j - 1]), int(chain[j]), t)
    best = np.array([psi(0.0), phi(0.0)])
    if swap:
        best = best[::-1]
    share = tuple(float(g / b) if b > 0 else 0.0 for g, b in zip(gains, best, strict=True))
    return RubinsteinOutcome(first, lot, share)
