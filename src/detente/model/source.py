"""Reading YAML or JSON input safely, keeping where every field came from.

:func:`read_document` turns a file (or text) into plain Python data plus a
:class:`Locator` that maps a field path to its line and column, so validation
errors can point at the exact spot. YAML is read from its event stream (libyaml
when installed) in one pass without recursion: no object is constructed but plain
data, no alias is ever expanded, and the budgets below are checked as the events
arrive, so a hostile file costs no more than reading it (see docs/security.md).

Refused, each with a located :class:`~detente.model.errors.ScenarioError`: empty,
binary, non-UTF-8 and non-mapping files; files over :data:`MAX_BYTES`, nested deeper
than :data:`MAX_DEPTH` or holding more than :data:`MAX_NODES` values; YAML aliases,
merge keys and tags other than the plain ones; NaN and infinity; integers beyond
:data:`MAX_INT`; text with control or bidirectional-override characters.

Examples
--------
>>> doc = read_text("a: 1\\nb:\\n  - x: 2\\n", "t.yaml")
>>> doc.data
{'a': 1, 'b': [{'x': 2}]}
>>> doc.locator.locate(("b", 0, "x"))
(3, 5)
>>> read_text("a: &x [1]\\nb: *x\\n", "t.yaml")
Traceback (most recent call last):
...
detente.model.errors.ScenarioError: t.yaml:2:4: b: YAML aliases (*x) are not supported; write the value out in full
"""

from __future__ import annotations

import gc
import json
import math
import os
import re
import stat
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, ScenarioError, format_path, path_label

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_INT",
    "MAX_NODES",
    "Document",
    "Locator",
    "atomic_write",
    "read_bytes",
    "read_document",
    "read_text",
    "text_problem",
    "visible",
]

MAX_BYTES = 5 * 1024 * 1024
"""Largest file read, in bytes."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and lists (a scenario needs about 6)."""
MAX_NODES = 300_000
"""Most values (keys, scalars, lists and mappings) in one file: a scenario of 10,000 moves
with ranged values for three parties has about 200,000."""
MAX_INT = 10**300
"""Largest integer read (beyond it a float would overflow to infinity)."""

Key = tuple[str | int, ...]


@dataclass
class Locator:
    """Maps a field path to the (line, column) where it starts, 1-based.

    ``data``, once set, is the parsed document: problems then name list items by their
    ``id`` as well as by index (``moves[0] (n-open-border).value.South``).
    """

    file: str
    places: dict[Key, tuple[int, int]] = field(default_factory=dict)
    data: Any = field(default=None, repr=False, compare=False)

    def locate(self, path: Key) -> tuple[int | None, int | None]:
        """The place of ``path``, or of its nearest located ancestor."""
        p = tuple(path)
        while True:
            if p in self.places:
                return self.places[p]
            if not p:
                return (None, None)
            p = p[:-1]

    def problem(self, path: Key, message: str) -> Problem:
        line, col = self.locate(path)
        return Problem(self.file, line, col, format_path(path), message, path_label(path, self.data))


@dataclass
class Document:
    """Parsed data with its locator."""

    data: Any
    locator: Locator

    @property
    def file(self) -> str:
        return self.locator.file


def read_document(path: str | Path) -> Document:
    """Read a YAML or JSON file; raise ScenarioError with a clear message if unusable."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise ScenarioError.single(name, "no such file")
    if p.is_dir():
        raise ScenarioError.single(name, "is a directory, expected a YAML or JSON file")
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise ScenarioError.single(
                name, f"file is {size:,} bytes; expected at most {MAX_BYTES:,} (is this really a scenario?)"
            )
        raw = p.read_bytes()
    except OSError as exc:
        raise ScenarioError.single(name, f"cannot read file: {exc.strerror or exc}") from None
    return read_bytes(raw, name)


def read_bytes(raw: bytes, name: str) -> Document:
    if len(raw) > MAX_BYTES:
        raise ScenarioError.single(name, f"input is {len(raw):,} bytes; expected at most {MAX_BYTES:,}")
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise ScenarioError.single(name, "looks like a binary file; expected YAML or JSON text", line=line)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError.single(
            name, "is not UTF-8 text; expected a YAML or JSON file", line=line
        ) from None
    return read_text(text, name)


def read_text(text: str, name: str = "<input>") -> Document:
    """Parse YAML (JSON is accepted too) text with locations, within the budgets above."""
    if not text.strip():
        raise ScenarioError.single(name, "file is empty; expected a YAML or JSON mapping", line=1)
    locator = Locator(name)
    builder = _Builder(text, locator)
    try:
        data = builder.run()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        col = mark.column + 1 if mark else None
        what = exc.problem or exc.context or "invalid syntax"
        if "nesting depth" in what:  # libyaml's own limit, met while it scans ahead
            what = f"nested more than {MAX_DEPTH} levels deep; a scenario needs about 6"
        elif name.endswith(".json"):
            return _read_json(text, name)
        raise ScenarioError.single(name, f"not valid YAML: {what}", line=line, column=col) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        what = f"character {exc.character!r} is not allowed ({exc.reason})"
        raise ScenarioError.single(name, f"not valid YAML: {what}", line=line) from None
    except yaml.YAMLError as exc:
        raise ScenarioError.single(name, f"not valid YAML: {exc}", line=1) from None
    if data is _EMPTY or data is None:
        raise ScenarioError.single(name, "file holds no data; expected a YAML or JSON mapping", line=1)
    if builder.notes:
        raise ScenarioError(
            [
                Problem(name, line, col, format_path(path), message, path_label(path, data))
                for line, col, path, message in builder.notes
            ]
        )
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise ScenarioError.single(
            name,
            f"top level is a {kind}; expected a mapping of fields (detente: 1, id: ...)",
            line=1,
            column=1,
        )
    locator.data = data
    return Document(data, locator)


def visible(value: object) -> str:
    """``str(value)`` with every character :func:`text_problem` refuses written out (``\\x1b``).

    >>> visible("a\\x1bb\\u202ec")
    'a\\\\x1bb\\\\u202ec'
    """
    return _BAD_CHARS.sub(_show_char, str(value))


def _show_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def text_problem(text: str) -> str | None:
    """Why ``text`` may not appear in a scenario (a control or bidi character), or None.

    >>> text_problem("North\\u202eKorea")
    'contains the invisible character U+202E (RIGHT-TO-LEFT OVERRIDE); remove it'
    >>> text_problem("two\\nlines") is None
    True
    """
    bad = _BAD_CHARS.search(text)
    if bad is None:
        return None
    ch = bad.group()
    label = unicodedata.name(ch, "a control character")
    return f"contains the invisible character U+{ord(ch):04X} ({label}); remove it"


_BAD_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
"""Characters refused in any text: C0 and C1 controls but tab and newline (a terminal obeys
them: ESC starts an escape sequence, CR overwrites a line), and the bidirectional controls and
zero-width marks that make text read differently from what it holds."""

_DECIMAL = re.compile(r"-?[1-9][0-9]*\Z|0\Z")
_EMPTY = object()
_NEED_KEY = object()
_DISCARD = object()
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_STR_TAG = "tag:yaml.org,2002:str"
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed


class _Frame:
    __slots__ = ("data", "key", "path")

    def __init__(self, data: dict[Any, Any] | list[Any], path: Key) -> None:
        self.data = data
        self.path = path
        self.key: Any = _NEED_KEY


class _Builder:
    """Plain data from the YAML event stream, in one pass with an explicit stack.

    No recursion (any depth is safe to reject), no alias ever expanded (aliases are refused
    where they are used), and every budget checked as the events arrive, so a hostile file
    costs no more than reading it.
    """

    def __init__(self, text: str, locator: Locator) -> None:
        self.text = text
        self.locator = locator
        self.notes: list[tuple[int, int, Key, str]] = []
        self.aliases: set[str] = set()
        self.resolver = yaml.resolver.Resolver()
        self.constructor = yaml.constructor.SafeConstructor()
        self.nodes = 0
        self.resolved_first = set(self.resolver.yaml_implicit_resolvers)

    def fail(self, mark: Any, path: Key, message: str) -> ScenarioError:
        shown = format_path(path) if len(path) <= 8 else format_path(path[:8]) + "..."
        return ScenarioError([Problem(self.locator.file, mark.line + 1, mark.column + 1, shown, message)])

    def note(self, mark: Any, path: Key, message: str) -> None:
        self.notes.append((mark.line + 1, mark.column + 1, path, message))

    def run(self) -> Any:
        loader = _Loader(self.text)
        collecting = gc.isenabled()
        gc.disable()  # many small objects, no cycles: the collector would only rescan them
        try:
            return self._events(loader)
        finally:
            if collecting:
                gc.enable()
            loader.dispose()

    def _events(self, loader: Any) -> Any:
        places = self.locator.places
        stack: list[_Frame] = []
        root: Any = _EMPTY
        skip = 0  # depth inside a subtree being skipped (a refused key or its value)
        documents = 0
        scalar_event = yaml.ScalarEvent
        while True:
            ev: Any = loader.get_event()
            if type(ev) is scalar_event and stack and not skip and self.nodes < MAX_NODES:
                # the common case, kept short: a key, or a plain value of a key or an item
                frame = stack[-1]
                items = frame.data
                if type(items) is list:
                    self.nodes += 1
                    at = (*frame.path, len(items))
                    mark: Any = ev.start_mark
                    places[at] = (mark.line + 1, mark.column + 1)
                    items.append(self._scalar(ev, at))
                    continue
                key = frame.key
                if key is _NEED_KEY:
                    self.nodes += 1
                    name = ev.value
                    if name in items or name == "<<" or _BAD_CHARS.search(name) or ev.tag is not None:
                        self._key(ev, frame, places)  # refused, with the reason
                    else:
                        frame.key = name
                        mark = ev.start_mark
                        places[(*frame.path, name)] = (mark.line + 1, mark.column + 1)
                    continue
                if key is not _DISCARD:
                    self.nodes += 1
                    items[key] = self._scalar(ev, (*frame.path, key))
                    frame.key = _NEED_KEY
                    continue
            if isinstance(ev, yaml.StreamEndEvent):
                return root
            if isinstance(ev, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self.fail(ev.start_mark, (), "expected a single document in the file")
                continue
            if isinstance(ev, yaml.StreamStartEvent | yaml.DocumentEndEvent):
                continue
            if skip:
                if isinstance(ev, yaml.CollectionStartEvent):
                    skip += 1
                if isinstance(ev, yaml.CollectionStartEvent) and skip + len(stack) > MAX_DEPTH:
                    raise self.fail(ev.start_mark, (), f"nested more than {MAX_DEPTH} levels deep")
                if isinstance(ev, yaml.CollectionEndEvent):
                    skip -= 1
                    if not skip:
                        root = self._fill(stack, root, None)
                continue
            if isinstance(ev, yaml.CollectionEndEvent):
                done = stack.pop()
                root = self._fill(stack, root, done.data)
                continue
            # a node starts: a key, a value, an item or the root
            self.nodes += 1
            if self.nodes > MAX_NODES:
                raise self.fail(
                    ev.start_mark,
                    stack[-1].path if stack else (),
                    f"more than {MAX_NODES:,} values in one file; expected a scenario of at most "
                    f"{MAX_NODES:,} values (see docs/security.md)",
                )
            top = stack[-1] if stack else None
            if top is not None and top.key is _NEED_KEY and isinstance(top.data, dict):
                self._key(ev, top, places)
                if isinstance(ev, yaml.CollectionStartEvent):
                    skip = 1
                continue
            if top is None:
                path: Key = ()
            elif isinstance(top.data, dict):
                path = (*top.path, top.key)
            else:
                path = (*top.path, len(top.data))
            discard = top is not None and top.key is _DISCARD
            if not discard and (top is None or isinstance(top.data, list)):
                places[path] = (ev.start_mark.line + 1, ev.start_mark.column + 1)
            if isinstance(ev, yaml.AliasEvent):
                if not discard and ev.anchor not in self.aliases:
                    self.aliases.add(str(ev.anchor))  # once per anchor: a bomb uses each many times
                    self.note(
                        ev.start_mark,
                        path,
                        f"YAML aliases (*{ev.anchor}) are not supported; write the value out in full",
                    )
                root = self._fill(stack, root, None)
            elif isinstance(ev, yaml.ScalarEvent):
                root = self._fill(stack, root, None if discard else self._scalar(ev, path))
            else:
                if len(stack) >= MAX_DEPTH:
                    raise self.fail(
                        ev.start_mark,
                        path,
                        f"nested more than {MAX_DEPTH} levels deep; a scenario needs about 6",
                    )
                tag = ev.tag
                if tag is not None and tag != "!" and tag not in _PLAIN_TAGS:
                    self.note(ev.start_mark, path, f"cannot read value: unsupported YAML tag {tag!r}")
                    discard = True
                if discard:
                    skip = 1
                    continue
                data: dict[Any, Any] | list[Any] = {} if isinstance(ev, yaml.MappingStartEvent) else []
                stack.append(_Frame(data, path))

    def _fill(self, stack: list[_Frame], root: Any, value: Any) -> Any:
        """Put a finished value where it belongs; returns the root (set once the stack is empty)."""
        if not stack:
            return value
        top = stack[-1]
        if isinstance(top.data, list):
            top.data.append(value)
        else:
            if top.key is not _DISCARD:
                top.data[top.key] = value
            top.key = _NEED_KEY
        return root

    def _key(self, ev: Any, top: _Frame, places: dict[Key, tuple[int, int]]) -> None:
        top.key = _DISCARD
        if not isinstance(ev, yaml.ScalarEvent):
            self.note(ev.start_mark, top.path, "mapping keys must be plain names")
            return
        key = ev.value
        assert isinstance(top.data, dict)
        if key == "<<":
            self.note(ev.start_mark, top.path, "YAML merge keys (<<) are not supported")
        elif key in top.data:
            self.note(ev.start_mark, (*top.path, key), "duplicate key; each field may appear once")
        elif (why := text_problem(key)) is not None:
            self.note(ev.start_mark, top.path, f"field name {key!r} {why}")
        else:
            top.key = key
            # a key's own position is more useful than its value's for error messages
            mark: Any = ev.start_mark
            places[(*top.path, key)] = (mark.line + 1, mark.column + 1)

    def _scalar(self, ev: Any, path: Key) -> Any:
        tag = ev.tag
        text = ev.value
        if tag is None and (not ev.implicit[0] or text[:1] not in self.resolved_first):
            tag = _STR_TAG  # quoted, or plain text no implicit type starts with
        elif tag is None and len(text) < 16 and _DECIMAL.match(text):
            return int(text)
        if tag is None or tag == "!":
            tag = self.resolver.resolve(yaml.ScalarNode, ev.value, ev.implicit)
        if tag == _STR_TAG:
            value: Any = ev.value
        else:
            make = self.constructor.yaml_constructors.get(tag)
            if make is None or tag is None:
                self.note(ev.start_mark, path, f"cannot read value: unsupported YAML tag {tag!r}")
                return None
            node = yaml.ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark, style=ev.style)
            try:
                value = make(self.constructor, node)
            except yaml.constructor.ConstructorError as exc:
                self.note(ev.start_mark, path, f"cannot read value: {exc.problem}")
                return None
            except (ValueError, OverflowError):  # e.g. an integer of 5,000 digits
                shown = ev.value if len(ev.value) <= 20 else ev.value[:20] + "..."
                self.note(ev.start_mark, path, f"cannot read value {shown!r} ({len(ev.value):,} characters)")
                return None
        if isinstance(value, str):
            why = text_problem(value)
            if why is not None:
                self.note(ev.start_mark, path, f"text {why}")
                return None
        elif isinstance(value, float) and not math.isfinite(value):
            self.note(ev.start_mark, path, f"expected a finite number, found {ev.value!r}")
            return None
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            self.note(ev.start_mark, path, f"number too large, found {ev.value[:20]!r}...")
            return None
        return value


def _read_json(text: str, name: str) -> Document:
    """JSON that YAML cannot read (rare): parsed by :mod:`json` under the same rules, unlocated."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"expected a finite number, found {constant}")

    try:
        data = json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as jexc:
        raise ScenarioError.single(
            name, f"not valid JSON: {jexc.msg}", line=jexc.lineno, column=jexc.colno
        ) from None
    except (ValueError, RecursionError) as exc:
        why = (
            f"nested too deep (expected at most {MAX_DEPTH} levels)"
            if isinstance(exc, RecursionError)
            else exc
        )
        raise ScenarioError.single(name, f"not valid JSON: {why}", line=1) from None
    problems: list[Problem] = []
    todo: list[tuple[Any, Key]] = [(data, ())]
    nodes = 0
    while todo:
        value, path = todo.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise ScenarioError.single(name, f"more than {MAX_NODES:,} values in one file", line=1)
        if len(path) > MAX_DEPTH:
            raise ScenarioError.single(
                name, f"nested more than {MAX_DEPTH} levels deep", path=format_path(path[:MAX_DEPTH]), line=1
            )
        if isinstance(value, dict):
            todo.extend((v, (*path, k)) for k, v in value.items())
            todo.extend((k, path) for k in value)
        elif isinstance(value, list):
            todo.extend((v, (*path, i)) for i, v in enumerate(value))
        elif isinstance(value, str) and (bad := text_problem(value)) is not None:
            problems.append(Problem(name, 1, None, format_path(path), f"text {bad}"))
        elif isinstance(value, int) and abs(value) > MAX_INT:
            problems.append(Problem(name, 1, None, format_path(path), "number too large"))
    if problems:
        raise ScenarioError(problems)
    if not isinstance(data, dict):
        raise ScenarioError.single(name, "top level is not a mapping of fields", line=1, column=1)
    locator = Locator(name)
    locator.data = data
    return Document(data, locator)


def atomic_write(path: str | Path, data: bytes | str) -> None:
    """Write a file all at once: a temporary file in the same folder, then a rename.

    The file gets the mode a plain ``open(path, "w")`` would give it (0644 under umask 022),
    or keeps the mode of the file it replaces.

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> atomic_write(os.path.join(d, "x.txt"), "hello")
    >>> open(os.path.join(d, "x.txt")).read()
    'hello'
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise ScenarioError.single(str(path), f"cannot write: folder {str(parent)!r} does not exist")
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would
        try:
            mode = stat.S_IMODE(target.stat().st_mode)  # an existing file keeps its mode
        except OSError:
            mode = 0o666 & ~_umask()
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process's umask, read without changing it where the system allows (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore (briefly visible to other threads)
    os.umask(mask)
    return mask
