"""Conflict files: parsing, preferences, and located errors (all at once, never a crash)."""

from __future__ import annotations

import contextlib
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.model.conflict import Conflict, conflict_from_document, load_conflict, parse_statement
from detente.model.errors import ScenarioError
from detente.model.source import read_text
from detente.scenarios import builtin_names, builtin_path

GOOD = textwrap.dedent(
    """\
    detente: 1
    kind: conflict
    id: three
    title: Three options
    decision_makers:
      - id: A
        options:
          - id: a-arms
            direction: take
          - a-talks
      - id: B
        name: Side B
        options:
          - {id: b-sanctions, direction: drop, title: B keeps sanctions}
    infeasible: ["YY-"]
    preferences:
      A:
        prioritization: ["not b-sanctions", "a-talks and not a-arms", "a-arms or b-sanctions"]
      B:
        ranking: ["NYN", ["NNN", "NYY"], "YNN", "NNY", "YNY"]
    status_quo: "NNY"
    """
)


def conflict(text: str = GOOD) -> Conflict:
    return conflict_from_document(read_text(text, "c.yaml"))


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        conflict(text)
    return [str(p) for p in info.value.problems]


def test_good_file() -> None:
    c = conflict()
    assert c.dms == ("A", "B")
    assert [(o.id, o.dm, o.direction) for o in c.options] == [
        ("a-arms", "A", "take"),
        ("a-talks", "A", "both"),
        ("b-sanctions", "B", "drop"),
    ]
    assert c.dm_label(1) == "Side B" and c.options[2].label == "B keeps sanctions"
    feasible = [c.pattern(s) for s in c.feasible_states()]
    assert feasible == ["NNN", "YNN", "NYN", "NNY", "YNY", "NYY"]
    assert c.pattern(c.status_quo) == "NNY"


def test_prioritization_scores_by_hand() -> None:
    c = conflict()
    expected = {}
    for s in c.feasible_states():
        arms, talks, sanctions = (bool(s >> k & 1) for k in range(3))
        expected[int(s)] = 4 * (not sanctions) + 2 * (talks and not arms) + 1 * (arms or sanctions)
    assert {int(s): c.payoff[0][s] for s in c.feasible_states()} == expected


def test_ranking_with_ties() -> None:
    c = conflict()
    p = {c.pattern(s): c.payoff[1][s] for s in c.feasible_states()}
    assert p["NYN"] > p["NNN"] == p["NYY"] > p["YNN"] > p["NNY"] > p["YNY"]


def test_statement_grammar() -> None:
    known = {"a": 0, "b": 1, "c": 2}
    assert parse_statement("not a or b and c", known) == ("or", ("not", 0), ("and", 1, 2))
    assert parse_statement("not not a", known) == ("not", ("not", 0))
    for bad in ["", "a and", "(a", "a b", "and a", "a )", "x"]:
        with pytest.raises(ValueError):
            parse_statement(bad, known)


@pytest.mark.parametrize(
    ("old", "new", "where", "what"),
    [
        (
            '"a-talks and not a-arms"',
            '"a-talk and not a-arms"',
            "c.yaml:18:41: preferences.A.prioritization[1]",
            "did you mean 'a-talks'?",
        ),
        ('["YY-"]', '["YY"]', "infeasible[0]", "expected a pattern of 3 characters"),
        ('["YY-"]', '["YYX"]', "infeasible[0]", "expected a pattern of 3 characters"),
        ('status_quo: "NNY"', 'status_quo: "YYN"', "status_quo", "infeasible state"),
        ('status_quo: "NNY"', 'status_quo: "N-Y"', "status_quo", "has '-'"),
        ("  B:\n    ranking", "  C:\n    ranking", "preferences.C", "unknown decision maker 'C'"),
        ('"YNN", "NNY", "YNY"]', '"YNN", "NNY"]', "preferences.B.ranking", "not ranked: YNY"),
        ('"YNN", "NNY", "YNY"]', '"YNN", "NNY", "YNY", "YYN"]', "ranking[5]", "matches no feasible state"),
        ('"YNN", "NNY", "YNY"]', '"YNN", "NNY", "YNY", "-NY"]', "ranking[5]", "ranked twice"),
        ("direction: take", "direction: up", "direction", "expected 'both', 'take' or 'drop'"),
        ("      - a-talks", "      - a-arms", "options[1].id", "duplicate option 'a-arms'"),
        ("      - a-talks", "      - and", "options[1].id", "reserved word"),
        ("    name: Side B", "    nmae: Side B", "nmae", "did you mean 'name'?"),
        (
            "    ranking:",
            "    prioritization: [b-sanctions]\n    ranking:",
            "preferences.B",
            "exactly one of",
        ),
        ("kind: conflict", "kind: scenario", "kind", "expected kind: conflict"),
    ],
)
def test_located_errors(old: str, new: str, where: str, what: str) -> None:
    assert old in GOOD
    found = problems(GOOD.replace(old, new, 1))
    assert any(where in p and what in p for p in found), found


def test_missing_preferences_and_several_problems_at_once() -> None:
    text = GOOD.replace('infeasible: ["YY-"]', 'infeasible: ["Y"]').replace("  A:\n", "  Z:\n")
    found = problems(text)
    assert any("infeasible[0]" in p for p in found)
    assert any("no preferences for decision maker 'A'" in p for p in found)
    assert any("unknown decision maker 'Z'" in p for p in found)


def test_too_many_options() -> None:
    opts = ", ".join(f"o{k}" for k in range(21))
    text = textwrap.dedent(
        f"""\
        detente: 1
        kind: conflict
        id: big
        title: Big
        decision_makers:
          - {{id: A, options: [{opts}]}}
          - {{id: B, options: [b]}}
        preferences:
          A: {{prioritization: [b]}}
          B: {{prioritization: [b]}}
        """
    )
    assert any("22 options" in p and "at most 20" in p for p in problems(text))


def test_everything_infeasible() -> None:
    found = problems(GOOD.replace('["YY-"]', '["---"]'))
    assert any("every state is infeasible" in p for p in found)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_garbage_never_crashes(text: str) -> None:
    with contextlib.suppress(ScenarioError):
        conflict("detente: 1\nkind: conflict\n" + text)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, len(GOOD) - 1), st.integers(0, len(GOOD)), st.text(max_size=6))
def test_mangled_file_never_crashes(start: int, stop: int, insert: str) -> None:
    text = GOOD[:start] + insert + GOOD[max(start, stop) :]
    with contextlib.suppress(ScenarioError):
        conflict(text)


def test_builtin_conflicts_load() -> None:
    names = builtin_names("conflict")
    assert {"prisoners-dilemma", "chicken"} <= set(names)
    for name in names:
        c = load_conflict(builtin_path(name))
        assert c.status_quo is not None and c.source and c.title
        assert c.feasible.any() and c.feasible[c.status_quo]
