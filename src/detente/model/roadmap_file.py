"""The roadmap file (docs/formats.md): a user's own sequence of stages, for ``detente plan --check``.

.. code-block:: yaml

    detente: 1
    kind: roadmap
    scenario: korea-2019            # optional
    stages:
      - [dprk-test-pledge, usa-liaison-offices]
      - {moves: [dprk-yongbyon-dismantle], note: "why"}

Errors are located (file, line, column, field) like scenario errors; with a
scenario, move ids are checked against it ("did you mean").

Examples
--------
>>> from detente.model.source import read_text
>>> rm = roadmap_from_document(read_text("detente: 1\\nkind: roadmap\\nstages:\\n  - [a, b]\\n  - {moves: [c], note: x}\\n"))
>>> [list(s.moves) for s in rm.stages], rm.stages[1].note
([['a', 'b'], ['c']], 'x')
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import Problem, ScenarioError
from .load import validate_model
from .scenario import ITEM_ID, Scenario
from .source import Document, read_document

__all__ = ["RoadmapFile", "RoadmapStage", "check_against", "load_roadmap", "roadmap_from_document"]


class RoadmapStage(BaseModel):
    """One stage: moves done together, with an optional note."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    moves: tuple[str, ...] = Field(min_length=1)
    note: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, data: Any) -> Any:
        if isinstance(data, list | tuple):
            return {"moves": data}
        if isinstance(data, str):
            raise ValueError(f"expected a list of move ids or {{moves: [...], note: ...}}, found {data!r}")
        return data


class RoadmapFile(BaseModel):
    """A validated roadmap file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    detente: Literal[1]
    kind: Literal["roadmap"]
    scenario: str | None = Field(default=None, pattern=ITEM_ID)
    title: str = ""
    description: str = ""
    stages: tuple[RoadmapStage, ...] = Field(min_length=1)

    @property
    def sequence(self) -> list[tuple[str, ...]]:
        return [s.moves for s in self.stages]


def roadmap_from_document(doc: Document, scenario: Scenario | None = None) -> RoadmapFile:
    """Validate a parsed roadmap document (and, given a scenario, its move ids)."""
    data = doc.data
    if isinstance(data, dict) and data.get("kind") != "roadmap":
        found = data.get("kind", "scenario")
        raise ScenarioError(
            [doc.locator.problem(("kind",), f"this is a {found!r} file; expected kind: roadmap")]
        )
    rm = validate_model(RoadmapFile, data, doc.locator)
    problems = _own_problems(rm, doc)
    if scenario is not None:
        problems += _scenario_problems(rm, doc, scenario)
    if problems:
        raise ScenarioError(problems)
    return rm


def load_roadmap(path: str | Path, scenario: Scenario | None = None) -> RoadmapFile:
    """Read and validate a roadmap file (YAML or JSON)."""
    return roadmap_from_document(read_document(path), scenario)


def check_against(rm: RoadmapFile, doc: Document, scenario: Scenario) -> None:
    """Raise a located ScenarioError if the roadmap does not fit ``scenario``."""
    problems = _scenario_problems(rm, doc, scenario)
    if problems:
        raise ScenarioError(problems)


def _where(doc: Document, i: int, j: int) -> tuple[str | int, ...]:
    raw = doc.data["stages"][i]
    return ("stages", i, "moves", j) if isinstance(raw, dict) else ("stages", i, j)


def _own_problems(rm: RoadmapFile, doc: Document) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    for i, st in enumerate(rm.stages):
        for j, mid in enumerate(st.moves):
            if mid in seen:
                problems.append(
                    doc.locator.problem(
                        _where(doc, i, j),
                        f"{mid} is already in stage {seen[mid] + 1}; expected each move once",
                    )
                )
            seen.setdefault(mid, i)
    return problems


def _scenario_problems(rm: RoadmapFile, doc: Document, s: Scenario) -> list[Problem]:
    problems = []
    known = sorted(s.move_ids)
    for i, st in enumerate(rm.stages):
        for j, mid in enumerate(st.moves):
            if mid not in s.move_ids:
                close = difflib.get_close_matches(mid, known, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else f"; expected a move of {s.id}"
                problems.append(doc.locator.problem(_where(doc, i, j), f"unknown move {mid!r}{hint}"))
            elif mid in s.status_quo:
                problems.append(
                    doc.locator.problem(
                        _where(doc, i, j), f"{mid} is already in force; expected moves on the table"
                    )
                )
    return problems
