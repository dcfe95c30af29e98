"""Terminal tables that stay readable at 80 columns: short codes with a legend.

A strategy name (``maximum-pressure``) is too wide for a matrix column at 80
columns; rich would cut it to ``maxi…``. :func:`short_codes` gives each name a short
code (``MP``) and :func:`legend` the line that explains them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["legend", "short_codes"]


def short_codes(names: Sequence[str]) -> dict[str, str]:
    """A distinct short code for each name: the initials of a hyphenated name, else its first letters.

    A spec with parameters (``grit(patience=2)``) is coded by its name, and codes that
    would repeat get a number.

    >>> short_codes(["maximum-pressure", "tit-for-tat", "grit", "grit(patience=2)", "boulware"])
    {'maximum-pressure': 'MP', 'tit-for-tat': 'TFT', 'grit': 'GRI', 'grit(patience=2)': 'GRI2', 'boulware': 'BOU'}
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = re.split(r"[(:]", name, maxsplit=1)[0].rsplit(".", 1)[-1]
        parts = [p for p in re.split(r"[-_\s]+", base) if p]
        code = "".join(p[0] for p in parts) if len(parts) > 1 else base[:3]
        code = code.upper() or "S"
        candidate, n = code, 1
        while candidate in used:
            n += 1
            candidate = f"{code}{n}"
        used.add(candidate)
        out[name] = candidate
    return out


def legend(codes: dict[str, str]) -> str:
    """``MP maximum-pressure · TFT tit-for-tat``: the line under a table that uses codes."""
    return " · ".join(f"{code} {name}" for name, code in codes.items())
