"""Forecasts of where multilateral talks settle, from expert-coded positions (docs/forecast.md).

A positions scenario (:mod:`detente.model.positions`, or a DEU III table through
:mod:`detente.model.deu3`) gives, per issue, each actor's position, salience and
weight. The models, one module each, listed in :data:`REGISTRY`:

- ``compromise``: the weighted mean (Achen 2006), :mod:`.compromise`;
- ``median``: the weighted median (the median voter), :mod:`.compromise`;
- ``nash``: the asymmetric Nash bargaining solution on the scale, :mod:`.nash`;
- ``procedural``: the agenda setter under the decision rule, :mod:`.procedural`;
- ``expected-utility``: Bueno de Mesquita's model, :mod:`.expected_utility`.

:func:`forecast` runs them over every issue on shared sampled judgements.

Examples
--------
>>> from detente.scenarios import load_positions_builtin
>>> fc = forecast(load_positions_builtin("korea-six-party"), ["compromise"], seed=1)
>>> sorted(fc.scores())
['compromise']
"""

from __future__ import annotations

from .base import Model
from .data import Draws, IssueData, draw, issue_data, weighted_median
from .registry import REGISTRY
from .run import CARRY, Forecast, IssueForecast, ModelForecast, forecast, resolve_models, score

__all__ = [
    "CARRY",
    "REGISTRY",
    "Draws",
    "Forecast",
    "IssueData",
    "IssueForecast",
    "Model",
    "ModelForecast",
    "draw",
    "forecast",
    "issue_data",
    "resolve_models",
    "score",
    "weighted_median",
]
