"""``detente plan``: cut a target package into reciprocal, balanced, self-enforcing stages. See docs/roadmap.md.

Exit codes: 0 a roadmap exists (or the checked sequence keeps every constraint);
1 no roadmap exists (or the checked sequence breaks a constraint, or time ran out
before an answer); 2 bad input.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich import box
from rich.table import Table

from detente.analysis.roadmap_instance import OBJECTIVES, PlanResult
from detente.defaults import ROADMAP_DRAWS
from detente.model.errors import ScenarioError
from detente.model.roadmap_file import roadmap_from_document
from detente.model.scenario import Scenario
from detente.model.source import read_document

if TYPE_CHECKING:
    from detente.analysis.roadmap_chance import Robust
    from detente.analysis.roadmap_survival import Break, Survival

from .common import SCENARIO_HELP, RunContext, console, emit_json, guarded, load_scenario_arg
from .text import term

__all__ = ["judge", "next_steps", "plan_tables", "register", "robust_lines", "run_section", "survival_lines"]

RUN_TIME_LIMIT, RUN_TIME_LIMIT_QUICK = 20.0, 8.0
SAMPLES = ROADMAP_DRAWS
"""Value draws a shown roadmap is judged on by default (shared with the answer)."""


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)


def plan(
    scenario: str = typer.Argument("korea-2019", help=SCENARIO_HELP),
    target: str = typer.Option(
        "auto", "--target", help="nash, ks, all, or move ids ID,ID,... (auto: nash if available, else all)."
    ),
    tolerance: float = typer.Option(
        0.0, "--tolerance", help="Balance tolerance T: received >= (1 - T) x given."
    ),
    objective: str = typer.Option(
        "fewest-stages", "--objective", help="fewest-stages, most-robust or fastest."
    ),
    max_stages: int | None = typer.Option(None, "--max-stages", help="At most this many stages."),
    time_limit: float = typer.Option(30.0, "--time-limit", help="Seconds the solver may use."),
    check_file: Path | None = typer.Option(None, "--check", help="Check your own sequence (a roadmap file)."),
    chart: Path | None = typer.Option(None, "--chart", help="Write the stage chart (.png or .html)."),
    samples: int = typer.Option(
        SAMPLES,
        "--samples",
        min=1,
        help="Value draws the roadmap is judged on (the ranges, drawn as `simulate` draws them).",
    ),
    seed: int = typer.Option(
        0, "--seed", min=0, help="Seed of the value draws (draw i = run i of `simulate`)."
    ),
    robust: str | None = typer.Option(
        None,
        "--robust",
        help="Plan for a share of the value draws: LEVEL in (0, 1] (e.g. 0.9: the roadmap holds in at "
        "least 90% of --samples draws of --seed), or worst-case (for every value in the ranges).",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON on stdout (nothing else)."),
) -> None:
    """Plan a roadmap of small reciprocal deals, or show why none exists (exit 1 when none).

    With --robust the roadmap must hold in that share of value draws (or for every value with
    worst-case); when none does, the highest share any roadmap reaches is searched and shown.
    """
    from detente.analysis import roadmap  # lazy: ortools and scipy, +0.5 s on `detente --help`

    with guarded():
        s = load_scenario_arg(scenario)
        if objective not in OBJECTIVES:
            raise ScenarioError.single(
                "--objective", f"unknown objective {objective!r}; expected one of " + ", ".join(OBJECTIVES)
            )
        chance: Robust | None = None
        if robust is not None and check_file is not None:
            raise ScenarioError.single(
                "--robust", "plans a roadmap; --check judges yours over the draws already"
            )
        if check_file is not None:
            rm = roadmap_from_document(read_document(check_file), s)
            result = roadmap.check(s, rm.sequence, tolerance=tolerance)
            result.stages = [
                st if not note else type(st)(**{**st.__dict__, "note": note})
                for st, note in zip(
                    result.stages, [x.note for x in rm.stages if set(x.moves) - s.status_quo], strict=False
                )
            ]
            source = f"your sequence ({check_file})"
        else:
            moves, source = roadmap.target_from_spec(s, target)
        if check_file is None and robust is not None:
            from detente.analysis.roadmap_chance import parse_level, plan_robust  # lazy, as roadmap

            level = parse_level(robust)
            if not moves:
                raise ScenarioError.single("--target", source)
            chance = plan_robust(
                s,
                moves,
                level=level,
                samples=samples,
                seed=seed,
                tolerance=tolerance,
                objective=objective,
                max_stages=max_stages,
                time_limit=time_limit,
            )
            result = chance.result
        elif check_file is None:
            result = roadmap.plan(
                s,
                moves,
                tolerance=tolerance,
                objective=objective,
                max_stages=max_stages,
                time_limit=time_limit,
            )
        judged = judge(s, result, samples=samples, seed=seed)
        if chart is not None:
            from detente.report.stage_chart import (
                write_stage_chart,  # lazy: matplotlib and scipy, +0.25-0.65 s on `detente --help`
            )

            write_stage_chart(s, result, chart)
        if json_out:
            extra = (
                {} if judged is None else {"survival": judged[0].to_json(), "first_break": _json(judged[1])}
            )
            if chance is not None:
                extra["robust"] = chance.to_json()
            emit_json({**result.to_json(), "source": source, **extra})
        else:
            items = plan_tables(s, result, source, judged=judged)
            if chance is not None:
                items[1:1] = robust_lines(chance)
            for item in items:
                console.print(item)
            if chart is not None:
                console.print(f"wrote {term(chart)}")
            if not result.feasible and check_file is None and chance is None:
                options = {"tolerance": tolerance, "objective": objective, "max_stages": max_stages}
                for line in next_steps(s, scenario, result, target, time_limit=time_limit, **options):
                    console.print(line, markup=False, highlight=False, soft_wrap=True)
        if not result.feasible:
            raise typer.Exit(1)


#: The packages tried when the target cannot be staged, in this order: (spec, name).
ALTERNATIVES = (("nash", "the Nash package"), ("ks", "the Kalai-Smorodinsky package"), ("all", "every move"))


def next_steps(
    s: Scenario,
    argument: str,
    result: PlanResult,
    spec: str,
    *,
    time_limit: float,
    **options: Any,
) -> list[str]:
    """What to do when the target cannot be staged: the packages that can, and the command to run.

    Each of :data:`ALTERNATIVES` other than the target is planned with the same options
    (a shorter time limit); the first that can be staged is named with its command. When the
    solver ran out of time, a longer ``--time-limit`` comes first.
    """
    from detente.analysis import roadmap  # lazy: ortools and scipy, +0.5 s on `detente --help`

    base = f"detente plan {shlex.quote(argument)}"
    extra = _flags(options)
    lines = ["", "What to do next:"]
    if result.status == "unknown":
        lines.append(
            f"  - give the solver more time: {base} --target {shlex.quote(spec)}{extra} "
            f"--time-limit {4 * time_limit:g}"
        )
    tried = {frozenset(result.target)}
    found = False
    for alt, name in ALTERNATIVES:
        try:
            moves, _ = roadmap.target_from_spec(s, alt)
        except ScenarioError:  # e.g. no single "all" when two moves exclude each other
            continue
        if not moves or moves in tried:
            continue
        tried.add(moves)
        limit = min(time_limit, 10.0)
        other = roadmap.plan(s, moves, time_limit=limit, **options)
        if other.feasible:
            n = len(other.stages)
            lines.append(
                f"  - {name} ({len(moves)} moves) can be staged in {n} stage{'s' if n != 1 else ''}: "
                f"{base} --target {alt}{extra}"
            )
            found = True
            break
        if other.status == "unknown":
            lines.append(f"  - {name} ({len(moves)} moves): no answer within {limit:g} s")
        else:
            lines.append(f"  - {name} ({len(moves)} moves) cannot be staged either (proven)")
    if not found:
        lines.append(
            "  - no package tried can be staged with these settings; see 'What would unblock it' above, "
            f"or let a stage give more than it receives, e.g. {base} --tolerance 0.2"
        )
    answer = "no answer within the time limit" if result.status == "unknown" else "this target has no roadmap"
    lines.append(f"  (exit code 1: the analysis ran, and its answer is: {answer})")
    return lines


def _flags(options: dict[str, Any]) -> str:
    """The command-line flags that repeat ``options`` (those left at their default are omitted).

    >>> _flags({"tolerance": 0.1, "objective": "fewest-stages", "max_stages": None})
    ' --tolerance 0.1'
    """
    defaults = {"tolerance": 0.0, "objective": "fewest-stages", "max_stages": None}
    out = ""
    for key, value in options.items():
        if value != defaults.get(key):
            out += f" --{key.replace('_', '-')} " + (f"{value:g}" if isinstance(value, float) else str(value))
    return out


def judge(s: Scenario, r: PlanResult, *, samples: int, seed: int) -> tuple[Survival, Break | None] | None:
    """The roadmap ``r`` shows, judged over value draws, and the value that breaks it first (None: no ranges)."""
    from detente.analysis.roadmap_survival import first_break, survival  # lazy, as roadmap

    if not s.has_ranges or not r.stages:
        return None
    seq = [st.moves for st in r.stages]
    return survival(s, seq, tolerance=r.tolerance, samples=samples, seed=seed), first_break(
        s, seq, tolerance=r.tolerance
    )


def _json(b: Break | None) -> dict[str, Any] | None:
    return None if b is None else b.to_json()


def _share(x: float) -> str:
    colour = "green" if x >= 0.9 else "yellow" if x >= 0.5 else "red"
    return f"[{colour}]{100 * x:.0f}%[/]"


def survival_lines(s: Scenario, judged: tuple[Survival, Break | None]) -> list[Any]:
    """The roadmap under uncertainty, first screen: how often it holds, where it is weakest, what breaks it."""
    sv, br = judged
    head = (
        f"[bold]Under uncertainty:[/] holds in {sv.held} of {sv.samples} value draws ({_share(sv.share)}; "
        f"values drawn from their ranges as `simulate` draws them, seed {sv.seed})"
    )
    lines: list[Any] = [head]
    weakest = sv.weakest()
    if weakest is not None:
        k, p, kind, x = weakest
        lines.append(f"  weakest: stage {k}, {term(p)}'s {kind} holds in {_share(x)} of draws")
    if br is not None:
        lines.append(
            term(
                f"  first to break it: {br.move}'s value to {br.party}, {br.likely:g} -> {br.value:.2f} "
                f"({100 * br.distance:.0f}% of its range away): stage {br.stage}'s {br.kind} for {br.broken_for}"
            )
        )
    elif sv.held:
        lines.append("  no single value, moved anywhere in its range, breaks it")
    lines.append("  share of draws in which each stage holds for each party:")
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    t.add_column("stage", justify="right")
    for p in s.party_ids:
        t.add_column(term(p), justify="right")
    for k, st in enumerate(sv.joint, start=1):
        t.add_row(str(k), *[_share(st[p]) for p in s.party_ids])
    lines.append(t)
    return lines


def robust_lines(r: Robust) -> list[str]:
    """The chance-constrained answer in words: the level asked, what holds, and the highest level when none."""
    if r.level == "worst-case":
        asked = "for every value in the ranges (worst case, exact)"
        if r.result.feasible:
            lines = [f"[bold]Robust:[/] holds {asked}"]
        else:
            lines = [f"[bold]Robust:[/] [red]no roadmap holds {asked}[/] ({r.result.status})"]
        return lines + [term(f"  {x}") for x in r.breaking_text]
    asked = (
        f"in at least {100 * float(r.level):g}% of {r.samples} value draws (seed {r.seed}; {r.need} needed)"
    )
    if r.result.feasible:
        lines = [f"[bold]Robust:[/] holds {asked}: held in {r.held} ({r.result.status} on this sample)"]
    else:
        why = "proven" if r.result.status == "infeasible" else "time ran out"
        lines = [f"[bold]Robust:[/] [red]no roadmap holds {asked}[/] ({why})"]
        if r.highest is not None:
            lines.append(
                f"  the highest level any roadmap reaches is {100 * r.highest:.1f}% "
                f"({round(r.highest * r.samples)} of {r.samples} draws; {r.highest_status}): the roadmap shown"
            )
    if r.breaking:
        lines.append(f"  {len(r.breaking)} draw(s) break it, e.g.:")
        lines.extend(term(f"    {x}") for x in r.breaking_text)
    return lines


def _fmt(d: dict[str, float], parties: list[str]) -> str:
    return "  ".join(f"{p} {d[p]:.1f}" for p in parties)


def plan_tables(
    s: Scenario,
    r: PlanResult,
    source: str = "",
    title: str | None = None,
    judged: tuple[Survival, Break | None] | None = None,
) -> list[Any]:
    """Rich renderables: the stages (moves by side, given/received, exposure), conflicts, suggestions.

    With ``judged`` (:func:`judge`), how the roadmap fares over value draws comes right
    after the status line, on the first screen.
    """
    parties = list(s.party_ids)
    out: list[Any] = []
    status = {
        "optimal": "[green]optimal (proven)[/]",
        "feasible": "[yellow]feasible (optimality not proven in the time limit)[/]",
        "infeasible": "[red]no roadmap exists (proven)[/]",
        "unknown": "[yellow]unknown: time ran out[/]",
    }.get(r.status, r.status)
    if r.objective == "check":
        status = "[green]keeps every constraint[/]" if r.feasible else "[red]breaks constraints[/]"
    head = f"target: {source}, {len(r.target)} move(s)" if source else f"target: {len(r.target)} move(s)"
    out.append(f"{term(head)}; objective {r.objective}, tolerance {r.tolerance:g}: {status}")
    if judged is not None:
        out.extend(survival_lines(s, judged))
    if r.stages:
        # Move ids are never broken (no_wrap, as wide as the longest): at 80 columns the
        # light box (no inner vertical rules) leaves room for them and the figures.
        widest = max((len(m) for st in r.stages for m in st.moves), default=5)
        t = Table(
            title=title or ("Roadmap" if r.objective != "check" else "Your sequence"),
            show_lines=True,
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        t.add_column("stage", justify="right")
        t.add_column("time", justify="right")
        t.add_column("party")
        t.add_column("moves", no_wrap=True, min_width=widest)
        t.add_column("gives", justify="right")
        t.add_column("gets", justify="right")
        t.add_column("exposure", justify="right")
        bad = {(c.stage, c.party) for c in r.conflicts if c.stage}
        for i, st in enumerate(r.stages, start=1):
            for j, p in enumerate(parties):
                ms = sorted(m for m in st.moves if s.move(m).by == p)
                lim = s.party(p).exposure_limit
                name = f"[red]{p}[/]" if (i, p) in bad or (i, None) in bad else p
                t.add_row(
                    str(i) if j == 0 else "",
                    f"{st.start}+{st.duration}" if j == 0 else "",
                    name,
                    "\n".join(ms) or "-",
                    f"{st.given[p]:.1f}",
                    f"{st.received[p]:.1f}",
                    f"{st.exposure[p]:.1f}" + ("" if lim is None else f" / {lim:g}"),
                )
        out.append(t)
        out.append(
            f"total time {r.duration} {term(s.time.unit)}s (time: start+duration in {term(s.time.unit)}s; gives, gets: "
            "value given and received in the stage, on each party's own scale; exposure: after the stage / limit)"
        )
    if r.conflicts:
        lines = ["[bold]Why not:[/]" if r.objective != "check" else "[bold]Where it breaks:[/]"]
        for c in r.conflicts:
            tag = f"(conflict {c.group}) " if c.group else ""
            lines.append(term(f"  - {tag}[{c.kind}] {c.text}"))
        out.append("\n".join(lines))
    if r.suggestions:
        out.append("\n".join(["[bold]What would unblock it:[/]", *[term(f"  - {x}") for x in r.suggestions]]))
    if r.notes:
        out.append("[dim]" + term("; ".join(r.notes)) + "[/]")
    return out


def run_section(scenario: Scenario, ctx: RunContext) -> None:
    """The roadmap section of ``detente run``: the planned roadmap beside the all-up-front sequences."""
    from detente.analysis import roadmap  # lazy: ortools and scipy, +0.5 s on `detente --help`

    ctx.console.rule("[bold]Roadmap")
    moves, source = roadmap.target_from_spec(scenario, "auto")
    limit = RUN_TIME_LIMIT_QUICK if ctx.quick else RUN_TIME_LIMIT
    planned = roadmap.plan(scenario, moves, time_limit=limit)
    for item in plan_tables(scenario, planned, source):
        ctx.console.print(item)
    tried = {"nash": planned}
    if not planned.feasible and source.startswith("the Nash"):
        ks_moves, ks_source = roadmap.target_from_spec(scenario, "ks")
        if ks_moves and ks_moves != moves:
            ks = roadmap.plan(scenario, ks_moves, time_limit=limit)
            tried["ks"] = ks
            if ks.feasible:
                ctx.console.print(f"The Nash package has no roadmap; {ks_source} has one:")
                for item in plan_tables(scenario, ks, ks_source):
                    ctx.console.print(item)
                planned, source = ks, ks_source
    rows: list[tuple[str, PlanResult]] = [
        ("big deal: everything at once", roadmap.check(scenario, [planned.target]))
    ]
    for p in scenario.party_ids:
        seq = roadmap.demand_first(scenario, planned.target, p)
        if len(seq) > 1:
            rows.append((f"all of {p}'s moves first", roadmap.check(scenario, seq)))
    t = Table(
        title="The same target, sequenced up front", box=box.SIMPLE_HEAD, pad_edge=False, show_lines=True
    )
    t.add_column("sequence")
    t.add_column("stages", justify="right")
    t.add_column("verdict", max_width=12)
    # at least as wide as the longest move id and its comma: an id is never broken
    t.add_column("where it breaks first", min_width=1 + max((len(m) for m in scenario.move_ids), default=10))
    if planned.feasible:
        t.add_row("planned roadmap", str(len(planned.stages)), "[green]keeps every constraint[/]", "")
    for name, res in rows:
        first = term("; ".join(f"[{c.kind}] {c.text}" for c in res.conflicts[:2]))
        verdict = (
            "[green]keeps every constraint[/]" if res.feasible else f"[red]{len(res.conflicts)} broken[/]"
        )
        t.add_row(name, str(len(res.stages)), verdict, first)
    ctx.console.print(t)
    ctx.results["plan"] = {"source": source, "roadmap": planned, "alternatives": dict(rows), "tried": tried}
