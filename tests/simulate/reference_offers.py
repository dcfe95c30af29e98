"""Reference versions of the built-in strategies' offer searches, written the plain way (test oracles)."""

from __future__ import annotations

import itertools

from detente.simulate.observation import Observation, Proposal
from detente.simulate.strategies import offers


def small_exchange_reference(
    obs: Observation, tolerance: float, *, reversible_only: bool = False, max_size: int = 2
) -> Proposal | None:
    """small_exchange as first written: every candidate through _assess (unremembered), exposure_ok and the scenario."""
    me, sc = obs.me, obs.scenario
    for size in range(1, max_size + 1):
        best: tuple[tuple[float, tuple[str, ...]], Proposal] | None = None
        for other in obs.others:
            mine = [
                m
                for m in obs.available(me)
                if obs.value(other, m) > offers.EPS and (not reversible_only or sc.move(m).reversible)
            ]
            theirs = [
                m
                for m in obs.available(other)
                if obs.value(me, m) > offers.EPS and (not reversible_only or sc.move(m).reversible)
            ]
            for k_g in range(1, size + 1):
                k_a = size if k_g < size else None
                for a_sizes in [size] if k_a else range(1, size + 1):
                    for g in itertools.combinations(mine, k_g):
                        for a in itertools.combinations(theirs, a_sizes):
                            moves = sc.closure(set(g) | set(a)) - obs.settled
                            if any(sc.move(m).by not in (me, other) for m in moves):
                                continue
                            gives = frozenset(m for m in moves if sc.move(m).by == me)
                            prop = Proposal(gives, moves - gives, by=me)
                            mine_a, theirs_a = offers._assess(obs, prop, me), offers._assess(obs, prop, other)
                            key = (max(mine_a.given, theirs_a.given), tuple(sorted(moves)))
                            if best is not None and key >= best[0]:
                                continue
                            if not (mine_a.balanced(tolerance) and theirs_a.balanced(tolerance)):
                                continue
                            if not (
                                offers.exposure_ok(obs, me, mine_a)
                                and offers.exposure_ok(obs, other, theirs_a)
                            ):
                                continue
                            if sc.is_feasible(obs.settled | moves):
                                best = (key, prop)
        if best is not None:
            return Proposal(best[1].gives, best[1].asks)
    return None
