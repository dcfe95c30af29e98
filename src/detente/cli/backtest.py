"""``detente backtest``: every built-in historical case, what the model says beside what happened.

See docs/backtest.md. The work is done by :mod:`detente.studies.backtest`; this module
parses, calls and prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .common import console, emit_json, err_console, guarded
from .text import term, visible

__all__ = ["backtest_table", "matrix_table", "register"]

MARKS = {"agree": "[green]✓[/]", "disagree": "[red]✗[/]", "n/a": "[dim]–[/]"}
VERDICT_STYLE = {"agree": "green", "disagree": "red", "mixed": "yellow"}


def register(app: typer.Typer) -> None:
    app.command("backtest")(backtest)


@contextmanager
def _progress(show: bool) -> Iterator[Callable[[int, int, str], None] | None]:
    if not show:
        yield None
        return

    columns = (
        TextColumn("[bold]backtest[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("", total=None)

        def update(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=what)

        yield update


SHORT = {
    "maximum-pressure": "maxp",
    "big-deal": "big",
    "step-by-step": "step",
    "tit-for-tat": "tft",
    "grit": "grit",
    "freeze-for-freeze": "f4f",
}
LEGEND = (
    "Strategies: maxp maximum-pressure, big big-deal, step step-by-step, tft tit-for-tat, grit GRIT; "
    "pairs are US side / other side. Roadmap target: N Nash package, KS Kalai-Smorodinsky, all every move. "
    "GMCR: is the status quo an equilibrium of the scenario's conflict (and of the conflict file, f:)? "
    "Checks: deal (ZOPA vs agreement), steps (roadmap vs implemented), lasted (roadmap vs not reversed)."
)


def _short(name: str) -> str:
    return SHORT.get(name, name)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


def _roadmap_cell(r: dict[str, Any]) -> str:
    source = {"nash": "N", "kalai_smorodinsky": "KS", "all": "all", "none": "—"}[r["target_source"]]
    if r["status"] == "no-target":
        return "nothing to plan"
    if r["feasible"] is None:
        return f"unknown ({r['status']}) {source}"
    if r["feasible"]:
        n = len(r["stages"])
        return f"[green]yes[/] {n} stage{'s' if n != 1 else ''} {source}"
    kinds = sorted({c["kind"] for c in r["conflicts"]})
    return f"[red]no[/] {source}\n({', '.join(kinds) or 'no roadmap'})"


def _pair_cell(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "—"
    a, b = entry["pair"]
    return f"{_short(a)}/{_short(b)} {_pct(entry['agreement_rate'])}\nshare {_pct(entry['target_share'])}"


def _gmcr_cell(st: dict[str, Any]) -> str:
    def stable(eq: dict[str, bool]) -> str:
        names = [k for k, v in eq.items() if v]
        return "SQ: " + (" ".join(names) if names else "unstable")

    text = stable(st["scenario"]["status_quo_equilibrium"])
    cf = st.get("conflict_file")
    if cf and cf.get("status_quo_equilibrium") is not None:
        text += "\nf: " + stable(cf["status_quo_equilibrium"])
    return text


def _happened_cell(h: dict[str, Any] | None) -> str:
    if h is None:
        return "—"
    if not h["agreement"]:
        return f"no deal {h['when']}"
    return f"deal; {h['implemented']}\n{h['ended']} {h['when']}"


def _checks_cell(case: dict[str, Any]) -> str:
    if case["history"] is None:
        return "no record"
    marks = "".join(MARKS[c["mark"]] for c in case["checks"])
    style = VERDICT_STYLE.get(case["verdict"], "white")
    return f"{marks} [{style}]{case['verdict']}[/]"


def backtest_table(doc: dict[str, Any]) -> Table:
    """The summary table of a ``detente backtest --json`` document."""
    table = Table(title="Backtest: the model beside the record (a plausibility check, not a validation)")
    table.add_column("case", no_wrap=True)
    for name in ("ZOPA", "roadmap", "best pair", "maxp vs tft", "GMCR", "happened", "checks"):
        table.add_column(name)
    for c in doc["cases"]:
        d, st = c["deals"], c["strategies"]
        zopa = f"[green]yes[/] {d['zopa_size']}" if d["has_agreement"] else "[red]no[/]"
        mp, rc = st["pressure"], st["reciprocity"]
        versus = (
            f"{_pct(None if mp is None else mp['agreement_rate'])} vs "
            f"{_pct(None if rc is None else rc['agreement_rate'])}"
        )
        who = f"{c['case']}\n[dim]{st['pressure_party']}/{st['counterpart']}"
        if st["others"]:
            who += f" +{len(st['others'])}"
        who += "[/]"
        table.add_row(
            who,
            zopa,
            _roadmap_cell(c["roadmap"]),
            _pair_cell(st["best"]),
            versus,
            _gmcr_cell(c["stability"]),
            _happened_cell(c["history"]),
            _checks_cell(c),
        )
    return table


def matrix_table(case: dict[str, Any]) -> Table:
    """One case's agreement rates (and target shares) for every strategy pair."""
    st = case["strategies"]
    others = ", ".join(f"{p}: {v}" for p, v in st["others"].items())
    title = f"{case['case']}: agreement rate (target share), {st['runs']} runs per pair"
    table = Table(title=title + (f"; {others}" if others else ""))
    table.add_column(f"{st['pressure_party']} \\ {st['counterpart']}")
    for name in st["counterpart_strategies"]:
        table.add_column(name, justify="right")
    for i, name in enumerate(st["pressure_strategies"]):
        cells = [
            f"{_pct(a)} ({_pct(s)})"
            for a, s in zip(st["agreement_rate"][i], st["target_share"][i], strict=True)
        ]
        table.add_row(name, *cells)
    return table


def _print(doc: dict[str, Any], matrices: bool = False) -> None:
    console.print(backtest_table(doc))
    tally = doc["tally"]
    console.print(
        "Verdicts: " + ", ".join(f"{n} {k}" for k, n in sorted(tally.items())) + f" · {doc['runs']} runs "
        f"per strategy pair · seed {doc['seed']}",
        highlight=False,
    )
    console.print(f"[dim]{LEGEND}[/]", highlight=False)
    for note in doc["notes"]:
        console.print(f"[dim]· {term(note)}[/]", highlight=False)
    if matrices:
        for c in doc["cases"]:
            console.print(matrix_table(c))
    console.rule("[bold]What happened (outcome blocks) and where the model disagrees")
    for c in doc["cases"]:
        console.print(f"[bold]{term(c['case'])}[/] — {term(c['title'])}", highlight=False)
        if c["outcome"] is not None:
            console.print(visible(f"  {c['outcome']['summary']}"), markup=False, highlight=False)
        if c["history"] is not None:
            console.print(f"  [dim]read as:[/] {term(c['history']['label'])}", highlight=False)
        for chk in c["checks"]:
            if chk["mark"] == "disagree":
                console.print(
                    f"  [red]disagree[/] ({term(chk['name'])}): model: {term(chk['model'])}; history: {term(chk['history'])}",
                    highlight=False,
                )
        others = c["strategies"]["others"]
        if others:
            console.print(
                "  [dim]other parties: " + ", ".join(f"{p} plays {v}" for p, v in others.items()) + "[/]",
                highlight=False,
            )


def backtest(
    json_out: bool = typer.Option(False, "--json", help="Print JSON on stdout (nothing else)."),
    runs: int = typer.Option(
        20, "--runs", "-n", min=1, help="Simulated runs per strategy pair and case (default 20)."
    ),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed for every random draw (same seed, same result)."),
    cases: str | None = typer.Option(
        None, "--cases", help="Comma-separated case ids (default: every built-in historical case)."
    ),
    backend: str = typer.Option(
        "inprocess", "--backend", help="Where simulations run: inprocess, processes or dask."
    ),
    workers: int | None = typer.Option(None, "--workers", help="Worker count for processes or dask."),
    matrices: bool = typer.Option(
        False,
        "--matrices",
        help="Also print every case's full strategy matrix (which pairs agree, how often).",
    ),
) -> None:
    """Every built-in historical case: ZOPA, roadmap, strategies and stability beside what happened.

    A plausibility check, not a validation: scenario values were set from the sources
    before the backtest was run and are not tuned to it.
    """
    from detente.simulate.backends import make_backend  # lazy: the simulator, +30 ms on `detente --help`
    from detente.studies.backtest import backtest as run_backtest  # lazy: scipy, +0.7 s on `detente --help`

    with guarded():
        names = None if cases is None else [c.strip() for c in cases.split(",") if c.strip()]
        with make_backend(backend, workers=workers) as b, _progress(True) as bar:
            result = run_backtest(names, runs=runs, seed=seed, backend=b, progress=bar)
        doc = result.as_dict()
        if json_out:
            emit_json(doc)
            return
        _print(doc, matrices)
