"""Floor 3: the negotiation simulator (engine, strategies, Monte Carlo).

Examples
--------
>>> from detente.simulate import SimulationSettings, play, make_strategy
>>> SimulationSettings().cooling_off
3
"""

from .engine import SimulationSettings, default_target, play
from .observation import Observation, Perception, Proposal
from .strategies import REGISTRY, Strategy, StrategyError, make_strategy
from .tables import Tables
from .trace import RunResult, TraceEntry

__all__ = [
    "REGISTRY",
    "Observation",
    "Perception",
    "Proposal",
    "RunResult",
    "SimulationSettings",
    "Strategy",
    "StrategyError",
    "Tables",
    "TraceEntry",
    "default_target",
    "make_strategy",
    "play",
]
