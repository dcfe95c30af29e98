"""A digest of whole runs: every strategy pair on every built-in scenario, three value settings.

Run as a script it prints the digest (``python tests/simulate/run_digest.py``); the test in
test_digest.py runs it under two hash seeds and compares with the recorded value. The digest
covers each run's trace (period, party, kind, moves, asks, note), its scores and counts, so any
change to a decision, an offer or a number shows.
"""

from __future__ import annotations

import ast
import hashlib
import sys
from collections.abc import Iterator

import numpy as np

from detente.model.scenario import Scenario
from detente.scenarios import builtin_names, load_builtin
from detente.simulate import SimulationSettings, make_strategy, play
from detente.simulate.sampling import sampled

SPECS = (
    "maximum-pressure",
    "maximum-pressure(reward=False)",
    "big-deal",
    "step-by-step",
    "step-by-step(opportunistic=True)",
    "tit-for-tat",
    "tit-for-tat(opportunistic=True)",
    "grit",
    "grit(opportunistic=True, patience=1)",
    "freeze-for-freeze",
    "freeze-for-freeze(opportunistic=True)",
    "boulware",
    "conceder",
    "hardliner",
)


def _spec(text: str) -> tuple[str, dict[str, object]]:
    name, _, rest = text.partition("(")
    params: dict[str, object] = {}
    for item in rest.rstrip(")").split(","):
        if item.strip():
            key, _, value = item.partition("=")
            params[key.strip()] = ast.literal_eval(value.strip())
    return name, params


def _runs() -> Iterator[tuple[str, Scenario, dict[str, str], SimulationSettings, int, Scenario | None]]:
    for name in builtin_names("scenario"):
        base = load_builtin(name)
        parties = base.party_ids
        drawn = sampled(base, np.random.default_rng(11))
        for i, a in enumerate(SPECS):
            for j, b in enumerate(SPECS):
                if len(parties) > 2 and (i + j) % 3:
                    continue  # many-party scenarios: a third of the pairs, each party cycling
                specs = {p: (a if k % 2 == 0 else b) for k, p in enumerate(parties)}
                seed = 1000 * i + j
                yield name, base, specs, SimulationSettings(), seed, None
                yield name, drawn, specs, SimulationSettings(), seed, base
                yield name, base, specs, SimulationSettings(misperception=0.2), seed, None


def digest() -> str:
    h = hashlib.sha256()
    for name, scenario, specs, settings, seed, prior in _runs():
        strategies = {p: make_strategy(n, **kw) for p, (n, kw) in ((p, _spec(s)) for p, s in specs.items())}
        r = play(scenario, strategies, seed=seed, settings=settings, prior=prior)
        h.update(repr((name, sorted(specs.items()), seed, settings.misperception, prior is None)).encode())
        for e in r.trace:
            h.update(repr((e.period, e.party, e.kind, sorted(e.moves), sorted(e.asks), e.note)).encode())
        h.update(
            repr(
                (
                    r.agreement,
                    r.first_step,
                    r.target_share,
                    sorted(r.utilities.items()),
                    r.breakdowns,
                    r.breaches_detected,
                    r.breaches_missed,
                    sorted(r.in_force),
                    sorted(r.target),
                    sorted((p, tuple(v)) for p, v in r.period_utilities.items()),
                    r.proposals,
                    r.accepted,
                    r.implemented,
                    r.reversed,
                )
            ).encode()
        )
    return h.hexdigest()


if __name__ == "__main__":
    sys.stdout.write(digest() + "\n")
