"""The answer: each side's strategies ranked by payoff, never an agreement below no deal first (issue 19)."""

from __future__ import annotations

import json
import re

import pytest

from detente.model.scenario import Scenario
from detente.scenarios import load_builtin
from detente.simulate.compare import compare
from detente.studies.answer import Answer, answer, find_shortfalls, rank_strategies

TRAP = Scenario.model_validate(
    {
        "detente": 1, "id": "trap", "title": "An agreement that costs B", "time": {"horizon": 12},
        "parties": [{"id": "A", "discount": 0.9}, {"id": "B", "discount": 0.9}],
        "moves": [
            {"id": "a1", "by": "A", "title": "a1", "value": {"A": -3, "B": 4}},
            {"id": "a2", "by": "A", "title": "a2", "value": {"A": -2, "B": 3}},
            {"id": "b1", "by": "B", "title": "b1", "value": {"A": 1, "B": -1}},
            {"id": "b2", "by": "B", "title": "b2", "value": {"A": 2, "B": -2}},
        ],
        "pressures": [{"party": "A", "per_period": -1, "stopped_by": ["b1"]}],
    }
)  # fmt: skip
"""B's grit reaches agreement in every run against each of A's strategies, and leaves B below no deal."""


def _never_first_below_no_deal(a: Answer) -> None:
    for party, ranked in a.ranking.items():
        assert ranked, party
        means = [s.mean for s in ranked]
        assert means == sorted(means, reverse=True), party  # ranked by mean payoff
        first = ranked[0]
        if first.mean < first.no_deal:  # first below no deal only when nothing does better
            assert not any(s.mean > first.mean for s in ranked[1:]), party


@pytest.fixture(scope="module")
def korea() -> Answer:
    return answer(load_builtin("korea-2019"))


def test_korea_ranks_by_payoff_and_never_puts_a_losing_strategy_first(korea: Answer) -> None:
    _never_first_below_no_deal(korea)
    assert set(korea.ranking) == {"USA", "DPRK"}
    assert korea.zone and korea.staging.feasible
    assert korea.staging.package == "the Kalai-Smorodinsky package"  # Nash's has no roadmap
    assert korea.staging.blocked[0][0] == "the Nash package"
    usa = korea.best("USA")
    assert usa is not None and usa.gain > 0
    for sf in korea.shortfalls:  # every flagged pair agrees and leaves its party below no deal
        assert sf.agreement >= 0.5 and sf.payoff < sf.no_deal


def test_korea_answer_is_five_to_ten_lines_and_a_json_document(korea: Answer) -> None:
    sentences = korea.sentences()
    assert 5 <= len(sentences) <= 10
    assert sentences[0].startswith("Answer for korea-2019")
    for label in ("Deal zone:", "Staging:", "USA's strategies by mean payoff", "Hangs on:", "Payoffs:"):
        assert any(s.startswith(label) for s in sentences), label
    assert all(len(line) <= 80 for line in korea.lines(80))
    doc = json.loads(json.dumps(korea.to_json()))
    assert doc["staging"]["feasible"] is True and doc["deal_zone"]["exists"] is True
    assert [r["strategy"] for r in doc["ranking"]["USA"]] == [s.strategy for s in korea.ranking["USA"]]


def test_the_agreement_rate_leader_below_no_deal_is_not_ranked_first() -> None:
    doc = compare(
        TRAP, ["boulware", "conceder", "maximum-pressure"], column_strategies=["grit", "hardliner", "big-deal"],
        runs=4, sample_values=False,
    ).as_json()  # fmt: skip
    rates = {c: sum(r[j] for r in doc["matrix"]["agreement_rate"]) for j, c in enumerate(doc["columns"])}
    assert max(rates, key=lambda c: rates[c]) == "grit" and rates["grit"] == 3.0  # the agreement leader
    a = answer(TRAP, comparison=doc)
    _never_first_below_no_deal(a)
    grit = next(s for s in a.ranking["B"] if s.strategy == "grit")
    assert grit.mean < grit.no_deal and grit.agreement == 1.0
    assert a.ranking["B"][0].strategy != "grit" and a.ranking["B"][-1].strategy == "grit"
    assert any(sf.party == "B" and dict(sf.strategies)["B"] == "grit" for sf in a.shortfalls)
    text = "\n".join(a.sentences())
    b_line = next(x for x in a.sentences() if x.startswith("B's strategies by mean payoff"))
    assert re.search(r"grit -?[\d.]+ \(-[\d.]+, BELOW NO DEAL\)\.$", b_line), b_line  # ranked last, flagged
    assert "Warning: A boulware against B grit agrees in 100% of runs but leaves B at -5.9" in text


def test_rank_and_shortfalls_of_a_hand_made_matrix() -> None:
    doc = {
        "row_party": "US", "column_party": "K", "rows": ["step", "press"], "columns": ["max", "tft"],
        "matrix": {
            "agreement_rate": [[1.0, 1.0], [0.0, 0.0]],
            "utility": {"US": [[-29.9, 80.0], [55.3, 55.3]], "K": [[90.0, 20.0], [10.0, 10.0]]},
            "no_deal": {"US": [[55.3, 55.3], [55.3, 55.3]], "K": [[10.0, 10.0], [10.0, 10.0]]},
        },
    }  # fmt: skip
    ranked = rank_strategies(doc)
    assert [s.strategy for s in ranked["US"]] == ["press", "step"]  # 55.3 beats (-29.9 + 80) / 2
    assert ranked["US"][1].worst == -29.9 and ranked["US"][1].worst_against == "max"
    assert [(s.party, dict(s.strategies)["K"]) for s in find_shortfalls(doc)] == [("US", "max")]
