"""``detente deals``: the deal space (packages, frontier, ZOPA, bargaining solutions). See docs/deals.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich import box
from rich.table import Table

from detente.model.errors import ScenarioError
from detente.model.scenario import Scenario

from .common import SCENARIO_HELP, RunContext, console, emit_json, guarded, load_scenario_arg
from .text import term

__all__ = ["deal_tables", "register", "run_section"]

LABELS = {
    "nash": "Nash",
    "kalai_smorodinsky": "Kalai–Smorodinsky",
    "egalitarian": "egalitarian",
    "utilitarian": "utilitarian",
}
RUN_SAMPLES, RUN_SAMPLES_QUICK = 300, 60


def register(app: typer.Typer) -> None:
    app.command("deals")(deals)


def deals(
    scenario: str = typer.Argument("korea-2019", help=SCENARIO_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print JSON on stdout (nothing else)."),
    samples: int = typer.Option(
        0, "--samples", min=0, help="Draw ranged values this many times and report frequencies."
    ),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed for the draws (same seed, same result)."),
    first: str | None = typer.Option(
        None, "--first", help="Who proposes first in alternating offers (default: first party)."
    ),
    method: str = typer.Option("auto", "--method", help="Frontier method: auto, enumerate or merge."),
    plot: Path | None = typer.Option(
        None, "--plot", help="Write a plot of packages, frontier and solutions (.png or .html)."
    ),
    top: int = typer.Option(
        15, "--top", min=1, help="Most frontier packages to list (ZOPA first; --json lists all)."
    ),
) -> None:
    """Every package of moves, the exact Pareto frontier, the ZOPA and the bargaining solutions."""
    from detente.analysis.deal_sampling import sample_deals  # lazy: scipy, +0.27 s on `detente --help`
    from detente.analysis.deals import analyse_deals  # lazy: scipy, +0.27 s on `detente --help`

    with guarded():
        if plot is not None and plot.suffix.lower() not in (".png", ".html"):
            raise ScenarioError.single(str(plot), "cannot plot to this file; expected a .png or .html file")
        s = load_scenario_arg(scenario)
        ds = analyse_deals(s, first_proposer=first, method=method)  # type: ignore[arg-type]
        sampling = sample_deals(s, samples, seed=seed, method=method) if samples else None  # type: ignore[arg-type]
        if plot is not None:
            from detente.report.deal_plot import (
                plot_deals,  # lazy: matplotlib and scipy, +0.25-0.65 s on `detente --help`
            )

            plot_deals(ds, plot)
        if json_out:
            out: dict[str, Any] = ds.as_dict()
            if sampling is not None:
                out["sampling"] = sampling.as_dict()
            emit_json(out)
            return
        for item in deal_tables(ds, top=top):
            console.print(item)
        if sampling is not None:
            console.print(sampling_table(sampling, s.status_quo, top=top))
        if plot is not None:
            console.print(f"wrote {term(plot)}")


SHORT = {"nash": "Nash", "kalai_smorodinsky": "KS", "egalitarian": "egal.", "utilitarian": "util."}
"""Solution headers that fit 80 columns, explained in the table's caption."""


def _widest(packages: Any) -> int:
    """The longest move id in ``packages``: a package column at least this wide never breaks an id."""
    return max((len(m) for pk in packages for m in pk.moves), default=10)


def _pkg(moves: frozenset[str], sq: frozenset[str]) -> str:
    added = sorted(moves - sq)
    dropped = sorted(sq - moves)
    text = ", ".join(added) if added else "(status quo)"
    if dropped:
        text += "; reverses " + ", ".join(dropped)
    return text


def deal_tables(ds: Any, top: int = 15) -> list[object]:
    """Rich renderables for a :class:`~detente.analysis.deals.DealSpace`."""
    parties = list(ds.parties)
    sq = ds.status_quo.moves
    out: list[object] = []
    head = (
        f"{ds.packages_feasible:,} feasible packages ({ds.method}: {ds.packages_evaluated:,} evaluated); "
        f"{len(ds.frontier)} on the Pareto frontier. Disagreement point: "
        + ", ".join(f"{p} {ds.disagreement[p]:.2f}" for p in parties)
    )
    out.append(head)
    colour = "green" if ds.has_agreement else "bold red"
    out.append(f"[{colour}]{term(ds.message)}[/]")
    number = {pk.moves: i + 1 for i, pk in enumerate(ds.frontier)}

    def lottery(pairs: Any) -> str:
        return " + ".join(f"{w:.0%} #{number[pk.moves]}" for pk, w in pairs)

    t = Table(
        title="Bargaining solutions (gain over the disagreement point in brackets; #n: frontier package)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    t.add_column("solution", style="bold")
    for p in parties:
        t.add_column(p, justify="right", no_wrap=True)
    t.add_column("package", justify="right")
    t.add_column("over lotteries")
    for name, sol in ds.solutions.items():
        vals = [f"{sol.utility[p]:.2f} ({sol.utility[p] - ds.disagreement[p]:+.2f})" for p in parties]
        pk = f"#{number[sol.moves]}" if sol.agreement else "no deal"
        if sol.hull is None:
            hull = "no lottery beats the disagreement point"
        else:
            hull = (
                ", ".join(f"{p} {sol.hull.utility[p]:.2f}" for p in parties)
                + " = "
                + lottery(sol.hull.lottery)
            )
        t.add_row(LABELS[name], *vals, pk, hull)
    out.append(t)
    if ds.rubinstein is not None:
        r = ds.rubinstein
        lot = lottery(r.lottery)
        out.append(
            f"Rubinstein alternating offers ({r.first} first; discounts "
            + ", ".join(f"{k} {v:g}" for k, v in r.discounts.items())
            + "): "
            + ", ".join(f"{k} {r.utility[k]:.2f} ({r.share[k]:.0%} of its best)" for k in parties)
            + f" = {lot}"
        )
    elif ds.rubinstein_note:
        out.append(f"Rubinstein: {term(ds.rubinstein_note)}")
    f = Table(
        title=f"Pareto frontier ({'ZOPA and ' if ds.zopa else ''}solutions; all with --top {len(ds.frontier)})",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    f.add_column("#", justify="right")
    for p in parties:
        f.add_column(p, justify="right", no_wrap=True)
    f.add_column("ZOPA")
    f.add_column("moves beyond the status quo", min_width=_widest(ds.frontier))
    zopa = {pk.moves for pk in ds.zopa}
    in_zopa = [i for i, pk in enumerate(ds.frontier) if pk.moves in zopa]
    shown = set((in_zopa or list(range(len(ds.frontier))))[:top])
    shown |= {number[s.moves] - 1 for s in ds.solutions.values() if s.agreement}
    for i in sorted(shown):
        pk = ds.frontier[i]
        f.add_row(str(i + 1), *[f"{pk.utility[p]:.2f}" for p in parties], "yes" if pk.moves in zopa else "",
                  _pkg(pk.moves, sq))  # fmt: skip
    out.append(f)
    return out


def sampling_table(sampling: Any, status_quo: frozenset[str], top: int = 15) -> Table:
    """Rich table of :class:`~detente.analysis.deal_sampling.DealSampling`: the packages most often a solution."""
    t = Table(
        title=f"Over {sampling.samples} draws of the ranged values (seed {sampling.seed}): "
        f"a deal exists in {sampling.agreement:.0%} of draws; share of draws in which each package is ...",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    t.add_column("on frontier", justify="right")
    for name in LABELS:
        t.add_column(SHORT.get(name, LABELS[name]), justify="right", no_wrap=True)
    t.add_column("package beyond the status quo", min_width=_widest(sampling.packages))
    t.caption = "... on the frontier, or each solution: " + ", ".join(
        f"{SHORT[n]} {LABELS[n]}" for n in LABELS if SHORT.get(n, LABELS[n]) != LABELS[n]
    )
    t.caption_justify = "left"
    rows = sorted(sampling.packages, key=lambda p: (-max(p.solutions.values()), -p.frontier))
    for p in rows[:top]:
        t.add_row(f"{p.frontier:.0%}", *[f"{p.solutions[n]:.0%}" for n in LABELS], _pkg(p.moves, status_quo))
    return t


def run_section(scenario: Scenario, ctx: RunContext) -> None:
    """The deal-space section of ``detente run``."""
    from detente.analysis.deal_sampling import sample_deals  # lazy: scipy, +0.27 s on `detente --help`
    from detente.analysis.deals import analyse_deals  # lazy: scipy, +0.27 s on `detente --help`

    ctx.console.rule("[bold]Deal space")
    ds = analyse_deals(scenario)
    for item in deal_tables(ds, top=10):
        ctx.console.print(item)
    ctx.results["deals"] = ds
    if scenario.has_ranges:
        n = RUN_SAMPLES_QUICK if ctx.quick else RUN_SAMPLES
        if len(scenario.parties) > 2:
            n //= 3  # many-party frontiers are larger and slower to merge
        sampling = sample_deals(scenario, n, seed=ctx.seed)
        ctx.console.print(sampling_table(sampling, scenario.status_quo, top=8))
        ctx.results["deals_sampling"] = sampling
