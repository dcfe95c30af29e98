"""Roadmaps: a target package cut into reciprocal, balanced, self-enforcing stages.

This module states the definitions (as implemented, see ``docs/roadmap.md``) and holds
the public entry points :func:`plan` (the CP-SAT planner of
:mod:`detente.analysis.roadmap_solver`) and :func:`check` (a given sequence). The
modules below it, each importing only those further down: ``roadmap_instance`` (the
:class:`Instance`, the result types and the exact checker :func:`evaluate`, re-exported
here), ``roadmap_cpsat`` (the CP-SAT model), ``roadmap_explain`` (minimal conflicts,
suggestions) and ``roadmap_solver``.

Definitions
-----------
All values are each party's *likely* values on its own scale (no interpersonal
comparison). The **target** is a set of moves not yet in force (moves already in
force are dropped from it). A **roadmap** is a sequence of non-empty **stages**
that partition the target; a stage is a set of moves begun together. Let
``v_p(m)`` be party p's value of move m.

* **given** by p in a stage: the cost of p's own costly moves,
  ``sum(-v_p(m) for m by p with v_p(m) < 0)``.
* **received** by p: the net value to p of every other move of the stage,
  ``sum(v_p(m) for m not by p) + sum(v_p(m) for m by p with v_p(m) > 0)``; it can be
  negative (a move of the other side that p dislikes). So received - given is the
  stage's net value to p.
* **reciprocity**: every stage has moves by at least two parties.
* **balance** (tolerance T): for each p, received >= (1 - T) x given.
* **exposure** of p after stage k: cumulative irreversible value given (p's own
  irreversible costly moves) minus cumulative irreversible value received (the net
  value to p of the other parties' irreversible moves), floored at 0; it must not
  exceed ``Party.exposure_limit`` (None: unlimited).
* **prerequisites**: each move's ``requires`` are in force or in a strictly earlier
  stage; **exclusions**: no two moves of target plus status quo exclude each other.
* **durations**: a stage lasts the longest ``duration`` of its moves; stage k+1
  starts when stage k ends; the roadmap's duration is the sum.
* **self-enforcement**: at each decision point k = 0..K (before stage 1, between
  stages, after the last), for each party p, ``Delta_p(k) >= 0`` where, with
  ``A_p(r) = sum(delta_p**t for t in range(r, H))`` (H = ``time.horizon``, a
  rolling window from the decision point, 0 if r >= H)::

      Delta_p(k) = sum(v_p(m) * A_p(end(s(m)) - end(k)) for m in later stages)
                 + sum(v_p(m) * A_p(lag(m)) for m in stages <= k that are reversible
                       and cost their own maker)

  i.e. the discounted value of completing the roadmap minus that of reneging now:
  on reneging, p reverses its own reversible costly moves and the others reverse
  theirs in return, each after its ``reversal_lag``; irreversible moves stay.

Objectives: ``fewest-stages`` (the smallest K); ``fastest`` (the smallest duration, then
the fewest stages); ``most-robust`` (the largest minimum, over stages and parties, of
received - (1 - T) x given and of limit - exposure, then the fewest stages).

Interaction terms and pressures are not used by the planner (see docs/roadmap.md).

Examples
--------
>>> from detente.model.scenario import Scenario
>>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T", "time": {"horizon": 12},
...     "parties": [{"id": "A", "exposure_limit": 1}, {"id": "B", "exposure_limit": 1}],
...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"A": -1, "B": 2}},
...               {"id": "b1", "by": "B", "title": "b1", "value": {"A": 2, "B": -1}}]})
>>> r = check(s, [["a1", "b1"]])
>>> r.feasible, r.stages[0].given, r.stages[0].received
(True, {'A': 1.0, 'B': 1.0}, {'A': 2.0, 'B': 2.0})
>>> sorted({c.kind for c in check(s, [["a1"], ["b1"]]).conflicts})
['balance', 'reciprocity', 'self-enforcement']
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence

from detente.model.errors import ScenarioError
from detente.model.scenario import Scenario

from .deals import analyse_deals
from .roadmap_instance import EPS, OBJECTIVES, Conflict, Instance, PlanResult, Stage, evaluate
from .roadmap_solver import solve

__all__ = [
    "EPS",
    "OBJECTIVES",
    "Conflict",
    "Instance",
    "PlanResult",
    "Stage",
    "check",
    "demand_first",
    "evaluate",
    "plan",
    "resolve_target",
    "target_all",
    "target_from_spec",
]


# ---------------------------------------------------------------- targets
def target_all(scenario: Scenario) -> frozenset[str]:
    """Every move on the table that can be in force together with the status quo.

    A move is kept if its prerequisites (transitively) exclude nothing in force and
    nothing else kept; if two kept moves exclude each other there is no single
    "all" and a :class:`ScenarioError` asks for an explicit target.
    """
    sq = scenario.status_quo
    keep = {
        m.id for m in scenario.moves if not m.in_force and scenario.is_feasible(scenario.closure([m.id]) | sq)
    }
    union = frozenset(keep) | sq
    bad = [v for v in scenario.violations(union) if "excludes" in v]
    if bad:
        raise ScenarioError.single(
            "target", f"'all' is ambiguous: {bad[0]}; name the target moves one by one"
        )
    return frozenset(keep)


def resolve_target(scenario: Scenario, target: Iterable[str] | None) -> frozenset[str]:
    """The moves to plan: ``None`` or ``["all"]`` means :func:`target_all`; in-force moves are dropped."""
    if target is None:
        return target_all(scenario)
    ids = [t.strip() for t in target if t.strip()]
    if ids == ["all"]:
        return target_all(scenario)
    known = set(scenario.move_ids)
    for mid in ids:
        if mid not in known:
            close = difflib.get_close_matches(mid, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ScenarioError.single("target", f"unknown move {mid!r}{hint}")
    if not ids:
        raise ScenarioError.single("target", "empty target; expected move ids, 'all', 'nash' or 'ks'")
    return frozenset(ids) - scenario.status_quo


def target_from_spec(scenario: Scenario, spec: str) -> tuple[frozenset[str], str]:
    """The target named on the command line, and a note on where it comes from.

    ``nash`` / ``ks``: the Nash / Kalai-Smorodinsky package of the deal-space analysis
    (:func:`detente.analysis.deals.analyse_deals`, discrete packages); ``auto``: ``nash``
    when the deal-space analysis is available, else ``all``; ``all``: :func:`target_all`;
    otherwise comma-separated move ids.
    """
    spec = spec.strip()
    names = {"nash": "nash", "ks": "kalai_smorodinsky", "kalai-smorodinsky": "kalai_smorodinsky"}
    if spec in names or spec == "auto":
        sol = analyse_deals(scenario).solutions[names.get(spec, "nash")]
        label = "Nash" if names.get(spec, "nash") == "nash" else "Kalai-Smorodinsky"
        if not sol.agreement:
            return frozenset(), f"the {label} solution is the status quo: no package beats it for every party"
        return frozenset(
            sol.moves
        ) - scenario.status_quo, f"the {label} bargaining solution (discrete packages)"
    if spec == "all":
        return target_all(scenario), "every move on the table"
    return resolve_target(scenario, spec.split(",")), "the moves named"


def demand_first(scenario: Scenario, target: Iterable[str], party: str) -> list[frozenset[str]]:
    """The "all of ``party``'s moves first" sequence: its moves in stage 1, everything else in stage 2."""
    t = frozenset(target) - scenario.status_quo
    first = frozenset(m for m in t if scenario.move(m).by == party)
    return [st for st in (first, t - first) if st]


# ---------------------------------------------------------------- public entry points
def check(
    scenario: Scenario, stages: Sequence[Iterable[str]], *, tolerance: float = 0.0, notes: Sequence[str] = ()
) -> PlanResult:
    """Evaluate a given sequence of stages against every constraint.

    The target is the union of the stages; moves already in force are ignored.
    The result keeps the stages (with their figures) even when it is infeasible.

    >>> from detente.model.scenario import Scenario
    >>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
    ...     "parties": [{"id": "A"}, {"id": "B"}],
    ...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"A": -3, "B": 2}},
    ...               {"id": "b1", "by": "B", "title": "b1", "value": {"A": 1, "B": -1}}]})
    >>> [(c.kind, c.party, c.stage) for c in check(s, [["a1", "b1"]]).conflicts]
    [('balance', 'A', 1), ('self-enforcement', 'A', 1)]
    """
    sq = scenario.status_quo
    known = set(scenario.move_ids)
    sets = []
    for k, st in enumerate(stages, start=1):
        ms = frozenset(st)
        for m in sorted(ms - known):
            close = difflib.get_close_matches(m, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ScenarioError.single("roadmap", f"stage {k}: unknown move {m!r}{hint}")
        sets.append(ms - sq)
    sets = [st for st in sets if st]
    inst = Instance(scenario, frozenset().union(*sets) if sets else frozenset(), tolerance)
    out, conflicts, part = evaluate(inst, sets)
    conflicts.sort(key=lambda c: (c.stage or 0, c.kind, c.party or ""))
    return PlanResult(
        not conflicts,
        "feasible" if not conflicts else "infeasible",
        frozenset(inst.moves),
        out,
        conflicts,
        "check",
        tolerance,
        notes=[*notes, *_limitations(inst)],
        participation=part,
    )


def plan(
    scenario: Scenario,
    target: str | Iterable[str] | None = None,
    *,
    tolerance: float = 0.0,
    objective: str = "fewest-stages",
    max_stages: int | None = None,
    time_limit: float = 30.0,
) -> PlanResult:
    """The best roadmap for ``objective``, or the minimal reasons why there is none.

    ``target`` is a set of move ids (``None`` or ``["all"]``: every move on the
    table, see :func:`target_all`), or one string as ``--target`` takes it
    (:func:`target_from_spec`: ``"nash"``, ``"ks"``, ``"auto"``, ``"all"`` or ``"id,id"``;
    ``detente.plan`` defaults to ``"auto"``, as the command line). ``status`` is ``optimal`` (proven),
    ``feasible`` (found, optimality not proven within ``time_limit``),
    ``infeasible`` (proven: no roadmap) or ``unknown`` (time ran out).

    >>> from detente.model.scenario import Scenario
    >>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
    ...     "parties": [{"id": "A", "exposure_limit": 1}, {"id": "B", "exposure_limit": 1}],
    ...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"A": -1, "B": 2}},
    ...               {"id": "a2", "by": "A", "title": "a2", "value": {"A": -2, "B": 3},
    ...                "requires": ["a1"]},
    ...               {"id": "b1", "by": "B", "title": "b1", "value": {"A": 2, "B": -1}},
    ...               {"id": "b2", "by": "B", "title": "b2", "value": {"A": 2, "B": -2}}]})
    >>> r = plan(s)
    >>> r.status, len(r.stages), sorted(r.stages[0].moves)[0]
    ('optimal', 2, 'a1')
    >>> plan(s, "a1,b1").target == {"a1", "b1"}
    True
    """
    if objective not in OBJECTIVES:
        raise ScenarioError.single(
            "objective", f"unknown objective {objective!r}; expected one of " + ", ".join(OBJECTIVES)
        )
    if max_stages is not None and max_stages < 1:
        raise ScenarioError.single("max_stages", f"expected a positive number, found {max_stages}")
    if not (time_limit > 0 and math.isfinite(time_limit)):
        raise ScenarioError.single("time_limit", f"expected a positive number of seconds, found {time_limit}")
    if isinstance(target, str):  # a solution name or "id,id", never iterated letter by letter
        moves, note = target_from_spec(scenario, target)
        if not moves:
            raise ScenarioError.single("target", note)
        target = moves
    inst = Instance(scenario, resolve_target(scenario, target), tolerance)
    result = solve(inst, objective=objective, max_stages=max_stages, time_limit=time_limit)
    result.notes.extend(_limitations(inst))
    return result


def _limitations(inst: Instance) -> list[str]:
    s = inst.scenario
    tset = set(inst.moves)
    notes = []
    if any(set(i.moves) & tset for i in s.interactions):
        notes.append("interaction terms are not used by the planner (values of single moves only)")
    if s.pressures:
        notes.append("pressures (costs of delay) are not used by the planner")
    if s.has_ranges:
        notes.append("ranged values are planned at their likely values")
    return notes
