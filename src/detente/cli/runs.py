"""``detente runs list|show|export|diff``: the recorded runs in the results database.

Also the shared ``--store`` / ``--resume`` options and :func:`open_store` for the commands
that record runs (simulate, compare, tournament, sensitivity). See docs/store.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from .common import console, emit_json, guarded
from .text import term, visible

__all__ = ["RESUME_OPT", "STORE_OPT", "open_store", "register"]

STORE_OPT = typer.Option(
    None,
    "--store",
    metavar="PATH",
    help="Results database (DuckDB file). Default: $DETENTE_STORE, else runs.duckdb in the user data directory.",
)
RESUME_OPT = typer.Option(
    False,
    "--resume",
    help="Continue the unfinished run with the same inputs (or reuse the finished one) instead of starting anew.",
)
JSON_OPT = typer.Option(False, "--json", help="Print JSON on stdout (nothing else).")

runs_app = typer.Typer(
    help="Recorded runs: list, show, export (Parquet/CSV) and diff. See docs/store.md.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(runs_app, name="runs")


def open_store(path: str | Path | None) -> Any:
    """The :class:`~detente.store.RunStore` at ``path`` (default location when ``None``)."""
    from detente.store import RunStore  # lazy: scipy, +0.7 s on `detente --help`

    return RunStore(path)


_ABOUT = ("scenario", "scenarios", "metric", "method", "strategies", "strategy", "runs", "seed")
"""Parameters shown by ``runs list`` (``runs show`` shows them all)."""


def _num(x: Any, digits: int = 4) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return str(x)


@runs_app.command("list")
def list_runs(
    store: str | None = STORE_OPT,
    kind: str | None = typer.Option(None, "--kind", help="Only runs of this kind (simulate, compare, ...)."),
    scenario: str | None = typer.Option(
        None, "--scenario", help="Only runs on this scenario (id or hash prefix)."
    ),
    limit: int = typer.Option(50, "--limit", min=1, help="At most this many runs, newest first."),
    json_out: bool = JSON_OPT,
) -> None:
    """List recorded runs, newest first."""
    with guarded():
        st = open_store(store)
        infos = st.list_runs(kind=kind, scenario=scenario, limit=limit)
        if json_out:
            emit_json([i.as_json() for i in infos])
            return
        if not infos:
            console.print(f"no runs recorded in {term(st.path)}")
            return
        table = Table(title=f"Runs in {term(st.path)}")
        table.add_column("run", no_wrap=True, min_width=22)
        table.add_column("kind", no_wrap=True, min_width=11)
        table.add_column("status", no_wrap=True, min_width=8)
        table.add_column("replicates", justify="right", no_wrap=True, min_width=10)
        table.add_column("about")
        for i in infos:
            about = ", ".join(
                f"{k}={v}" for k, v in i.parameters.items() if k in _ABOUT and v not in (None, False, [], {})
            )
            status = i.status if i.status == "complete" else f"[yellow]{i.status}[/]"
            short = about if len(about) <= 40 else about[:39] + "…"
            table.add_row(term(i.run_id), term(i.kind), status, f"{i.stored}/{i.expected}", term(short))
        console.print(table)


@runs_app.command("show")
def show(
    run: str = typer.Argument("latest", help="A run id (or a unique prefix, or 'latest')."),
    store: str | None = STORE_OPT,
    json_out: bool = JSON_OPT,
) -> None:
    """Show one run: parameters, scenario, seeds, version and a summary of each job's outcomes."""
    from detente.store.inspect import run_document  # lazy: scipy, +0.7 s on `detente --help`

    with guarded():
        doc = run_document(open_store(store), run)
        if json_out:
            emit_json(doc)
            return
        console.print(
            f"[bold]{doc['run_id']}[/]  {doc['kind']}  {doc['status']}  detente {doc['detente_version']}"
        )
        console.print(f"created {doc['created']}  finished {doc['finished'] or '-'}")
        reps = doc["replicates"]
        console.print(f"replicates {reps['stored']}/{reps['expected']}  seed {_num(doc['seed'])}")
        for k, v in doc["parameters"].items():
            console.print(visible(f"  {k}: {v}"), markup=False)
        for job in doc["jobs"]:
            desc = {k: v for k, v in job["description"].items() if k not in ("type", "points")}
            scen = f"{job['scenario']} ({(job['scenario_hash'] or '')[:12]})" if job["scenario"] else "-"
            table = Table(title=f"job {job['job']}: {term(scen)}  {job['stored']}/{job['runs']} replicates")
            for col in ("outcome", "n", "mean", "std", "min", "max"):
                table.add_column(col, justify="left" if col == "outcome" else "right")
            for name, s in list(job["outcomes"].items())[:40]:
                table.add_row(
                    term(name), str(s["n"]), _num(s["mean"]), _num(s["std"]), _num(s["min"]), _num(s["max"])
                )
            console.print(table)
            console.print(visible("  " + ", ".join(f"{k}={v}" for k, v in desc.items())[:300]), markup=False)
        if doc["summary"] is not None:
            console.print("a summary document is stored: see --json", style="dim")


@runs_app.command("export")
def export(
    run: str = typer.Argument("latest", help="A run id (or a unique prefix, or 'latest')."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write (.parquet or .csv)."),
    fmt: str | None = typer.Option(None, "--format", help="parquet or csv (default: from the file suffix)."),
    store: str | None = STORE_OPT,
) -> None:
    """Export a run's replicates, one row per replicate, to Parquet or CSV (written atomically)."""
    with guarded():
        st = open_store(store)
        full = st.resolve(run)
        n = st.export(full, output, fmt)
        console.print(f"wrote {n} replicates of {term(full)} to {term(output)}")


@runs_app.command("diff")
def diff(
    run_a: str = typer.Argument(..., help="First run id (or prefix)."),
    run_b: str = typer.Argument(..., help="Second run id (or prefix)."),
    store: str | None = STORE_OPT,
    json_out: bool = JSON_OPT,
) -> None:
    """Compare two runs: what inputs differ, and how their numbers differ."""
    from detente.store.inspect import diff_document  # lazy: scipy, +0.7 s on `detente --help`

    with guarded():
        doc = diff_document(open_store(store), run_a, run_b)
        if json_out:
            emit_json(doc)
            return
        console.print(f"A = {term(doc['A'])}   B = {term(doc['B'])}")
        verdict = "[green]identical numbers[/]" if doc["same_numbers"] else "[yellow]different numbers[/]"
        console.print(f"{verdict}; {'same' if doc['same_sweep'] else 'different'} inputs")
        if doc["kind"][0] != doc["kind"][1]:
            console.print(f"kind: {doc['kind'][0]} vs {doc['kind'][1]}")
        if doc["detente_version"][0] != doc["detente_version"][1]:
            console.print(f"detente: {doc['detente_version'][0]} vs {doc['detente_version'][1]}")
        for k, (va, vb) in doc["parameters"].items():
            console.print(visible(f"  {k}: {va} -> {vb}"), markup=False)
        for job in doc["jobs"]:
            if "only_in" in job:
                console.print(f"job {job['job']}: only in {term(job['only_in'])}")
                continue
            title = (
                f"job {job['job']}: {job['scenario'][0]}"
                + ("" if job["same_scenario"] else f" vs {job['scenario'][1]} (different scenario content)")
                + f"  identical replicates {job['identical_replicates']}/{job['replicates'][0]}"
            )
            table = Table(title=term(title))
            for col in ("outcome", "mean A", "mean B", "B - A"):
                table.add_column(col, justify="left" if col == "outcome" else "right")
            for name, c in list(job["columns"].items())[:40]:
                table.add_row(term(name), _num(c["A"]), _num(c["B"]), _num(c["delta"]))
            console.print(table)
            for k, (va, vb) in job["description"].items():
                console.print(visible(f"  {k}: {va} -> {vb}"), markup=False)
