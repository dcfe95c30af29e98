"""``detente sensitivity``: which assumption drives a verdict; and the "what would change the answer"
section of ``detente run``. Thin: the study is :func:`detente.studies.sensitivity`. See docs/sensitivity.md.
"""

from __future__ import annotations

import time
from typing import Any

import typer
from rich.table import Table

from detente.model.errors import DetenteError
from detente.model.scenario import Scenario

from .common import SCENARIO_HELP, RunContext, console, emit_json, err_console, guarded, load_scenario_arg
from .runs import RESUME_OPT, STORE_OPT, open_store
from .text import term

__all__ = ["register", "run_section"]

RUN_BUDGET = 10.0
"""Seconds ``detente run`` allows this section: when its estimate is longer, it is skipped."""


def register(app: typer.Typer) -> None:
    app.command("sensitivity")(sensitivity)


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.3g}"


def sensitivity(
    scenario: str = typer.Argument("korea-2019", help=SCENARIO_HELP),
    metric: str = typer.Option(
        ...,
        "--metric",
        "-m",
        help=(
            "What to watch: zopa, nash-package, nash-utility:PARTY, package-utility:PARTY=M1+M2, "
            "roadmap-exists[:SECONDS], agreement-rate:P=STRAT,Q=STRAT[@RUNS], best-pair[:S1,S2,...][@RUNS]."
        ),
    ),
    method: str = typer.Option("oat", "--method", help="oat (tornado), sobol (variance indices) or both."),
    threshold: float | None = typer.Option(
        None, "--threshold", help="Verdict of a numeric metric: value >= THRESHOLD (needed for break-even)."
    ),
    inputs: str | None = typer.Option(
        None, "--inputs", help="Only inputs matching this pattern, e.g. 'usa-*:DPRK'."
    ),
    samples: int = typer.Option(
        128, "--samples", min=2, help="Sobol base samples (a power of two); cost samples*(k+2)."
    ),
    distribution: str = typer.Option(
        "triangular", "--distribution", help="Sobol sampling: triangular or uniform."
    ),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of every evaluation and of the Sobol design."),
    no_break_even: bool = typer.Option(False, "--no-break-even", help="Skip the break-even searches."),
    top: int = typer.Option(15, "--top", min=1, help="Rows to print in each table."),
    store: str | None = STORE_OPT,
    no_store: bool = typer.Option(
        False, "--no-store", help="Do not record this run in the results database."
    ),
    resume: bool = RESUME_OPT,
    backend: str = typer.Option(
        "inprocess", "--backend", help="Where evaluations run: inprocess, processes or dask."
    ),
    workers: int | None = typer.Option(
        None, "--workers", min=1, help="Worker processes (processes and dask)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON on stdout (nothing else)."),
) -> None:
    """Tornado (one at a time), Sobol indices and break-even values of a metric over every ranged value."""
    from detente.simulate.backends import make_backend  # lazy: the simulator, +30 ms on `detente --help`
    from detente.studies import parse_metric  # lazy: scipy, +0.7 s on `detente --help`
    from detente.studies import sensitivity as study  # lazy: scipy, +0.7 s on `detente --help`

    with guarded():
        s = load_scenario_arg(scenario)
        m = parse_metric(metric, s)
        st = None if no_store else open_store(store)
        with make_backend(backend, workers=workers) as b:
            result = study(
                s,
                m,
                method=method,  # type: ignore[arg-type]
                threshold=threshold,
                inputs=inputs,
                samples=samples,
                distribution=distribution,  # type: ignore[arg-type]
                seed=seed,
                with_break_even=not no_break_even,
                store=st,
                resume=resume,
                backend=b,
            )
        doc = result.as_json()
        if json_out:
            emit_json(doc)
            return
        _print(doc, top)
        if result.run_id is not None and st is not None:
            err_console.print(f"recorded as run {result.run_id} in {term(st.path)}", style="dim")


def _print(doc: dict[str, Any], top: int) -> None:
    base = doc["base"]
    verdict = f" (verdict: {base['verdict']})" if base["verdict"] is not None else ""
    console.print(
        f"[bold]{term(doc['metric']['spec'])}[/] on {doc['scenario']}: {_num(base['value'])}{verdict}"
    )
    if doc["oat"]:
        table = Table(title="Tornado: each input at its low and high, others at likely")
        table.add_column("input", no_wrap=True)
        for col in ("low / likely / high", "at low", "at high", "swing", ""):
            table.add_column(col, justify="left" if col == "" else "right")
        widest = max((r["swing"] for r in doc["oat"]), default=0.0) or 1.0
        for r in doc["oat"][:top]:
            bar = "█" * round(12 * r["swing"] / widest)
            table.add_row(
                term(r["name"]),
                f"{r['low']:g} / {r['likely']:g} / {r['high']:g}",
                _mark(r["at_low"]),
                _mark(r["at_high"]),
                _num(r["swing"]),
                bar,
            )
        console.print(table)
        console.print("* the verdict changes at that end", style="dim")
    if doc["sobol"]:
        sob = doc["sobol"]
        table = Table(
            title=f"Sobol indices ({sob['distribution']} inputs, {sob['samples']} base samples, "
            f"{sob['evaluations']} evaluations)"
        )
        table.add_column("input", no_wrap=True)
        for col in ("first order S1", "total ST"):
            table.add_column(col, justify="right")
        for r in sob["indices"][:top]:
            table.add_row(
                term(r["name"]), f"{r['S1']:.3f} ± {r['S1_conf']:.3f}", f"{r['ST']:.3f} ± {r['ST_conf']:.3f}"
            )
        console.print(table)
        if sob["note"]:
            console.print(term(sob["note"]), style="dim")
    _print_changes(doc, top)


def _mark(end: dict[str, Any]) -> str:
    return f"[red]{_num(end['value'])}*[/]" if end["flips"] else _num(end["value"])


def _print_changes(doc: dict[str, Any], top: int) -> None:
    changes = doc["what_would_change"]
    if base_has_no_verdict := doc["base"]["verdict"] is None:
        console.print("no verdict to flip: give --threshold for a numeric metric", style="dim")
    if base_has_no_verdict or not doc["break_even"]:
        return
    if not changes:
        console.print("No single input flips the verdict, even moved twice its range's width from likely.")
        return
    console.print("[bold]What would change the answer[/] (one value at a time, nearest first):")
    for c in changes[:top]:
        where = "within its range" if c["in_range"] else "outside its range"
        console.print(
            f"  • {c['name']}: {c['likely']:g} -> {c['value']:.3g} ({c['shift']:+.3g}, {where}): {c['change']}",
            markup=False,
        )
    if not doc["complete"]:
        console.print("(time budget spent: not every input was searched)", style="dim")


def run_section(scenario: Scenario, ctx: RunContext) -> None:
    """What would change the answer: the deal zone and the Nash deal, one value at a time (~10 s at most)."""
    from detente.studies import (  # lazy: scipy, +0.7 s on `detente --help`
        parse_metric,
        ranged_inputs,
        set_inputs,
    )
    from detente.studies import sensitivity as study  # lazy: scipy, +0.7 s on `detente --help`

    out = ctx.console
    out.rule("What would change the answer")
    if not scenario.has_ranges:
        out.print("No value is given as a range, so there is nothing to vary.")
        ctx.results["sensitivity"] = {"inputs": []}
        return
    results: dict[str, Any] = {"inputs": [i.name for i in ranged_inputs(scenario)]}
    try:
        zopa_metric = parse_metric("zopa", scenario)
        zopa_metric.evaluate(set_inputs(scenario, {}), ctx.seed)  # warm up (imports, caches)
        t0 = time.monotonic()
        zopa_metric.evaluate(set_inputs(scenario, {}), ctx.seed)
        per_eval = time.monotonic() - t0
        k = len(results["inputs"])
        needed = per_eval * (
            2 * (2 * k + 1) + k * (4 + 8) // 2
        )  # two tornados; searches for a quarter of the ends
        if needed > RUN_BUDGET:
            out.print(
                f"Skipped: {len(results['inputs'])} ranged values at {per_eval:.2g} s per deal analysis would "
                f"take about {needed:.0f} s, more than this section's {RUN_BUDGET:g} s. Run "
                f"`detente sensitivity {scenario.id} --metric nash-package` for the full study."
            )
            results["skipped"] = f"estimated {needed:.0f} s"
            ctx.results["sensitivity"] = results
            return
        zopa = study(scenario, zopa_metric, seed=ctx.seed, with_break_even=False)
        flips = [r for r in zopa.oat if r["swing"] > 0]
        results["zopa"] = zopa.as_json()
        if zopa.base_verdict == "yes":
            head = "There is a deal every party prefers to the status quo"
        else:
            head = "There is no deal every party prefers to the status quo"
        if flips:
            names = ", ".join(
                f"{r['name']} at its {'low' if r['at_low']['flips'] else 'high'}" for r in flips[:5]
            )
            out.print(f"{head}; that changes with {term(names)}.")
        else:
            out.print(f"{head}, whichever single value is moved to the end of its range.")
        nash = study(
            scenario,
            parse_metric("nash-package", scenario),
            seed=ctx.seed,
            grid=4,
            iterations=8,
            break_even_scope="flipping-ends",
        )
        results["nash_package"] = nash.as_json()
        changes = nash.what_would_change()
        if not changes:
            out.print(
                "The Nash bargaining deal stays the same whichever single value moves to either end of its range."
            )
        else:
            out.print("The Nash bargaining deal changes first when (one value at a time, nearest first):")
            for c in changes[:5]:
                where = "within its range" if c["in_range"] else "outside its range"
                out.print(
                    f"  • {c['name']} goes from {c['likely']:g} to {c['value']:.3g} ({where}): {c['change']}",
                    markup=False,
                )
        out.print(
            f"Full study: detente sensitivity {scenario.id} --metric nash-package (or zopa, roadmap-exists, ...)",
            style="dim",
        )
    except DetenteError as exc:
        out.print(f"sensitivity skipped: {term(exc)}")
        results["error"] = str(exc)
    ctx.results["sensitivity"] = results
