"""Results as tables: pandas DataFrames, compact HTML for Jupyter, and JSON under one name.

A result class inherits :class:`Tabular` and implements ``_table()``, which returns its
main table as a :class:`Table` (named columns of equal length, plain Python or numpy
values). The mixin then gives it:

- ``to_frame()``: the table as a pandas DataFrame (pandas is imported only here, when
  called, so importing detente stays light);
- ``_repr_html_()``: what Jupyter shows, the first :data:`HTML_ROWS` rows and a line
  saying how many more there are (through pandas when it is installed, else a plain
  HTML table built here);
- ``to_json()``: the class's JSON document. Classes that already define ``to_json`` keep
  it; otherwise it is their ``as_json`` or ``as_dict`` (or, for a pydantic model,
  ``model_dump(mode="json")``).

A column may hold lists (the move ids of a package, one list per row): ``to_frame()``
keeps them as Python lists, so ``df["moves"].explode()`` or ``"a1" in row.moves`` work;
the HTML view shows them as ``a1, b1``.

Examples
--------
>>> from dataclasses import dataclass
>>> @dataclass
... class Tally(Tabular):
...     counts: dict[str, int]
...     def _table(self) -> Table:
...         return Table({"item": list(self.counts), "count": list(self.counts.values())}, "Tally")
...     def as_dict(self) -> dict[str, int]:
...         return dict(self.counts)
>>> t = Tally({"a": 2, "b": 3})
>>> t.to_frame()["count"].sum(), t.to_json()
(np.int64(5), {'a': 2, 'b': 3})
>>> "<td>3</td>" in t._repr_html_()
True
"""

from __future__ import annotations

import html
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["HTML_ROWS", "Table", "Tabular", "frame", "html_table"]

HTML_ROWS = 30
"""Rows shown by ``_repr_html_``; the rest are counted in a "... N more rows" line."""


@dataclass(frozen=True)
class Table:
    """Named columns of equal length (lists or numpy arrays), with a title for display."""

    columns: Mapping[str, Sequence[Any]]
    title: str = ""

    def __post_init__(self) -> None:
        lengths = {len(v) for v in self.columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of unequal length: {sorted(lengths)}")

    @property
    def n_rows(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def head(self, n: int) -> Table:
        return Table({k: v[:n] for k, v in self.columns.items()}, self.title)


def _cell(x: Any) -> str:
    """One value as pandas would show it in HTML, escaped (a list of ids as ``a, b``)."""
    if x is None:
        return ""
    if isinstance(x, list | tuple | set | frozenset):
        return html.escape(_joined(x))
    if hasattr(x, "item") and callable(x.item):  # numpy scalar
        x = x.item()
    if isinstance(x, float):
        return "" if math.isnan(x) else f"{x:.6g}"
    return html.escape(str(x))


def html_table(table: Table, limit: int = HTML_ROWS) -> str:
    """A compact HTML table without pandas: a header row and at most ``limit`` rows.

    >>> html_table(Table({"x": [1.5, None], "y": ["<a>", True]}))
    '<table class="dataframe"><thead><tr><th>x</th><th>y</th></tr></thead><tbody><tr><td>1.5</td><td>&lt;a&gt;</td></tr><tr><td></td><td>True</td></tr></tbody></table>'
    """
    head = "".join(f"<th>{html.escape(k)}</th>" for k in table.columns)
    shown = min(table.n_rows, limit)
    cols = [table.columns[k] for k in table.columns]
    body = "".join("<tr>" + "".join(f"<td>{_cell(c[i])}</td>" for c in cols) + "</tr>" for i in range(shown))
    return f'<table class="dataframe"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _joined(x: Any) -> Any:
    """A list-valued cell (e.g. the move ids of a package) as ``a, b`` for display; others as they are."""
    return ", ".join(map(str, x)) if isinstance(x, list | tuple | set | frozenset) else x


def frame(table: Table) -> pd.DataFrame:
    """A pandas DataFrame of a table (imports pandas)."""
    import pandas as pd  # keep: pandas takes 0.17 s to import; model/ is loaded by `detente --help`

    return pd.DataFrame({k: list(v) if isinstance(v, tuple) else v for k, v in table.columns.items()})


class Tabular(ABC):
    """Mixin for result objects: ``to_frame()``, ``_repr_html_()`` and ``to_json()`` (see the module)."""

    __slots__ = ()

    @abstractmethod
    def _table(self) -> Table:
        """The main table of this result (every result class defines it)."""

    def to_frame(self) -> pd.DataFrame:
        """The main table of this result as a pandas DataFrame (needs pandas)."""
        return frame(self._table())

    def _repr_html_(self) -> str:
        table = self._table()
        head = table.head(HTML_ROWS)
        # a list-valued column (``moves``: a list of ids in to_frame()) reads as "a, b" on screen
        shown = Table({k: [_joined(x) for x in v] for k, v in head.columns.items()}, head.title)
        try:
            import pandas  # noqa: F401  # keep: 0.17 s to import (see above)
        except ImportError:
            body = html_table(shown)
        else:
            body = frame(shown).to_html(
                index=False, border=0, na_rep="", float_format=lambda x: f"{x:.6g}", max_rows=HTML_ROWS
            )
        title = f"<p><strong>{html.escape(table.title)}</strong></p>" if table.title else ""
        rest = table.n_rows - shown.n_rows
        more = f"<p>... {rest} more row{'s' if rest != 1 else ''} (see .to_frame())</p>" if rest > 0 else ""
        return f"<div>{title}{body}{more}</div>"

    def to_json(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The JSON document of this result (its ``as_json``/``as_dict``), ready for ``json.dumps``."""
        for name in ("as_json", "as_dict"):
            method = getattr(self, name, None)
            if callable(method):
                return dict(method(*args, **kwargs))
        dump = getattr(self, "model_dump", None)
        if callable(dump):
            return dict(dump(mode="json", **kwargs))
        raise TypeError(f"{type(self).__name__} has no JSON form (no as_json, as_dict or model_dump)")
