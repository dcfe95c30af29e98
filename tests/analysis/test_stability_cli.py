"""``detente stability`` as a user meets it: tables, JSON per FORMATS.md, errors with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from detente.cli import app

runner = CliRunner()

THREE = """\
detente: 1
kind: conflict
id: three
title: Three sides
decision_makers:
  - {id: A, options: [a1]}
  - {id: B, options: [b1]}
  - {id: C, options: [c1]}
preferences:
  A: {prioritization: ["b1", "c1", "not a1"]}
  B: {prioritization: ["c1", "a1", "not b1"]}
  C: {prioritization: ["a1", "b1", "not c1"]}
status_quo: NNN
"""


def test_json_for_prisoners_dilemma_is_the_contract() -> None:
    res = runner.invoke(app, ["stability", "prisoners-dilemma", "--json", "--concepts", "nash,gmr,smr,seq"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["options"] == ["a-defects", "b-defects"]
    assert doc["equilibria"] == {
        "nash": ["YY"],
        "gmr": ["NN", "YY"],
        "smr": ["NN", "YY"],
        "seq": ["NN", "YY"],
    }
    assert [s["pattern"] for s in doc["states"]] == ["NN", "YN", "NY", "YY"]
    assert set(doc["states"][0]["stable"]) == {"A", "B"}
    assert doc["status_quo_analysis"]["from"] == "NN"


def test_table_output(tmp_path: Path) -> None:
    f = tmp_path / "three.yaml"
    f.write_text(THREE)
    res = runner.invoke(app, ["stability", str(f)])
    assert res.exit_code == 0, res.output
    assert "Stability of every feasible state" in res.output and "Status-quo analysis" in res.output
    res = runner.invoke(app, ["stability", str(f), "--from", "YYN", "--json"])
    doc = json.loads(res.stdout)
    assert doc["status_quo_analysis"]["from"] == "YYN"
    assert "sim" in doc["equilibria"] and "coalition" in doc["equilibria"]


def test_scenario_json_says_where_the_conflict_came_from() -> None:
    res = runner.invoke(
        app,
        [
            "stability",
            "korea-2019",
            "--json",
            "--options",
            "dprk-fissile-freeze,usa-sanctions-relief-partial",
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["options"] == ["dprk-fissile-freeze", "usa-sanctions-relief-partial"]
    assert doc["derived_from"]["scenario"] == "korea-2019"
    assert len(doc["states"]) == 4


def test_bad_input_exits_2_without_traceback(tmp_path: Path) -> None:
    cases = [
        ["stability", "prisoners-dilemma", "--from", "YYY"],
        ["stability", "prisoners-dilemma", "--concepts", "nash,foo"],
        ["stability", "korea-2019", "--options", "nope"],
        ["stability", "prisoners-dilemma", "--options", "a-defects"],
        ["stability", str(tmp_path / "missing.yaml")],
        ["stability", "prisoners-dilemma", "--states", "some"],
    ]
    bad = tmp_path / "bad.yaml"
    bad.write_text(THREE.replace('"b1", "c1", "not a1"', '"b2"'))
    cases.append(["stability", str(bad)])
    for args in cases:
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert "Traceback" not in res.output
        assert "error" in res.output


def test_validate_accepts_conflict_files(tmp_path: Path) -> None:
    f = tmp_path / "three.yaml"
    f.write_text(THREE)
    res = runner.invoke(app, ["validate", str(f), "chicken"])
    assert res.exit_code == 0, res.output


def test_run_section_prints_and_stores() -> None:
    from rich.console import Console

    from detente.cli.common import RunContext
    from detente.cli.stability import run_section
    from detente.scenarios import load_builtin

    ctx = RunContext()
    ctx.console = Console(record=True, width=140)
    run_section(load_builtin("korea-2019"), ctx)
    text = ctx.console.export_text()
    assert "Stability (GMCR)" in text and "Status quo" in text and "Status-quo analysis" in text
    stored = ctx.results["stability"]
    assert stored["result"].conflict is stored["scenario_conflict"].conflict
    assert stored["result"].equilibrium_states("nash")
