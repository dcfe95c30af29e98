"""Deal-space benchmark: exact frontier and solutions at scale, against NegMAS and brute force.

Three cases (see docs/deals.md):

1. 20 independent moves, two parties (1,048,576 packages): detente's merging method,
   brute-force enumeration, and NegMAS's ``pareto_frontier`` (a peer that enumerates
   every outcome), on the same values. The three frontiers must be identical.
2. 60 moves with prerequisites, exclusions and interactions, two parties: the exact
   frontier and all four solutions (target: under 30 s).
3. 1,000 samples of a 30-move scenario with ranged values (target: under 60 s).

Run with ``make bench`` or ``python -m benchmarks deals``; ``main(quick=True)`` is the
smoke-test size.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from detente.analysis.deal_sampling import sample_deals
from detente.analysis.deals import analyse_deals
from detente.model.scenario import Scenario

__all__ = ["constrained_scenario", "independent_scenario", "main"]


def _timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def independent_scenario(n: int, seed: int = 0) -> Scenario:
    """``n`` moves with random values for two parties and no constraints.

    Values are multiples of 1/64 (six decimals), so every sum is exact in binary floating point as well:
    NegMAS (which sums floats) and detente (which sums exact integers) then see the same
    ties. With arbitrary decimals, float rounding makes NegMAS keep weakly dominated
    packages (equal in one utility up to 1e-15).
    """
    rng = np.random.default_rng(seed)
    values = np.round(rng.normal(size=(n, 2)) * 64) / 64
    moves = [
        {"id": f"m{i:02d}", "by": "A" if i % 2 else "B", "title": f"move {i}",
         "value": {"A": float(values[i, 0]), "B": float(values[i, 1])}}
        for i in range(n)
    ]  # fmt: skip
    return Scenario.model_validate(
        {"detente": 1, "id": f"independent-{n}", "title": "independent moves",
         "parties": [{"id": "A", "discount": 0.95}, {"id": "B", "discount": 0.9}], "moves": moves}
    )  # fmt: skip


def constrained_scenario(
    n: int, seed: int = 0, ranged: bool = False, group: int = 6, framework: bool = False
) -> Scenario:
    """``n`` moves in issue groups of ``group``: a prerequisite chain, an exclusion and an interaction each.

    Each group looks like one negotiation issue: a first step, a bigger step that requires
    it, an alternative that excludes the bigger step, and a bonus when two steps come
    together. With ``ranged`` every value is a ``[low, likely, high]`` range. With
    ``framework`` one more move (a framework agreement) is a prerequisite of every group's
    first step, which links all moves into one group too large to enumerate.
    """
    rng = np.random.default_rng(seed)
    moves: list[dict[str, Any]] = []
    inters = []
    for g in range(0, n, group):
        ids = [f"g{g // group:02d}-m{j}" for j in range(min(group, n - g))]
        for j, mid in enumerate(ids):
            by = "A" if j % 2 == 0 else "B"
            cost, gain = -abs(rng.normal(1.0, 0.6)), abs(rng.normal(1.6, 0.8))
            a, b = (cost, gain) if by == "A" else (gain, cost)

            def val(x: float) -> Any:
                x = round(float(x), 3)
                return [round(x - 0.5, 3), x, round(x + 0.4, 3)] if ranged else x

            move: dict[str, Any] = {"id": mid, "by": by, "title": mid, "value": {"A": val(a), "B": val(b)}}
            if j in (1, 3) and j - 1 >= 0:
                move["requires"] = [ids[j - 1]]
            if j == 0 and framework:
                move["requires"] = ["framework"]
            if j == 2 and len(ids) > 1:
                move["excludes"] = [ids[1]]
            if j == 5:
                move["requires"] = [ids[4], ids[0]]
            moves.append(move)
        if len(ids) >= 4:
            inters.append({"moves": [ids[0], ids[3]], "value": {"A": round(float(rng.normal(0.3, 0.3)), 3)}})
    if framework:
        moves.append({"id": "framework", "by": "A", "title": "framework", "value": {"A": -0.5, "B": 1.0}})
    return Scenario.model_validate(
        {"detente": 1, "id": f"constrained-{n}", "title": "constrained moves",
         "parties": [{"id": "A", "discount": 0.95}, {"id": "B", "discount": 0.9}],
         "moves": moves, "interactions": inters}
    )  # fmt: skip


def _frontier_set(ds: Any) -> set[tuple[float, float]]:
    return {(round(p.utility["A"], 6), round(p.utility["B"], 6)) for p in ds.frontier}


def negmas_frontier(s: Scenario) -> set[tuple[float, float]]:
    """NegMAS's frontier of the same outcome space (one binary issue per move)."""
    from negmas import make_issue
    from negmas.outcomes import make_os
    from negmas.preferences import LinearAdditiveUtilityFunction, TableFun
    from negmas.preferences.ops import pareto_frontier

    issues = [make_issue([0, 1], name=m.id) for m in s.moves]
    space = make_os(issues)
    ufuns = [
        LinearAdditiveUtilityFunction(
            values=[TableFun({0: 0.0, 1: m.value_for(p).likely}) for m in s.moves],
            weights=[1.0] * len(s.moves),
            outcome_space=space,
            reserved_value=float("-inf"),
        )
        for p in s.party_ids
    ]
    front, _ = pareto_frontier(ufuns, issues=issues)
    return {(round(float(u[0]), 6), round(float(u[1]), 6)) for u in front}


def main(quick: bool = False) -> dict[str, Any]:
    """Measure the three cases; ``quick`` shrinks them for a smoke test."""
    n_ind, n_con, n_smp, samples = (12, 24, 12, 20) if quick else (20, 60, 30, 1000)
    reps = 1 if quick else 3
    out: dict[str, Any] = {}

    s = independent_scenario(n_ind)
    t_merge, ds = _timed(lambda: analyse_deals(s, method="merge"), reps)
    t_enum, de = _timed(lambda: analyse_deals(s, method="enumerate"), 1)
    try:
        t_neg, neg = _timed(lambda: negmas_frontier(s), 1 if quick else 2)
    except ImportError:
        t_neg, neg = float("nan"), None
    same_brute = _frontier_set(ds) == _frontier_set(de)
    same_negmas = None if neg is None else _frontier_set(ds) == neg
    out["independent"] = {
        "moves": n_ind,
        "packages": ds.packages_feasible,
        "frontier": len(ds.frontier),
        "detente_s": t_merge,
        "brute_force_s": t_enum,
        "negmas_s": t_neg,
        "speedup_vs_negmas": t_neg / t_merge if neg is not None else None,
        "same_as_brute_force": same_brute,
        "same_as_negmas": same_negmas,
    }

    s2 = constrained_scenario(n_con)
    t_con, dc = _timed(lambda: analyse_deals(s2), reps)
    out["constrained"] = {
        "moves": n_con,
        "packages": dc.packages_feasible,
        "evaluated": dc.packages_evaluated,
        "frontier": len(dc.frontier),
        "seconds": t_con,
        "nash_moves": len(dc.solutions["nash"].moves),
        "has_agreement": dc.has_agreement,
    }

    s4 = constrained_scenario(n_con, framework=True)
    t_fw, dfw = _timed(lambda: analyse_deals(s4), reps)
    out["framework"] = {
        "moves": n_con + 1,
        "packages": dfw.packages_feasible,
        "method": dfw.method,
        "frontier": len(dfw.frontier),
        "seconds": t_fw,
    }

    s3 = constrained_scenario(n_smp, seed=1, ranged=True)
    t_smp, smp = _timed(lambda: sample_deals(s3, samples, seed=0), 1)
    out["sampling"] = {
        "moves": n_smp,
        "samples": samples,
        "seconds": t_smp,
        "packages_seen": len(smp.packages),
        "agreement": smp.agreement,
    }

    i, c, m = out["independent"], out["constrained"], out["sampling"]
    print(f"{'case':<44}{'seconds':>10}  notes")
    print(f"{f'{n_ind} independent moves: detente (merge)':<44}{i['detente_s']:>10.4f}  "
          f"{i['packages']:,} packages, frontier {i['frontier']}")  # fmt: skip
    print(
        f"{'  brute force (enumerate, vectorised)':<44}{i['brute_force_s']:>10.4f}  same frontier: {same_brute}"
    )
    print(f"{'  NegMAS pareto_frontier':<44}{i['negmas_s']:>10.4f}  same frontier: {same_negmas}; "
          f"detente {i['speedup_vs_negmas'] or float('nan'):.0f}x faster")  # fmt: skip
    print(f"{f'{n_con} constrained moves: frontier + solutions':<44}{c['seconds']:>10.4f}  "
          f"{c['packages']:,} packages, {c['evaluated']:,} evaluated, frontier {c['frontier']}")  # fmt: skip
    fw = out["framework"]
    print(f"{'  + a framework move every group needs':<44}{fw['seconds']:>10.4f}  "
          f"{fw['packages']:,} packages, {fw['method']}, frontier {fw['frontier']}")  # fmt: skip
    print(f"{f'{samples} samples of {n_smp} ranged moves':<44}{m['seconds']:>10.4f}  "
          f"{m['packages_seen']} packages ever on the frontier")  # fmt: skip
    return out


if __name__ == "__main__":
    main()
