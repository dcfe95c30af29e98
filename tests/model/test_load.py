"""Validation of scenario files: every error located, several at once, never a crash."""

from __future__ import annotations

import contextlib
import json
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.model import ScenarioError, load_scenario, scenario_from_text
from detente.model.source import MAX_BYTES

GOOD = textwrap.dedent(
    """\
    detente: 1
    id: tiny
    title: Tiny
    time: {unit: month, horizon: 12}
    parties:
      - id: A
        discount: 0.9
        exposure_limit: 2
      - id: B
    moves:
      - id: a-freeze
        by: A
        title: A freezes
        value: {A: -1, B: [1, 2, 3]}
        reversible: true
        reversal_lag: 2
      - id: b-relief
        by: B
        title: B relieves
        value: {A: 3, B: -2}
        requires: [a-freeze]
      - id: b-old
        by: B
        title: B did this already
        value: {A: 1}
        in_force: true
    interactions:
      - moves: [a-freeze, b-relief]
        value: {A: 0.5}
    pressures:
      - party: B
        per_period: -0.5
        growth: 0.1
        stopped_by: [a-freeze]
    events:
      - id: test
        rate: 0.1
        effect: {trust: {A: -0.2}}
    """
)


def problems(text: str, name: str = "s.yaml") -> list[str]:
    with pytest.raises(ScenarioError) as info:
        scenario_from_text(text, name)
    return [str(p) for p in info.value.problems]


def test_good_scenario_loads_with_utilities_and_constraints() -> None:
    s = scenario_from_text(GOOD, "s.yaml")
    assert s.party_ids == ("A", "B")
    assert s.status_quo == frozenset({"b-old"})
    # utility: sum of values plus the interaction when both moves are in force
    assert s.utility("A", ["a-freeze", "b-relief"]) == pytest.approx(-1 + 3 + 0.5)
    assert s.utility("B", ["a-freeze", "b-relief"]) == pytest.approx(2 - 2)
    assert s.utility("A", ["a-freeze"]) == pytest.approx(-1)
    assert s.disagreement() == {"A": 1.0, "B": 0.0}
    assert s.closure(["b-relief"]) == frozenset({"a-freeze", "b-relief"})
    assert s.violations(["b-relief"]) == ["b-relief requires a-freeze"]
    assert s.is_feasible(["a-freeze", "b-relief"])


def test_objects_are_frozen() -> None:
    s = scenario_from_text(GOOD)
    with pytest.raises(Exception, match="frozen"):
        s.parties[0].discount = 0.5  # type: ignore[misc]
    with pytest.raises(Exception, match="frozen"):
        s.title = "x"  # type: ignore[misc]


def test_unknown_field_gets_did_you_mean_with_line_and_column() -> None:
    text = GOOD.replace("    discount: 0.9", "    discont: 0.9")
    (msg,) = problems(text)
    assert msg == "s.yaml:7:5: parties[0] (A).discont: unknown field; did you mean 'discount'?"


def test_several_errors_reported_at_once_in_file_order() -> None:
    text = GOOD.replace("discount: 0.9", "discount: 1.5").replace("rate: 0.1", "rate: 2")
    text = text.replace("value: {A: 3, B: -2}", "value: {A: 3, B: [3, 1, 2]}")
    msgs = problems(text)
    assert len(msgs) == 3
    assert msgs[0].startswith("s.yaml:7:5: parties[0] (A).discount:")
    assert "less than or equal to 1" in msgs[0] and "1.5" in msgs[0]
    assert "moves[1] (b-relief).value.B" in msgs[1] and "low <= likely <= high" in msgs[1]
    assert "events[0] (test).rate" in msgs[2] and "2" in msgs[2]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("by: A", "by: C", "moves[0] (a-freeze).by: unknown party 'C'"),
        ("requires: [a-freeze]", "requires: [a-frieze]", "unknown move 'a-frieze'; did you mean 'a-freeze'?"),
        ("stopped_by: [a-freeze]", "stopped_by: [nope]", "pressures[0].stopped_by[0]: unknown move 'nope'"),
        ("{trust: {A: -0.2}}", "{trust: {Z: -0.2}}", "events[0] (test).effect.trust.Z: unknown party 'Z'"),
        ("moves: [a-freeze, b-relief]", "moves: [a-freeze, b-x]", "interactions[0].moves[1]: unknown move"),
        ("  - id: B\n", "  - id: A\n", "parties[1] (A).id: duplicate id 'A'"),
        (
            "reversal_lag: 2",
            "reversal_lag: -1",
            "moves[0] (a-freeze).reversal_lag: expected greater than or equal to 0",
        ),
        ("horizon: 12", "horizon: 0", "time.horizon"),
        ("detente: 1", "detente: 2", "detente: expected 1, found 2"),
        ("id: tiny", "id: Tiny Scenario", "id: found 'Tiny Scenario'; expected an id matching"),
        ("rate: 0.1", "rate: -0.1", "events[0] (test).rate: expected greater than or equal to 0"),
        ("exposure_limit: 2", "exposure_limit: -1", "parties[0] (A).exposure_limit"),
        (
            "value: {A: -1, B: [1, 2, 3]}",
            "value: {A: -1, B: [1, 2]}",
            "expected a number or [low, likely, high]",
        ),
        ("value: {A: -1, B: [1, 2, 3]}", "value: {A: yes, B: 1}", "expected a number or [low, likely, high]"),
    ],
)
def test_each_kind_of_error_is_named(old: str, new: str, expected: str) -> None:
    assert old in GOOD
    msgs = problems(GOOD.replace(old, new, 1))
    assert any(expected in m for m in msgs), msgs
    assert all(m.startswith("s.yaml:") for m in msgs)


def test_missing_required_field() -> None:
    msgs = problems(GOOD.replace("    title: A freezes\n", ""))
    assert msgs == ["s.yaml:11:5: moves[0] (a-freeze).title: required field is missing"]


def test_requires_cycle_is_reported() -> None:
    text = GOOD.replace("    reversible: true\n", "    requires: [b-relief]\n    reversible: true\n")
    (msg,) = problems(text)
    assert "prerequisites form a cycle" in msg
    assert "a-freeze -> b-relief -> a-freeze" in msg or "b-relief -> a-freeze -> b-relief" in msg


def test_excludes_that_contradict_requires() -> None:
    text = GOOD.replace("requires: [a-freeze]", "requires: [a-freeze]\n    excludes: [a-freeze]")
    msgs = problems(text)
    assert any("b-relief can never be in force" in m and "excludes" in m for m in msgs), msgs


def test_status_quo_that_breaks_its_own_constraints() -> None:
    text = GOOD.replace("requires: [a-freeze]", "requires: [a-freeze]\n    in_force: true")
    msgs = problems(text)
    assert any("b-relief is in force but its prerequisite a-freeze is not" in m for m in msgs), msgs
    text2 = GOOD.replace("in_force: true", "in_force: true\n    excludes: [a-freeze]").replace(
        "    reversible: true\n", "    in_force: true\n    reversible: true\n"
    )
    msgs2 = problems(text2)
    assert any("both in force but exclude each other" in m for m in msgs2), msgs2


def test_duplicate_yaml_key_is_an_error() -> None:
    msgs = problems(GOOD.replace("title: Tiny\n", "title: Tiny\ntitle: Again\n"))
    assert msgs == ["s.yaml:4:1: title: duplicate key; each field may appear once"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "file is empty"),
        ("   \n\n", "file is empty"),
        ("- a\n- b\n", "top level is a list; expected a mapping"),
        ("just words", "top level is a str"),
        ("a: [1, 2\nb: 3\n", "not valid YAML"),
        ("~\n", "holds no data"),
        ("x: !!python/object/apply:os.system ['echo pwned']\n", "cannot read value"),
    ],
)
def test_unusable_text(text: str, expected: str) -> None:
    msgs = problems(text)
    assert any(expected in m for m in msgs), msgs


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"detente: 1\nid: x\ntitle: !!python/object/apply:os.system ['touch {marker}']\nparties: [{{id: A}}]\n"
    with pytest.raises(ScenarioError):
        scenario_from_text(text)
    assert not marker.exists()


def test_unusable_files(tmp_path: Path) -> None:
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\x00\x01\x02detente")
    huge = tmp_path / "h.yaml"
    huge.write_bytes(b"a: 1\n" + b"#" * (MAX_BYTES + 1))
    latin = tmp_path / "l.yaml"
    latin.write_bytes("title: caf\xe9\n".encode("latin-1"))
    cases = {
        binary: "binary file",
        huge: "expected at most",
        latin: "not UTF-8",
        tmp_path / "missing.yaml": "no such file",
        tmp_path: "is a directory",
    }
    for path, expected in cases.items():
        with pytest.raises(ScenarioError) as info:
            load_scenario(path)
        assert expected in str(info.value), (path, str(info.value))
        assert str(path) in str(info.value)


def test_json_scenario_with_locations(tmp_path: Path) -> None:
    data = yaml.safe_load(GOOD)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data, indent=2))
    s = load_scenario(path)
    assert s.id == "tiny"
    data["parties"][0]["discount"] = 0
    path.write_text(json.dumps(data, indent=2))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (p,) = info.value.problems
    assert p.file == str(path) and p.path == "parties[0].discount" and p.line is not None
    assert json.dumps(data, indent=2).splitlines()[p.line - 1].strip().startswith('"discount"')


def test_wrong_kind_of_file() -> None:
    msgs = problems("detente: 1\nkind: conflict\nid: x\n")
    assert any("expected a scenario" in m for m in msgs)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_scenario_or_a_scenario_error(text: str) -> None:
    try:
        scenario_from_text(text, "fuzz.yaml")
    except ScenarioError as exc:
        assert all(p.file == "fuzz.yaml" for p in exc.problems)


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
        lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
        max_leaves=12,
    )
)
def test_any_structure_under_a_field_is_handled(junk: object) -> None:
    data = yaml.safe_load(GOOD)
    for field in ("parties", "moves", "time", "events"):
        broken = dict(data)
        broken[field] = junk
        with contextlib.suppress(ScenarioError):
            scenario_from_text(yaml.safe_dump(broken), "fuzz.yaml")


@pytest.mark.parametrize(
    "text", ["0[detente: 1\nid: x\n", "detente: 1\nid: x\ntitle: T\nparties: [{id: A, 'we[ird': 1}]\n"]
)
def test_field_names_with_brackets_are_reported_not_crashed(text: str) -> None:
    msgs = problems(text)
    assert any("unknown field" in m for m in msgs), msgs


def test_missing_nested_field_keeps_its_path() -> None:
    msgs = problems("detente: 1\nid: x\ntitle: T\nparties: [{id: A}]\nmoves: [{id: m, by: A}]\n")
    assert msgs == ["s.yaml:5:9: moves[0] (m).title: required field is missing"]


def test_type_errors_and_unknown_ids_are_reported_together() -> None:
    text = (
        GOOD.replace("discount: 0.9", "discount: 2")
        .replace("by: A", "by: C")
        .replace("stopped_by: [a-freeze]", "stopped_by: [a-freze]")
    )
    msgs = problems(text)
    assert any("parties[0] (A).discount" in m for m in msgs), msgs
    assert any("moves[0] (a-freeze).by: unknown party 'C'" in m for m in msgs), msgs
    assert any(
        "pressures[0].stopped_by[0]: unknown move 'a-freze'; did you mean 'a-freeze'?" in m for m in msgs
    )
