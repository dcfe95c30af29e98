"""Report section: the deal space (every package, the Pareto frontier, the ZOPA, the solutions).

Uses the :class:`~detente.analysis.deals.DealSpace` that ``detente run`` stored
(``results["deals"]``) or computes it. The deal plot is :mod:`detente.report.deal_plot`'s;
with more than two parties a second chart gives each solution's gain for every party.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.analysis.deals import DealSpace, analyse_deals
from detente.glossary import unit

from ..figures import Figure, new_figure
from ..html import Raw, esc, table
from ..section import Body

if TYPE_CHECKING:
    from detente.analysis.deals import DealSpace

    from ..section import Body, ReportInputs

__all__ = ["DEFINITION", "KEY", "ORDER", "TITLE", "deal_figures", "render"]

KEY = "deals"
TITLE = "Deal space"
ORDER = 20
DEFINITION = "Every package of moves the parties could agree on, which of them beat no deal for everyone (the deal zone), and the packages that standard bargaining rules pick."

LABELS = {
    "nash": "Nash",
    "kalai_smorodinsky": "Kalai–Smorodinsky",
    "egalitarian": "egalitarian",
    "utilitarian": "utilitarian",
}


def deal_space(inputs: ReportInputs) -> DealSpace:

    return inputs.result(
        KEY, lambda: analyse_deals(inputs.scenario), accept=lambda v: isinstance(v, DealSpace)
    )


def deal_figures(ds: DealSpace) -> list[Figure]:
    """The deal plot of :mod:`detente.report.deal_plot` (the one ``detente deals --plot`` draws),
    plus, with more than two parties, each party's gain under each solution.

    The deal plot is used as a matplotlib figure when that module offers one
    (``deal_figure(ds)``), else as its PNG.
    """

    title = "Deal space: every package, the frontier, the lotteries and the solutions"
    figs: list[Figure] = []
    if len(ds.parties) >= 2:
        plot = importlib.import_module("detente.report.deal_plot")
        make_figure = getattr(plot, "deal_figure", None)
        if make_figure is not None:
            figs.append(Figure("deal-space", title, make_figure(ds)))
        else:
            figs.append(Figure.from_png("deal-space", title, plot.deal_plot_bytes(ds, "png")))
    if len(ds.parties) > 2:
        figs.append(_gains(ds))
    return figs


def _gains(ds: DealSpace) -> Figure:

    names = [n for n, s in ds.solutions.items() if s.agreement]
    fig, ax = new_figure(1.8 + 1.1 * len(ds.parties), 4.5)
    width = 0.8 / max(1, len(names))
    x = np.arange(len(ds.parties))
    for k, name in enumerate(names):
        sol = ds.solutions[name]
        gains = [sol.utility[p] - ds.disagreement[p] for p in ds.parties]
        ax.bar(x + (k - (len(names) - 1) / 2) * width, gains, width, label=LABELS.get(name, name))
    ax.axhline(0.0, color="black", lw=0.8)
    ax.set_xticks(x, list(ds.parties))
    ax.set_ylabel("gain over the disagreement point (value per month, own scale)")
    ax.set_title(f"Bargaining solutions of {ds.scenario}: each party's gain")
    if names:
        ax.legend(fontsize=8)
    return Figure("deal-gains", "Each party's gain under each bargaining solution", fig)


def _moves_beyond(ds: DealSpace, moves: frozenset[str]) -> str:
    sq = ds.status_quo.moves
    added = sorted(moves - sq)
    dropped = sorted(sq - moves)
    text = ", ".join(added) if added else "no new moves"
    if dropped:
        text += "; reverses " + ", ".join(dropped)
    return text


def lottery_summary(hull: Any, parties: list[str]) -> str:
    """A lottery in one line: each package's weight and only the moves in which the packages differ.

    >>> from types import SimpleNamespace as NS
    >>> h = NS(is_lottery=True, utility={"A": 1.0, "B": 2.5},
    ...        lottery=((NS(moves=frozenset("xyz")), 0.28), (NS(moves=frozenset("xy")), 0.72)))
    >>> lottery_summary(h, ["A", "B"])
    'lottery: 28% with z, 72% without; both have the other 2 moves (worth A 1.00, B 2.50 a month)'
    """
    if not hull.is_lottery:
        return "a single package (no lottery needed)"
    sets = [pk.moves for pk, _ in hull.lottery]
    shared = frozenset.intersection(*sets)
    parts = []
    for pk, w in hull.lottery:
        extra = sorted(pk.moves - shared)
        parts.append(f"{w:.0%} " + ("with " + ", ".join(extra) if extra else "without"))
    worth = ", ".join(f"{p} {hull.utility[p]:.2f}" for p in parties)
    both = "both have" if len(sets) == 2 else "all have"
    return f"lottery: {', '.join(parts)}; {both} the other {len(shared)} moves (worth {worth} a month)"


def render(inputs: ReportInputs) -> Body:

    ds = deal_space(inputs)
    figs = deal_figures(ds)
    parties = list(ds.parties)
    verdict = "good" if ds.has_agreement else "bad"
    parts = [
        f'<p class="note"><span class="{verdict}">{esc(ds.message)}</span></p>',
        f"<p>{ds.packages_feasible} feasible packages ({esc(ds.method)}; {ds.packages_evaluated} evaluated), "
        f"{len(ds.frontier)} on the Pareto frontier. Values are per month, on each party's own 0-10 scale. "
        "Disagreement point (each party's value with no deal): "
        + ", ".join(f"{esc(p)} {ds.disagreement[p]:.2f}" for p in parties)
        + ".</p>",
        *[f"<figure>{f.svg()}<figcaption>{esc(f.title)}</figcaption></figure>" for f in figs],
        "<h3>Bargaining solutions</h3>",
    ]
    rows: list[list[Any]] = []
    for name, sol in ds.solutions.items():
        hull = lottery_summary(sol.hull, parties) if sol.hull is not None else "—"
        rows.append(
            [
                LABELS.get(name, name),
                "yes" if sol.agreement else "no deal",
                *[f"{sol.utility[p]:.2f} ({sol.utility[p] - ds.disagreement[p]:+.2f})" for p in parties],
                Raw(f"<small>{esc(_moves_beyond(ds, sol.moves))}</small>"),
                Raw(f"<small>{esc(hull)}</small>"),
            ]
        )
    parts.append(
        table(
            [
                "solution",
                "agreement",
                *[f"{p} value per month (gain over no deal)" for p in parties],
                "moves beyond the status quo",
                "on the convex hull (lottery between packages)",
            ],
            rows,
            numeric=tuple(range(2, 2 + len(parties))),
        )
    )
    if ds.rubinstein is not None:
        r = ds.rubinstein
        parts.append(
            f"<p>Rubinstein alternating offers ({esc(r.first)} proposes first; discounts "
            + ", ".join(f"{esc(k)} {v:g}" for k, v in r.discounts.items())
            + "): shares "
            + ", ".join(f"{esc(k)} {v:.2f}" for k, v in r.share.items())
            + " of the surplus; values per month "
            + ", ".join(f"{esc(k)} {v:.2f}" for k, v in r.utility.items())
            + ".</p>"
        )
    elif ds.rubinstein_note:
        parts.append(f'<p class="muted">Rubinstein: {esc(ds.rubinstein_note)}</p>')
    frows = [
        [Raw(f"<small>{esc(_moves_beyond(ds, p.moves))}</small>"), *[f"{p.utility[q]:.2f}" for q in parties]]
        for p in ds.frontier
    ]
    parts.append(f"<details><summary>The {len(ds.frontier)} frontier packages</summary>")
    parts.append(
        table(
            ["package (beyond the status quo)", *[unit(p, "month") for p in parties]],
            frows,
            numeric=tuple(range(1, 1 + len(parties))),
        )
    )
    parts.append("</details>")
    return Body("\n".join(parts), figs, {"method": ds.method, "values": "likely"})
