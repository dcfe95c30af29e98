"""Report section: the strategy comparison as a heatmap, with the outcome distributions.

Uses the comparison that ``detente run`` stored (``results["simulate"]``, the
``detente compare --json`` document) or runs one with the shared defaults
(:data:`detente.defaults.COMPARISON`, the same as ``detente compare`` and the app's
Simulate page): every registered strategy for the first two parties, values sampled
from their ranges, any other party playing tit-for-tat. Options
(``inputs.options["simulate"]``): ``strategies`` (names), ``runs`` (per pairing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from detente.defaults import COMPARISON, settings_line
from detente.glossary import GAIN, TOTAL, unit
from detente.simulate.compare import compare
from detente.simulate.strategies import REGISTRY

from ..figures import Figure, new_figure
from ..html import esc, table
from ..section import Body, Skip

if TYPE_CHECKING:
    from ..section import Body, ReportInputs

__all__ = ["DEFINITION", "KEY", "ORDER", "TITLE", "comparison_doc", "render"]

KEY = "simulate"
TITLE = "Strategy comparison"
ORDER = 40
DEFINITION = (
    "Each party follows a strategy (a rule for what to offer, accept or reverse each month); "
    "the talks are played many times for every pairing of strategies to see how often they agree "
    "and what each party collects."
)


def comparison_doc(inputs: ReportInputs) -> dict[str, Any]:
    """The comparison document: the stored one, or a fresh seeded comparison."""

    s = inputs.scenario
    if len(s.parties) < 2:
        raise Skip("not included: a strategy comparison needs at least two parties")

    def compute() -> dict[str, Any]:

        names = list(inputs.option(KEY, "strategies", COMPARISON.strategy_names(REGISTRY)))
        row, col, *others = s.party_ids
        runs = int(inputs.option(KEY, "runs", COMPARISON.runs_for(inputs.quick)))
        fixed = {p: COMPARISON.others for p in others}
        result = compare(
            s, names, parties=(row, col), fixed=fixed, runs=runs, seed=inputs.seed,
            sample_values=COMPARISON.sample_values, progress=inputs.progress,
        )  # fmt: skip
        return {**result.as_json(), "sample_values": COMPARISON.sample_values}

    return inputs.result(KEY, compute, accept=lambda v: isinstance(v, dict) and "matrix" in v)


def _heatmap(doc: dict[str, Any]) -> Figure:

    rows, cols = doc["rows"], doc["columns"]
    m = np.array([[np.nan if v is None else v for v in r] for r in doc["matrix"]["agreement_rate"]], float)
    fig, ax = new_figure(1.6 + 1.25 * len(cols), 1.2 + 0.6 * len(rows))
    ax.grid(False)
    im = ax.imshow(m, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel(f"{doc['column_party']} strategy")
    ax.set_ylabel(f"{doc['row_party']} strategy")
    for i in range(len(rows)):
        for j in range(len(cols)):
            if not np.isnan(m[i, j]):
                ax.text(
                    j,
                    i,
                    f"{100 * m[i, j]:.0f}%",
                    ha="center",
                    va="center",
                    color="white" if m[i, j] < 0.6 else "black",
                    fontsize=9,
                )
    fig.colorbar(im, ax=ax, label="agreement rate (share of runs)")
    ax.set_title(f"Agreement rate over {doc['runs']} runs per pairing (seed {doc['seed']})")
    return Figure("strategy-heatmap", "Strategy comparison: agreement rate", fig)


def _distributions(doc: dict[str, Any]) -> Figure:
    """Each pairing's mean gain over no deal per party (payoff where a result has none), 95% interval as a bar.

    The interval is that of the mean over the runs; where it is narrower than the
    marker a short bar still shows it (it is never left out silently).
    """
    parties = [doc["row_party"], doc["column_party"]]
    cells = doc["cells"]
    labels = [f"{c['row']} vs {c['column']}" for c in cells]
    fig, axes = new_figure(9.5, 1.0 + 0.28 * len(cells), ncols=2, sharey=True)
    ys = list(range(len(cells)))[::-1]
    for ax, party, colour in zip(axes, parties, ("#1f5fa8", "#b3261e"), strict=True):
        for y, c in zip(ys, cells, strict=True):
            u = (c["outcomes"].get("gain") or c["outcomes"]["utility"])[party]
            if u["mean"] is None:
                continue
            a, b = u["ci"]
            if a is not None and b is not None:
                ax.plot([a, b], [y, y], "-", color=colour, lw=3, alpha=0.45, solid_capstyle="butt")
                ax.plot([a, b], [y, y], "|", color=colour, ms=7)
            ax.plot([u["mean"]], [y], "o", color=colour, ms=3.5, mec="white", mew=0.5)
        ax.axvline(0.0, color="grey", lw=0.8, ls="--")
        gains = any("gain" in c["outcomes"] for c in cells)
        what = "gain over no deal" if gains else "payoff"
        ax.set_title(f"{party}: mean {what} and its 95% interval (bar)", fontsize=10)
        ax.grid(True, axis="x", alpha=0.3)
        ax.set_xlabel(GAIN if gains else TOTAL, fontsize=9)
    axes[0].set_yticks(ys, labels, fontsize=8)
    return Figure(
        "strategy-outcomes", "Each pairing's mean gain over no deal, with the 95% interval of the mean", fig
    )


def _pct(entry: dict[str, Any] | None) -> str:
    if not entry or entry.get("mean") is None:
        return "—"
    lo, hi = entry.get("ci", [None, None])
    band = f" ({100 * lo:.0f}–{100 * hi:.0f}%)" if lo is not None and hi is not None else ""
    return f"{100 * entry['mean']:.0f}%{band}"


def _num(entry: dict[str, Any] | None) -> str:
    if not entry or entry.get("mean") is None:
        return "—"
    lo, hi = entry.get("ci", [None, None])
    band = f" ({lo:.1f} to {hi:.1f})" if lo is not None and hi is not None else ""
    return f"{entry['mean']:.1f}{band}"


def render(inputs: ReportInputs) -> Body:

    doc = comparison_doc(inputs)
    rp, cp = doc["row_party"], doc["column_party"]
    figs = [_heatmap(doc), _distributions(doc)]
    rates = doc["matrix"]["agreement_rate"]
    by_row = {
        r: sum(v for v in rates[i] if v is not None) / max(1, len(rates[i]))
        for i, r in enumerate(doc["rows"])
    }
    top, bottom = max(by_row.values()), min(by_row.values())
    best = " and ".join(k for k in doc["rows"] if by_row[k] == top)
    worst = " and ".join(k for k in doc["rows"] if by_row[k] == bottom)
    parts = [
        f"<p>Each cell plays {esc(rp)}'s strategy (row) against {esc(cp)}'s (column) in "
        f"{doc['runs']} seeded runs, "
        + (
            "with every value at its likely point."
            if doc.get("sample_values") is False
            else "sampling the uncertain values afresh in each run."
        )
        + (
            f" Other parties: {esc(', '.join(f'{k} plays {v}' for k, v in doc['fixed'].items()))}."
            if doc.get("fixed")
            else ""
        )
        + " A payoff is a discounted total on the party's own scale: the horizon and what stands at its "
        "end, carrying on; the gain over no deal subtracts the status quo carrying on.</p>",
        f'<p class="muted settings">{esc(settings_line(doc))}</p>',
        f'<p class="note">Averaged over {esc(cp)}\'s strategies, {esc(rp)} reaches agreement most often with '
        f"<b>{esc(best)}</b> ({100 * top:.0f}%) and least often with <b>{esc(worst)}</b> "
        f"({100 * bottom:.0f}%).</p>"
        if top != bottom
        else f'<p class="note">Averaged over {esc(cp)}\'s strategies, every {esc(rp)} strategy reaches '
        f"agreement equally often ({100 * top:.0f}%).</p>",
    ]
    for f in figs:
        parts.append(f"<figure>{f.svg()}<figcaption>{esc(f.title)}</figcaption></figure>")
    rows = []
    for c in doc["cells"]:
        o = c["outcomes"]
        rows.append(
            [
                c["row"],
                c["column"],
                _pct(o.get("agreement_rate")),
                _num(o.get("target_share")),
                _num(o["utility"].get(rp)),
                _num(o["utility"].get(cp)),
                _num((o.get("gain") or {}).get(rp)),
                _num((o.get("gain") or {}).get(cp)),
            ]
        )
    parts.append("<details><summary>Every pairing (mean and 95% interval)</summary>")
    parts.append(
        table(
            [
                "row strategy",
                "column strategy",
                "agreement rate (% of runs)",
                "target share (0-1, at the horizon)",
                unit(rp, "total"),
                unit(cp, "total"),
                unit(rp, "gain"),
                unit(cp, "gain"),
            ],
            rows,
            numeric=(2, 3, 4, 5, 6, 7),
        )
    )
    parts.append("</details>")
    params = {
        "runs": doc["runs"],
        "seed": doc["seed"],
        "strategies": doc["rows"],
        "column strategies": doc["columns"],
        "values": "sampled" if doc.get("sample_values") else "likely",
        "fixed": doc.get("fixed", {}),
    }
    return Body("\n".join(parts), figs, params)
