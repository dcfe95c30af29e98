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
from matplotlib.patches import Rectangle

from detente.analysis.bargaining import upper_chain
from detente.analysis.deals import DealSpace
from detente.glossary import PER_MONTH
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

    Left, the whole deal space; right, a zoom on the bargaining solutions, each with its
    own marker shape and named beside it (solutions at the same point are fanned out a
    few points apart and named together), so none hides another. The legend sits below
    the plots, never over them. Not registered with pyplot, so it needs no closing.
    """

    if len(ds.parties) < 2:
        raise AnalysisError("a deal plot needs at least two parties")
    a, b = ds.parties[:2]
    fig = Figure(figsize=(11, 5.6), dpi=110)
    ax, zoom = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.35, 1.0]})
    for target in (ax, zoom):
        _background(target, ds, a, b, legend=target is ax)
    points = _solution_points(ds, a, b)
    _solution_markers(ax, ds, points, labels=False)
    for target in (ax, zoom):
        target.set_xlabel(f"{a}: {PER_MONTH}")
    ax.set_ylabel(f"{b}: {PER_MONTH}")
    title = f"Deal space of {ds.scenario}"
    if len(ds.parties) > 2:
        title += f" (first two of {len(ds.parties)} parties)"
    ax.set_title(
        title + ("" if ds.has_agreement else "\nno package beats the disagreement point"), fontsize=10
    )
    if points:
        P = np.array([pt for _, _, pt in points])
        lo, hi = P.min(axis=0), P.max(axis=0)
        pad = np.maximum(0.25 * (hi - lo), 0.4)
        (x0, y0), (x1, y1) = lo - pad, hi + pad
        zoom.set_xlim(x0, x1)
        zoom.set_ylim(y0, y1)
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="#555555", lw=0.8, ls=":"))
        zoom.set_title("Zoom on the bargaining solutions (dotted box)", fontsize=10)
        _solution_markers(zoom, ds, points, labels=True)
    else:
        zoom.set_visible(False)
    handles, names = ax.get_legend_handles_labels()
    fig.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=4, fontsize=7,
               frameon=False)  # fmt: skip
    return fig


def _background(ax: Any, ds: DealSpace, a: str, b: str, legend: bool) -> None:
    """Every package, the frontier, the hull and the disagreement point (labelled once)."""

    def name(text: str) -> str:
        return text if legend else "_nolegend_"

    if ds.all_utility is not None:
        ax.scatter(ds.all_utility[:, 0], ds.all_utility[:, 1], s=6, color="#b8c2cf", alpha=0.6,
                   label=name(f"every package ({len(ds.all_utility):,})"), rasterized=True)  # fmt: skip
    F = np.array([_xy(p.utility, a, b) for p in ds.frontier])
    ax.scatter(F[:, 0], F[:, 1], s=18, color="#1f5fa8", label=name(f"Pareto frontier ({len(F)})"), zorder=3)
    H = _hull(ds)
    ax.plot(H[:, 0], H[:, 1], "-", color="#1f5fa8", lw=1, alpha=0.7, label=name("lotteries (convex hull)"))
    da, db = ds.disagreement[a], ds.disagreement[b]
    ax.axvline(da, color="#b3261e", ls="--", lw=0.8)
    ax.axhline(db, color="#b3261e", ls="--", lw=0.8)
    ax.plot([da], [db], "o", color="#b3261e", ms=7, label=name("disagreement point (no deal)"), zorder=4)


def _solution_points(ds: DealSpace, a: str, b: str) -> list[tuple[str, str, tuple[float, float]]]:
    """(solution, kind, point) of every solution drawn: kind is "package", "lottery" or "rubinstein"."""
    out = []
    for name, sol in ds.solutions.items():
        if sol.agreement:
            out.append((name, "package", _xy(sol.utility, a, b)))
        if sol.hull is not None and sol.hull.is_lottery:
            out.append((name, "lottery", _xy(sol.hull.utility, a, b)))
    if ds.rubinstein is not None:
        out.append(("rubinstein", "rubinstein", _xy(ds.rubinstein.utility, a, b)))
    return out


def _solution_markers(
    ax: Any, ds: DealSpace, points: list[tuple[str, str, tuple[float, float]]], labels: bool
) -> None:
    """Each solution with its own marker shape (filled: a package; open: a lottery); solutions
    at the same point are fanned out a few points apart and, with ``labels``, named together."""
    from matplotlib.transforms import offset_copy

    groups: dict[tuple[float, float], list[tuple[str, str]]] = {}
    for name, kind, (x, y) in points:
        groups.setdefault((round(x, 6), round(y, 6)), []).append((name, kind))
    for (x, y), members in groups.items():
        k = len(members)
        for i, (name, kind) in enumerate(members):
            angle = np.pi / 2 + 2 * np.pi * i / k
            dx, dy = (5 * np.cos(angle), 5 * np.sin(angle)) if k > 1 else (0.0, 0.0)
            where = offset_copy(ax.transData, fig=ax.figure, x=dx, y=dy, units="points")
            label = "_nolegend_" if labels else None
            if kind == "rubinstein":
                assert ds.rubinstein is not None
                ax.plot([x], [y], "P", color="#00838f", ms=10, mec="black", mew=0.6, transform=where,
                        label=label or f"Rubinstein ({ds.rubinstein.first} first)", zorder=6)  # fmt: skip
                continue
            package = kind == "package"
            ax.plot([x], [y], MARKERS[name], color=COLORS[name] if package else "none",
                    mec="black" if package else COLORS[name], mew=0.7 if package else 1.5,
                    ms=12 if name == "nash" else 9, transform=where,
                    label=label or f"{LABELS[name]} ({kind})", zorder=5)  # fmt: skip
        if labels:
            text = " = ".join(
                "Rubinstein" if n == "rubinstein" else LABELS[n] + (" (lottery)" if kd == "lottery" else "")
                for n, kd in members
            )
            x0, x1 = ax.get_xlim()
            right = x < x0 + 0.55 * (x1 - x0)  # name it on the side with room
            ax.annotate(text, (x, y), xytext=(11 if right else -11, 0), textcoords="offset points",
                        ha="left" if right else "right", va="center", fontsize=7, color="#333333",
                        zorder=7)  # fmt: skip


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
        "xaxis_title": f"{a}: {PER_MONTH}",
        "yaxis_title": f"{b}: {PER_MONTH}",
        "template": "plotly_white",
    }
    fig.update_layout(**layout)
    return str(fig.to_html(include_plotlyjs=True, full_html=True)).encode("utf-8")
