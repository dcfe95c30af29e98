"""Report section: the deal space (every package, the Pareto frontier, the ZOPA, the solutions).

Uses the :class:`~detente.analysis.deals.DealSpace` that ``detente run`` stored
(``results["deals"]``) or computes it. With two parties the plot shows every
package in the utility plane; with more, each solution's gain for every party.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..figures import Figure, new_figure
from ..html import Raw, esc, table

if TYPE_CHECKING:
    from detente.analysis.deals import DealSpace

    from ..core import Body, ReportInputs

__all__ = ["KEY", "ORDER", "TITLE", "deal_figure", "render"]

KEY = "deals"
TITLE = "Deal space"
ORDER = 20

LABELS = {
    "nash": "Nash",
    "kalai_smorodinsky": "Kalai–Smorodinsky",
    "egalitarian": "egalitarian",
    "utilitarian": "utilitarian",
}
MARKERS = {"nash": "*", "kalai_smorodinsky": "D", "egalitarian": "s", "utilitarian": "^"}


def deal_space(inputs: ReportInputs) -> DealSpace:
    from detente.analysis.deals import DealSpace, analyse_deals

    return inputs.result(
        KEY, lambda: analyse_deals(inputs.scenario), accept=lambda v: isinstance(v, DealSpace)
    )


def deal_figure(ds: DealSpace) -> Figure:
    """The deal plot: the utility plane for two parties, solution gains for more.

    When :mod:`detente.report.deal_plot` offers a matplotlib figure (``deal_figure(ds)``),
    that plot is used, so ``detente deals --plot`` and the report draw the same picture.
    """
    import importlib

    try:
        shared = getattr(importlib.import_module("detente.report.deal_plot"), "deal_figure", None)
    except ImportError:
        shared = None
    if shared is not None and len(ds.parties) == 2:
        return Figure(
            "deal-space", "Deal space: every package, the frontier, the ZOPA and the solutions", shared(ds)
        )
    if len(ds.parties) == 2:
        return _plane(ds)
    return _gains(ds)


def _plane(ds: DealSpace) -> Figure:
    a, b = ds.parties
    fig, ax = new_figure(7.5, 5.5)
    if ds.all_utility is not None:
        ax.scatter(
            ds.all_utility[:, 0],
            ds.all_utility[:, 1],
            s=6,
            color="#b8c2cf",
            alpha=0.5,
            label=f"every package ({ds.packages_evaluated})",
            rasterized=len(ds.all_utility) > 3000,
        )
    fr = sorted(ds.frontier, key=lambda p: p.utility[a])
    ax.plot(
        [p.utility[a] for p in fr],
        [p.utility[b] for p in fr],
        "-o",
        color="#1f5fa8",
        ms=3.5,
        lw=1.2,
        label=f"Pareto frontier ({len(fr)})",
    )
    if ds.zopa:
        ax.scatter(
            [p.utility[a] for p in ds.zopa],
            [p.utility[b] for p in ds.zopa],
            s=36,
            facecolors="none",
            edgecolors="#2e7d32",
            lw=1.2,
            label=f"ZOPA ({len(ds.zopa)})",
            zorder=3,
        )
    da, db = ds.disagreement[a], ds.disagreement[b]
    ax.axvline(da, color="#b3261e", ls="--", lw=0.9)
    ax.axhline(db, color="#b3261e", ls="--", lw=0.9)
    ax.plot([da], [db], "o", color="#b3261e", ms=7, label="disagreement point", zorder=4)
    sq = ds.status_quo.utility
    ax.plot([sq[a]], [sq[b]], "x", color="black", ms=8, label="status quo", zorder=4)
    for name, sol in ds.solutions.items():
        if not sol.agreement:
            continue
        ax.plot(
            [sol.utility[a]],
            [sol.utility[b]],
            MARKERS.get(name, "o"),
            ms=11 if name == "nash" else 8,
            mec="black",
            mew=0.7,
            label=LABELS.get(name, name),
            zorder=5,
        )
    ax.set_xlabel(f"utility of {a} (per period, own scale)")
    ax.set_ylabel(f"utility of {b} (per period, own scale)")
    ax.set_title(f"Deal space of {ds.scenario}")
    ax.legend(fontsize=8, loc="best", framealpha=0.85)
    return Figure("deal-space", "Deal space: every package, the frontier, the ZOPA and the solutions", fig)


def _gains(ds: DealSpace) -> Figure:
    import numpy as np

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
    ax.set_ylabel("gain over the disagreement point (own scale)")
    ax.set_title(f"Bargaining solutions of {ds.scenario}: each party's gain")
    if names:
        ax.legend(fontsize=8)
    return Figure("deal-space", "Deal space: each party's gain under each bargaining solution", fig)


def _moves_beyond(ds: DealSpace, moves: frozenset[str]) -> str:
    sq = ds.status_quo.moves
    added = sorted(moves - sq)
    dropped = sorted(sq - moves)
    text = ", ".join(added) if added else "no new moves"
    if dropped:
        text += "; reverses " + ", ".join(dropped)
    return text


def render(inputs: ReportInputs) -> Body:
    from ..core import Body

    ds = deal_space(inputs)
    fig = deal_figure(ds)
    parties = list(ds.parties)
    verdict = "good" if ds.has_agreement else "bad"
    parts = [
        f'<p class="note"><span class="{verdict}">{esc(ds.message)}</span></p>',
        f"<p>{ds.packages_feasible} feasible packages ({esc(ds.method)}; {ds.packages_evaluated} evaluated), "
        f"{len(ds.frontier)} on the Pareto frontier. Disagreement point: "
        + ", ".join(f"{esc(p)} {ds.disagreement[p]:.2f}" for p in parties)
        + ".</p>",
        f"<figure>{fig.svg()}<figcaption>{esc(fig.title)}</figcaption></figure>",
        "<h3>Bargaining solutions</h3>",
    ]
    rows: list[list[Any]] = []
    for name, sol in ds.solutions.items():
        hull = sol.hull.describe() if sol.hull is not None else "—"
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
                *[f"{p} (gain)" for p in parties],
                "moves beyond the status quo",
                "on the convex hull",
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
            + "; utilities "
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
        table(["package (beyond the status quo)", *parties], frows, numeric=tuple(range(1, 1 + len(parties))))
    )
    parts.append("</details>")
    return Body("\n".join(parts), [fig], {"method": ds.method, "values": "likely"})
