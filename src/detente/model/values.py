"""Uncertain values: a number, or a ``[low, likely, high]`` range; and :data:`Number`.

Every number a scenario holds is finite: :data:`Number` (a float that refuses NaN and
infinity) is the one type for them, and :class:`Value` checks every form it is written in
(a number, ``[low, likely, high]`` or ``{low, likely, high}``).

Examples
--------
>>> v = Value.parse([1, 2, 4])
>>> v.likely, v.is_range
(2.0, True)
>>> Value.parse(3).as_yaml()
3.0
>>> Value.parse({"low": 0, "likely": 1, "high": float("inf")})
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for Value
...
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import numpy as np
from pydantic import AllowInfNan, BaseModel, ConfigDict, model_serializer, model_validator

__all__ = ["Number", "Value", "sample_triangular"]

Number = Annotated[float, AllowInfNan(False)]
"""A finite float: NaN and infinity (also written as text, ``"inf"``) are refused."""


def _finite(x: Any) -> bool:
    try:
        return math.isfinite(float(x))
    except OverflowError:  # an integer too large for a float
        return False


class Value(BaseModel):
    """A judgement: ``likely`` with a ``low``..``high`` range (equal for a plain number)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    low: Number
    likely: Number
    high: Number

    @model_validator(mode="before")
    @classmethod
    def _from_user(cls, data: Any) -> Any:
        kind = type(data)
        if kind is float or kind is int:  # the common case first
            if not _finite(data):
                raise ValueError(f"expected a finite number or [low, likely, high], found {data!r}")
            return {"low": data, "likely": data, "high": data}
        if kind is list and len(data) == 3 and all(type(x) is float or type(x) is int for x in data):
            low, likely, high = data
            if not (_finite(low) and _finite(likely) and _finite(high)):
                raise ValueError(f"values must be finite numbers, found {data!r}")
            if not low <= likely <= high:
                raise ValueError(f"expected low <= likely <= high, found {data!r}")
            return {"low": float(low), "likely": float(likely), "high": float(high)}
        if isinstance(data, bool):
            raise ValueError(f"expected a number or [low, likely, high], found {data!r}")
        if isinstance(data, int | float):
            if not _finite(data):
                raise ValueError(f"expected a finite number or [low, likely, high], found {data!r}")
            return {"low": data, "likely": data, "high": data}
        if isinstance(data, list | tuple):
            if len(data) != 3 or not all(
                isinstance(x, int | float) and not isinstance(x, bool) for x in data
            ):
                raise ValueError(f"expected a number or [low, likely, high], found {list(data)!r}")
            if not all(_finite(x) for x in data):
                raise ValueError(f"values must be finite numbers, found {list(data)!r}")
            low, likely, high = (float(x) for x in data)
            if not low <= likely <= high:
                raise ValueError(f"expected low <= likely <= high, found {list(data)!r}")
            return {"low": low, "likely": likely, "high": high}
        if isinstance(data, Value):
            return data
        if isinstance(data, dict):
            points = [data.get(k) for k in ("low", "likely", "high")]
            if all(isinstance(x, int | float) and not isinstance(x, bool) for x in points):
                if not all(_finite(x) for x in points):
                    raise ValueError(f"values must be finite numbers, found {data!r}")
                if not points[0] <= points[1] <= points[2]:  # type: ignore[operator]
                    raise ValueError(f"expected low <= likely <= high, found {data!r}")
            return data
        raise ValueError(f"expected a number or [low, likely, high], found {data!r}")

    @model_serializer
    def _as_written(self) -> float | list[float]:
        # dumps the way users write it, so a dumped scenario loads back unchanged
        return self.as_yaml()

    @classmethod
    def parse(cls, data: Any) -> Value:
        return cls.model_validate(data)

    @property
    def is_range(self) -> bool:
        return self.low != self.high

    def as_yaml(self) -> float | list[float]:
        """The form a user writes: a number, or ``[low, likely, high]``."""
        if not self.is_range:
            return self.likely
        return [self.low, self.likely, self.high]

    def __str__(self) -> str:
        if not self.is_range:
            return f"{self.likely:g}"
        return f"{self.likely:g} [{self.low:g}..{self.high:g}]"


def sample_triangular(
    low: np.ndarray, likely: np.ndarray, high: np.ndarray, rng: np.random.Generator, size: int | None = None
) -> np.ndarray:
    """Triangular draws that also accept degenerate ranges (low == high).

    >>> rng = np.random.default_rng(0)
    >>> x = sample_triangular(np.array([0.0, 2.0]), np.array([1.0, 2.0]), np.array([2.0, 2.0]), rng)
    >>> bool(0 <= x[0] <= 2), float(x[1])
    (True, 2.0)
    """
    low = np.asarray(low, dtype=float)
    likely = np.asarray(likely, dtype=float)
    high = np.asarray(high, dtype=float)
    shape = low.shape if size is None else (size, *low.shape)
    u = rng.random(shape)
    width = high - low
    safe = np.where(width > 0, width, 1.0)
    c = np.where(width > 0, (likely - low) / safe, 0.5)
    left = low + np.sqrt(u * c) * safe
    right = high - np.sqrt((1.0 - u) * (1.0 - c)) * safe
    out = np.where(u < c, left, right)
    return np.where(width > 0, out, low)
