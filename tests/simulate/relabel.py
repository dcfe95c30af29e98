"""Rewrite a scenario under other names: every party id and move id, wherever it is referred to.

A test helper (tests/simulate/test_relabel.py): a renamed scenario is the same negotiation,
so every number of a run of it must equal the original's once the names are mapped back.

Examples
--------
>>> from detente.model.scenario import Scenario
>>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X",
...     "parties": [{"id": "A"}, {"id": "B"}],
...     "moves": [{"id": "m", "by": "A", "title": "m", "value": {"B": 1}},
...               {"id": "n", "by": "B", "title": "n", "requires": ["m"], "value": {"A": 2}}],
...     "pressures": [{"party": "A", "per_period": -1, "stopped_by": ["n"]}],
...     "analysis": {"pressure_party": "A"}})
>>> r = relabel(s, {"A": "Z", "B": "Y"}, {"m": "q", "n": "p"})
>>> r.party_ids, r.move("p").requires, r.move("p").value["Z"].likely, r.pressures[0].party
(('Z', 'Y'), ('q',), 2.0, 'Z')
>>> r.analysis.pressure_party, relabel(s, {}, {}, party_order=["B", "A"]).party_ids
('Z', ('B', 'A'))
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from detente.model.scenario import Scenario

__all__ = ["random_names", "relabel"]


def relabel(
    scenario: Scenario,
    parties: Mapping[str, str],
    moves: Mapping[str, str],
    *,
    party_order: Sequence[str] | None = None,
) -> Scenario:
    """``scenario`` with party ``p`` called ``parties[p]`` and move ``m`` called ``moves[m]``.

    Names not in a mapping are kept. ``party_order`` (old ids) lists the parties in another
    order. Moves, interactions, pressures and events keep their order in the file.
    """

    def p_(pid: str) -> str:
        return parties.get(pid, pid)

    def m_(mid: str) -> str:
        return moves.get(mid, mid)

    def by_party(values: Mapping[str, Any]) -> dict[str, Any]:
        return {p_(p): v for p, v in values.items()}

    data = scenario.model_dump(mode="python")
    old_parties = {p["id"]: p for p in data["parties"]}
    order = list(party_order) if party_order is not None else [p["id"] for p in data["parties"]]
    if sorted(order) != sorted(old_parties):
        raise ValueError(f"party_order {order} is not an order of {sorted(old_parties)}")
    data["parties"] = [{**old_parties[pid], "id": p_(pid)} for pid in order]
    for m in data["moves"]:
        m["id"], m["by"] = m_(m["id"]), p_(m["by"])
        m["value"] = by_party(m["value"])
        m["requires"] = [m_(r) for r in m["requires"]]
        m["excludes"] = [m_(x) for x in m["excludes"]]
    for inter in data["interactions"]:
        inter["moves"] = [m_(x) for x in inter["moves"]]
        inter["value"] = by_party(inter["value"])
    for pr in data["pressures"]:
        pr["party"] = p_(pr["party"])
        pr["stopped_by"] = [m_(x) for x in pr["stopped_by"]]
    for ev in data["events"]:
        ev["effect"]["trust"] = by_party(ev["effect"]["trust"])
        ev["effect"]["utility"] = by_party(ev["effect"]["utility"])
    if data["analysis"].get("pressure_party") is not None:
        data["analysis"]["pressure_party"] = p_(data["analysis"]["pressure_party"])
    return Scenario.model_validate(data)


def random_names(scenario: Scenario, rng: np.random.Generator) -> tuple[dict[str, str], dict[str, str]]:
    """Fresh random party and move names (a party id starts with a letter; a move id is lower case).

    The new names are unrelated to the old ones, so their alphabetical order is shuffled.
    Each holds a digit, so that no name is also a word of a trace note ("to", "than"...),
    which a comparison of notes under the inverse renaming would rename too.
    """

    def fresh(n: int, first: str, rest: str, taken: set[str]) -> list[str]:
        out: list[str] = []
        while len(out) < n:
            name = str(rng.choice(list(first))) + "".join(
                rng.choice(list(rest), size=int(rng.integers(1, 6)))
            )
            if name not in taken and any(c.isdigit() for c in name):
                taken.add(name)
                out.append(name)
        return out

    pnames = fresh(len(scenario.parties), string.ascii_letters, string.ascii_letters + string.digits, set())
    mnames = fresh(len(scenario.moves), string.ascii_lowercase, string.ascii_lowercase + string.digits, set())
    return dict(zip(scenario.party_ids, pnames, strict=True)), dict(
        zip(scenario.move_ids, mnames, strict=True)
    )
