"""Bueno de Mesquita's expected-utility model: rounds of challenges, offers and moves.

Implemented from the reading of Bueno de Mesquita (1994, "Political forecasting: an
expected utility method", in Stokman (ed.), *European Community Decision Making*,
Yale UP) by Scholz, Calbert & Smith (2011, "Unravelling Bueno de Mesquita's group
decision model", *J. Theoretical Politics* 23(4)). Positions ``x`` are mapped to
[0, 1] by the scale; ``c`` are the weights (over their maximum), ``s`` the
saliences (over 100). One round:

1. **Median voter** ``mu``: the weighted median of the positions, weights ``c s``
   (the position that beats every other in pairwise votes
   ``v_k(i, j) = c_k s_k (|x_k - x_j| - |x_k - x_i|)``).
2. **Chance of success** of ``i`` against ``j``:
   ``P_ij = sum_k max(v_k(i, j), 0) / sum_k |v_k(i, j)|`` (0.5 when nobody cares).
3. **Risk attitude**: with risk-neutral ``G_k = sum_j EU(x_k -> x_j)`` (the expected
   utility of challenging every actor from position ``x_k``),
   ``R_i = (2 G_i - max G - min G) / (max G - min G)`` and
   ``r_i = (1 - R_i / 3) / (1 + R_i / 3)``, in [0.5, 2].
4. **Expected utility** of ``i`` challenging ``j``, with ``d = |x_i - x_j|``:
   ``U_s = 2 - 4 (0.5 - 0.5 d)^r``, ``U_f = 2 - 4 (0.5 + 0.5 d)^r``,
   ``U_b = 2 - 4 (0.5 - 0.25 (|x_i - mu| + d))^r``,
   ``U_w = 2 - 4 (0.5 + 0.25 (|x_i - mu| + d))^r``, ``U_sq = 2 - 4 (0.5)^r``;
   ``EU_ij = s_j (P_ij U_s + (1 - P_ij) U_f) + (1 - s_j) U_s - Q U_sq - (1 - Q)(T U_b + (1 - T) U_w)``.
5. **Offers** to ``j`` (``e = EU_ij``, ``f = EU_ji``): conflict (``e > 0``, ``f > 0``,
   ``e > f``) and capitulation (``e > 0 > f``, ``e <= |f|``) offer ``x_i``;
   compromise (``e > 0 > f``, ``e > |f|``) offers ``x_j + (x_i - x_j) |f / e|``.
   Each actor takes the offer nearest its position; nobody else moves.

Rounds repeat until no position moves by more than ``tol`` (of the scale) or
``rounds`` is reached; the forecast is the final median voter position. Each sampled
judgement runs its own game, vectorised over samples with numpy a cache-sized
block of samples at a time (:data:`BLOCK`); the pairwise chances use sorted
prefix sums, once per unordered pair, ``O(n^2 log n)`` a round instead of
``O(n^3)``. Every sample is computed alone and in the same order of operations
whatever the block, so a seed gives the same game bit for bit.

Examples
--------
>>> from .compromise import _toy
>>> from .data import Draws
>>> d = _toy(np.array([1.0, 1.0, 1.0]))
>>> dr = Draws(np.array([[0.0, 40.0, 100.0]]), np.array([[100.0, 100.0, 100.0]]))
>>> game = ExpectedUtility(rounds=1).play(d, dr)
>>> game.median[0].tolist(), [round(x, 1) for x in game.path[:, 0, 1].tolist()]
([40.0, 40.0], [40.0, 40.0])
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .base import Model
from .data import Draws, IssueData, weighted_median

__all__ = ["BLOCK", "ExpectedUtility", "Game", "blocks", "chances"]


@dataclass(frozen=True)
class Game:
    """The rounds of one issue: positions ``path`` ``(T+1, S, n)`` and median voter ``median`` ``(S, T+1)``, on the scale."""

    path: np.ndarray
    median: np.ndarray
    rounds: np.ndarray
    """Rounds played by each sample, ``(S,)``."""


BLOCK = 1 << 15
"""Elements of an ``(S, n, n)`` array a block of samples may hold (256 KiB of float64).

The round works block by block over the samples so that its temporaries stay in
the processor's cache; every sample is computed alone, so the block size changes
the time, never a result.
"""


def blocks(samples: int, n: int, size: int | None = None) -> list[tuple[int, int]]:
    """``(start, stop)`` row ranges that split ``samples`` rows of ``(n, n)`` pairs into blocks of at most ``size`` elements.

    >>> blocks(5, 10, size=200)
    [(0, 2), (2, 4), (4, 5)]
    """
    step = max(1, (BLOCK if size is None else size) // max(1, n * n))
    return [(lo, min(lo + step, samples)) for lo in range(0, samples, step)]


def chances(u: np.ndarray, w: np.ndarray, dist: np.ndarray | None = None) -> np.ndarray:
    """``P[s, i, j]``: chance that ``i`` beats ``j`` in votes weighted ``w`` (positions ``u`` in [0, 1]).

    ``dist``, if given, is ``|u_i - u_j|`` as ``(S, n, n)``.

    >>> p = chances(np.array([[0.0, 0.4, 1.0]]), np.array([[1.0, 1.0, 1.0]]))
    >>> round(float(p[0, 1, 0]), 4), round(float(p[0, 0, 1] + p[0, 1, 0]), 4)
    (0.6667, 1.0)
    """
    S, n = u.shape
    out = np.empty((S, n, n))
    for lo, hi in blocks(S, n):
        dd = np.abs(u[lo:hi, :, None] - u[lo:hi, None, :]) if dist is None else dist[lo:hi]
        out[lo:hi] = _chances(u[lo:hi], w[lo:hi], dd, lo)
    return out


def _chances(u: np.ndarray, w: np.ndarray, dist: np.ndarray, first: int) -> np.ndarray:
    # Once per unordered pair, in each sample's order of position: the pair's vote total
    # ``absolute`` is symmetric and ``signed`` antisymmetric, so P_ji is P_ij's complement
    # computed from the negated ratio. Rows are samples first, first + 1, ...: the search
    # tells them apart by an offset of 2 a row.
    S, n = u.shape
    out = np.full((S, n, n), 0.5)  # the diagonal: one against itself
    if n < 2:
        return out
    order = np.argsort(u, axis=1, kind="stable")
    us = np.take_along_axis(u, order, axis=1)
    ws = np.take_along_axis(w, order, axis=1)
    cw_s = np.cumsum(ws, axis=1)  # weight up to and including each rank
    cm_s = np.cumsum(ws * us, axis=1)
    lo, hi = _pairs(n)  # ranks lo < hi
    ca, cb = cw_s[:, lo], cw_s[:, hi]
    wa, wb = np.minimum(ca, cb), np.maximum(ca, cb)
    ca, cb = cm_s[:, lo], cm_s[:, hi]
    ma, mb = np.minimum(ca, cb), np.maximum(ca, cb)
    ua, ub = us[:, lo], us[:, hi]
    gap = np.abs(ua - ub)
    m = ua + ub
    m *= 0.5  # the pair's midpoint
    offset = 2.0 * np.arange(first, first + S)
    keys = (us + offset[:, None]).ravel()
    k = np.searchsorted(keys, (m + offset[:, None]).ravel(), side="right").reshape(m.shape)
    k -= (np.arange(S) * n)[:, None]
    cw0 = np.concatenate([np.zeros((S, 1)), cw_s], axis=1)
    cm0 = np.concatenate([np.zeros((S, 1)), cm_s], axis=1)
    wm = np.take_along_axis(cw0, k, axis=1)
    mm = np.take_along_axis(cm0, k, axis=1)
    total = ws.sum(axis=1)[:, None]
    # absolute = gap (total - (wb - wa)) + 2 (m (2 wm - wa - wb) + ma + mb - 2 mm)
    wm *= 2.0
    wm -= wa
    wm -= wb
    wm *= m
    wm += ma
    wm += mb
    mm *= 2.0
    wm -= mm
    wm *= 2.0
    wb -= wa
    np.subtract(total, wb, out=wb)
    wb *= gap
    absolute = np.add(wb, wm, out=wb)
    spread = (w[:, None, :] * dist).sum(axis=2)  # spread[s, i] = sum_k w_k |x_k - x_i|
    spread = np.take_along_axis(spread, order, axis=1)
    ratio = spread[:, hi] - spread[:, lo]  # D_j - D_i for i at rank lo, j at rank hi: > 0 favours i
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio /= absolute
    nobody = ~(absolute > 1e-12)  # nobody cares
    p_ij = 1.0 + ratio
    p_ji = 1.0 - ratio
    for p in (p_ij, p_ji):
        p *= 0.5
        np.clip(p, 0.0, 1.0, out=p)
        p[nobody] = 0.5
    base = (np.arange(S) * (n * n))[:, None]
    i, j = order[:, lo], order[:, hi]
    flat = out.reshape(-1)
    flat[(base + i * n + j).ravel()] = p_ij.ravel()
    flat[(base + j * n + i).ravel()] = p_ji.ravel()
    return out


@functools.lru_cache(maxsize=64)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays ``(lo, hi)`` of the ``n (n - 1) / 2`` pairs ``lo < hi`` of ``range(n)``.

    >>> [a.tolist() for a in _pairs(3)]
    [[0, 0, 1], [1, 2, 2]]
    """
    lo, hi = np.triu_indices(n, 1)
    return lo, hi


class ExpectedUtility(Model):
    """Bueno de Mesquita's expected-utility model, as read by Scholz, Calbert & Smith (2011)."""

    name = "expected-utility"
    title = "Expected utility (Bueno de Mesquita)"
    citation = (
        "Bueno de Mesquita (1994), in Stokman (ed.), European Community Decision Making; "
        "Scholz, Calbert & Smith (2011), J. Theoretical Politics 23(4)"
    )

    def __init__(self, rounds: int = 10, q: float = 1.0, t: float = 1.0, tol: float = 1e-4) -> None:
        self.rounds = rounds
        self.q = q
        self.t = t
        self.tol = tol

    def predict(self, d: IssueData, dr: Draws) -> np.ndarray:
        return np.asarray(self.play(d, dr).median[:, -1])

    def play(self, d: IssueData, dr: Draws) -> Game:
        """Play every sampled game to convergence; the positions and medians of every round."""
        u = d.unit(dr.position)
        c = d.weight / d.weight.max()
        s = np.clip(dr.salience / 100.0, 0.0, 1.0)
        w = c[None, :] * s
        w = np.where(w.sum(axis=1, keepdims=True) > 0, w, c[None, :])
        S, n = u.shape
        path = [u]
        medians = [weighted_median(u, w)]
        played = np.zeros(S, dtype=int)
        live = np.ones(S, dtype=bool)
        for _ in range(self.rounds):
            if not live.any() or n < 2:
                break
            new = self._round(u[live], w[live], s[live], medians[-1][live])
            u = u.copy()
            u[live] = new
            played[live] += 1
            mu = medians[-1].copy()  # the median voter moves only in the games still played
            mu[live] = weighted_median(new, w[live])
            settled = np.abs(mu - medians[-1]) <= self.tol
            live &= ~settled
            path.append(u)
            medians.append(mu)
        positions = d.scale(np.stack(path))
        return Game(positions, d.scale(np.stack(medians, axis=1)), played)

    def _round(self, u: np.ndarray, w: np.ndarray, s: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """Positions after one round of challenges, offers and moves, a block of samples at a time."""
        S, n = u.shape
        out = np.empty_like(u)
        for lo, hi in blocks(S, n):
            out[lo:hi] = self._round_block(u[lo:hi], w[lo:hi], s[lo:hi], mu[lo:hi], lo)
        return out

    def _round_block(
        self, u: np.ndarray, w: np.ndarray, s: np.ndarray, mu: np.ndarray, first: int
    ) -> np.ndarray:
        S, n = u.shape
        dist = np.abs(u[:, :, None] - u[:, None, :])  # d[s, i, j]
        p = _chances(u, w, dist, first)
        sj = s[:, None, :]
        # risk attitudes from the risk-neutral security of each position:
        # g = sum_j 2 d (s_j (2 p - 1) + 1 - s_j)
        t = 2.0 * p
        t -= 1.0
        t *= sj
        t += 1.0
        t -= sj
        t *= 2.0 * dist
        g = t.sum(axis=2)
        gmax, gmin = g.max(axis=1, keepdims=True), g.min(axis=1, keepdims=True)
        span = gmax - gmin
        big_r = np.where(span > 1e-12, (2.0 * g - gmax - gmin) / np.where(span > 1e-12, span, 1.0), 0.0)
        r = ((1.0 - big_r / 3.0) / (1.0 + big_r / 3.0))[:, :, None]
        us = _utility(0.5 - 0.5 * dist, r)  # success: 2 - 4 (0.5 - 0.5 d)^r
        uf = _utility(0.5 + 0.5 * dist, r)  # failure: 2 - 4 (0.5 + 0.5 d)^r
        usq = 2.0 - 4.0 * 0.5**r
        # eu = s_j (p us + (1 - p) uf) + (1 - s_j) us - Q usq
        eu = p * us
        np.subtract(1.0, p, out=p)
        p *= uf
        eu += p
        eu *= sj
        us *= 1.0 - sj
        eu += us
        eu -= self.q * usq
        if self.q < 1.0:
            dm = np.abs(u - mu[:, None])[:, :, None] + dist
            ub = 2.0 - 4.0 * np.clip(0.5 - 0.25 * dm, 0.0, None) ** r
            uw = 2.0 - 4.0 * (0.5 + 0.25 * dm) ** r
            eu = eu - (1.0 - self.q) * (self.t * ub + (1.0 - self.t) * uw)
        eu.reshape(S, n * n)[:, :: n + 1] = 0.0  # eu[s, i, j]: i challenges j
        # laid out by target, [s, j, i], so that the choice of each j's offer reads contiguously
        e = np.ascontiguousarray(np.swapaxes(eu, 1, 2))  # i challenges j
        nf = np.negative(eu, out=eu)  # -f: f is j challenging i
        gain = e > 0
        # capitulation (e > 0 > f, e <= |f|) or conflict (e > 0, f > 0, e > f): j moves to x_i
        full = (nf > 0) & (e <= nf)
        full |= (nf < 0) & (e > np.negative(nf))
        full &= gain
        # compromise (e > 0 > f, e > |f|): j moves the share |f / e| of the way to x_i
        part = (nf > 0) & (e > nf)
        part &= gain
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.divide(nf, e, out=nf)
        ratio = np.where(part, ratio, full)  # 1 where j moves all the way, 0 where it does not move
        full |= part
        move = np.where(full, ratio * dist, np.inf)  # dist is symmetric
        best = np.argmin(move, axis=2)[:, :, None]  # per j, the i whose offer is nearest
        take = np.isfinite(np.take_along_axis(move, best, axis=2)[:, :, 0])
        xi = np.take_along_axis(u, best[:, :, 0], axis=1)
        share = np.take_along_axis(ratio, best, axis=2)[:, :, 0]
        return np.where(take, u + (xi - u) * np.where(take, share, 0.0), u)


def _utility(base: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``2 - 4 base^r`` as ``exp(r log base)``, in place of ``base`` (``r`` broadcast over its last axis).

    >>> _utility(np.array([[[0.25, 1.0]]]), np.array([[[2.0]]])).round(6).tolist()
    [[[1.75, -2.0]]]
    """
    with np.errstate(divide="ignore"):
        np.log(base, out=base)
    base *= r
    np.exp(base, out=base)
    base *= 4.0
    return np.subtract(2.0, base, out=base)
