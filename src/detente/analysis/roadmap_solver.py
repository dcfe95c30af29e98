"""The CP-SAT model of a roadmap (definitions in :mod:`detente.analysis.roadmap`).

Variables: ``x[m][k]`` (move m in stage k), ``used[k]`` (stage k is not empty),
stage durations and end times. Each family of constraints (reciprocity, balance
and exposure per party, self-enforcement per party, each prerequisite, the stage
cap) is switched on by one literal, so :mod:`detente.analysis.roadmap_explain`
can ask for a minimal set of families that cannot hold together.

Real coefficients are scaled by :data:`SCALE` and rounded in the permissive
direction, so the integer model is a relaxation of the exact definitions: "no
solution" is a proof, and every solution is re-checked exactly by
:func:`detente.analysis.roadmap.evaluate` (a rare rounding artefact is cut off
with a no-good constraint and the solve repeats).

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
from collections.abc import Sequence
from typing import Any

from ortools.sat.python import cp_model

from .roadmap import Conflict, Instance, PlanResult, evaluate

__all__ = ["SCALE", "GroupKey", "RoadmapModel", "solve", "stage_bounds"]

SCALE = 1000
GroupKey = tuple[str, Any]
_MAX_CUTS = 25


def _up(x: float) -> int:
    return math.ceil(x * SCALE - 1e-7)


def _down(x: float) -> int:
    return math.floor(x * SCALE + 1e-7)


class RoadmapModel:
    """A CP-SAT model with ``n_stages`` stage slots (``exact``: all of them used)."""

    def __init__(
        self,
        inst: Instance,
        n_stages: int,
        *,
        exact: bool,
        objective: str | None = None,
        max_stages: int | None = None,
    ) -> None:
        self.inst = inst
        self.K = n_stages
        m = self.model = cp_model.CpModel()
        moves, parties = inst.moves, inst.parties
        ks = range(1, n_stages + 1)
        self.x = {mv: {k: m.new_bool_var(f"x[{mv},{k}]") for k in ks} for mv in moves}
        self.used = {k: m.new_bool_var(f"used[{k}]") for k in ks}
        self.lits: dict[GroupKey, cp_model.IntVar] = {}
        for mv in moves:
            m.add_exactly_one(self.x[mv].values())
        for k in ks:
            for mv in moves:
                m.add_implication(self.x[mv][k], self.used[k])
            m.add_bool_or([self.x[mv][k] for mv in moves]).only_enforce_if(self.used[k])
            if k > 1:
                m.add_implication(self.used[k], self.used[k - 1])
            if exact:
                m.add(self.used[k] == 1)
        pos = {mv: sum(k * self.x[mv][k] for k in ks) for mv in moves}
        self.n_used = sum(self.used.values())

        # reciprocity: moves by at least two parties in every used stage
        lit = self._lit(("reciprocity", None))
        makers = sorted({inst.by[mv] for mv in moves})
        for k in ks:
            ys = []
            for q in makers:
                y = m.new_bool_var(f"y[{q},{k}]")
                mine = [self.x[mv][k] for mv in moves if inst.by[mv] == q]
                m.add_bool_or(mine).only_enforce_if(y)
                ys.append(y)
            m.add(sum(ys) >= 2).only_enforce_if([lit, self.used[k]])
        # prerequisites inside the target: strictly earlier
        for r, mv in inst.inner_requires:
            m.add(pos[r] + 1 <= pos[mv]).only_enforce_if(self._lit(("prerequisite", (r, mv))))
        if max_stages is not None:
            m.add(self.n_used <= max_stages).only_enforce_if(self._lit(("max-stages", None)))

        robust = objective == "most-robust"
        big = SCALE * (1 + sum(abs(v) for p in parties for v in inst.value[p].values()))
        big = int(big + SCALE * sum(x for x in inst.limit.values() if x is not None))
        self.z = m.new_int_var(-big, big, "min_slack") if robust else None
        self.peak: dict[str, cp_model.IntVar] = {}
        tol = inst.tolerance
        for p in parties:
            bal = self._lit(("balance", p))
            coef = {mv: _up(inst.recv[p][mv] - (1 - tol) * inst.give[p][mv]) for mv in moves}
            for k in ks:
                expr = sum(coef[mv] * self.x[mv][k] for mv in moves if coef[mv])
                m.add(expr >= 0).only_enforce_if(bal)
                if self.z is not None:
                    m.add(expr >= self.z).only_enforce_if([bal, self.used[k]])
            if self.z is not None and exact:  # the stages' slacks add up to a constant: z <= total / K
                m.add(n_stages * self.z <= sum(coef.values())).only_enforce_if(bal)
            lim = inst.limit.get(p)
            ex = self._lit(("exposure", p)) if lim is not None else None
            ecoef = {mv: _down(inst.irr_give[p][mv] - inst.irr_recv[p][mv]) for mv in moves}
            span = sum(abs(c) for c in ecoef.values())
            self.peak[p] = m.new_int_var(0, span, f"peak[{p}]")
            cum: Any = 0
            for k in ks:
                cum = cum + sum(ecoef[mv] * self.x[mv][k] for mv in moves if ecoef[mv])
                m.add(self.peak[p] >= cum)
                if ex is not None and lim is not None:
                    m.add(cum <= _up(lim)).only_enforce_if(ex)
                    if self.z is not None:
                        m.add(_up(lim) - cum >= self.z).only_enforce_if([ex, self.used[k]])
            if ex is not None and lim is not None and self.z is not None:
                m.add(self.z <= _up(lim)).only_enforce_if(ex)  # exposure is floored at 0

        # durations and end times
        dmax = sum(inst.dur.values())
        self.dur = {k: m.new_int_var(0, max(inst.dur.values(), default=0), f"D[{k}]") for k in ks}
        for k in ks:
            m.add_max_equality(self.dur[k], [inst.dur[mv] * self.x[mv][k] for mv in moves] + [0])
        self.end = {0: m.new_constant(0)}
        for k in ks:
            self.end[k] = m.new_int_var(0, dmax, f"end[{k}]")
            m.add(self.end[k] == self.end[k - 1] + self.dur[k])
        self._self_enforcement()

        if objective is not None and objective.startswith("min-exposure:"):
            who = objective.split(":", 1)[1]
            m.minimize(self.peak[who])
        elif objective == "fewest-stages":
            m.minimize(self.n_used)
        elif objective == "fastest":
            m.minimize((len(moves) + 1) * self.end[n_stages] + self.n_used)
        elif robust and self.z is not None:
            m.maximize((n_stages + 1) * self.z - self.n_used)

    def _lit(self, key: GroupKey) -> cp_model.IntVar:
        if key not in self.lits:
            self.lits[key] = self.model.new_bool_var(f"on[{key[0]},{key[1]}]")
        return self.lits[key]

    def _self_enforcement(self) -> None:
        inst, m, ks = self.inst, self.model, range(0, self.K + 1)
        moves, H = inst.moves, inst.horizon
        timed = any(inst.dur.values())

        tables = {p: [inst.annuity(p, r) for r in range(H + 1)] for p in inst.parties}
        after = {mv: {k: m.new_bool_var(f"after[{mv},{k}]") for k in ks} for mv in moves}
        for mv in moves:
            for k in ks:
                m.add(after[mv][k] == sum(self.x[mv][j] for j in range(k + 1, self.K + 1)))
        rvar: dict[tuple[str, int], Any] = {}
        rmax = min(H, sum(inst.dur.values()))  # no end time lies further out: shorter look-up tables
        if timed:
            emv = {}
            for mv in moves:
                e = emv[mv] = m.new_int_var(0, sum(inst.dur.values()), f"e[{mv}]")
                for j in range(1, self.K + 1):
                    m.add(e == self.end[j]).only_enforce_if(self.x[mv][j])
            for k in range(0, self.K):
                for mv in moves:
                    diff = m.new_int_var(-H - sum(inst.dur.values()), sum(inst.dur.values()), "")
                    m.add(diff == emv[mv] - self.end[k])
                    r = m.new_int_var(0, rmax, f"r[{mv},{k}]")
                    clipped = m.new_int_var(0, sum(inst.dur.values()) + H, "")
                    m.add_max_equality(clipped, [0, diff])
                    m.add_min_equality(r, [clipped, rmax])
                    rvar[(mv, k)] = r
        for p in inst.parties:
            lit = self._lit(("self-enforcement", p))
            tab = tables[p]
            for k in ks:
                terms: list[Any] = []
                for mv in moves:
                    v = inst.value[p][mv]
                    if v == 0:
                        continue
                    if inst.rev[mv]:
                        terms.append(_up(v * tab[min(inst.lag[mv], H)]) * (1 - after[mv][k]))
                    if k == self.K:
                        continue
                    if timed:
                        a = m.new_int_var(min(0, _up(v * tab[0])), max(0, _up(v * tab[0])), "")
                        m.add_element(rvar[(mv, k)], [_up(v * t) for t in tab[: rmax + 1]], a)
                        c = m.new_int_var(min(0, _up(v * tab[0])), max(0, _up(v * tab[0])), "")
                        m.add(c == a).only_enforce_if(after[mv][k])
                        m.add(c == 0).only_enforce_if(~after[mv][k])
                        terms.append(c)
                    else:
                        terms.append(_up(v * tab[0]) * after[mv][k])
                m.add(sum(terms) >= 0).only_enforce_if(lit)

    def stages(self, solver: cp_model.CpSolver) -> list[frozenset[str]]:
        out = []
        for k in range(1, self.K + 1):
            st = frozenset(mv for mv in self.inst.moves if solver.boolean_value(self.x[mv][k]))
            if st:
                out.append(st)
        return out

    def forbid(self, stages: Sequence[frozenset[str]]) -> None:
        """A no-good cut: never this exact assignment again."""
        lits = [self.x[mv][k] for k, st in enumerate(stages, start=1) for mv in st]
        self.model.add_bool_or([~lit for lit in lits])

    def run(
        self,
        time_limit: float,
        assumptions: Sequence[cp_model.IntVar] | None = None,
        workers: int = 1,
        work_limit: float | None = None,
    ) -> tuple[str, list[frozenset[str]] | None, cp_model.CpSolver]:
        """Solve with every group on (or only ``assumptions``); re-check exactly; status in our words.

        With ``work_limit`` the solver stops after that much deterministic time (one worker, no
        wall clock), so the answer is the same on a busy or a quiet machine.
        """
        model = self.model
        model.clear_assumptions()
        if assumptions is None:
            assumptions = list(self.lits.values())
        model.add_assumptions(list(assumptions))
        deadline = time.monotonic() + time_limit
        solver = cp_model.CpSolver()
        for _ in range(_MAX_CUTS):
            if work_limit is None:
                solver.parameters.max_time_in_seconds = max(0.01, deadline - time.monotonic())
                # One worker: deterministic, and OR-Tools 9.15 aborts the whole process
                # ("Check failed: heuristics.fixed_search != nullptr") when several workers
                # with interleaved search solve these models under assumptions.
                solver.parameters.num_workers = workers
            else:
                solver.parameters.max_deterministic_time = work_limit
                solver.parameters.num_workers = 1
            solver.parameters.random_seed = 0
            st = solver.solve(model)
            if st == cp_model.INFEASIBLE:
                return "infeasible", None, solver
            if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                return "unknown", None, solver
            stages = self.stages(solver)
            chosen = {lit.index for lit in assumptions}
            on = {key for key, lit in self.lits.items() if lit.index in chosen}
            if not _broken(self.inst, stages, on):
                return ("optimal" if st == cp_model.OPTIMAL else "feasible"), stages, solver
            self.forbid(stages)  # a rounding artefact of the scaled model
        return "unknown", None, solver


def _broken(inst: Instance, stages: list[frozenset[str]], on: set[GroupKey]) -> list[Conflict]:
    _, conflicts, _ = evaluate(inst, stages)
    out = []
    for c in conflicts:
        key: GroupKey = (c.kind, c.party if c.kind != "prerequisite" else (c.moves[1], c.moves[0]))
        if c.kind == "reciprocity":
            key = ("reciprocity", None)
        if key in on:
            out.append(c)
    return out


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
            from .roadmap_explain import explain as why

            res.conflicts, res.suggestions, res.notes = why(inst, max_stages=max_stages, time_limit=left())
        res.wall_time = time.monotonic() - t0
        return res

    if not inst.moves:
        return done("optimal", [])
    from .roadmap_explain import static_conflicts

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
