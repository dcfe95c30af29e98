"""One exception hierarchy for detente.

Every error a user can cause by what they wrote is a :class:`ScenarioError`
(or a subclass) holding one or more :class:`Problem` entries, each naming the
file, line, column and field path, what was found and what was expected.

Examples
--------
>>> p = Problem("s.yaml", 3, 5, "parties[0].discount", "expected 0 < d <= 1, found 1.5")
>>> print(p)
s.yaml:3:5: parties[0].discount: expected 0 < d <= 1, found 1.5
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AnalysisError", "DetenteError", "Problem", "ScenarioError", "format_path"]


class DetenteError(Exception):
    """Base class of every error detente raises on purpose."""


class AnalysisError(DetenteError):
    """An analysis cannot run on this input (too large, degenerate, ...)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as possible."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
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
