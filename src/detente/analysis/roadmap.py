"""Roadmaps: a target package cut into reciprocal, balanced, self-enforcing stages.

This module holds the definitions (as implemented, see ``docs/roadmap.md``), the
checker used by ``detente plan --check`` and by the tests, and the public entry
points :func:`plan` (which calls the CP-SAT solver in
:mod:`detente.analysis.roadmap_solver`) and :func:`check`.

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
from dataclasses import dataclass, field
from typing import Any

from detente.model.errors import ScenarioError
from detente.model.scenario import Scenario
from detente.model.tabular import Table, Tabular

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

OBJECTIVES = ("fewest-stages", "most-robust", "fastest")
EPS = 1e-9


@dataclass(frozen=True)
class Conflict:
    """One broken (or blocking) constraint, in words a negotiator understands."""

    kind: str
    party: str | None
    moves: tuple[str, ...]
    text: str
    stage: int | None = None
    group: int | None = None
    """For a plan with no roadmap: which minimal conflicting set (1-based) this constraint belongs to."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "party": self.party,
            "moves": sorted(self.moves),
            "text": self.text,
            "stage": self.stage,
        }
        if self.group is not None:
            out["set"] = self.group
        return out


@dataclass(frozen=True)
class Stage:
    """A stage of a roadmap with what each party gives, receives and risks after it."""

    moves: frozenset[str]
    given: dict[str, float]
    received: dict[str, float]
    exposure: dict[str, float]
    start: int = 0
    duration: int = 0
    margin: dict[str, float] = field(default_factory=dict)
    """Delta_p after this stage: completing minus reneging (>= 0: self-enforcing)."""
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "moves": sorted(self.moves),
            "given": self.given,
            "received": self.received,
            "exposure": self.exposure,
            "start": self.start,
            "duration": self.duration,
            "margin": self.margin,
        }
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class PlanResult(Tabular):
    """What :func:`plan` or :func:`check` found."""

    feasible: bool
    status: str
    target: frozenset[str]
    stages: list[Stage] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    objective: str = "fewest-stages"
    tolerance: float = 0.0
    suggestions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    participation: dict[str, float] = field(default_factory=dict)
    wall_time: float = 0.0

    @property
    def duration(self) -> int:
        return sum(s.duration for s in self.stages)

    def _table(self) -> Table:
        """One row per stage and party: what it gives, receives and risks, and its margin."""
        cols: dict[str, list[Any]] = {
            k: []
            for k in (
                "stage",
                "start",
                "duration",
                "party",
                "moves",
                "given",
                "received",
                "exposure",
                "margin",
            )
        }
        for k, st in enumerate(self.stages, start=1):
            for party in st.given:
                for key, value in (
                    ("stage", k),
                    ("start", st.start),
                    ("duration", st.duration),
                    ("party", party),
                    ("moves", ", ".join(sorted(st.moves))),
                    ("given", st.given[party]),
                    ("received", st.received.get(party)),
                    ("exposure", st.exposure.get(party)),
                    ("margin", st.margin.get(party)),
                ):
                    cols[key].append(value)
        return Table(cols, f"Roadmap ({self.objective}): {self.status}, {len(self.stages)} stages")

    def to_json(self) -> dict[str, Any]:
        return {
            "feasible": self.feasible,
            "status": self.status,
            "objective": self.objective,
            "tolerance": self.tolerance,
            "target": sorted(self.target),
            "stages": [s.to_json() for s in self.stages],
            "duration": self.duration,
            "participation": self.participation,
            "conflicts": [c.to_json() for c in self.conflicts],
            "suggestions": self.suggestions,
            "notes": self.notes,
        }


class Instance:
    """The numbers the definitions need, for one scenario, target and tolerance."""

    def __init__(self, scenario: Scenario, target: Iterable[str], tolerance: float = 0.0) -> None:
        if not 0.0 <= tolerance <= 1.0:
            raise ScenarioError.single("--tolerance", f"expected 0 <= T <= 1, found {tolerance:g}")
        self.scenario = scenario
        self.tolerance = float(tolerance)
        sq = scenario.status_quo
        self.moves: tuple[str, ...] = tuple(sorted(set(target) - sq))
        self.parties: tuple[str, ...] = scenario.party_ids
        self.horizon = scenario.time.horizon
        s = scenario
        self.by = {m: s.move(m).by for m in self.moves}
        self.dur = {m: s.move(m).duration for m in self.moves}
        self.lag = {m: s.move(m).reversal_lag for m in self.moves}
        self.irreversible = {m: not s.move(m).reversible for m in self.moves}
        self.value = {p: {m: s.move(m).value_for(p).likely for m in self.moves} for p in self.parties}
        # reversed on a breakdown: reversible moves that cost their own maker
        self.rev = {m: s.move(m).reversible and self.value[self.by[m]][m] < 0 for m in self.moves}
        self.give = {
            p: {m: -self.value[p][m] if self.by[m] == p and self.value[p][m] < 0 else 0.0 for m in self.moves}
            for p in self.parties
        }
        self.recv = {p: {m: self.value[p][m] + self.give[p][m] for m in self.moves} for p in self.parties}
        self.irr_give = {
            p: {m: self.give[p][m] if self.irreversible[m] else 0.0 for m in self.moves} for p in self.parties
        }
        self.irr_recv = {
            p: {m: self.value[p][m] if self.irreversible[m] and self.by[m] != p else 0.0 for m in self.moves}
            for p in self.parties
        }
        self.limit = {p.id: p.exposure_limit for p in s.parties}
        self.discount = {p.id: p.discount for p in s.parties}
        tset = set(self.moves)
        self.requires = {m: tuple(r for r in s.move(m).requires if r not in sq) for m in self.moves}
        self.inner_requires = [(r, m) for m in self.moves for r in self.requires[m] if r in tset]
        self._annuity: dict[float, list[float]] = {}

    def annuity(self, party: str, r: int) -> float:
        """A_p(r): the discounted weight of periods r..H-1 seen from the decision point."""
        d = self.discount[party]
        table = self._annuity.get(d)
        if table is None:
            table = [0.0] * (self.horizon + 1)
            for t in range(self.horizon - 1, -1, -1):
                table[t] = table[t + 1] + d**t
            self._annuity[d] = table
        return table[min(max(r, 0), self.horizon)]

    def party_label(self, party: str) -> str:
        return self.scenario.party(party).label if party in self.parties else party

    def chain(self) -> list[str]:
        """A longest chain of prerequisites inside the target, first move first."""
        best: dict[str, list[str]] = {}

        def longest(m: str) -> list[str]:
            if m not in best:
                inner = [longest(r) for r in self.requires[m] if r in self.by]
                best[m] = [*max(inner, key=len, default=[]), m]
            return best[m]

        return max((longest(m) for m in self.moves), key=len, default=[])


# ---------------------------------------------------------------- checking a sequence
def evaluate(
    inst: Instance, stages: Sequence[frozenset[str]], *, max_stages: int | None = None
) -> tuple[list[Stage], list[Conflict], dict[str, float]]:
    """Stage figures, every broken constraint, and the participation margins (decision point 0)."""
    conflicts: list[Conflict] = []
    position: dict[str, int] = {}
    for k, st in enumerate(stages, start=1):
        for m in sorted(st):
            if m in position:
                conflicts.append(
                    Conflict(
                        "duplicate",
                        inst.by[m],
                        (m,),
                        f"{m} appears in stage {position[m]} and again in stage {k}",
                        k,
                    )
                )
            else:
                position[m] = k
    ends: list[int] = [0]
    starts: list[int] = []
    for st in stages:
        starts.append(ends[-1])
        ends.append(ends[-1] + max((inst.dur[m] for m in st), default=0))
    if max_stages is not None and len(stages) > max_stages:
        conflicts.append(Conflict("max-stages", None, (), f"{len(stages)} stages > at most {max_stages}"))
    cum_exp = {p: 0.0 for p in inst.parties}
    cum_ig = {p: [] for p in inst.parties}  # type: dict[str, list[str]]
    cum_ir = {p: 0.0 for p in inst.parties}
    out: list[Stage] = []
    margins = [_margins(inst, stages, position, ends, k) for k in range(len(stages) + 1)]
    for k, st in enumerate(stages, start=1):
        ms = sorted(st)
        makers = sorted({inst.by[m] for m in ms})
        if len(makers) < 2:
            who = makers[0] if makers else "nobody"
            conflicts.append(
                Conflict(
                    "reciprocity",
                    makers[0] if makers else None,
                    tuple(ms),
                    f"stage {k} has moves by {who} only: a one-sided concession, not a reciprocal step",
                    k,
                )
            )
        given = {p: sum(inst.give[p][m] for m in ms) for p in inst.parties}
        received = {p: sum(inst.recv[p][m] for m in ms) for p in inst.parties}
        exposure: dict[str, float] = {}
        for p in inst.parties:
            need = (1.0 - inst.tolerance) * given[p]
            if received[p] < need - EPS:
                own = [m for m in ms if inst.give[p][m] > 0]
                other = [m for m in ms if inst.by[m] != p]
                conflicts.append(
                    Conflict(
                        "balance",
                        p,
                        tuple(own + other),
                        f"stage {k} is unbalanced for {p}: it gives {given[p]:.1f} ({_names(own)}) and receives "
                        f"{received[p]:.1f} ({_names(other)}), less than {_need(inst.tolerance, given[p])}",
                        k,
                    )
                )
            cum_exp[p] += sum(inst.irr_give[p][m] - inst.irr_recv[p][m] for m in ms)
            cum_ig[p] += sorted(m for m in ms if inst.irr_give[p][m] > 0)
            cum_ir[p] += sum(inst.irr_recv[p][m] for m in ms)
            exposure[p] = max(0.0, cum_exp[p])
            lim = inst.limit[p]
            if lim is not None and exposure[p] > lim + EPS:
                others = ", ".join(q for q in inst.parties if q != p)
                offered = (
                    f"nothing {others} offers by then is"
                    if cum_ir[p] <= EPS
                    else f"what {others} offers irreversibly by then is worth only {cum_ir[p]:.1f} to {p}"
                )
                verb = "is" if len(cum_ig[p]) == 1 else "are"
                conflicts.append(
                    Conflict(
                        "exposure",
                        p,
                        tuple(cum_ig[p]),
                        f"{p} would be exposed {exposure[p]:.1f} > limit {lim:g} at stage {k}: "
                        f"{_names(cum_ig[p])} {verb} irreversible and {offered}",
                        k,
                    )
                )
            for m in ms:
                for r in inst.requires[m]:
                    if position.get(r, 10**9) >= k and p == inst.by[m]:
                        when = (
                            "is in the same stage (it must be complete first)"
                            if position.get(r) == k
                            else f"comes only at stage {position[r]}"
                            if r in position
                            else "is neither in force nor in the roadmap"
                        )
                        conflicts.append(
                            Conflict(
                                "prerequisite", p, (m, r), f"stage {k}: {m} requires {r}, which {when}", k
                            )
                        )
        margin = {p: margins[k][p] for p in inst.parties}
        out.append(
            Stage(
                frozenset(ms),
                _round(given),
                _round(received),
                _round(exposure),
                starts[k - 1],
                ends[k] - ends[k - 1],
                _round(margin),
            )
        )
    for k, mg in enumerate(margins):
        for p in inst.parties:
            if mg[p] < -EPS:
                conflicts.append(_renege_conflict(inst, stages, k, p, mg[p]))
    s = inst.scenario
    for pair in sorted(
        {
            tuple(sorted((m, x)))
            for m in position
            for x in s.move(m).excludes
            if x in position or x in s.status_quo
        }
    ):
        conflicts.append(
            Conflict("exclusion", None, pair, f"{pair[0]} excludes {pair[1]}: they cannot both be in force")
        )
    return out, conflicts, _round(margins[0])


def _margins(
    inst: Instance, stages: Sequence[frozenset[str]], position: dict[str, int], ends: list[int], k: int
) -> dict[str, float]:
    out = {}
    for p in inst.parties:
        total = 0.0
        for m, j in position.items():
            if j > k:
                total += inst.value[p][m] * inst.annuity(p, ends[j] - ends[k])
            elif inst.rev[m]:
                total += inst.value[p][m] * inst.annuity(p, inst.lag[m])
        out[p] = total
    return out


def _renege_conflict(
    inst: Instance, stages: Sequence[frozenset[str]], k: int, p: str, margin: float
) -> Conflict:
    done = [m for st in stages[:k] for m in sorted(st)]
    later = [m for st in stages[k:] for m in sorted(st)]
    own_rev = [m for m in done if inst.by[m] == p and inst.rev[m]]
    lost = [m for m in done if inst.by[m] != p and inst.rev[m]]
    kept = [m for m in done if inst.by[m] != p and not inst.rev[m]]
    h = f"{inst.horizon} {inst.scenario.time.unit}s"
    if k == 0:
        text = (
            f"before stage 1: the whole roadmap is worth {margin:.1f} to {p} (discounted over {h}): "
            f"{p} would rather not start"
        )
    else:
        when = "after the last stage" if k == len(stages) else f"after stage {k}"
        parts = []
        if own_rev:
            parts.append(f"reverse {_names(own_rev)}")
        if kept:
            parts.append(f"keep {_names(kept)}")
        if lost:
            parts.append(f"lose {_names(lost)}")
        if later:
            parts.append(f"forgo {_names(later)}")
        text = (
            f"{when} {p} gains {-margin:.1f} more (discounted over {h}) by reneging than by completing the "
            f"roadmap: it would " + ", ".join(parts)
        )
    return Conflict("self-enforcement", p, tuple(own_rev + kept), text, k if k else 1)


def _names(ms: Sequence[str]) -> str:
    if not ms:
        return "nothing"
    if len(ms) > 4:
        return ", ".join(ms[:3]) + f" and {len(ms) - 3} more"
    return ", ".join(ms[:-1]) + (" and " if len(ms) > 1 else "") + ms[-1]


def _need(t: float, given: float) -> str:
    return f"{given:.1f}" if t == 0 else f"(1 - {t:g}) x {given:.1f} = {(1 - t) * given:.1f}"


def _round(d: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 6) + 0.0 for k, v in d.items()}


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
            "--target", f"'all' is ambiguous: {bad[0]}; name the target moves with --target ID,ID,..."
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
            raise ScenarioError.single("--target", f"unknown move {mid!r}{hint}")
    if not ids:
        raise ScenarioError.single("--target", "empty target; expected move ids, 'all', 'nash' or 'ks'")
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
        try:
            from .deals import analyse_deals
        except ImportError:
            if spec == "auto":
                return target_all(
                    scenario
                ), "every move on the table (the deal-space analysis is not available)"
            raise ScenarioError.single(
                "--target", "the deal-space analysis is not available; use 'all' or ids"
            ) from None
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
    target: Iterable[str] | None = None,
    *,
    tolerance: float = 0.0,
    objective: str = "fewest-stages",
    max_stages: int | None = None,
    time_limit: float = 30.0,
) -> PlanResult:
    """The best roadmap for ``objective``, or the minimal reasons why there is none.

    ``target`` is a set of move ids (``None`` or ``["all"]``: every move on the
    table, see :func:`target_all`). ``status`` is ``optimal`` (proven),
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
    """
    if objective not in OBJECTIVES:
        raise ScenarioError.single(
            "--objective", f"unknown objective {objective!r}; expected one of " + ", ".join(OBJECTIVES)
        )
    if max_stages is not None and max_stages < 1:
        raise ScenarioError.single("--max-stages", f"expected a positive number, found {max_stages}")
    if not (time_limit > 0 and math.isfinite(time_limit)):
        raise ScenarioError.single("time_limit", f"expected a positive number of seconds, found {time_limit}")
    from .roadmap_solver import solve

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
