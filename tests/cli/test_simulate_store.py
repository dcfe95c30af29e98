"""simulate, compare and tournament record their sweeps in the results database."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from detente.cli import app
from detente.store import RunStore

runner = CliRunner()
PAIR = ["--strategy", "USA=grit", "--strategy", "DPRK=freeze-for-freeze"]


def invoke(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_simulate_is_recorded_and_resume_reuses_it(tmp_path: Path) -> None:
    db = tmp_path / "runs.duckdb"
    args = ["simulate", "korea-2019", *PAIR, "--runs", "6", "--seed", "2", "--json", "--store", str(db)]
    code, first, err = invoke(*args)
    assert code == 0, err
    runs = RunStore(db).list_runs()
    assert [r.kind for r in runs] == ["simulate"]
    code, again, err = invoke(*args, "--resume")
    assert code == 0, err
    assert json.loads(again) == json.loads(first)
    assert len(RunStore(db).list_runs()) == 1  # the finished sweep is reused, not run again
    plain = invoke("simulate", "korea-2019", *PAIR, "--runs", "6", "--seed", "2", "--json", "--no-store")[1]
    assert json.loads(plain) == json.loads(first)


def test_no_store_writes_nothing_and_refuses_resume(tmp_path: Path) -> None:
    db = tmp_path / "none.duckdb"
    code, _, err = invoke("simulate", "korea-2019", *PAIR, "--runs", "2", "--no-store", "--store", str(db))
    assert code == 0, err
    assert not db.exists()
    code, _, err = invoke("simulate", "korea-2019", *PAIR, "--runs", "2", "--no-store", "--resume")
    assert code == 2 and "--resume" in err


def test_compare_and_tournament_are_recorded(tmp_path: Path) -> None:
    db = tmp_path / "runs.duckdb"
    base = [
        "--strategies",
        "grit,tit-for-tat",
        "--runs",
        "2",
        "--likely-values",
        "--store",
        str(db),
        "--json",
    ]
    assert invoke("compare", "korea-2019", *base)[0] == 0
    assert invoke("tournament", "korea-2019", *base)[0] == 0
    assert sorted(r.kind for r in RunStore(db).list_runs()) == ["compare", "tournament"]
