"""The forecast report section: a table with every model and a figure per issue, with the EU rounds."""

from __future__ import annotations

from detente.analysis.forecast import forecast
from detente.report.core import section_modules
from detente.report.sections.forecast import forecast_body
from detente.scenarios import load_positions_builtin


def test_forecast_body_has_table_and_figures() -> None:
    fc = forecast(load_positions_builtin("korea-six-party"), samples=30, seed=2)
    body = forecast_body(fc)
    assert all(m in body.html for m in fc.models)
    assert len(body.figures) == len(fc.issues)
    svg = body.figures[0].svg()
    assert svg.startswith("<svg") and "round" in svg
    assert body.params["seed"] == 2


def test_section_is_not_auto_registered_in_move_reports() -> None:
    assert "detente.report.sections.forecast" not in {m.__name__ for m in section_modules()}
