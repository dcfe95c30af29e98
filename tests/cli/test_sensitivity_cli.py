"""`detente sensitivity` and the "what would change the answer" section of `detente run`."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.cli.common import RunContext
from detente.cli.sensitivity import run_section
from detente.model.load import scenario_from_text
from detente.scenarios import load_builtin

runner = CliRunner()

TWO = """\
detente: 1
id: two
title: Two moves
parties: [{id: A}, {id: B}]
moves:
  - {id: a1, by: A, title: a1, value: {A: [-3, -1, 0], B: [1, 2, 4]}}
  - {id: b1, by: B, title: b1, value: {A: [1, 3, 4], B: [-2.5, -1.5, -0.5]}}
"""


@pytest.fixture
def two(tmp_path: Path) -> Path:
    p = tmp_path / "two.yaml"
    p.write_text(TWO)
    return p


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["sensitivity", *args])
    return result.exit_code, result.stdout, result.stderr


def test_tornado_and_break_even_json(two: Path, tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    code, out, err = _run(
        str(two), "--metric", "package-utility:A=a1+b1", "--threshold", "1", "--json", "--store", str(store)
    )
    assert code == 0, err
    doc = json.loads(out)
    # A's utility of {a1, b1} = v(a1, A) + v(b1, A): likely 2; swings 3 each; flips below 1 at a1:A = -2, b1:A = 2
    assert doc["base"] == {"value": 2.0, "verdict": ">= 1"}
    assert [(r["name"], r["swing"]) for r in doc["oat"][:2]] == [("a1:A", 3.0), ("b1:A", 3.0)]
    changes = {c["name"]: c for c in doc["what_would_change"]}
    assert set(changes) == {"a1:A", "b1:A"}
    assert changes["a1:A"]["bracket"][0] <= -2 <= changes["a1:A"]["bracket"][1]
    assert changes["b1:A"]["direction"] == "down" and changes["b1:A"]["in_range"]
    listed = json.loads(runner.invoke(app, ["runs", "list", "--store", str(store), "--json"]).stdout)
    assert [r["kind"] for r in listed] == ["sensitivity"] and listed[0]["run_id"] == doc["run_id"]


def test_sobol_resume_and_human_output(two: Path, tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    args = [
        str(two),
        "--metric",
        "package-utility:B=a1",
        "--method",
        "both",
        "--samples",
        "16",
        "--store",
        str(store),
    ]
    code, out, err = _run(*args, "--json")
    assert code == 0, err
    first = json.loads(out)
    indices = {r["name"]: r for r in first["sobol"]["indices"]}
    assert indices["a1:B"]["ST"] > 0.9 and indices["b1:A"]["ST"] == 0.0
    code, out, err = _run(*args, "--json", "--resume")
    assert code == 0 and json.loads(out)["run_id"] == first["run_id"]
    code, out, err = _run(*args)
    assert code == 0, err
    assert "Tornado" in out and "Sobol" in out and "a1:B" in out
    assert "recorded as run" in err


def test_no_store_records_nothing(two: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETENTE_STORE", str(tmp_path / "default.duckdb"))
    code, out, err = _run(str(two), "--metric", "package-utility:A=a1", "--no-store", "--json")
    assert code == 0, err
    assert json.loads(out)["run_id"] is None
    assert not (tmp_path / "default.duckdb").exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--metric", "nash-utility:C"], "no party 'C'"),
        (["--metric", "zopq"], "did you mean 'zopa'"),
        (["--metric", "zopa", "--method", "morris"], "expected oat, sobol or both"),
        (["--metric", "zopa", "--method", "sobol", "--samples", "100"], "power of two"),
        (["--metric", "zopa", "--inputs", "zz*"], "matches 'zz*'"),
    ],
)
def test_bad_options_exit_2_with_a_message(two: Path, tmp_path: Path, args: list[str], words: str) -> None:
    code, out, err = _run(str(two), *args, "--store", str(tmp_path / "runs.duckdb"))
    assert code == 2
    assert words in err
    assert out == ""


def test_run_section_on_a_small_scenario_finds_the_nash_deal_changes() -> None:
    pytest.importorskip("detente.analysis.deals")
    ctx = RunContext(seed=0)
    run_section(scenario_from_text(TWO), ctx)
    res = ctx.results["sensitivity"]
    assert res["zopa"]["base"]["verdict"] == "yes"
    changes = res["nash_package"]["what_would_change"]
    assert changes and all(c["change"].startswith("the Nash deal") for c in changes)


def test_run_section_without_ranges_says_so() -> None:
    ctx = RunContext()
    run_section(scenario_from_text("detente: 1\nid: x\ntitle: X\nparties: [{id: A}]\n"), ctx)
    assert ctx.results["sensitivity"] == {"inputs": []}


def test_run_section_on_korea_keeps_to_its_budget() -> None:
    pytest.importorskip("detente.analysis.deals")
    ctx = RunContext(seed=0, quick=True)
    start = time.monotonic()
    run_section(load_builtin("korea-2019"), ctx)
    assert time.monotonic() - start < 15
    assert ctx.results["sensitivity"]["nash_package"]["base"]["verdict"].startswith("{")
