"""One set of defaults for the strategy comparison, shared by the command line, the report and the app.

``detente compare``, ``detente simulate``, ``detente tournament``, the strategy section of
``detente run`` and of the report, and the app's Simulate page all start from
:data:`COMPARISON`, so the same pair of strategies gives the same agreement figure
wherever it is asked for; every result then says what it was made with in one line
(:func:`settings_line`). The module imports nothing, so the command line reads it when
it defines its options without slowing ``detente --help``.

Examples
--------
>>> COMPARISON.runs_for(quick=False), COMPARISON.sample_values
(50, True)
>>> COMPARISON.strategy_names(["grit", "tit-for-tat"])
['grit', 'tit-for-tat']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["COMPARISON", "ROADMAP_DRAWS", "ComparisonDefaults", "settings_line"]


@dataclass(frozen=True)
class ComparisonDefaults:
    """What a strategy comparison uses when nobody says otherwise.

    Attributes
    ----------
    strategies : tuple of str or None
        The strategies of each matrix party; None: every registered strategy.
    runs, quick_runs : int
        Monte Carlo runs per pairing (per profile for ``simulate``, per match for a
        tournament), normally and with ``--quick``.
    sample_values : bool
        Draw every value from its range afresh in each run (True) or use the likely values.
    others : str
        The strategy of every party beyond the two of the matrix.
    seed : int
        The seed of every random draw.
    """

    strategies: tuple[str, ...] | None = None
    runs: int = 50
    quick_runs: int = 20
    sample_values: bool = True
    others: str = "tit-for-tat"
    seed: int = 0

    def runs_for(self, quick: bool) -> int:
        """Runs per pairing: ``quick_runs`` for a first look, else ``runs``."""
        return self.quick_runs if quick else self.runs

    def strategy_names(self, registered: Iterable[str]) -> list[str]:
        """The default strategies among ``registered`` (the strategy registry's names, in its order)."""
        names = list(registered)
        if self.strategies is None:
            return names
        return [x for x in self.strategies if x in names]


COMPARISON = ComparisonDefaults()
"""The defaults of every surface (see the module docstring)."""
ROADMAP_DRAWS = 500
"""Value draws a roadmap is judged on (``detente plan --samples`` and the answer's staging line)."""


def settings_line(doc: Mapping[str, Any]) -> str:
    """One line saying what a result was made with: a ``compare``, ``simulate`` or ``tournament`` document.

    >>> settings_line({"rows": ["a", "b"], "columns": ["a", "b"], "row_party": "A",
    ...     "column_party": "B", "runs": 50, "seed": 0, "sample_values": True, "fixed": {}})
    'settings: 2 strategies for each of A and B, values sampled from their ranges, 50 runs per pairing, seed 0'
    >>> settings_line({"strategies": {"A": "grit", "B": "tit-for-tat"}, "runs": 50, "seed": 1,
    ...     "sample_values": False})
    'settings: A plays grit, B plays tit-for-tat, likely values, 50 runs, seed 1'
    """
    sampled = doc.get("sample_values")
    values = (
        "value sampling not recorded"
        if sampled is None
        else "values sampled from their ranges"
        if sampled
        else "likely values"
    )
    strategies = doc.get("strategies")
    if "rows" in doc:
        rows, cols = list(doc["rows"]), list(doc.get("columns", []))
        rp, cp = doc.get("row_party", "row"), doc.get("column_party", "column")
        if rows == cols:
            who = f"{len(rows)} strategies for each of {rp} and {cp}"
        else:
            who = f"{len(rows)} strategies for {rp} and {len(cols)} for {cp}"
        per = " per pairing"
    elif isinstance(strategies, Mapping):
        who = ", ".join(f"{p} plays {v}" for p, v in strategies.items())
        per = ""
    else:
        who = f"{len(strategies or [])} strategies in both seats"
        per = " per match"
    line = f"settings: {who}, {values}, {doc.get('runs')} runs{per}, seed {doc.get('seed')}"
    fixed = doc.get("fixed") or {}
    if fixed:
        line += "; " + ", ".join(f"{p} plays {v}" for p, v in fixed.items())
    return line
