"""``detente deals`` as a user meets it: tables, JSON per FORMATS.md, sampling, plots, errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from detente.analysis.deals import analyse_deals
from detente.cli import app
from detente.scenarios import load_builtin

runner = CliRunner()

SPLIT = """\
detente: 1
id: split
title: Split
parties: [{id: A, discount: 0.8}, {id: B, discount: 0.7}]
moves:
  - {id: x, by: A, title: all to A, value: {A: 1}, excludes: [y]}
  - {id: y, by: B, title: all to B, value: {B: [0.5, 1, 1.5]}}
"""


def _file(tmp_path: Path, text: str) -> str:
    p = tmp_path / "s.yaml"
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_json_follows_formats(tmp_path: Path) -> None:
    res = runner.invoke(app, ["deals", _file(tmp_path, SPLIT), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["parties"] == ["A", "B"]
    assert out["disagreement"] == {"A": 0.0, "B": 0.0}
    assert out["packages_evaluated"] == 3
    assert {tuple(p["moves"]) for p in out["frontier"]} == {("x",), ("y",)}
    assert set(out["solutions"]) == {"nash", "kalai_smorodinsky", "egalitarian", "utilitarian"}
    nash = out["solutions"]["nash"]
    assert (
        nash["hull"]["is_lottery"] and abs(sum(e["probability"] for e in nash["hull"]["lottery"]) - 1) < 1e-12
    )
    assert abs(out["rubinstein"]["utility"]["A"] - (1 - 0.7) / (1 - 0.56)) < 1e-9


def test_text_sampling_and_plots(tmp_path: Path) -> None:
    png, html = tmp_path / "d.png", tmp_path / "d.html"
    res = runner.invoke(
        app, ["deals", _file(tmp_path, SPLIT), "--samples", "50", "--seed", "3", "--plot", str(png)]
    )
    assert res.exit_code == 0, res.output
    assert "Bargaining solutions" in res.output and "Over 50 draws" in res.output
    assert png.read_bytes()[:4] == b"\x89PNG"
    res = runner.invoke(app, ["deals", _file(tmp_path, SPLIT), "--json", "--samples", "50", "--seed", "3",
                              "--plot", str(html)])  # fmt: skip
    assert res.exit_code == 0
    again = runner.invoke(app, ["deals", _file(tmp_path, SPLIT), "--json", "--samples", "50", "--seed", "3"])
    assert json.loads(res.stdout)["sampling"] == json.loads(again.stdout)["sampling"]
    assert "<html" in html.read_text(encoding="utf-8")[:500].lower()


def test_bad_input_exits_2_without_traceback(tmp_path: Path) -> None:
    for args in (["--first", "C"], ["--plot", str(tmp_path / "x.svg")], ["--method", "magic"]):
        res = runner.invoke(app, ["deals", _file(tmp_path, SPLIT), *args])
        assert res.exit_code == 2, args
        assert "Traceback" not in res.output


def test_korea_2019_has_a_deal() -> None:
    ds = analyse_deals(load_builtin("korea-2019"))
    assert ds.has_agreement
    nash = ds.solutions["nash"]
    assert nash.agreement and nash.moves >= ds.status_quo.moves
    assert all(nash.utility[p] > ds.disagreement[p] for p in ds.parties)


def test_run_section_stores_the_deal_space() -> None:
    from detente.analysis.deal_sampling import DealSampling
    from detente.analysis.deals import DealSpace
    from detente.cli.common import RunContext
    from detente.cli.deals import run_section

    ctx = RunContext(seed=1, quick=True)
    quiet, ctx.console.quiet = ctx.console.quiet, True  # the shared console: restore it after
    try:
        run_section(load_builtin("korea-2019"), ctx)
    finally:
        ctx.console.quiet = quiet
    assert isinstance(ctx.results["deals"], DealSpace)
    assert isinstance(ctx.results["deals_sampling"], DealSampling)
    assert ctx.results["deals_sampling"].samples == 60 and ctx.results["deals_sampling"].seed == 1
