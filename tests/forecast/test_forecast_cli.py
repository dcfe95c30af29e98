"""`detente forecast` as a user meets it: tables, JSON shape, located errors with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from detente.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
DEU = ROOT / "benchmarks" / "data" / "deu3-dev.tsv"

GOOD = """\
detente: 1
kind: positions
id: tiny
title: Tiny
actors: [{id: A, weight: 2}, {id: B, weight: 1}]
issues:
  - id: tax
    title: Tax rate
    scale: {low: none, high: high}
    status_quo: 0
    outcome: 30
    positions:
      A: {position: 20, salience: 50}
      B: {position: 80, salience: 100}
"""


def test_json_shape(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(GOOD)
    result = runner.invoke(app, ["forecast", str(f), "--json", "-m", "compromise", "-m", "median"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"issues", "scores"}
    issue = out["issues"][0]
    assert {"id", "prediction", "outcome"} <= set(issue)
    assert issue["id"] == "tax" and issue["outcome"] == 30.0
    assert issue["prediction"] == {"compromise": 50.0, "median": 20.0}  # c*s 100 and 100: the lower median
    assert out["scores"]["compromise"] == {"mae": 20.0, "median_ae": 20.0, "n": 1}


def test_bad_positions_file_gets_a_located_error(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(GOOD.replace("B: {position: 80", "C: {position: 180").replace("weight: 2", "weight: -2"))
    result = runner.invoke(app, ["forecast", str(f)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "bad.yaml:5:" in result.output and "actors[0] (A).weight" in result.output
    assert "bad.yaml:14:7: issues[0] (tax).positions.C: unknown actor 'C'" in result.output


def test_position_off_the_scale_is_located(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(GOOD.replace("position: 80", "position: [70, 80, 120]"))
    result = runner.invoke(app, ["forecast", str(f)])
    assert result.exit_code == 2
    assert "bad.yaml:14:" in result.output and "issues[0] (tax).positions.B.position" in result.output
    assert "[0, 100]" in result.output


def test_deu3_file_with_scores() -> None:
    result = runner.invoke(app, ["forecast", str(DEU), "--json", "-m", "compromise"])
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert len(out["issues"]) == 225 and out["issues"][0]["id"] == "d00060i1"
    assert out["scores"]["compromise"]["n"] == 218
    assert 22.0 < out["scores"]["compromise"]["mae"] < 24.0


def test_bad_deu3_cell_is_located(tmp_path: Path) -> None:
    lines = DEU.read_text().splitlines()
    cells = lines[5].split("\t")
    col = lines[0].split("\t").index("pep")
    cells[col] = "n/a"
    lines[5] = "\t".join(cells)
    f = tmp_path / "x.tsv"
    f.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["forecast", str(f)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"x.tsv:6:{col + 1}: pep: expected a number from 0 to 100 (or blank), found 'n/a'" in result.output


def test_builtin_table_fits_80_columns() -> None:
    result = runner.invoke(app, ["forecast", "korea-six-party", "--samples", "50"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    assert "expected-utility" in result.output and "peace" in result.output


def test_unknown_model_exit_2() -> None:
    result = runner.invoke(app, ["forecast", "korea-six-party", "-m", "compromize"])
    assert result.exit_code == 2 and "did you mean 'compromise'" in result.output
