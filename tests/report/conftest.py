"""Shared fixtures: one report per built-in scenario, rendered once per test session (kept small)."""

from __future__ import annotations

import pytest

from detente.report import Report, ReportInputs, build_report
from detente.scenarios import builtin_names, load_builtin

# Small settings keep the whole parametrised suite to about a minute on two cores.
SMALL = {
    "simulate": {"strategies": ["maximum-pressure", "step-by-step"], "runs": 3},
    "roadmap": {"time_limit": 3.0},
    "sensitivity": {"budget": 6.0},
}

_CACHE: dict[str, Report] = {}


def small_report(name: str, seed: int = 0) -> Report:
    key = f"{name}:{seed}"
    if key not in _CACHE:
        _CACHE[key] = build_report(ReportInputs(load_builtin(name), seed=seed, quick=True, options=SMALL))
    return _CACHE[key]


@pytest.fixture(name="small_report")
def small_report_fixture() -> object:
    return small_report


@pytest.fixture(params=builtin_names("scenario"))
def report(request: pytest.FixtureRequest) -> Report:
    return small_report(request.param)
