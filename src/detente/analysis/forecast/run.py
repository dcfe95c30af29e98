"""Run forecast models over a positions scenario: per issue a forecast, an interval, who carries it, the error.

Every model of a run sees the same sampled judgements of an issue, drawn from a
generator seeded by ``(seed, issue index)``, so a seed gives the same forecast
whatever models are chosen. The forecast of a model is the median of its outcomes
over the draws, the interval their 10th to 90th percentile, and the actors that
carry it those whose likely position lies within :data:`CARRY` of the scale of
the forecast (the nearest actor when none does), heaviest (weight x salience) first.

Examples
--------
>>> from detente.model.positions import positions_from_text
>>> ps = positions_from_text('''
... detente: 1
... kind: positions
... id: t
... title: T
... actors: [{id: A, weight: 3}, {id: B, weight: 1}]
... issues:
...   - {id: i, title: I, scale: {low: a, high: b}, outcome: 30,
...      positions: {A: {position: 20, salience: 100}, B: {position: 100, salience: 50}}}
... ''')
>>> fc = forecast(ps, ["compromise", "median"])
>>> round(fc.issues[0].predictions["compromise"].value, 4), round(fc.scores()["compromise"]["mae"], 4)
(31.4286, 1.4286)
>>> fc.issues[0].predictions["median"].carriers
('A',)
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente.model.errors import ScenarioError
from detente.model.positions import PositionsScenario
from detente.model.tabular import Table, Tabular

from .base import Model
from .data import IssueData, draw, issue_data
from .registry import REGISTRY

__all__ = ["CARRY", "Forecast", "IssueForecast", "ModelForecast", "forecast", "resolve_models", "score"]

CARRY = 0.10
"""Actors within this share of the scale of a forecast carry it."""
DEFAULT_SAMPLES = 1000


@dataclass(frozen=True)
class ModelForecast:
    """One model's forecast of one issue."""

    value: float
    low: float
    high: float
    carriers: tuple[str, ...]


@dataclass(frozen=True)
class IssueForecast:
    """Every model's forecast of one issue, and the recorded outcome where there is one."""

    id: str
    title: str
    outcome: float | None
    predictions: dict[str, ModelForecast]
    data: IssueData
    rounds: np.ndarray | None = None
    """Expected-utility model: the median voter position after each round, median over the draws."""

    def error(self, model: str) -> float | None:
        p = self.predictions[model].value
        if self.outcome is None or not np.isfinite(p):
            return None
        return abs(p - self.outcome)


@dataclass(frozen=True)
class Forecast(Tabular):
    """The forecasts of a run (``to_frame()``: one row per issue and model)."""

    scenario: str
    title: str
    models: tuple[str, ...]
    issues: tuple[IssueForecast, ...]
    samples: int
    seed: int
    spread: float
    params: dict[str, dict[str, Any]] = field(default_factory=dict)

    def scores(self) -> dict[str, dict[str, float | int | None]]:
        """Per model: mean and median absolute error over the issues with an outcome, and their number."""
        return {m: score([i.error(m) for i in self.issues]) for m in self.models}

    def as_json(self) -> dict[str, Any]:
        def num(x: float | None) -> float | None:
            return None if x is None or not np.isfinite(x) else float(x)

        issues = [
            {
                "id": i.id,
                "title": i.title,
                "prediction": {m: num(i.predictions[m].value) for m in self.models},
                "interval": {m: [num(i.predictions[m].low), num(i.predictions[m].high)] for m in self.models},
                "carried_by": {m: list(i.predictions[m].carriers) for m in self.models},
                "outcome": num(i.outcome),
            }
            for i in self.issues
        ]
        return {"issues": issues, "scores": self.scores()}

    def _table(self) -> Table:
        rows: dict[str, list[object]] = {
            k: [] for k in ("issue", "model", "forecast", "low", "high", "outcome", "error")
        }
        for i in self.issues:
            for m in self.models:
                p = i.predictions[m]
                for k, v in zip(rows, (i.id, m, p.value, p.low, p.high, i.outcome, i.error(m)), strict=True):
                    rows[k].append(v)
        return Table(rows, f"{self.title}: forecasts")


def score(errors: Sequence[float | None]) -> dict[str, float | int | None]:
    """Mean and median of the absolute errors that exist, and how many there are.

    >>> score([1.0, None, 3.0, 8.0])
    {'mae': 4.0, 'median_ae': 3.0, 'n': 3}
    """
    e = np.array([x for x in errors if x is not None], dtype=float)
    if not len(e):
        return {"mae": None, "median_ae": None, "n": 0}
    return {"mae": float(e.mean()), "median_ae": float(np.median(e)), "n": len(e)}


def resolve_models(names: Sequence[str] | None) -> list[Model]:
    """Model instances (with their documented defaults) for registry names; all when ``None``."""
    if not names:
        return [cls() for cls in REGISTRY.values()]
    out = []
    for name in names:
        if name not in REGISTRY:
            close = difflib.get_close_matches(name, list(REGISTRY), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ScenarioError.single(
                "models", f"unknown model {name!r}{hint} (models: {', '.join(REGISTRY)})"
            )
        out.append(REGISTRY[name]())
    return out


def forecast(
    ps: PositionsScenario,
    models: Sequence[str | Model] | None = None,
    *,
    samples: int | None = None,
    seed: int = 0,
    spread: float = 0.0,
) -> Forecast:
    """Forecast every issue of ``ps`` with each model (by registry name or instance).

    ``samples`` (default: 1000 when any judgement is a range or ``spread`` > 0, else 1)
    judgements are drawn per issue; ``spread`` gives point judgements a range (see
    :func:`detente.analysis.forecast.data.draw`).
    """
    objs = (
        [m if isinstance(m, Model) else resolve_models([m])[0] for m in models]
        if models
        else resolve_models(None)
    )
    if samples is None:
        samples = DEFAULT_SAMPLES if (ps.has_ranges or spread > 0) else 1
    out = []
    for k, issue in enumerate(ps.issues):
        d = issue_data(ps, issue)
        dr = draw(d, samples, np.random.default_rng([seed, k]), spread)
        preds: dict[str, ModelForecast] = {}
        rounds = None
        for m in objs:
            play = getattr(m, "play", None)
            if callable(play):
                game = play(d, dr)
                values = game.median[:, -1]
                rounds = np.median(game.median, axis=0)
            else:
                values = m.predict(d, dr)
            preds[m.name] = _summary(d, dr.salience, np.asarray(values, dtype=float))
        out.append(IssueForecast(issue.id, issue.title, d.outcome, preds, d, rounds))
    return Forecast(
        scenario=ps.id,
        title=ps.title,
        models=tuple(m.name for m in objs),
        issues=tuple(out),
        samples=samples,
        seed=seed,
        spread=spread,
        params={m.name: m.params() for m in objs},
    )


def _summary(d: IssueData, salience: np.ndarray, values: np.ndarray) -> ModelForecast:
    ok = values[np.isfinite(values)]
    if not len(ok):
        return ModelForecast(float("nan"), float("nan"), float("nan"), ())
    value = float(np.median(ok))
    low, high = (float(x) for x in np.quantile(ok, [0.1, 0.9]))
    likely = d.position[1]
    power = d.weight * salience.mean(axis=0)
    near = np.flatnonzero(np.abs(likely - value) <= CARRY * (d.hi - d.lo))
    if not len(near):
        near = np.array([int(np.argmin(np.abs(likely - value)))])
    order = sorted(near.tolist(), key=lambda i: (-power[i], i))
    return ModelForecast(value, low, high, tuple(d.actors[i] for i in order))
