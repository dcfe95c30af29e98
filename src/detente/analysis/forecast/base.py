"""What a forecast model is: a small class that maps sampled judgements of an issue to outcomes.

A model stores its parameters in its constructor (under the same names, nothing
else), declares ``name``, ``title`` and ``citation`` on the class, and implements
:meth:`Model.predict`: ``(S,)`` outcomes on the issue's scale for ``S`` sampled
judgements (``nan`` where the model has no forecast, e.g. a procedural model on an
issue without a status quo). Every model is listed once in
:data:`detente.analysis.forecast.REGISTRY`.

Examples
--------
>>> class Middle(Model):
...     name = "middle"
...     title = "Middle of the scale"
...     def predict(self, d, dr):
...         return np.full(dr.samples, (d.lo + d.hi) / 2)
>>> Middle().params()
{}
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

from .data import Draws, IssueData

__all__ = ["Model"]


class Model(ABC):
    """Base class of the forecast models (see the module docstring); each model implements :meth:`predict`."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    citation: ClassVar[str] = ""
    fitted: ClassVar[bool] = False
    """True when a default parameter was fitted on data (cross-validated by proposal)."""

    @abstractmethod
    def predict(self, d: IssueData, dr: Draws) -> np.ndarray:
        """Outcomes ``(S,)`` on the scale of issue ``d`` for the draws ``dr``."""

    def params(self) -> dict[str, Any]:
        """The constructor's parameters and their values (scikit-learn style)."""
        sig = inspect.signature(type(self).__init__)
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        return {k: getattr(self, k) for k, p in sig.parameters.items() if k != "self" and p.kind in kinds}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"
