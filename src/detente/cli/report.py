"""``detente report``: one self-contained HTML report of every analysis of a scenario."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from detente.model.load import scenario_from_document

from .common import SCENARIO_HELP, console, err_console, guarded, load_document

__all__ = ["make_report", "register"]


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    scenario: str = typer.Argument("korea-2019", help=SCENARIO_HELP),
    output: Path = typer.Option(
        None, "--output", "-o", help="HTML file to write (default: detente-report-ID.html)."
    ),
    figures: Path | None = typer.Option(
        None, "--figures", help="Also write every figure as PNG and SVG here."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed for every random draw (same seed, same report)."),
    quick: bool = typer.Option(False, "--quick", help="Fewer samples and runs, for a first look."),
    robust: str | None = typer.Option(
        None,
        "--robust",
        metavar="LEVEL",
        help="Also plan the roadmap that holds in this share of 500 value draws (e.g. 0.9) or for "
        "every value (worst-case), as plan --robust, and chart its survival.",
    ),
) -> None:
    """Write a self-contained HTML report (scenario, deals, roadmap, strategies, stability, inputs and seed).

    The file opens with no network: figures are inline SVG, sources are plain links.
    """
    with guarded():
        level = None
        if robust is not None:
            from detente.analysis.roadmap_chance import parse_level  # lazy: OR-Tools

            level = parse_level(robust)
        path = make_report(scenario, output, figures=figures, seed=seed, quick=quick, robust=level)
        console.print(str(path), markup=False, highlight=False, soft_wrap=True)


def make_report(
    scenario: str,
    output: Path | None = None,
    *,
    figures: Path | None = None,
    seed: int = 0,
    quick: bool = False,
    results: dict[str, object] | None = None,
    show_progress: bool = True,
    robust: float | str | None = None,
) -> Path:
    """Load a scenario, render the report (with a progress bar on stderr), write it; return its path."""

    from detente.report import (  # lazy: matplotlib and scipy, +0.25-0.65 s on `detente --help`
        ReportInputs,
        build_report,
        section_modules,
    )

    doc = load_document(scenario)
    s = scenario_from_document(doc)
    text = Path(doc.locator.file).read_text(encoding="utf-8") if Path(doc.locator.file).is_file() else None
    inputs = ReportInputs(
        s,
        seed=seed,
        quick=quick,
        results=dict(results or {}),
        source_text=text,
        source_name=Path(doc.locator.file).name,
        options={"roadmap": {"robust": robust}} if robust is not None else {},
    )
    out = output if output is not None else Path(f"detente-report-{s.id}.html")
    total = len(section_modules()) + 1
    with Progress(
        TextColumn("[bold]report[/]"),
        BarColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not show_progress,
    ) as bar:
        task = bar.add_task("", total=total)

        started = [0]

        def step(title: str) -> None:
            bar.update(task, completed=started[0], description=title)
            started[0] += 1

        rep = build_report(inputs, progress=step)
        bar.update(task, completed=total)
    rep.write(out)
    if figures is not None:
        rep.write_figures(figures)
    return out
