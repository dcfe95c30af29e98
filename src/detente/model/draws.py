"""Value draws: the scenario at values drawn from their ranges, numbered and seeded as the simulator's.

Draw ``i`` of seed ``s`` samples every ranged value once (triangular, as
:meth:`Scenario.sampled`) from the first child of ``SeedSequence(s, spawn_key=(i,))``:
the very values replicate ``i`` of a Monte Carlo run with seed ``s`` plays with
(:func:`detente.simulate.jobs.replicate_seed`). So a roadmap judged on draws 0..n-1 and
``n`` simulated runs with the same seed meet the same values, draw for draw.

Examples
--------
>>> from detente.scenarios import load_builtin
>>> s = load_builtin("korea-2019")
>>> a, b = value_draws(s, 2, seed=3), value_draws(s, 2, seed=3)
>>> a[1].move(s.move_ids[0]).value == b[1].move(s.move_ids[0]).value
True
"""

from __future__ import annotations

import numpy as np

from .scenario import Scenario

__all__ = ["draw_rng", "value_draws"]


def draw_rng(seed: int, index: int) -> np.random.Generator:
    """The generator that draw ``index`` of ``seed`` samples its values with.

    >>> float(draw_rng(0, 1).random()) == float(draw_rng(0, 1).random())
    True
    """
    values, _play = np.random.SeedSequence(seed, spawn_key=(index,)).spawn(2)
    return np.random.default_rng(values)


def value_draws(scenario: Scenario, samples: int, seed: int = 0) -> list[Scenario]:
    """Draws ``0 .. samples - 1`` of ``seed``: copies of ``scenario`` with every ranged value drawn once."""
    if samples < 1:
        raise ValueError(f"expected at least one draw, found {samples}")
    return [scenario.sampled(draw_rng(seed, i)) for i in range(samples)]
