"""Report section: for a built-in historical case, what the model says beside what happened.

Only for scenarios whose id has a verdict in :data:`detente.studies.history.HISTORY` (the
built-in cases); any other scenario skips the section. It reuses what the other sections
computed: the deal space (``deals``), a roadmap for the backtest's target (Nash package)
if one is stored, and the report's strategy comparison (``simulate``), so it adds no
simulation of its own to ``detente run``. The comparison with history is
:func:`detente.studies.backtest.compare_with_history`. A plausibility check, not a
validation (docs/backtest.md). Option (``inputs.options["backtest"]``): ``time_limit``
(seconds for the roadmap solver when no stored roadmap fits).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from detente.analysis.roadmap import PlanResult, plan
from detente.studies import backtest as bt
from detente.studies.backtest import CaseResult
from detente.studies.history import HISTORY

from ..html import Raw, esc, table
from ..section import Body, Skip
from .deals import deal_space
from .simulate import comparison_doc

if TYPE_CHECKING:
    from detente.analysis.roadmap import PlanResult
    from detente.studies.backtest import CaseResult

    from ..section import Body, ReportInputs

__all__ = ["DEFINITION", "KEY", "ORDER", "TITLE", "case_result", "render"]

KEY = "backtest"
TITLE = "Backtest: the model beside the record"
ORDER = 60
DEFINITION = (
    "What the model says beside what happened in these talks: a plausibility check, not a validation."
)

MARK = {"agree": "✓ agree", "disagree": "✗ disagree", "n/a": "– n/a"}


def _stored_plan(inputs: ReportInputs, target: frozenset[str]) -> PlanResult | None:
    """A roadmap another section already planned for this exact target at tolerance 0, if any."""

    def candidates(value: Any, depth: int = 0) -> list[Any]:
        if isinstance(value, PlanResult):
            return [value]
        if isinstance(value, dict) and depth < 3:
            return [r for v in value.values() for r in candidates(v, depth + 1)]
        return []

    for r in candidates(dict(inputs.results)):
        if r.objective == "fewest-stages" and r.tolerance == 0.0 and r.target == target:
            return r
    return None


def case_result(inputs: ReportInputs) -> CaseResult:
    """The backtest of the report's scenario, built from the report's own results where possible."""

    s = inputs.scenario
    if s.id not in HISTORY:
        raise Skip(
            "not included: the backtest covers the built-in historical cases "
            f"({', '.join(HISTORY)}); this scenario has no historical record"
        )

    def compute() -> CaseResult:
        ds = deal_space(inputs)
        target, source = bt.choose_target(s, ds)
        planned = None
        if target is not None:
            planned = _stored_plan(inputs, target)
            if planned is None:
                limit = float(inputs.option(KEY, "time_limit", bt.PLAN_TIME_LIMIT))
                planned = plan(s, sorted(target), time_limit=limit)
        pressure, counterpart = bt.main_pair(s)
        doc = comparison_doc(inputs)
        if {pressure, counterpart} != {doc["row_party"], doc["column_party"]}:
            doc = bt.strategy_matrix(s, runs=10 if inputs.quick else 20, seed=inputs.seed)
        return bt.assemble(
            s,
            bt.summarise_deals(ds),
            bt.summarise_roadmap(planned, source),
            bt.summarise_strategies(doc, pressure),
            bt.summarise_stability(s, ds),
        )

    return inputs.result(KEY, compute, accept=lambda v: isinstance(v, CaseResult))


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def _pair(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "—"
    a, b = entry["pair"]
    return f"{a} / {b}: agreement {_pct(entry['agreement_rate'])}, target share {_pct(entry['target_share'])}"


def render(inputs: ReportInputs) -> Body:

    r = case_result(inputs)
    assert r.history is not None  # case_result skips scenarios without a record
    st, road = r.strategies, r.roadmap
    parts = [
        '<p class="note">A plausibility check, not a validation: the scenario values were set from '
        "the sources before any backtest was run and were not tuned to it. What happened is the "
        "analyst's reading of the record (<code>detente.studies.history</code>); no analysis reads the "
        "scenario's outcome block. <code>detente backtest</code> runs every case together "
        "(docs/backtest.md).</p>",
    ]
    rows = [[c.name, c.model, c.history, Raw(f"<b>{esc(MARK[c.mark])}</b>")] for c in r.checks]
    parts.append(table(["check", "the model says", "what happened", "mark"], rows))
    parts.append(
        f"<p>Overall: <b>{esc(r.verdict)}</b>. History read as: {esc(r.history.label())}. "
        f"{esc(r.history.reading)}</p>"
    )
    target = {
        "nash": "the Nash package",
        "kalai_smorodinsky": "the Kalai–Smorodinsky package",
        "all": "every move on the table",
        "none": "nothing (no package beats the status quo)",
    }
    unit = inputs.scenario.time.unit
    if road["status"] == "no-target":
        road_text = "no roadmap was planned"
    elif road["feasible"]:
        road_text = f"self-enforcing, {len(road['stages'])} stage(s) over {road['duration']} {unit}(s)"
    elif road["feasible"] is None:
        road_text = f"unknown (solver status {road['status']})"
    else:
        why = "; ".join(c["text"] for c in road["conflicts"][:2])
        road_text = "no self-enforcing roadmap" + (f": {why}" if why else "")
    others = ", ".join(f"{p} plays {v}" for p, v in st["others"].items())
    items = [
        f"Deal space: {r.deals['message']}",
        f"Roadmap for {target[road['target_source']]}: {road_text.rstrip('.')}.",
        f"Strategies ({st['pressure_party']} / {st['counterpart']}, {st['runs']} runs per pairing, "
        f"seed {st['seed']}{'; ' + others if others else ''}): best pair {_pair(st['best'])}; "
        f"maximum pressure {_pair(st['pressure'])}; reciprocity {_pair(st['reciprocity'])}.",
    ]
    eq = r.stability["scenario"]["status_quo_equilibrium"]
    stable = [k.upper() for k, v in eq.items() if v]
    items.append(
        "GMCR (conflict derived from the scenario): the status quo is "
        + (
            f"an equilibrium under {', '.join(stable)}."
            if stable
            else "not an equilibrium under any concept."
        )
    )
    parts.append("<ul>" + "".join(f"<li>{esc(x)}</li>" for x in items) + "</ul>")
    if r.outcome is not None:
        parts.append("<details><summary>What happened (the scenario's outcome block)</summary>")
        parts.append(f"<p>{esc(r.outcome['summary'])}</p>")
        timeline = [
            [e["date"], e["text"], e["source"], "yes" if e["verified"] else "no (from memory)"]
            for e in r.outcome["timeline"]
        ]
        if timeline:
            parts.append(table(["date", "event", "source", "verified"], timeline))
        parts.append("</details>")
    params = {"target": road["target_source"], "runs": st["runs"], "seed": st["seed"]}
    return Body("\n".join(parts), [], params)
