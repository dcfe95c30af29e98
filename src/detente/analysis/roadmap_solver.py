"""Planning a roadmap: the best sequence of stages for an objective, or why there is none.

:func:`solve` builds the CP-SAT model of :mod:`detente.analysis.roadmap_cpsat` once per
stage count, re-checks every solution exactly with
:func:`detente.analysis.roadmap_instance.evaluate`, and on a proven infeasibility asks
:mod:`detente.analysis.roadmap_explain` for the minimal conflicting constraints. The
definitions are in :mod:`detente.analysis.roadmap`.

Examples
--------
>>> from detente.model.scenario import Scenario
>>> from detente.analysis.roadmap import Instance
>>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
...     "parties": [{"id": "A"}, {"id": "B"}],
...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"A": -1, "B": 2}},
...               {"id": "b1", "by": "B", "title": "b1", "value": {"A": 2, "B": -1}}]})
>>> r = solve(Instance(s, ["a1", "b1"]))
>>> r.status, len(r.stages)
('optimal', 1)
"""

from __future__ import annotations

import math
import time

from .roadmap_cpsat import SCALE, GroupKey, RoadmapModel
from .roadmap_explain import explain as why
from .roadmap_explain import static_conflicts
from .roadmap_instance import Instance, PlanResult, evaluate

__all__ = ["SCALE", "GroupKey", "RoadmapModel", "solve", "stage_bounds"]


def stage_bounds(inst: Instance, max_stages: int | None) -> tuple[int, int]:
    """Fewest stages the prerequisites allow, most stages reciprocity allows."""
    depth: dict[str, int] = {}

    def d(mv: str) -> int:
        if mv not in depth:
            depth[mv] = 1 + max((d(r) for r in inst.requires[mv] if r in inst.by), default=0)
        return depth[mv]

    lo = max((d(mv) for mv in inst.moves), default=0)
    hi = len(inst.moves) // 2
    if max_stages is not None:
        hi = min(hi, max_stages)
    return max(lo, 1), hi


def solve(
    inst: Instance,
    *,
    objective: str = "fewest-stages",
    max_stages: int | None = None,
    time_limit: float = 30.0,
    explain: bool = True,
    work_limit: float | None = None,
) -> PlanResult:
    """Plan ``inst`` for ``objective``; on proven infeasibility, explain it (minimal conflicts).

    ``work_limit`` replaces the wall-clock ``time_limit`` by a deterministic work budget per
    solver call (CP-SAT's deterministic time), so the result never depends on machine load:
    the simulator's step-by-step strategy plans this way.
    """
    t0 = time.monotonic()
    deadline = t0 + time_limit if work_limit is None else math.inf

    def left() -> float:
        return max(0.05, deadline - time.monotonic())

    def done(status: str, stages: list[frozenset[str]] | None) -> PlanResult:
        res = PlanResult(
            stages is not None, status, frozenset(inst.moves), objective=objective, tolerance=inst.tolerance
        )
        if stages is not None:
            res.stages, _, res.participation = evaluate(inst, stages)
        elif status == "infeasible" and explain:
            res.conflicts, res.suggestions, res.notes = why(inst, max_stages=max_stages, time_limit=left())
        res.wall_time = time.monotonic() - t0
        return res

    if not inst.moves:
        return done("optimal", [])
    if static_conflicts(inst, max_stages):
        return done("infeasible", None)
    lo, hi = stage_bounds(inst, max_stages)
    if hi < lo:
        return done("infeasible", None)
    # fewest stages: one model per stage count, from the prerequisite bound up; the first
    # count that works is optimal when every smaller one was proven impossible
    proven = True
    first: tuple[int, list[frozenset[str]]] | None = None
    for k in range(lo, hi + 1):
        if time.monotonic() >= deadline:
            proven = False
            break
        st, stages, _ = RoadmapModel(inst, k, exact=True).run(left(), work_limit=work_limit)
        if stages is not None:
            first = (k, stages)
            break
        if st != "infeasible":
            proven = False
    if first is None:
        return done("infeasible" if proven else "unknown", None)
    if objective == "fewest-stages":
        return done("optimal" if proven else "feasible", first[1])
    # other objectives: the best over every stage count from there up
    best = (_score(inst, objective, first[1]), first[1])
    complete = True
    for k in range(first[0], hi + 1):
        if objective == "most-robust" and _slack_bound(inst, k) <= best[0][0] + 1e-9:
            break  # no roadmap of k or more stages can have a larger minimum slack
        durations = list(inst.dur.values())
        if objective == "fastest" and max(durations) + (k - 1) * min(durations) >= -best[0][0]:
            break  # every stage lasts at least the shortest move: k or more stages cannot be faster
        if time.monotonic() >= deadline:
            complete = False
            break
        model = RoadmapModel(inst, k, exact=True, objective=objective)
        st, stages, _ = model.run(left(), work_limit=work_limit)
        if stages is not None:
            best = max(best, (_score(inst, objective, stages), stages), key=lambda x: x[0])
        if st not in ("optimal", "infeasible"):
            complete = False
    return done("optimal" if complete else "feasible", best[1])


def _slack_bound(inst: Instance, k: int) -> float:
    """An upper bound on the minimum slack of any k-stage roadmap.

    The balance slacks of the stages add up to the same total for every roadmap, so the
    smallest is at most total / k; the exposure slack after the last stage is fixed.
    """
    bounds = []
    for p in inst.parties:
        total = sum(inst.recv[p][m] - (1 - inst.tolerance) * inst.give[p][m] for m in inst.moves)
        bounds.append(total / k)
        lim = inst.limit[p]
        if lim is not None:
            bounds.append(lim - max(0.0, sum(inst.irr_give[p][m] - inst.irr_recv[p][m] for m in inst.moves)))
    return min(bounds)


def _score(inst: Instance, objective: str, stages: list[frozenset[str]]) -> tuple[float, int]:
    """Higher is better: -(total time) or the minimum slack (to 1e-6), then fewer stages."""
    got, _, _ = evaluate(inst, stages)
    if objective == "fastest":
        return (-float(sum(st.duration for st in got)), -len(stages))
    slack = [st.received[p] - (1 - inst.tolerance) * st.given[p] for st in got for p in inst.parties]
    slack += [lim - st.exposure[p] for st in got for p, lim in inst.limit.items() if lim is not None]
    return (round(min(slack), 6), -len(stages))
