"""The backtest: every historical case through every analysis; outcome blocks never read; history table.

Oracles: the roadmap checker re-validates every planned roadmap; a direct simulation
reproduces matrix cells; a brute-force search over unilateral moves decides whether the
status quo is a Nash equilibrium of the scenario's conflict; hand-worked check tables.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from detente.analysis import roadmap
from detente.analysis.deals import analyse_deals
from detente.analysis.stability import analyse
from detente.analysis.stability_scenario import conflict_from_scenario
from detente.model.errors import ScenarioError
from detente.model.load import scenario_from_text
from detente.model.scenario import Outcome, OutcomeEvent, Scenario
from detente.scenarios import builtin_names, load_builtin
from detente.scenarios import builtin_text as load_builtin_text
from detente.simulate.montecarlo import simulate
from detente.studies.backtest import (
    CaseResult,
    backtest,
    backtest_case,
    case_names,
    compare_with_history,
    main_pair,
    overall,
    summarise_strategies,
)
from detente.studies.history import HISTORY, Verdict

ROWS = ("maximum-pressure", "tit-for-tat")
COLS = ("tit-for-tat", "grit")
RUNS, SEED = 2, 11
CASES = case_names()


def _run(s: Scenario) -> CaseResult:
    return backtest_case(s, runs=RUNS, seed=SEED, rows=ROWS, columns=COLS)


@pytest.fixture(scope="module")
def shipped() -> dict[str, Scenario]:
    return {c: load_builtin(c) for c in CASES}


@pytest.fixture(scope="module")
def results(shipped: dict[str, Scenario]) -> dict[str, CaseResult]:
    return {c: _run(s) for c, s in shipped.items()}


# ------------------------------------------------------------------ history table
def test_history_covers_exactly_the_cases_with_an_outcome_block() -> None:
    with_outcome = {n for n in builtin_names("scenario") if load_builtin(n).outcome is not None}
    assert set(CASES) == with_outcome == set(HISTORY)
    assert len(CASES) == 8


@pytest.mark.parametrize("case", sorted(HISTORY))
def test_history_rests_on_the_outcome_block_sources(case: str) -> None:
    v = HISTORY[case]
    outcome = load_builtin(case).outcome
    assert outcome is not None
    cited = {e.source for e in outcome.timeline}
    assert v.sources and set(v.sources) <= cited, set(v.sources) - cited
    if not v.agreement:
        assert (v.implemented, v.ended) == ("no", "no-deal")
    if v.ended == "completed":
        assert v.implemented == "fully"
    assert v.durable == (v.agreement and v.ended == "completed")


# ------------------------------------------------------------------ checks (hand-worked)
def _v(agreement: bool, implemented: str, ended: str) -> Verdict:
    return Verdict("x", agreement, implemented, ended, "2000", "", ())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("zopa", "road", "verdict", "marks", "total"),
    [
        (True, True, _v(True, "fully", "completed"), ["agree", "agree", "agree"], "agree"),
        (False, False, _v(False, "no", "no-deal"), ["agree", "agree", "n/a"], "agree"),
        (True, True, _v(False, "no", "no-deal"), ["disagree", "disagree", "n/a"], "disagree"),
        (True, None, _v(True, "partly", "collapsed"), ["agree", "n/a", "n/a"], "agree"),
        (False, True, _v(True, "fully", "completed"), ["disagree", "agree", "agree"], "mixed"),
        (True, False, _v(True, "fully", "collapsed"), ["agree", "disagree", "agree"], "mixed"),
        (True, True, _v(True, "partly", "stalled"), ["agree", "agree", "disagree"], "mixed"),
        (True, False, _v(True, "no", "collapsed"), ["agree", "agree", "agree"], "agree"),
    ],
)
def test_compare_with_history(
    zopa: bool, road: bool | None, verdict: Verdict, marks: list[str], total: str
) -> None:
    checks = compare_with_history(zopa, road, verdict)
    assert [c.name for c in checks] == ["deal", "steps", "lasted"]
    assert [c.mark for c in checks] == marks
    assert overall(checks) == total


def test_main_pair_of_every_case(shipped: dict[str, Scenario]) -> None:
    expected = {
        "agreed-framework-1994": ("USA", "DPRK"),
        "libya-2003": ("USA", "LBY"),
        "six-party-2007": ("USA", "DPRK"),
        "leap-day-2012": ("USA", "DPRK"),
        "iran-jcpoa-2015": ("USA", "IRN"),
        "singapore-2018": ("USA", "DPRK"),
        "hanoi-2019": ("USA", "DPRK"),
        "korea-2019": ("USA", "DPRK"),
    }
    assert {c: main_pair(s) for c, s in shipped.items()} == expected
    one = Scenario.model_validate({"detente": 1, "id": "one", "title": "One", "parties": [{"id": "A"}]})
    with pytest.raises(ScenarioError, match="at least two parties"):
        main_pair(one)


def test_main_pair_comes_from_the_case_file_not_a_party_name() -> None:
    """Renaming the parties keeps the row party (the declared field); no id is special in the code."""
    text = load_builtin_text("libya-2003")
    renamed = text.replace("USA", "US")
    s = scenario_from_text(renamed, "renamed.yaml")
    assert main_pair(s) == ("US", "LBY")
    undeclared = s.replace(analysis=s.analysis.model_copy(update={"pressure_party": None}))
    assert main_pair(undeclared) == ("LBY", "US")  # the first party listed
    with pytest.raises(ScenarioError) as err:
        scenario_from_text(text.replace("pressure_party: USA", "pressure_party: USB"), "bad.yaml")
    assert "analysis.pressure_party: unknown party 'USB'" in str(err.value)


def test_strategy_summary_does_not_depend_on_which_side_is_the_row() -> None:
    rng = np.random.default_rng(3)
    mine, theirs = ["maximum-pressure", "big-deal", "tit-for-tat"], ["tit-for-tat", "grit"]
    rate = {(a, b): float(rng.integers(0, 5)) / 4 for a in mine for b in theirs}
    share = {(a, b): float(rng.random()) for a in mine for b in theirs}

    def cell(row: str, col: str, pair: tuple[str, str]) -> dict[str, object]:
        return {
            "row": row,
            "column": col,
            "outcomes": {
                "agreement_rate": {"mean": rate[pair], "ci": [0.0, 1.0]},
                "target_share": {"mean": share[pair], "ci": [0.0, 1.0]},
            },
        }

    base = {"runs": 4, "seed": 1, "fixed": {"GBR": "tit-for-tat"}}
    doc = {**base, "row_party": "USA", "column_party": "LBY", "rows": mine, "columns": theirs}
    doc["cells"] = [cell(a, b, (a, b)) for a in mine for b in theirs]
    flipped = {**base, "row_party": "LBY", "column_party": "USA", "rows": theirs, "columns": mine}
    flipped["cells"] = [cell(b, a, (a, b)) for b in theirs for a in mine]
    s1, s2 = summarise_strategies(doc, "USA"), summarise_strategies(flipped, "USA")
    assert s1 == s2
    best_rate = max(rate.values())
    assert s1["best"]["agreement_rate"] == best_rate
    top = [p for p in rate if rate[p] == best_rate]
    assert tuple(s1["best"]["pair"]) == max(top, key=lambda p: share[p])
    assert s1["pressure"]["agreement_rate"] == rate[("maximum-pressure", "tit-for-tat")]
    assert s1["reciprocity"]["agreement_rate"] == rate[("tit-for-tat", "tit-for-tat")]
    with pytest.raises(ScenarioError):
        summarise_strategies(doc, "GBR")


# ------------------------------------------------------------------ every case, every analysis
def _sq_is_nash_by_brute_force(s: Scenario) -> bool:
    """No decision maker can reach a state it strictly prefers by changing only its own options."""
    c = conflict_from_scenario(s).conflict
    sq = c.status_quo
    assert sq is not None
    for i, dm in enumerate(c.dms):
        mine = [k for k, o in enumerate(c.options) if o.dm == dm]
        for r in range(1, len(mine) + 1):
            for flip in itertools.combinations(mine, r):
                ok = True
                for k in flip:
                    on = bool(sq >> k & 1)
                    d = c.options[k].direction
                    if (on and d == "take") or (not on and d == "drop"):
                        ok = False
                state = sq
                for k in flip:
                    state ^= 1 << k
                if ok and c.feasible[state] and c.payoff[i][state] > c.payoff[i][sq]:
                    return False
    return True


@pytest.mark.parametrize("case", CASES)
def test_every_case_runs_through_every_analysis(
    case: str, shipped: dict[str, Scenario], results: dict[str, CaseResult]
) -> None:
    s, r = shipped[case], results[case]
    json.dumps(r.as_dict())
    # deal space
    ds = analyse_deals(s)
    assert r.deals["has_agreement"] == ds.has_agreement
    assert r.deals["zopa_size"] == len(ds.zopa)
    # roadmap: the Nash package is the target; a planned roadmap passes the independent checker
    nash = ds.solutions["nash"]
    if nash.agreement:
        assert r.roadmap["target_source"] == "nash"
        assert set(r.roadmap["target"]) == set(nash.moves - s.status_quo)
    assert r.roadmap["status"] in ("optimal", "feasible", "infeasible")
    if r.roadmap["feasible"]:
        checked = roadmap.check(s, r.roadmap["stages"])
        assert checked.feasible, checked.conflicts
        assert set().union(*map(set, r.roadmap["stages"])) == set(r.roadmap["target"])
    else:
        assert r.roadmap["stages"] == [] and r.roadmap["conflicts"]
    # strategies: the maximum-pressure cell equals a direct simulation with the same seed
    st = r.strategies
    row, col = main_pair(s)
    assert (st["pressure_party"], st["counterpart"]) == (row, col)
    assert st["others"] == {p: "tit-for-tat" for p in s.party_ids if p not in (row, col)}
    direct = simulate(
        s, {**st["others"], row: "maximum-pressure", col: "tit-for-tat"}, runs=RUNS, seed=SEED
    ).distribution()
    assert st["pressure"]["agreement_rate"] == direct["agreement_rate"]["mean"]
    assert st["pressure"]["target_share"] == direct["target_share"]["mean"]
    flat = [x for line in st["agreement_rate"] for x in line]
    assert st["best"]["agreement_rate"] == max(flat)
    # stability: the status quo's Nash stability agrees with a brute-force search
    assert r.stability["scenario"]["status_quo_equilibrium"]["nash"] == _sq_is_nash_by_brute_force(s)
    eq = r.stability["scenario"]["status_quo_equilibrium"]
    assert not eq["nash"] or (eq["gmr"] and eq["seq"])  # Nash-stable implies GMR and SEQ
    has_file = f"{case}-conflict" in builtin_names("conflict")
    assert (r.stability["conflict_file"] is not None) == has_file
    # the history comparison is the one the checks define
    v = HISTORY[case]
    assert r.history == v
    assert list(r.checks) == compare_with_history(r.deals["has_agreement"], r.roadmap["feasible"], v)
    assert r.outcome is not None and r.outcome["summary"] == s.outcome.summary  # type: ignore[union-attr]


# ------------------------------------------------------------------ outcome blocks are never read
def _altered(s: Scenario, k: int) -> Scenario:
    if k % 2:
        return s.replace(outcome=None)
    contrary = Outcome(
        summary="Everything went the other way.",
        timeline=(OutcomeEvent(date="1999-01-01", text="An invented event.", source="none", verified=False),),
    )
    return s.replace(outcome=contrary)


@pytest.mark.parametrize(("k", "case"), list(enumerate(CASES)))
def test_outcome_block_changes_no_analysis_output(
    k: int, case: str, shipped: dict[str, Scenario], results: dict[str, CaseResult]
) -> None:
    s = shipped[case]
    t = _altered(s, k)
    assert t.outcome != s.outcome
    r = _run(t)
    assert r.outcome != results[case].outcome  # the change is visible where it is printed ...
    assert r.model() == results[case].model()  # ... and nowhere in what the analyses say
    assert analyse_deals(t).as_dict() == analyse_deals(s).as_dict()
    a, b = conflict_from_scenario(s), conflict_from_scenario(t)
    assert analyse(a.conflict).to_json() == analyse(b.conflict).to_json()
    row, _ = main_pair(s)
    pair = {p: "grit" for p in s.party_ids} | {row: "tit-for-tat"}
    x = simulate(s, pair, runs=RUNS, seed=SEED).outcomes
    y = simulate(t, pair, runs=RUNS, seed=SEED).outcomes
    np.testing.assert_array_equal(x, y)


# ------------------------------------------------------------------ errors, CLI, report
def test_unknown_case_and_bad_settings() -> None:
    with pytest.raises(ScenarioError, match="did you mean 'hanoi-2019'"):
        backtest(["hanoi-2018"], runs=1)
    with pytest.raises(ScenarioError, match="runs"):
        backtest(["hanoi-2019"], runs=0)
    with pytest.raises(ScenarioError, match="seed"):
        backtest(["hanoi-2019"], runs=1, seed=-1)


def test_cli_json_and_table() -> None:
    from detente.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["backtest", "--cases", "leap-day-2012", "--runs", "1", "--seed", "2", "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert [c["case"] for c in doc["cases"]] == ["leap-day-2012"]
    assert doc["runs"] == 1 and doc["seed"] == 2
    case = doc["cases"][0]
    assert len(case["strategies"]["agreement_rate"]) == len(doc["pressure_strategies"])
    assert case["history"]["label"] == HISTORY["leap-day-2012"].label()
    assert any("not a validation" in n for n in doc["notes"])
    table = runner.invoke(app, ["backtest", "--cases", "leap-day-2012", "--runs", "1", "--matrices"])
    assert table.exit_code == 0, table.output
    assert "plausibility check" in table.output and "leap-day-2012" in table.output
    assert "USA \\ DPRK" in table.output and "Unha-3" in table.output
    bad = runner.invoke(app, ["backtest", "--cases", "leap-day-2021", "--runs", "1"])
    assert bad.exit_code == 2 and "did you mean 'leap-day-2012'" in bad.output
    assert "Traceback" not in bad.output


def test_report_section() -> None:
    from detente.report import ReportInputs, build_report

    opts = {"simulate": {"runs": 1, "strategies": ["maximum-pressure", "tit-for-tat"]}}
    rep = build_report(
        ReportInputs(load_builtin("leap-day-2012"), seed=1, quick=True, options=opts),
        only=["deals", "simulate", "backtest"],
    )
    sec = rep.section("backtest")
    assert not sec.skipped, sec.note
    assert "not a validation" in sec.html and "Unha-3" in sec.html
    other = load_builtin("leap-day-2012").replace(id="my-case")
    sec2 = build_report(ReportInputs(other), only=["backtest"]).section("backtest")
    assert sec2.skipped and "no historical record" in (sec2.note or "")


def test_report_section_reuses_a_stored_roadmap_for_its_target() -> None:
    from detente.analysis.roadmap import PlanResult, Stage
    from detente.report import ReportInputs
    from detente.report.sections.backtest import case_result
    from detente.studies.backtest import choose_target

    s = load_builtin("leap-day-2012")
    target, source = choose_target(s, analyse_deals(s))
    assert target is not None and source == "nash"
    stored = PlanResult(True, "feasible", target, [Stage(target, {}, {}, {}, 0, 5)])
    opts = {"simulate": {"runs": 1, "strategies": ["maximum-pressure", "tit-for-tat"]}}
    inputs = ReportInputs(s, options=opts, results={"plan": {"tried": {"nash": stored}}})
    r = case_result(inputs)
    assert r.roadmap["status"] == "feasible" and r.roadmap["stages"] == [sorted(target)]
    assert r.roadmap["duration"] == 5
