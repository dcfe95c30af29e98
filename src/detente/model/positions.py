"""The positions scenario: actors, issues on a scale, and each actor's position and salience.

The input of the forecast models (:mod:`detente.analysis.forecast`). A positions file
is YAML or JSON with ``kind: positions``; it is validated into frozen objects with the
same located errors as move scenarios (file:line:col, field path with actor and issue
ids, expected versus found). The format is documented field by field in
``docs/formats.md`` (Positions scenario).

Examples
--------
>>> text = '''
... detente: 1
... kind: positions
... id: tiny
... title: Tiny
... actors: [{id: A, weight: 2}, {id: B, weight: 1}]
... issues:
...   - id: tax
...     title: Tax rate
...     scale: {low: "no tax", high: "high tax"}
...     status_quo: 0
...     positions:
...       A: {position: 20, salience: 50}
...       B: {position: [60, 80, 90], salience: 100}
... '''
>>> ps = positions_from_text(text, "tiny.yaml")
>>> ps.issue("tax").position("B").position.likely, ps.actor("A").weight
(80.0, 2.0)
>>> try:
...     positions_from_text(text.replace("B: {position", "C: {position"), "tiny.yaml")
... except ScenarioError as e:
...     print(e)
tiny.yaml:14:7: issues[0] (tax).positions.C: unknown actor 'C'; expected one of: A, B
"""

from __future__ import annotations

import datetime as dt
import difflib
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import Problem, ScenarioError
from .load import validate_model
from .scenario import ITEM_ID, PARTY_ID
from .source import Document, read_document, read_text
from .values import Value

__all__ = [
    "Actor",
    "DecisionRule",
    "Issue",
    "IssueOutcome",
    "Position",
    "PositionsScenario",
    "Scale",
    "load_positions",
    "positions_from_document",
    "positions_from_text",
]

RULES = ("unanimity", "qualified-majority", "simple-majority", "lead")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Actor(_Frozen):
    """A stakeholder: its weight (clout, votes, capability) and whether it can veto."""

    id: str = Field(pattern=PARTY_ID)
    name: str = ""
    weight: float = Field(gt=0)
    veto: bool = False
    source: str = ""
    rationale: str = ""

    @property
    def label(self) -> str:
        return self.name or self.id


class Scale(_Frozen):
    """An issue's scale: numeric ends ``min`` < ``max`` and what each end means."""

    low: str
    high: str
    min: float = 0.0
    max: float = 100.0

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if not self.min < self.max:
            raise ValueError(f"expected min < max, found min {self.min:g}, max {self.max:g}")
        return self


class DecisionRule(_Frozen):
    """How an issue is decided: unanimity, a (qualified) majority of ``voters``, or a lead's proposal.

    ``threshold`` is the share of the voters' weight (``votes`` when given, else the
    actors' weights) that must prefer a proposal to the status quo; ``lead`` is the actor
    that makes the proposal (the agenda setter); ``voters`` default to every actor
    except the lead.
    """

    rule: Literal["unanimity", "qualified-majority", "simple-majority", "lead"]
    threshold: float | None = Field(default=None, gt=0, le=1)
    lead: str | None = None
    voters: tuple[str, ...] | None = None
    votes: dict[str, float] | None = None
    vetoes: tuple[str, ...] = ()
    """Actors that must accept under this rule, beside those with ``veto: true``."""

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"rule": data}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> DecisionRule:
        if self.rule == "qualified-majority" and self.threshold is None:
            raise ValueError("a qualified-majority rule needs a threshold (share of weight, 0 < t <= 1)")
        if self.rule in ("unanimity", "simple-majority", "lead") and self.threshold is not None:
            raise ValueError(f"a {self.rule} rule takes no threshold; use qualified-majority")
        if self.rule == "lead" and self.lead is None:
            raise ValueError("a lead rule needs the lead actor (lead: ID)")
        if self.votes is not None and any(v < 0 for v in self.votes.values()):
            raise ValueError("votes must be >= 0")
        return self

    @property
    def share(self) -> float:
        """The share of the voters' weight a proposal needs (1 for unanimity, 0 for a lead's rule)."""
        if self.rule == "unanimity":
            return 1.0
        if self.rule == "simple-majority":
            return 0.5
        if self.rule == "lead":
            return 0.0
        assert self.threshold is not None
        return self.threshold


class Position(_Frozen):
    """One actor on one issue: its position on the scale and the issue's salience to it (0-100)."""

    position: Value
    salience: Value
    source: str = ""
    rationale: str = ""

    @field_validator("salience")
    @classmethod
    def _salience_range(cls, v: Value) -> Value:
        if v.low < 0 or v.high > 100:
            raise ValueError(f"expected a salience between 0 and 100, found {v}")
        return v


class IssueOutcome(_Frozen):
    """What was decided, on the issue's scale (scored against forecasts when present)."""

    value: float
    date: dt.date | str | None = Field(default=None, union_mode="left_to_right")
    source: str = ""
    note: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_number(cls, data: Any) -> Any:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return {"value": data}
        return data


class Issue(_Frozen):
    """One issue: its scale, status quo, decision rule and every actor's position on it."""

    id: str = Field(pattern=ITEM_ID)
    title: str
    description: str = ""
    scale: Scale
    status_quo: float | None = None
    status_quo_source: str = ""
    decision: DecisionRule = Field(default_factory=lambda: DecisionRule(rule="unanimity"))
    positions: dict[str, Position] = Field(min_length=1)
    outcome: IssueOutcome | None = None
    group: str = ""
    """Issues of one proposal or package share a group (used to cross-validate by proposal)."""

    def position(self, actor: str) -> Position:
        return self.positions[actor]


class PositionsScenario(_Frozen):
    """A validated, immutable positions scenario."""

    detente: Literal[1]
    kind: Literal["positions"]
    id: str = Field(pattern=ITEM_ID)
    title: str
    as_of: dt.date | None = None
    description: str = ""
    notes: str = ""
    actors: tuple[Actor, ...] = Field(min_length=1)
    issues: tuple[Issue, ...] = Field(min_length=1)

    @cached_property
    def actor_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.actors)

    def actor(self, actor_id: str) -> Actor:
        return {a.id: a for a in self.actors}[actor_id]

    def issue(self, issue_id: str) -> Issue:
        return {i.id: i for i in self.issues}[issue_id]

    @property
    def has_ranges(self) -> bool:
        """True if any position or salience is a range rather than a number."""
        return any(
            p.position.is_range or p.salience.is_range for i in self.issues for p in i.positions.values()
        )


# ---------------------------------------------------------------- loading
def load_positions(path: str | Path) -> PositionsScenario:
    """Read and validate a positions file (YAML or JSON)."""
    return positions_from_document(read_document(path))


def positions_from_text(text: str, name: str = "<input>") -> PositionsScenario:
    return positions_from_document(read_text(text, name))


def positions_from_document(doc: Document) -> PositionsScenario:
    """Validate a parsed document; every problem is reported at once, located."""
    data = doc.data
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind != "positions":
        found = "scenario" if kind is None else kind
        raise ScenarioError(
            [doc.locator.problem(("kind",), f"this is a {found!r} file; expected kind: positions")]
        )
    try:
        ps = validate_model(PositionsScenario, data, doc.locator)
    except ScenarioError as exc:
        seen = {(p.path, p.message) for p in exc.problems}
        extra = [p for p in _reference_problems(data, doc) if (p.path, p.message) not in seen]
        raise ScenarioError(
            sorted([*exc.problems, *extra], key=lambda p: (p.line or 0, p.column or 0))
        ) from None
    problems = _reference_problems(data, doc) + _value_problems(ps, doc)
    if problems:
        raise ScenarioError(problems)
    return ps


def _hint(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return "; expected one of: " + ", ".join(known[:10]) + (", ..." if len(known) > 10 else "")


def _reference_problems(data: Any, doc: Document) -> list[Problem]:
    """Unknown or duplicate actor and issue ids, read from the raw data (tolerant of bad structure)."""
    out: list[Problem] = []
    loc = doc.locator

    def seq(key: str) -> list[tuple[int, dict[str, Any]]]:
        items = data.get(key) if isinstance(data, dict) else None
        return [(i, x) for i, x in enumerate(items) if isinstance(x, dict)] if isinstance(items, list) else []

    actors: list[str] = []
    for i, a in seq("actors"):
        aid = a.get("id")
        if isinstance(aid, str):
            if aid in actors:
                out.append(
                    loc.problem(("actors", i, "id"), f"duplicate id {aid!r}; expected each actor id once")
                )
            actors.append(aid)
    issues: set[str] = set()
    for i, iss in seq("issues"):
        iid = iss.get("id")
        if isinstance(iid, str):
            if iid in issues:
                out.append(
                    loc.problem(("issues", i, "id"), f"duplicate id {iid!r}; expected each issue id once")
                )
            issues.add(iid)
        if not actors:
            continue

        def ref(path: tuple[str | int, ...], name: Any) -> None:
            if isinstance(name, str) and name not in actors:
                out.append(loc.problem(path, f"unknown actor {name!r}{_hint(name, actors)}"))

        positions = iss.get("positions")
        if isinstance(positions, dict):
            for aid in positions:
                ref(("issues", i, "positions", aid), aid)
        rule = iss.get("decision")
        if isinstance(rule, dict):
            ref(("issues", i, "decision", "lead"), rule.get("lead"))
            for key in ("voters", "vetoes"):
                names = rule.get(key)
                if isinstance(names, list):
                    for j, v in enumerate(names):
                        ref(("issues", i, "decision", key, j), v)
            votes = rule.get("votes")
            if isinstance(votes, dict):
                for aid in votes:
                    ref(("issues", i, "decision", "votes", aid), aid)
    return out


def _value_problems(ps: PositionsScenario, doc: Document) -> list[Problem]:
    """Positions, status quo and outcome on the issue's scale; at least one actor who cares."""
    out: list[Problem] = []
    loc = doc.locator
    for i, iss in enumerate(ps.issues):
        lo, hi = iss.scale.min, iss.scale.max
        span = f"[{lo:g}, {hi:g}]"
        for aid, p in iss.positions.items():
            v = p.position
            if v.low < lo or v.high > hi:
                out.append(
                    loc.problem(
                        ("issues", i, "positions", aid, "position"),
                        f"expected a position on the scale {span} of issue {iss.id}, found {v}",
                    )
                )
        if iss.status_quo is not None and not lo <= iss.status_quo <= hi:
            out.append(
                loc.problem(
                    ("issues", i, "status_quo"),
                    f"expected a status quo on the scale {span}, found {iss.status_quo:g}",
                )
            )
        if iss.outcome is not None and not lo <= iss.outcome.value <= hi:
            out.append(
                loc.problem(
                    ("issues", i, "outcome"),
                    f"expected an outcome on the scale {span}, found {iss.outcome.value:g}",
                )
            )
        if all(p.salience.high == 0 for p in iss.positions.values()):
            out.append(
                loc.problem(
                    ("issues", i, "positions"), "every salience is 0; expected at least one actor who cares"
                )
            )
        rule = iss.decision
        if rule.rule == "lead" and rule.lead is not None and rule.lead not in iss.positions:
            out.append(
                loc.problem(
                    ("issues", i, "decision", "lead"), f"the lead {rule.lead!r} takes no position on {iss.id}"
                )
            )
    return out
