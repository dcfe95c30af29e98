"""The stage chart of a roadmap: moves by stage and side, and each party's exposure against its limit.

:func:`stage_chart_png` draws it with matplotlib, :func:`stage_chart_html` with
plotly; :func:`write_stage_chart` picks by the file suffix and writes atomically.

Examples
--------
>>> import tempfile, os
>>> from detente.model.scenario import Scenario
>>> from detente.analysis.roadmap import check
>>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
...     "parties": [{"id": "A", "exposure_limit": 1}, {"id": "B"}],
...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"A": -1, "B": 2}},
...               {"id": "b1", "by": "B", "title": "b1", "value": {"A": 2, "B": -1}}]})
>>> path = os.path.join(tempfile.mkdtemp(), "chart.png")
>>> write_stage_chart(s, check(s, [["a1", "b1"]]), path)
>>> open(path, "rb").read(4) == b"\\x89PNG"
True
"""

from __future__ import annotations

import html
import io
import textwrap
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from plotly.subplots import make_subplots

from detente.analysis.roadmap import PlanResult
from detente.model.errors import ScenarioError
from detente.model.scenario import Scenario
from detente.model.source import atomic_write

__all__ = ["stage_chart_html", "stage_chart_png", "stage_figure", "write_stage_chart"]


def _layout(scenario: Scenario, result: PlanResult) -> tuple[list[str], list[dict[str, list[str]]]]:
    parties = list(scenario.party_ids)
    cells = [
        {p: sorted(m for m in st.moves if scenario.move(m).by == p) for p in parties} for st in result.stages
    ]
    return parties, cells


def _title(scenario: Scenario, result: PlanResult, title: str | None) -> str:
    if title:
        return title
    verdict = "roadmap" if result.feasible else "sequence with broken constraints"
    return f"{scenario.title}: {verdict} ({len(result.stages)} stages)"


def stage_figure(scenario: Scenario, result: PlanResult, title: str | None = None) -> Any:
    """A matplotlib Figure: a grid of moves (stage x party, irreversible moves marked ■) over an exposure plot."""

    parties, cells = _layout(scenario, result)
    k = max(1, len(cells))
    broken = {(c.stage, c.party) for c in result.conflicts if c.stage}
    fig = Figure(figsize=(max(6.0, 2.3 * k), 2.0 + 1.3 * len(parties) + 2.5))
    top, bottom = fig.subplots(2, 1, height_ratios=[len(parties) + 1, 2.5])
    top.set_xlim(0.5, k + 0.5)
    top.set_ylim(-0.5, len(parties) - 0.5)
    top.set_xticks(range(1, k + 1), [f"stage {i}" for i in range(1, k + 1)])
    top.set_yticks(range(len(parties)), parties)
    top.invert_yaxis()
    for i, row in enumerate(cells, start=1):
        for j, p in enumerate(parties):
            lines = []
            for m in row[p]:
                mv = scenario.move(m)
                lines.append(m + ("" if mv.reversible else " ■"))
            colour = "#f6d5d5" if (i, p) in broken else "#e8eef7"
            top.add_patch(Rectangle((i - 0.48, j - 0.45), 0.96, 0.9, color=colour, zorder=0))
            top.text(i, j, "\n".join(lines), ha="center", va="center", fontsize=7, wrap=True)
    top.set_title(
        textwrap.fill(_title(scenario, result, title), 70)
        + "\n■ irreversible; red: a constraint breaks there",
        fontsize=9,
    )
    xs = list(range(0, len(result.stages) + 1))
    for p in parties:
        ys = [0.0] + [st.exposure[p] for st in result.stages]
        (line,) = bottom.plot(xs, ys, marker="o", label=f"{p} exposure")
        lim = scenario.party(p).exposure_limit
        if lim is not None:
            bottom.axhline(
                lim, linestyle="--", color=line.get_color(), linewidth=1, label=f"{p} limit {lim:g}"
            )
    bottom.set_xlabel("after stage")
    bottom.set_ylabel("exposure (own scale)")
    bottom.set_xticks(xs)
    bottom.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def stage_chart_png(scenario: Scenario, result: PlanResult, title: str | None = None) -> bytes:
    """PNG bytes of :func:`stage_figure`."""
    buf = io.BytesIO()
    stage_figure(scenario, result, title).savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def stage_chart_html(
    scenario: Scenario, result: PlanResult, title: str | None = None, cdn: bool = False
) -> str:
    """A self-describing HTML page (plotly): the moves table and the exposure plot.

    Self-contained by default (plotly.js inline, about 4 MB): it opens offline and loads no
    third-party script. ``cdn=True`` links plotly.js from its CDN instead. The scenario's
    title is HTML-escaped (plotly renders tags such as ``<a href>`` in titles).
    """

    parties, cells = _layout(scenario, result)
    fig = make_subplots(
        rows=2,
        cols=1,
        specs=[[{"type": "table"}], [{"type": "xy"}]],
        row_heights=[0.55, 0.45],
        vertical_spacing=0.08,
    )
    header = ["party"] + [f"stage {i}" for i in range(1, len(cells) + 1)]
    columns: list[list[Any]] = [parties]
    for row in cells:
        columns.append(
            ["<br>".join(m + ("" if scenario.move(m).reversible else " ■") for m in row[p]) for p in parties]
        )
    fig.add_trace(
        go.Table(header={"values": header}, cells={"values": columns, "align": "left"}), row=1, col=1
    )
    xs = list(range(0, len(result.stages) + 1))
    for p in parties:
        ys = [0.0] + [st.exposure[p] for st in result.stages]
        fig.add_trace(
            go.Scatter(x=xs, y=ys, mode="lines+markers", line_shape="hv", name=f"{p} exposure"), 2, 1
        )
        lim = scenario.party(p).exposure_limit
        if lim is not None:
            fig.add_trace(
                go.Scatter(
                    x=[xs[0], xs[-1]],
                    y=[lim, lim],
                    mode="lines",
                    line={"dash": "dash"},
                    name=f"{p} limit {lim:g}",
                ),
                2,
                1,
            )
    fig.update_xaxes(title_text="after stage", row=2, col=1)
    fig.update_yaxes(title_text="exposure (own scale)", row=2, col=1)
    fig.update_layout(title=html.escape(_title(scenario, result, title)) + " (■ irreversible)", height=750)
    return str(fig.to_html(include_plotlyjs="cdn" if cdn else True, full_html=True))


def write_stage_chart(
    scenario: Scenario, result: PlanResult, path: str | Path, title: str | None = None
) -> None:
    """Write the chart as PNG (``.png``) or HTML (``.html``/``.htm``), atomically."""
    suffix = Path(path).suffix.lower()
    if suffix == ".png":
        atomic_write(path, stage_chart_png(scenario, result, title))
    elif suffix in (".html", ".htm"):
        atomic_write(path, stage_chart_html(scenario, result, title))
    else:
        raise ScenarioError.single(
            str(path), f"unknown chart format {suffix or '(none)'!r}; expected .png or .html"
        )
