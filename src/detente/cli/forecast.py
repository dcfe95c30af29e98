"""``detente forecast``: where multilateral talks settle, from expert-coded positions. See docs/forecast.md."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from detente.analysis.forecast import REGISTRY, Forecast, forecast
from detente.model.deu3 import load_deu3
from detente.model.positions import PositionsScenario, positions_from_document

from .common import console, emit_json, guarded, load_document

__all__ = ["forecast_tables", "load_positions_arg", "register"]

CARRIERS_SHOWN = 3
MODEL_HELP = f"A model to run (repeatable; default all): {', '.join(REGISTRY)}."


def register(app: typer.Typer) -> None:
    app.command("forecast")(forecast_command)


def load_positions_arg(name_or_path: str) -> PositionsScenario:
    """A positions scenario from a DEU III ``.tsv`` file, a YAML/JSON file or a built-in name."""
    if Path(name_or_path).suffix.lower() in (".tsv", ".tab"):
        return load_deu3(name_or_path)
    return positions_from_document(load_document(name_or_path))


def forecast_command(
    source: str = typer.Argument(
        ...,
        help="A positions file (YAML/JSON, kind: positions), a DEU III .tsv table, or a built-in (korea-six-party).",
    ),
    models: list[str] = typer.Option([], "--model", "-m", help=MODEL_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print JSON on stdout (nothing else)."),
    samples: int | None = typer.Option(
        None,
        "--samples",
        min=1,
        help="Sampled judgements per issue (default 1000 with ranges or --spread, else 1).",
    ),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed for the draws (same seed, same result)."),
    spread: float = typer.Option(
        0.0, "--spread", min=0.0, max=50.0, help="Give point judgements a range of +- this % of the scale."
    ),
) -> None:
    """Forecast each issue with each model: the prediction, an interval, who carries it, and the
    error against the recorded outcome where the file has one."""
    with guarded():
        ps = load_positions_arg(source)
        fc = forecast(ps, models or None, samples=samples, seed=seed, spread=spread)
        if json_out:
            emit_json(fc.as_json())
            return
        for item in forecast_tables(fc):
            console.print(item)


def _num(x: float | None) -> str:
    return "" if x is None or x != x else f"{x:.1f}"


def forecast_tables(fc: Forecast) -> list[object]:
    """Rich renderables: one row per issue and model, then the scores (fits 80 columns)."""
    out: list[object] = []
    head = f"[bold]{escape(fc.title)}[/] ({escape(fc.scenario)}): {len(fc.issues)} issues, "
    head += f"{fc.samples} sampled judgement{'s' if fc.samples != 1 else ''} per issue, seed {fc.seed}"
    out.append(head)
    t = Table(title="Forecasts (interval: 10th-90th percentile over the draws)")
    t.add_column("issue", overflow="fold", max_width=14)
    t.add_column("model", no_wrap=True)
    t.add_column("fcst", justify="right")
    t.add_column("interval", justify="right", no_wrap=True)
    t.add_column("carried by", overflow="fold", max_width=16)
    t.add_column("out", justify="right")
    t.add_column("err", justify="right")
    for issue in fc.issues:
        for k, m in enumerate(fc.models):
            p = issue.predictions[m]
            interval = "" if p.low != p.low or p.low == p.high else f"{p.low:.0f}-{p.high:.0f}"
            carriers = list(p.carriers[:CARRIERS_SHOWN])
            more = len(p.carriers) - len(carriers)
            who = ", ".join(carriers) + (f" +{more}" if more > 0 else "")
            t.add_row(
                escape(issue.id) if k == 0 else "",
                m,
                _num(p.value),
                interval,
                escape(who),
                _num(issue.outcome) if k == 0 else "",
                _num(issue.error(m)),
                end_section=k == len(fc.models) - 1,
            )
    out.append(t)
    scores = fc.scores()
    if any(s["n"] for s in scores.values()):
        st = Table(title="Absolute error against the recorded outcomes")
        st.add_column("model", no_wrap=True)
        st.add_column("MAE", justify="right")
        st.add_column("median AE", justify="right")
        st.add_column("issues", justify="right")
        for m, s in scores.items():
            mae, med = s["mae"], s["median_ae"]
            st.add_row(
                m,
                _num(float(mae) if mae is not None else None),
                _num(float(med) if med is not None else None),
                str(s["n"]),
            )
        out.append(st)
    return out
