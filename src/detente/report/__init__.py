"""Floors 4-5: the self-contained HTML report and its figures.

>>> from detente.scenarios import load_builtin
>>> report = build_report(ReportInputs(load_builtin("korea-2019")), only=["scenario"])
>>> report.section("scenario").skipped
False
"""

from .core import Body, Report, ReportInputs, Section, Skip, build_report, section_modules
from .figures import Figure, new_figure, write_figures
from .reproduce import scenario_data, scenario_yaml

__all__ = [
    "Body",
    "Figure",
    "Report",
    "ReportInputs",
    "Section",
    "Skip",
    "build_report",
    "new_figure",
    "scenario_data",
    "scenario_yaml",
    "section_modules",
    "write_figures",
]
