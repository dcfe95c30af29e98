"""The command line's edges: flags shown as flags, `strategies`, `compare --csv`, `plan`'s next step, 80 columns."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from detente.cli import app
from detente.cli.tables import comparison_table
from detente.simulate.strategies import REGISTRY

runner = CliRunner()
COMMANDS = ["deals", "plan", "simulate", "compare", "tournament", "strategies", "scenarios", "run", "report"]


def invoke(*args: str, width: int = 80) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args), env={"COLUMNS": str(width)})
    return r.exit_code, r.stdout, r.stderr


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_shows_flags_as_flags(command: str | None) -> None:
    code, out, _ = invoke(*([command] if command else []), "--help", width=120)
    assert code == 0
    assert "<bool>" not in out
    if command in ("deals", "plan", "strategies", "compare"):
        assert re.search(r"--json\s+Print JSON", out), out


def test_strategies_lists_every_registered_strategy() -> None:
    code, out, err = invoke("strategies", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["name"] for r in rows] == list(REGISTRY)
    assert all(r["description"] and r["reference"] for r in rows)
    code, out, _ = invoke("strategies")
    assert code == 0
    for name in REGISTRY:
        assert name in out  # whole, never cut to "maxi…"
    assert "Axelrod (1984)" in out and "…" not in out


def test_compare_writes_the_matrix_as_csv(tmp_path: Path) -> None:
    path = tmp_path / "matrix.csv"
    args = ["compare", "korea-2019", "--strategies", "grit,step-by-step", "--runs", "2", "--no-store"]
    code, out, err = invoke(*args, "--json", "--csv", str(path))
    assert code == 0, err
    doc = json.loads(out)  # stdout stays JSON only
    rows = list(csv.DictReader(path.open()))
    assert [(r["row_strategy"], r["column_strategy"]) for r in rows] == [
        ("grit", "grit"), ("grit", "step-by-step"), ("step-by-step", "grit"), ("step-by-step", "step-by-step"),
    ]  # fmt: skip
    m = doc["matrix"]
    assert float(rows[1]["agreement_rate"]) == m["agreement_rate"][0][1]
    assert float(rows[2]["utility_USA"]) == m["utility"]["USA"][1][0]
    assert float(rows[3]["utility_DPRK"]) == m["utility"]["DPRK"][1][1]
    assert not list(tmp_path.glob(".*tmp*"))  # written atomically: no temporary file left


def test_plan_that_cannot_stage_the_target_says_what_to_do_next() -> None:
    code, out, _ = invoke("plan", "korea-2019")
    assert code == 1  # the answer is "no roadmap", as documented
    assert "What to do next:" in out
    assert "the Kalai-Smorodinsky package (13 moves) can be staged in 2 stages" in out
    assert "detente plan korea-2019 --target ks" in out
    assert invoke("plan", "korea-2019", "--target", "ks")[0] == 0


def test_plan_table_never_breaks_a_move_id_at_80_columns() -> None:
    code, out, _ = invoke("plan", "korea-2019", "--target", "ks")
    assert code == 0
    assert "usa-sanctions-relief-partial" in out and "usa-security-assurances" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def _matrix_doc(names: list[str]) -> dict[str, object]:
    n = len(names)
    grid = [[0.5 + 0.01 * (i - j) for j in range(n)] for i in range(n)]
    util = [[-123.4 + i for _ in range(n)] for i in range(n)]
    return {
        "scenario": "korea-2019", "row_party": "USA", "column_party": "DPRK", "runs": 5, "seed": 0,
        "rows": names, "columns": names,
        "matrix": {"agreement_rate": grid, "target_share": grid, "utility": {"USA": util, "DPRK": util}},
    }  # fmt: skip


def test_the_full_compare_matrix_is_readable_at_80_columns() -> None:
    names = list(REGISTRY)
    console = Console(width=80, record=True)
    console.print(comparison_table(_matrix_doc(names), width=80))
    text = console.export_text()
    assert "…" not in text and max(len(x) for x in text.splitlines()) <= 80
    for name in names:
        assert name in text  # in the legend
    assert "MP maximum-pressure" in text and "-123.4" in text


def test_a_small_compare_matrix_keeps_full_names() -> None:
    console = Console(width=80, record=True)
    console.print(comparison_table(_matrix_doc(["grit", "step-by-step", "tit-for-tat"]), width=80))
    text = console.export_text()
    assert "step-by-step" in text and "…" not in text and "legend" not in text


@pytest.mark.parametrize("args", [["show", "korea-2019"], ["deals", "korea-2019", "--samples", "20"]])
def test_scenario_and_deal_tables_fit_80_columns_without_cutting(args: list[str]) -> None:
    from detente.scenarios import load_builtin

    code, out, err = invoke(*args)
    assert code == 0, err
    lines = out.splitlines()
    assert max(len(x) for x in lines) <= 80 and not any("…" in x for x in lines)
    words = set(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)+", out))
    ids = {m.id for m in load_builtin("korea-2019").moves}
    listed = ids & words  # the ids shown whole
    assert listed == ids if args[0] == "show" else len(listed) >= 10
