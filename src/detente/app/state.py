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
    "MOVE_COLUMNS",
    "NO_LIMIT",
    "PARTY_COLUMNS",
    "STATUS_QUO",
    "Loaded",
    "apply_edits",
    "load_builtin_text",
    "load_upload",
    "md",
    "move_rows",
    "move_value_columns",
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
    refused: list[Problem] = field(default_factory=list)  # edit cells refused, their old value kept

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


NO_LIMIT = "no limit"
STATUS_QUO = "status quo"

#: The edit tables' columns: key -> (header, help), for the columns every scenario has.
PARTY_COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("Party", "The party's id in the scenario file (not editable)."),
    "name": ("Name", "The party's full name."),
    "discount": (
        "Discount (per month)",
        "How much the party values next month against this one: 0.98 means a value a month away "
        "counts 98% of one now (between 0 and 1).",
    ),
    "exposure_limit": (
        "Exposure limit",
        "The most this party will give up front before the other side reciprocates, on its "
        f"0-10 scale; type a number, or '{NO_LIMIT}'.",
    ),
    "reservation": (
        "No-deal value",
        "The party's value of walking away (its reservation value); "
        f"'{STATUS_QUO}' uses its value of the status quo. Type a number or '{STATUS_QUO}'.",
    ),
}

MOVE_COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("Move", "The move's id in the scenario file (not editable)."),
    "by": ("By", "The party that makes the move (not editable)."),
    "title": ("Title", "What the move is."),
    "in_force": ("In force", "Ticked: the move is already in force today."),
    "reversible": ("Reversible", "Ticked: the move can be undone after it is made."),
    "verification": (
        "Verification",
        "The chance (0 to 1) that the other side can verify the move was made.",
    ),
}


def move_value_columns(s: Scenario) -> dict[str, tuple[str, str]]:
    """The value columns of the moves table: key -> (header, help), three per party."""
    out = {}
    for pid in s.party_ids:
        for point in ("low", "likely", "high"):
            out[f"{pid} {point}"] = (
                f"{pid} {point}",
                f"The move's value to {pid}, per month on its 0-10 scale: the {point} estimate "
                "(low <= likely <= high).",
            )
    return out


def _fmt(x: float) -> str:
    return f"{x:g}"


def party_rows(s: Scenario) -> list[dict[str, Any]]:
    """One editable row per party: name, discount, exposure limit, reservation.

    The exposure limit and the reservation are text: a number, or the explicit words
    ``"no limit"`` and ``"status quo"`` (so no cell is ever empty).

    >>> from detente.scenarios import load_builtin
    >>> party_rows(load_builtin("korea-2019"))[0]["reservation"]
    'status quo'
    """
    return [
        {
            "id": p.id,
            "name": p.name,
            "discount": p.discount,
            "exposure_limit": NO_LIMIT if p.exposure_limit is None else _fmt(p.exposure_limit),
            "reservation": STATUS_QUO if p.reservation is None else _fmt(p.reservation),
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
    if x is None or isinstance(x, bool):
        return None
    try:
        f = float(str(x).strip()) if isinstance(x, str) else float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


_MISSING = object()


class _Cells:
    """Reads the number cells of an edit, refusing (and keeping the old value of) a bad one."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.refused: list[Problem] = []

    def number(
        self, row: Mapping[str, Any], key: str, old: Any, where: str, label: str, word: str | None = None
    ) -> Any:
        """The cell as a float, ``None`` for ``word`` (e.g. "no limit"), or ``old`` when refused."""
        raw = row.get(key, _MISSING)
        if raw is _MISSING:
            return old
        if word is not None and isinstance(raw, str) and raw.strip().lower() == word:
            return None
        value = _num(raw)
        if value is not None:
            return value
        shown = "" if raw is None or (isinstance(raw, float) and math.isnan(raw)) else str(raw).strip()
        what = f"{shown!r} is not a number" if shown else "the cell is empty"
        expected = f"a number or '{word}'" if word else "a number"
        kept = word if old is None and word else _fmt(float(old))
        message = f"{label}: {what} (type {expected}); the old value {kept} is kept"
        self.refused.append(Problem(self.name, None, None, where, message))
        return old


def apply_edits(
    s: Scenario, parties: Sequence[Mapping[str, Any]], moves: Sequence[Mapping[str, Any]]
) -> Loaded:
    """The scenario with the edited tables applied, validated like a file (problems if bad).

    A number cell that does not hold a number (``"four"``, or empty) is refused: the old
    value is kept and the cell is listed in ``refused``, the rest of the edit applies.

    >>> from detente.scenarios import load_builtin
    >>> s = load_builtin("korea-2019")
    >>> rows = party_rows(s)
    >>> rows[0]["exposure_limit"] = "four"
    >>> out = apply_edits(s, rows, move_rows(s))
    >>> out.scenario == s, out.refused[0].message
    (True, "Exposure limit of USA: 'four' is not a number (type a number or 'no limit'); the old value 2 is kept")
    >>> rows[0]["exposure_limit"] = "no limit"
    >>> print(apply_edits(s, rows, move_rows(s)).scenario.party("USA").exposure_limit)
    None
    """
    name = f"{s.id} (edited)"
    cells = _Cells(name)
    data = scenario_data(s)
    by_id = {p["id"]: p for p in data["parties"]}
    index = {p["id"]: i for i, p in enumerate(data["parties"])}
    words = {"exposure_limit": NO_LIMIT, "reservation": STATUS_QUO}
    for row in parties:
        p = by_id.get(row.get("id"))
        if p is None:
            continue
        where = f"parties[{index[p['id']]}] ({p['id']})"
        if row.get("name") is not None and str(row["name"]).strip():
            p["name"] = str(row["name"])
        for key in ("discount", "exposure_limit", "reservation"):
            old = p.get(key, 1.0 if key == "discount" else None)
            label = f"{PARTY_COLUMNS[key][0]} of {p['id']}"
            value = cells.number(row, key, old, f"{where}.{key}", label, words.get(key))
            if value is None:
                p.pop(key, None)
            else:
                p[key] = value
    moves_by_id = {m["id"]: m for m in data.get("moves", [])}
    move_index = {m["id"]: i for i, m in enumerate(data.get("moves", []))}
    for row in moves:
        m = moves_by_id.get(row.get("id"))
        if m is None:
            continue
        where = f"moves[{move_index[m['id']]}] ({m['id']})"
        move = s.move(m["id"])
        if row.get("title"):
            m["title"] = str(row["title"])
        values: dict[str, Any] = {}
        for pid in s.party_ids:
            v = move.value_for(pid)
            lo, li, hi = (
                cells.number(
                    row, f"{pid} {k}", getattr(v, k), f"{where}.value.{pid}", f"{pid} {k} of {m['id']}"
                )
                for k in ("low", "likely", "high")
            )
            if lo == li == hi:
                if li != 0.0:
                    values[pid] = li
            else:
                values[pid] = [lo, li, hi]
        m["value"] = values
        for key in ("in_force", "reversible"):
            if key in row and row[key] is not None:
                m[key] = bool(row[key])
        label = f"Verification of {m['id']}"
        m["verification"] = cells.number(
            row, "verification", move.verification, f"{where}.verification", label
        )

    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    out = _parse(text, name)
    out.refused = cells.refused
    return out


def edited_yaml(s: Scenario) -> str:
    """The scenario as a YAML file to download."""
    return scenario_yaml(s)
