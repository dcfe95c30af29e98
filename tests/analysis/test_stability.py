"""GMCR stability: the fast engine against a plain reference, textbook games, legal sequences."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.analysis.stability import CONCEPTS, Engine, analyse, parse_concepts
from detente.analysis.stability_paths import status_quo_tree
from detente.model.conflict import Conflict, Option, load_conflict
from detente.model.errors import AnalysisError
from detente.scenarios import builtin_path


def _load_reference() -> type:
    name = "reference_gmcr"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("reference_gmcr.py"))
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name].Reference  # type: ignore[no-any-return]


Reference = _load_reference()


@st.composite
def conflicts(draw: st.DrawFn, max_dms: int = 3, max_total: int = 6) -> Conflict:
    k = draw(st.integers(2, max_dms))
    options: list[Option] = []
    for i in range(k):
        room = max_total - len(options) - (k - i - 1)
        for _ in range(draw(st.integers(1, min(3, room)))):
            direction = draw(st.sampled_from(["both", "both", "take", "drop"]))
            options.append(Option(f"o{len(options)}", f"D{i}", direction))
    n = 1 << len(options)
    feasible = np.array(draw(st.lists(st.sampled_from([True, True, True, False]), min_size=n, max_size=n)))
    feasible[draw(st.integers(0, n - 1))] = True
    payoff = np.array(
        draw(st.lists(st.lists(st.integers(0, 4), min_size=n, max_size=n), min_size=k, max_size=k)),
        dtype=float,
    )
    dms = tuple(f"D{i}" for i in range(k))
    return Conflict("random", "random", dms, tuple(options), feasible, payoff, None)


def _compare(c: Conflict, concepts: tuple[str, ...]) -> None:
    ref = Reference(c)
    result = analyse(c, concepts)
    for concept in concepts:
        expected = ref.table(concept)
        for (i, s), want in expected.items():
            got = bool(result.stable[concept][i, s])
            assert got == want, f"{concept} for {c.dms[i]} at {c.pattern(s)}: fast {got}, reference {want}"
        infeasible = ~c.feasible
        assert not result.stable[concept][:, infeasible].any()
    doc = result.to_json()
    assert doc["states"] == [result.state_record(int(s)) for s in c.feasible_states()]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conflicts())
def test_matches_reference_on_random_conflicts(c: Conflict) -> None:
    _compare(c, CONCEPTS)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conflicts(max_dms=4, max_total=7))
def test_matches_reference_with_four_decision_makers(c: Conflict) -> None:
    _compare(c, ("nash", "gmr", "smr", "seq"))


@settings(max_examples=40, deadline=None)
@given(conflicts(), st.data())
def test_move_operators_match_enumeration(c: Conflict, data: st.DataObject) -> None:
    ref = Reference(c)
    engine = Engine(c)
    W = np.array(
        data.draw(st.lists(st.integers(-3, 3), min_size=c.n_states, max_size=c.n_states)), dtype=float
    )
    for j in range(len(c.dms)):
        mins = engine.move_min(j, W)
        imps = engine.improve_min(j, W)
        for s in ref.feasible:
            assert mins[s] == min((W[t] for t in ref.moves(j, s)), default=np.inf)
            assert imps[s] == min((W[t] for t in ref.improvements(j, s)), default=np.inf)


@settings(max_examples=30, deadline=None)
@given(conflicts(), st.data())
def test_improvement_moves_recomputed_on_use_match_the_kept_index(c: Conflict, data: st.DataObject) -> None:
    from detente.analysis import stability

    W = np.array(
        data.draw(st.lists(st.integers(-3, 3), min_size=c.n_states, max_size=c.n_states)), dtype=float
    )
    kept = Engine(c)
    limit = stability._SPARSE_LIMIT
    stability._SPARSE_LIMIT = -1  # nothing may be kept: every call recomputes
    try:
        lazy = Engine(c)
        for j in range(len(c.dms)):
            assert np.array_equal(lazy.improve_min(j, W), kept.improve_min(j, W))
            assert lazy._improve_index(j).lazy is not None
    finally:
        stability._SPARSE_LIMIT = limit


# ---------------------------------------------------------------- textbook games
def test_prisoners_dilemma_builtin() -> None:
    c = load_conflict(builtin_path("prisoners-dilemma"))
    r = analyse(c, CONCEPTS)
    assert r.equilibria("nash") == ["YY"]
    for concept in ("gmr", "smr", "seq"):
        assert r.equilibria(concept) == ["NN", "YY"]
    assert r.equilibria("coalition") == []  # YY is Nash, but both gain by moving together to NN
    assert r.equilibria("sim") == ["NN", "YY"]


def test_chicken_builtin() -> None:
    c = load_conflict(builtin_path("chicken"))
    r = analyse(c, CONCEPTS)
    assert r.equilibria("nash") == ["YN", "NY"]
    assert r.equilibria("seq") == ["YN", "NY"]
    assert r.equilibria("gmr") == ["NN", "YN", "NY"]
    assert r.equilibria("smr") == ["NN", "YN", "NY"]
    _compare(c, CONCEPTS)


def test_json_follows_formats() -> None:
    r = analyse(Conflict.example())
    doc = r.to_json()
    assert doc["options"] == ["a-defects", "b-defects"]
    assert doc["equilibria"] == {
        "nash": ["YY"],
        "gmr": ["NN", "YY"],
        "smr": ["NN", "YY"],
        "seq": ["NN", "YY"],
    }
    nn = doc["states"][0]
    assert nn["pattern"] == "NN"
    assert nn["stable"]["A"] == {"nash": False, "gmr": True, "smr": True, "seq": True}
    assert nn["equilibrium"] == {"nash": False, "gmr": True, "smr": True, "seq": True}
    assert [s["pattern"] for s in r.to_json(states="equilibria")["states"]] == ["NN", "YY"]


# ---------------------------------------------------------------- legal sequences
def _twice_conflict() -> Conflict:
    """Focal i (option z); j (x1, x2) and k (y). i's move z: N -> Y is sanctioned only
    by the sequence j, k, j, since (x=NN, y=Y) and (x=YY, y=N) are infeasible."""
    opts = (Option("z", "i"), Option("x1", "j"), Option("x2", "j"), Option("y", "k"))
    states = np.arange(16)
    z, x1, x2, y = ((states >> b) & 1 for b in range(4))
    feasible = ~(((x1 == 0) & (x2 == 0) & (y == 1)) | ((x1 == 1) & (x2 == 1) & (y == 0)))
    p_i = np.where(z == 0, 1.0, np.where((x1 & x2 & y) == 1, 0.0, 2.0))
    payoff = np.stack([p_i, (x1 + x2).astype(float), y.astype(float)])
    return Conflict("twice", "twice", ("i", "j", "k"), opts, feasible, payoff, 0)


def test_no_one_moves_twice_in_a_row_is_not_each_moves_once() -> None:
    c = _twice_conflict()
    ref = Reference(c)
    s = c.state_of("NNNN")
    for concept in ("gmr", "smr", "seq"):
        assert getattr(ref, concept)(0, s, "legal") is True
        assert getattr(ref, concept)(0, s, "once") is False
    r = analyse(c)
    for concept in ("gmr", "smr", "seq"):
        assert r.is_stable(concept, "i", s)
    assert not r.is_stable("nash", "i", s)
    _compare(c, ("nash", "gmr", "smr", "seq"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conflicts(max_dms=3, max_total=6))
def test_legal_sequences_reach_at_least_one_move_each(c: Conflict) -> None:
    # every "each moves once" sanction is a legal sequence, so legal GMR is never weaker
    ref = Reference(c)
    for i in ref.dms:
        for s in ref.feasible:
            if ref.gmr(i, s, "once"):
                assert ref.gmr(i, s, "legal")


# ---------------------------------------------------------------- status quo paths
@settings(max_examples=40, deadline=None)
@given(conflicts())
def test_status_quo_paths_are_shortest_improvement_paths(c: Conflict) -> None:
    ref = Reference(c)
    start = ref.feasible[0]
    dist = {start: 0}
    frontier = [start]
    while frontier:
        nxt = []
        for x in frontier:
            for j in ref.dms:
                for t in ref.improvements(j, x):
                    if t not in dist:
                        dist[t] = dist[x] + 1
                        nxt.append(t)
        frontier = nxt
    targets = {s: ["x"] for s in ref.feasible}
    tree = status_quo_tree(c, start, targets)
    assert tree.reached_count == len(tree.paths) == len(dist)
    nearest = status_quo_tree(c, start, targets, max_paths=2)
    assert nearest.reached_count == len(dist) and len(nearest.paths) == min(2, len(dist))
    farther = [len(q) - 1 for t, q in tree.paths.items() if t not in nearest.paths]
    assert all(len(p) - 1 <= min(farther, default=len(p)) for p in nearest.paths.values())
    assert sorted(tree.unreached) == sorted(s for s in ref.feasible if s not in dist)
    assert tree.reachable_states == len(dist)
    for t, path in tree.paths.items():
        assert len(path) - 1 == dist[t]
        assert path[0].state == start and path[-1].state == t
        for a, b in itertools.pairwise(path):
            j = c.dms.index(b.by)
            assert b.state in ref.improvements(j, a.state)


def test_status_quo_tree_of_prisoners_dilemma() -> None:
    c = Conflict.example()
    r = analyse(c)
    targets = {s: [k for k in r.concepts if r.equilibrium(k)[s]] for s in (0, 3)}
    tree = status_quo_tree(c, 0, targets).to_json()
    assert tree["from"] == "NN"
    reached = {e["equilibrium"]: e["moves"] for e in tree["reached"]}
    assert reached == {"NN": 0, "YY": 2}
    assert tree["tree"]["equilibrium"] == ["gmr", "smr", "seq"]


def test_concepts_parse() -> None:
    assert parse_concepts("all") == CONCEPTS
    assert parse_concepts(None) == ("nash", "gmr", "smr", "seq")
    with pytest.raises(AnalysisError, match="unknown concept"):
        parse_concepts("nash,gmrr")


def test_sim_refuses_large_conflicts() -> None:
    n = 13
    opts = tuple(Option(f"o{k}", "A" if k % 2 else "B") for k in range(n))
    c = Conflict("big", "big", ("A", "B"), opts, np.ones(1 << n, dtype=bool), np.zeros((2, 1 << n)))
    with pytest.raises(AnalysisError, match="13"):
        analyse(c, ["sim"])


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 10_000))
def test_inclusions_between_concepts_at_scale(seed: int) -> None:
    # Nash implies SEQ and SMR, each of which implies GMR (Fang, Hipel & Kilgour 1993), here
    # on 1,024 states, beyond what the reference can check quickly
    rng = np.random.default_rng(seed)
    opts = tuple(
        Option(f"o{k}", f"D{k % 3}", rng.choice(["both", "both", "take", "drop"])) for k in range(10)
    )
    feasible = rng.random(1024) > 0.15
    payoff = rng.integers(0, 20, size=(3, 1024)).astype(float)
    r = analyse(Conflict("big", "big", ("D0", "D1", "D2"), opts, feasible, payoff))
    nash, gmr, smr, seq = (r.stable[k] for k in ("nash", "gmr", "smr", "seq"))
    assert not (nash & ~seq).any() and not (nash & ~smr).any()
    assert not (seq & ~gmr).any() and not (smr & ~gmr).any()
