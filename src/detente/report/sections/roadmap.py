"""Report section: the roadmap (stages, what each party gives and receives, exposure against limits).

Uses the roadmap that ``detente run`` stored (``results["plan"]``) or plans one the
same way. Options (``inputs.options["roadmap"]``; any option means a fresh plan):
``target`` (move ids; default: the roadmap's ``auto`` target, the Nash package), ``tolerance`` (default 0),
``objective`` (default: the planner's), ``time_limit`` (seconds), ``robust`` (a share of value
draws such as 0.9, or ``"worst-case"``: also plan the roadmap that holds in at least that share of
:data:`~detente.defaults.ROADMAP_DRAWS` draws, as ``detente plan --robust``, and chart it).
The stage chart is :mod:`detente.report.stage_chart`'s.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from detente.analysis import roadmap
from detente.analysis.roadmap import PlanResult as Plan
from detente.analysis.roadmap_chance import WORST_CASE, Robust, plan_robust
from detente.analysis.roadmap_survival import Break, Survival, first_break, survival
from detente.defaults import ROADMAP_DRAWS

from ..figures import Figure, new_figure
from ..html import Raw, esc, table
from ..section import Body
from .deals import deal_space

if TYPE_CHECKING:
    from detente.analysis.roadmap import PlanResult

    from ..section import Body, ReportInputs

__all__ = ["DEFINITION", "KEY", "ORDER", "TITLE", "judged", "plan_data", "render", "robust_data"]

KEY = "roadmap"
TITLE = "Roadmap"
ORDER = 30
DEFINITION = "An order of stages that reaches the target package with every stage reciprocal and balanced, no party more exposed than it accepts, and no party better off stopping."

TIME_LIMIT, TIME_LIMIT_QUICK = 20.0, 8.0


def plan_data(inputs: ReportInputs) -> dict[str, Any]:
    """The roadmap ``detente run`` stored (``results["plan"]``), or a fresh one with this section's options.

    A dict: ``roadmap`` (the :class:`PlanResult`), ``source`` (where the target comes from)
    and ``alternatives`` (name -> the same target sequenced up front, checked).
    """

    given = inputs.options.get(KEY, {})

    def compute() -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "tolerance": float(given.get("tolerance", 0.0)),
            "time_limit": float(given.get("time_limit", TIME_LIMIT_QUICK if inputs.quick else TIME_LIMIT)),
        }
        if given.get("objective"):
            kwargs["objective"] = given["objective"]
        s = inputs.scenario
        if given.get("target"):
            target, source = frozenset(given["target"]), "chosen by the user"
        elif hasattr(roadmap, "target_from_spec"):
            target, source = roadmap.target_from_spec(s, "auto")
        else:
            target, source = _nash_target(inputs)
        planned = roadmap.plan(s, target, **kwargs)
        tried = {"nash": planned}
        if not planned.feasible and source.startswith("the Nash") and hasattr(roadmap, "target_from_spec"):
            # as detente run does: when the Nash package has no roadmap, try Kalai-Smorodinsky's
            ks_moves, ks_source = roadmap.target_from_spec(s, "ks")
            if ks_moves and ks_moves != target:
                ks = roadmap.plan(s, ks_moves, **kwargs)
                tried["ks"] = ks
                if ks.feasible:
                    planned, source = ks, ks_source
        alternatives: dict[str, PlanResult] = {}
        if planned.target:
            alternatives["big deal: everything at once"] = roadmap.check(
                s, [planned.target], tolerance=kwargs["tolerance"]
            )
            for p in s.party_ids:
                seq = roadmap.demand_first(s, planned.target, p)
                if len(seq) > 1:
                    alternatives[f"all of {p}'s moves first"] = roadmap.check(
                        s, seq, tolerance=kwargs["tolerance"]
                    )
        return {"source": source, "roadmap": planned, "alternatives": alternatives, "tried": tried}

    stored = None if given else inputs.results.get("plan")
    if isinstance(stored, dict) and isinstance(stored.get("roadmap"), roadmap.PlanResult):
        return stored
    return inputs.result(KEY + "-report", compute)


def robust_data(inputs: ReportInputs, r: PlanResult) -> tuple[Robust, Survival | None] | None:
    """The robust roadmap for ``r``'s target when the options ask for one (``robust``), with its survival."""
    given = inputs.options.get(KEY, {})
    level = given.get("robust")
    s = inputs.scenario
    if level in (None, "", 0) or not r.target or not s.has_ranges:
        return None

    def compute() -> tuple[Robust, Survival | None]:
        out = plan_robust(
            s,
            r.target,
            level=level if level == WORST_CASE else float(level),
            samples=ROADMAP_DRAWS,
            seed=inputs.seed,
            tolerance=r.tolerance,
            time_limit=float(given.get("time_limit", TIME_LIMIT_QUICK if inputs.quick else TIME_LIMIT)),
        )
        stages = [st.moves for st in out.result.stages]
        sv = (
            survival(s, stages, tolerance=r.tolerance, samples=ROADMAP_DRAWS, seed=inputs.seed)
            if stages
            else None
        )
        return out, sv

    return inputs.result(KEY + "-robust", compute)


def _robust_html(rb: Robust, unit: str) -> str:
    level = (
        "for every value in the ranges"
        if rb.level == WORST_CASE
        else f"in {100 * float(rb.level):.0f}% of the draws"
    )
    res = rb.result
    if res.feasible:
        held = (
            f"held in {rb.held} of {rb.samples} draws" if rb.level != WORST_CASE else "held at every corner"
        )
        text = (
            f'<span class="good">A robust roadmap holds {esc(level)}</span> ({esc(res.status)}): '
            f"{len(res.stages)} stage(s) over {res.duration} {esc(unit)}s, {held}; its survival is charted below."
        )
    else:
        how = "proven" if res.status == "infeasible" else f"solver status {esc(res.status)}"
        text = f'<span class="bad">No roadmap holds {esc(level)}</span> ({how}).'
        if rb.highest is not None:
            text += (
                f" The highest level any roadmap reaches is {100 * rb.highest:.1f}% of {rb.samples} draws"
                f" ({esc(rb.highest_status or '')}); that roadmap is charted below."
            )
    if rb.breaking_text:
        text += " What breaks it: " + esc("; ".join(rb.breaking_text[:2])) + "."
    return f'<p class="note"><b>Planned for the draws</b>: {text}</p>'


def _nash_target(inputs: ReportInputs) -> tuple[frozenset[str], str]:

    nash = deal_space(inputs).solutions.get("nash")
    if nash is None or not nash.agreement:
        return frozenset(), "every move on the table (no Nash package beats the status quo)"
    return frozenset(nash.moves - inputs.scenario.status_quo), "the Nash bargaining package"


def _chart(result: PlanResult, inputs: ReportInputs) -> list[Figure]:
    """The roadmap's own stage chart (a matplotlib figure if it offers one, else its PNG)."""

    try:
        chart = importlib.import_module("detente.report.stage_chart")
    except ImportError:
        return []
    title = "Roadmap: moves by stage and side, exposure against each party's limit"
    make_figure = getattr(chart, "stage_figure", None)
    if make_figure is not None:
        return [Figure("roadmap-stages", title, make_figure(inputs.scenario, result))]
    return [Figure.from_png("roadmap-stages", title, chart.stage_chart_png(inputs.scenario, result))]


def judged(inputs: ReportInputs, r: PlanResult) -> tuple[Survival, Break | None] | None:
    """The roadmap shown judged over value draws (as ``detente plan``), None without ranges or stages."""
    s = inputs.scenario
    if not s.has_ranges or not r.stages:
        return None
    seq = [st.moves for st in r.stages]

    def compute() -> tuple[Survival, Break | None]:
        return (
            survival(s, seq, tolerance=r.tolerance, samples=ROADMAP_DRAWS, seed=inputs.seed),
            first_break(s, seq, tolerance=r.tolerance),
        )

    return inputs.result(KEY + "-survival", compute)


def _survival_chart(
    sv: Survival,
    parties: list[str],
    name: str = "roadmap-survival",
    title: str = "Each stage under uncertainty: share of value draws it holds in, per party",
) -> Figure:
    """Stages down, one bar per party: the share of value draws in which the stage holds for it."""
    k = len(sv.joint)
    fig, ax = new_figure(7.5, 0.9 + 0.55 * k * max(1, len(parties)) / 2)
    colours = ("#1f5fa8", "#b3261e", "#2e7d32", "#8e6c00")
    height = 0.8 / max(1, len(parties))
    for j, p in enumerate(parties):
        ys = [i + j * height for i in range(k)]
        xs = [st[p] for st in sv.joint]
        ax.barh(ys, xs, height=height * 0.9, color=colours[j % len(colours)], label=p)
        for y, x in zip(ys, xs, strict=True):
            ax.text(min(x, 0.97), y, f"{100 * x:.0f}%", va="center", ha="right", color="white", fontsize=8)
    ax.set_yticks([i + 0.4 - height / 2 for i in range(k)], [f"stage {i + 1}" for i in range(k)])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.axvline(0.9, color="grey", lw=0.8, ls="--")
    ax.set_xlabel(f"share of {sv.samples} value draws in which the stage holds (seed {sv.seed}; dashed: 90%)")
    ax.legend(loc="lower left", bbox_to_anchor=(1.0, 0.0), frameon=False)
    return Figure(name, title, fig)


def _survival_html(sv: Survival, br: Break | None) -> str:
    cls = "good" if sv.share >= 0.9 else "bad"
    text = (
        f'<p class="note"><b>Under uncertainty</b>: the roadmap <span class="{cls}">holds in {sv.held} of '
        f"{sv.samples} value draws ({100 * sv.share:.0f}%)</span>, every value drawn from its range as the "
        "strategy simulation draws it."
    )
    weakest = sv.weakest()
    if weakest is not None:
        k, p, kind, x = weakest
        text += f" Weakest: stage {k}, {esc(p)}'s {esc(kind)} ({100 * x:.0f}% of draws)."
    if br is not None:
        text += (
            f" First to break it: {esc(br.move)}'s value to {esc(br.party)}, from {br.likely:g} to "
            f"{br.value:.2f} ({100 * br.distance:.0f}% of its range away), breaks stage {br.stage}'s "
            f"{esc(br.kind)} for {esc(br.broken_for or '')}."
        )
    elif sv.held:
        text += " No single value, moved anywhere in its range, breaks it."
    return text + "</p>"


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def render(inputs: ReportInputs) -> Body:

    s = inputs.scenario
    data = plan_data(inputs)
    r: PlanResult = data["roadmap"]
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
    seen = judged(inputs, r)
    if seen is not None:
        parts.append(_survival_html(*seen))
        params["value draws"] = seen[0].samples
        params["held in"] = seen[0].held
    robust = robust_data(inputs, r)
    if robust is not None:
        parts.append(_robust_html(robust[0], s.time.unit))
        params["robust level"] = robust[0].level
        params["robust status"] = robust[0].result.status
        params["robust held in"] = robust[0].held
        params["robust highest level"] = robust[0].highest
    parts.append(f"<p><b>Target</b> ({esc(data.get('source', ''))}): <small>{esc(target)}</small></p>")

    nash_try = (data.get("tried") or {}).get("nash")
    if isinstance(nash_try, Plan) and nash_try is not r and not nash_try.feasible:
        why = "; ".join(c.text for c in nash_try.conflicts[:2]) or nash_try.status
        parts.append(
            f'<p class="note">The Nash bargaining package has no such roadmap ({esc(why)}); '
            "the roadmap below reaches the Kalai–Smorodinsky package instead.</p>"
        )
    figs = _chart(r, inputs) if r.stages else []
    if seen is not None:
        figs.append(_survival_chart(seen[0], parties))
    if robust is not None and robust[1] is not None:
        figs.append(
            _survival_chart(
                robust[1],
                parties,
                "roadmap-robust-survival",
                "The robust roadmap under uncertainty: share of value draws each stage holds in, per party",
            )
        )
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
                [
                    "stage",
                    "moves",
                    *[f"{p}: given → received (per month, own scale)" for p in parties],
                    "starts + lasts (months)",
                ],
                rows,
                numeric=tuple(range(2, 3 + len(parties))),
            )
        )
    alternatives: dict[str, PlanResult] = data.get("alternatives") or {}
    if alternatives:
        alt_rows: list[list[Any]] = []
        if r.feasible:
            alt_rows.append(
                [
                    "planned roadmap",
                    len(r.stages),
                    Raw('<span class="good">keeps every constraint</span>'),
                    "",
                ]
            )
        for name, res in alternatives.items():
            verdict = (
                Raw('<span class="good">keeps every constraint</span>')
                if res.feasible
                else Raw(f'<span class="bad">{len(res.conflicts)} broken</span>')
            )
            first = "; ".join(f"[{c.kind}] {c.text}" for c in res.conflicts[:2])
            alt_rows.append([name, len(res.stages), verdict, Raw(f"<small>{esc(first)}</small>")])
        parts.append("<h3>The same target, sequenced up front</h3>")
        parts.append(
            table(["sequence", "stages", "verdict", "where it breaks first"], alt_rows, numeric=(1,))
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
        parts.append('<p class="muted">' + " ".join(esc(_sentence(n)) for n in r.notes) + "</p>")
    return Body("\n".join(parts), figs, params)
