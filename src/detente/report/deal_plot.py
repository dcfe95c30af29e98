"""``detente deals --plot``: packages, frontier, hull and solutions in the plane of two parties.

A ``.png`` file is drawn with matplotlib, an ``.html`` file with plotly (self-contained,
opens with no network). With more than two parties the plot shows the first two.

Examples
--------
>>> from detente.analysis.deals import analyse_deals
>>> from detente.model.scenario import Scenario
>>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
...     "parties": [{"id": "A", "discount": 0.9}, {"id": "B", "discount": 0.9}],
...     "moves": [{"id": "a", "by": "A", "title": "a", "value": {"A": -1, "B": 3}},
...               {"id": "b", "by": "B", "title": "b", "value": {"A": 2, "B": -1}}]})
>>> data = deal_plot_bytes(analyse_deals(s), "png")
>>> data[:4] == b"\\x89PNG"
True
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from matplotlib.figure import Figure

from detente.analysis.bargaining import upper_chain
from detente.analysis.deals import DealSpace
from detente.model.errors import AnalysisError
from detente.model.source import atomic_write

__all__ = ["deal_figure", "deal_plot_bytes", "plot_deals"]

LABELS = {
    "nash": "Nash",
    "kalai_smorodinsky": "Kalai–Smorodinsky",
    "egalitarian": "egalitarian",
    "utilitarian": "utilitarian",
}
MARKERS = {"nash": "*", "kalai_smorodinsky": "D", "egalitarian": "s", "utilitarian": "^"}
COLORS = {
    "nash": "#d4a017",
    "kalai_smorodinsky": "#7b3fa0",
    "egalitarian": "#2e7d32",
    "utilitarian": "#c2571a",
}


def _xy(u: dict[str, float], a: str, b: str) -> tuple[float, float]:
    return u[a], u[b]


def plot_deals(ds: DealSpace, path: str | Path) -> None:
    """Write the deal plot to ``path`` (``.png`` or ``.html``), atomically."""
    suffix = Path(path).suffix.lower().lstrip(".")
    atomic_write(path, deal_plot_bytes(ds, suffix))


def deal_plot_bytes(ds: DealSpace, kind: str) -> bytes:
    """The deal plot as PNG (``kind="png"``) or self-contained HTML (``kind="html"``)."""
    if len(ds.parties) < 2:
        raise AnalysisError("a deal plot needs at least two parties")
    if kind == "png":
        return _png(ds)
    if kind == "html":
        return _html(ds)
    raise AnalysisError(f"cannot plot to a .{kind} file; expected .png or .html")


def _hull(ds: DealSpace) -> np.ndarray:
    a, b = ds.parties[:2]
    F = np.array([_xy(p.utility, a, b) for p in ds.frontier])
    return F[upper_chain(F)] if len(ds.parties) == 2 else F[np.argsort(F[:, 0])]


def deal_figure(ds: DealSpace) -> Any:
    """The deal plot as a matplotlib figure (vector: the report embeds it as SVG).

    Not registered with pyplot, so it needs no closing and leaks nothing.
    """

    if len(ds.parties) < 2:
        raise AnalysisError("a deal plot needs at least two parties")
    a, b = ds.parties[:2]
    fig = Figure(figsize=(8, 6), dpi=110)
    ax = fig.subplots()
    if ds.all_utility is not None:
        ax.scatter(ds.all_utility[:, 0], ds.all_utility[:, 1], s=6, color="#b8c2cf", alpha=0.6,
                   label=f"every package ({len(ds.all_utility):,})", rasterized=True)  # fmt: skip
    F = np.array([_xy(p.utility, a, b) for p in ds.frontier])
    ax.scatter(F[:, 0], F[:, 1], s=18, color="#1f5fa8", label=f"Pareto frontier ({len(F)})", zorder=3)
    H = _hull(ds)
    ax.plot(H[:, 0], H[:, 1], "-", color="#1f5fa8", lw=1, alpha=0.7, label="lotteries (convex hull)")
    da, db = ds.disagreement[a], ds.disagreement[b]
    ax.axvline(da, color="#b3261e", ls="--", lw=0.8)
    ax.axhline(db, color="#b3261e", ls="--", lw=0.8)
    ax.plot([da], [db], "o", color="#b3261e", ms=7, label="disagreement point", zorder=4)
    for name, sol in ds.solutions.items():
        if sol.agreement:
            ax.plot(*_xy(sol.utility, a, b), MARKERS[name], color=COLORS[name], ms=12 if name == "nash" else 9,
                    mec="black", mew=0.7, label=f"{LABELS[name]} (package)", zorder=5)  # fmt: skip
        if sol.hull is not None and sol.hull.is_lottery:
            ax.plot(*_xy(sol.hull.utility, a, b), MARKERS[name], color="none", mec=COLORS[name], mew=1.5,
                    ms=12 if name == "nash" else 9, label=f"{LABELS[name]} (lottery)", zorder=5)  # fmt: skip
    if ds.rubinstein is not None:
        ax.plot(*_xy(ds.rubinstein.utility, a, b), "P", color="#00838f", ms=10, mec="black", mew=0.6,
                label=f"Rubinstein ({ds.rubinstein.first} first)", zorder=6)  # fmt: skip
    ax.set_xlabel(f"utility of {a} (own scale)")
    ax.set_ylabel(f"utility of {b} (own scale)")
    title = f"Deal space of {ds.scenario}"
    if len(ds.parties) > 2:
        title += f" (first two of {len(ds.parties)} parties)"
    ax.set_title(title + ("" if ds.has_agreement else "\nno package beats the disagreement point"))
    ax.legend(fontsize=7, loc="best", framealpha=0.85)
    return fig


def _png(ds: DealSpace) -> bytes:
    buf = io.BytesIO()
    deal_figure(ds).savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def _html(ds: DealSpace) -> bytes:

    a, b = ds.parties[:2]
    fig = go.Figure()

    def label(moves: frozenset[str]) -> str:
        return ", ".join(sorted(moves)) or "(no moves)"

    if ds.all_utility is not None:
        fig.add_trace(go.Scattergl(x=ds.all_utility[:, 0], y=ds.all_utility[:, 1], mode="markers",
                                   marker={"size": 4, "color": "#b8c2cf"}, name="every package"))  # fmt: skip
    fig.add_trace(go.Scatter(
        x=[p.utility[a] for p in ds.frontier], y=[p.utility[b] for p in ds.frontier], mode="markers",
        marker={"size": 8, "color": "#1f5fa8"}, name="Pareto frontier",
        text=[label(p.moves) for p in ds.frontier], hovertemplate="%{text}<br>(%{x:.2f}, %{y:.2f})",
    ))  # fmt: skip
    H = _hull(ds)
    fig.add_trace(go.Scatter(x=H[:, 0], y=H[:, 1], mode="lines", line={"color": "#1f5fa8", "width": 1},
                             name="lotteries (convex hull)"))  # fmt: skip
    fig.add_trace(go.Scatter(x=[ds.disagreement[a]], y=[ds.disagreement[b]], mode="markers",
                             marker={"size": 10, "color": "#b3261e"}, name="disagreement point"))  # fmt: skip
    symbols = {
        "nash": "star",
        "kalai_smorodinsky": "diamond",
        "egalitarian": "square",
        "utilitarian": "triangle-up",
    }
    for name, sol in ds.solutions.items():
        if sol.agreement:
            fig.add_trace(go.Scatter(
                x=[sol.utility[a]], y=[sol.utility[b]], mode="markers", name=f"{LABELS[name]} (package)",
                marker={"size": 14, "symbol": symbols[name], "color": COLORS[name], "line": {"width": 1}},
                text=[label(sol.moves)], hovertemplate="%{text}",
            ))  # fmt: skip
        if sol.hull is not None and sol.hull.is_lottery:
            fig.add_trace(go.Scatter(
                x=[sol.hull.utility[a]], y=[sol.hull.utility[b]], mode="markers", name=f"{LABELS[name]} (lottery)",
                marker={"size": 14, "symbol": symbols[name] + "-open", "color": COLORS[name]},
                text=[sol.hull.describe()], hovertemplate="%{text}",
            ))  # fmt: skip
    if ds.rubinstein is not None:
        r = ds.rubinstein
        fig.add_trace(go.Scatter(x=[r.utility[a]], y=[r.utility[b]], mode="markers", name=f"Rubinstein ({r.first} first)",
                                 marker={"size": 12, "symbol": "cross", "color": "#00838f"}))  # fmt: skip
    layout: dict[str, Any] = {
        "title": f"Deal space of {ds.scenario}",
        "xaxis_title": f"utility of {a}",
        "yaxis_title": f"utility of {b}",
        "template": "plotly_white",
    }
    fig.update_layout(**layout)
    return str(fig.to_html(include_plotlyjs=True, full_html=True)).encode("utf-8")
