"""The deal space against brute force: every subset of moves, checked one by one."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.analysis.deal_structure import COMPONENT_LIMIT
from detente.analysis.deals import analyse_deals
from detente.model.errors import AnalysisError
from detente.model.scenario import Scenario

SCALE = 1_000_000


# ----------------------------------------------------------------------------- oracle
def brute_packages(s: Scenario) -> dict[frozenset[str], tuple[int, ...]]:
    """Every feasible package and its exact utility vector, by listing all subsets."""
    rev = s.analysis.reverse_status_quo
    forced = {m.id for m in s.moves if m.in_force and not (rev and m.reversible)}
    out = {}
    ids = s.move_ids
    for r in range(len(ids) + 1):
        for combo in itertools.combinations(ids, r):
            pk = set(combo)
            if forced <= pk and s.is_feasible(pk):
                out[frozenset(pk)] = tuple(round(s.utility(p, pk) * SCALE) for p in s.party_ids)
    return out


def brute_frontier(vectors: set[tuple[int, ...]]) -> set[tuple[int, ...]]:
    return {
        v
        for v in vectors
        if not any(w != v and all(a >= b for a, b in zip(w, v, strict=True)) for w in vectors)
    }


def brute_disagreement(s: Scenario) -> tuple[int, ...]:
    return tuple(round(x * SCALE) for x in s.disagreement().values())


def objectives(G: np.ndarray, ideal: np.ndarray) -> dict[str, float]:
    return {
        "nash": float(np.prod(G)),
        "kalai_smorodinsky": float(np.min(G / ideal)),
        "egalitarian": float(np.min(G)),
        "utilitarian": float(np.sum(G)),
    }


def hull_oracle(points: np.ndarray, d: np.ndarray) -> dict[str, float] | None:
    """Best value of each objective over all two-package lotteries (enough for two parties)."""
    segs = []
    n = len(points)
    for i in range(n):
        for j in range(i, n):
            a, e = points[i] - d, points[j] - points[i]
            lo, hi = 0.0, 1.0
            for p in range(2):
                if e[p] == 0:
                    if a[p] < 0:
                        lo, hi = 1.0, 0.0
                elif e[p] > 0:
                    lo = max(lo, -a[p] / e[p])
                else:
                    hi = min(hi, -a[p] / e[p])
            if lo <= hi:
                segs.append((a, e, lo, hi))
    if not segs:
        return None
    ideal = np.max([a + t * e for a, e, lo, hi in segs for t in (lo, hi)], axis=0)
    if not np.all(ideal > 0):
        return None
    best = dict.fromkeys(("nash", "kalai_smorodinsky", "egalitarian", "utilitarian"), -math.inf)
    for a, e, lo, hi in segs:
        ts = list(np.linspace(lo, hi, 41))
        if e[0] * e[1] != 0:
            ts.append(-(e[0] * a[1] + e[1] * a[0]) / (2 * e[0] * e[1]))
        for w in (np.ones(2), 1 / ideal):
            den = w[0] * e[0] - w[1] * e[1]
            if den != 0:
                ts.append((w[1] * a[1] - w[0] * a[0]) / den)
        for t in ts:
            if lo <= t <= hi:
                for k, v in objectives(a + t * e, ideal).items():
                    best[k] = max(best[k], v)
    if best["egalitarian"] <= 0:
        return None
    return best


# ----------------------------------------------------------------------------- scenarios
@st.composite
def scenarios(draw: st.DrawFn, max_moves: int = 8) -> Scenario:
    k = draw(st.sampled_from([1, 2, 2, 2, 3]))
    n = draw(st.integers(0, max_moves))
    parties = [f"P{i}" for i in range(k)]
    val = st.integers(-8, 8).map(lambda x: x / 2)
    gain = st.integers(-6, 12).map(lambda x: x / 2)  # moves mostly worth something to someone
    moves = []
    for i in range(n):
        requires = sorted(draw(st.sets(st.integers(0, i - 1), max_size=2))) if i else []
        moves.append(
            {
                "id": f"m{i}",
                "by": draw(st.sampled_from(parties)),
                "title": f"move {i}",
                "value": {p: draw(gain) for p in parties if draw(st.integers(0, 4)) or k == 1},
                "requires": [f"m{r}" for r in requires],
                "reversible": draw(st.booleans()),
            }
        )
    pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
    excl = draw(st.sets(st.sampled_from(pairs), max_size=3)) if pairs else set()
    for a, b in excl:
        moves[a].setdefault("excludes", []).append(f"m{b}")
    # a consistent status quo: closed under prerequisites, no exclusions inside
    sq: set[int] = set()
    for i in draw(st.sets(st.integers(0, max(0, n - 1)), max_size=3)) if n else set():
        need = {i}
        stack = [i]
        while stack:
            j = stack.pop()
            for r in moves[j]["requires"]:
                ri = int(r[1:])
                if ri not in need:
                    need.add(ri)
                    stack.append(ri)
        if not any((a in sq | need) and (b in sq | need) for a, b in excl):
            sq |= need
    for i in sq:
        moves[i]["in_force"] = True
    inters = []
    if n >= 2:
        for _ in range(draw(st.integers(0, 2))):
            ms = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=3, unique=True))
            inters.append({"moves": [f"m{m}" for m in ms], "value": {p: draw(val) for p in parties}})
    party_list = [
        {
            "id": p,
            "discount": draw(st.sampled_from([0.5, 0.9, 0.99])),
            **({"reservation": draw(val)} if draw(st.integers(0, 3)) == 0 else {}),
        }
        for p in parties
    ]
    return Scenario.model_validate(
        {
            "detente": 1,
            "id": "random",
            "title": "random",
            "parties": party_list,
            "moves": moves,
            "interactions": inters,
            "analysis": {"reverse_status_quo": draw(st.booleans())},
        }
    )


def _vec(u: dict[str, float], parties: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(round(u[p] * SCALE) for p in parties)


def check_against_oracle(s: Scenario, method: str) -> None:
    ds = analyse_deals(s, method=method)  # type: ignore[arg-type]
    packs = brute_packages(s)
    parties = s.party_ids
    assert ds.packages_feasible == len(packs)
    if method == "enumerate":
        assert ds.packages_evaluated == len(packs)
    truth = brute_frontier(set(packs.values()))
    mine = [_vec(p.utility, parties) for p in ds.frontier]
    assert len(mine) == len(set(mine)), "each utility vector once"
    assert set(mine) == truth
    for p in ds.frontier:
        assert p.moves in packs, f"{sorted(p.moves)} is not a feasible package"
        assert packs[p.moves] == _vec(p.utility, parties)
        # the representative of a tie has the fewest moves
        assert len(p.moves) == min(len(m) for m, v in packs.items() if v == packs[p.moves])
    d = np.array(brute_disagreement(s), dtype=float) / SCALE
    assert _vec(ds.disagreement, parties) == brute_disagreement(s)
    strict = [v for v in packs.values() if all(a > b for a, b in zip(v, brute_disagreement(s), strict=True))]
    assert ds.has_agreement == bool(strict)
    assert len(ds.zopa) == len({v for v in strict if v in truth})
    ir = np.array(
        [v for v in packs.values() if all(a >= b for a, b in zip(v, brute_disagreement(s), strict=True))]
    )
    for name, sol in ds.solutions.items():
        assert sol.agreement == ds.has_agreement
        if not sol.agreement:
            assert sol.moves == s.status_quo
            continue
        G = ir / SCALE - d
        ideal = G.max(axis=0)
        best = max(objectives(g, ideal)[name] for g in G)
        got = objectives(np.array(_vec(sol.utility, parties)) / SCALE - d, ideal)[name]
        assert math.isclose(got, best, rel_tol=1e-9, abs_tol=1e-9), name
        assert _vec(sol.utility, parties) in truth
        assert all(sol.utility[p] >= ds.disagreement[p] for p in parties)
    if len(parties) == 2:
        pts = np.array(sorted(set(packs.values())), dtype=float) / SCALE
        want = hull_oracle(pts, d)
        assert ds.hull_agreement == (want is not None)
        for name, sol in ds.solutions.items():
            if want is None:
                assert sol.hull is None
                continue
            h = sol.hull
            assert h is not None
            assert math.isclose(sum(w for _, w in h.lottery), 1.0)
            mix = sum(w * np.array([pk.utility[p] for p in parties]) for pk, w in h.lottery)
            point = np.array([h.utility[p] for p in parties])
            assert np.allclose(mix, point, atol=1e-9)
            assert np.all(point >= d - 1e-9)
            assert len(h.lottery) <= 2
            ideal = np.max([[0, 0]] + [pt - d for pt in pts], axis=0)  # not used by KS below
            del ideal
            pts_ir = pts[(pts >= d).all(axis=1)]
            hull_ideal = _hull_ideal(pts, d)
            got = objectives(point - d, hull_ideal)[name]
            assert got >= want[name] - 1e-7 * max(1, abs(want[name])), name
            assert got <= want[name] + 1e-7 * max(1, abs(want[name])), name
            if sol.agreement and len(pts_ir):
                disc = objectives(np.array([sol.utility[p] for p in parties]) - d, hull_ideal)[name]
                assert got >= disc - 1e-9


def _hull_ideal(pts: np.ndarray, d: np.ndarray) -> np.ndarray:
    best = np.full(2, -math.inf)
    for a in pts - d:
        for b in pts - d:
            for t in np.linspace(0, 1, 201):
                g = a + t * (b - a)
                if (g >= -1e-12).all():
                    best = np.maximum(best, g)
            # exact crossing of an axis
            for p in range(2):
                if (a[p] < 0) != (b[p] < 0) and a[p] != b[p]:
                    t = -a[p] / (b[p] - a[p])
                    g = a + t * (b - a)
                    if (g >= -1e-9).all():
                        best = np.maximum(best, g)
    return best


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_enumeration_matches_brute_force(s: Scenario) -> None:
    check_against_oracle(s, "enumerate")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_merging_matches_brute_force(s: Scenario) -> None:
    check_against_oracle(s, "merge")


# ----------------------------------------------------------------------------- degenerate inputs
def _scenario(moves: list[dict], parties: list[dict] | None = None, **extra: object) -> Scenario:
    return Scenario.model_validate(
        {
            "detente": 1,
            "id": "t",
            "title": "T",
            "parties": parties or [{"id": "A", "discount": 0.9}, {"id": "B", "discount": 0.9}],
            "moves": moves,
            **extra,
        }
    )


def _move(mid: str, a: float, b: float, **kw: object) -> dict:
    return {"id": mid, "by": "A", "title": mid, "value": {"A": a, "B": b}, **kw}


def test_no_moves() -> None:
    ds = analyse_deals(_scenario([]))
    assert ds.packages_feasible == 1
    assert [p.moves for p in ds.frontier] == [frozenset()]
    assert not ds.has_agreement
    assert "No package beats the disagreement point" in ds.message
    assert all(not s.agreement and s.moves == frozenset() for s in ds.solutions.values())
    assert ds.rubinstein is None


def test_all_moves_in_force() -> None:
    s = _scenario([_move("a", 1, 1, in_force=True), _move("b", -1, 2, in_force=True, reversible=True)])
    ds = analyse_deals(s)
    assert ds.packages_feasible == 1
    assert ds.frontier[0].moves == {"a", "b"}
    assert not ds.has_agreement
    s2 = s.replace(analysis=s.analysis.model_copy(update={"reverse_status_quo": True}))
    ds2 = analyse_deals(s2)  # b may now be reversed: A gains 1, B loses 2
    assert ds2.packages_feasible == 2
    assert {p.moves for p in ds2.frontier} == {frozenset({"a"}), frozenset({"a", "b"})}


def test_one_party() -> None:
    s = _scenario(
        [
            {"id": "a", "by": "A", "title": "a", "value": {"A": 2}},
            {"id": "b", "by": "A", "title": "b", "value": {"A": -1}},
        ],
        parties=[{"id": "A"}],
    )
    ds = analyse_deals(s)
    assert [p.moves for p in ds.frontier] == [frozenset({"a"})]
    assert ds.has_agreement
    assert all(sol.moves == {"a"} and sol.hull is not None for sol in ds.solutions.values())
    assert "two parties" in ds.rubinstein_note


def test_ties_keep_the_smallest_package() -> None:
    s = _scenario([_move("a", 1, 1), _move("b", 1, 1), _move("z", 0, 0)])
    ds = analyse_deals(s)
    assert len(ds.frontier) == 1
    assert ds.frontier[0].utility == {"A": 2.0, "B": 2.0}
    assert ds.frontier[0].moves == {"a", "b"}  # z adds nothing, so it is left out
    assert ds.solutions["nash"].moves == {"a", "b"}
    # the same answer whichever method
    assert analyse_deals(s, method="merge").frontier == ds.frontier


def test_reservation_above_everything_means_no_agreement() -> None:
    s = _scenario([_move("a", 1, 1)], parties=[{"id": "A", "reservation": 5}, {"id": "B"}])
    ds = analyse_deals(s)
    assert not ds.has_agreement and not ds.hull_agreement
    assert ds.solutions["nash"].moves == frozenset() and ds.solutions["nash"].hull is None
    assert ds.as_dict()["has_agreement"] is False


def test_only_a_lottery_beats_disagreement() -> None:
    # (10, -1) and (0, 5): no package is strictly better for both, a 50/50 lottery is
    s = _scenario([_move("a", 10, -1, excludes=["b"]), _move("b", 0, 5)])
    ds = analyse_deals(s)
    assert not ds.has_agreement and ds.hull_agreement
    assert "only a lottery" in ds.message
    h = ds.solutions["nash"].hull
    assert h is not None and h.is_lottery


def test_impossible_and_excluded_moves() -> None:
    s = _scenario(
        [_move("a", 1, 1, in_force=True, excludes=["b"]), _move("b", 5, 5), _move("c", 2, 2, requires=["b"])]
    )
    ds = analyse_deals(s)
    assert ds.packages_feasible == 1  # b is excluded by a move in force; c needs b
    assert ds.frontier[0].moves == {"a"}


def test_json_shape() -> None:
    s = _scenario([_move("a", -1, 3), {"id": "b", "by": "B", "title": "b", "value": {"A": 2, "B": -1}}])
    out = analyse_deals(s).as_dict()
    for key in ("parties", "disagreement", "packages_evaluated", "frontier", "solutions"):
        assert key in out
    assert set(out["solutions"]) == {"nash", "kalai_smorodinsky", "egalitarian", "utilitarian"}
    assert out["solutions"]["nash"]["moves"] == ["a", "b"]
    assert out["frontier"][0]["moves"] == sorted(out["frontier"][0]["moves"])


def test_a_component_too_large_to_enumerate_is_solved_by_conditioning() -> None:
    n = 23  # 2**23 combinations in one component, linked by a chain of interactions
    moves = [_move(f"m{i:02d}", 1 + (i % 3), -1 + 0.25 * (i % 5)) for i in range(n)]
    inters = [
        {"moves": [f"m{i:02d}", f"m{i + 1:02d}"], "value": {"A": -0.5, "B": 0.75}} for i in range(n - 1)
    ]
    s = _scenario(moves, interactions=inters)
    with pytest.raises(AnalysisError, match="feasible combinations"):
        analyse_deals(s, method="enumerate")
    ds = analyse_deals(s)
    assert ds.method == "merge+branch" and ds.packages_feasible == 2**n
    assert 2**n > COMPONENT_LIMIT


def test_a_hub_with_many_dependants() -> None:
    moves = [_move("hub", -3, 2)] + [_move(f"d{i:02d}", 1, -0.5, requires=["hub"]) for i in range(70)]
    ds = analyse_deals(_scenario(moves))
    assert ds.method == "merge+branch"
    assert ds.packages_feasible == 2**70 + 1
    assert ds.frontier[0].moves == {"hub"} | {f"d{i:02d}" for i in range(70)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_conditioning_matches_brute_force(s: Scenario) -> None:
    import detente.analysis.deal_structure as ds_mod

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ds_mod, "COMPONENT_LIMIT", 3)  # force conditioning on almost every component
        check_against_oracle(s, "merge")


def test_too_many_sub_problems_is_a_clear_error() -> None:
    import detente.analysis.deal_frontier as fr_mod
    import detente.analysis.deal_structure as ds_mod

    moves = [_move(f"m{i}", 1, -1, excludes=[f"m{j}" for j in range(i + 1, 12)]) for i in range(12)]
    inters = [{"moves": [f"m{i}", f"m{i + 1}"], "value": {"A": 0.5}} for i in range(11)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ds_mod, "COMPONENT_LIMIT", 2)
        mp.setattr(fr_mod, "BRANCH_LIMIT", 3)
        with pytest.raises(AnalysisError, match="sub-problems"):
            analyse_deals(_scenario(moves, interactions=inters))


def test_unknown_first_proposer() -> None:
    with pytest.raises(AnalysisError, match="unknown party"):
        analyse_deals(_scenario([_move("a", 1, 1)]), first_proposer="C")


def test_large_independent_space_merges_exactly() -> None:
    rng = np.random.default_rng(3)
    moves = [_move(f"m{i:02d}", *rng.normal(size=2).round(3)) for i in range(16)]
    s = _scenario(moves)
    a = analyse_deals(s, method="enumerate")
    b = analyse_deals(s, method="merge")
    assert a.frontier == b.frontier
    assert {k: v.moves for k, v in a.solutions.items()} == {k: v.moves for k, v in b.solutions.items()}
    assert b.packages_evaluated < a.packages_evaluated


def test_many_parties_beyond_the_limit_is_a_clear_error() -> None:
    import detente.analysis.deal_frontier as fr_mod

    rng = np.random.default_rng(1)
    parties = [{"id": f"P{j}"} for j in range(4)]
    moves = [
        {
            "id": f"m{i:02d}",
            "by": "P0",
            "title": "m",
            "value": {f"P{j}": round(float(rng.normal()), 2) for j in range(4)},
        }
        for i in range(14)
    ]
    s = _scenario(moves, parties=parties)
    full = analyse_deals(s, method="merge")
    assert {p.moves for p in full.frontier} == {
        p.moves for p in analyse_deals(s, method="enumerate").frontier
    }
    assert full.rubinstein is None and "two parties" in full.rubinstein_note
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fr_mod, "MERGE_LIMIT", 200)
        with pytest.raises(AnalysisError, match="exact analysis is limited"):
            analyse_deals(s, method="merge")


def test_explicit_value_tables() -> None:
    from detente.analysis.deal_structure import ValueTable, value_table

    s = _scenario([_move("a", 2, -1), _move("b", -1, 2)])
    high = value_table(s)
    t = ValueTable(high.parties, high.moves * 2, high.interactions)
    assert analyse_deals(s).solutions["nash"].utility == {"A": 1.0, "B": 1.0}
    assert analyse_deals(s, values=t).solutions["nash"].utility == {"A": 2.0, "B": 2.0}
    with pytest.raises(AnalysisError, match="value table"):
        analyse_deals(s, values=ValueTable(high.parties, high.moves[:1], high.interactions))
