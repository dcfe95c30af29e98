"""Surfaces agree: the command line, the report (which the app renders) and the answer give the same figures.

A user who reads 80% agreement in the app and 100% in the report for the same pair of
strategies stops trusting both. Every surface starts from :data:`detente.defaults.COMPARISON`
and the answer is worked out from the very comparison the report shows.
"""

from __future__ import annotations

import json
from typing import Any

import typer.main
from typer.testing import CliRunner

from detente.cli import app
from detente.defaults import COMPARISON
from detente.report import Report, ReportInputs
from detente.report.core import render_section
from detente.report.sections import simulate as simulate_section
from detente.scenarios import load_builtin
from detente.simulate.strategies import REGISTRY

PAIR = ["maximum-pressure", "step-by-step"]


def _option(command: str, name: str) -> Any:
    cmd = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    return next(p for p in cmd.params if p.name == name).default


def test_every_command_starts_from_the_shared_defaults() -> None:
    for command in ("simulate", "compare", "tournament"):
        assert _option(command, "runs") == COMPARISON.runs
        assert _option(command, "seed") == COMPARISON.seed
    assert COMPARISON.strategy_names(REGISTRY) == list(REGISTRY)


def test_compare_and_the_report_give_the_same_matrix_for_the_same_settings() -> None:
    s = load_builtin("libya-2003")
    r = CliRunner().invoke(
        app, ["compare", "libya-2003", "--strategies", ",".join(PAIR), "--runs", "4", "--json", "--no-store"]
    )
    assert r.exit_code == 0, r.stderr
    cli = json.loads(r.stdout)
    inputs = ReportInputs(s, seed=COMPARISON.seed, options={"simulate": {"strategies": PAIR, "runs": 4}})
    render_section(simulate_section, inputs)
    report = inputs.results["simulate"]
    assert report["matrix"] == cli["matrix"]
    assert report["sample_values"] == COMPARISON.sample_values
    assert cli["sample_values"] == COMPARISON.sample_values


def test_the_answer_is_made_from_the_comparison_the_report_shows(small_report: Any) -> None:
    report: Report = small_report("korea-2019")
    shown = report.section("simulate").params
    answered = report.section("answer").params["settings"]
    assert answered["rows"] == shown["strategies"] and answered["columns"] == shown["column strategies"]
    assert answered["runs"] == shown["runs"] and answered["seed"] == shown["seed"]
