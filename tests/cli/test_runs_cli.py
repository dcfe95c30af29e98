"""`detente runs list|show|export|diff` as a user meets them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from detente.cli import app
from detente.store import RunStore, record_sweep
from detente.store.sweep import Squares

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "runs.duckdb"
    st = RunStore(path)
    record_sweep([(Squares(seed=1), 6)], st, kind="demo", parameters={"runs": 6, "seed": 1})
    record_sweep([(Squares(seed=1), 6)], st, kind="demo", parameters={"runs": 6, "seed": 1})
    record_sweep(
        [(Squares(seed=2), 6), (Squares(seed=2), 3)], st, kind="other", parameters={"runs": 6, "seed": 2}
    )
    return path


def _list(store: Path, *extra: str) -> list[dict]:
    result = runner.invoke(app, ["runs", "list", "--store", str(store), "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _ids(store: Path, *extra: str) -> list[str]:
    return [r["run_id"] for r in _list(store, *extra)]


def test_list_newest_first_and_filtered(store: Path) -> None:
    runs = _list(store)
    ids = [r["run_id"] for r in runs]
    assert [r["kind"] for r in runs] == ["other", "demo", "demo"]
    assert [r["created"] for r in runs] == sorted((r["created"] for r in runs), reverse=True)
    assert len(_ids(store, "--kind", "demo")) == 2
    text = runner.invoke(app, ["runs", "list", "--store", str(store)])
    assert text.exit_code == 0 and ids[0] in text.stdout


def test_show_reports_outcome_summaries(store: Path) -> None:
    newest = _ids(store)[0]
    result = runner.invoke(app, ["runs", "show", newest[:-2], "--store", str(store), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["run_id"] == newest and doc["kind"] == "other" and doc["status"] == "complete"
    assert doc["replicates"] == {"stored": 9, "expected": 9}
    squares = [i * i for i in range(6)]
    assert doc["jobs"][0]["outcomes"]["square"]["mean"] == pytest.approx(np.mean(squares))
    assert doc["jobs"][1]["outcomes"]["square"]["max"] == 4.0
    text = runner.invoke(app, ["runs", "show", "latest", "--store", str(store)])
    assert text.exit_code == 0 and newest in text.stdout


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_export_writes_every_replicate(store: Path, tmp_path: Path, suffix: str) -> None:
    newest = _ids(store)[0]
    out = tmp_path / f"runs.{suffix}"
    result = runner.invoke(app, ["runs", "export", newest, "-o", str(out), "--store", str(store)])
    assert result.exit_code == 0, result.output
    reader = "read_csv_auto" if suffix == "csv" else "read_parquet"
    rows = duckdb.sql(
        f"SELECT job, replicate, square FROM {reader}('{out}') ORDER BY job, replicate"
    ).fetchall()
    assert [(int(j), int(r), float(s)) for j, r, s in rows] == [
        *((0, i, float(i * i)) for i in range(6)),
        *((1, i, float(i * i)) for i in range(3)),
    ]


def test_diff_same_and_different_numbers(store: Path) -> None:
    newest, second, oldest = _ids(store)
    same = runner.invoke(app, ["runs", "diff", oldest, second, "--store", str(store), "--json"])
    assert same.exit_code == 0, same.output
    doc = json.loads(same.stdout)
    assert doc["same_numbers"] and doc["same_sweep"] and doc["parameters"] == {}
    assert doc["jobs"][0]["identical_replicates"] == 6
    other = json.loads(
        runner.invoke(app, ["runs", "diff", oldest, newest, "--store", str(store), "--json"]).stdout
    )
    assert not other["same_numbers"]
    assert other["parameters"] == {"seed": [1, 2]}
    assert other["jobs"][0]["columns"]["seed"] == {"A": 1.0, "B": 2.0, "delta": 1.0}
    assert other["jobs"][1] == {"job": 1, "only_in": "B"}
    text = runner.invoke(app, ["runs", "diff", oldest, newest, "--store", str(store)])
    assert text.exit_code == 0 and "different numbers" in text.stdout


def test_unknown_run_is_a_clear_error(store: Path) -> None:
    result = runner.invoke(app, ["runs", "show", "nope", "--store", str(store)])
    assert result.exit_code == 2
    assert "no run 'nope'" in result.stderr
    assert "Traceback" not in result.output


def test_foreign_file_exits_2_and_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "notes.duckdb"
    path.write_text("my notes, not a database\n")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    result = runner.invoke(app, ["runs", "list", "--store", str(path)])
    assert result.exit_code == 2
    assert str(path) in result.stderr and "not a detente results database" in result.stderr
    assert "Traceback" not in result.output
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_default_store_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETENTE_STORE", str(tmp_path / "env.duckdb"))
    result = runner.invoke(app, ["runs", "list", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    assert (tmp_path / "env.duckdb").exists()
