"""Why no roadmap exists: a minimal set of conflicting constraints, and what would unblock it.

Constraints come in families, each switched on by one CP-SAT literal (see
:class:`~detente.analysis.roadmap_cpsat.RoadmapModel`): reciprocity; balance,
exposure and self-enforcement of each party; the stage cap; and each prerequisite
inside the target, which is treated as a fact (always on, never a suspect). With
every family on the model is infeasible. CP-SAT's
``sufficient_assumptions_for_infeasibility`` gives a core; deletion-based
minimisation then drops each family whose removal keeps it infeasible, so every
family left is needed: without it a roadmap exists. That roadmap (the *witness*)
breaks the family, and the words of the explanation describe how it breaks it,
e.g. "DPRK would be exposed 5.0 > limit 3 at stage 1: dprk-yongbyon-dismantle is
irreversible and nothing USA offers by then is".

Conflicts that no ordering can fix (totals, a prerequisite chain longer than the stage
cap, prerequisites outside the target, exclusions, one-sided targets) are found first by
:func:`static_conflicts`, each a minimal set of its own.

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
...               {"id": "a2", "by": "A", "title": "a2", "value": {"A": -0.5, "B": 1}},
...               {"id": "b1", "by": "B", "title": "b1", "value": {"A": 3.5, "B": -1}, "reversible": True,
...                "reversal_lag": 12},
...               {"id": "b2", "by": "B", "title": "b2", "value": {"A": 2.5, "B": -1}, "requires": ["a1"]}]})
>>> conflicts, suggestions, notes = explain(Instance(s, s.move_ids))
>>> [(c.kind, c.party, c.group) for c in conflicts]
[('exposure', 'A', 1)]
>>> conflicts[0].text
'A would be exposed 3.5 > limit 1 at stage 1: a1 and a2 are irreversible and nothing B offers by then is'
>>> suggestions[0]
"raise A's exposure limit from 1 to 3 (or add an irreversible move by B worth at least 2 to A, offered with or before the moves that expose it)"
>>> notes
[]
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from .roadmap_cpsat import SCALE, GroupKey, RoadmapModel
from .roadmap_instance import EPS, Conflict, Instance, _names, _need, evaluate

__all__ = ["explain", "minimal_conflict", "static_conflicts"]


def static_conflicts(inst: Instance, max_stages: int | None = None) -> list[Conflict]:
    """Conflicts that no ordering can fix: prerequisites outside, exclusions, one-sided targets, totals.

    Each is a minimal conflict on its own, except the prerequisite chain longer than
    ``max_stages``, which is one with the prerequisites of the chain (same ``group``).
    """
    s = inst.scenario
    out: list[Conflict] = []
    chain = inst.chain()
    if max_stages is not None and len(chain) > max_stages:
        text = (
            f"the prerequisites {' -> '.join(chain)} need {len(chain)} stages, one after the other; "
            f"at most {max_stages} are allowed"
        )
        out.append(Conflict("max-stages", None, tuple(chain), text, group=1))
        for r, m in itertools.pairwise(chain):
            out.append(Conflict("prerequisite", inst.by[m], (m, r), f"{m} requires {r} first", group=1))
    tset = set(inst.moves)
    for m in inst.moves:
        for r in inst.requires[m]:
            if r not in tset:
                out.append(
                    Conflict(
                        "prerequisite",
                        inst.by[m],
                        (m, r),
                        f"{m} requires {r}, which is neither in force nor in the target; "
                        f"add {r} to the target",
                    )
                )
    for pair in sorted(
        {
            tuple(sorted((m, x)))
            for m in inst.moves
            for x in s.move(m).excludes
            if x in tset or x in s.status_quo
        }
    ):
        out.append(
            Conflict(
                "exclusion",
                None,
                pair,
                f"{pair[0]} excludes {pair[1]}: they cannot both be in force; drop one from the target",
            )
        )
    makers = {inst.by[m] for m in inst.moves}
    if len(makers) == 1:
        (only,) = makers
        out.append(
            Conflict(
                "reciprocity",
                only,
                inst.moves,
                f"every move of the target is by {only}: no stage can be reciprocal; a move "
                f"by another party would need adding",
            )
        )
    for p in inst.parties:
        given = sum(inst.give[p].values())
        received = sum(inst.recv[p].values())
        if received < (1 - inst.tolerance) * given - EPS:
            mine = [m for m in inst.moves if inst.give[p][m] > 0]
            out.append(
                Conflict(
                    "balance",
                    p,
                    tuple(mine),
                    f"whatever the order, {p} gives {given:.1f} in all ({_names(mine)}) and receives only "
                    f"{received:.1f}, less than {_need(inst.tolerance, given)}: some stage must be unbalanced",
                )
            )
        lim = inst.limit[p]
        final = sum(inst.irr_give[p][m] - inst.irr_recv[p][m] for m in inst.moves)
        if lim is not None and final > lim + EPS:
            mine = [m for m in inst.moves if inst.irr_give[p][m] > 0]
            got = sum(inst.irr_recv[p][m] for m in inst.moves)
            others = ", ".join(q for q in inst.parties if q != p)
            out.append(
                Conflict(
                    "exposure",
                    p,
                    tuple(mine),
                    f"whatever the order, {p} ends up exposed {final:.1f} > limit {lim:g}: its irreversible "
                    f"moves {_names(mine)} cost it {final + got:.1f} and everything {others} offers "
                    f"irreversibly is worth only {got:.1f} to {p}",
                )
            )
        end = sum(inst.value[p][m] * inst.annuity(p, inst.lag[m]) for m in inst.moves if inst.rev[m])
        if end < -EPS:
            own = [m for m in inst.moves if inst.rev[m] and inst.by[m] == p]
            lost = [m for m in inst.moves if inst.rev[m] and inst.by[m] != p]
            out.append(
                Conflict(
                    "self-enforcement",
                    p,
                    tuple(own),
                    f"whatever the order, the finished deal is not self-enforcing for {p}: by reversing "
                    f"{_names(own)} it gains {-end:.1f} (discounted over {inst.horizon} "
                    f"{inst.scenario.time.unit}s) more than it loses when the others reverse "
                    f"{_names(lost)}",
                )
            )
    return out


class _Models:
    """One CP-SAT model per stage-slot count: reciprocity (two moves a stage) or a stage cap need fewer."""

    def __init__(self, inst: Instance, max_stages: int | None) -> None:
        self.inst = inst
        self.max_stages = max_stages
        self.cache: dict[int, RoadmapModel] = {}
        self.keys = list(self.model(len(inst.moves)).lits)

    def model(self, slots: int) -> RoadmapModel:
        slots = max(1, slots)
        if slots not in self.cache:
            self.cache[slots] = RoadmapModel(self.inst, slots, exact=False, max_stages=self.max_stages)
        return self.cache[slots]

    def slots(self, on: Sequence[GroupKey]) -> int:
        n = len(self.inst.moves)
        if ("reciprocity", None) in on:
            n = min(n, len(self.inst.moves) // 2)
        if ("max-stages", None) in on and self.max_stages is not None:
            n = min(n, self.max_stages)
        return n

    def run(
        self, on: Sequence[GroupKey], time_limit: float
    ) -> tuple[str, list[frozenset[str]] | None, list[GroupKey]]:
        """Status, a roadmap if one exists, and a core (a subset of ``on``) if none does."""
        model = self.model(self.slots(on))
        st, stages, solver = model.run(time_limit, [model.lits[k] for k in on])
        core: list[GroupKey] = []
        if st == "infeasible":
            idx = set(solver.sufficient_assumptions_for_infeasibility())
            core = [k for k in on if model.lits[k].index in idx] or list(on)
            if len(self.inst.moves) > model.K:  # fewer slots stand for reciprocity or the cap: keep them
                core += [k for k in on if k[0] in ("reciprocity", "max-stages") and k not in core]
        return st, stages, core


def minimal_conflict(
    inst: Instance,
    *,
    max_stages: int | None = None,
    time_limit: float = 30.0,
    off: Sequence[GroupKey] = (),
    models: _Models | None = None,
) -> tuple[list[GroupKey], dict[GroupKey, list[frozenset[str]]], bool]:
    """A minimal infeasible set of constraint families, a witness roadmap for each, and whether proven.

    Prerequisites are facts, not choices: they always hold and are never reported (a
    set is minimal given them). Families in ``off`` are left out. Returns an empty set
    when the remaining families are satisfiable (or time ran out); ``proven`` is False
    when a solve ran out of time (the set is then infeasible but perhaps not minimal).
    """
    deadline = time.monotonic() + time_limit
    ms = models or _Models(inst, max_stages)
    facts = [k for k in ms.keys if k[0] == "prerequisite"]
    on = [k for k in ms.keys if k not in off and k not in facts]
    status, _, core = ms.run(facts + on, max(0.05, deadline - time.monotonic()))
    if status != "infeasible":
        return [], {}, status != "unknown"
    needed = [k for k in on if k in core]
    witness: dict[GroupKey, list[frozenset[str]]] = {}
    proven = True
    for key in list(needed):
        if key not in needed:
            continue
        trial = [k for k in needed if k != key]
        st, stages, core = ms.run(facts + trial, max(0.05, deadline - time.monotonic()))
        if st == "infeasible":
            needed = [k for k in trial if k in core]
        elif stages is not None:
            witness[key] = stages
        else:
            proven = False
    return needed, witness, proven


def explain(
    inst: Instance, *, max_stages: int | None = None, time_limit: float = 30.0, max_sets: int = 4
) -> tuple[list[Conflict], list[str], list[str]]:
    """Every blocking conflict, in words, grouped in minimal sets (``Conflict.group``); and what would unblock each.

    Conflicts that no ordering can fix come first, each a set of its own; then up to
    ``max_sets`` minimal sets found one after the other, each with the families of the
    sets before it left out, until the rest is satisfiable.
    """
    deadline = time.monotonic() + time_limit

    def left() -> float:
        return max(0.05, deadline - time.monotonic())

    conflicts: list[Conflict] = []
    suggestions: list[str] = []
    notes: list[str] = []
    static: list[list[GroupKey]] = []
    for c in static_conflicts(inst, max_stages):
        key = _key(c)
        if c.group is not None and static and c.kind == "prerequisite":  # part of the chain's set
            static[-1] += [key] if key else []
            conflicts.append(replace(c, group=len(static)))
            continue
        static.append([key] if key else [])
        conflicts.append(replace(c, group=len(static)))
        suggestions.append(_static_suggestion(inst, c))
    if any(not st for st in static):  # a prerequisite outside the target, an exclusion: fix those first
        return conflicts, suggestions, notes
    ms = _Models(inst, max_stages)
    off = [k for st in static for k in st]
    sets: list[list[GroupKey]] = []
    while len(sets) < max_sets and time.monotonic() < deadline:
        budget = left() * 0.5 if not static else min(left() * 0.5, 5.0)  # the totals already explain
        needed, witness, proven = minimal_conflict(
            inst, max_stages=max_stages, time_limit=budget, off=off, models=ms
        )
        if not needed:
            if not proven and (static or sets):
                notes.append("other conflicts may exist: checking the remaining constraints ran out of time")
            break
        sets.append(needed)
        off += needed
        group = len(static) + len(sets)
        conflicts += [replace(_describe(inst, k, witness.get(k), max_stages), group=group) for k in needed]
        if not proven:
            notes.append(
                f"time ran out while minimising conflict {group}: some of its constraints may not be needed"
            )
    if not conflicts:
        return [], [], ["the planner could not establish the reasons within the time limit; allow more time"]
    for i, st in enumerate(sets):
        others = [k for j, x in enumerate(sets) if j != i for k in x] + [k for x in static for k in x]
        for key in st:
            hint = _suggest(inst, key, max_stages, left() / max(1, len(off)), ms, others)
            if hint:
                suggestions.append(hint)
    return conflicts, suggestions, notes


def _static_suggestion(inst: Instance, c: Conflict) -> str:
    """What a conflict no ordering can fix needs, at least (computed from its totals)."""
    p = c.party or ""
    others = ", ".join(q for q in inst.parties if q != p)
    if c.kind == "balance":
        given = sum(inst.give[p].values())
        received = sum(inst.recv[p].values())
        if given <= EPS:
            return f"{p} gives nothing but loses {-received:.1f} in all: moves worth that much to {p} would need adding"
        need = 1 - received / given
        return (
            f"{p} needs at least {(1 - inst.tolerance) * given - received:.1f} more in value from {others}, "
            f"or a balance tolerance of at least {need:.2f} (--tolerance)"
        )
    if c.kind == "exposure":
        final = sum(inst.irr_give[p][m] - inst.irr_recv[p][m] for m in inst.moves)
        lim = inst.limit[p] or 0.0
        return (
            f"{p}'s exposure limit would have to be at least {final:g} (now {lim:g}), or {others} would need to "
            f"offer irreversible moves worth at least {final - lim:g} more to {p}"
        )
    if c.kind == "max-stages":
        return f"allow at least {len(c.moves)} stages (--max-stages {len(c.moves)}), or shorten the chain"
    if c.kind == "self-enforcement":
        return (
            f"{p}'s reversible concessions need reversible counterparts (moves {others} would take back if {p} "
            f"reneged) worth more to {p}, or they would have to be made irreversible"
        )
    return c.text.split("; ", 1)[1] if "; " in c.text else c.text


def _key(c: Conflict) -> GroupKey | None:
    if c.kind in ("exposure", "self-enforcement", "balance"):
        return (c.kind, c.party)
    if c.kind in ("reciprocity", "max-stages"):
        return (c.kind, None)
    if c.kind == "prerequisite" and c.group is not None:  # a chain too long for the stage cap
        return ("prerequisite", (c.moves[1], c.moves[0]))
    return None


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
    generic = {
        "balance": f"every stage must be balanced for {party}: received >= (1 - {inst.tolerance:g}) x given",
        "exposure": f"{party}'s exposure must stay within its limit of {inst.limit.get(party or '')}",
        "self-enforcement": f"at every step {party} must gain more by completing the roadmap than by reneging",
    }
    return Conflict(kind, party, (), generic.get(kind, f"the {kind} constraint of {party}"))


def _feasible(
    inst: Instance, max_stages: int | None, on: Sequence[GroupKey], time_limit: float
) -> bool | None:
    st, stages, _ = _Models(inst, max_stages).run(on, time_limit)
    return True if stages is not None else (False if st == "infeasible" else None)


def _bisect(
    test: Callable[[float], bool | None], lo: float, hi: float, step: float, time_ok: Callable[[], bool]
) -> float | None:
    """Smallest x in [lo, hi] on a grid of ``step`` with test(x) True (monotone); None if none; nan if unknown."""
    top = test(hi)
    if top is not True:
        return None if top is False else math.nan
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


def _suggest(
    inst: Instance,
    key: GroupKey,
    max_stages: int | None,
    budget: float,
    ms: _Models,
    others: Sequence[GroupKey],
) -> str | None:
    """What change of ``key`` alone would resolve its conflict (the families in ``others`` left out)."""
    kind, what = key
    s = inst.scenario
    deadline = time.monotonic() + budget
    on = [k for k in ms.keys if k not in others or k[0] == "prerequisite"]  # prerequisites always hold
    rest = [k for k in on if k != key]

    def time_ok() -> bool:
        return time.monotonic() < deadline

    def left() -> float:
        return max(0.05, deadline - time.monotonic())

    if kind == "exposure":
        p = str(what)
        model = RoadmapModel(
            inst, max(1, ms.slots(rest)), exact=False, max_stages=max_stages, objective=f"min-exposure:{p}"
        )
        st, stages, _ = model.run(left(), [model.lits[k] for k in rest])
        if stages is None:
            if st == "infeasible":
                return f"raising {p}'s exposure limit alone would not be enough"
            return f"(the exposure limit {p} would need could not be computed in the time limit)"
        got, _, _ = evaluate(inst, stages)
        need = max(x.exposure[p] for x in got)
        lim = inst.limit[p] or 0.0
        who = ", ".join(q for q in inst.parties if q != p)
        if need <= lim:  # an artefact of rounding: the exact optimum is at the limit
            need = lim + 1.0 / SCALE
        return (
            f"raise {p}'s exposure limit from {lim:g} to {need:g} (or add an irreversible move by {who} "
            f"worth at least {need - lim:g} to {p}, offered with or before the moves that expose it)"
        )
    if kind == "balance":

        def with_tol(t: float) -> bool | None:
            return _feasible(Instance(s, inst.moves, t), max_stages, on, left() / 4)

        t = _bisect(with_tol, inst.tolerance, 1.0, 0.01, time_ok)
        if t is not None and math.isnan(t):
            return f"(the tolerance that would balance {what}'s side could not be computed in the time limit)"
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
                Instance(s.replace(parties=parties), inst.moves, inst.tolerance), max_stages, on, left() / 4
            )

        d = _bisect(with_discount, d0, 1.0, 0.001, time_ok)
        if d is not None and math.isnan(d):
            return f"(the patience {p} would need could not be computed in the time limit)"
        if d is None:
            return (
                f"no patience makes the roadmap self-enforcing for {p}: irreversible moves by the others, "
                f"or fewer reversible concessions by {p} late in the roadmap, would be needed"
            )
        return f"{p} would need to be more patient: a discount of {d:.3f} per {s.time.unit} instead of {d0:g}"
    if kind == "max-stages":
        model = RoadmapModel(inst, max(1, ms.slots(rest)), exact=False, objective="fewest-stages")
        _, stages, _ = model.run(left(), [model.lits[k] for k in rest if k in model.lits])
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
