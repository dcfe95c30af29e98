"""simulate, compare and tournament as a user meets them: JSON, tables, bad input (exit 2)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.cli.common import RunContext
from detente.cli.simulate import run_section
from detente.scenarios import load_builtin
from detente.simulate.montecarlo import simulate

runner = CliRunner()
PAIR = ["--strategy", "USA=grit", "--strategy", "DPRK=freeze-for-freeze"]


def invoke(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_simulate_json_is_the_api_result_and_reproducible() -> None:
    code, out, err = invoke("simulate", "korea-2019", *PAIR, "--runs", "12", "--seed", "3", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["strategies"] == {"USA": "grit", "DPRK": "freeze-for-freeze"}
    assert (doc["scenario"], doc["runs"], doc["seed"], doc["backend"]) == ("korea-2019", 12, 3, "inprocess")
    api = simulate(load_builtin("korea-2019"), {"USA": "grit", "DPRK": "freeze-for-freeze"}, runs=12, seed=3)
    assert doc == json.loads(json.dumps(api.as_json()))
    assert invoke("simulate", "korea-2019", *PAIR, "--runs", "12", "--seed", "3", "--json")[1] == out
    assert invoke("simulate", "korea-2019", *PAIR, "--runs", "12", "--seed", "4", "--json")[1] != out


def _close(a: object, b: object) -> bool:
    """Equal JSON, numbers to 1e-12 relative (bit identity is tested below)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-12, abs=1e-12)
    return a == b


def _simulate_on(backend: str) -> dict[str, object]:
    args = ["simulate", "korea-2019", *PAIR, "--runs", "10", "--seed", "5", "--json", "--backend", backend]
    code, out, err = invoke(*args, *(["--workers", "2"] if backend != "inprocess" else []))
    assert code == 0, err
    doc = json.loads(out)
    assert doc.pop("backend") == backend
    return doc


def test_simulate_same_json_with_worker_processes() -> None:
    a, b = _simulate_on("inprocess"), _simulate_on("processes")
    assert _close(a, b)
    assert a["outcomes"]["agreement_rate"] == b["outcomes"]["agreement_rate"]


def test_simulate_bit_identical_with_worker_processes() -> None:
    assert _simulate_on("inprocess") == _simulate_on("processes")


def test_simulate_table() -> None:
    code, out, _ = invoke("simulate", "korea-2019", *PAIR, "--runs", "8", "--horizon", "12")
    assert code == 0
    assert (
        "agreement reached" in out
        and "DPRK payoff" in out
        and "gain over no deal" in out
        and "breaches missed" in out
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--strategy", "step-by-step"], "expected PARTY=SPEC"),
        (["--strategy", "USA=no-such-strategy", "--strategy", "DPRK=grit"], "no-such-strategy"),
        (["--strategy", "US=grit", "--strategy", "DPRK=grit"], "did you mean 'USA'"),
        (["--strategy", "USA=grit"], "no strategy for party DPRK"),
        (["--strategy", "USA=grit", "--strategy", "USA=big-deal"], "USA is given twice"),
        ([*PAIR, "--target", "dprk-fissile-frieze"], "did you mean 'dprk-fissile-freeze'"),
        ([*PAIR, "--backend", "threads"], "unknown backend 'threads'"),
        ([*PAIR, "--address", "localhost:8786"], "tcp://"),
    ],
)
def test_simulate_bad_input_exits_2(args: list[str], message: str) -> None:
    code, out, err = invoke("simulate", "korea-2019", *args, "--runs", "2", "--json")
    assert code == 2
    assert message in err
    assert out == "" and "Traceback" not in err


def test_simulate_bad_numbers_exit_2() -> None:
    assert invoke("simulate", "korea-2019", *PAIR, "--runs", "0")[0] == 2
    assert invoke("simulate", "korea-2019", *PAIR, "--seed", "-1")[0] == 2
    assert invoke("simulate", "no-such-scenario", *PAIR)[0] == 2


def test_compare_json_matrix() -> None:
    code, out, err = invoke(
        "compare", "korea-2019", "--strategies", "maximum-pressure,grit", "--runs", "4", "--json"
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["rows"] == doc["columns"] == ["maximum-pressure", "grit"]
    assert len(doc["matrix"]["agreement_rate"]) == 2 and len(doc["cells"]) == 4
    # a cell is the simulation of that pair with the same seed
    cell = simulate(load_builtin("korea-2019"), {"USA": "grit", "DPRK": "maximum-pressure"}, runs=4, seed=0)
    assert doc["matrix"]["utility"]["USA"][1][0] == pytest.approx(
        cell.distribution()["utility"]["USA"]["mean"]
    )


def test_compare_table_and_errors() -> None:
    code, out, _ = invoke(
        "compare",
        "korea-2019",
        "--strategies",
        "grit",
        "--column-strategies",
        "hardliner,grit",
        "--runs",
        "3",
    )
    assert code == 0 and "USA \\ DPRK" in out
    code, _, err = invoke("compare", "korea-2019", "--strategies", "grit,nope", "--runs", "2")
    assert code == 2 and "nope" in err
    code, _, err = invoke("compare", "korea-2019", "--strategies", "grit", "--parties", "USA", "--runs", "2")
    assert code == 2 and "ROW,COLUMN" in err


def test_tournament_json_and_errors() -> None:
    code, out, err = invoke(
        "tournament", "korea-2019", "--strategies", "grit,hardliner", "--runs", "3", "--json"
    )
    assert code == 0, err
    doc = json.loads(out)
    assert sorted(r["strategy"] for r in doc["ranking"]) == ["grit", "hardliner"]
    assert doc["ranking"][0]["rank"] == 1 and len(doc["matches"]) == 4
    code, _, err = invoke("tournament", "six-party-2007", "--strategies", "grit", "--runs", "2")
    assert code == 2 and "two-party" in err


def test_run_section_stores_the_comparison() -> None:
    ctx = RunContext(seed=0, quick=True)
    run_section(load_builtin("korea-2019"), ctx)
    doc = ctx.results["simulate"]
    assert doc["row_party"] == "USA" and "step-by-step" in doc["rows"] and "maximum-pressure" in doc["rows"]


def test_compare_ends_with_each_sides_strategies_ranked_by_payoff() -> None:
    code, out, err = invoke(
        "compare", "korea-2019", "--strategies", "maximum-pressure,step-by-step,grit", "--runs", "3"
    )
    assert code == 0, err
    tail = out.strip().splitlines()[-6:]
    text = " ".join(tail)
    assert "Ranked by mean payoff over the other side's strategies (gain over no deal):" in text
    assert "USA (no deal" in text and "DPRK (no deal" in text and "1 " in text
