"""Fuzz the commands with mutated built-in scenarios: never a traceback, exit codes 0, 1 or 2.

Each example edits one built-in scenario (a value replaced by one of another type or by an
extreme number, a field or item deleted, markup or a control character put into text) and
runs validate, show, deals, plan, simulate, stability and report on it, kept short (few runs,
a short horizon, a time limit on the planner, the quick report). Whatever the edit, each
command must end with 0, 1 or 2 and print no traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from detente.cli import app
from detente.scenarios import builtin_names, builtin_text

runner = CliRunner()
SMALL = ["leap-day-2012", "agreed-framework-1994", "libya-2003"]  # fewest moves: short runs
assert set(SMALL) <= set(builtin_names("scenario"))

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.sampled_from([0, -1, 1e308, -1e308, 1e-308, 10**30, 0.5, 2]),
    st.sampled_from(
        ["[/]", "[link=https://example.org/x]x[/link]", "\x1b[2J", "a\u202eb", "\x00", "", "é" * 50]
    ),
    st.text(max_size=8),
    st.lists(st.integers(-3, 3), max_size=4),
    st.dictionaries(st.sampled_from(["low", "likely", "high", "x"]), st.integers(-3, 3), max_size=3),
)

COMMANDS: list[list[str]] = [
    ["validate"],
    ["show"],
    ["deals"],
    ["plan", "--time-limit", "2"],
    ["simulate", "--runs", "3", "--horizon", "6", "--no-store"],
    ["stability"],
    ["report", "--quick"],
]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _mutate(data: Any, path: tuple[Any, ...], op: str, junk: Any) -> Any:
    if not path:
        return data
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    if op == "replace":
        parent[path[-1]] = junk
    elif op == "delete":
        del parent[path[-1]]
    return data


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    name=st.sampled_from(SMALL),
    choice=st.integers(min_value=0),
    op=st.sampled_from(["replace", "delete"]),
    junk=JUNK,
)
def test_commands_on_mutated_scenarios_never_raise(
    tmp_path: Path, name: str, choice: int, op: str, junk: Any
) -> None:
    data = yaml.safe_load(builtin_text(name))
    paths = _paths(data)
    mutated = _mutate(data, paths[choice % len(paths)], op, junk)
    try:
        text = yaml.safe_dump(mutated, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        return
    src = tmp_path / "mutated.yaml"
    src.write_text(text, encoding="utf-8")
    for command in COMMANDS:
        args = [command[0], str(src), *command[1:]]
        if command[0] == "report":
            args += ["--output", str(tmp_path / "report.html")]
        result = runner.invoke(app, args)
        assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            args,
            repr(result.exception),
        )
        assert "Traceback" not in result.output, (args, result.output)
