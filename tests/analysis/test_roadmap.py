"""Roadmap definitions on hand-checked cases, the roadmap file, the stage chart, ``detente plan``, the benchmark."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.analysis.roadmap import Instance, check, demand_first, plan, resolve_target, target_all
from detente.cli import app
from detente.model.errors import ScenarioError
from detente.model.roadmap_file import load_roadmap
from detente.model.scenario import Scenario

runner = CliRunner()

SMALL = """\
detente: 1
id: small
title: Two sides, two steps
time: {unit: month, horizon: 12}
parties:
  - {id: A, discount: 1.0, exposure_limit: 1}
  - {id: B, discount: 1.0, exposure_limit: 1}
moves:
  - {id: a-freeze, by: A, title: freeze, value: {A: -1, B: 2}}
  - {id: a-dismantle, by: A, title: dismantle, value: {A: -2, B: 3}, requires: [a-freeze], duration: 2}
  - {id: b-relief, by: B, title: relief, value: {A: 2, B: -1}}
  - {id: b-treaty, by: B, title: treaty, value: {A: 2.5, B: -2}}
  - {id: b-talks, by: B, title: talks, value: {A: 0.5, B: 0.5}, in_force: true}
"""


# A risks nothing (limit 0) and B's relief is reversible (its 12-month lag outlasts the horizon)
TIGHT = SMALL.replace("exposure_limit: 1}\n  - {id: B", "exposure_limit: 0}\n  - {id: B", 1).replace(
    "value: {A: 2, B: -1}}", "value: {A: 2, B: -1}, reversible: true, reversal_lag: 12}"
)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    p = tmp_path / "small.yaml"
    p.write_text(SMALL)
    return p


def scenario(text: str = SMALL) -> Scenario:
    from detente.model.load import scenario_from_text

    return scenario_from_text(text, "small.yaml")


# ---------------------------------------------------------------- definitions by hand
def test_given_received_exposure_by_hand() -> None:
    s = scenario()
    r = check(s, [["a-freeze", "b-relief"], ["a-dismantle", "b-treaty"]])
    assert r.feasible
    first, second = r.stages
    assert first.given == {"A": 1.0, "B": 1.0} and first.received == {"A": 2.0, "B": 2.0}
    assert second.given == {"A": 2.0, "B": 2.0} and second.received == {"A": 2.5, "B": 3.0}
    # exposure: irreversible given minus irreversible received, cumulated, floored at 0
    assert first.exposure == {"A": 0.0, "B": 0.0} and second.exposure == {"A": 0.0, "B": 0.0}
    # durations: a stage lasts its longest move; stage 2 starts when stage 1 ends
    assert (first.start, first.duration, second.start, second.duration) == (0, 0, 0, 2)
    # self-enforcement margin with discount 1: value of what is still to come, per remaining period
    assert first.margin["A"] == pytest.approx((-2 + 2.5) * (12 - 2))


def test_the_maximum_pressure_sequence_breaks_where_expected() -> None:
    s = scenario()
    seq = demand_first(s, ["a-freeze", "a-dismantle", "b-relief", "b-treaty"], "A")
    assert seq == [frozenset({"a-freeze", "a-dismantle"}), frozenset({"b-relief", "b-treaty"})]
    r = check(s, seq)
    kinds = {(c.kind, c.party, c.stage) for c in r.conflicts}
    assert ("exposure", "A", 1) in kinds  # A gives 3 irreversibly before anything comes back
    assert ("balance", "A", 1) in kinds and ("balance", "B", 2) in kinds
    assert ("prerequisite", "A", 1) in kinds  # the dismantling needs the freeze done first
    assert ("reciprocity", "A", 1) in kinds
    text = next(c.text for c in r.conflicts if c.kind == "exposure")
    assert text.startswith(
        "A would be exposed 3.0 > limit 1 at stage 1: a-dismantle and a-freeze are irreversible"
    )
    assert not r.feasible and len(r.stages) == 2


def test_plan_small_and_json_contract() -> None:
    s = scenario()
    r = plan(s)
    assert r.status == "optimal" and r.target == frozenset(
        {"a-freeze", "a-dismantle", "b-relief", "b-treaty"}
    )
    assert len(r.stages) == 2 and "a-freeze" in r.stages[0].moves
    doc = r.to_json()
    assert set(doc) >= {"feasible", "target", "stages", "conflicts"}
    assert set(doc["stages"][0]) >= {"moves", "given", "received", "exposure"}
    assert doc["target"] == sorted(doc["target"]) and doc["stages"][0]["moves"] == sorted(
        doc["stages"][0]["moves"]
    )
    json.dumps(doc)


def test_no_roadmap_names_the_blocking_constraint_and_the_fix() -> None:
    s = scenario(TIGHT)
    r = plan(s, ["a-freeze", "a-dismantle", "b-relief", "b-treaty"])
    assert r.status == "infeasible" and r.stages == []
    assert [(c.kind, c.party) for c in r.conflicts if c.kind == "exposure"] == [("exposure", "A")]
    assert any("exposure limit" in x for x in r.suggestions)
    assert plan(
        s.replace(parties=tuple(p.model_copy(update={"exposure_limit": 1.0}) for p in s.parties))
    ).feasible


def test_targets() -> None:
    s = scenario()
    assert target_all(s) == frozenset({"a-freeze", "a-dismantle", "b-relief", "b-treaty"})
    assert resolve_target(s, ["b-talks", "a-freeze"]) == frozenset({"a-freeze"})  # in force: dropped
    with pytest.raises(ScenarioError, match="did you mean 'a-freeze'"):
        resolve_target(s, ["a-frezee"])
    r = plan(s, ["a-dismantle", "b-relief"])  # the freeze it needs is not in the target
    assert not r.feasible and r.conflicts[0].kind == "prerequisite" and "add a-freeze" in r.suggestions[0]


def test_bad_parameters_are_input_errors() -> None:
    s = scenario()
    with pytest.raises(ScenarioError, match="objective"):
        plan(s, objective="cheapest")
    with pytest.raises(ScenarioError, match="tolerance"):
        Instance(s, [], tolerance=1.5)
    with pytest.raises(ScenarioError, match="max_stages"):
        plan(s, max_stages=0)


def test_empty_target_is_trivially_planned() -> None:
    r = plan(scenario(), ["b-talks"])
    assert r.feasible and r.stages == [] and r.status == "optimal"


# ---------------------------------------------------------------- the roadmap file
ROADMAP = """\
detente: 1
kind: roadmap
scenario: small
stages:
  - [a-freeze, b-relief]
  - {moves: [a-dismantle, b-treaty], note: the big step}
"""


def test_roadmap_file_roundtrip_and_located_errors(tmp_path: Path) -> None:
    p = tmp_path / "rm.yaml"
    p.write_text(ROADMAP)
    rm = load_roadmap(p, scenario())
    assert rm.sequence == [("a-freeze", "b-relief"), ("a-dismantle", "b-treaty")]
    assert rm.stages[1].note == "the big step"
    p.write_text(ROADMAP.replace("b-treaty], note", "b-traety], note"))
    with pytest.raises(ScenarioError) as err:
        load_roadmap(p, scenario())
    (prob,) = err.value.problems
    assert (prob.line, prob.path) == (6, "stages[1].moves[1]") and "did you mean 'b-treaty'" in prob.message
    p.write_text(ROADMAP.replace("  - [a-freeze, b-relief]", "  - [a-freeze, a-freeze]"))
    with pytest.raises(ScenarioError, match="already in stage 1"):
        load_roadmap(p)
    p.write_text(ROADMAP.replace("kind: roadmap", "kind: scenario"))
    with pytest.raises(ScenarioError, match="expected kind: roadmap"):
        load_roadmap(p)


# ---------------------------------------------------------------- the command line
def test_cli_plan_json_and_exit_codes(small: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["plan", str(small), "--target", "all", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["feasible"] and len(doc["stages"]) == 2 and doc["status"] == "optimal"
    tight = tmp_path / "tight.yaml"
    tight.write_text(TIGHT)
    res = runner.invoke(app, ["plan", str(tight), "--target", "all"])
    assert res.exit_code == 1 and "[exposure]" in res.stdout and "What would unblock it" in res.stdout
    res = runner.invoke(app, ["plan", str(small), "--target", "a-frezee"])
    assert res.exit_code == 2 and "did you mean 'a-freeze'" in res.output
    res = runner.invoke(app, ["plan", str(small), "--objective", "cheapest"])
    assert res.exit_code == 2 and "unknown objective" in res.output


def test_cli_check_and_chart(small: Path, tmp_path: Path) -> None:
    rm = tmp_path / "mine.yaml"
    rm.write_text(
        "detente: 1\nkind: roadmap\nstages:\n  - [a-freeze, a-dismantle]\n  - [b-relief, b-treaty]\n"
    )
    png = tmp_path / "chart.png"
    res = runner.invoke(app, ["plan", str(small), "--check", str(rm), "--json", "--chart", str(png)])
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert not doc["feasible"] and len(doc["stages"]) == 2
    assert {c["stage"] for c in doc["conflicts"]} == {1, 2}
    assert png.read_bytes()[:4] == b"\x89PNG"
    html = tmp_path / "chart.html"
    res = runner.invoke(app, ["plan", str(small), "--chart", str(html), "--target", "all"])
    assert res.exit_code == 0 and "plotly" in html.read_text()
    res = runner.invoke(app, ["plan", str(small), "--chart", str(tmp_path / "chart.gif"), "--target", "all"])
    assert res.exit_code == 2 and "expected .png or .html" in res.output
    res = runner.invoke(app, ["validate", str(rm)])
    assert res.exit_code == 0


def test_run_section_shows_the_roadmap_beside_the_up_front_sequences() -> None:
    from rich.console import Console

    from detente.cli.common import RunContext
    from detente.cli.plan import run_section

    ctx = RunContext(quick=True)
    ctx.console = Console(record=True, width=140)
    run_section(scenario(), ctx)
    text = ctx.console.export_text()
    assert "Roadmap" in text and "all of A's moves first" in text and "big deal" in text
    got = ctx.results["plan"]
    assert got["roadmap"].feasible and not got["alternatives"]["all of A's moves first"].feasible


def test_benchmark_smoke() -> None:
    from benchmarks.bench_roadmap import main, random_scenario

    s = random_scenario(12, seed=3)
    assert len(s.moves) == 12 and s.party("A").exposure_limit == 3.0
    out = main(quick=True)
    assert out["8-moves"]["status"] in ("optimal", "infeasible")


def test_korea_maximum_pressure_sequence_breaks_at_stage_one() -> None:
    from detente.scenarios import builtin_names, load_builtin

    if "korea-2019" not in builtin_names():
        pytest.skip("korea-2019 not built in")
    s = load_builtin("korea-2019")
    target = target_all(s)
    r = check(s, demand_first(s, target, "DPRK"))
    assert not r.feasible
    assert {(c.kind, c.party) for c in r.conflicts if c.stage == 1} >= {
        ("balance", "DPRK"),
        ("reciprocity", "DPRK"),
    }


def test_exclusions_block_the_target_and_break_a_checked_sequence() -> None:
    s = scenario(SMALL.replace("value: {A: 2.5, B: -2}}", "value: {A: 2.5, B: -2}, excludes: [b-relief]}"))
    r = plan(s, ["a-freeze", "b-relief", "b-treaty", "a-dismantle"])
    assert not r.feasible and [c.kind for c in r.conflicts] == ["exclusion"]
    assert "drop one" in r.suggestions[0]
    got = check(s, [["a-freeze", "b-relief"], ["a-dismantle", "b-treaty"]])
    assert ("exclusion", ("b-relief", "b-treaty")) in {(c.kind, c.moves) for c in got.conflicts}


def test_cli_nash_and_ks_targets_come_from_the_deal_space(small: Path) -> None:
    pytest.importorskip("detente.analysis.deals")
    from detente.analysis.deals import analyse_deals

    s = scenario()
    for name, key in (("nash", "nash"), ("ks", "kalai_smorodinsky")):
        res = runner.invoke(app, ["plan", str(small), "--target", name, "--json"])
        assert res.exit_code in (0, 1), res.output
        doc = json.loads(res.stdout)
        assert doc["target"] == sorted(analyse_deals(s).solutions[key].moves - s.status_quo)
