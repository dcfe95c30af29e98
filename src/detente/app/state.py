"""The web app's logic without Streamlit: reading uploads, the edit tables, applying edits.

Every function here is pure and testable on its own; :mod:`detente.app.ui` only
lays them out. A bad upload or a bad edit becomes a list of located problems.

Examples
--------
>>> from detente.scenarios import load_builtin
>>> s = load_builtin("korea-2019")
>>> rows = move_rows(s)
>>> rows[0]["id"], "USA likely" in rows[0]
('dprk-test-moratorium', True)
>>> apply_edits(s, party_rows(s), rows).scenario == s
True
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from detente.model.errors import Problem, ScenarioError
from detente.model.load import scenario_from_text
from detente.model.scenario import Scenario
from detente.model.source import visible
from detente.report.reproduce import scenario_data, scenario_yaml
from detente.scenarios import builtin_names, builtin_text

__all__ = [
    "Loaded",
    "apply_edits",
    "load_builtin_text",
    "load_upload",
    "md",
    "move_rows",
    "party_rows",
    "scenario_names",
]

MAX_UPLOAD_BYTES = 2_000_000


@dataclass
class Loaded:
    """The outcome of reading a scenario: the scenario and its text, or the problems found."""

    scenario: Scenario | None
    text: str
    name: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.scenario is not None and not self.problems


def scenario_names() -> list[str]:
    """The built-in scenarios (not conflicts) a user can pick."""

    return builtin_names("scenario")


def load_builtin_text(name: str) -> Loaded:

    text = builtin_text(name)
    return _parse(text, f"{name}.yaml")


def load_upload(data: bytes, name: str) -> Loaded:
    """Validate an uploaded file; problems (never an exception) when it is bad.

    >>> bad = load_upload(b"detente: 1\\nid: x\\ntitle: X\\nparties: []\\n", "bad.yaml")
    >>> bad.ok, bad.problems[0].path
    (False, 'parties')
    """
    name = _display_name(name)
    if len(data) > MAX_UPLOAD_BYTES:
        message = f"file too large ({len(data):,} bytes); expected at most {MAX_UPLOAD_BYTES:,}"
        return Loaded(None, "", name, [Problem(name, None, None, "", message)])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Loaded(None, "", name, [Problem(name, None, None, "", f"not UTF-8 text ({exc.reason})")])
    if not name.lower().endswith((".yaml", ".yml", ".json")):
        msg = "expected a .yaml, .yml or .json scenario file"
        return Loaded(None, text, name, [Problem(name, None, None, "", msg)])
    return _parse(text, name)


def _display_name(name: str) -> str:
    """An uploaded file's name as shown: its last part, printable, at most 80 characters."""
    base = visible(name.replace("\\", "/").rsplit("/", 1)[-1]) or "upload"
    return base if len(base) <= 80 else base[:77] + "..."


def _parse(text: str, name: str) -> Loaded:
    try:
        return Loaded(scenario_from_text(text, name), text, name)
    except ScenarioError as exc:
        return Loaded(None, text, name, exc.problems)
    except Exception as exc:  # the app's boundary: never a traceback or a server path
        _log.exception("unexpected error reading %s", name)
        message = f"could not read this file ({type(exc).__name__}); please report it with the file"
        return Loaded(None, text, name, [Problem(name, None, None, "", message)])


def md(text: object) -> str:
    """Text from a file made safe for Streamlit markdown: shown as written, no link, image or HTML.

    >>> print(md("![x](http://example.org/t.png) *hi* <b>"))
    !\\[x\\](http://example.org/t.png) \\*hi\\* \\<b\\>
    """
    return _MARKDOWN.sub(r"\\\g<0>", visible(text))


_MARKDOWN = re.compile(r"[\\`*_\[\]#|~$<>]")
_log = logging.getLogger(__name__)


def party_rows(s: Scenario) -> list[dict[str, Any]]:
    """One editable row per party: name, discount, exposure limit, reservation."""
    return [
        {
            "id": p.id,
            "name": p.name,
            "discount": p.discount,
            "exposure_limit": p.exposure_limit,
            "reservation": p.reservation,
        }
        for p in s.parties
    ]


def move_rows(s: Scenario) -> list[dict[str, Any]]:
    """One editable row per move: title, each party's low/likely/high value, status and verification."""
    rows = []
    for m in s.moves:
        row: dict[str, Any] = {"id": m.id, "by": m.by, "title": m.title}
        for p in s.party_ids:
            v = m.value_for(p)
            row[f"{p} low"], row[f"{p} likely"], row[f"{p} high"] = v.low, v.likely, v.high
        row.update({"in_force": m.in_force, "reversible": m.reversible, "verification": m.verification})
        rows.append(row)
    return rows


def _num(x: Any) -> float | None:
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def apply_edits(
    s: Scenario, parties: Sequence[Mapping[str, Any]], moves: Sequence[Mapping[str, Any]]
) -> Loaded:
    """The scenario with the edited tables applied, validated like a file (problems if bad)."""
    data = scenario_data(s)
    by_id = {p["id"]: p for p in data["parties"]}
    for row in parties:
        p = by_id.get(row.get("id"))
        if p is None:
            continue
        if row.get("name") is not None:
            p["name"] = str(row["name"])
        for key in ("discount", "exposure_limit", "reservation"):
            if key in row:
                value = _num(row[key])
                if value is None:
                    p.pop(key, None)
                else:
                    p[key] = value
    moves_by_id = {m["id"]: m for m in data.get("moves", [])}
    for row in moves:
        m = moves_by_id.get(row.get("id"))
        if m is None:
            continue
        if row.get("title"):
            m["title"] = str(row["title"])
        values: dict[str, Any] = {}
        for pid in s.party_ids:
            lo, li, hi = (_num(row.get(f"{pid} {k}")) for k in ("low", "likely", "high"))
            if li is None:
                continue
            lo = li if lo is None else lo
            hi = li if hi is None else hi
            if lo == li == hi:
                if li != 0.0:
                    values[pid] = li
            else:
                values[pid] = [lo, li, hi]
        m["value"] = values
        for key in ("in_force", "reversible"):
            if key in row and row[key] is not None:
                m[key] = bool(row[key])
        if "verification" in row and _num(row["verification"]) is not None:
            m["verification"] = _num(row["verification"])

    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return _parse(text, f"{s.id} (edited)")


def edited_yaml(s: Scenario) -> str:
    """The scenario as a YAML file to download."""
    return scenario_yaml(s)
