"""The fast smallest-exchange search equals its plain definition on generated scenarios (Hypothesis)."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.model.scenario import Scenario
from detente.simulate.observation import Observation
from detente.simulate.settings import perceptions
from detente.simulate.strategies.offers import small_exchange, small_exchange_plain
from detente.simulate.tables import Tables

# a concession mostly costs its maker and helps the others (but not always)
COSTS = st.sampled_from([-2.0, -1.5, -1.0, -0.5, 0.0, 0.3])
GAINS = st.sampled_from([-0.5, 0.0, 0.3, 1.0, 1.5, 2.5])


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    parties = ["A", "B", "C"][: draw(st.integers(2, 3))]
    n = draw(st.integers(4, 9))
    moves = []
    for i in range(n):
        earlier = [f"m{j}" for j in range(i)]
        requires = draw(st.lists(st.sampled_from(earlier), max_size=2, unique=True)) if earlier else []
        excludes = (
            [m for m in draw(st.lists(st.sampled_from(earlier), max_size=1)) if m not in requires]
            if earlier
            else []
        )
        by = draw(st.sampled_from(parties))
        moves.append(
            {
                "id": f"m{i}",
                "by": by,
                "title": f"m{i}",
                "value": {p: draw(COSTS if p == by else GAINS) for p in parties},
                "in_force": draw(st.booleans()) and draw(st.booleans()),
                "reversible": draw(st.booleans()),
                "requires": requires,
                "excludes": excludes,
            }
        )
    limits = st.sampled_from([None, 0.4, 1.0, 2.5])
    return Scenario.model_validate(
        {
            "detente": 1,
            "id": "h",
            "title": "H",
            "parties": [{"id": p, "exposure_limit": draw(limits)} for p in parties],
            "moves": moves,
        }
    )


@settings(max_examples=200, deadline=None)
@given(sc=scenarios(), settled_seed=st.integers(0, 2**16), misperception=st.sampled_from([0.0, 0.4]))
def test_fast_small_exchange_equals_the_plain_one(
    sc: Scenario, settled_seed: int, misperception: float
) -> None:
    rng = np.random.default_rng(settled_seed)
    tables = Tables(sc)
    views = perceptions(tables, misperception, rng)
    states = [sc.status_quo]
    for _ in range(4):
        s = sc.closure(m for m in sc.move_ids if rng.random() < 0.3) | sc.status_quo
        if sc.is_feasible(s):
            states.append(s)
    for settled, me in itertools.product(states, sc.party_ids):
        others = tuple(p for p in sc.party_ids if p != me)
        obs = Observation(
            0, 5, me, others, settled, {}, {}, frozenset(), tables.target, dict.fromkeys(sc.party_ids, 0.5),
            "open", True, (), views[me],
        )  # fmt: skip
        for tolerance, reversible_only, size in (
            (0.2, False, 2),
            (0.3, True, 1),
            (0.0, False, 2),
            (0.6, False, 1),
            (0.2, False, 3),
        ):
            expected = small_exchange_plain(obs, tolerance, reversible_only=reversible_only, max_size=size)
            assert small_exchange(obs, tolerance, reversible_only=reversible_only, max_size=size) == expected
