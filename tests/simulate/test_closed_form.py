"""Closed-form checks of the simulator where theory gives the answer.

1. Time-based tactics on a one-exchange split. Each side has one concession worth 2 to the
   other and costing itself 1, so the only deal is the exchange, worth +1 to each. With
   Faratin et al.'s aspiration ``u(t) = best * (1 - (t / (T - 1)) ** (1 / beta))`` (best = 2,
   reserve 0), a side offers and accepts the exchange exactly when ``u(t) <= 1``, i.e. from
   ``t >= (T - 1) * 0.5 ** beta``. The first agreement therefore comes at
   ``t* = ceil((T - 1) * max_p 0.5 ** beta_p)``, whoever proposes.
2. Tit-for-tat against itself on the same split agrees at once (period 0), and each side's
   payoff is the discounted sum of +1 per period from the period the exchange is in force.
"""

from __future__ import annotations

import math

import pytest

from detente.model import Scenario
from detente.simulate.engine import SimulationSettings, play
from detente.simulate.strategies import make_strategy

HORIZON = 36


def split(discount: float = 1.0) -> Scenario:
    return Scenario.model_validate(
        {
            "detente": 1,
            "id": "split",
            "title": "One exchange",
            "time": {"horizon": HORIZON},
            "parties": [{"id": "A", "discount": discount}, {"id": "B", "discount": discount}],
            "moves": [
                {"id": "a", "by": "A", "title": "A gives", "value": {"A": -1, "B": 2}, "reversible": True},
                {"id": "b", "by": "B", "title": "B gives", "value": {"B": -1, "A": 2}, "reversible": True},
            ],
        }
    )


# no breakdowns: the tactics' own clocks decide, not the engine's patience
PATIENT = SimulationSettings(stall_limit=HORIZON + 1)


@pytest.mark.parametrize(
    ("a", "b"),
    [("boulware", "boulware"), ("conceder", "conceder"), ("boulware", "conceder"), ("conceder", "boulware")],
)
@pytest.mark.parametrize("beta_scale", [1.0, 0.5])
def test_time_based_split_agrees_when_both_aspirations_reach_the_exchange(
    a: str, b: str, beta_scale: float
) -> None:
    # a margin above the exchange's gain (1 a period): the tactics' own clocks alone decide
    betas = {"boulware": 0.2 * beta_scale, "conceder": 5.0 * beta_scale}
    strategies = {
        "A": make_strategy(a, beta=betas[a], margin=5.0),
        "B": make_strategy(b, beta=betas[b], margin=5.0),
    }
    result = play(split(), strategies, seed=0, settings=PATIENT)
    expected = math.ceil((HORIZON - 1) * max(0.5 ** betas[a], 0.5 ** betas[b]) - 1e-12)
    assert result.agreement
    assert result.first_step == expected


@pytest.mark.parametrize("margin", [0.5, 0.99])
def test_time_based_tactics_take_at_once_an_exchange_that_beats_holding_out_by_their_margin(
    margin: float,
) -> None:
    """The exchange gains each side 1 a period over no deal, for ever. Boulware's own clock would
    take it only when its aspiration falls to that gain (period 31 of 36); with a margin below 1 it
    takes it the first time it is proposed (period 1, tit-for-tat's first turn), and with a margin
    above 1 it waits for its clock."""
    strategies = {"A": make_strategy("boulware", margin=margin), "B": make_strategy("tit-for-tat")}
    result = play(split(0.9), strategies, seed=0, settings=PATIENT)
    assert result.agreement and result.first_step == 1
    accepts = result.entries("accept")
    assert accepts[0].party == "A" and "beats holding out by its margin" in accepts[0].note
    patient = {"A": make_strategy("boulware", margin=1.5), "B": make_strategy("tit-for-tat")}
    assert play(split(0.9), patient, seed=0, settings=PATIENT).first_step == math.ceil(35 * 0.5**0.2 - 1e-12)


def test_tit_for_tat_against_itself_agrees_at_once_with_the_discounted_payoff() -> None:
    d = 0.95
    result = play(split(d), {"A": make_strategy("tit-for-tat"), "B": make_strategy("tit-for-tat")}, seed=0)
    assert result.agreement and result.first_step == 0
    # both moves take effect at once (duration 0): +1 per period for each side from period 0
    in_force_from = min(e.period for e in result.trace if e.kind == "implement")
    expected = sum(d**t for t in range(in_force_from, HORIZON))
    assert result.window["A"] == pytest.approx(expected)
    assert result.window["B"] == pytest.approx(expected)
    # and the exchange goes on past the window: the payoff is the perpetuity d**t / (1 - d) from then on
    assert result.continuation["A"] == pytest.approx(d**HORIZON / (1 - d))
    assert result.utilities["A"] == pytest.approx(d**in_force_from / (1 - d))
