"""Strategy matrix and round-robin tournament, checked against direct simulation and by hand."""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from detente.model.errors import ScenarioError
from detente.model.scenario import Scenario
from detente.simulate.compare import compact, compare, rank_order, tournament
from detente.simulate.montecarlo import Engine, Sweep, replicate_seed, run_jobs, simulate


def scenario(parties: list[str], sid: str = "s", ranged: bool = True) -> Scenario:
    value: Any = [1, 2, 6] if ranged else 2
    return Scenario.model_validate(
        {
            "detente": 1,
            "id": sid,
            "title": sid,
            "parties": [{"id": p} for p in parties],
            "moves": [{"id": "m", "by": parties[0], "title": "m", "value": {parties[-1]: value}}],
        }
    )


GENEROSITY = {"give": 1.0, "fair": 0.5, "take": 0.0}


def play(scn: Scenario, strategies: dict[str, Any], *, seed: np.random.Generator) -> SimpleNamespace:
    """A noisy split: each side's utility grows with the other side's generosity."""
    parties = scn.party_ids
    g = {p: GENEROSITY[strategies[p]] for p in parties}
    noise = seed.normal(scale=0.1)
    scale = scn.move("m").value[parties[-1]].likely
    u = {p: scale * sum(g[q] for q in parties if q != p) - g[p] + noise for p in parties}
    agree = all(x > 0 for x in g.values())
    return SimpleNamespace(
        agreement=agree,
        first_step=1 if agree else None,
        target_share=float(np.mean(list(g.values()))),
        utilities=u,
        breakdowns=0,
        breaches_detected=0,
        breaches_missed=0,
        periods=3,
    )


def make(spec: str) -> str:
    if spec not in GENEROSITY:
        raise ScenarioError.single("strategy", f"unknown strategy {spec!r}")
    return spec


def test_each_cell_is_the_standalone_simulation() -> None:
    s = scenario(["A", "B"])
    c = compare(
        s,
        ["give", "take"],
        column_strategies=["fair", "give", "take"],
        runs=30,
        seed=4,
        engine=Engine(play, make),
    )
    assert c.rows == ("give", "take") and c.columns == ("fair", "give", "take")
    for a, b in itertools.product(c.rows, c.columns):
        alone = simulate(s, {"A": a, "B": b}, runs=30, seed=4, engine=Engine(play, make)).distribution()
        assert c.cell(a, b) == alone
    assert c.matrix("agreement_rate") == [[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    doc = c.as_json()
    assert len(doc["cells"]) == 6 and doc["cells"][1] == {
        "row": "give",
        "column": "give",
        "outcomes": compact(c.cell("give", "give")),
    }
    assert doc["matrix"]["utility"]["B"][0][1] == c.cell("give", "give")["utility"]["B"]["mean"]


def test_adding_a_strategy_does_not_change_other_cells() -> None:
    s = scenario(["A", "B"])
    small = compare(s, ["give", "fair"], runs=20, seed=1, engine=Engine(play, make))
    big = compare(s, ["take", "give", "fair"], runs=20, seed=1, engine=Engine(play, make))
    for a, b in itertools.product(small.rows, small.columns):
        assert small.cell(a, b) == big.cell(a, b)


def test_other_parties_are_fixed() -> None:
    s = scenario(["A", "B", "C"])
    c = compare(
        s, ["give", "take"], parties=("C", "A"), fixed={"B": "fair"}, runs=10, engine=Engine(play, make)
    )
    assert (c.row_party, c.column_party, c.fixed) == ("C", "A", (("B", "fair"),))
    alone = simulate(
        s, {"A": "give", "B": "fair", "C": "take"}, runs=10, engine=Engine(play, make)
    ).distribution()
    assert c.cell("take", "give") == alone
    with pytest.raises(ScenarioError, match="no strategy for party C"):
        compare(s, ["give"], runs=2, engine=Engine(play, make))


def test_compare_errors() -> None:
    s = scenario(["A", "B"])
    with pytest.raises(ScenarioError, match="two different parties"):
        compare(s, ["give"], parties=("A", "A"), engine=Engine(play, make))
    with pytest.raises(ScenarioError, match="cannot also have a fixed strategy"):
        compare(s, ["give"], fixed={"A": "give"}, engine=Engine(play, make))
    with pytest.raises(ScenarioError, match="unknown strategy 'nice'"):
        compare(s, ["give", "nice"], engine=Engine(play, make))
    with pytest.raises(ScenarioError, match="at least one strategy"):
        compare(s, [], engine=Engine(play, make))
    with pytest.raises(ScenarioError, match="at least two parties"):
        compare(scenario(["A"]), ["give"], engine=Engine(play, make))


def test_rank_order_ties() -> None:
    assert rank_order({"x": 1.0, "y": 1.0, "z": 2.0, "w": 0.0}) == [("z", 1), ("x", 2), ("y", 2), ("w", 4)]


def test_tournament_scores_by_hand() -> None:
    scns = [scenario(["A", "B"], "one"), scenario(["P", "Q"], "two", ranged=False)]
    names = ["give", "fair", "take"]
    t = tournament(scns, names, runs=25, seed=3, engine=Engine(play, make))
    assert len(t.matches) == 2 * 9
    # Oracle: recompute every match on its own and rescale per scenario and seat.
    scores: dict[str, list[float]] = {n: [] for n in names}
    for s in scns:
        p1, p2 = s.party_ids
        means = {
            (a, b): simulate(s, {p1: a, p2: b}, runs=25, seed=3, engine=Engine(play, make)).distribution()[
                "utility"
            ]
            for a in names
            for b in names
        }
        for seat, party in enumerate((p1, p2)):
            values = {ab: m[party]["mean"] for ab, m in means.items()}
            lo, hi = min(values.values()), max(values.values())
            for ab, v in values.items():
                scores[ab[seat]].append((v - lo) / (hi - lo))
    expected = {n: float(np.mean(v)) for n, v in scores.items()}
    got = {r["strategy"]: r["score"] for r in t.ranking}
    assert got == pytest.approx(expected)
    assert [r["strategy"] for r in t.ranking] == ["take", "fair", "give"]  # generosity is exploited here
    assert [r["rank"] for r in t.ranking] == [1, 2, 3]
    assert all(r["matches"] == 12 for r in t.ranking)  # 3 opponents x 2 seats x 2 scenarios
    fair = next(r for r in t.ranking if r["strategy"] == "fair")
    assert fair["agreement_rate"] == pytest.approx(np.mean([1, 1, 0, 1, 1, 0] * 2))


def test_tournament_order_of_strategies_does_not_matter() -> None:
    s = [scenario(["A", "B"])]
    a = tournament(s, ["give", "fair", "take"], runs=10, seed=2, engine=Engine(play, make))
    b = tournament(s, ["take", "give", "fair"], runs=10, seed=2, engine=Engine(play, make))
    assert a.ranking == b.ranking


def test_tournament_needs_two_party_scenarios() -> None:
    with pytest.raises(ScenarioError, match="two-party scenarios; trio has 3"):
        tournament(
            [scenario(["A", "B"]), scenario(["A", "B", "C"], "trio")], ["give"], engine=Engine(play, make)
        )
    with pytest.raises(ScenarioError, match="at least one scenario"):
        tournament([], ["give"], engine=Engine(play, make))


# ------------------------------------------------- the real engine on korea-2019
def _capture() -> tuple[list[np.ndarray], Any]:
    """A recorder that keeps each cell's outcome rows (the arrays behind the distributions)."""
    arrays: list[np.ndarray] = []

    class Keep:
        def record(
            self, sweep: Sweep, backend: Any = None, progress: Any = None
        ) -> tuple[str, list[np.ndarray]]:
            out = run_jobs(sweep.jobs, backend, progress)
            arrays.extend(out)
            return "kept", out

    return arrays, Keep()


def _played_alone(scn: Scenario, strategies: dict[str, str], seed: int, runs: int) -> np.ndarray:
    """The oracle: each replicate played by hand (Scenario.sampled, fresh strategies, engine.play)."""
    from detente.simulate.engine import play as engine_play
    from detente.simulate.strategies import make_strategy

    rows = []
    for i in range(runs):
        values_seq, play_seq = replicate_seed(seed, i).spawn(2)
        drawn = scn.sampled(np.random.default_rng(values_seq))
        made = {p: make_strategy(strategies[p]) for p in scn.party_ids}
        r = engine_play(drawn, made, seed=np.random.default_rng(play_seq), prior=scn)
        first = np.nan if r.first_step is None else r.first_step
        row = [r.agreement, first, r.target_share, r.breakdowns, r.breaches_detected, r.breaches_missed]
        parties = scn.party_ids
        per_party = [
            *(r.utilities[p] for p in parties),
            *(r.window[p] for p in parties),
            *(r.no_deal[p] for p in parties),
        ]
        rows.append([*row, r.periods, *per_party])
    return np.asarray(rows, dtype=float)


def test_korea_matrix_cells_are_the_standalone_simulations_on_every_backend() -> None:
    from detente.scenarios import load_builtin
    from detente.simulate.backends import ProcessBackend
    from detente.simulate.strategies import REGISTRY

    korea = load_builtin("korea-2019")
    names = list(REGISTRY)
    runs, seed = 3, 11
    local, run_local = _capture()
    c = compare(korea, names, runs=runs, seed=seed, recorder=run_local)
    remote, run_remote = _capture()
    with ProcessBackend(2) as backend:
        c2 = compare(korea, names, runs=runs, seed=seed, backend=backend, recorder=run_remote)
    assert len(local) == len(remote) == len(names) ** 2
    for a, b in zip(local, remote, strict=True):
        np.testing.assert_array_equal(a, b)
    assert c2.outcomes == c.outcomes and c2.backend == "processes"
    cells = list(itertools.product(names, names))
    for (a, b), rows in zip(cells, local, strict=True):
        alone = simulate(korea, {"USA": a, "DPRK": b}, runs=runs, seed=seed)
        np.testing.assert_array_equal(rows, alone.outcomes)
        assert c.cell(a, b) == alone.distribution()
    for a, b in [cells[0], cells[len(cells) // 2], cells[-1]]:  # by hand, without montecarlo
        np.testing.assert_array_equal(
            local[cells.index((a, b))], _played_alone(korea, {"USA": a, "DPRK": b}, seed, runs)
        )


def test_korea_tournament_matches_are_the_standalone_simulations() -> None:
    from detente.scenarios import load_builtin

    korea = load_builtin("korea-2019")
    names = ["grit", "tit-for-tat", "step-by-step"]
    arrays, run = _capture()
    t = tournament([korea], names, runs=2, seed=5, recorder=run)
    assert t.run_id == "kept"
    assert len(t.matches) == len(arrays) == 9
    for match, rows in zip(t.matches, arrays, strict=True):
        alone = simulate(korea, match["strategies"], runs=2, seed=5)
        np.testing.assert_array_equal(rows, alone.outcomes)
        assert compact(alone.distribution()) == {
            k: v for k, v in match.items() if k not in ("scenario", "strategies")
        }


def test_bench_time_compare_runs_small() -> None:
    """Smoke test of benchmarks/bench_simulate.py's time_compare (one run a cell), so it cannot rot."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_simulate.py"
    spec = importlib.util.spec_from_file_location("bench_simulate_compare", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.time_compare(1)
    assert out["cells"] == 81 and out["runs_per_cell"] == 1 and out["seconds"] > 0
    assert out["extrapolated_seconds_2000_runs"] == pytest.approx(2000 * out["seconds"])
    if "worker_cpu_seconds" in out:  # with psutil
        assert out["worker_cpu_seconds"] > 0 and out["cpu_bound_seconds_2000_runs"] > 0
