"""Simulation commands: simulate (one strategy profile), compare (a matrix), tournament (ranked).

Thin: parse options, call :mod:`detente.simulate.montecarlo` / :mod:`detente.simulate.compare`,
print. See docs/simulate-cli.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from detente.defaults import COMPARISON, settings_line
from detente.model.errors import Problem, ScenarioError
from detente.model.scenario import Scenario

from .common import (
    SCENARIO_HELP,
    RunContext,
    console,
    emit_json,
    err_console,
    guarded,
    load_scenario_arg,
    write_output,
)
from .runs import RESUME_OPT, STORE_OPT, open_store
from .tables import comparison_csv, comparison_table, ranked_summary
from .text import term

if TYPE_CHECKING:
    from detente.simulate.montecarlo import Recorder  # lazy: scipy, +0.8 s on `detente --help`

__all__ = ["parse_assignments", "register", "run_section"]


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)
    app.command("compare")(compare)
    app.command("tournament")(tournament)


# ------------------------------------------------------------------- options
STRATEGY_OPT = typer.Option(
    [],
    "--strategy",
    "-s",
    metavar="PARTY=SPEC",
    help="A party's strategy: a registered name (e.g. USA=step-by-step), a dotted path or an entry point. Repeat per party.",
)
RUNS_HELP = (
    "Number of Monte Carlo replicates (per cell for compare, per match for tournament); "
    "the default is shared with the report and the app."
)
SEED_OPT = typer.Option(
    COMPARISON.seed,
    "--seed",
    min=0,
    help="Seed for every random draw (same seed, same result, on any backend).",
)
JSON_OPT = typer.Option(False, "--json", help="Print JSON on stdout (nothing else).")
BACKEND_OPT = typer.Option(
    "auto",
    "--backend",
    help="Where replicates run: auto (worker processes, one per core, for 10,000 replicates or more; "
    "this process otherwise), inprocess, processes or dask. Same results on every backend.",
)
WORKERS_OPT = typer.Option(
    None, "--workers", min=1, help="Worker processes (processes and dask; default: CPU count)."
)
ADDRESS_OPT = typer.Option(
    None, "--address", help="An existing Dask scheduler (tcp://host:8786); implies --backend dask."
)
HORIZON_OPT = typer.Option(
    None, "--horizon", min=1, help="Periods to simulate (default: the scenario's time.horizon)."
)
MISPERCEPTION_OPT = typer.Option(
    0.0,
    "--misperception",
    min=0.0,
    help="Relative error (standard deviation) with which each side sees the other's values, drawn once per run.",
)
COOLING_OPT = typer.Option(
    3, "--cooling-off", min=0, help="Periods the talks stay broken after a breakdown before they resume."
)
LIKELY_OPT = typer.Option(
    not COMPARISON.sample_values,
    "--likely-values",
    help="Use the likely values instead of sampling ranges per run.",
)
STRATEGIES_HELP = (
    "Comma-separated strategy specs (default: every registered strategy, as in the report and the app)."
)
NO_STORE_OPT = typer.Option(False, "--no-store", help="Do not record this run in the results database.")


def _runner(
    kind: str, parameters: dict[str, Any], store: str | None, resume: bool, no_store: bool
) -> Recorder | None:
    """Records the sweep in the results database (docs/store.md), unless ``--no-store``."""
    if no_store:
        if resume:
            raise ScenarioError.single("--resume", "--resume needs the results database; drop --no-store")
        return None
    from detente.store import StoreRecorder  # lazy: scipy, +0.7 s on `detente --help`

    return StoreRecorder(open_store(store), parameters, resume)


def _sweep(
    run: Callable[..., Any],
    args: tuple[Any, ...],
    *,
    total: int,
    backend: str,
    workers: int | None,
    address: str | None,
    runner: Recorder | None,
    json_out: bool,
    **kwargs: Any,
) -> dict[str, Any]:
    """Run ``run(*args, **kwargs)`` on the chosen backend with a progress bar; its JSON document.

    With ``--json`` the document is also printed (the caller then prints nothing else).
    """
    from detente.simulate.backends import make_backend  # lazy: the simulator, +30 ms on `detente --help`

    with (
        make_backend(backend, workers=workers, address=address, total=total) as b,
        _progress(total, True) as bar,
    ):
        result = run(*args, backend=b, progress=bar, recorder=runner, **kwargs)
    doc: dict[str, Any] = result.as_json()
    doc.setdefault("sample_values", kwargs["sample_values"])  # what settings_line() reports
    _recorded_note(runner, json_out)
    if json_out:
        emit_json(doc)
    return doc


def _recorded_note(runner: Recorder | None, quiet: bool) -> None:
    if runner is None or quiet:
        return
    err_console.print("recorded in the results database (see `detente runs list`)", style="dim")


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """``["USA=grit", "DPRK=tit-for-tat"]`` -> ``{"USA": "grit", "DPRK": "tit-for-tat"}``.

    >>> parse_assignments(["USA=grit"])
    {'USA': 'grit'}
    >>> try:
    ...     parse_assignments(["grit"])
    ... except ScenarioError as e:
    ...     print(e)
    --strategy: expected PARTY=SPEC (e.g. USA=step-by-step), found 'grit'
    """
    out: dict[str, str] = {}
    problems = []
    for item in items:
        party, sep, spec = item.partition("=")
        party, spec = party.strip(), spec.strip()
        if not sep or not party or not spec:
            problems.append(
                Problem(
                    "--strategy",
                    None,
                    None,
                    "",
                    f"expected PARTY=SPEC (e.g. USA=step-by-step), found {item!r}",
                )
            )
        elif party in out:
            problems.append(
                Problem(
                    "--strategy", None, None, party, f"{party} is given twice ({out[party]!r} and {spec!r})"
                )
            )
        else:
            out[party] = spec
    if problems:
        raise ScenarioError(problems)
    return out


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    items = [x.strip() for x in value.split(",") if x.strip()]
    if not items:
        raise ScenarioError.single("--strategies", f"expected comma-separated names, found {value!r}")
    return items


def _registered() -> list[str]:
    """The default strategies (:data:`detente.defaults.COMPARISON`) among the registered ones."""
    from detente.simulate.strategies import REGISTRY  # lazy: the simulator, +30 ms on `detente --help`

    return COMPARISON.strategy_names(REGISTRY)


@contextmanager
def _progress(total: int, show: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr for long runs in a terminal (never on stdout)."""
    if not show or total < 20 or not err_console.is_terminal:
        yield None
        return

    columns = (TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("runs", total=total)

        def update(done: int, _total: int) -> None:
            bar.update(task, completed=done)

        yield update


def _fmt(entry: dict[str, Any] | None, pct: bool = False) -> tuple[str, str]:
    if entry is None or entry.get("mean") is None:
        return "-", ""
    f = (lambda v: f"{100 * v:.1f}%") if pct else (lambda v: f"{v:.2f}")
    lo, hi = entry["ci"]
    return f(entry["mean"]), ("" if lo is None else f"[{f(lo)}, {f(hi)}]")


# ------------------------------------------------------------------ commands
def simulate(
    scenario: str = typer.Argument("korea-2019", help=SCENARIO_HELP),
    strategy: list[str] = STRATEGY_OPT,
    runs: int = typer.Option(COMPARISON.runs, "--runs", "-n", min=1, help=RUNS_HELP),
    seed: int = SEED_OPT,
    json_out: bool = JSON_OPT,
    backend: str = BACKEND_OPT,
    workers: int | None = WORKERS_OPT,
    address: str | None = ADDRESS_OPT,
    horizon: int | None = HORIZON_OPT,
    misperception: float = MISPERCEPTION_OPT,
    cooling_off: int = COOLING_OPT,
    target: str | None = typer.Option(
        None, "--target", help="Comma-separated move ids of the target package."
    ),
    likely_values: bool = LIKELY_OPT,
    store: str | None = STORE_OPT,
    resume: bool = RESUME_OPT,
    no_store: bool = NO_STORE_OPT,
) -> None:
    """Play one strategy per party many times and print the outcome distribution.

    Every run is recorded in the results database (`detente runs list`); a sweep that was
    interrupted continues with --resume and gives the same numbers.
    """
    from detente.simulate.montecarlo import (  # lazy: scipy, +0.8 s on `detente --help`
        settings_for,
        validate_strategies,
    )
    from detente.simulate.montecarlo import simulate as run  # lazy: scipy, +0.8 s on `detente --help`

    with guarded():
        s = load_scenario_arg(scenario)
        assignment = parse_assignments(strategy)
        validate_strategies(s, assignment)  # before starting any worker
        targets = [x.strip() for x in target.split(",") if x.strip()] if target else None
        settings = settings_for(
            s, horizon=horizon, misperception=misperception, cooling_off=cooling_off, target=targets
        )
        params = {
            "scenario": s.id, "strategies": assignment, "runs": runs, "seed": seed, "horizon": horizon,
            "misperception": misperception, "cooling_off": cooling_off, "target": targets,
            "likely_values": likely_values, "backend": backend,
        }  # fmt: skip
        runner = _runner("simulate", params, store, resume, no_store)
        doc = _sweep(
            run, (s, assignment), total=runs, backend=backend, workers=workers, address=address,
            runner=runner, json_out=json_out,
            runs=runs, seed=seed, settings=settings, sample_values=not likely_values,
        )  # fmt: skip
        if json_out:
            return
        _print_simulation(doc, s)


def _print_simulation(doc: dict[str, Any], s: Scenario) -> None:
    profile = ", ".join(f"{p}={spec}" for p, spec in doc["strategies"].items())
    t = Table(title=f"{s.id}: {term(profile)} ({doc['runs']} runs, seed {doc['seed']})")
    for col in ("outcome", "mean", "95% interval", "median", "5%..95%"):
        t.add_column(col, justify="right" if col != "outcome" else "left")
    o = doc["outcomes"]
    t.add_row("agreement reached", *_fmt(o["agreement_rate"], pct=True), "", "")
    rows: list[tuple[str, dict[str, Any]]] = [
        ("first step (period, when taken)", o["first_step"]),
        ("target package in force (share)", o["target_share"]),
    ]
    for p, v in o["utility"].items():
        rows.append((f"{p} payoff (discounted total)", v))
        if "no_deal" in o:
            rows += [("  value of no deal", o["no_deal"][p]), ("  gain over no deal", o["gain"][p])]
    rows += [
        ("breakdowns", o["breakdowns"]),
        ("breaches detected", o["breaches_detected"]),
        ("breaches missed", o["breaches_missed"]),
    ]
    for label, entry in rows:
        q = entry.get("quantiles") or {}
        spread = f"{q['p5']:.2f}..{q['p95']:.2f}" if q else ""
        median = f"{q['p50']:.2f}" if q else ""
        t.add_row(label, *_fmt(entry), median, spread)
    console.print(t)
    n = o["first_step"]["n"]
    console.print(
        f"A first step was taken in {n} of {doc['runs']} runs; intervals are 95% (Wilson for rates, t for means). "
        "A payoff is the party's discounted total on its own scale: the horizon plus what stands at its end "
        "carrying on; target share is 0-1; periods are months.",
        markup=False,
        highlight=False,
    )
    if "no_deal" in o:
        console.print(
            "No deal: the status quo carrying on. A negative gain: worse off than without talks.",
            markup=False,
            highlight=False,
        )
    console.print(settings_line(doc), style="dim", markup=False, highlight=False)


def compare(
    scenario: str = typer.Argument("korea-2019", help=SCENARIO_HELP),
    strategies: str | None = typer.Option(None, "--strategies", help=STRATEGIES_HELP),
    column_strategies: str | None = typer.Option(
        None, "--column-strategies", help="Strategies of the column party (default: as --strategies)."
    ),
    parties: str | None = typer.Option(
        None,
        "--parties",
        metavar="ROW,COLUMN",
        help="The two parties of the matrix (default: the first two).",
    ),
    strategy: list[str] = typer.Option(
        [],
        "--strategy",
        "-s",
        metavar="PARTY=SPEC",
        help=f"Fixed strategy for any other party (default: {COMPARISON.others}, as in the report and the app).",
    ),
    runs: int = typer.Option(COMPARISON.runs, "--runs", "-n", min=1, help=RUNS_HELP),
    seed: int = SEED_OPT,
    json_out: bool = JSON_OPT,
    backend: str = BACKEND_OPT,
    workers: int | None = WORKERS_OPT,
    address: str | None = ADDRESS_OPT,
    horizon: int | None = HORIZON_OPT,
    misperception: float = MISPERCEPTION_OPT,
    cooling_off: int = COOLING_OPT,
    likely_values: bool = LIKELY_OPT,
    store: str | None = STORE_OPT,
    resume: bool = RESUME_OPT,
    no_store: bool = NO_STORE_OPT,
    csv_path: Path | None = typer.Option(
        None,
        "--csv",
        metavar="PATH",
        help="Also write the matrix as CSV, one row per cell (see docs/formats.md).",
    ),
) -> None:
    """Every strategy of one party against every strategy of another: a matrix of outcomes."""
    from detente.simulate.compare import compare as run  # lazy: scipy, +0.8 s on `detente --help`
    from detente.simulate.montecarlo import settings_for  # lazy: scipy, +0.8 s on `detente --help`

    with guarded():
        s = load_scenario_arg(scenario)
        rows = _split(strategies) or _registered()
        cols = _split(column_strategies)
        pair = _parse_parties(parties)
        matrix = pair or tuple(s.party_ids[:2])
        others = {p: COMPARISON.others for p in s.party_ids if p not in matrix}
        fixed = others | parse_assignments(strategy)
        settings = settings_for(s, horizon=horizon, misperception=misperception, cooling_off=cooling_off)
        total = runs * len(rows) * len(cols or rows)
        params = {
            "scenario": s.id, "strategies": rows, "column_strategies": cols, "parties": pair, "fixed": fixed,
            "runs": runs, "seed": seed, "horizon": horizon, "misperception": misperception,
            "cooling_off": cooling_off, "likely_values": likely_values, "backend": backend,
        }  # fmt: skip
        runner = _runner("compare", params, store, resume, no_store)
        doc = _sweep(
            run, (s, rows), total=total, backend=backend, workers=workers, address=address,
            runner=runner, json_out=json_out,
            column_strategies=cols, parties=pair, fixed=fixed, runs=runs, seed=seed, settings=settings,
            sample_values=not likely_values,
        )  # fmt: skip
        if csv_path is not None:
            write_output(csv_path, comparison_csv(doc))
            err_console.print(f"wrote {csv_path}", markup=False, highlight=False)
        if json_out:
            return
        console.print(comparison_table(doc))
        console.print(settings_line(doc), style="dim", markup=False, highlight=False)
        for line in ranked_summary(doc):
            console.print(term(line), highlight=False)


def _parse_parties(value: str | None) -> tuple[str, str] | None:
    if value is None:
        return None
    items = [x.strip() for x in value.split(",")]
    if len(items) != 2 or not all(items):
        raise ScenarioError.single("--parties", f"expected ROW,COLUMN (two party ids), found {value!r}")
    return items[0], items[1]


def tournament(
    scenarios: list[str] = typer.Argument(
        None, help="Two-party scenarios (built-in names or files; default: korea-2019)."
    ),
    strategies: str | None = typer.Option(None, "--strategies", help=STRATEGIES_HELP),
    runs: int = typer.Option(COMPARISON.runs, "--runs", "-n", min=1, help=RUNS_HELP),
    seed: int = SEED_OPT,
    json_out: bool = JSON_OPT,
    backend: str = BACKEND_OPT,
    workers: int | None = WORKERS_OPT,
    address: str | None = ADDRESS_OPT,
    misperception: float = MISPERCEPTION_OPT,
    cooling_off: int = COOLING_OPT,
    likely_values: bool = LIKELY_OPT,
    store: str | None = STORE_OPT,
    resume: bool = RESUME_OPT,
    no_store: bool = NO_STORE_OPT,
) -> None:
    """Round robin of strategies across scenarios, both seats, ranked by rescaled utility."""
    from detente.simulate.compare import tournament as run  # lazy: scipy, +0.8 s on `detente --help`
    from detente.simulate.montecarlo import settings_for  # lazy: scipy, +0.8 s on `detente --help`

    with guarded():
        loaded = [load_scenario_arg(x) for x in (scenarios or ["korea-2019"])]
        names = _split(strategies) or _registered()
        settings = settings_for(loaded[0], misperception=misperception, cooling_off=cooling_off)
        total = runs * len(names) ** 2 * len(loaded)
        params = {
            "scenarios": [x.id for x in loaded], "strategies": names, "runs": runs, "seed": seed,
            "misperception": misperception, "cooling_off": cooling_off, "likely_values": likely_values,
            "backend": backend,
        }  # fmt: skip
        runner = _runner("tournament", params, store, resume, no_store)
        doc = _sweep(
            run, (loaded, names), total=total, backend=backend, workers=workers, address=address,
            runner=runner, json_out=json_out,
            runs=runs, seed=seed, settings=settings, sample_values=not likely_values,
        )  # fmt: skip
        if json_out:
            return
        t = Table(
            title=f"Tournament: {', '.join(doc['scenarios'])} ({doc['runs']} runs per match, seed {doc['seed']})"
        )
        for col in ("rank", "strategy", "score", "agreement", "target share", "seats played"):
            t.add_column(col, justify="left" if col == "strategy" else "right")
        for r in doc["ranking"]:
            t.add_row(
                str(r["rank"]),
                term(r["strategy"]),
                f"{r['score']:.3f}",
                f"{100 * r['agreement_rate']:.0f}%",
                f"{r['target_share']:.2f}",
                str(r["matches"]),
            )
        t.caption = "score: mean payoff rescaled to [0, 1] per scenario and seat, over all matches"
        console.print(t)
        console.print(settings_line(doc), style="dim", markup=False, highlight=False)


# --------------------------------------------------------------- detente run
def run_section(scenario: Scenario, ctx: RunContext) -> None:
    """Strategy comparison for the first two parties, with the shared defaults.

    The same comparison as ``detente compare`` and the report's strategy section
    (:data:`detente.defaults.COMPARISON`: every registered strategy, values sampled from
    their ranges), so the report that ``detente run`` writes shows what they show.
    """
    from detente.simulate.compare import compare as run  # lazy: scipy, +0.8 s on `detente --help`

    ctx.console.rule("[bold]Strategy comparison")
    if len(scenario.parties) < 2:
        ctx.console.print("(a strategy comparison needs at least two parties)")
        return
    names = _registered()
    row, col, *others = scenario.party_ids
    fixed = {p: COMPARISON.others for p in others}
    result = run(
        scenario,
        names,
        parties=(row, col),
        fixed=fixed,
        runs=COMPARISON.runs_for(ctx.quick),
        seed=ctx.seed,
        sample_values=COMPARISON.sample_values,
    )
    doc = {**result.as_json(), "sample_values": COMPARISON.sample_values}
    ctx.results["simulate"] = doc
    ctx.console.print(comparison_table(doc))
    m = doc["matrix"]
    n = len(doc["columns"])
    score = {
        r: (sum(m["agreement_rate"][i]) / n, sum(m["target_share"][i]) / n) for i, r in enumerate(doc["rows"])
    }
    top, bottom = max(score.values()), min(score.values())
    best = " / ".join(f"[bold]{term(k)}[/]" for k, v in score.items() if v == top)
    worst = " / ".join(f"[bold]{term(k)}[/]" for k, v in score.items() if v == bottom)
    ctx.console.print(
        f"Averaged over {col}'s responses, {row} gets furthest with {best} "
        f"(agreement {100 * top[0]:.0f}%, target package {100 * top[1]:.0f}% in force at the horizon) "
        f"and least far with {worst} ({100 * bottom[0]:.0f}%, {100 * bottom[1]:.0f}%)."
        + (f" Other parties play {COMPARISON.others}." if others else "")
    )
    ctx.console.print(settings_line(doc), style="dim", markup=False, highlight=False)
