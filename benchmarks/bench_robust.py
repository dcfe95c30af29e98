"""Robust roadmaps: the chance-constrained planner's speed, and whether its roadmaps survive more often.

Two parts (issue "roadmaps that hold under uncertainty"; see docs/roadmap.md):

1. **Speed** of ``plan --robust``: korea-2019 at 0.9 over 500 draws (the Nash and the
   Kalai-Smorodinsky packages), and a generated 30-move scenario (``bench_roadmap``'s
   ``random_scenario``, every value given a +-25 % range) at 0.9 over 200 draws; time against
   draws on the 30-move case (50, 100, 200). Status and the share of draws held are given
   with each time; the solver's wall budget is :data:`TIME_LIMIT`.
2. **Survival in the simulator**: on korea-2019 (Kalai-Smorodinsky target), hanoi-2019 and
   iran-jcpoa-2015 (Nash targets), :data:`RUNS` Monte Carlo runs on sampled values with
   both sides playing ``step-by-step`` on the likely-value roadmap, then on the robust one
   (``step-by-step(robust=L)``, planned on 100 draws of the published ranges): the share of
   runs that complete the target, the agreement rate and the mean share of the target in
   force at the end. Seeds are fixed, so the runs meet the same values in every column.

Run with ``make bench`` or ``python -m benchmarks robust``; ``main(quick=True)`` is the
smoke-test size.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from benchmarks.bench_roadmap import random_scenario
from detente.analysis import roadmap
from detente.analysis.roadmap_chance import plan_robust
from detente.model.scenario import Scenario
from detente.model.values import Value
from detente.scenarios import load_builtin
from detente.simulate import SimulationSettings
from detente.simulate.montecarlo import simulate

__all__ = ["main", "ranged", "speed", "survival"]

TIME_LIMIT = 120.0
RUNS = 200
LEVELS = (0.9, 0.95)
SURVIVAL_CASES = (("korea-2019", "ks"), ("hanoi-2019", "nash"), ("iran-jcpoa-2015", "nash"))


def ranged(s: Scenario, spread: float = 0.25) -> Scenario:
    """``s`` with every value given a range of +- ``spread`` of its size around the likely value."""
    moves = []
    for m in s.moves:
        value = {}
        for p, v in m.value.items():
            w = abs(v.likely) * spread
            value[p] = Value.parse({"low": v.likely - w, "likely": v.likely, "high": v.likely + w})
        moves.append(m.model_copy(update={"value": value}))
    return s.replace(moves=tuple(moves))


def _robust_row(s: Scenario, target: Any, level: float, samples: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    out = plan_robust(s, target, level=level, samples=samples, seed=0, time_limit=TIME_LIMIT)
    return {
        "moves": len(out.result.target),
        "draws": samples,
        "level": level,
        "status": out.result.status,
        "stages": len(out.result.stages) if out.result.feasible else None,
        "held": out.held,
        "highest": out.highest,
        "seconds": round(time.perf_counter() - t0, 2),
    }


def speed(quick: bool = False) -> dict[str, Any]:
    """Time ``plan_robust`` on korea-2019 and on a generated 30-move scenario."""
    rows: dict[str, Any] = {}
    korea = load_builtin("korea-2019")
    cases: list[tuple[str, Scenario, Any, int]] = []
    if quick:
        cases.append(("korea-2019 ks", korea, roadmap.target_from_spec(korea, "ks")[0], 20))
    else:
        for spec in ("nash", "ks"):
            cases.append((f"korea-2019 {spec}", korea, roadmap.target_from_spec(korea, spec)[0], 500))
        big = ranged(random_scenario(30, 1))
        for draws in (50, 100, 200):
            cases.append((f"30-moves x{draws}", big, None, draws))
    print(
        f"{'case':<22}{'moves':>6}{'draws':>6}{'status':>12}{'stages':>7}{'held':>6}{'highest':>8}{'seconds':>9}"
    )
    for name, s, target, draws in cases:
        target = roadmap.resolve_target(s, target)
        r = rows[name] = _robust_row(s, target, 0.9, draws)
        highest = "" if r["highest"] is None else f"{r['highest']:.1%}"
        print(
            f"{name:<22}{r['moves']:>6}{draws:>6}{r['status']:>12}{r['stages'] or '-':>7}"
            f"{r['held'] if r['held'] is not None else '-':>6}{highest:>8}{r['seconds']:>9.2f}"
        )
    return rows


def survival(quick: bool = False) -> dict[str, Any]:
    """Monte Carlo completion with the likely-value roadmap against the robust ones."""
    runs = 20 if quick else RUNS
    cases = SURVIVAL_CASES[:1] if quick else SURVIVAL_CASES
    out: dict[str, Any] = {}
    print(f"\n{'case':<24}{'roadmap':<30}{'complete':>9}{'agree':>7}{'share':>7}{'seconds':>9}")
    for name, spec in cases:
        s = load_builtin(name)
        target = frozenset(roadmap.target_from_spec(s, spec)[0])
        settings = SimulationSettings(target=target)
        for strategy in ("step-by-step", *(f"step-by-step(robust={x})" for x in LEVELS)):
            t0 = time.perf_counter()
            r = simulate(s, dict.fromkeys(s.party_ids, strategy), runs=runs, seed=0, settings=settings)
            share = r.column("target_share")
            row = {
                "complete": float(np.mean(share >= 1.0 - 1e-9)),
                "agreement": float(np.mean(r.column("agreement"))),
                "target_share": round(float(np.mean(share)), 4),
                "runs": runs,
                "seconds": round(time.perf_counter() - t0, 2),
            }
            out[f"{name} {spec} {strategy}"] = row
            print(
                f"{name + ' ' + spec:<24}{strategy:<30}{row['complete']:>9.0%}{row['agreement']:>7.0%}"
                f"{row['target_share']:>7.1%}{row['seconds']:>9.1f}"
            )
    return out


def main(quick: bool = False) -> dict[str, Any]:
    return {"speed": speed(quick), "survival": survival(quick)}


if __name__ == "__main__":
    main()
