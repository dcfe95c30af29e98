"""The results database: foreign and corrupt files, schema, export, locking, scenario hashes."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import numpy as np
import pytest

from detente.model.errors import ScenarioError
from detente.model.load import scenario_from_text
from detente.store import RunStore, StoreBusyError, record_sweep, scenario_hash
from detente.store.database import default_store_path
from detente.store.sweep import Squares


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _foreign_duckdb(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE accounts (id INTEGER, owner VARCHAR)")
    con.execute("INSERT INTO accounts VALUES (1, 'someone')")
    con.close()


def _corrupt_duckdb(path: Path) -> None:
    store = RunStore(path)
    record_sweep([(Squares(), 4)], store, kind="demo")
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(0)
    # Keep the header (so it still looks like DuckDB), scramble the block headers and data.
    data[4096:] = rng.integers(0, 256, len(data) - 4096, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))


def _sqlite(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p.write_text("runs: not a database\n"), "not a DuckDB file"),
        (_sqlite, "not a DuckDB file"),
        (lambda p: p.write_bytes(b""), "empty file"),
        (_foreign_duckdb, "not a detente results store"),
        (_corrupt_duckdb, "refusing"),
    ],
    ids=["text", "sqlite", "empty", "foreign-duckdb", "corrupt-duckdb"],
)
def test_foreign_or_corrupt_file_is_refused_and_left_untouched(tmp_path: Path, make, words: str) -> None:
    path = tmp_path / "runs.duckdb"
    make(path)
    before = _digest(path)
    for action in (lambda s: s.list_runs(), lambda s: record_sweep([(Squares(), 3)], s, kind="demo")):
        with pytest.raises(ScenarioError) as info:
            action(RunStore(path, lock_timeout=1))
        message = str(info.value)
        assert words in message
        assert str(path) in message
        assert "--store" in message
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.duckdb"]  # no WAL or temp file left


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="directory"):
        RunStore(tmp_path).list_runs()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    RunStore(path).list_runs()
    con = duckdb.connect(str(path))
    con.execute("UPDATE detente_meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(ScenarioError, match="newer detente"):
        RunStore(path).list_runs()


def test_new_store_is_created_with_parent_directories(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "runs.duckdb"
    assert RunStore(path).list_runs() == []
    assert path.is_file()


def test_default_path_follows_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DETENTE_STORE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_store_path() == tmp_path / "xdg" / "detente" / "runs.duckdb"
    monkeypatch.setenv("DETENTE_STORE", str(tmp_path / "mine.duckdb"))
    assert default_store_path() == tmp_path / "mine.duckdb"


def test_busy_store_waits_then_says_who_holds_it(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    RunStore(path).list_runs()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, sys, time
                con = duckdb.connect({str(path)!r})
                print("locked", flush=True)
                time.sleep(30)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreBusyError, match=rf"in use by another process \(process {holder.pid}\)"):
            RunStore(path, lock_timeout=0.5).list_runs()
    finally:
        holder.kill()
        holder.wait()
    assert RunStore(path, lock_timeout=5).list_runs() == []


def test_runs_record_scenario_parameters_seed_version_and_outcomes(tmp_path: Path) -> None:
    from detente import __version__

    store = RunStore(tmp_path / "runs.duckdb")
    run_id, (a, _b) = record_sweep(
        [(Squares(seed=3), 4), (Squares(seed=3), 2)], store, kind="demo", parameters={"runs": 4, "note": "x"}
    )
    info = store.run(run_id[:12])
    assert info.run_id == run_id
    assert (info.kind, info.status, info.seed, info.detente_version) == ("demo", "complete", 3, __version__)
    assert info.parameters == {"runs": 4, "note": "x"}
    assert (info.stored, info.expected) == (6, 6)
    jobs = store.jobs(run_id)
    assert [j["runs"] for j in jobs] == [4, 2]
    assert jobs[0]["columns"] == ["square", "seed"]
    np.testing.assert_array_equal(a, [[0, 3], [1, 3], [4, 3], [9, 3]])
    assert [r.run_id for r in store.list_runs(kind="demo")] == [run_id]
    assert store.list_runs(kind="simulate") == []
    assert store.resolve("latest") == run_id
    with pytest.raises(ScenarioError, match="no run"):
        store.resolve("nope")


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_round_trips_every_replicate(tmp_path: Path, fmt: str) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    run_id, arrays = record_sweep([(Squares(seed=1), 5), (Squares(seed=2), 3)], store, kind="demo")
    out = tmp_path / f"out.{fmt}"
    assert store.export(run_id, out) == 8
    reader = "read_parquet" if fmt == "parquet" else "read_csv_auto"
    rows = duckdb.sql(
        f"SELECT job, replicate, square, seed FROM {reader}('{out}') ORDER BY job, replicate"
    ).fetchall()
    expected = [(k, i, *arr[i]) for k, arr in enumerate(arrays) for i in range(arr.shape[0])]
    assert [tuple(float(x) for x in r) for r in rows] == [tuple(float(x) for x in r) for r in expected]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["runs.duckdb", out.name])


def test_scenario_hash_is_content_not_spelling() -> None:
    a = scenario_from_text("detente: 1\nid: x\ntitle: X\nparties: [{id: A, discount: 1}]\n", "a.yaml")
    b = scenario_from_text(
        '{"title": "X", "id": "x", "parties": [{"discount": 1.0, "id": "A"}], "detente": 1}'
    )
    c = scenario_from_text("detente: 1\nid: x\ntitle: X\nparties: [{id: A, discount: 0.9}]\n")
    assert scenario_hash(a) == scenario_hash(b)
    assert scenario_hash(a) != scenario_hash(c)


def test_a_duckdb_file_with_nothing_in_it_becomes_a_store(tmp_path: Path) -> None:
    """As left by a process killed while creating the file (or made by hand with the duckdb shell)."""
    path = tmp_path / "runs.duckdb"
    duckdb.connect(str(path)).close()
    run_id, (_a,) = record_sweep([(Squares(), 3)], RunStore(path), kind="demo")
    assert RunStore(path).run(run_id).stored == 3


def test_creation_leaves_no_temporary_files(tmp_path: Path) -> None:
    RunStore(tmp_path / "runs.duckdb").list_runs()
    assert [p.name for p in tmp_path.iterdir()] == ["runs.duckdb"]


def test_a_store_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(ScenarioError, match="cannot create or read the results database"):
        RunStore(blocker / "runs.duckdb").list_runs()
