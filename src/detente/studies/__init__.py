"""Studies that drive analyses and simulations many times: sensitivity of a verdict to its inputs."""

from __future__ import annotations

from .metrics import METRICS, Metric, parse_metric
from .sensitivity import (
    Input,
    SensitivityResult,
    break_even,
    ranged_inputs,
    sensitivity,
    set_inputs,
    sobol_indices,
)

__all__ = [
    "METRICS",
    "Input",
    "Metric",
    "SensitivityResult",
    "break_even",
    "parse_metric",
    "ranged_inputs",
    "sensitivity",
    "set_inputs",
    "sobol_indices",
]
