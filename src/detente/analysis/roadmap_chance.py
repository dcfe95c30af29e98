"""Roadmaps that hold in a share of the value draws, or for every value in the ranges.

A roadmap planned at the likely values may break at values well inside their ranges.
:func:`plan_robust` asks for the best roadmap (fewest stages, or fastest) whose stages are
balanced, within every exposure limit and self-enforcing in at least ``level`` of the value
draws (:func:`detente.model.draws.value_draws`, the draws ``simulate`` plays): a chance
constraint, solved exactly on the drawn sample. Each draw ``i`` has an indicator ``h_i``; its
balance, exposure and self-enforcement constraints (open and covert breaches) hold when
``h_i`` is on, and ``sum h_i >= ceil(level * samples)``. The timing parts of
self-enforcement (the discounted weight of a move due ``r`` periods on, ``r`` chosen by the
solver) do not depend on the values, so they are built once and every draw adds linear
constraints only.

``level="worst-case"`` asks for a roadmap that holds for every value in the ranges. Every
constraint of party ``p`` is a sum over moves of terms each of which depends on ``p``'s value
of the move (with a non-negative weight) and, through "is the move costly to its maker", on
the maker's value; so its minimum over the box of ranges is reached term by term at an end of
each range: ``p``'s values at their low ends, and the maker's value at the end that makes a
move ``p`` gains from not reversed on a breakdown (high) and one ``p`` loses from reversed (low).
One such worst instance per party, required in full, is the exact interval counterpart.

When no roadmap reaches the level, the highest level any roadmap reaches (within the stage
bounds) is searched by maximising ``sum h_i``, and the draws that break it are named.

Examples
--------
>>> from detente.model.scenario import Scenario
>>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
...     "parties": [{"id": "A"}, {"id": "B"}],
...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"A": -1, "B": [0.5, 2, 3]}},
...               {"id": "b1", "by": "B", "title": "b1", "value": {"A": 2, "B": -1}}]})
>>> r = plan_robust(s, ["a1", "b1"], level=0.95, samples=50, seed=0)
>>> r.result.status, r.highest, r.breaking_text[0][:40]
('infeasible', 0.9, 'draw 15: stage 1 is unbalanced for B: it')
>>> r = plan_robust(s, ["a1", "b1"], level=0.9, samples=50, seed=0)
>>> r.result.status, r.held, r.need
('optimal', 45, 45)
>>> plan_robust(s, ["a1", "b1"], level="worst-case").breaking_text
['with every value at the worst end of its range for B, no roadmap holds']
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from detente.model.draws import value_draws
from detente.model.errors import ScenarioError
from detente.model.scenario import Scenario
from detente.model.values import Value

from .roadmap_cpsat import SCALE, GroupKey, RoadmapModel, _broken, _down, _up
from .roadmap_explain import static_conflicts
from .roadmap_instance import Instance, PlanResult, evaluate
from .roadmap_solver import solve, stage_bounds

__all__ = ["ROBUST_OBJECTIVES", "WORST_CASE", "Robust", "parse_level", "plan_robust", "worst_instances"]

WORST_CASE = "worst-case"
ROBUST_OBJECTIVES = ("fewest-stages", "fastest")
VALUE_KINDS = ("balance", "exposure", "self-enforcement")
Draw = tuple[Instance, tuple[str, ...]]
"""A drawn instance and the parties whose constraints it carries."""


def _up2(x: float) -> int:
    return math.ceil(x * SCALE * SCALE - 1e-7)


def parse_level(text: str | float) -> float | str:
    """``--robust``'s value: a share in (0, 1] or ``worst-case``.

    >>> parse_level("0.9"), parse_level("worst-case"), parse_level(1)
    (0.9, 'worst-case', 1.0)
    """
    if isinstance(text, str) and text.strip().lower() == WORST_CASE:
        return WORST_CASE
    try:
        x = float(text)
    except ValueError:
        raise ScenarioError.single(
            "--robust", f"expected a share in (0, 1] or 'worst-case', found {text!r}"
        ) from None
    if not (0.0 < x <= 1.0):
        raise ScenarioError.single("--robust", f"expected a share in (0, 1] or 'worst-case', found {text!r}")
    return x


@dataclass
class Robust:
    """A chance-constrained (or worst-case) plan: the roadmap, and how many draws it holds in."""

    level: float | str
    samples: int
    seed: int
    result: PlanResult
    held: int | None = None
    """Draws (worst-case: worst instances) in which the roadmap shown keeps every constraint."""
    need: int = 0
    highest: float | None = None
    """When no roadmap reaches the level: the highest share of draws any roadmap reaches (its
    stages are then ``result.stages``, with ``result.feasible`` false)."""
    highest_status: str | None = None
    breaking: tuple[int, ...] = ()
    """The draws (0-based) the roadmap shown breaks (for the highest level, when none reaches it)."""
    breaking_text: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "samples": self.samples if self.level != WORST_CASE else None,
            "seed": self.seed if self.level != WORST_CASE else None,
            "required": self.need,
            "held": self.held,
            "status": self.result.status,
            "highest_level": None if self.highest is None else round(self.highest, 6),
            "highest_status": self.highest_status,
            "breaking_draws": list(self.breaking),
            "breaking": self.breaking_text,
        }


class ChanceModel(RoadmapModel):
    """:class:`RoadmapModel` with the value-dependent constraints once per draw, each under ``h_i``.

    ``need``: at least that many draws hold; None: maximise the number that hold.
    """

    def __init__(
        self,
        inst: Instance,
        n_stages: int,
        draws: Sequence[Draw],
        need: int | None,
        *,
        exact: bool,
        objective: str | None = None,
        max_stages: int | None = None,
    ) -> None:
        self.draws = list(draws)
        self.need = need
        self.h: list[Any] = []
        self._tables: dict[Any, tuple[Any, Any]] = {}
        self._rows: dict[Any, tuple[list[tuple[int, Any]], int, list[Any], list[Any]]] = {}
        super().__init__(inst, n_stages, exact=exact, objective=objective, max_stages=max_stages)
        if need is None:
            self.model.maximize((n_stages + 1) * sum(self.h) - self.n_used)

    def _require(self, pairs: list[tuple[int, Any]], const: int, guards: list[Any], h: Any) -> None:
        """``sum c * v + const >= 0`` under ``guards`` whenever draw literal ``h`` is on (see :meth:`_emit`)."""
        pairs = [(c, v) for c, v in pairs if c]
        key = (const, tuple(sorted((v.index, c) for c, v in pairs)), tuple(sorted(g.index for g in guards)))
        if key in self._rows:
            self._rows[key][3].append(h)
        else:
            self._rows[key] = (pairs, const, guards, [h])

    def _emit(self) -> None:
        """Each distinct row once: under its draw's literal, or, when draws share it (a party whose
        values are points), under one literal that each of those draws implies."""
        m = self.model
        for pairs, const, guards, hs in self._rows.values():
            if len(hs) == 1:
                g = hs[0]
            else:
                g = m.new_bool_var("")
                for h in hs:
                    m.add_implication(h, g)
            m.add(sum(c * v for c, v in pairs) + const >= 0).only_enforce_if([*guards, g])
        self._rows = {}

    def _values(self, objective: str | None, exact: bool) -> None:
        m, ks = self.model, range(1, self.K + 1)
        self.z, self.peak = None, {}
        self._rows = {}
        self.h = [m.new_bool_var(f"h[{i}]") for i in range(len(self.draws))]
        for (d, parties), h in zip(self.draws, self.h, strict=True):
            tol = d.tolerance
            for p in parties:
                bal = self._lit(("balance", p))
                coef = {mv: _up(d.recv[p][mv] - (1 - tol) * d.give[p][mv]) for mv in d.moves}
                for k in ks:
                    self._require([(coef[mv], self.x[mv][k]) for mv in d.moves], 0, [bal], h)
                lim = d.limit.get(p)
                if lim is None:
                    continue
                ex = self._lit(("exposure", p))
                ecoef = {mv: _down(d.irr_give[p][mv] - d.irr_recv[p][mv]) for mv in d.moves}
                for k in ks:
                    cum = [(-ecoef[mv], self.x[mv][j]) for mv in d.moves for j in range(1, k + 1)]
                    self._require(cum, _up(lim), [ex], h)
        if self.need is not None:
            m.add(sum(self.h) >= self.need)

    def _gated(self, key: Any, table: list[float], mv: str, k: int, after: Any, rvar: Any) -> tuple[Any, Any]:
        """``table[r[mv, k]]`` when ``mv`` comes after stage ``k``, else 0, scaled up and down: shared by all draws."""
        full = (key, mv, k)
        if full not in self._tables:
            m = self.model
            pair = []
            for rounding in (_up, _down):
                tab = [rounding(t) for t in table]
                lo, hi = min(0, *tab), max(0, *tab)
                a = m.new_int_var(lo, hi, "")
                m.add_element(rvar[(mv, k)], tab, a)
                c = m.new_int_var(lo, hi, "")
                m.add(c == a).only_enforce_if(after[mv][k])
                m.add(c == 0).only_enforce_if(~after[mv][k])
                pair.append(c)
            self._tables[full] = (pair[0], pair[1])
        return self._tables[full]

    @staticmethod
    def _times(v: float, gated: tuple[Any, Any]) -> tuple[int, Any]:
        """``v`` times a gated table entry, rounded up (a relaxation): SCALE**2."""
        up, down = gated
        return math.ceil(v * SCALE - 1e-7), (up if v >= 0 else down)

    def _self_enforcement(self) -> None:
        K = self.K
        after, rvar, rmax, timed = self._timing()
        for (d, parties), h in zip(self.draws, self.h, strict=True):
            for p in parties:
                lit = self._lit(("self-enforcement", p))
                disc = d.discount[p]
                annuity = [d.annuity(p, r) for r in range(rmax + 1)]
                for k in range(0, K + 1):
                    pairs: list[tuple[int, Any]] = []
                    const = 0
                    for mv in d.moves:
                        v = d.value[p][mv]
                        if v == 0:
                            continue
                        if d.rev[mv]:  # c * (1 - after)
                            c = _up2(v * d.annuity(p, d.lag[mv]))
                            const += c
                            pairs.append((-c, after[mv][k]))
                        if k == K:
                            continue
                        if timed:
                            pairs.append(
                                self._times(v, self._gated(("A", disc), annuity, mv, k, after, rvar))
                            )
                        else:
                            pairs.append((_up2(v * annuity[0]), after[mv][k]))
                    self._require(pairs, const, [lit], h)
                self._covert_draw(d, p, h, after, rvar, rmax, timed)
        self._emit()

    def _covert_draw(
        self, d: Instance, p: str, h: Any, after: Any, rvar: Any, rmax: int, timed: bool
    ) -> None:
        K = self.K
        lit = self._lit(("self-enforcement", p))
        disc = d.discount[p]
        for q in d.covert_classes(p):
            seen = [d.annuity(p, r) * (1.0 - (1.0 - q) ** (r + 1)) for r in range(rmax + 1)]
            own = [b for b in d.moves if d.by[b] == p and d.rev[b] and d.verification[b] == q]
            for k in range(1, K + 1):
                pairs: list[tuple[int, Any]] = []
                const = 0
                for mv in d.moves:
                    v = d.value[p][mv]
                    if v == 0:
                        continue
                    if d.rev[mv]:
                        c = _up2(v * d.found_out(p, d.lag[mv], q))
                        const += c
                        pairs.append((-c, after[mv][k]))
                    if k == K:
                        continue
                    if not timed:
                        pairs.append((_up2(d.covert_later(p, mv, q, 0)), after[mv][k]))
                        continue
                    pairs.append(self._times(v, self._gated(("S", disc, q), seen, mv, k, after, rvar)))
                    if d.rev[mv]:
                        lost = [d.found_out(p, d.lag[mv], q, after=r + 1) for r in range(rmax + 1)]
                        key = ("F", disc, q, d.lag[mv])
                        pairs.append(self._times(v, self._gated(key, lost, mv, k, after, rvar)))
                for b in own:
                    v = d.value[p][b]
                    gap = _up2(v * (d.annuity(p, d.lag[b]) - d.found_out(p, d.lag[b], q)))
                    self._require(pairs, const + gap, [lit, ~after[b][k]], h)

    def _rejects(self, stages: list[frozenset[str]], on: set[GroupKey]) -> bool:
        structural = [c for c in _broken(self.inst, stages, on) if c.kind not in VALUE_KINDS]
        if structural:
            return True
        if self.need is None:
            return False
        return held(self.draws, stages) < self.need


def held(draws: Sequence[Draw], stages: Sequence[frozenset[str]]) -> int:
    """The number of draws in which ``stages`` keep every value-dependent constraint, exactly."""
    return sum(1 for d, parties in draws if not _breaks(d, parties, stages))


def _breaks(d: Instance, parties: Iterable[str], stages: Sequence[frozenset[str]]) -> list[str]:
    _, conflicts, _ = evaluate(d, stages)
    who = set(parties)
    return [c.text for c in conflicts if c.kind in VALUE_KINDS and c.party in who]


def worst_instances(scenario: Scenario, target: frozenset[str], tolerance: float) -> list[Draw]:
    """One instance per party at the corner of the ranges that is worst for that party's constraints."""
    out: list[Draw] = []
    for p in scenario.party_ids:
        moves = []
        for mv in scenario.moves:
            mine = mv.value_for(p)
            value = dict(mv.value)
            if p in value or mine.low != 0:
                value[p] = Value(low=mine.low, likely=mine.low, high=mine.low)
            if mv.by != p:
                maker = mv.value_for(mv.by)
                x = maker.low if mine.low < 0 else maker.high  # reversed on a breakdown iff it hurts p
                value[mv.by] = Value(low=x, likely=x, high=x)
            moves.append(mv.model_copy(update={"value": value}))
        out.append((Instance(scenario.replace(moves=tuple(moves)), target, tolerance), (p,)))
    return out


def plan_robust(
    scenario: Scenario,
    target: Iterable[str],
    *,
    level: float | str,
    samples: int = 500,
    seed: int = 0,
    tolerance: float = 0.0,
    objective: str = "fewest-stages",
    max_stages: int | None = None,
    time_limit: float = 60.0,
    work_limit: float | None = None,
) -> Robust:
    """The best roadmap that holds in at least ``level`` of ``samples`` value draws (or ``"worst-case"``).

    ``result.status`` is ``optimal`` (proven best at that level on this sample), ``feasible``,
    ``infeasible`` (proven: none reaches the level; ``highest`` then says the highest level one
    reaches) or ``unknown``. ``work_limit`` replaces the wall-clock ``time_limit`` by a
    deterministic work budget per solver call (CP-SAT deterministic seconds), so the answer
    is the same on a busy or a quiet machine (the simulator's ``step-by-step(robust=...)``).
    """
    if objective not in ROBUST_OBJECTIVES:
        raise ScenarioError.single(
            "--objective", f"a robust plan is fewest-stages or fastest, found {objective!r}"
        )
    if samples < 1:
        raise ScenarioError.single("--samples", f"expected at least 1 draw, found {samples}")
    t0 = time.monotonic()
    deadline = t0 + time_limit if work_limit is None else math.inf
    work = work_limit

    def left() -> float:
        return max(0.05, deadline - time.monotonic())

    inst = Instance(scenario, frozenset(target), tolerance)
    if level == WORST_CASE:
        draws = worst_instances(scenario, frozenset(inst.moves), tolerance)
        need = len(draws)
    else:
        level = float(level)
        draws = [
            (Instance(s, frozenset(inst.moves), tolerance), s.party_ids)
            for s in value_draws(scenario, samples, seed)
        ]
        need = min(samples, math.ceil(level * samples - 1e-9))
    out = Robust(
        level,
        samples,
        seed,
        PlanResult(False, "unknown", frozenset(inst.moves), objective=objective, tolerance=tolerance),
        need=need,
    )
    if not inst.moves or any(c.kind not in VALUE_KINDS for c in static_conflicts(inst, max_stages)):
        out.result = solve(
            inst, objective=objective, max_stages=max_stages, time_limit=left(), work_limit=work
        )
        out.held = held(draws, [st.moves for st in out.result.stages]) if out.result.feasible else None
        return out
    lo, hi = stage_bounds(inst, max_stages)
    proven, found = True, None
    top: tuple[str, list[frozenset[str]] | None, int] | None = None
    for k in range(lo, hi + 1):
        if time.monotonic() >= deadline:
            proven = False
            break
        if k == lo + 1 and level != WORST_CASE:
            # one model over every stage count: if even the most draws any roadmap keeps fall
            # short, no count can reach the level (proven at once, instead of count by count)
            top = _highest(inst, hi, draws, max_stages, left(), work)
            if top[0] == "optimal" and top[2] < need:
                proven = True
                break
        st, stages, _ = ChanceModel(inst, k, draws, need, exact=True, max_stages=max_stages).run(
            left(), work_limit=work
        )
        if stages is not None:
            found = (k, stages)
            break
        if st != "infeasible":
            proven = False
    if found is not None and objective == "fastest":
        best, complete = found[1], True
        for k in range(found[0], hi + 1):
            durations = list(inst.dur.values())
            if max(durations) + (k - 1) * min(durations) >= _duration(inst, best):
                break
            if time.monotonic() >= deadline:
                complete = False
                break
            st, stages, _ = ChanceModel(inst, k, draws, need, exact=True, objective="fastest").run(
                left(), work_limit=work
            )
            if stages is not None and _duration(inst, stages) < _duration(inst, best):
                best = stages
            if st not in ("optimal", "infeasible"):
                complete = False
        found, proven = (len(best), best), proven and complete
    if found is not None:
        stages = found[1]
        out.result = _result(inst, stages, "optimal" if proven else "feasible", objective)
        out.held = held(draws, stages)
        out.breaking, out.breaking_text = _breaking(draws, stages)
    else:
        out.result.status = "infeasible" if proven else "unknown"
        if hi >= lo and level != WORST_CASE:
            st, stages, _ = top if top is not None else _highest(inst, hi, draws, max_stages, left(), work)
            if stages is not None:
                n = held(draws, stages)
                out.highest, out.highest_status = n / samples, st
                if n:
                    out.result.stages, _, out.result.participation = evaluate(inst, stages)
                out.breaking, out.breaking_text = _breaking(draws, stages)
        elif level == WORST_CASE:
            for d in draws:
                st, _, _ = ChanceModel(inst, hi, [d], 1, exact=False, max_stages=max_stages).run(
                    left(), work_limit=work
                )
                if st != "infeasible":
                    continue
                out.breaking_text.append(
                    f"with every value at the worst end of its range for {d[1][0]}, no roadmap holds"
                )
    out.result.wall_time = time.monotonic() - t0
    return out


def _highest(
    inst: Instance,
    hi: int,
    draws: Sequence[Draw],
    max_stages: int | None,
    time_limit: float,
    work_limit: float | None = None,
) -> tuple[str, list[frozenset[str]] | None, int]:
    """The roadmap of at most ``hi`` stages that keeps the most draws: status, stages, and the
    solver's count (an upper bound on the exact count: the scaled model is a relaxation)."""
    model = ChanceModel(inst, hi, draws, None, exact=False, max_stages=max_stages)
    st, stages, solver = model.run(time_limit, work_limit=work_limit)
    n = sum(solver.boolean_value(h) for h in model.h) if stages is not None else 0
    if st == "infeasible":  # no roadmap at all, whatever the values
        return "optimal", None, 0
    return st, stages, n


def _duration(inst: Instance, stages: Sequence[frozenset[str]]) -> int:
    return sum(max((inst.dur[m] for m in st), default=0) for st in stages)


def _result(inst: Instance, stages: list[frozenset[str]], status: str, objective: str) -> PlanResult:
    res = PlanResult(True, status, frozenset(inst.moves), objective=objective, tolerance=inst.tolerance)
    res.stages, conflicts, res.participation = evaluate(inst, stages)
    res.notes.append(
        f"at the likely values the roadmap breaks {len(conflicts)} constraint(s)"
        if conflicts
        else "the roadmap also holds at the likely values"
    )
    return res


def _breaking(draws: Sequence[Draw], stages: Sequence[frozenset[str]]) -> tuple[tuple[int, ...], list[str]]:
    """The draws ``stages`` break, and what breaks in the first few."""
    idx: list[int] = []
    text: list[str] = []
    for i, (d, parties) in enumerate(draws):
        why = _breaks(d, parties, stages)
        if why:
            idx.append(i)
            if len(text) < 3:
                text.append(f"draw {i}: {why[0]}")
    return tuple(idx), text
