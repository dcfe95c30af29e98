"""Relabelling changes nothing (issue 17): renamed parties and moves, parties listed in another order.

Every tie between moves is broken by content (:mod:`detente.model.order`), never by an id, so a
scenario whose parties and moves are renamed (:func:`relabel.relabel`) must give equal decisions
and equal numbers, bit for bit, once the names are mapped back: a seeded run on generated
scenarios (Hypothesis), and ``compare``, ``simulate`` and ``plan`` on the built-in korea-2019.
Listing the parties in another order may change who proposes first: with the first proposer
pinned a two-party run is unchanged, and korea-2019's verdicts stay the same without pinning.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from detente.cli import app
from detente.model.order import content_key, content_order
from detente.model.scenario import Scenario
from detente.scenarios import load_builtin
from detente.simulate import SimulationSettings, make_strategy, play
from detente.simulate.compare import compare
from detente.simulate.trace import RunResult

sys.path.insert(0, str(Path(__file__).parent))
from relabel import random_names, relabel

SPECS = (
    "tit-for-tat",
    "tit-for-tat(opportunistic=True)",
    "grit",
    "grit(opportunistic=True, patience=1)",
    "freeze-for-freeze(opportunistic=True)",
    "maximum-pressure",
    "big-deal",
    "boulware",
    "conceder",
    "hardliner",
    "step-by-step(opportunistic=True)",
)
# few distinct numbers, so that ties (equal costs, equal ratios) are common
VALUES = st.sampled_from([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    parties = ["P", "Q", "R"][: draw(st.integers(2, 3))]
    n = draw(st.integers(3, 8))
    ids = [f"m{i}" for i in range(n)]
    moves = []
    for i, mid in enumerate(ids):
        earlier = ids[:i]
        requires = draw(st.lists(st.sampled_from(earlier), max_size=2, unique=True)) if earlier else []
        excludes = (
            [x for x in draw(st.lists(st.sampled_from(earlier), max_size=1)) if x not in requires]
            if earlier
            else []
        )
        moves.append(
            {
                "id": mid,
                "by": draw(st.sampled_from(parties)),
                "title": mid,
                "value": {p: draw(VALUES) for p in parties},
                "in_force": draw(st.integers(0, 5)) == 0,
                "reversible": draw(st.booleans()),
                "reversal_lag": draw(st.integers(0, 2)),
                "duration": draw(st.integers(0, 2)),
                "verification": draw(st.sampled_from([1.0, 0.5, 0.1])),
                "requires": requires,
                "excludes": excludes,
            }
        )
    pressures = [
        {
            "party": draw(st.sampled_from(parties)),
            "per_period": draw(st.sampled_from([-1.0, -0.5])),
            "growth": draw(st.sampled_from([0.0, 0.1])),
            "stopped_by": draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True)),
        }
        for _ in range(draw(st.integers(0, 2)))
    ]
    interactions = [
        {
            "moves": draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True)),
            "value": {draw(st.sampled_from(parties)): draw(VALUES)},
        }
        for _ in range(draw(st.integers(0, 1)))
    ]
    events = [
        {"id": "shock", "rate": 0.3, "effect": {"trust": {parties[0]: -0.2}, "utility": {parties[-1]: -1.0}}}
    ] * draw(st.integers(0, 1))
    limits = st.sampled_from([None, 0.5, 1.0, 3.0])
    return Scenario.model_validate(
        {
            "detente": 1,
            "id": "h",
            "title": "H",
            "time": {"horizon": draw(st.integers(4, 14))},
            "parties": [
                {"id": p, "exposure_limit": draw(limits), "discount": draw(st.sampled_from([1.0, 0.9]))}
                for p in parties
            ],
            "moves": moves,
            "pressures": pressures,
            "interactions": interactions,
            "events": events,
        }
    )


def _strategy(spec: str) -> Any:
    name, _, rest = spec.partition("(")
    params = {}
    for item in rest.rstrip(")").split(","):
        if item.strip():
            key, _, value = item.partition("=")
            params[key.strip()] = {"True": True, "1": 1}[value.strip()]
    return make_strategy(name, **params)


_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def _note(text: str, names: Mapping[str, str]) -> list[str]:
    """A trace note with names mapped back, as a sorted list of words (lists of ids are sorted by id)."""
    return sorted(names.get(w, w) for w in _WORD.findall(text))


def _run_as(r: RunResult, parties: Mapping[str, str], moves: Mapping[str, str]) -> tuple[Any, ...]:
    """Every decision and number of a run, under the names ``parties``/``moves`` map to."""
    names = {**parties, **moves}

    def ms(xs: frozenset[str]) -> tuple[str, ...]:
        return tuple(sorted(moves.get(m, m) for m in xs))

    trace = tuple(
        (e.period, parties.get(e.party, e.party), e.kind, ms(e.moves), ms(e.asks), _note(e.note, names))
        for e in r.trace
    )
    return (
        trace,
        r.agreement,
        r.first_step,
        r.target_share,
        sorted((parties.get(p, p), u) for p, u in r.utilities.items()),
        sorted((parties.get(p, p), u) for p, u in r.period_utilities.items()),
        (r.breakdowns, r.breaches_detected, r.breaches_missed, r.periods),
        (r.proposals, r.accepted, r.implemented, r.reversed),
        ms(r.in_force),
        ms(r.target),
    )


def _inverse(d: Mapping[str, str]) -> dict[str, str]:
    return {v: k for k, v in d.items()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sc=scenarios(),
    names_seed=st.integers(0, 2**16),
    specs=st.lists(st.sampled_from(SPECS), min_size=3, max_size=3),
    seed=st.integers(0, 2**16),
    misperception=st.sampled_from([0.0, 0.3]),
)
def test_renamed_scenario_gives_the_same_run(
    sc: Scenario, names_seed: int, specs: list[str], seed: int, misperception: float
) -> None:
    parties, moves = random_names(sc, np.random.default_rng(names_seed))
    renamed = relabel(sc, parties, moves)
    assert content_order(renamed) == tuple(moves[m] for m in content_order(sc))
    rules = SimulationSettings(misperception=misperception)
    r = play(
        sc, {p: _strategy(s) for p, s in zip(sc.party_ids, specs, strict=False)}, seed=seed, settings=rules
    )
    strategies = {parties[p]: _strategy(s) for p, s in zip(sc.party_ids, specs, strict=False)}
    r2 = play(renamed, strategies, seed=seed, settings=rules)
    assert _run_as(r2, _inverse(parties), _inverse(moves)) == _run_as(r, {}, {})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sc=scenarios(), specs=st.lists(st.sampled_from(SPECS), min_size=2, max_size=2), seed=st.integers(0, 99)
)
def test_two_parties_listed_the_other_way_round_give_the_same_run_with_the_same_first_proposer(
    sc: Scenario, specs: list[str], seed: int
) -> None:
    """The order of the parties decides who proposes first, nothing else (two parties, no misperception;
    with a simultaneous strategy it also orders the round's proposals, see docs/simulate.md)."""
    if any(s.startswith("freeze-for-freeze") for s in specs):
        return
    a, b = sc.party_ids[:2]
    two = relabel(sc, {}, {}) if len(sc.party_ids) == 2 else None
    if two is None:
        return
    swapped = relabel(sc, {}, {}, party_order=[b, a])
    assert content_key(swapped) == content_key(sc)
    rules = SimulationSettings(first_proposer=a)
    r = play(sc, {a: _strategy(specs[0]), b: _strategy(specs[1])}, seed=seed, settings=rules)
    r2 = play(swapped, {a: _strategy(specs[0]), b: _strategy(specs[1])}, seed=seed, settings=rules)
    assert _run_as(r2, {}, {}) == _run_as(r, {}, {})


# ------------------------------------------------------------------ korea-2019 on the command line
runner = CliRunner()
TEXT_KEYS = {"text", "suggestions", "notes", "source", "title", "wall_time"}


def _as_named(doc: Any, names: Mapping[str, str]) -> Any:
    """A JSON document with every name (a key or a string) mapped; lists of names sorted; text left out."""
    if isinstance(doc, dict):
        return {names.get(k, k): _as_named(v, names) for k, v in doc.items() if k not in TEXT_KEYS}
    if isinstance(doc, list):
        out = [_as_named(x, names) for x in doc]
        return sorted(out) if out and all(isinstance(x, str) for x in out) else out
    if isinstance(doc, str):
        return names.get(doc, doc)
    return doc


@pytest.fixture(scope="module")
def korea(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], dict[str, str]]:
    base = load_builtin("korea-2019")
    parties, moves = random_names(base, np.random.default_rng(2019))
    path = tmp_path_factory.mktemp("relabel") / "korea-renamed.json"
    path.write_text(relabel(base, parties, moves).model_dump_json())
    return path, parties, moves


def _json(*args: str, codes: tuple[int, ...] = (0,)) -> Any:
    r = runner.invoke(app, list(args))
    assert r.exit_code in codes, r.stderr
    return json.loads(r.stdout)


def test_renamed_korea_compare_is_equal_cell_by_cell(
    korea: tuple[Path, dict[str, str], dict[str, str]],
) -> None:
    path, parties, moves = korea
    back = {**_inverse(parties), **_inverse(moves)}
    original = _json("compare", "korea-2019", "--runs", "12", "--json")
    renamed = _as_named(_json("compare", str(path), "--runs", "12", "--json"), back)
    assert renamed == _as_named(original, {})
    assert len(original["cells"]) == 81


def test_renamed_korea_simulate_is_equal(korea: tuple[Path, dict[str, str], dict[str, str]]) -> None:
    path, parties, moves = korea
    back = {**_inverse(parties), **_inverse(moves)}
    for usa, dprk in (("step-by-step", "tit-for-tat(opportunistic=True)"), ("maximum-pressure", "grit")):
        args = ("--runs", "20", "--seed", "5", "--misperception", "0.2", "--json")
        original = _json(
            "simulate", "korea-2019", "--strategy", f"USA={usa}", "--strategy", f"DPRK={dprk}", *args
        )
        renamed = _json(
            "simulate",
            str(path),
            "--strategy",
            f"{parties['USA']}={usa}",
            "--strategy",
            f"{parties['DPRK']}={dprk}",
            *args,
        )
        assert _as_named(renamed, back) == _as_named(original, {})


def test_renamed_korea_plan_is_equal(korea: tuple[Path, dict[str, str], dict[str, str]]) -> None:
    """The Kalai-Smorodinsky package's roadmap (two stages), and the Nash package's proof of
    infeasibility with its minimal conflicting constraints (exit 1)."""
    path, parties, moves = korea
    back = {**_inverse(parties), **_inverse(moves)}
    for extra in (("--target", "ks"), ("--target", "ks", "--objective", "most-robust"), ()):
        original = _json("plan", "korea-2019", *extra, "--json", codes=(0, 1))
        renamed = _as_named(_json("plan", str(path), *extra, "--json", codes=(0, 1)), back)
        assert renamed == _as_named(original, {})
        assert original["stages"] or original["conflicts"]


def test_korea_verdicts_do_not_depend_on_the_order_of_the_parties() -> None:
    """DPRK listed first: it proposes first and the draws of ranged values come in another order, yet
    every cell's verdict (agreement in most runs or not) is the same as with the USA first."""
    base = load_builtin("korea-2019")
    swapped = relabel(base, {}, {}, party_order=["DPRK", "USA"])
    specs = ["maximum-pressure", "step-by-step", "tit-for-tat", "grit", "big-deal"]
    a = compare(base, specs, parties=("USA", "DPRK"), runs=40, seed=0)
    b = compare(swapped, specs, parties=("USA", "DPRK"), runs=40, seed=0)
    verdict = np.vectorize(lambda x: x >= 0.5)
    assert (verdict(a.matrix("agreement_rate")) == verdict(b.matrix("agreement_rate"))).all()
