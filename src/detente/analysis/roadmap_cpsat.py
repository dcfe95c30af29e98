"""The CP-SAT model of a roadmap, one literal per family of constraints.

Variables: ``x[m][k]`` (move m in stage k), ``used[k]`` (stage k is not empty),
stage durations and end times. Each family of constraints (reciprocity, balance
and exposure per party, self-enforcement per party, each prerequisite, the stage
cap) is switched on by one literal, so the solver
(:mod:`detente.analysis.roadmap_solver`) switches them all on and the explainer
(:mod:`detente.analysis.roadmap_explain`) asks for a minimal set of families that
cannot hold together.

Real coefficients are scaled by :data:`SCALE` and rounded in the permissive
direction, so the integer model is a relaxation of the exact definitions: "no
solution" is a proof, and every solution is re-checked exactly by
:func:`detente.analysis.roadmap_instance.evaluate` (a rare rounding artefact is cut
off with a no-good constraint and the solve repeats).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

from ortools.sat.python import cp_model

from .roadmap_instance import Conflict, Instance, evaluate

__all__ = ["SCALE", "GroupKey", "RoadmapModel"]

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
        makers = [q for q in parties if any(inst.by[mv] == q for mv in moves)]  # party order, not ids
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

        self._values(objective, exact)

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
        elif objective == "most-robust" and self.z is not None:
            m.maximize((n_stages + 1) * self.z - self.n_used)

    def _values(self, objective: str | None, exact: bool) -> None:
        """Balance and exposure per party and stage, at the instance's values (and the min-slack variable)."""
        inst, m, parties, moves = self.inst, self.model, self.inst.parties, self.inst.moves
        ks = range(1, self.K + 1)
        n_stages = self.K
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

    def _lit(self, key: GroupKey) -> cp_model.IntVar:
        if key not in self.lits:
            self.lits[key] = self.model.new_bool_var(f"on[{key[0]},{key[1]}]")
        return self.lits[key]

    def _timing(self) -> tuple[dict[str, dict[int, Any]], dict[tuple[str, int], Any], int, bool]:
        """``after[m][k]`` (m comes after stage k) and ``r[m, k]`` (periods from the end of stage k to m's)."""
        inst, m, ks = self.inst, self.model, range(0, self.K + 1)
        moves, H = inst.moves, inst.horizon
        timed = any(inst.dur.values())

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
        return after, rvar, rmax, timed

    def _self_enforcement(self) -> None:
        inst, m, ks = self.inst, self.model, range(0, self.K + 1)
        moves, H = inst.moves, inst.horizon
        after, rvar, rmax, timed = self._timing()
        tables = {p: [inst.annuity(p, r) for r in range(H + 1)] for p in inst.parties}
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
        self._covert(after, rvar, rmax, timed)

    def _covert(
        self, after: dict[str, dict[int, Any]], rvar: dict[tuple[str, int], Any], rmax: int, timed: bool
    ) -> None:
        """The covert breaches of ``roadmap_instance._covert``, under the same self-enforcement literal.

        Per party, verification level ``q < 1`` of its own reversible moves and decision point
        ``k >= 1``: the part of the margin that does not depend on the move reversed (``rest``),
        then one constraint per move of that level, on when it is in force by stage ``k``.
        """
        inst, m = self.inst, self.model
        for p in inst.parties:
            lit = self._lit(("self-enforcement", p))
            for q in inst.covert_classes(p):
                lost = {mv: _up(inst.value[p][mv] * inst.found_out(p, inst.lag[mv], q)) for mv in inst.moves}
                later = {
                    mv: [_up(inst.covert_later(p, mv, q, r)) for r in range(rmax + 1)]
                    for mv in inst.moves
                    if inst.value[p][mv] != 0
                }
                gap = {
                    b: _up(
                        inst.value[p][b] * (inst.annuity(p, inst.lag[b]) - inst.found_out(p, inst.lag[b], q))
                    )
                    for b in inst.moves
                    if inst.by[b] == p and inst.rev[b] and inst.verification[b] == q
                }
                for k in range(1, self.K + 1):
                    terms: list[Any] = [
                        lost[mv] * (1 - after[mv][k]) for mv in inst.moves if inst.rev[mv] and lost[mv]
                    ]
                    if k < self.K:
                        for mv, tab in later.items():
                            if not timed:
                                terms.append(tab[0] * after[mv][k])
                                continue
                            lo, hi = min(0, *tab), max(0, *tab)
                            a = m.new_int_var(lo, hi, "")
                            m.add_element(rvar[(mv, k)], tab, a)
                            c = m.new_int_var(lo, hi, "")
                            m.add(c == a).only_enforce_if(after[mv][k])
                            m.add(c == 0).only_enforce_if(~after[mv][k])
                            terms.append(c)
                    for b, g in gap.items():
                        m.add(sum(terms) + g >= 0).only_enforce_if([lit, ~after[b][k]])

    def _rejects(self, stages: list[frozenset[str]], on: set[GroupKey]) -> bool:
        """Whether the exact definitions reject a solution of the scaled model (a rounding artefact)."""
        return bool(_broken(self.inst, stages, on))

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
            if not self._rejects(stages, on):
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
