"""One exception hierarchy for detente.

Every error a user can cause by what they wrote is a :class:`ScenarioError`
(or a subclass) holding one or more :class:`Problem` entries, each naming the
file, line, column and field path, what was found and what was expected.

Examples
--------
>>> p = Problem("s.yaml", 3, 5, "parties[0].discount", "expected 0 < d <= 1, found 1.5")
>>> print(p)
s.yaml:3:5: parties[0].discount: expected 0 < d <= 1, found 1.5
>>> print(Problem("s.yaml", 3, 5, "parties[0].discount", "expected 0 < d <= 1", "parties[0] (USA).discount"))
s.yaml:3:5: parties[0] (USA).discount: expected 0 < d <= 1
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AnalysisError",
    "DetenteError",
    "Problem",
    "RunError",
    "ScenarioError",
    "format_path",
    "path_label",
]


class DetenteError(Exception):
    """Base class of every error detente raises on purpose."""


class AnalysisError(DetenteError):
    """An analysis cannot run on this input (too large, degenerate, ...)."""


class RunError(DetenteError):
    """A run could not finish for a reason outside its input: its workers or scheduler were lost.

    What was done is kept where the run records it (a results store resumes from there).
    """


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as possible."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str
    label: str = ""
    """The path as shown to a reader: list items named by id too (``moves[0] (n-open-border).value``)."""

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        shown = self.label or self.path
        field = f" {shown}:" if shown else ""
        return f"{where}:{field} {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "label": self.label or self.path,
            "message": self.message,
        }


class ScenarioError(DetenteError):
    """Bad input: one or more problems, each with file, line, field and expectation."""

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("ScenarioError needs at least one problem")
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(
        cls,
        file: str,
        message: str,
        *,
        path: str = "",
        line: int | None = None,
        column: int | None = None,
    ) -> ScenarioError:
        return cls([Problem(file, line, column, path, message)])


def format_path(path: tuple[str | int, ...]) -> str:
    """Render a field path the way users write it.

    >>> format_path(("moves", 3, "value", "USA"))
    'moves[3].value.USA'
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


_SHOWN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def path_label(path: tuple[str | int, ...], data: Any) -> str:
    """:func:`format_path`, with each list item that has an ``id`` named by it as well.

    Only ids that look like ids are shown (a malformed one may be what is wrong).

    >>> data = {"moves": [{"id": "n-open-border", "value": {"South": "x"}}]}
    >>> path_label(("moves", 0, "value", "South"), data)
    'moves[0] (n-open-border).value.South'
    >>> path_label(("moves", 3), data)
    'moves[3]'
    """
    out = ""
    current = data
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
            item = current[part] if isinstance(current, list) and 0 <= part < len(current) else None
            ident = item.get("id") if isinstance(item, dict) else None
            if isinstance(ident, str) and _SHOWN_ID.match(ident):
                out += f" ({ident})"
            current = item
        else:
            out += ("." if out else "") + str(part)
            current = current.get(part) if isinstance(current, dict) else None
    return out
