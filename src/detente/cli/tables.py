"""Terminal tables that stay readable at 80 columns, and the strategy matrix of ``compare``.

A strategy name (``maximum-pressure``) is too wide for a matrix column at 80
columns; rich would cut it to ``maxi…``. :func:`short_codes` gives each name a short
code (``MP``) and :func:`legend` the line that explains them; :func:`comparison_table`
uses them when the matrix does not fit, and :func:`comparison_csv` writes it as CSV.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

from rich import box
from rich.table import Table

from .common import console
from .text import term

__all__ = ["comparison_csv", "comparison_table", "legend", "ranked_summary", "short_codes"]


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


def comparison_csv(doc: dict[str, Any]) -> str:
    """The matrix of a comparison JSON document as CSV: one row per cell, means over the runs.

    Columns: ``row_strategy``, ``column_strategy``, ``agreement_rate`` and ``target_share``
    (0-1), then ``utility_<PARTY>`` for the row and the column party.

    >>> doc = {"row_party": "A", "column_party": "B", "rows": ["grit"], "columns": ["tit-for-tat"],
    ...        "matrix": {"agreement_rate": [[1.0]], "target_share": [[0.5]],
    ...                   "utility": {"A": [[2.25]], "B": [[-1.0]]}}}
    >>> print(comparison_csv(doc), end="")
    row_strategy,column_strategy,agreement_rate,target_share,utility_A,utility_B
    grit,tit-for-tat,1.0,0.5,2.25,-1.0
    """
    rp, cp = doc["row_party"], doc["column_party"]
    m = doc["matrix"]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(
        [
            "row_strategy",
            "column_strategy",
            "agreement_rate",
            "target_share",
            f"utility_{rp}",
            f"utility_{cp}",
        ]
    )
    for i, r in enumerate(doc["rows"]):
        for j, c in enumerate(doc["columns"]):
            w.writerow(
                [
                    r,
                    c,
                    m["agreement_rate"][i][j],
                    m["target_share"][i][j],
                    m["utility"][rp][i][j],
                    m["utility"][cp][i][j],
                ]
            )
    return out.getvalue()


def comparison_table(doc: dict[str, Any], width: int | None = None) -> Table:
    """A rich table of a comparison JSON document: agreement rate and mean utilities per cell.

    When the strategy names do not fit ``width`` (default: the terminal's), rows and
    columns are labelled by short codes explained in the caption, and each figure of a
    cell gets its own line, so nothing is cut at 80 columns.
    """
    rp, cp = doc["row_party"], doc["column_party"]
    width = console.width if width is None else width
    m = doc["matrix"]
    cells = [
        [
            (
                m["agreement_rate"][i][j],
                m["target_share"][i][j],
                m["utility"][rp][i][j],
                m["utility"][cp][i][j],
            )
            for j in range(len(doc["columns"]))
        ]
        for i in range(len(doc["rows"]))
    ]
    label = f"{rp} \\ {cp}"
    full = len(max(doc["rows"] + [label], key=len)) + 3 + sum(max(len(c), 13) + 3 for c in doc["columns"])
    compact = full > width
    codes = short_codes(list(dict.fromkeys([*doc["rows"], *doc["columns"]]))) if compact else {}
    title = (
        f"{doc['scenario']}: {rp} (rows) vs {cp} (columns), {doc['runs']} runs per cell, seed {doc['seed']}"
    )
    if compact:
        t = Table(title=title, show_lines=True, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
        t.add_column(rp, style="bold", no_wrap=True, min_width=max(len(c) for c in [rp, *codes.values()]))
    else:
        t = Table(title=title)
        t.add_column(term(label), style="bold", no_wrap=True)
    figures = [f"{x:.1f}" for row in cells for cell in row for x in cell[2:]] + ["100%"]
    for c in doc["columns"]:
        t.add_column(term(codes.get(c, c)), justify="center", no_wrap=True, min_width=max(map(len, figures)))
    for i, r in enumerate(doc["rows"]):
        row = []
        for rate, share, ur, uc in cells[i]:
            colour = "green" if rate >= 0.5 else ("yellow" if rate >= 0.2 else "red")
            if compact:
                row.append(f"[{colour}]{100 * rate:.0f}%[/]\n{100 * share:.0f}%\n{ur:.1f}\n{uc:.1f}")
            else:
                row.append(f"[{colour}]{100 * rate:.0f}%[/] · {100 * share:.0f}%\n{ur:.1f} / {uc:.1f}")
        t.add_row(term(codes.get(r, r)), *row)
    if compact:
        t.caption = (
            f"cell, top to bottom: agreement rate; share of the target package in force at the horizon; "
            f"mean utility of {rp}, then of {cp} (discounted totals: the horizon and what stands at its end, carrying on; each on its own scale).\n"
            + term(legend(codes))
        )
    else:
        t.caption = (
            f"cell: agreement rate · share of the target package in force at the horizon;\n"
            f"mean utility {rp} / {cp} (discounted totals: the horizon and what stands at its end, carrying on; each on its own scale)"
        )
    t.caption_justify = "left"
    return t


def ranked_summary(doc: dict[str, Any]) -> list[str]:
    """The lines that end ``compare``: each side's strategies ranked by mean payoff, with the gain over no deal.

    A strategy's mean payoff is the mean over the other side's strategies
    (:func:`detente.studies.answer.rank_strategies`); a pair that agrees in most runs and
    leaves a party below its value of no deal is counted, and the worst one named.

    >>> doc = {"row_party": "A", "column_party": "B", "rows": ["x", "y"], "columns": ["u"],
    ...     "matrix": {"agreement_rate": [[1.0], [0.0]], "utility": {"A": [[1.0], [4.0]], "B": [[3.0], [0.0]]},
    ...                "no_deal": {"A": [[2.0], [2.0]], "B": [[0.0], [0.0]]}}}
    >>> ranked_summary(doc)[1]
    'A (no deal 2.0): 1 y 4.0 (+2.0) · 2 x 1.0 (-1.0)'
    """
    from detente.studies.answer import (
        find_shortfalls,
        rank_strategies,
    )  # lazy: scipy, +0.7 s on `detente --help`

    out = ["Ranked by mean payoff over the other side's strategies (gain over no deal):"]
    for party, ranked in rank_strategies(doc).items():
        if ranked:
            items = " · ".join(
                f"{k} {s.strategy} {s.mean:.1f} ({s.gain:+.1f})" for k, s in enumerate(ranked, 1)
            )
            out.append(f"{party} (no deal {ranked[0].no_deal:.1f}): {items}")
    short = find_shortfalls(doc)
    if short:
        worst = short[0]
        (rp, rs), (cp, cs) = worst.strategies
        out.append(
            f"{len(short)} pair{'s' if len(short) != 1 else ''} agree in most runs yet leave a party below "
            f"no deal; the worst: {rp} {rs} vs {cp} {cs} leaves {worst.party} at {worst.payoff:.1f} "
            f"(no deal {worst.no_deal:.1f})."
        )
    return out
