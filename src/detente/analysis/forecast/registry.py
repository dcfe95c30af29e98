"""The registry of forecast models: every model class, once, under its name.

Examples
--------
>>> list(REGISTRY)[:2]
['compromise', 'median']
"""

from __future__ import annotations

from .base import Model
from .compromise import WeightedMean, WeightedMedian
from .expected_utility import ExpectedUtility
from .nash import NashBargaining
from .procedural import ProceduralModel

__all__ = ["REGISTRY"]

REGISTRY: dict[str, type[Model]] = {
    cls.name: cls
    for cls in (
        WeightedMean,
        WeightedMedian,
        NashBargaining,
        ProceduralModel,
        ExpectedUtility,
    )
}
"""Model classes by name, in the order commands list them."""
