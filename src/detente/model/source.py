"""Reading YAML or JSON input safely, keeping where every field came from.

:func:`read_document` turns a file (or text) into plain Python data plus a
:class:`Locator` that maps a field path to its line and column, so validation
errors can point at the exact spot. YAML is loaded with the safe loader (no
object construction); empty, binary, huge and non-mapping files are refused
with a clear :class:`~detente.model.errors.ScenarioError`.

Examples
--------
>>> doc = read_text("a: 1\\nb:\\n  - x: 2\\n", "t.yaml")
>>> doc.data
{'a': 1, 'b': [{'x': 2}]}
>>> doc.locator.locate(("b", 0, "x"))
(3, 5)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, ScenarioError, format_path

__all__ = ["MAX_BYTES", "Document", "Locator", "atomic_write", "read_bytes", "read_document", "read_text"]

MAX_BYTES = 5 * 1024 * 1024

Key = tuple[str | int, ...]


@dataclass
class Locator:
    """Maps a field path to the (line, column) where it starts, 1-based."""

    file: str
    places: dict[Key, tuple[int, int]] = field(default_factory=dict)

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
        return Problem(self.file, line, col, format_path(path), message)


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
    """Parse YAML (JSON is accepted too) text with locations."""
    if not text.strip():
        raise ScenarioError.single(name, "file is empty; expected a YAML or JSON mapping", line=1)
    locator = Locator(name)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        col = mark.column + 1 if mark else None
        what = exc.problem or exc.context or "invalid syntax"
        if name.endswith(".json"):
            try:
                return Document(json.loads(text), locator)
            except json.JSONDecodeError as jexc:
                raise ScenarioError.single(
                    name, f"not valid JSON: {jexc.msg}", line=jexc.lineno, column=jexc.colno
                ) from None
        raise ScenarioError.single(name, f"not valid YAML: {what}", line=line, column=col) from None
    except yaml.YAMLError as exc:
        raise ScenarioError.single(name, f"not valid YAML: {exc}", line=1) from None
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"):
        raise ScenarioError.single(name, "file holds no data; expected a YAML or JSON mapping", line=1)
    problems: list[Problem] = []
    data = _convert(node, (), locator, problems)
    if problems:
        raise ScenarioError(problems)
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise ScenarioError.single(
            name,
            f"top level is a {kind}; expected a mapping of fields (detente: 1, id: ...)",
            line=1,
            column=1,
        )
    return Document(data, locator)


_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


def _convert(node: yaml.Node, path: Key, locator: Locator, problems: list[Problem]) -> Any:
    locator.places[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _PLAIN_TAGS:
        problems.append(locator.problem(path, f"cannot read value: unsupported YAML tag {node.tag!r}"))
        return None
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(locator.problem(path, "mapping keys must be plain names"))
                continue
            key = key_node.value
            if key == "<<":
                problems.append(locator.problem(path, "YAML merge keys (<<) are not supported"))
                continue
            if key in out:
                line = key_node.start_mark.line + 1
                problems.append(
                    Problem(
                        locator.file,
                        line,
                        key_node.start_mark.column + 1,
                        format_path((*path, key)),
                        "duplicate key; each field may appear once",
                    )
                )
                continue
            out[key] = _convert(value_node, (*path, key), locator, problems)
            # a key's own position is more useful than its value's for error messages
            locator.places[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(v, (*path, i), locator, problems) for i, v in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        problems.append(locator.problem(path, f"cannot read value: {exc.problem}"))
        return None
    finally:
        loader.dispose()


def atomic_write(path: str | Path, data: bytes | str) -> None:
    """Write a file all at once: a temporary file in the same folder, then a rename.

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> atomic_write(os.path.join(d, "x.txt"), "hello")
    >>> open(os.path.join(d, "x.txt")).read()
    'hello'
    """
    import os
    import tempfile

    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise ScenarioError.single(str(path), f"cannot write: folder {str(parent)!r} does not exist")
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
