"""Load and validate scenario files, reporting every problem at once.

Examples
--------
>>> text = '''
... detente: 1
... id: demo
... title: Demo
... parties: [{id: A, discont: 0.9}]
... '''
>>> try:
...     scenario_from_text(text, "demo.yaml")
... except ScenarioError as e:
...     print(e)
demo.yaml:5:19: parties[0] (A).discont: unknown field; did you mean 'discount'?
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import Problem, ScenarioError
from .scenario import MAX_ITEMS, MAX_PARTIES, Scenario
from .source import Document, Locator, read_document, read_text

__all__ = ["load_scenario", "scenario_from_document", "scenario_from_text", "validate_model"]

M = TypeVar("M", bound=BaseModel)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file (YAML or JSON)."""
    return scenario_from_document(read_document(path))


def scenario_from_text(text: str, name: str = "<input>") -> Scenario:
    return scenario_from_document(read_text(text, name))


def scenario_from_document(doc: Document) -> Scenario:
    kind = doc.data.get("kind") if isinstance(doc.data, dict) else None
    if kind not in (None, "scenario"):
        raise ScenarioError([doc.locator.problem(("kind",), f"this is a {kind!r} file; expected a scenario")])
    data = {k: v for k, v in doc.data.items() if k != "kind"}
    too_many = _size_problems(data, doc.locator)
    if too_many:
        raise ScenarioError(too_many)
    try:
        scenario = validate_model(Scenario, data, doc.locator)
    except ScenarioError as exc:
        # also report wrong ids now, so one round of fixes is enough
        seen = {(p.path, p.message) for p in exc.problems}
        extra = [p for p in raw_reference_problems(data, doc.locator) if (p.path, p.message) not in seen]
        raise ScenarioError(
            sorted([*exc.problems, *extra], key=lambda p: (p.line or 0, p.column or 0))
        ) from None
    problems = cross_check(scenario, doc.locator)
    if problems:
        raise ScenarioError(problems)
    return scenario


def _size_problems(data: dict[str, Any], locator: Locator) -> list[Problem]:
    """The documented caps on a scenario's lists, checked before any item is validated."""
    out = []
    for key, cap in (("parties", MAX_PARTIES), *((k, MAX_ITEMS) for k in _CAPPED)):
        items = data.get(key)
        if isinstance(items, list) and len(items) > cap:
            out.append(
                locator.problem(
                    (key,), f"{len(items):,} {key}; expected at most {cap:,} (see docs/security.md)"
                )
            )
    return out


_CAPPED = ("moves", "interactions", "pressures", "events")


def validate_model(model: type[M], data: Any, locator: Locator) -> M:
    """Pydantic validation with errors translated into located, readable problems."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_translate(model, exc, locator, data)) from None


# ---------------------------------------------------------------- pydantic errors
def _translate(
    model: type[BaseModel], exc: ValidationError, locator: Locator, data: Any = None
) -> list[Problem]:
    problems = []
    seen = set()
    errors = exc.errors(include_url=False)
    locs = [_clean_loc(e["loc"], data) for e in errors]
    for err, loc in zip(errors, locs, strict=True):
        if err["type"] == "too_short" and any(len(o) > len(loc) and o[: len(loc)] == loc for o in locs):
            continue  # an item failed; its own error says why
        key = (loc, err["type"])
        if key in seen:
            continue
        seen.add(key)
        problems.append(locator.problem(loc, _message(model, err, loc)))
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0))


def _clean_loc(loc: tuple[Any, ...], data: Any) -> tuple[str | int, ...]:
    """The user's field path: follow ``loc`` through the data, dropping pydantic's own tags.

    Pydantic puts union-branch and validator names into error locations; a part is kept
    only when it is a real key (or index) of the data at that point.
    """
    out: list[str | int] = []
    current: Any = data
    for i, part in enumerate(loc):
        in_dict = isinstance(current, dict) and part in current
        in_list = isinstance(current, list | tuple) and isinstance(part, int) and 0 <= part < len(current)
        if in_dict or in_list:
            out.append(part)
            current = current[part]
        elif i == len(loc) - 1 and isinstance(current, dict) and isinstance(part, str) and "[" not in part:
            out.append(part)  # a missing field: not in the data, but it is the user's name
            current = None
    return tuple(out)


def _message(model: type[BaseModel], err: Any, loc: tuple[str | int, ...]) -> str:
    kind = err["type"]
    found = err.get("input")
    if kind == "extra_forbidden" and loc:
        parent = _model_at(model, loc[:-1])
        name = str(loc[-1])
        hint = ""
        if parent is not None:
            close = difflib.get_close_matches(name, list(parent.model_fields), n=1, cutoff=0.6)
            if close:
                hint = f"; did you mean {close[0]!r}?"
            else:
                hint = "; expected one of: " + ", ".join(parent.model_fields)
        return f"unknown field{hint}"
    if kind == "missing":
        return "required field is missing"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    if kind == "literal_error":
        exp = err.get("ctx", {}).get("expected", "")
        return f"expected {exp}, found {found!r}"
    if kind == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        return f"found {found!r}; expected an id matching {pattern}"
    msg = str(err["msg"])
    msg = msg[0].lower() + msg[1:] if msg else msg
    msg = msg.replace("input should be", "expected")
    if isinstance(found, dict | list):
        return f"{msg}, found a {type(found).__name__}"
    return f"{msg}, found {found!r}"


def _model_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            current = _inner_model(current)
            if current is None:
                return None
        field = current.model_fields.get(part)
        if field is None:
            return None
        current = field.annotation
        inner = _inner_model(current)
        if inner is not None:
            current = inner
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return _inner_model(current)


def _inner_model(tp: Any) -> type[BaseModel] | None:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    origin = typing.get_origin(tp)
    if origin is None and not isinstance(tp, types.UnionType):
        return None
    for arg in typing.get_args(tp):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------- cross checks
def raw_reference_problems(data: Any, locator: Locator) -> list[Problem]:
    """References to unknown parties or moves, found in raw data that failed type validation.

    Tolerant of any malformed structure: only well-formed parts are checked.
    """

    def items(key: str) -> list[tuple[int, dict[str, Any]]]:
        seq = data.get(key) if isinstance(data, dict) else None
        return [(i, x) for i, x in enumerate(seq) if isinstance(x, dict)] if isinstance(seq, list) else []

    parties = {x["id"] for _, x in items("parties") if isinstance(x.get("id"), str)}
    moves = {x["id"] for _, x in items("moves") if isinstance(x.get("id"), str)}
    out: list[Problem] = []

    def ref(path: tuple[str | int, ...], name: Any, known: set[str], what: str) -> None:
        if isinstance(name, str) and known and name not in known:
            out.append(locator.problem(path, f"unknown {what} {name!r}{_hint(name, known)}"))

    def keys(path: tuple[str | int, ...], mapping: Any) -> None:
        if isinstance(mapping, dict):
            for pid in mapping:
                ref((*path, pid), pid, parties, "party")

    def ids(path: tuple[str | int, ...], seq: Any) -> None:
        if isinstance(seq, list):
            for j, mid in enumerate(seq):
                ref((*path, j), mid, moves, "move")

    for i, m in items("moves"):
        ref(("moves", i, "by"), m.get("by"), parties, "party")
        keys(("moves", i, "value"), m.get("value"))
        ids(("moves", i, "requires"), m.get("requires"))
        ids(("moves", i, "excludes"), m.get("excludes"))
    for i, inter in items("interactions"):
        ids(("interactions", i, "moves"), inter.get("moves"))
        keys(("interactions", i, "value"), inter.get("value"))
    for i, pr in items("pressures"):
        ref(("pressures", i, "party"), pr.get("party"), parties, "party")
        ids(("pressures", i, "stopped_by"), pr.get("stopped_by"))
    analysis = data.get("analysis") if isinstance(data, dict) else None
    if isinstance(analysis, dict):
        ref(("analysis", "pressure_party"), analysis.get("pressure_party"), parties, "party")
    for i, ev in items("events"):
        effect = ev.get("effect")
        if isinstance(effect, dict):
            keys(("events", i, "effect", "trust"), effect.get("trust"))
            keys(("events", i, "effect", "utility"), effect.get("utility"))
    return out


def cross_check(s: Scenario, locator: Locator) -> list[Problem]:
    """References, uniqueness, cycles, contradictions, a consistent status quo."""
    problems: list[Problem] = []

    def add(path: tuple[str | int, ...], message: str) -> None:
        problems.append(locator.problem(path, message))

    parties = _unique(s.parties, "parties", lambda p: p.id, add)
    moves = _unique(s.moves, "moves", lambda m: m.id, add)
    _unique(s.events, "events", lambda e: e.id, add)

    def check_party(path: tuple[str | int, ...], pid: str) -> None:
        if pid not in parties:
            add(path, f"unknown party {pid!r}{_hint(pid, parties)}")

    def check_move(path: tuple[str | int, ...], mid: str) -> bool:
        if mid not in moves:
            add(path, f"unknown move {mid!r}{_hint(mid, moves)}")
            return False
        return True

    for i, m in enumerate(s.moves):
        check_party(("moves", i, "by"), m.by)
        for pid in m.value:
            check_party(("moves", i, "value", pid), pid)
        for j, r in enumerate(m.requires):
            if r == m.id:
                add(("moves", i, "requires", j), "a move cannot require itself")
            else:
                check_move(("moves", i, "requires", j), r)
        for j, x in enumerate(m.excludes):
            if x == m.id:
                add(("moves", i, "excludes", j), "a move cannot exclude itself")
            else:
                check_move(("moves", i, "excludes", j), x)
        if m.reversal_lag and not m.reversible:
            add(
                ("moves", i, "reversal_lag"),
                "reversal_lag is set but the move is not reversible; "
                "expected reversible: true or reversal_lag: 0",
            )
    for i, inter in enumerate(s.interactions):
        if len(set(inter.moves)) != len(inter.moves):
            add(("interactions", i, "moves"), "an interaction lists a move twice; expected distinct moves")
        for j, mid in enumerate(inter.moves):
            check_move(("interactions", i, "moves", j), mid)
        for pid in inter.value:
            check_party(("interactions", i, "value", pid), pid)
    for i, pr in enumerate(s.pressures):
        check_party(("pressures", i, "party"), pr.party)
        for j, mid in enumerate(pr.stopped_by):
            check_move(("pressures", i, "stopped_by", j), mid)
    for i, ev in enumerate(s.events):
        for field in ("trust", "utility"):
            for pid in getattr(ev.effect, field):
                check_party(("events", i, "effect", field, pid), pid)
    if s.analysis.pressure_party is not None:
        check_party(("analysis", "pressure_party"), s.analysis.pressure_party)
    if problems:
        return problems  # the structural checks below need clean references

    index = {m.id: i for i, m in enumerate(s.moves)}
    cycle = _find_cycle(s)
    if cycle:
        first = index[cycle[0]]
        add(
            ("moves", first, "requires"),
            "prerequisites form a cycle: "
            + " -> ".join([*cycle, cycle[0]])
            + "; expected an order in which every move's prerequisites come first",
        )
        return problems
    for i, a, b in _never_in_force(s):
        m = s.moves[i]
        add(
            ("moves", i, "excludes" if m.id in (a, b) else "requires"),
            f"{m.id} can never be in force: it needs {a} and {b} (through its prerequisites) "
            f"but {a} excludes {b}",
        )
    for i, m in enumerate(s.moves):
        if not m.in_force:
            continue
        for r in m.requires:
            if r not in s.status_quo:
                add(
                    ("moves", i, "in_force"),
                    f"{m.id} is in force but its prerequisite {r} is not; "
                    f"expected the status quo to respect 'requires'",
                )
        for x in m.excludes:
            if x in s.status_quo:
                add(("moves", i, "in_force"), f"{m.id} and {x} are both in force but exclude each other")
    return problems


def _never_in_force(s: Scenario) -> list[tuple[int, str, str]]:
    """Moves whose prerequisites (with themselves) hold two moves that exclude each other.

    For each move, in an order where prerequisites come first, two bit sets over the moves
    that take part in an exclusion: those it needs (``need``) and those that something it
    needs excludes (``banned``); it can never be in force iff they meet. Linear in the
    number of requirements (times the width of the sets), where taking each move's closure
    was quadratic on a long chain. Returns (move index, a, b) with a < b, the first such pair.
    """
    involved = sorted({x for m in s.moves for x in m.excludes} | {m.id for m in s.moves if m.excludes})
    if not involved:
        return []
    bit = {mid: 1 << k for k, mid in enumerate(involved)}
    excl = dict.fromkeys(involved, 0)
    for m in s.moves:
        for x in m.excludes:
            excl[m.id] |= bit[x]
            excl[x] |= bit[m.id]
    need: dict[str, int] = {}
    banned: dict[str, int] = {}
    for mid in _prerequisites_first(s):
        m = s.move(mid)
        n, b = bit.get(mid, 0), excl.get(mid, 0)
        for r in m.requires:
            n |= need[r]
            b |= banned[r]
        need[mid], banned[mid] = n, b
    out = []
    for i, m in enumerate(s.moves):
        both = need[m.id] & banned[m.id]
        if both:
            a = involved[(both & -both).bit_length() - 1]  # the first in id order
            partners = need[m.id] & excl[a]
            other = involved[(partners & -partners).bit_length() - 1]
            out.append((i, a, other))
    return out


def _prerequisites_first(s: Scenario) -> list[str]:
    """Move ids in an order where every move comes after its prerequisites (no cycles)."""
    order: list[str] = []
    done: set[str] = set()
    for start in s.move_ids:
        stack = [(start, 0)]
        while stack:
            node, k = stack.pop()
            if node in done:
                continue
            reqs = s.move(node).requires
            if k < len(reqs):
                stack.append((node, k + 1))
                if reqs[k] not in done:
                    stack.append((reqs[k], 0))
            else:
                done.add(node)
                order.append(node)
    return order


def _unique(items: Any, field: str, key: Callable[[Any], str], add: Callable[..., None]) -> set[str]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        k = key(item)
        if k in seen:
            add((field, i, "id"), f"duplicate id {k!r}; expected each {field[:-1]} id once")
        seen.add(k)
    return seen


def _hint(name: str, known: set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    shown = ", ".join(sorted(known)[:8])
    return f"; expected one of: {shown}{', ...' if len(known) > 8 else ''}"


def _find_cycle(s: Scenario) -> list[str] | None:
    colour: dict[str, int] = {}
    for start in s.move_ids:
        if colour.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            node, k = stack.pop()
            if k == 0:
                colour[node] = 1
                path.append(node)
            reqs = s.move(node).requires
            if k < len(reqs):
                stack.append((node, k + 1))
                nxt = reqs[k]
                if colour.get(nxt) == 1:
                    return path[path.index(nxt) :]
                if not colour.get(nxt):
                    stack.append((nxt, 0))
            else:
                colour[node] = 2
                path.pop()
    return None
