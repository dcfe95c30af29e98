"""The roadmap problem: its instance, its result types and the exact checker of a sequence.

The definitions themselves (given, received, balance, exposure, self-enforcement) are
stated in :mod:`detente.analysis.roadmap`; this module implements them in
:func:`evaluate`, which the solver (:mod:`detente.analysis.roadmap_solver`), the
explainer (:mod:`detente.analysis.roadmap_explain`) and :func:`detente.analysis.roadmap.check`
share. It imports nothing of the planner, so those modules import it and not each other
in a circle.

Examples
--------
>>> from detente.model.scenario import Scenario
>>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
...     "parties": [{"id": "A"}, {"id": "B"}],
...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"A": -1, "B": 2}},
...               {"id": "b1", "by": "B", "title": "b1", "value": {"A": 2, "B": -1}}]})
>>> stages, conflicts, _ = evaluate(Instance(s, ["a1", "b1"]), [frozenset({"a1", "b1"})])
>>> stages[0].given, [c.kind for c in conflicts]
({'A': 1.0, 'B': 1.0}, [])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from detente.model.errors import ScenarioError
from detente.model.order import content_order
from detente.model.scenario import Scenario
from detente.model.tabular import Table, Tabular

from .discounting import found_out

__all__ = ["EPS", "OBJECTIVES", "Conflict", "Instance", "PlanResult", "Stage", "evaluate"]

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
                    ("moves", sorted(st.moves)),
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
            raise ScenarioError.single("tolerance", f"expected 0 <= T <= 1, found {tolerance:g}")
        self.scenario = scenario
        self.tolerance = float(tolerance)
        sq = scenario.status_quo
        # in the content order (detente.model.order), not by id: the solver's variables, and so
        # its choice between equally good roadmaps, and every sum follow it, so renaming moves or
        # parties changes no number of a plan
        todo = set(target) - sq
        self.moves: tuple[str, ...] = tuple(m for m in content_order(scenario) if m in todo)
        self.rank = {m: i for i, m in enumerate(self.moves)}
        self.parties: tuple[str, ...] = scenario.party_ids
        self.horizon = scenario.time.horizon
        s = scenario
        self.by = {m: s.move(m).by for m in self.moves}
        self.dur = {m: s.move(m).duration for m in self.moves}
        self.lag = {m: s.move(m).reversal_lag for m in self.moves}
        self.irreversible = {m: not s.move(m).reversible for m in self.moves}
        self.verification = {m: float(s.move(m).verification) for m in self.moves}
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

    def ordered(self, moves: Iterable[str]) -> list[str]:
        """``moves`` of the target in the content order (unknown ids last, by id)."""
        rank, n = self.rank, len(self.rank)
        return sorted(moves, key=lambda m: (rank.get(m, n), m))

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

    def found_out(self, party: str, start: int, q: float, after: int = 0) -> float:
        """:func:`~detente.analysis.discounting.found_out` for ``party``, inside the horizon."""
        return found_out(self.discount[party], start, q, after=after, window=self.horizon)

    def covert_classes(self, party: str) -> list[float]:
        """The verification levels below 1 of ``party``'s own moves that a breakdown reverses, highest first."""
        qs = {self.verification[m] for m in self.moves if self.by[m] == party and self.rev[m]}
        return sorted((q for q in qs if q < 1.0), reverse=True)

    def covert_later(self, party: str, m: str, q: float, r: int) -> float:
        """What a later move ``m``, due ``r`` periods on, weighs in ``party``'s covert-breach margin (see ``evaluate``)."""
        v = self.value[party][m]
        seen_by = 1.0 - (1.0 - q) ** (r + 1)  # found out before m comes into force
        total = v * self.annuity(party, r) * seen_by
        if self.rev[m]:
            total += v * self.found_out(party, self.lag[m], q, after=r + 1)
        return total

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
        for m in inst.ordered(st):
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
    covert = [_covert(inst, position, ends, k) for k in range(len(stages) + 1)]
    for k, st in enumerate(stages, start=1):
        ms = inst.ordered(st)  # the content order: the sums below are the same under any names
        makers = [p for p in inst.parties if any(inst.by[m] == p for m in ms)]
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
        margin = {p: min([margins[k][p], *(c for c, _ in covert[k][p][:1])]) for p in inst.parties}
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
            elif covert[k][p] and covert[k][p][0][0] < -EPS:
                conflicts.append(_covert_conflict(inst, stages, k, p, *covert[k][p][0]))
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


def _covert(
    inst: Instance, position: dict[str, int], ends: list[int], k: int
) -> dict[str, list[tuple[float, str]]]:
    """Each party's covert-breach margins after stage ``k``, lowest first, with the move reversed.

    After stage ``k >= 1`` party ``p`` may secretly reverse one of its own reversible moves in
    force, ``b``, whose ``verification`` ``q`` is below 1, and keep up the roadmap as cover until
    found out, in period ``T`` after the breach with probability ``q (1 - q)**T``. A later move
    due ``r`` periods on comes into force only if ``T > r``; once found out, every reversible
    move in force is reversed from its lag after ``T``. The margin (completing minus the covert
    breach, in ``p``'s discounted values inside the window) is

    ``v_b A(lag_b) + sum_{done reversible m != b} v_m F(lag_m)
    + sum_{later m} [v_m A(r_m) (1 - (1 - q)**(r_m + 1)) + [m reversible] v_m F(lag_m, after=r_m + 1)]``

    with ``F`` :func:`~detente.analysis.discounting.found_out` (``q``, the window). With
    ``q = 1`` it is the open margin of :func:`_margins`: a breach seen at once.
    """
    out: dict[str, list[tuple[float, str]]] = {p: [] for p in inst.parties}
    if k == 0:
        return out
    done = [m for m in inst.moves if position.get(m, 10**9) <= k]
    later = [(m, ends[j] - ends[k]) for m in inst.moves if (j := position.get(m, 0)) > k]
    for p in inst.parties:
        own = [m for m in done if inst.by[m] == p and inst.rev[m] and inst.verification[m] < 1.0]
        for q in sorted({inst.verification[m] for m in own}, reverse=True):
            rest = sum(inst.value[p][m] * inst.found_out(p, inst.lag[m], q) for m in done if inst.rev[m])
            rest += sum(inst.covert_later(p, m, q, r) for m, r in later)
            for b in (m for m in own if inst.verification[m] == q):
                v = inst.value[p][b]
                gap = inst.annuity(p, inst.lag[b]) - inst.found_out(p, inst.lag[b], q)
                out[p].append((rest + v * gap, b))
        out[p].sort(key=lambda cb: (cb[0], inst.rank[cb[1]]))
    return out


def _covert_conflict(
    inst: Instance, stages: Sequence[frozenset[str]], k: int, p: str, margin: float, b: str
) -> Conflict:
    later = [m for st in stages[k:] for m in sorted(st)]
    when = "after the last stage" if k == len(stages) else f"after stage {k}"
    h = f"{inst.horizon} {inst.scenario.time.unit}s"
    q = inst.verification[b]
    text = (
        f"{when} {p} gains {-margin:.1f} more (discounted over {h}) by secretly reversing {b} than by "
        f"completing the roadmap: {b} has verification {q:g} (found out with chance {q:g} each "
        f"{inst.scenario.time.unit}), and until then {p} keeps what it receives"
        + (f" and forgoes only part of {_names(later)}" if later else "")
    )
    return Conflict("self-enforcement", p, (b,), text, k)


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
