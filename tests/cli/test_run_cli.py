"""`detente run` and `detente report` as a user meets them: the report file, its path, figures, errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.cli import app

runner = CliRunner()

TINY = """\
detente: 1
id: tiny
title: Tiny
time: {horizon: 6}
parties: [{id: A, discount: 0.9, exposure_limit: 1}, {id: B, exposure_limit: 1}]
moves:
  - {id: a1, by: A, title: A gives, value: {A: -1, B: 2}, source: "https://example.org/a1"}
  - {id: b1, by: B, title: B gives, value: {A: 3, B: [-2, -1, 0]}}
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    p = tmp_path / "tiny.yaml"
    p.write_text(TINY)
    return p


def test_report_writes_html_and_figures(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "r.html"
    out.parent.mkdir()
    figs = tmp_path / "figs"
    result = runner.invoke(app, ["report", str(tiny), "-o", str(out), "--figures", str(figs), "--quick"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("r.html")
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "</html>" in html
    assert '<a href="https://example.org/a1" rel="noreferrer">' in html
    for key in ("scenario", "deals", "roadmap", "simulate", "stability", "reproduce"):
        assert f'data-section="{key}"' in html
    svgs = sorted(p.stem for p in figs.glob("*.svg"))
    pngs = sorted(p.stem for p in figs.glob("*.png"))
    assert svgs == pngs and "deal-space" in svgs
    # every figure of the page is among the files, and the page has as many inline SVGs
    assert html.count("<figure><svg") == len(svgs)


def test_report_bad_input_is_a_located_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.replace("discount: 0.9", "discount: 1.5"))
    result = runner.invoke(app, ["report", str(bad), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert "bad.yaml:5" in result.stderr and "discount" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "r.html").exists()


def test_report_robust_plans_for_the_draws_and_a_bad_level_is_an_error(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(tiny), "-o", str(out), "--quick", "--robust", "worst-case"])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    # b1's cost to B ranges up to 2, its worth to A is 3 and a1 gives B 2: one stage holds at every corner
    assert "A robust roadmap holds for every value in the ranges" in html and "held at every corner" in html
    assert 'data-section="roadmap"' in html and html.count("<figure><svg") >= 3
    bad = tmp_path / "bad.html"
    result = runner.invoke(app, ["report", str(tiny), "-o", str(bad), "--robust", "1.5"])
    assert result.exit_code == 2 and "--robust" in result.stderr and "(0, 1]" in result.stderr
    assert "Traceback" not in result.output and not bad.exists()


def test_run_no_report_writes_nothing(tiny: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "detente", "run", str(tiny), "--quick", "--no-report"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "report written" not in result.stdout
    assert not list(tmp_path.glob("*.html"))


def test_run_writes_the_report_by_default_and_prints_its_path(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "detente", "run", "--quick", "--timings"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    m = re.search(r"report written: (\S+)", result.stdout)
    assert m is not None, result.stdout[-2000:]
    path = Path(m.group(1))
    assert path == (tmp_path / "detente-report-korea-2019.html").resolve() and path.is_file()
    html = path.read_text(encoding="utf-8")
    assert "seed 0" in html and "Inputs and seed" in html
    assert "total" in result.stdout  # the timings table
    # built from the results the run stored: self-contained all the same
    assert "<script" not in html and "<link" not in html
    assert not re.search(r"""\s(src|href)=["']?(https?:)?//""", html.replace('<a href="http', "<a x"))


def test_run_bad_scenario_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_app_command_line_binds_localhost() -> None:
    from detente.cli.webapp import streamlit_command

    cmd = streamlit_command(8765)
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--server.headless") + 1] == "true"
    assert cmd[cmd.index("--server.port") + 1] == "8765"
    assert Path(cmd[4]).name == "main.py" and Path(cmd[4]).is_file()


def test_app_rejects_a_bad_port() -> None:
    result = runner.invoke(app, ["app", "--port", "70000"])
    assert result.exit_code == 2


def _run80(tmp_path: Path, *args: str) -> list[str]:
    env = {**os.environ, "COLUMNS": "80", "LINES": "50"}
    result = subprocess.run(
        [sys.executable, "-m", "detente", "run", *args], cwd=tmp_path, capture_output=True, text=True,
        timeout=600, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_run_prints_the_answer_first_in_at_most_80_lines_and_the_report_opens_with_it(tmp_path: Path) -> None:
    lines = _run80(tmp_path, "korea-2019")
    assert len(lines) <= 80, "\n".join(lines)
    assert all(len(line) <= 80 for line in lines[:-1])  # the last: the report's path, never broken
    head = "\n".join(lines[:20])
    assert "Answer" in lines[0] + lines[1] and "Answer for korea-2019" in head
    for label in (
        "Deal zone: yes",
        "Staging: the Kalai-Smorodinsky package",
        "USA's strategies by mean payoff",
    ):
        assert label in head, label
    assert "--verbose" in "\n".join(lines) and "report written:" in lines[-1]
    html = (tmp_path / "detente-report-korea-2019.html").read_text(encoding="utf-8")
    sections = re.findall(r'<section id="sec-([a-z]+)"', html)
    assert sections[:2] == ["answer", "scenario"]  # the answer first, above the scenario
    first = html.split('<section id="sec-answer"', 1)[1].split("</section>", 1)[0]
    assert "<h2>The answer</h2>" in first and "<strong>Deal zone:</strong> yes." in first
    assert "<strong>Staging:</strong>" in first and "by mean payoff" in first


def test_run_verbose_prints_the_full_listing_after_the_answer(tmp_path: Path) -> None:
    lines = _run80(tmp_path, "korea-2019", "--quick", "--no-report", "--verbose")
    text = "\n".join(lines)
    assert text.index("Answer for korea-2019") < text.index("Deal space") < text.index("Strategy comparison")
    assert len(lines) > 200  # every section's listing
