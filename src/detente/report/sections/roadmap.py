"""Report section: the roadmap (stages, what each party gives and receives, exposure against limits).

Uses the :class:`~detente.analysis.roadmap.PlanResult` that ``detente run`` stored
(``results["roadmap"]``) or plans one. Options (``inputs.options["roadmap"]``):
``target`` (move ids; default: the moves of the Nash bargaining package, else the planner's default), ``tolerance`` (default 0),
``objective`` (default: the planner's), ``time_limit`` (seconds).
The stage chart is :mod:`detente.report.stage_chart`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..html import Raw, esc, table

if TYPE_CHECKING:
    from detente.analysis.roadmap import PlanResult

    from ..core import Body, ReportInputs

__all__ = ["KEY", "ORDER", "TITLE", "plan_result", "render"]

KEY = "roadmap"
TITLE = "Roadmap"
ORDER = 30

TIME_LIMIT, TIME_LIMIT_QUICK = 20.0, 8.0


def plan_result(inputs: ReportInputs) -> PlanResult:
    """The stored roadmap, or a fresh plan with this section's options."""
    from detente.analysis.roadmap import PlanResult, plan

    def compute() -> PlanResult:
        kwargs: dict[str, Any] = {
            "tolerance": float(inputs.option(KEY, "tolerance", 0.0)),
            "time_limit": float(
                inputs.option(KEY, "time_limit", TIME_LIMIT_QUICK if inputs.quick else TIME_LIMIT)
            ),
        }
        objective = inputs.option(KEY, "objective", None)
        if objective:
            kwargs["objective"] = objective
        return plan(inputs.scenario, _target(inputs), **kwargs)

    return inputs.result(KEY, compute, accept=lambda v: isinstance(v, PlanResult))


def _target(inputs: ReportInputs) -> list[str] | None:
    """The target: the option, else the Nash bargaining package (its moves beyond the status quo)."""
    target = inputs.option(KEY, "target", None)
    if target:
        return list(target)
    try:
        from .deals import deal_space

        nash = deal_space(inputs).solutions.get("nash")
    except ImportError:
        return None
    if nash is None or not nash.agreement:
        return None
    return sorted(nash.moves - inputs.scenario.status_quo) or None


def _chart(result: PlanResult, inputs: ReportInputs) -> list[Any]:
    import importlib

    from ..figures import Figure

    try:
        stage_chart = importlib.import_module("detente.report.stage_chart")  # the roadmap's own chart
    except ImportError:
        return []
    fig = stage_chart.stage_chart(inputs.scenario, result)
    if isinstance(fig, Figure):
        return [fig]
    return [
        Figure("roadmap-stages", "Roadmap: stages, value given and received, exposure against limits", fig)
    ]


def render(inputs: ReportInputs) -> Body:
    from ..core import Body

    s = inputs.scenario
    r = plan_result(inputs)
    parties = list(s.party_ids)
    parts: list[str] = []
    target = ", ".join(sorted(r.target)) or "—"
    params = {
        "tolerance": r.tolerance,
        "objective": r.objective,
        "status": r.status,
        "target": sorted(r.target),
    }
    if r.feasible:
        parts.append(
            f'<p class="note"><span class="good">A roadmap exists</span> ({esc(r.status)}): {len(r.stages)} '
            f"stage(s) over {r.duration} {esc(s.time.unit)}s, every stage reciprocal, balanced within "
            f"a tolerance of {r.tolerance:g}, within each party's exposure limit and self-enforcing.</p>"
        )
    elif r.status == "infeasible":
        parts.append(
            '<p class="note"><span class="bad">No roadmap reaches this target</span> under the constraints '
            f"(tolerance {r.tolerance:g}).</p>"
        )
    else:
        parts.append(
            f'<p class="note"><span class="bad">No roadmap found</span> (solver status: {esc(r.status)}).</p>'
        )
    parts.append(f"<p><b>Target</b>: <small>{esc(target)}</small></p>")
    figs = _chart(r, inputs) if r.stages else []
    for f in figs:
        parts.append(f"<figure>{f.svg()}<figcaption>{esc(f.title)}</figcaption></figure>")
    if r.stages:
        limits = {p.id: p.exposure_limit for p in s.parties}
        rows = []
        for k, st in enumerate(r.stages, start=1):
            cells: list[Any] = [k, Raw("<small>" + esc(", ".join(sorted(st.moves))) + "</small>")]
            for p in parties:
                lim = limits[p]
                over = lim is not None and st.exposure.get(p, 0.0) > lim + 1e-9
                exp = f"{st.exposure.get(p, 0.0):.2f} / {'∞' if lim is None else f'{lim:g}'}"
                cells.append(
                    Raw(
                        f"{st.given.get(p, 0.0):.2f} → {st.received.get(p, 0.0):.2f}<br>"
                        f'<span class="{"bad" if over else "muted"}">exposure {esc(exp)}</span>'
                    )
                )
            cells.append(f"{st.start}+{st.duration}")
            rows.append(cells)
        parts.append("<h3>Stages</h3>")
        parts.append(
            table(
                ["stage", "moves", *[f"{p}: given → received" for p in parties], "starts + lasts"],
                rows,
                numeric=tuple(range(2, 3 + len(parties))),
            )
        )
    if r.conflicts:
        parts.append("<h3>What blocks it</h3>")
        parts.append(
            table(
                ["kind", "party", "stage", "why"],
                [[c.kind, c.party or "—", c.stage or "—", c.text] for c in r.conflicts],
            )
        )
    if r.suggestions:
        parts.append(
            "<h3>What would help</h3><ul>" + "".join(f"<li>{esc(x)}</li>" for x in r.suggestions) + "</ul>"
        )
    if r.notes:
        parts.append(
            '<p class="muted">' + " ".join(esc(n if n.endswith(".") else n + ".") for n in r.notes) + "</p>"
        )
    return Body("\n".join(parts), figs, params)
