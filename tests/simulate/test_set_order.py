"""The offer searches give the same answer whatever the process's hash seed (the order of a set)."""

from __future__ import annotations

import os
import subprocess
import sys

# Two candidates of the same size: X = a1 (which requires a2 and a3, which B does not value)
# for b1, where A gives 0.1 + 0.2 + 0.3: 0.6000000000000001 added in id order, 0.6 in the
# content order (a2, a3, then a1, which needs them); and Y = a4 (0.6) for b1. At 0.6 the two
# tie and X's moves come first in the content order (a2 is required, a4 is not); above, Y is
# smaller. A process's hash seed sets the order of a set's elements: the sums must not follow
# it, or the same seed gives different runs in different processes.
SCRIPT = """
from detente.model.scenario import Scenario
from detente.simulate.observation import Observation, Perception
from detente.simulate.strategies import offers
from detente.simulate.strategies.reciprocity import Grit
moves = [
    {"id": "a1", "by": "A", "title": "a1", "value": {"A": -0.1, "B": 1}, "requires": ["a2", "a3"]},
    {"id": "a2", "by": "A", "title": "a2", "value": {"A": -0.2}},
    {"id": "a3", "by": "A", "title": "a3", "value": {"A": -0.3}},
    {"id": "a4", "by": "A", "title": "a4", "value": {"A": -0.6, "B": 1}},
    {"id": "b1", "by": "B", "title": "b1", "value": {"A": 2, "B": -0.1}},
]
s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
    "parties": [{"id": "A"}, {"id": "B"}], "moves": moves})
obs = Observation(0, 5, "A", ("B",), frozenset(), {}, {}, frozenset(), frozenset(s.move_ids),
    {"A": .5, "B": .5}, "open", True, (), Perception.exact("A", s))
found = offers.small_exchange(obs, 0.0, max_size=3)
print(sorted(found.moves) if found else None)
print(sorted(Grit(step=1.0).initiative(obs) or ()))
"""


def test_offer_searches_do_not_depend_on_the_hash_seed() -> None:
    answers = set()
    for seed in range(8):
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        out = subprocess.run(
            [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
        )
        answers.add(out.stdout.strip())
    # small_exchange sums in the content order (X ties Y and comes first); Grit's initiative
    # costs are exact sums (0.6 each), and a4 (no prerequisites) comes before a1 in the content order
    assert answers == {"['a1', 'a2', 'a3', 'b1']\n['a4']"}
