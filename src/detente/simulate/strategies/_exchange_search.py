"""The fast implementation of :func:`detente.simulate.strategies.offers.small_exchange`.

Private: :func:`~detente.simulate.strategies.offers.small_exchange_plain` is the definition,
and tests/simulate/test_offers.py checks on generated scenarios (Hypothesis) that this
search gives the same answer. It makes the same candidates, the same tests and the same
order of preference with look-ups instead of Proposal and Assessment objects, skips
candidates whose lower bound is above the best key, and sums each candidate in the content
order of its moves (:attr:`~detente.simulate.structure.Structure.rank`; a set's order
differs between processes, and a sum of three or more values can differ in the last bit
with the order, so an order set by the ids would let a renaming change a number).
"""

from __future__ import annotations

import itertools

from ..observation import Observation, Proposal

__all__ = ["EPS", "fast_small_exchange"]

EPS = 1e-9


def fast_small_exchange(
    obs: Observation, tolerance: float, reversible_only: bool, max_size: int
) -> Proposal | None:
    """The smallest balanced exchange (see the module docstring)."""
    me, view, settled = obs.me, obs.view, obs.settled
    makers, reversible, structure = view.makers, view.reversible, view.structure
    rank = structure.rank
    sc = view.scenario
    keep = 1.0 - tolerance
    for size in range(1, max_size + 1):
        best_key: tuple[float, tuple[str, ...]] | None = None
        best_moves: frozenset[str] = frozenset()
        for other in obs.others:
            v_me, v_other = view.values[me], view.values[other]
            lim_me, lim_other = sc.party(me).exposure_limit, sc.party(other).exposure_limit
            mine = [
                m
                for m in structure.available(me, settled, obs.agenda)
                if v_other[m] > EPS and (not reversible_only or reversible[m])
            ]
            theirs = [
                m
                for m in structure.available(other, settled, obs.agenda)
                if v_me[m] > EPS and (not reversible_only or reversible[m])
            ]
            seen: set[tuple[str, ...]] = set()
            # a lower bound of a candidate's key: each side gives at least each of its moves' cost
            # (a sum of non-negative terms is at least each term, in floating point too)
            least = {m: max(0.0, -v_me[m], -v_other[m]) for m in (*mine, *theirs)}
            for k_g in range(1, size + 1):
                k_a = size if k_g < size else None
                for a_sizes in [size] if k_a else range(1, size + 1):
                    asked = [(a, max([least[m] for m in a])) for a in itertools.combinations(theirs, a_sizes)]
                    for g in itertools.combinations(mine, k_g):
                        least_g = max([least[m] for m in g])
                        for a, least_a in asked:
                            # max over the seeds g + a, as max of the two maxima (the same number)
                            if best_key is not None and max(least_g, least_a) > best_key[0]:
                                continue  # its key is above the best one: it would be skipped below
                            seeds = g + a
                            closure = structure.closed_sorted(seeds)
                            # the candidate's moves in the content order: the key's tie-break, and
                            # the order of the sums below (a set's order differs between processes;
                            # sums of three or more values can differ in the last bit with the order)
                            ids = tuple([m for m in closure if m not in settled])
                            if ids in seen:
                                continue  # the same candidate reached from other seeds: same verdict
                            seen.add(ids)
                            # assess() for both sides at once (sequence "together")
                            g_me = r_me = own_me = their_me = 0.0
                            g_ot = r_ot = own_ot = their_ot = 0.0
                            foreign = False
                            for mid in ids:
                                by = makers[mid]
                                if by != me and by != other:
                                    foreign = True
                                    break
                                rev = reversible[mid]
                                v = v_me[mid]
                                w = v_other[mid]
                                if v < 0:
                                    g_me -= v
                                    if by == me and not rev:
                                        own_me -= v
                                else:
                                    r_me += v
                                    if by != me and not rev:
                                        their_me += v
                                if w < 0:
                                    g_ot -= w
                                    if by == other and not rev:
                                        own_ot -= w
                                else:
                                    r_ot += w
                                    if by != other and not rev:
                                        their_ot += w
                            if foreign:
                                continue
                            # key = (cost, ranks of ids), compared with the best key as tuples are
                            cost = max(g_me, g_ot)
                            if best_key is not None:
                                best_cost = best_key[0]
                                if cost is best_cost or cost == best_cost:
                                    if [rank[m] for m in ids] >= [rank[m] for m in best_key[1]]:
                                        continue
                                elif cost >= best_cost:
                                    continue
                            if not (r_me >= keep * g_me - EPS and r_ot >= keep * g_ot - EPS):
                                continue
                            if lim_me is not None and max(0.0, own_me - their_me) > lim_me + EPS:
                                continue
                            if lim_other is not None and max(0.0, own_ot - their_ot) > lim_other + EPS:
                                continue
                            if structure.feasible(settled.union(ids)):
                                best_key, best_moves = (cost, ids), frozenset(ids)
        if best_key is not None:
            gives = frozenset(m for m in best_moves if makers[m] == me)
            return Proposal(gives, best_moves - gives)
    return None
