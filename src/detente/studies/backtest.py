"""The backtest: for every built-in historical case, what the model says beside what happened.

This is a **plausibility check, not a validation**. The scenario values were set from the
sources and written down before any backtest was run, and they are not tuned to it; eight
cases cannot validate a model, and where the model and the record disagree the backtest
shows it rather than hiding it.

For each case the backtest runs every analysis on the scenario as shipped:

- **deal space** (:func:`detente.analysis.deals.analyse_deals`): is there a zone of possible
  agreement (a package every party prefers to its disagreement value), and the Nash package;
- **roadmap** (:func:`detente.analysis.roadmap.plan`, tolerance 0, fewest stages): can the
  target be cut into balanced, reciprocal, self-enforcing stages within every party's exposure
  limit? The target is the Nash package (its moves not yet in force); if no Nash package beats
  the status quo, the Kalai-Smorodinsky package; if neither does, every move on the table
  when that is unambiguous; otherwise there is nothing to plan. Which target was used is
  recorded (``target_source``).
- **strategies** (:func:`detente.simulate.compare.compare`): a matrix of the *pressure party*'s
  strategies (:data:`ROW_STRATEGIES`) against its *counterpart*'s (:data:`COLUMN_STRATEGIES`).
  The pressure party is the United States (``USA``) when it takes part, else the first party;
  the counterpart is the first other party in file order. Every further party (three to six
  parties in libya-2003, iran-jcpoa-2015, six-party-2007) plays :data:`OTHERS_STRATEGY`
  (tit-for-tat: the reciprocal default of the report's comparison), and the output says so.
  From the matrix: the pair with the highest agreement rate (ties: the higher target share,
  then matrix order), and maximum pressure against reciprocity: the pressure party playing
  ``maximum-pressure`` and ``tit-for-tat``, each against a counterpart playing ``tit-for-tat``.
- **stability** (:mod:`detente.analysis.stability`): the GMCR conflict derived from the
  scenario (:func:`~detente.analysis.stability_scenario.conflict_from_scenario`): is the status
  quo an equilibrium, and is the Nash package's state one; plus the case's conflict file
  (``<case>-conflict``) where one is shipped.

No analysis reads a scenario's ``outcome`` block; the backtest only prints it beside the
answers. The comparison with history uses the hand-written table
:data:`detente.studies.history.HISTORY` and three checks
(:func:`detente.studies.history.compare_with_history`):

- ``deal``: a ZOPA exists <-> an agreement was reached;
- ``steps``: a self-enforcing roadmap exists <-> the agreement was at least partly implemented;
- ``lasted``: a self-enforcing roadmap exists <-> the agreement was carried out and not reversed
  (only for cases where an agreement was reached).

Examples
--------
>>> from detente.studies.history import HISTORY
>>> [c.mark for c in compare_with_history(True, True, HISTORY["libya-2003"])]
['agree', 'agree', 'agree']
>>> [c.mark for c in compare_with_history(True, True, HISTORY["hanoi-2019"])]
['disagree', 'disagree', 'n/a']
>>> overall(compare_with_history(True, False, HISTORY["korea-2019"]))
'mixed'
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.analysis.deals import analyse_deals
from detente.analysis.roadmap import plan, target_all
from detente.analysis.stability import analyse
from detente.analysis.stability_scenario import conflict_from_scenario
from detente.model.conflict import load_conflict
from detente.model.errors import ScenarioError
from detente.model.scenario import Scenario
from detente.model.tabular import Table, Tabular
from detente.scenarios import builtin_names, builtin_path, load_builtin
from detente.simulate.compare import compare

from .history import HISTORY, Check, Verdict, compare_with_history, overall

if TYPE_CHECKING:
    from detente.analysis.deals import DealSpace
    from detente.analysis.roadmap import PlanResult
    from detente.simulate.backends import Backend

__all__ = [
    "COLUMN_STRATEGIES",
    "DEFAULT_RUNS",
    "OTHERS_STRATEGY",
    "PLAN_TIME_LIMIT",
    "ROW_STRATEGIES",
    "Backtest",
    "CaseResult",
    "Check",
    "backtest",
    "backtest_case",
    "case_names",
    "choose_target",
    "compare_with_history",
    "main_pair",
    "overall",
    "summarise_deals",
    "summarise_roadmap",
    "summarise_stability",
    "summarise_strategies",
]

ROW_STRATEGIES: tuple[str, ...] = ("maximum-pressure", "big-deal", "step-by-step", "tit-for-tat", "grit")
"""The pressure party's strategies: the op-ed's "all up front" and "big deal" against reciprocity."""
COLUMN_STRATEGIES: tuple[str, ...] = ("maximum-pressure", "big-deal", "tit-for-tat", "grit")
"""The counterpart's strategies (step-by-step is left out of this side to keep the default run short)."""
OTHERS_STRATEGY = "tit-for-tat"
"""What every party beyond the main pair plays."""
PRESSURE, RECIPROCITY = "maximum-pressure", "tit-for-tat"
DEFAULT_RUNS = 20
PLAN_TIME_LIMIT = 60.0
"""Seconds the roadmap solver may spend on one case (it reports ``unknown`` if it runs out)."""

Progress = Callable[[int, int, str], None]
"""Called as ``progress(done, total, what)``."""


# --------------------------------------------------------------------------- cases
def case_names() -> list[str]:
    """The built-in scenarios that have a historical verdict, in the order of the history table.

    >>> case_names()[:2]
    ['agreed-framework-1994', 'libya-2003']
    """

    shipped = set(builtin_names("scenario"))
    return [c for c in HISTORY if c in shipped]


def main_pair(scenario: Scenario) -> tuple[str, str]:
    """(pressure party, counterpart): the case file's ``analysis.pressure_party``, else the first
    party listed; then the first other party.

    >>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X",
    ...     "parties": [{"id": "LBY"}, {"id": "USA"}, {"id": "GBR"}],
    ...     "analysis": {"pressure_party": "USA"}})
    >>> main_pair(s), main_pair(s.replace(analysis=s.analysis.model_copy(update={"pressure_party": None})))
    (('USA', 'LBY'), ('LBY', 'USA'))
    """
    ids = scenario.party_ids
    if len(ids) < 2:
        raise ScenarioError.single(scenario.id, "a backtest needs a scenario with at least two parties")
    declared = scenario.analysis.pressure_party
    if declared is not None and declared not in ids:
        raise ScenarioError.single(scenario.id, f"analysis.pressure_party: no party {declared!r}")
    row = declared if declared is not None else ids[0]
    column = next(p for p in ids if p != row)
    return row, column


# --------------------------------------------------------------------------- deals and roadmap
def summarise_deals(ds: DealSpace) -> dict[str, Any]:
    """The deal-space answers the backtest reports (ZOPA, sizes, the Nash package)."""
    nash = ds.solutions.get("nash")
    return {
        "has_agreement": ds.has_agreement,
        "zopa_size": len(ds.zopa),
        "frontier_size": len(ds.frontier),
        "packages_feasible": ds.packages_feasible,
        "message": ds.message,
        "zopa_gain_range": {p: [round(a, 6), round(b, 6)] for p, (a, b) in ds.zopa_range().items()},
        "nash": None if nash is None else nash.as_dict() | {"hull": None},
    }


def choose_target(scenario: Scenario, ds: DealSpace) -> tuple[frozenset[str] | None, str]:
    """The roadmap target and where it comes from: ``nash``, ``kalai_smorodinsky``, ``all`` or ``none``.

    Moves already in force are not part of a target. ``None`` means there is nothing to plan.
    """

    sq = scenario.status_quo
    for name in ("nash", "kalai_smorodinsky"):
        sol = ds.solutions.get(name)
        if sol is not None and sol.agreement and sol.moves - sq:
            return frozenset(sol.moves - sq), name
    try:
        everything = target_all(scenario)
    except ScenarioError:
        return None, "none"
    return (everything, "all") if everything else (None, "none")


def summarise_roadmap(result: PlanResult | None, target_source: str) -> dict[str, Any]:
    """The roadmap answers: feasible (``None`` if unknown or nothing to plan), stages, conflicts."""
    if result is None:
        return {
            "target_source": target_source,
            "target": [],
            "feasible": None,
            "status": "no-target",
            "stages": [],
            "duration": 0,
            "conflicts": [],
        }
    feasible: bool | None = (
        result.feasible if result.status in ("optimal", "feasible", "infeasible") else None
    )
    return {
        "target_source": target_source,
        "target": sorted(result.target),
        "feasible": feasible,
        "status": result.status,
        "stages": [sorted(st.moves) for st in result.stages],
        "duration": result.duration,
        "conflicts": [
            {"kind": c.kind, "party": c.party, "moves": sorted(c.moves), "text": c.text}
            for c in result.conflicts
        ],
    }


# --------------------------------------------------------------------------- strategies
def _cell_summary(cell: dict[str, Any]) -> dict[str, Any]:
    o = cell["outcomes"]
    return {
        "agreement_rate": o["agreement_rate"]["mean"],
        "agreement_ci": o["agreement_rate"]["ci"],
        "target_share": o["target_share"]["mean"],
    }


def summarise_strategies(doc: dict[str, Any], pressure_party: str) -> dict[str, Any]:
    """Best pair and maximum pressure against reciprocity, from a ``compare`` document.

    ``doc`` is :meth:`detente.simulate.compare.Comparison.as_json`; its matrix may have the
    pressure party in the rows or in the columns. Pairs are reported as (pressure party's
    strategy, counterpart's strategy).

    >>> cell = lambda a, s: {"outcomes": {"agreement_rate": {"mean": a, "ci": [a, a]},
    ...                                   "target_share": {"mean": s, "ci": [s, s]}}}
    >>> doc = {"row_party": "A", "column_party": "B", "runs": 2, "seed": 0, "fixed": {},
    ...        "rows": ["maximum-pressure", "tit-for-tat"], "columns": ["tit-for-tat"],
    ...        "cells": [{"row": "maximum-pressure", "column": "tit-for-tat", **cell(0.0, 0.0)},
    ...                  {"row": "tit-for-tat", "column": "tit-for-tat", **cell(1.0, 0.5)}]}
    >>> r = summarise_strategies(doc, "A")
    >>> r["best"]["pair"], r["pressure"]["agreement_rate"], r["reciprocity"]["agreement_rate"]
    (['tit-for-tat', 'tit-for-tat'], 0.0, 1.0)
    """
    if pressure_party == doc["row_party"]:
        counterpart, flip = doc["column_party"], False
    elif pressure_party == doc["column_party"]:
        counterpart, flip = doc["row_party"], True
    else:
        raise ScenarioError.single("strategies", f"{pressure_party} is not a party of the comparison")
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for c in doc["cells"]:
        pair = (c["column"], c["row"]) if flip else (c["row"], c["column"])
        cells[pair] = _cell_summary(c)
    mine = doc["columns"] if flip else doc["rows"]
    theirs = doc["rows"] if flip else doc["columns"]
    order = [(a, b) for a in mine for b in theirs if (a, b) in cells]
    best = max(order, key=lambda ab: (cells[ab]["agreement_rate"], cells[ab]["target_share"]), default=None)
    # max() keeps the first maximal element, so ties go to matrix order.

    def entry(pair: tuple[str, str]) -> dict[str, Any] | None:
        return None if pair not in cells else {"pair": list(pair), **cells[pair]}

    return {
        "pressure_party": pressure_party,
        "counterpart": counterpart,
        "others": dict(doc.get("fixed", {})),
        "runs": doc["runs"],
        "seed": doc["seed"],
        "pressure_strategies": list(mine),
        "counterpart_strategies": list(theirs),
        "agreement_rate": [[cells[(a, b)]["agreement_rate"] for b in theirs] for a in mine],
        "target_share": [[cells[(a, b)]["target_share"] for b in theirs] for a in mine],
        "best": None if best is None else entry(best),
        "pressure": entry((PRESSURE, RECIPROCITY)),
        "reciprocity": entry((RECIPROCITY, RECIPROCITY)),
    }


def strategy_matrix(
    scenario: Scenario,
    *,
    runs: int = DEFAULT_RUNS,
    seed: int = 0,
    rows: Sequence[str] = ROW_STRATEGIES,
    columns: Sequence[str] = COLUMN_STRATEGIES,
    backend: Backend | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """The backtest's comparison document for one scenario (see the module docstring)."""

    row, column = main_pair(scenario)
    fixed = {p: OTHERS_STRATEGY for p in scenario.party_ids if p not in (row, column)}
    result = compare(
        scenario,
        list(rows),
        column_strategies=list(columns),
        parties=(row, column),
        fixed=fixed,
        runs=runs,
        seed=seed,
        backend=backend,
        progress=progress,
    )
    return result.as_json()


# --------------------------------------------------------------------------- stability
def _equilibrium(result: Any, state: int) -> dict[str, bool]:
    return {k: bool(result.equilibrium(k)[state]) for k in result.concepts}


def summarise_stability(scenario: Scenario, ds: DealSpace | None = None) -> dict[str, Any]:
    """GMCR answers: the scenario-derived conflict (status quo, Nash package) and the conflict file."""

    sc = conflict_from_scenario(scenario)
    c = sc.conflict
    r = analyse(c)
    assert c.status_quo is not None  # a scenario-derived conflict always has one
    derived: dict[str, Any] = {
        "options": len(c.options),
        "left_out": list(sc.left_out),
        "status_quo": c.pattern(c.status_quo),
        "status_quo_equilibrium": _equilibrium(r, c.status_quo),
        "equilibria": {k: len(r.equilibrium_states(k)) for k in r.concepts},
        "nash_package": None,
    }
    nash = None if ds is None else ds.solutions.get("nash")
    if nash is not None and nash.agreement:
        chosen = set(sc.chosen)
        outside = sorted(m for m in nash.moves - scenario.status_quo if m not in chosen)
        if not outside:
            state = sum(1 << k for k, mid in enumerate(sc.chosen) if mid in nash.moves)
            derived["nash_package"] = {
                "pattern": c.pattern(state),
                "feasible": bool(c.feasible[state]),
                "equilibrium": _equilibrium(r, state),
            }
        else:
            derived["nash_package"] = {"pattern": None, "not_represented": outside}
    out: dict[str, Any] = {"scenario": derived, "conflict_file": None}
    name = f"{scenario.id}-conflict"
    if name in builtin_names("conflict"):
        cf = load_conflict(builtin_path(name))
        rf = analyse(cf)
        out["conflict_file"] = {
            "name": name,
            "status_quo": None if cf.status_quo is None else cf.pattern(cf.status_quo),
            "status_quo_equilibrium": None if cf.status_quo is None else _equilibrium(rf, cf.status_quo),
            "equilibria": {
                k: [{"pattern": cf.pattern(s), "taken": cf.taken(s)} for s in rf.equilibrium_states(k)]
                for k in rf.concepts
            },
        }
    return out


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class CaseResult:
    """What the model says about one case, what happened, and how they compare."""

    case: str
    title: str
    parties: tuple[str, ...]
    deals: dict[str, Any]
    roadmap: dict[str, Any]
    strategies: dict[str, Any]
    stability: dict[str, Any]
    history: Verdict | None
    outcome: dict[str, Any] | None
    """The scenario's outcome block, printed beside the answers (never read by an analysis)."""
    checks: tuple[Check, ...] = ()

    @property
    def verdict(self) -> str:
        return overall(self.checks) if self.history is not None else "no record"

    def model(self) -> dict[str, Any]:
        """Every analysis answer (what must not change when the outcome block changes)."""
        return {
            "deals": self.deals,
            "roadmap": self.roadmap,
            "strategies": self.strategies,
            "stability": self.stability,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "title": self.title,
            "parties": list(self.parties),
            **self.model(),
            "history": None if self.history is None else self.history.as_dict(),
            "outcome": self.outcome,
            "checks": [c.as_dict() for c in self.checks],
            "verdict": self.verdict,
        }


def _outcome_doc(scenario: Scenario) -> dict[str, Any] | None:
    o = scenario.outcome
    if o is None:
        return None
    return {
        "summary": o.summary,
        "timeline": [
            {"date": str(e.date), "text": e.text, "source": e.source, "verified": e.verified}
            for e in o.timeline
        ],
    }


def assemble(
    scenario: Scenario,
    deals: dict[str, Any],
    roadmap: dict[str, Any],
    strategies: dict[str, Any],
    stability: dict[str, Any],
) -> CaseResult:
    """A :class:`CaseResult` from the four summaries, with the history checks."""
    v = HISTORY.get(scenario.id)
    checks = () if v is None else tuple(compare_with_history(deals["has_agreement"], roadmap["feasible"], v))
    return CaseResult(
        scenario.id,
        scenario.title,
        scenario.party_ids,
        deals,
        roadmap,
        strategies,
        stability,
        v,
        _outcome_doc(scenario),
        checks,
    )


def backtest_case(
    scenario: Scenario,
    *,
    runs: int = DEFAULT_RUNS,
    seed: int = 0,
    backend: Backend | None = None,
    progress: Progress | None = None,
    plan_time_limit: float = PLAN_TIME_LIMIT,
    rows: Sequence[str] = ROW_STRATEGIES,
    columns: Sequence[str] = COLUMN_STRATEGIES,
) -> CaseResult:
    """Run every analysis on one scenario and compare with its historical verdict (if any).

    ``progress`` counts one unit for each of deals, roadmap and stability and one per
    simulated replicate (``len(rows) * len(columns) * runs``).
    """

    if runs < 1:
        raise ScenarioError.single("runs", f"expected at least 1 run, found {runs}")
    main_pair(scenario)  # fails early, with a clear message, for a one-party scenario
    sims = len(rows) * len(columns) * runs
    total = 3 + sims
    step = [0]

    def tick(what: str, n: int = 1) -> None:
        step[0] += n
        if progress is not None:
            progress(step[0], total, what)

    ds = analyse_deals(scenario)
    tick(f"{scenario.id}: deals")
    target, source = choose_target(scenario, ds)
    planned = None if target is None else plan(scenario, sorted(target), time_limit=plan_time_limit)
    tick(f"{scenario.id}: roadmap")
    stability = summarise_stability(scenario, ds)
    tick(f"{scenario.id}: stability")
    base = step[0]

    def sim_progress(done: int, _total: int) -> None:
        step[0] = base + done
        if progress is not None:
            progress(step[0], total, f"{scenario.id}: strategies")

    doc = strategy_matrix(
        scenario, runs=runs, seed=seed, rows=rows, columns=columns, backend=backend, progress=sim_progress
    )
    row, _ = main_pair(scenario)
    return assemble(
        scenario,
        summarise_deals(ds),
        summarise_roadmap(planned, source),
        summarise_strategies(doc, row),
        stability,
    )


@dataclass(frozen=True)
class Backtest(Tabular):
    """The backtest of several cases with the settings that reproduce it."""

    runs: int
    seed: int
    cases: tuple[CaseResult, ...]
    rows: tuple[str, ...] = ROW_STRATEGIES
    columns: tuple[str, ...] = COLUMN_STRATEGIES
    notes: tuple[str, ...] = field(default=())

    def tally(self) -> dict[str, int]:
        """How many cases agree, disagree or are mixed."""
        out: dict[str, int] = {}
        for c in self.cases:
            out[c.verdict] = out.get(c.verdict, 0) + 1
        return out

    def _table(self) -> Table:
        """One row per case: what the model says, what happened, and the verdict."""
        cols: dict[str, list[Any]] = {
            "case": [c.case for c in self.cases],
            "title": [c.title for c in self.cases],
            "has_agreement": [c.deals.get("has_agreement") for c in self.cases],
            "roadmap": [c.roadmap.get("status") for c in self.cases],
            "implemented": [None if c.history is None else c.history.implemented for c in self.cases],
            "checks": ["; ".join(f"{k.name}: {k.mark}" for k in c.checks) for c in self.cases],
            "verdict": [c.verdict for c in self.cases],
        }
        return Table(cols, f"Backtest of {len(self.cases)} cases ({self.runs} runs, seed {self.seed})")

    def as_dict(self) -> dict[str, Any]:
        """The ``detente backtest --json`` document."""
        return {
            "runs": self.runs,
            "seed": self.seed,
            "pressure_strategies": list(self.rows),
            "counterpart_strategies": list(self.columns),
            "others_strategy": OTHERS_STRATEGY,
            "notes": list(self.notes),
            "tally": self.tally(),
            "cases": [c.as_dict() for c in self.cases],
        }


NOTES: tuple[str, ...] = (
    "A plausibility check, not a validation: the scenario values were set from the sources before "
    "any backtest was run and were not tuned to it; eight cases cannot validate a model.",
    "What happened is the analyst's reading of each outcome block (detente.studies.history); "
    "no analysis reads the outcome block.",
    "Roadmap target: the Nash package's moves not yet in force (fallbacks: Kalai-Smorodinsky, "
    "every move on the table); tolerance 0.",
    "Strategies: the US (else the first party) against the first other party; every further "
    f"party plays {OTHERS_STRATEGY}. Maximum pressure vs reciprocity: the US playing "
    f"{PRESSURE} or {RECIPROCITY} against a counterpart playing {RECIPROCITY}.",
)


def backtest(
    cases: Sequence[str] | None = None,
    *,
    runs: int = DEFAULT_RUNS,
    seed: int = 0,
    backend: Backend | None = None,
    progress: Progress | None = None,
    plan_time_limit: float = PLAN_TIME_LIMIT,
) -> Backtest:
    """Backtest built-in cases (default: every case with a historical verdict), in order.

    ``progress(done, total, what)`` counts the units of :func:`backtest_case` over all cases.

    Examples
    --------
    >>> bt = backtest(["leap-day-2012"], runs=1, seed=3)
    >>> case = bt.cases[0]
    >>> case.deals["has_agreement"], case.roadmap["target_source"], case.history.implemented
    (True, 'nash', 'no')
    """

    names = list(cases) if cases is not None else case_names()
    known = builtin_names("scenario")
    bad = [n for n in names if n not in known]
    if bad:
        hints = []
        for n in bad:
            close = difflib.get_close_matches(n, known, n=1)
            hints.append(f"{n!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise ScenarioError.single(
            "cases", f"unknown case {', '.join(hints)}; built-in cases: {', '.join(case_names())}"
        )
    if not names:
        raise ScenarioError.single("cases", "expected at least one case")
    if runs < 1:
        raise ScenarioError.single("runs", f"expected at least 1 run, found {runs}")
    if seed < 0:
        raise ScenarioError.single("seed", f"expected a non-negative integer, found {seed}")
    scenarios = [load_builtin(n) for n in names]
    per_case = [3 + len(ROW_STRATEGIES) * len(COLUMN_STRATEGIES) * runs for _ in scenarios]
    total = int(np.sum(per_case))
    offset = [0]
    results = []
    for s, units in zip(scenarios, per_case, strict=True):

        def forward(done: int, _total: int, what: str) -> None:
            if progress is not None:
                progress(offset[0] + done, total, what)

        results.append(
            backtest_case(
                s, runs=runs, seed=seed, backend=backend, progress=forward, plan_time_limit=plan_time_limit
            )
        )
        offset[0] += units
    return Backtest(runs, seed, tuple(results), notes=NOTES)
