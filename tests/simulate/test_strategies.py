"""Strategies: one registry, construction by name/path/entry point, and pinned "versus" behaviour."""

from __future__ import annotations

import importlib
import inspect
import itertools
import math
import pkgutil
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import detente.simulate.strategies as strategies_pkg
from detente.model.errors import ScenarioError
from detente.model.scenario import Scenario
from detente.scenarios import builtin_names, load_builtin
from detente.simulate import (
    REGISTRY,
    Observation,
    Proposal,
    RunResult,
    SimulationSettings,
    Strategy,
    StrategyError,
    make_strategy,
    play,
)
from detente.simulate.strategies.time_based import alpha

NINE = {
    "maximum-pressure",
    "big-deal",
    "step-by-step",
    "tit-for-tat",
    "grit",
    "freeze-for-freeze",
    "boulware",
    "conceder",
    "hardliner",
}


def mini_korea(**changes: Any) -> Scenario:
    """A small US-DPRK case: three DPRK steps against three US steps of matching size."""
    moves = [
        {
            "id": "d-test-pledge",
            "by": "DPRK",
            "title": "test pledge",
            "value": {"USA": 1, "DPRK": -0.5},
            "reversible": True,
        },
        {
            "id": "d-freeze",
            "by": "DPRK",
            "title": "freeze",
            "value": {"USA": 2, "DPRK": -1.5},
            "reversible": True,
            "reversal_lag": 1,
            "verification": 1.0,
        },
        {
            "id": "d-dismantle",
            "by": "DPRK",
            "title": "dismantle",
            "value": {"USA": 3, "DPRK": -3},
            "duration": 2,
            "requires": ["d-freeze"],
        },
        {
            "id": "u-exercises",
            "by": "USA",
            "title": "exercises off",
            "value": {"DPRK": 0.8, "USA": -0.4},
            "reversible": True,
        },
        {
            "id": "u-relief",
            "by": "USA",
            "title": "sanctions relief",
            "value": {"DPRK": 2, "USA": -1.5},
            "reversible": True,
            "reversal_lag": 2,
        },
        {"id": "u-treaty", "by": "USA", "title": "peace treaty", "value": {"DPRK": 3, "USA": -2}},
    ]
    data: dict[str, Any] = {
        "detente": 1,
        "id": "mini-korea",
        "title": "Mini Korea",
        "time": {"horizon": 24},
        "parties": [
            {"id": "USA", "discount": 0.97, "exposure_limit": 2},
            {"id": "DPRK", "discount": 0.97, "exposure_limit": 2},
        ],
        "moves": moves,
    }
    data.update(changes)
    return Scenario.model_validate(data)


ROADMAP = [["d-test-pledge", "u-exercises"], ["d-freeze", "u-relief"], ["d-dismantle", "u-treaty"]]


def versus(
    usa: Strategy | str, dprk: Strategy | str, seed: int = 1, sc: Scenario | None = None, **settings: Any
) -> RunResult:
    s = {"USA": usa, "DPRK": dprk}
    strats = {k: make_strategy(v) if isinstance(v, str) else v for k, v in s.items()}
    return play(sc or mini_korea(), strats, seed=seed, settings=SimulationSettings(**settings))


def proposals(r: RunResult, party: str) -> list[Any]:
    return [e for e in r.trace if e.kind == "proposal" and e.party == party]


# ----- the registry ---------------------------------------------------------------------
def test_registry_holds_the_nine_names() -> None:
    assert set(REGISTRY) == NINE


def test_every_strategy_class_is_registered() -> None:
    """Fails when a module of the strategies package defines a named strategy missing from REGISTRY."""
    found = {}
    for info in pkgutil.iter_modules(strategies_pkg.__path__):
        module = importlib.import_module(f"{strategies_pkg.__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Strategy) and cls.__dict__.get("name"):
                found[cls.__dict__["name"]] = cls
    assert found == REGISTRY


@pytest.mark.parametrize("name", sorted(NINE))
def test_registered_class_traits_and_parameters(name: str) -> None:
    cls = REGISTRY[name]
    assert cls.name == name and cls.description and cls.reference
    doc = inspect.getdoc(cls) or ""
    assert "References" in doc
    s = make_strategy(name)
    clone = s.clone()
    assert type(clone) is cls and clone.get_params() == s.get_params() and clone is not s
    assert name in repr(s) or cls.__name__ in repr(s)


# ----- building strategies -----------------------------------------------------------
def test_make_strategy_by_dotted_path_both_forms() -> None:
    a = make_strategy("detente.simulate.strategies.reciprocity:TitForTat", tolerance=0.1)
    b = make_strategy("detente.simulate.strategies.reciprocity.TitForTat", tolerance=0.1)
    assert type(a) is type(b) is REGISTRY["tit-for-tat"] and a.get_params() == b.get_params()


def test_make_strategy_unknown_name_says_did_you_mean() -> None:
    with pytest.raises(ScenarioError, match="did you mean 'boulware'"):
        make_strategy("bulware")


@pytest.mark.parametrize(
    ("spec", "params", "text"),
    [
        ("grit", {"patiense": 2}, "did you mean 'patience'"),
        ("boulware", {"beta": 0}, "beta"),
        ("tit-for-tat", {"tolerance": 1.5}, "tolerance"),
        ("no.such.module:Thing", {}, "cannot import"),
        ("detente.simulate.strategies.reciprocity:Nope", {}, "no attribute"),
        ("detente.simulate.engine:SimulationSettings", {}, "not a subclass"),
    ],
)
def test_make_strategy_errors(spec: str, params: dict[str, Any], text: str) -> None:
    with pytest.raises(StrategyError, match=text):
        make_strategy(spec, **params)


USER_MODULE = '''
from detente.simulate import Strategy, Proposal


class AlwaysYes(Strategy):
    """Accepts everything and asks for nothing."""

    name = "always-yes"
    description = "Says yes."

    def __init__(self, eager: bool = True) -> None:
        self.eager = eager

    def respond(self, obs, proposal):
        return self.eager
'''


def test_user_strategy_by_path_and_by_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_detente_plugin.py").write_text(textwrap.dedent(USER_MODULE))
    dist = tmp_path / "my_detente_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: my-detente-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[detente.strategies]\nalways-yes = my_detente_plugin:AlwaysYes\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    by_path = make_strategy("my_detente_plugin:AlwaysYes", eager=False)
    by_entry = make_strategy("always-yes")
    assert type(by_path).__name__ == type(by_entry).__name__ == "AlwaysYes"
    assert by_path.get_params() == {"eager": False}
    # it plays: big-deal's whole package is accepted at once
    r = versus("big-deal", by_entry)
    assert r.first_step == 0 and r.target_share == 1.0


# ----- versus: the op-ed's claim on a small case ---------------------------------------
def test_maximum_pressure_against_tit_for_tat_stalls() -> None:
    r = versus("maximum-pressure", "tit-for-tat")
    assert not r.agreement and r.target_share == 0.0 and r.breakdowns >= 2
    demand = proposals(r, "USA")[0]
    assert demand.asks == {"d-test-pledge", "d-freeze", "d-dismantle"} and "asks-first" in demand.note
    assert all(e.kind == "reject" for e in r.trace if e.party == "DPRK" and e.kind in ("accept", "reject"))


def test_step_by_step_against_tit_for_tat_reaches_the_target() -> None:
    r = versus(make_strategy("step-by-step", roadmap=ROADMAP), "tit-for-tat")
    assert r.agreement and r.first_step == 0 and r.target_share == 1.0
    stages = [frozenset(s) for s in ROADMAP]
    usa = [stages.index(e.moves) for e in proposals(r, "USA")]  # only roadmap stages, in order
    assert usa == sorted(usa) and usa[0] == 0
    assert r.utilities["USA"] > versus("maximum-pressure", "tit-for-tat").utilities["USA"]


def test_step_by_step_with_the_planner_or_its_fallback_reaches_a_share() -> None:
    r = versus("step-by-step", "tit-for-tat")
    assert r.agreement and r.target_share > 0.5


def test_step_by_step_plans_once_on_the_estimates_in_a_monte_carlo_job(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sampled replicates: the roadmap is the planner's on the published ranges (likely values),
    made once, not re-planned on each replicate's draws."""
    from detente.analysis.roadmap import plan
    from detente.simulate.montecarlo import MonteCarloJob, run_chunk
    from detente.simulate.settings import default_target
    from detente.simulate.strategies import stepwise

    base = load_builtin("agreed-framework-1994")
    assert base.has_ranges
    stages = plan(base, default_target(base), tolerance=0.2).stages
    assert stages  # this agenda has a roadmap on the likely values
    first = frozenset(stages[0].moves)
    seen: list[Observation] = []
    planned: list[tuple[object, object]] = []
    real_plan = stepwise._plan

    def counting_plan(scenario, *args):  # type: ignore[no-untyped-def]
        out = real_plan(scenario, *args)
        planned.append((scenario, out))
        return out

    monkeypatch.setattr(stepwise, "_plan", counting_plan)

    class Spy(type(make_strategy("step-by-step"))):  # type: ignore[misc]
        def setup(self, obs: Observation) -> None:
            seen.append(obs)
            super().setup(obs)

    job = MonteCarloJob(
        base,
        (("USA", "spy"), ("DPRK", "tit-for-tat")),
        make=lambda spec: Spy() if spec == "spy" else make_strategy(spec),
    )
    run_chunk(job, 0, 4)
    assert len(seen) == 4 and all(obs.prior is base and obs.estimates is base for obs in seen)
    assert len({obs.scenario.model_dump_json() for obs in seen}) == 4  # four different draws ...
    assert len(planned) == 1  # ... one plan, on the estimates
    (on, stages_planned) = planned[0]
    assert on is base and stages_planned is not None and stages_planned[0] == first  # type: ignore[index]
    # without sampling there is no prior: the plan is made on the scenario played
    play(base, {"USA": Spy(), "DPRK": make_strategy("tit-for-tat")}, seed=0)
    obs = seen[-1]
    assert obs.prior is None and obs.estimates is obs.scenario


def test_step_by_step_waits_for_each_stage_to_be_implemented() -> None:
    slow = mini_korea()
    slow = slow.replace(moves=tuple(m.model_copy(update={"duration": 3}) for m in slow.moves))
    r = versus(make_strategy("step-by-step", roadmap=ROADMAP), "hardliner", sc=slow)
    # the hardliner rejects everything: no stage is ever agreed, step-by-step keeps proposing stage 1
    assert {e.moves for e in proposals(r, "USA")} == {frozenset(ROADMAP[0])}
    # against a partner that accepts everything and never proposes: stage k+1 only after stage k is in force
    r2 = versus(make_strategy("step-by-step", roadmap=ROADMAP), Cheater(when=-1), sc=slow)
    assert [(e.period, e.moves) for e in proposals(r2, "USA")] == [
        (0, frozenset(ROADMAP[0])),
        (4, frozenset(ROADMAP[1])),
        (8, frozenset(ROADMAP[2])),
    ]


def test_tit_for_tat_pair_trade_the_smallest_balanced_exchange_first() -> None:
    r = versus("tit-for-tat", "tit-for-tat")
    first = proposals(r, "USA")[0]
    assert first.moves == {"d-test-pledge", "u-exercises"} and first.asks == {"d-test-pledge"}
    assert r.first_step == 0 and r.target_share == 1.0


def test_hardliner_gets_nothing_from_reciprocity() -> None:
    for other in ("tit-for-tat", "step-by-step", "grit", "freeze-for-freeze"):
        r = versus("hardliner", other)
        assert not r.agreement
        assert all(not e.gives for e in proposals(r, "USA"))


def test_big_deal_is_all_or_nothing() -> None:
    r = versus("big-deal", "big-deal")
    assert r.first_step == 0 and r.target_share == 1.0 and len(r.entries("accept")) == 1
    bd = make_strategy("big-deal")
    r2 = versus(bd, "tit-for-tat", first_proposer="DPRK")
    # tit-for-tat's small offers are refused; the whole package (offered in period 1) is accepted
    assert [e.period for e in r2.entries("reject")] == [0] and r2.first_step == 1


def test_grit_stops_initiatives_after_patience_without_reciprocation() -> None:
    r = versus("hardliner", make_strategy("grit", patience=2, step=1.0))
    initiatives = [e for e in proposals(r, "DPRK") if not e.asks]
    assert [e.moves for e in initiatives] == [{"d-test-pledge"}, {"d-freeze"}]  # cheapest reversible first
    assert all(e.asks for e in proposals(r, "DPRK") if e.period > initiatives[-1].period)
    # with a smaller step the freeze (cost 1.5) exceeds 0.5 x the exposure limit of 2: one initiative only
    small = versus("hardliner", make_strategy("grit", patience=2, step=0.5))
    assert [e.moves for e in proposals(small, "DPRK") if not e.asks] == [{"d-test-pledge"}]


def test_grit_keeps_initiating_while_reciprocated() -> None:
    grit = make_strategy("grit", patience=1, step=1.0)
    r = versus(grit, grit)
    for side in ("USA", "DPRK"):
        assert len([e for e in proposals(r, side) if not e.asks]) >= 2  # each initiative answered by one
    assert r.target_share >= 4 / 6


def test_freeze_for_freeze_is_simultaneous_and_freezes_first() -> None:
    sc = mini_korea()
    sc = sc.replace(
        moves=tuple(
            m.model_copy(update={"reversible": False}) if m.id == "d-test-pledge" else m for m in sc.moves
        )
    )
    r = versus("tit-for-tat", "freeze-for-freeze", sc=sc)
    at0 = [e for e in r.trace if e.period == 0 and e.kind == "proposal"]
    assert {e.party for e in at0} == {"USA", "DPRK"}  # both propose in the same round
    f4f = next(e for e in at0 if e.party == "DPRK")
    assert all(sc.move(m).reversible for m in f4f.moves)


class Cheater(Strategy):
    """Agrees to any exchange, then covertly reverses its freeze at ``when``."""

    name = ""

    def __init__(self, when: int = 3) -> None:
        self.when = when

    def respond(self, obs: Observation, proposal: Proposal) -> bool:
        return True

    def renege(self, obs: Observation) -> frozenset[str]:
        if obs.period == self.when and "d-freeze" in obs.in_force:
            return frozenset({"d-freeze"})
        return frozenset()


@pytest.mark.parametrize(
    ("name", "answers"),
    [("tit-for-tat", 1), ("freeze-for-freeze", 2), ("step-by-step", 1), ("maximum-pressure", 2)],
)
def test_answers_to_a_detected_breach(name: str, answers: int) -> None:
    us = make_strategy(name, roadmap=ROADMAP[:2]) if name == "step-by-step" else make_strategy(name)
    r = versus(us, Cheater(when=4), horizon=12)
    assert r.breaches_detected == 1
    detected = r.entries("detect")[0].period
    reversed_by_us = [e for e in r.entries("reverse") if e.party == "USA"]
    assert len({m for e in reversed_by_us for m in e.moves}) == answers
    assert all(e.period > detected for e in reversed_by_us)
    assert not [e for e in r.entries("breach") if e.party == "USA"]


def test_time_function_shapes() -> None:
    for beta in (0.2, 1.0, 5.0):
        vals = [alpha(t, 11, beta=beta, kappa=0.1) for t in range(11)]
        assert vals[0] == pytest.approx(0.1) and vals[-1] == pytest.approx(1.0)
        assert all(a <= b for a, b in itertools.pairwise(vals))
    assert alpha(5, 11, beta=0.2, kappa=0) < alpha(5, 11, beta=1, kappa=0) < alpha(5, 11, beta=5, kappa=0)


def test_conceder_settles_before_boulware() -> None:
    c = versus("conceder", "conceder")
    b = versus("boulware", "boulware")
    assert c.first_step is not None
    assert b.first_step is None or b.first_step > c.first_step


def test_maximum_pressure_accepts_only_its_whole_demand_with_its_moves_after() -> None:
    r = versus("hardliner", "maximum-pressure", first_proposer="USA")
    assert not r.agreement
    cap = versus("maximum-pressure", "hardliner", first_proposer="DPRK")
    assert not cap.agreement


# ----- every strategy on every built-in scenario ---------------------------------------
SCENARIOS = builtin_names("scenario")


@pytest.mark.parametrize("scenario_name", SCENARIOS)
@pytest.mark.parametrize("name", sorted(NINE))
def test_every_strategy_plays_every_builtin_scenario(scenario_name: str, name: str) -> None:
    sc = load_builtin(scenario_name).sampled(np.random.default_rng(3))
    first = sc.party_ids[0]
    mixes = [
        {p: make_strategy(name) for p in sc.party_ids},
        {p: make_strategy(name if p == first else "tit-for-tat") for p in sc.party_ids},
    ]
    for strats in mixes:
        s = SimulationSettings(misperception=0.2)
        r = play(sc, strats, seed=42, settings=s)
        again = play(sc, strats, seed=42, settings=s)
        assert r == again
        assert r.periods == sc.time.horizon and 0.0 <= r.target_share <= 1.0
        assert all(np.isfinite(list(r.utilities.values())))


@pytest.mark.skipif("korea-2019" not in SCENARIOS, reason="korea-2019 not yet shipped")
def test_op_ed_claim_on_korea_2019() -> None:
    sc = load_builtin("korea-2019")
    for seed in (1, 2, 3):
        mp = play(
            sc, {"USA": make_strategy("maximum-pressure"), "DPRK": make_strategy("tit-for-tat")}, seed=seed
        )
        sbs = play(
            sc, {"USA": make_strategy("step-by-step"), "DPRK": make_strategy("tit-for-tat")}, seed=seed
        )
        assert not mp.agreement and mp.target_share == 0.0
        assert sbs.agreement and sbs.target_share > 0.25


def _exposure(
    sc: Scenario, party: str, gives: frozenset[str], asks: frozenset[str], first: bool | None
) -> float:
    """Independent recomputation of DESIGN.md's exposure for one proposal."""
    own = sum(max(0.0, -sc.move(m).value_for(party).likely) for m in gives if not sc.move(m).reversible)
    got = sum(max(0.0, sc.move(m).value_for(party).likely) for m in asks if not sc.move(m).reversible)
    if first is None:
        return max(0.0, own - got)
    return own if first else 0.0


CAREFUL = [
    "tit-for-tat",
    "freeze-for-freeze",
    "big-deal",
    "boulware",
    "conceder",
    "hardliner",
    "maximum-pressure",
]


@pytest.mark.parametrize("scenario_name", SCENARIOS)
def test_careful_strategies_never_risk_more_than_their_exposure_limit(scenario_name: str) -> None:
    sc = load_builtin(scenario_name)
    for name in CAREFUL:
        for other in ("tit-for-tat", name):
            strats = {p: make_strategy(other) for p in sc.party_ids}
            strats[sc.party_ids[0]] = make_strategy(name)
            r = play(sc, strats, seed=5)
            proposal = None
            for e in r.trace:
                if e.kind == "proposal":
                    proposal = e
                    seq = next(s for s in ("together", "asks-first", "gives-first") if f"; {s}" in e.note)
                    p = e.party
                    if strats[p].name in CAREFUL:
                        limit = sc.party(p).exposure_limit
                        exp = _exposure(
                            sc, p, e.gives, e.asks, None if seq == "together" else seq == "gives-first"
                        )
                        assert limit is None or exp <= limit + 1e-9, (name, other, str(e))
                elif e.kind == "accept" and proposal is not None and strats[e.party].name in CAREFUL:
                    q = e.party
                    mine = frozenset(m for m in proposal.moves if sc.move(m).by == q)
                    seq = next(
                        s for s in ("together", "asks-first", "gives-first") if f"; {s}" in proposal.note
                    )
                    first = None if seq == "together" else seq == "asks-first"
                    limit = sc.party(q).exposure_limit
                    exp = _exposure(sc, q, mine, proposal.moves - mine, first)
                    assert limit is None or exp <= limit + 1e-9, (name, other, str(proposal))


def test_step_by_step_fallback_waits_for_the_other_side_but_tit_for_tat_does_not() -> None:
    slow = mini_korea()
    slow = slow.replace(moves=tuple(m.model_copy(update={"duration": 3}) for m in slow.moves))
    sbs = versus(make_strategy("step-by-step", roadmap=[]), Cheater(when=-1), sc=slow)
    tft = versus("tit-for-tat", Cheater(when=-1), sc=slow)
    assert [e.period for e in proposals(sbs, "USA")][:2] == [0, 4]  # DPRK's first move is in force at 3
    assert [e.period for e in proposals(tft, "USA")][:2] == [0, 2]


# ----- opportunism: breaches that pay --------------------------------------------------
def _pays(saved: float, loss: float, d: float, q: float, lag: int, ahead: int = 5000) -> bool:
    """The breach rule by brute force: the sums term by term, far enough ahead to converge."""
    gain = saved * math.fsum(d**k for k in range(lag, ahead))
    cost = loss * math.fsum(d**k * (1 - (1 - q) ** k) for k in range(1, ahead))
    return gain > cost + 1e-9


@pytest.mark.parametrize("d", [0.9, 0.97, 0.995])
@pytest.mark.parametrize("q", [0.0, 0.05, 0.3, 1.0])
@pytest.mark.parametrize("lag", [0, 2])
def test_breach_rule_matches_the_sums_term_by_term(d: float, q: float, lag: int) -> None:
    from detente.analysis.discounting import breach_pays

    for saved, loss in [(1.0, 2.0), (1.5, 2.0), (2.0, 1.0), (0.5, 0.8), (1.0, 0.0), (1.0, 1.0 / d)]:
        assert breach_pays(saved, loss, discount=d, detection=q, lag=lag) == _pays(saved, loss, d, q, lag)


def test_breach_rule_without_discounting_looks_one_window_ahead() -> None:
    from detente.analysis.discounting import breach_pays

    for saved, loss, q in [(1.0, 2.0, 0.1), (1.0, 1.2, 0.5), (3.0, 1.0, 1.0)]:
        assert breach_pays(saved, loss, discount=1.0, detection=q, lookahead=24) == _pays(
            saved, loss, 1.0, q, 0, 24
        )


@given(
    saved=st.floats(0.0, 5.0),
    loss=st.floats(0.0, 5.0),
    d=st.floats(0.5, 0.999),
    q=st.floats(0.0, 1.0),
    drop=st.floats(0.0, 1.0),
    lag=st.integers(0, 5),
)
def test_poorer_verification_never_makes_a_breach_stop_paying(
    saved: float, loss: float, d: float, q: float, drop: float, lag: int
) -> None:
    """Property (iii) of the breach rule: lowering a move's verification keeps a profitable breach profitable."""
    from detente.analysis.discounting import breach_pays

    lower = q * drop
    if breach_pays(saved, loss, discount=d, detection=q, lag=lag):
        assert breach_pays(saved, loss, discount=d, detection=lower, lag=lag)


@pytest.mark.parametrize("q", [0.0, 0.05, 0.1, 0.5, 1.0])
def test_opportunist_breaches_exactly_when_it_pays(q: float) -> None:
    """DPRK's freeze costs it 1.5 a period (reversal lag 1); found out, the US answers in kind by
    taking back the move closest in DPRK's eyes, relief (worth 2 to DPRK): it cheats iff that pays.
    (The US trusts fully here, so that it takes the freeze at its face value however poorly verified.)"""
    sc = mini_korea()
    sc = sc.replace(
        moves=tuple(m.model_copy(update={"verification": q}) if m.id == "d-freeze" else m for m in sc.moves)
    )
    r = versus("tit-for-tat", make_strategy("tit-for-tat", opportunistic=True), sc=sc, initial_trust=1.0)
    start = min(e.period for e in r.entries("implement") if e.moves == {"d-freeze"})
    breaches = [e for e in r.entries("breach") if e.moves == {"d-freeze"}]
    relief_in_force = any(e.moves == {"u-relief"} and e.period <= start for e in r.entries("implement"))
    assert relief_in_force
    expected = start + 1 if _pays(1.5, 2.0, 0.97, q, 1) else None  # the whole future: no endgame
    assert (breaches[0].period if breaches else None) == expected
    if q == 0.0:
        assert r.breaches_missed >= 1
    if q >= 0.1:
        assert not breaches  # good verification makes cheating rare


def test_honest_strategies_never_breach() -> None:
    sc = mini_korea()
    sc = sc.replace(moves=tuple(m.model_copy(update={"verification": 0.0}) for m in sc.moves))
    for name in sorted(NINE):
        r = versus(name, "tit-for-tat", sc=sc)
        assert not r.entries("breach"), name


@pytest.mark.parametrize("q", [0.2, 0.6, 1.0])
def test_answers_to_an_opportunist_are_never_breaches(q: float) -> None:
    """Answers use licences: an honest strategy facing a cheater does not breach in turn."""
    sc = mini_korea()
    sc = sc.replace(moves=tuple(m.model_copy(update={"verification": q}) for m in sc.moves))
    cheat = make_strategy("tit-for-tat", opportunistic=True)
    for name in sorted(NINE):
        for seed in (1, 2):
            r = versus(name, cheat, seed=seed, sc=sc)
            assert not [e for e in r.entries("breach") if e.party == "USA"], (name, seed)


def test_parameters_can_be_written_in_the_spec() -> None:
    g = make_strategy("grit(patience=2, step=1.0)")
    assert g.get_params()["patience"] == 2 and g.get_params()["step"] == 1.0
    assert make_strategy("grit(patience=2)", patience=4).get_params()["patience"] == 4  # keyword wins
    t = make_strategy("detente.simulate.strategies.reciprocity:TitForTat(opportunistic=True)")
    assert t.get_params()["opportunistic"] is True
    assert make_strategy("step-by-step(roadmap=[['a', 'b']])").get_params()["roadmap"] == [["a", "b"]]


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        ("grit(2)", "only key=value"),
        ("grit(patience=x)", "not a Python literal"),
        ("grit(patience=2", "unbalanced"),
        ("grit(patience=2,,)", "cannot read"),
        ("tit-for-tat(tolerance='high')", "wrong type"),
        ("grit(patiense=2)", "did you mean 'patience'"),
    ],
)
def test_bad_parameters_in_the_spec(spec: str, text: str) -> None:
    with pytest.raises(StrategyError, match=text):
        make_strategy(spec)


def test_step_by_step_proposes_the_planners_first_stage() -> None:
    from detente.analysis.roadmap import plan
    from detente.simulate import default_target

    sc = mini_korea()
    p = plan(sc, default_target(sc), tolerance=0.2)
    assert p.feasible and p.stages
    r = versus("step-by-step", Cheater(when=-1), sc=sc)
    first = proposals(r, "USA")[0]
    assert first.moves == p.stages[0].moves and "stage 1" in first.note
