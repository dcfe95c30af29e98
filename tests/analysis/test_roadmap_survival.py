"""A roadmap judged over value draws: shares recomputed by ``check`` on each draw, closed forms, the CLI."""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from detente.analysis import roadmap
from detente.analysis.roadmap_survival import KINDS, first_break, survival
from detente.cli import app
from detente.model.draws import value_draws
from detente.model.scenario import Scenario
from detente.scenarios import load_builtin
from detente.simulate.jobs import MonteCarloJob


def _two(low: float, likely: float, high: float) -> Scenario:
    """B gives 1 (b1) and receives v_B(a1) ~ triangular(low, likely, high): balanced for B iff v_B(a1) >= 1."""
    return Scenario.model_validate(
        {
            "detente": 1, "id": "t", "title": "T", "parties": [{"id": "A"}, {"id": "B"}],
            "moves": [
                {"id": "a1", "by": "A", "title": "a1", "value": {"A": -1, "B": [low, likely, high]}},
                {"id": "b1", "by": "B", "title": "b1", "value": {"A": 2, "B": -1}},
            ],
        }
    )  # fmt: skip


def _triangular_cdf(x: float, a: float, c: float, b: float) -> float:
    if x <= a:
        return 0.0
    if x <= c:
        return (x - a) ** 2 / ((b - a) * (c - a))
    return 1.0 - (b - x) ** 2 / ((b - a) * (b - c))


def test_the_share_of_a_balance_is_the_triangular_probability() -> None:
    s = _two(0.5, 2.0, 3.0)
    n = 4000
    sv = survival(s, [["a1", "b1"]], samples=n, seed=11)
    p = 1.0 - _triangular_cdf(1.0, 0.5, 2.0, 3.0)  # 0.9333...
    assert abs(sv.stages[0]["B"]["balance"] - p) < 4 * math.sqrt(p * (1 - p) / n)
    assert sv.stages[0]["A"] == dict.fromkeys(KINDS, 1.0)


def test_the_first_break_is_the_closed_form_break_even() -> None:
    s = _two(0.5, 2.0, 3.0)
    b = first_break(s, [["a1", "b1"]])
    assert b is not None and (b.move, b.party, b.kind, b.broken_for, b.stage) == (
        "a1",
        "B",
        "balance",
        "B",
        1,
    )
    assert b.value == pytest.approx(1.0, abs=1e-3) and b.value < 1.0
    assert b.distance == pytest.approx(1.0 / 2.5, abs=1e-3)


def test_no_ranges_no_break_and_every_draw_holds() -> None:
    s = _two(2.0, 2.0, 2.0)
    assert first_break(s, [["a1", "b1"]]) is None
    sv = survival(s, [["a1", "b1"]], samples=5)
    assert sv.held == 5 and sv.breaking == ()


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), tolerance=st.sampled_from([0.0, 0.2]))
def test_every_share_is_recomputed_by_check_on_each_draw(seed: int, tolerance: float) -> None:
    s = load_builtin("korea-2019")
    moves, _ = roadmap.target_from_spec(s, "ks")
    planned = roadmap.plan(s, moves, time_limit=10)
    seq = [sorted(x.moves) for x in planned.stages]
    n = 30
    sv = survival(s, seq, tolerance=tolerance, samples=n, seed=seed)
    fails: Counter[tuple[int, str, str]] = Counter()
    joint: Counter[tuple[int, str]] = Counter()
    breaking = []
    for i, drawn in enumerate(value_draws(s, n, seed)):
        found = {
            (c.stage, c.party, c.kind)
            for c in roadmap.check(drawn, seq, tolerance=tolerance).conflicts
            if c.kind in KINDS
        }
        breaking += [i] if found else []
        fails.update(found)
        joint.update({(k, p) for k, p, _ in found})
    assert list(sv.breaking) == breaking and sv.held == n - len(breaking)
    for k, stage in enumerate(sv.stages, start=1):
        for p, kinds in stage.items():
            assert sv.joint[k - 1][p] == 1 - joint[(k, p)] / n
            for kind, share in kinds.items():
                assert share == 1 - fails[(k, p, kind)] / n


def test_draws_are_the_values_the_simulator_plays() -> None:
    s = load_builtin("korea-2019")
    job = MonteCarloJob(s, (("USA", "grit"), ("DPRK", "grit")), seed=5)
    for i, drawn in enumerate(value_draws(s, 4, seed=5)):
        played, _ = job.draw(i)
        for m in s.move_ids:
            assert drawn.move(m).value == played.move(m).value


def test_the_judgement_stays_put_under_a_renaming_of_moves() -> None:
    s = load_builtin("korea-2019")
    text = json.dumps(s.model_dump(mode="json"))
    assert text.count('"dprk-') > 10
    renamed = Scenario.model_validate(json.loads(text.replace('"dprk-', '"zz-').replace('"usa-', '"aa-')))
    seq = [sorted(x.moves) for x in roadmap.plan(s, "ks", time_limit=10).stages]
    new = [[m.replace("dprk-", "zz-").replace("usa-", "aa-") for m in st] for st in seq]
    a, b = survival(s, seq, samples=40, seed=2), survival(renamed, new, samples=40, seed=2)
    assert (a.held, a.stages, a.joint, a.breaking) == (b.held, b.stages, b.joint, b.breaking)
    x, y = first_break(s, seq), first_break(renamed, new)
    assert x is not None and y is not None
    assert (x.party, x.value, x.kind, x.stage) == (y.party, y.value, y.kind, y.stage)
    assert y.move == x.move.replace("dprk-", "zz-").replace("usa-", "aa-")


def test_plan_says_on_its_first_screen_how_often_the_roadmap_holds() -> None:
    r = CliRunner().invoke(
        app, ["plan", "korea-2019", "--target", "ks", "--samples", "60"], env={"COLUMNS": "80"}
    )
    assert r.exit_code == 0, r.stderr
    first = "\n".join(r.stdout.splitlines()[:12])
    assert "Under uncertainty: holds in" in first and "of 60 value draws" in first
    assert "first to break it:" in first
    j = CliRunner().invoke(app, ["plan", "korea-2019", "--target", "ks", "--samples", "60", "--json"])
    doc = json.loads(j.stdout)
    assert doc["survival"]["samples"] == 60 and doc["first_break"]["kind"] in KINDS
    assert set(doc["survival"]["stages"][0]["USA"]) == {"all", *KINDS}


def test_plan_refuses_zero_samples() -> None:
    r = CliRunner().invoke(app, ["plan", "korea-2019", "--samples", "0"])
    assert r.exit_code == 2
