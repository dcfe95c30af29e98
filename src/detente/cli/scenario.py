"""Commands about scenario files: scenarios, validate, show, export."""

from __future__ import annotations

from pathlib import Path

import typer
from rich import box
from rich.panel import Panel
from rich.table import Table

from detente.model.errors import ScenarioError
from detente.model.load import scenario_from_document
from detente.model.positions import positions_from_document
from detente.model.scenario import Scenario
from detente.scenarios import builtin_kind, builtin_names, builtin_text, resolve

from .common import (
    SCENARIO_HELP,
    RunContext,
    console,
    emit_json,
    guarded,
    load_document,
    load_scenario_arg,
    print_error,
    write_output,
)
from .text import term

__all__ = ["register", "run_section", "summary_tables"]


def register(app: typer.Typer) -> None:
    app.command("scenarios")(scenarios)
    app.command("validate")(validate)
    app.command("show")(show)
    app.command("export")(export)


def scenarios(json_out: bool = typer.Option(False, "--json", help="Print JSON on stdout.")) -> None:
    """List the built-in scenarios and conflicts."""
    with guarded():
        rows = []
        for name in builtin_names():
            kind = builtin_kind(name)
            title = ""
            doc = load_document(name)
            title = str(doc.data.get("title", ""))
            rows.append({"name": name, "kind": kind, "title": title})
        if json_out:
            emit_json(rows)
            return
        table = Table(title="Built-in scenarios and conflicts")
        table.add_column("name", style="bold")
        table.add_column("kind")
        table.add_column("title")
        for r in rows:
            table.add_row(r["name"], r["kind"], term(r["title"]))
        console.print(table)


def validate(
    files: list[str] = typer.Argument(..., help="Scenario or conflict files (or built-in names)."),
    json_out: bool = typer.Option(False, "--json", help="Print the problems as JSON on stdout."),
) -> None:
    """Check files and report every problem at once (exit 2 if any file is bad)."""
    bad = False
    report = []
    for name in files:
        try:
            _validate_one(name)
            report.append({"file": name, "valid": True, "problems": []})
            if not json_out:
                console.print(f"[green]ok[/] {name}")
        except ScenarioError as exc:
            bad = True
            report.append({"file": name, "valid": False, "problems": [p.as_dict() for p in exc.problems]})
            if not json_out:
                print_error(exc)
    if json_out:
        emit_json(report)
    if bad:
        raise typer.Exit(2)


def _validate_one(name: str) -> None:
    doc = load_document(name)
    kind = doc.data.get("kind", "scenario")
    if kind == "conflict":
        from detente.model.conflict import conflict_from_document  # type: ignore[import-not-found,unused-ignore]

        conflict_from_document(doc)
    elif kind == "roadmap":
        from detente.model.roadmap_file import roadmap_from_document  # type: ignore[import-not-found,unused-ignore]

        roadmap_from_document(doc)
    elif kind == "positions":
        positions_from_document(doc)
    else:
        scenario_from_document(doc)  # the document read above, not a second read of the file


def show(
    scenario: str = typer.Argument("korea-2019", help=SCENARIO_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print the validated scenario as JSON."),
) -> None:
    """Print a readable summary: parties, moves by side, status-quo utilities."""
    with guarded():
        s = load_scenario_arg(scenario)
        if json_out:
            emit_json(s.model_dump(mode="json", exclude_none=True))
            return
        for item in summary_tables(s):
            console.print(item)


def export(
    name: str = typer.Argument(..., help="A built-in scenario or conflict name."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write (YAML)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a built-in scenario to a file for you to edit."""
    with guarded():
        if output.exists() and not force:
            raise ScenarioError.single(str(output), "file exists; use --force to overwrite it")
        text = builtin_text(name) if not Path(name).exists() else resolve(name).read_text(encoding="utf-8")
        write_output(output, text)
        console.print(f"wrote {term(output)} ({builtin_kind(name) if name in builtin_names() else 'file'})")


def summary_tables(s: Scenario) -> list[object]:
    """Rich renderables summarising a scenario (used by show and run)."""

    out: list[object] = []
    head = f"[bold]{term(s.title)}[/]  ({s.id}"
    head += f", as of {s.as_of})" if s.as_of else ")"
    if s.description:
        head += f"\n{term(s.description.strip())}"
    out.append(Panel(head, expand=False))

    sq = s.status_quo
    parties = Table(title="Parties")
    for col in ("id", "name", "discount", "exposure limit", "status-quo utility", "disagreement"):
        parties.add_column(col)
    d = s.disagreement()
    for p in s.parties:
        limit = "none" if p.exposure_limit is None else f"{p.exposure_limit:g}"
        parties.add_row(
            p.id, term(p.label), f"{p.discount:g}", limit, f"{s.utility(p.id, sq):.2f}", f"{d[p.id]:.2f}"
        )
    out.append(parties)

    for p in s.parties:
        # At 80 columns: the id (never broken) above its title, one figure a line, short headers.
        t = Table(
            title=f"Moves by {term(p.label)}",
            show_lines=True,
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        t.add_column("move", min_width=max((len(m.id) for m in s.moves_by(p.id)), default=4))
        for q in s.parties:
            t.add_column(f"to {q.id}", justify="right", no_wrap=True)
        t.add_column("status", no_wrap=True)
        t.add_column("rev.", no_wrap=True)
        for m in s.moves_by(p.id):
            status = "[green]in force[/]" if m.in_force else "open"
            rev = f"yes ({m.reversal_lag})" if m.reversible else "no"
            values = [str(m.value_for(q.id)).replace(" ", "\n", 1) for q in s.parties]
            t.add_row(f"[bold]{term(m.id)}[/]\n{term(m.title)}", *[term(v) for v in values], status, rev)
        t.caption = (
            f"to P: value of the move to party P per {term(s.time.unit)} while in force, on P's 0-10 scale "
            f"(likely \\[low..high]); open: on the table; rev.: reversible (reversal lag in {term(s.time.unit)}s)"
        )
        t.caption_justify = "left"
        if t.row_count:
            out.append(t)
    extras = []
    if s.interactions:
        extras.append(f"{len(s.interactions)} interaction term(s)")
    if s.pressures:
        extras.append(f"{len(s.pressures)} pressure(s)")
    if s.events:
        extras.append("events: " + ", ".join(f"{e.id} ({e.rate:g}/{term(s.time.unit)})" for e in s.events))
    extras.append(f"horizon {s.time.horizon} {term(s.time.unit)}s")
    out.append("  ".join(extras))
    return out


def run_section(scenario: Scenario, ctx: RunContext) -> None:
    ctx.console.rule("[bold]Scenario")
    for item in summary_tables(scenario):
        ctx.console.print(item)
    ctx.results["scenario"] = scenario
