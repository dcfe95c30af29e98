"""Why no roadmap exists: a minimal set of conflicting constraints, and what would unblock it.

Constraints come in families, each switched on by one CP-SAT literal (see
:class:`~detente.analysis.roadmap_solver.RoadmapModel`): reciprocity; balance,
exposure and self-enforcement of each party; each prerequisite inside the
target; the stage cap. With every family on the model is infeasible. CP-SAT's
``sufficient_assumptions_for_infeasibility`` gives a core; deletion-based
minimisation then drops each family whose removal keeps it infeasible, so every
family left is needed: without it a roadmap exists. That roadmap (the *witness*)
breaks the family, and the words of the explanation describe how it breaks it,
e.g. "DPRK would be exposed 5.0 > limit 3 at stage 1: dprk-yongbyon-dismantle is
irreversible and nothing USA offers by then is".

Suggestions are computed on the full problem with one family changed: the
smallest exposure limit, the smallest tolerance (to 0.01), the least patience
(discount, to 0.001), or the stage count that would make a roadmap exist.

Examples
--------
>>> from detente.model.scenario import Scenario
>>> from detente.analysis.roadmap import Instance
>>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T", "time": {"horizon": 12},
...     "parties": [{"id": "A", "exposure_limit": 1}, {"id": "B"}],
...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"A": -3, "B": 4}},
...               {"id": "b1", "by": "B", "title": "b1", "value": {"A": 4, "B": -1}, "reversible": True,
...                "reversal_lag": 12}]})
>>> conflicts, suggestions = explain(Instance(s, ["a1", "b1"]))
>>> [(c.kind, c.party) for c in conflicts]
[('exposure', 'A')]
>>> suggestions[0]
"raise A's exposure limit from 1 to 3 (or add an irreversible move by B worth at least 2 to A, offered with or before the moves that expose it)"
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .roadmap import Conflict, Instance, evaluate
from .roadmap_solver import SCALE, GroupKey, RoadmapModel

__all__ = ["explain", "minimal_conflict"]


def minimal_conflict(
    inst: Instance, *, max_stages: int | None = None, time_limit: float = 30.0
) -> tuple[list[GroupKey], dict[GroupKey, list[frozenset[str]]], bool]:
    """A minimal infeasible set of constraint families, a witness roadmap for each, and whether proven.

    ``proven`` is False when a solve ran out of time (the set is then infeasible but
    perhaps not minimal), or when the full problem could not be shown infeasible.
    """
    deadline = time.monotonic() + time_limit
    model = RoadmapModel(inst, max(1, len(inst.moves)), exact=False, max_stages=max_stages)
    lits = model.lits
    status, _, solver = model.run(max(0.05, deadline - time.monotonic()))
    if status != "infeasible":
        return [], {}, False
    core_idx = set(solver.sufficient_assumptions_for_infeasibility())
    needed = [k for k, lit in lits.items() if lit.index in core_idx] or list(lits)
    witness: dict[GroupKey, list[frozenset[str]]] = {}
    proven = True
    for key in list(needed):
        trial = [k for k in needed if k != key]
        st, stages, _ = model.run(max(0.05, deadline - time.monotonic()), [lits[k] for k in trial])
        if st == "infeasible":
            needed = trial
        elif stages is not None:
            witness[key] = stages
        else:
            proven = False
    return needed, witness, proven


def explain(
    inst: Instance, *, max_stages: int | None = None, time_limit: float = 30.0
) -> tuple[list[Conflict], list[str]]:
    """The conflicts (one per needed family, in words) and the suggestions that would unblock them."""
    deadline = time.monotonic() + time_limit

    def left() -> float:
        return max(0.05, deadline - time.monotonic())

    needed, witness, proven = minimal_conflict(inst, max_stages=max_stages, time_limit=left() * 0.6)
    if not needed:
        return [], ["the planner could not establish the reasons within the time limit; allow more time"]
    conflicts = [_describe(inst, key, witness.get(key), max_stages) for key in needed]
    if not proven:
        conflicts.append(
            Conflict(
                "note", None, (), "time ran out while minimising: some of these constraints may not be needed"
            )
        )
    suggestions = []
    for key in needed:
        text = _suggest(inst, key, max_stages, left() / max(1, len(needed)))
        if text:
            suggestions.append(text)
    return conflicts, suggestions


def _describe(
    inst: Instance, key: GroupKey, stages: list[frozenset[str]] | None, max_stages: int | None
) -> Conflict:
    kind, what = key
    party = what if isinstance(what, str) else None
    if stages is not None:
        _, found, _ = evaluate(inst, stages, max_stages=max_stages)
        for c in found:
            if c.kind == kind and (
                kind in ("reciprocity", "max-stages")
                or (kind == "prerequisite" and (c.moves[1], c.moves[0]) == what)
                or c.party == party
            ):
                return c
    if kind == "prerequisite":
        r, m = what
        return Conflict(kind, inst.by[m], (m, r), f"{m} requires {r} first")
    if kind == "max-stages":
        return Conflict(kind, None, (), f"at most {max_stages} stages")
    if kind == "reciprocity":
        return Conflict(kind, None, (), "every stage must have moves by at least two parties")
    return Conflict(kind, party, (), f"the {kind} constraint of {party}")


def _feasible(inst: Instance, max_stages: int | None, time_limit: float) -> bool | None:
    model = RoadmapModel(inst, max(1, len(inst.moves)), exact=False, max_stages=max_stages)
    st, stages, _ = model.run(time_limit)
    return True if stages is not None else (False if st == "infeasible" else None)


def _bisect(
    test: Callable[[float], bool | None], lo: float, hi: float, step: float, time_ok: Callable[[], bool]
) -> float | None:
    """Smallest x in [lo, hi] on a grid of ``step`` with test(x) True (monotone), or None."""
    if test(hi) is not True:
        return None
    n = round((hi - lo) / step)
    a, b = 0, n  # test(lo + b * step) is True; lo + a * step is unknown/False
    if test(lo) is True:
        return lo
    while b - a > 1 and time_ok():
        mid = (a + b) // 2
        if test(lo + mid * step) is True:
            b = mid
        else:
            a = mid
    return lo + b * step


def _suggest(inst: Instance, key: GroupKey, max_stages: int | None, budget: float) -> str | None:
    kind, what = key
    s = inst.scenario
    deadline = time.monotonic() + budget

    def time_ok() -> bool:
        return time.monotonic() < deadline

    def left() -> float:
        return max(0.05, deadline - time.monotonic())

    if kind == "exposure":
        p = str(what)
        model = RoadmapModel(
            inst, max(1, len(inst.moves)), exact=False, max_stages=max_stages, objective=f"min-exposure:{p}"
        )
        on = [lit for k, lit in model.lits.items() if k != key]
        st, stages, _ = model.run(left(), on)
        if stages is None:
            return None if st != "infeasible" else f"raising {p}'s exposure limit alone would not be enough"
        got, _, _ = evaluate(inst, stages)
        need = max(x.exposure[p] for x in got)
        lim = inst.limit[p] or 0.0
        others = ", ".join(q for q in inst.parties if q != p)
        if need <= lim:  # an artefact of rounding: the exact optimum is at the limit
            need = lim + 1.0 / SCALE
        return (
            f"raise {p}'s exposure limit from {lim:g} to {need:g} (or add an irreversible move by {others} "
            f"worth at least {need - lim:g} to {p}, offered with or before the moves that expose it)"
        )
    if kind == "balance":

        def with_tol(t: float) -> bool | None:
            return _feasible(Instance(s, inst.moves, t), max_stages, left() / 4)

        t = _bisect(with_tol, inst.tolerance, 1.0, 0.01, time_ok)
        if t is None:
            return f"no balance tolerance alone makes a roadmap possible for {what}"
        return (
            f"accept stages that are balanced only within a tolerance of {t:.2f} (--tolerance {t:.2f}), "
            f"or add a move that {what} values to pair with its costly moves"
        )
    if kind == "self-enforcement":
        p = str(what)
        d0 = inst.discount[p]

        def with_discount(d: float) -> bool | None:
            parties = tuple(x.model_copy(update={"discount": d}) if x.id == p else x for x in s.parties)
            return _feasible(
                Instance(s.replace(parties=parties), inst.moves, inst.tolerance), max_stages, left() / 4
            )

        d = _bisect(with_discount, d0, 1.0, 0.001, time_ok)
        if d is None:
            return (
                f"no patience makes the roadmap self-enforcing for {p}: irreversible moves by the others, "
                f"or fewer reversible concessions by {p} late in the roadmap, would be needed"
            )
        return f"{p} would need to be more patient: a discount of {d:.3f} per {s.time.unit} instead of {d0:g}"
    if kind == "max-stages":
        model = RoadmapModel(inst, max(1, len(inst.moves)), exact=False, objective="fewest-stages")
        _, stages, _ = model.run(left())
        if stages is not None:
            return f"allow {len(stages)} stages (--max-stages {len(stages)})"
        return None
    if kind == "reciprocity":
        return (
            "a move by another party would need adding to accompany the one-sided step, "
            "or the step would have to be made as a unilateral gesture"
        )
    if kind == "prerequisite":
        r, m = what
        return f"{m} could be planned only if it did not need {r} first, or if {r} were already in force"
    return None
