"""Floor 1: the validated, immutable input model (scenarios and conflicts)."""

from .errors import AnalysisError, DetenteError, Problem, ScenarioError
from .load import load_scenario, scenario_from_text
from .scenario import Event, Interaction, Move, Party, Pressure, Scenario
from .values import Value

__all__ = [
    "AnalysisError",
    "DetenteError",
    "Event",
    "Interaction",
    "Move",
    "Party",
    "Pressure",
    "Problem",
    "Scenario",
    "ScenarioError",
    "Value",
    "load_scenario",
    "scenario_from_text",
]
