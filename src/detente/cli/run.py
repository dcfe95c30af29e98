"""``detente run``: the main job, every analysis on one scenario, then the HTML report."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from detente.model.errors import DetenteError
from detente.model.load import scenario_from_document
from detente.model.scenario import Scenario
from detente.model.source import Document

from .common import SCENARIO_HELP, RunContext, console, guarded, load_document
from .text import term, visible

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from detente.studies.answer import Answer

__all__ = ["register", "run"]


def register(app: typer.Typer) -> None:
    app.command("run")(run)


def run(
    scenario: str = typer.Argument("korea-2019", help=SCENARIO_HELP),
    seed: int = typer.Option(0, "--seed", help="Seed for every random draw (same seed, same result)."),
    quick: bool = typer.Option(False, "--quick", help="Fewer samples and runs, for a first look."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Report file to write (default: detente-report-ID.html here)."
    ),
    no_report: bool = typer.Option(False, "--no-report", help="Print the sections only; write no report."),
    figures: Path | None = typer.Option(
        None, "--figures", help="Also write every figure as PNG and SVG here."
    ),
    timings: bool = typer.Option(False, "--timings", help="Print how long each section took."),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="After the answer, print every analysis's full listing."
    ),
) -> None:
    """Run every analysis on a scenario (default: the built-in korea-2019): the answer first, then the report.

    The answer (deal zone, what can be staged, each side's strategies by payoff, the
    assumption it hangs on) is printed first; the full listing of every analysis is in the
    report, and printed after the answer with ``--verbose``.
    """

    from . import command_modules  # keep: cli/__init__ imports this module while it defines command_modules

    with guarded():
        doc = load_document(scenario)
        s = scenario_from_document(doc)
        ctx = RunContext(seed=seed, quick=quick)
        listing = io.StringIO()  # the sections print here; the answer is printed first
        ctx.console = Console(
            file=listing,
            width=console.width,
            force_terminal=console.is_terminal,
            color_system=console.color_system,  # type: ignore[arg-type]  # the name of a system Console accepts
            highlight=False,
        )
        sections = [m for m in command_modules() if getattr(m, "run_section", None) is not None]
        spent: list[tuple[str, float]] = []
        report_steps = 0
        if not no_report:
            from detente.report import (
                section_modules,  # lazy: matplotlib and scipy, +0.25-0.65 s on `detente --help`
            )

            report_steps = len(section_modules()) + 1
        with Progress(
            TextColumn("[bold]detente run[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("", total=len(sections) + 1 + report_steps)
            for module in sections:
                name = module.__name__.rsplit(".", 1)[-1]
                bar.update(task, description=name)
                start = time.perf_counter()
                module.run_section(s, ctx)
                spent.append((name, time.perf_counter() - start))
                bar.advance(task)
            bar.update(task, description="answer")
            start = time.perf_counter()
            found = _answer(s, ctx)
            spent.append(("answer", time.perf_counter() - start))
            bar.advance(task)
            path, notes = None, list[str]()
            if not no_report:
                path, notes = _write_report(doc, s, ctx, output, figures, bar, task, spent)
        console.rule("[bold]Answer")
        for line in found.lines(max(40, min(console.width, 100))) if found is not None else []:
            console.print(term(line), highlight=False, soft_wrap=True)
        if verbose:
            console.file.write(listing.getvalue())
        else:
            console.print(
                f"The full listing of every analysis: `detente run {term(scenario)} --verbose`"
                + (", or the report below." if path is not None else "."),
                style="dim",
                highlight=False,
            )
        for note in notes:
            console.print(note, highlight=False)
        if timings:
            total = sum(t for _, t in spent)
            console.rule("[bold]Timings")
            for name, t in spent:
                console.print(f"  {name:<28} {t:7.2f} s  ({100 * t / max(total, 1e-9):4.1f}%)")
            console.print(f"  {'total':<28} {total:7.2f} s")
        if path is not None:
            console.rule("[bold]Report")
            console.print(f"report written: {visible(path)}", markup=False, highlight=False, soft_wrap=True)


def _answer(s: Scenario, ctx: RunContext) -> Answer | None:
    """The answer from what the sections computed (deal space, roadmap, strategy matrix), kept for the report."""
    from detente.studies.answer import answer, plans_from  # lazy: scipy, +0.7 s on `detente --help`

    stored = ctx.results.get("plan")
    try:
        found = answer(
            s,
            seed=ctx.seed,
            deals=ctx.results.get("deals"),
            plans=plans_from(stored) if isinstance(stored, dict) else None,
            comparison=ctx.results.get("simulate"),
        )
    except DetenteError as exc:
        console.print(f"no answer: {term(exc)}", highlight=False)
        return None
    ctx.results["answer"] = found
    return found


def _write_report(
    doc: Document,
    s: Scenario,
    ctx: RunContext,
    output: Path | None,
    figures: Path | None,
    bar: Progress,
    task: TaskID,
    spent: list[tuple[str, float]],
) -> tuple[Path, list[str]]:
    """Build the report from the results the sections stored, advancing the bar per section.

    Returns its path and a note (markup) for each section left out.
    """
    from detente.report import (  # lazy: matplotlib and scipy, +0.25-0.65 s on `detente --help`
        ReportInputs,
        build_report,
    )

    file = Path(doc.locator.file)
    inputs = ReportInputs(
        s,
        seed=ctx.seed,
        quick=ctx.quick,
        results=ctx.results,
        source_text=file.read_text(encoding="utf-8") if file.is_file() else None,
        source_name=file.name,
    )
    start = time.perf_counter()
    started = [0]

    def step(title: str) -> None:
        if started[0]:
            bar.advance(task)
        started[0] += 1
        bar.update(task, description=f"report: {title}")

    rep = build_report(inputs, progress=step)
    bar.advance(task)
    spent.extend((f"report: {sec.key}", sec.seconds) for sec in rep.sections)
    out = output if output is not None else Path(f"detente-report-{s.id}.html")
    rep.write(out)
    if figures is not None:
        rep.write_figures(figures)
    spent.append(
        ("report: assemble and write", time.perf_counter() - start - sum(x.seconds for x in rep.sections))
    )
    notes = [f"[yellow]report:[/] {term(sec.title)}: {term(sec.note)}" for sec in rep.sections if sec.skipped]
    return out.resolve(), notes
