"""Report section: forecasts of a positions scenario (not auto-registered: no module-level ``render``).

:func:`forecast_body` turns a :class:`~detente.analysis.forecast.Forecast` into a
:class:`~detente.report.core.Body`: a table of every model's forecast, interval and
error per issue, and a figure per issue with the actors' positions on the scale (dot
size: weight x salience), each model's forecast, the recorded outcome, and the median
voter position after each round of the expected-utility model. The move-scenario report
has no positions input, so the section is not discovered by :mod:`detente.report.core`;
a caller with a positions scenario builds it with this function.

Examples
--------
>>> from detente.analysis.forecast import forecast
>>> from detente.scenarios import load_positions_builtin
>>> body = forecast_body(forecast(load_positions_builtin("korea-six-party"), samples=20))
>>> len(body.figures), "inspections" in body.html
(4, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from detente.analysis.forecast import Forecast, IssueForecast

from ..core import Body
from ..figures import Figure, new_figure
from ..html import esc, table

__all__ = ["DEFINITION", "KEY", "TITLE", "forecast_body", "issue_figure"]

KEY = "forecast"
TITLE = "Forecast"
DEFINITION = "Where each issue is likely to end up, from the actors' positions, how much each issue matters to them and their weight."
MARKERS = ("v", "^", "s", "D", "P", "X")


def _fmt(x: float | None) -> str:
    return "" if x is None or not np.isfinite(x) else f"{x:.1f}"


def issue_figure(fc: Forecast, issue: IssueForecast) -> Figure:
    """Positions on the scale, the forecasts and outcome (left); the expected-utility rounds (right)."""
    d = issue.data
    fig, (ax, ax2) = new_figure(9.0, 3.2, ncols=2)
    power = d.weight * d.salience[1]
    size = 30 + 300 * power / max(float(power.max()), 1e-12)
    ax.scatter(d.position[1], np.zeros(d.n), s=size, alpha=0.5, color="tab:gray")
    for x, name in zip(d.position[1], d.actors, strict=True):
        ax.annotate(name, (x, 0), textcoords="offset points", xytext=(0, 9), ha="center", fontsize=7)
    for k, m in enumerate(fc.models):
        v = issue.predictions[m].value
        if np.isfinite(v):
            ax.scatter([v], [-0.5 - 0.2 * k], marker=MARKERS[k % len(MARKERS)], label=m)
    if issue.outcome is not None:
        ax.axvline(issue.outcome, color="black", linestyle="--", linewidth=1, label="outcome")
    if d.status_quo is not None:
        ax.axvline(d.status_quo, color="tab:red", linestyle=":", linewidth=1, label="status quo")
    ax.set_xlim(d.lo, d.hi)
    ax.set_yticks([])
    ax.set_xlabel("position on the issue's scale")
    ax.legend(fontsize=6, loc="lower right")
    if issue.rounds is not None:
        ax2.plot(range(len(issue.rounds)), issue.rounds, marker="o")
        ax2.set_ylim(d.lo, d.hi)
        ax2.set_xlabel("round")
        ax2.set_ylabel("median voter position")
        ax2.set_title("expected-utility rounds (median over draws)", fontsize=8)
    else:
        ax2.set_axis_off()
    name = "forecast-" + "".join(ch if ch.isalnum() else "-" for ch in issue.id.lower())
    return Figure(name.strip("-")[:60] or "forecast", f"{issue.title}: positions and forecasts", fig)


def forecast_body(fc: Forecast, figures: int = 12) -> Body:
    """The section's HTML, its figures (first ``figures`` issues) and its parameters."""
    header = ["issue", *fc.models, "outcome"]
    rows: list[list[Any]] = []
    for i in fc.issues:
        cells = []
        for m in fc.models:
            p = i.predictions[m]
            err = i.error(m)
            cells.append(_fmt(p.value) + (f" (±{err:.1f})" if err is not None else ""))
        rows.append([i.title, *cells, _fmt(i.outcome)])
    scores = fc.scores()
    score_rows = [[m, _fmt(s["mae"]), _fmt(s["median_ae"]), s["n"]] for m, s in scores.items()]
    html = (
        f"<p>{esc(fc.title)}: {len(fc.issues)} issues, {fc.samples} sampled judgements per issue "
        f"(seed {fc.seed}). Cells: forecast (absolute error where an outcome is recorded).</p>"
        + table(header, rows, numeric=range(1, len(header)))
        + table(["model", "MAE", "median AE", "issues"], score_rows, numeric=(1, 2, 3))
    )
    figs = [issue_figure(fc, i) for i in fc.issues[:figures]]
    return Body(
        html, figs, {"seed": fc.seed, "samples": fc.samples, "spread": fc.spread, "models": list(fc.models)}
    )
