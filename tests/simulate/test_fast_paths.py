"""The simulator's fast paths agree with the straightforward computations they replace."""

from __future__ import annotations

import dataclasses
import itertools
import pickle

import numpy as np
import pytest

from detente.model.scenario import Scenario
from detente.scenarios import builtin_names, load_builtin
from detente.simulate.engine import SimulationSettings, _Run, play
from detente.simulate.observation import Observation, Perception, Proposal, Sequencing
from detente.simulate.sampling import sampled
from detente.simulate.settings import default_target, perceptions
from detente.simulate.strategies import REGISTRY, demands, make_strategy, offers
from detente.simulate.strategies._exchange_search import fast_small_exchange
from detente.simulate.strategies.base import Strategy, pure_key
from detente.simulate.strategies.pressure import MaximumPressure
from detente.simulate.strategies.reciprocity import Grit
from detente.simulate.tables import Tables

_small_exchange_reference = offers.small_exchange_plain


@pytest.mark.parametrize("name", builtin_names("scenario"))
def test_fast_sampling_equals_scenario_sampled(name: str) -> None:
    sc = load_builtin(name)
    for seed in range(5):
        r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
        a, b = sc.sampled(r1), sampled(sc, r2)
        assert a == b
        assert a.model_dump() == b.model_dump()
        assert r1.random() == r2.random()  # the generator advanced by the same number of draws
        # built without validation (sampling._point, _with_value): still whole pydantic models
        assert pickle.loads(pickle.dumps(b)) == a
        for ma, mb in zip(a.moves, b.moves, strict=True):
            assert mb.model_fields_set == ma.model_fields_set
            assert {p: hash(v) for p, v in mb.value.items()} == {p: hash(v) for p, v in ma.value.items()}


def _random_sets(sc: Scenario, n: int, seed: int) -> list[frozenset[str]]:
    rng = np.random.default_rng(seed)
    ids = sc.move_ids
    return [frozenset(m for m in ids if rng.random() < p) for p in rng.uniform(0, 1, n)]


@pytest.mark.parametrize("name", ["korea-2019", "iran-jcpoa-2015", "six-party-2007"])
def test_view_lookups_equal_the_scenario_methods(name: str) -> None:
    sc = load_builtin(name)
    view = Perception.exact(sc.party_ids[0], sc)
    assert any(view.structure.rules)  # the scenario has prerequisites or exclusions to check
    for moves in _random_sets(sc, 400, 1):
        assert view.feasible(moves) == sc.is_feasible(moves)
        assert view.structure.closure(moves) == sc.closure(moves)
    tables = Tables(sc)
    sample = sc.sampled(np.random.default_rng(0))
    assert tables.resampled(sample).structure is tables.structure  # shared by the replicates
    for m in sc.moves:
        assert view.makers[m.id] == m.by
        assert view.reversible[m.id] == m.reversible
        assert view.closures[m.id] == sc.closure([m.id])


def _package_at_reference(obs: Observation, level: float, sequence: Sequencing) -> Proposal | None:
    """package_at as first written, nothing remembered."""
    me = obs.me
    asks = demands._within_exposure(obs, demands._best_demand(obs))
    if not asks or obs.gain(me, asks) < level - offers.EPS:
        return None
    pkg = set(asks)

    def others_value(m: str) -> float:
        return sum(max(0.0, obs.value(o, m)) for o in obs.others)

    candidates = [m for m in obs.available(me) if others_value(m) > offers.EPS]
    candidates.sort(key=lambda m: (-others_value(m) / max(offers.EPS, -obs.value(me, m)), m))
    for m in candidates:
        cand = frozenset(pkg | (obs.scenario.closure({m}) - obs.settled))
        if not obs.scenario.is_feasible(obs.settled | cand) or obs.gain(me, cand) < level - offers.EPS:
            continue
        gives = frozenset(x for x in cand if obs.scenario.move(x).by == me)
        prop = Proposal(gives, cand - gives, sequence, by=me)
        if offers.exposure_ok(obs, me, offers.assess(obs, prop, me)):
            pkg = set(cand)
    for m in sorted(asks, key=lambda m: (obs.value(me, m), m)):
        if any(m in obs.scenario.move(x).requires for x in pkg - {m}):
            continue
        rest = frozenset(pkg - {m})
        if any(obs.scenario.move(x).by != me for x in rest) and obs.gain(me, rest) >= level - offers.EPS:
            pkg = set(rest)
    gives = frozenset(x for x in pkg if obs.scenario.move(x).by == me)
    return Proposal(gives, frozenset(pkg) - gives, sequence)


def _observation(sc: Scenario, me: str, settled: frozenset[str], view: Perception) -> Observation:
    return Observation(
        0,
        sc.time.horizon,
        me,
        tuple(p for p in sc.party_ids if p != me),
        settled,
        {},
        {},
        frozenset(),
        default_target(sc),
        dict.fromkeys(sc.party_ids, 0.5),
        "open",
        True,
        (),
        view,
    )


@pytest.mark.parametrize("name", ["korea-2019", "six-party-2007", "iran-jcpoa-2015", "hanoi-2019"])
def test_remembered_offer_searches_equal_fresh_ones(name: str) -> None:
    sc = load_builtin(name).sampled(np.random.default_rng(3))
    views = perceptions(Tables(sc), 0.0, np.random.default_rng(0))
    states = [*[s for s in _random_sets(sc, 60, 2) if sc.is_feasible(s)][:12], frozenset()]
    found = packages = 0
    for _ in range(2):  # the second pass answers from the memo
        for settled in states:
            for me in sc.party_ids[:2]:
                obs = _observation(sc, me, settled, views[me])
                closure = sc.closure(settled | {sc.move_ids[0]}) - settled
                assert obs.complete({sc.move_ids[0]}) == closure
                for tol, rev, size in ((0.2, False, 2), (0.3, True, 1), (0.0, False, 2), (0.5, False, 1)):
                    expected = _small_exchange_reference(obs, tol, reversible_only=rev, max_size=size)
                    found += expected is not None
                    assert fast_small_exchange(obs, tol, rev, size) == expected
                    assert offers.small_exchange(obs, tol, reversible_only=rev, max_size=size) == expected
                assert demands.best_demand(obs) == demands._best_demand(obs)
                asks = demands.best_demand(obs)
                assert demands.within_exposure(obs, asks) == demands._within_exposure(obs, asks)
                gives = frozenset(m for m in sc.move_ids[:6] if sc.move(m).by == me)
                for prop_asks in (asks, frozenset(), frozenset(sorted(asks)[:1])):
                    for seq in ("together", "asks-first", "gives-first"):
                        prop = Proposal(gives, prop_asks, seq, by=me)  # type: ignore[arg-type]
                        for party in sc.party_ids[:2]:
                            assert offers.assess(obs, prop, party) == offers._assess(obs, prop, party)
                # levels at, near and between the gains the search compares (answers are remembered
                # as intervals of level: a level must never get another level's answer)
                levels = [0.0, 0.5, 2.0, 5.0, *np.random.default_rng(len(settled)).uniform(-1, 8, 12)]
                gains = [obs.gain(me, frozenset(sorted(asks)[:k])) for k in range(len(asks) + 1)]
                levels += [g + d for g in gains for d in (0.0, offers.EPS, 2 * offers.EPS, -1e-12)]
                for level in levels:
                    for sequence in ("together", "asks-first"):
                        expected = _package_at_reference(obs, float(level), sequence)
                        packages += expected is not None
                        assert demands.package_at(obs, float(level), sequence) == expected, level
    assert views[sc.party_ids[0]]._searches  # the searches were remembered
    assert found > 10 and packages > 10  # exchanges and packages were found, not only None


def test_runs_sharing_tables_equal_runs_on_fresh_ones() -> None:
    """Runs on one Tables object share exact views and remembered answers: no run leaks into another."""
    sc = load_builtin("korea-2019")
    tables = Tables(sc)
    names = sorted(REGISTRY)
    for k, (a, b) in enumerate(zip(names, names[1:] + names[:1], strict=True)):
        strategies = {"USA": make_strategy(a), "DPRK": make_strategy(b)}
        shared = [play(sc, strategies, seed=k + i, tables=tables) for i in range(2)]
        fresh = [play(sc, strategies, seed=k + i) for i in range(2)]
        assert shared == fresh


def test_tables_of_another_scenario_are_refused() -> None:
    sc = load_builtin("korea-2019")
    with pytest.raises(ValueError, match="another scenario"):
        play(sc.replace(), {p: make_strategy("grit") for p in sc.party_ids}, seed=0, tables=Tables(sc))
    with pytest.raises(ValueError, match="structure"):
        Tables(sc).resampled(load_builtin("hanoi-2019"))


class _Demand(MaximumPressure):
    """A pure demander: the other side's concessions first, every own concession to follow.

    (The built-in maximum pressure weighs holding out, which changes with time and trust, so it
    is not pure; this one's proposal follows from what is settled and the agenda alone.)
    """

    pure = True

    def propose(self, obs: Observation) -> Proposal | None:
        asks = demands.best_demand(obs)
        if not asks:
            return None
        offers = [m for m in obs.available(obs.me) if any(obs.value(o, m) > 1e-9 for o in obs.others)]
        prop = self.offer(obs, frozenset(offers) if self.reward else frozenset(), asks)
        return (
            Proposal(prop.gives, prop.asks, prop.sequence)
            if prop
            else Proposal(asks=asks, sequence="asks-first")
        )


class _Unremembered(_Demand):
    """The same with propose() overridden: no longer pure, so never remembered."""

    def propose(self, obs: Observation) -> Proposal | None:
        return super().propose(obs)


def test_pure_strategies_remembered_proposals_change_no_run() -> None:
    """The engine remembers a pure strategy's proposals per state: the same runs as asking every time."""
    assert pure_key(_Demand()) is not None and pure_key(_Unremembered()) is None
    assert pure_key(MaximumPressure()) is None  # weighs holding out: not pure
    for name in ("korea-2019", "hanoi-2019", "libya-2003"):
        sc = load_builtin(name)
        tables = Tables(sc)
        for reward in (True, False):
            for other in ("tit-for-tat", "conceder", "maximum-pressure"):
                for seed in range(2):
                    mine, plain = _Demand(reward=reward), _Unremembered(reward=reward)
                    first, rest = sc.party_ids[0], sc.party_ids[1:]
                    a = {first: mine, **{p: make_strategy(other) for p in rest}}
                    b = {first: plain, **{p: make_strategy(other) for p in rest}}
                    assert play(sc, a, seed=seed, tables=tables) == play(sc, b, seed=seed), (
                        name,
                        reward,
                        other,
                    )


def test_remembered_utilities_equal_scenario_utility() -> None:
    sc = load_builtin("korea-2019").sampled(np.random.default_rng(5))
    strategies = {"USA": make_strategy("tit-for-tat"), "DPRK": make_strategy("grit")}
    tables = Tables(sc)
    play(sc, strategies, seed=0, tables=tables)
    sets = _random_sets(sc, 200, 4)
    for _ in range(2):  # the second pass answers from the memo
        for moves in sets:
            assert tables.utility(moves) == {p: sc.utility(p, moves) for p in sc.party_ids}


def _default_target_reference(scenario: Scenario) -> frozenset[str]:
    """default_target as first written, with the scenario's own closure and is_feasible."""
    sq = scenario.status_quo
    chosen: frozenset[str] = frozenset()
    for m in scenario.moves:
        if m.in_force or not any(v.likely > 0 for p, v in m.value.items() if p != m.by):
            continue
        candidate = scenario.closure(chosen | {m.id})
        if scenario.is_feasible(candidate | sq):
            chosen = candidate - sq
    return chosen


@pytest.mark.parametrize("name", builtin_names("scenario"))
def test_default_target_equals_the_reference(name: str) -> None:
    sc = load_builtin(name)
    for s in (sc, sc.sampled(np.random.default_rng(1)), sc.sampled(np.random.default_rng(2))):
        assert default_target(s) == _default_target_reference(s)


def test_remembered_searches_tell_observations_with_other_parties_apart() -> None:
    sc = Scenario.model_validate(
        {
            "detente": 1,
            "id": "t",
            "title": "T",
            "parties": [{"id": "A"}, {"id": "B"}, {"id": "C"}],
            "moves": [
                {"id": "a1", "by": "A", "title": "a1", "value": {"A": -1, "B": 2, "C": 2}},
                {"id": "b1", "by": "B", "title": "b1", "value": {"A": 1.5, "B": -1}},
                {"id": "c1", "by": "C", "title": "c1", "value": {"A": 3, "C": -1}},
            ],
        }
    )
    view = Perception.exact("A", sc)
    answers = set()
    for others in (("B",), ("C",), ("B", "C")):
        obs = _observation(sc, "A", frozenset(), view)
        obs = Observation(**{**obs.__dict__, "others": others, "view": view})
        expected = _small_exchange_reference(obs, 0.2)
        assert offers.small_exchange(obs, 0.2) == expected
        assert demands.best_demand(obs) == demands._best_demand(obs)
        answers.add(expected)
    assert len(answers) == 2  # B alone and C alone get different answers (B and C together: B's)


def test_engine_observations_equal_dataclass_built_ones() -> None:
    """observe() fills Observation's fields directly: every field, and an equal object."""
    sc = load_builtin("korea-2019")
    run = _Run(
        Tables(sc),
        {"USA": make_strategy("tit-for-tat"), "DPRK": make_strategy("grit")},
        0,
        SimulationSettings(),
        None,
    )
    run.board.in_force |= {sc.move_ids[3]}
    run.board.schedule(sc.move_ids[4], 2)
    fields = {f.name for f in dataclasses.fields(Observation)}
    for me in sc.party_ids:
        obs = run.observe(me, proposer=True)
        # every field, plus the cached property ``settled``, filled in with its own value
        assert set(obs.__dict__) == fields | {"settled", "_state_cell"}  # and the valuation key cell
        built = Observation(**{k: v for k, v in obs.__dict__.items() if k in fields})
        assert obs == built
        assert obs.settled == built.settled == obs.in_force | {sc.move_ids[4]}


def test_remembered_grit_initiatives_equal_fresh_ones() -> None:
    sc = load_builtin("korea-2019").sampled(np.random.default_rng(8))
    views = perceptions(Tables(sc), 0.0, np.random.default_rng(0))
    states = [*[s for s in _random_sets(sc, 60, 5) if sc.is_feasible(s)][:12], frozenset()]
    found = 0
    for step in (0.5, 2.0, 0.5):
        grit = Grit(step=step)
        for settled in states:
            for me in sc.party_ids:
                obs = _observation(sc, me, settled, views[me])
                fresh = demands._initiative(obs, step)
                assert grit.initiative(obs) == fresh
                found += fresh is not None
    assert found > 5


def _always_asked(strategy: Strategy) -> Strategy:
    """The same strategy, but asked to renege every period (its renege_triggers are ignored)."""

    class Always(type(strategy)):  # type: ignore[misc]
        def renege_triggers(self) -> frozenset[str] | None:
            return None

    copy = object.__new__(Always)
    copy.__dict__.update(strategy.__dict__)
    return copy


@pytest.mark.parametrize("name", ["korea-2019", "agreed-framework-1994", "iran-jcpoa-2015", "hanoi-2019"])
def test_skipping_renege_calls_changes_nothing(name: str) -> None:
    """Strategies that declare renege_triggers are asked only after such an entry: same runs, same traces."""
    sc = load_builtin(name)
    specs = [*REGISTRY, "tit-for-tat(opportunistic=True)", "grit(opportunistic=True)"]
    settings = SimulationSettings(cooling_off=1)
    reversed_moves = breaches = 0
    for k, (a, b) in enumerate(itertools.product(specs, specs)):
        if k % 3 and name != "korea-2019":
            continue  # every pair on korea-2019, a third of them elsewhere
        parties = {p: make_strategy((a, b)[i % 2]) for i, p in enumerate(sc.party_ids)}
        always = {p: _always_asked(s) for p, s in parties.items()}
        for seed in range(2):
            skipped = play(sc, parties, seed=seed, settings=settings)
            asked = play(sc, always, seed=seed, settings=settings)
            assert skipped == asked, (a, b, seed)
            reversed_moves += skipped.reversed
            breaches += skipped.breaches_detected + skipped.breaches_missed
    assert reversed_moves > 0 and breaches > 0  # the answers to reversals were exercised
