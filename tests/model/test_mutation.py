"""Mutated valid scenarios: the only failure ever raised is a located ScenarioError.

A Hypothesis property test takes the built-in scenarios, applies random edits (a value
replaced by one of the wrong type, a field or list item deleted, an unknown field added,
garbage bytes spliced into the text) and checks that loading either succeeds or raises
:class:`ScenarioError` whose every problem names the file and a line. Also: load -> dump
-> load gives the same scenario.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.model import Scenario, ScenarioError, scenario_from_text
from detente.model.load import scenario_from_document
from detente.model.source import read_bytes
from detente.scenarios import builtin_names, builtin_text, load_builtin

SCENARIOS = builtin_names("scenario")
NAME = "mutated.yaml"

WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=4),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=3),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def _mutate(data: Any, path: tuple[Any, ...], op: str, junk: Any) -> Any:
    if not path:
        return junk if op == "replace" else data
    parent = _parent(data, path)
    key = path[-1]
    if op == "replace":
        parent[key] = junk
    elif op == "delete":
        del parent[key]
    elif op == "add" and isinstance(parent, dict):
        parent[f"x-{junk!s:.8}"] = junk
    return data


def _assert_located(text_or_bytes: str | bytes) -> None:
    try:
        if isinstance(text_or_bytes, bytes):
            scenario_from_document(read_bytes(text_or_bytes, NAME))
        else:
            scenario_from_text(text_or_bytes, NAME)
    except ScenarioError as exc:
        for p in exc.problems:
            assert p.file == NAME
            assert p.line is not None and p.line >= 1, str(p)
            assert p.message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(SCENARIOS),
    choice=st.integers(min_value=0),
    op=st.sampled_from(["replace", "delete", "add"]),
    junk=WRONG,
)
def test_structural_mutations_give_located_scenario_errors(
    name: str, choice: int, op: str, junk: Any
) -> None:
    data = yaml.safe_load(builtin_text(name))
    paths = _paths(data)
    path = paths[choice % len(paths)]
    mutated = _mutate(data, path, op, junk)
    try:
        text = yaml.safe_dump(mutated, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:  # hypothesis made something YAML cannot represent
        return
    _assert_located(text)


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(SCENARIOS),
    where=st.floats(min_value=0, max_value=1),
    garbage=st.binary(min_size=1, max_size=16),
    cut=st.booleans(),
)
def test_garbage_bytes_give_located_scenario_errors(
    name: str, where: float, garbage: bytes, cut: bool
) -> None:
    raw = builtin_text(name).encode("utf-8")
    at = int(where * len(raw))
    mutated = raw[:at] + garbage + (b"" if cut else raw[at:])
    _assert_located(mutated)


@pytest.mark.parametrize("name", SCENARIOS)
def test_load_dump_load_round_trip(name: str) -> None:
    s = load_builtin(name)
    again_json = Scenario.model_validate(json.loads(s.model_dump_json()))
    assert again_json == s
    dumped = yaml.safe_dump(s.model_dump(mode="json", exclude_none=True), allow_unicode=True, sort_keys=False)
    again_yaml = scenario_from_text(dumped, f"{name}.yaml")
    assert again_yaml == s
    # the dump reads the way users write values: numbers, or [low, likely, high]
    first = s.moves[0]
    party, value = next(iter(first.value.items()))
    assert again_yaml.model_dump(mode="json")["moves"][0]["value"][party] == value.as_yaml()
