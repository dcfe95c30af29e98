"""Simulation speed: negotiations per second and milliseconds per round, detente vs NegMAS.

Both sides play the same kind of two-party negotiation, measured in the same run on the
same machine (median of several repeats):

- **NegMAS**: an ``SAOMechanism`` (alternating offers), 100 steps, three issues of ten
  values (1,000 outcomes), two ``AspirationNegotiator`` agents (time-based concession)
  with opposed linear utility functions.
- **detente**: :func:`detente.simulate.engine.play` on a synthetic scenario with two
  parties and five moves each (2^10 = 1,024 packages), horizon 100 periods, opposed values
  (each move costs its maker and benefits the other side), time-based concession
  strategies (``boulware`` for both; also reported: ``tit-for-tat`` for both). A detente period is a round of proposals plus
  implementation, verification and events, so it does more work than an SAO step.

Also reported: the Monte Carlo path on the built-in korea-2019 scenario (sampling of
ranged values, fresh strategies per run) in this process and on two worker processes.

Run with ``python -m benchmarks simulate`` (or ``make bench``).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from detente.model.scenario import Scenario

DETENTE_PAIR = ("boulware", "boulware")
"""Time-based concession on both sides, like NegMAS's AspirationNegotiator: the comparable setting."""
RECIPROCITY_PAIR = ("tit-for-tat", "tit-for-tat")
"""Reported too: reciprocity strategies search the package space each round, so they cost more."""
MC_PAIR = {"USA": "tit-for-tat", "DPRK": "grit"}


def synthetic_scenario(moves_per_party: int = 5, horizon: int = 100, seed: int = 0) -> Scenario:
    """Two parties trading concessions: each move costs its maker less than it is worth to the
    other side (on average), so mutually beneficial packages exist (a non-empty ZOPA) and
    time-based strategies can reach agreement, as NegMAS's negotiators do on their domain."""
    rng = np.random.default_rng(seed)
    moves = []
    for maker, other in (("A", "B"), ("B", "A")):
        for k in range(moves_per_party):
            cost = float(np.round(rng.uniform(0.5, 2.0), 2))
            gain = float(np.round(rng.uniform(1.0, 3.0), 2))
            moves.append(
                {
                    "id": f"{maker.lower()}-move-{k}",
                    "by": maker,
                    "title": f"{maker} concession {k}",
                    "value": {maker: -cost, other: gain},
                    "reversible": bool(k % 2),
                    "reversal_lag": 1,
                }
            )
    return Scenario.model_validate(
        {
            "detente": 1,
            "id": "bench-pair",
            "title": "Benchmark: two parties, 1024 packages",
            "time": {"horizon": horizon},
            "parties": [{"id": "A", "discount": 0.99}, {"id": "B", "discount": 0.99}],
            "moves": moves,
        }
    )


def _median_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def time_detente(negotiations: int, repeats: int, pair: tuple[str, str] = DETENTE_PAIR) -> dict[str, float]:
    from detente.simulate.engine import play
    from detente.simulate.strategies import make_strategy

    scenario = synthetic_scenario()

    def batch() -> tuple[int, int]:
        rounds = agreed = 0
        for i in range(negotiations):
            strategies = {"A": make_strategy(pair[0]), "B": make_strategy(pair[1])}
            r = play(scenario, strategies, seed=i)
            rounds += r.periods
            agreed += bool(r.agreement)
        return rounds, agreed

    seconds, (rounds, agreed) = _median_time(batch, repeats)
    return _figures(seconds, negotiations, rounds, agreed)


def time_negmas(negotiations: int, repeats: int) -> dict[str, float] | None:
    try:
        from negmas import AspirationNegotiator, SAOMechanism, make_issue
        from negmas.preferences import LinearAdditiveUtilityFunction
        from negmas.preferences.value_fun import AffineFun
    except ImportError:
        return None
    issues = [make_issue(10, f"issue{k}") for k in range(3)]
    weights = [0.5, 0.3, 0.2]

    def batch() -> tuple[int, int]:
        rounds = agreed = 0
        for _ in range(negotiations):
            mech = SAOMechanism(issues=issues, n_steps=100)
            up = LinearAdditiveUtilityFunction(
                values=[AffineFun(1 / 9, 0) for _ in issues],
                weights=weights,
                issues=issues,
                reserved_value=0.0,
            )
            down = LinearAdditiveUtilityFunction(
                values=[AffineFun(-1 / 9, 1) for _ in issues],
                weights=weights[::-1],
                issues=issues,
                reserved_value=0.0,
            )
            mech.add(AspirationNegotiator(name="a"), ufun=up)
            mech.add(AspirationNegotiator(name="b"), ufun=down)
            state = mech.run()
            rounds += int(mech.current_step)
            agreed += state.agreement is not None
        return rounds, agreed

    seconds, (rounds, agreed) = _median_time(batch, repeats)
    return _figures(seconds, negotiations, rounds, agreed)


def _figures(seconds: float, negotiations: int, rounds: int, agreed: int) -> dict[str, float]:
    return {
        "negotiations_per_s": negotiations / seconds,
        "ms_per_round": 1000 * seconds / max(rounds, 1),
        "rounds_per_negotiation": rounds / negotiations,
        "agreement_rate": agreed / negotiations,
    }


def time_montecarlo(runs: int, repeats: int) -> dict[str, float]:
    from detente.scenarios import load_builtin
    from detente.simulate.backends import make_backend
    from detente.simulate.montecarlo import simulate

    scenario = load_builtin("korea-2019")
    pair = MC_PAIR
    seconds, result = _median_time(lambda: simulate(scenario, pair, runs=runs, seed=0), repeats)
    out = {"inprocess_runs_per_s": runs / seconds}
    with make_backend("processes", workers=2) as backend:
        simulate(scenario, pair, runs=4, seed=0, backend=backend)  # start the workers first
        seconds2, result2 = _median_time(
            lambda: simulate(scenario, pair, runs=runs, seed=0, backend=backend), repeats
        )
    if not np.allclose(result.outcomes, result2.outcomes, rtol=1e-12, atol=0, equal_nan=True):
        raise AssertionError("processes backend gave different results")
    out["processes2_runs_per_s"] = runs / seconds2
    out["bit_identical"] = bool(np.array_equal(result.outcomes, result2.outcomes, equal_nan=True))
    return out


def run(negotiations: int = 40, repeats: int = 5, mc_runs: int = 60) -> dict[str, Any]:
    """Measure and print; small arguments make a quick smoke run."""
    results: dict[str, Any] = {
        "setting": {
            "negotiations": negotiations,
            "repeats": repeats,
            "rounds": 100,
            "detente_pair": DETENTE_PAIR,
        }
    }
    results["detente"] = time_detente(negotiations, repeats)
    results["negmas"] = time_negmas(negotiations, repeats)
    results["detente_reciprocity"] = time_detente(
        max(1, negotiations // 4), max(1, repeats // 2), RECIPROCITY_PAIR
    )
    if mc_runs:
        results["montecarlo_korea_2019"] = time_montecarlo(mc_runs, 1)
    print(f"{'':20} {'negotiations/s':>15} {'ms/round':>9} {'rounds':>7} {'agreed':>7}")
    for name in ("detente", "negmas", "detente_reciprocity"):
        f = results[name]
        if f is None:
            print(f"{name:20} (not installed: pip install negmas)")
            continue
        print(
            f"{name:20} {f['negotiations_per_s']:15.1f} {f['ms_per_round']:9.3f} "
            f"{f['rounds_per_negotiation']:7.1f} {100 * f['agreement_rate']:6.0f}%"
        )
    if results["negmas"] is not None:
        speedup = results["detente"]["negotiations_per_s"] / results["negmas"]["negotiations_per_s"]
        results["speedup_vs_negmas"] = speedup
        print(f"detente / negmas negotiations per second: {speedup:.2f}x")
    if mc_runs:
        mc = results["montecarlo_korea_2019"]
        print(
            f"Monte Carlo korea-2019, USA tit-for-tat vs DPRK grit (sampled values, fresh strategies): {mc['inprocess_runs_per_s']:.0f} runs/s "
            f"in process, {mc['processes2_runs_per_s']:.0f} runs/s on 2 worker processes "
            f"(results {'bit-identical' if mc['bit_identical'] else 'equal to 1e-12 only'})"
        )
    return results


def main() -> dict[str, Any]:
    return run()


if __name__ == "__main__":
    main()
