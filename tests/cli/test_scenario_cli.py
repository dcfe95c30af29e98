"""The scenario commands as a user meets them: validate, show, scenarios, export, --version."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente import __version__
from detente.cli import app
from detente.scenarios import builtin_names

runner = CliRunner()

TINY = """\
detente: 1
id: tiny
title: Tiny
parties: [{id: A, discount: 0.9}, {id: B}]
moves:
  - {id: a1, by: A, title: A gives, value: {A: -1, B: 2}}
  - {id: b1, by: B, title: B gives, value: {A: 3, B: [-2, -1, 0]}, in_force: true}
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    p = tmp_path / "tiny.yaml"
    p.write_text(TINY)
    return p


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"detente {__version__}"


def test_validate_good_and_bad_files(tiny: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.replace("discount: 0.9", "discount: 0").replace("in_force: true", "in_force: maybe"))
    result = runner.invoke(app, ["validate", str(tiny)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["validate", str(tiny), str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:4:" in result.output and "parties[0] (A).discount" in result.output
    assert f"{bad}:7:" in result.output and "moves[1] (b1).in_force" in result.output
    assert "Traceback" not in result.output


def test_validate_json_lists_every_problem(tiny: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.replace("title: A gives", "titel: A gives"))
    result = runner.invoke(app, ["validate", "--json", str(tiny), str(bad)])
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report[0] == {"file": str(tiny), "valid": True, "problems": []}
    paths = {p["path"] for p in report[1]["problems"]}
    assert paths == {"moves[0].titel", "moves[0].title"}
    assert any("did you mean 'title'" in p["message"] for p in report[1]["problems"])


def test_show_summarises_a_file(tiny: Path) -> None:
    result = runner.invoke(app, ["show", str(tiny)])
    assert result.exit_code == 0, result.output
    assert "Moves by A" in result.output and "Moves by B" in result.output
    assert "in force" in result.output
    result = runner.invoke(app, ["show", str(tiny), "--json"])
    data = json.loads(result.stdout)
    assert data["id"] == "tiny" and len(data["moves"]) == 2


def test_show_unknown_name_is_a_clear_error() -> None:
    result = runner.invoke(app, ["show", "no-such-scenario"])
    assert result.exit_code == 2
    assert "no built-in of that name" in result.output


def test_export_writes_a_file_that_validates(tmp_path: Path) -> None:
    name = builtin_names("scenario")[0]
    out = tmp_path / "mine.yaml"
    result = runner.invoke(app, ["export", name, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    again = runner.invoke(app, ["export", name, "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    missing_dir = tmp_path / "nope" / "x.yaml"
    result = runner.invoke(app, ["export", name, "-o", str(missing_dir)])
    assert result.exit_code == 2 and "does not exist" in result.output
    assert not missing_dir.parent.exists()


def test_scenarios_lists_builtins() -> None:
    result = runner.invoke(app, ["scenarios", "--json"])
    rows = json.loads(result.stdout)
    assert {r["name"] for r in rows} == set(builtin_names())
    assert any(r["name"] == "korea-2019" and r["kind"] == "scenario" for r in rows)


def test_every_builtin_validates() -> None:
    result = runner.invoke(app, ["validate", *builtin_names()])
    assert result.exit_code == 0, result.output


def test_real_process_bad_input_exit_2_without_traceback(tmp_path: Path) -> None:
    junk = tmp_path / "junk.yaml"
    junk.write_bytes(b"\x89PNG\x00\x00binary")
    proc = subprocess.run(
        [sys.executable, "-m", "detente", "validate", str(junk)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert "binary" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
