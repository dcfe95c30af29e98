"""Leftovers and modes: a creation killed part way, files written under a umask, offline charts."""

from __future__ import annotations

import os
import time
from pathlib import Path

from typer.testing import CliRunner

from detente.cli import app
from detente.model.source import atomic_write
from detente.store import RunStore


def test_stale_temporary_store_files_are_removed_on_the_next_open(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    stale = tmp_path / ".runs.duckdb.0badc0de.tmp"
    stale_wal = tmp_path / ".runs.duckdb.0badc0de.tmp.wal"
    fresh = tmp_path / ".runs.duckdb.12345678.tmp"  # a creation in progress elsewhere
    other = tmp_path / ".other.duckdb.0badc0de.tmp"
    for f in (stale, stale_wal, fresh, other):
        f.write_bytes(b"x")
    old = time.time() - 3600
    for f in (stale, stale_wal, other):
        os.utime(f, (old, old))
    RunStore(store).list_runs()
    assert store.exists()
    assert not stale.exists() and not stale_wal.exists()
    assert fresh.exists() and other.exists()


def test_atomic_write_follows_the_umask_and_keeps_a_replaced_files_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "a.txt", "x")
        assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644
        os.umask(0o077)
        atomic_write(tmp_path / "b.txt", "x")
        assert (tmp_path / "b.txt").stat().st_mode & 0o777 == 0o600
        (tmp_path / "a.txt").chmod(0o640)
        atomic_write(tmp_path / "a.txt", "y")
        assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)


def test_plan_chart_html_is_self_contained(tmp_path: Path) -> None:
    chart = tmp_path / "x.html"
    result = CliRunner().invoke(app, ["plan", "korea-2019", "--chart", str(chart)])
    assert result.exit_code in (0, 1), result.output
    html = chart.read_text(encoding="utf-8")
    assert "<script src=" not in html  # (plotly.js itself names its CDN, for maps only)
    assert "Plotly" in html and len(html) > 1_000_000  # plotly.js inline
