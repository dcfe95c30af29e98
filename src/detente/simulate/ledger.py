"""Accounting: each party's utility in each period and its discounted total.

A period's utility is the value of the moves in force (:meth:`Tables.utility`), plus any
one-off event shock, plus every pressure on the party that no move in force stops; a
pressure grows by ``growth`` for each period in a row it has run. The total is
``sum_t discount**t * u_t`` over the horizon.

Examples
--------
>>> from detente.model.scenario import Scenario
>>> from detente.simulate.tables import Tables
>>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T", "time": {"horizon": 3},
...     "parties": [{"id": "A", "discount": 0.5}],
...     "moves": [{"id": "m", "by": "A", "title": "m", "value": {"A": 2}}],
...     "pressures": [{"party": "A", "per_period": -1, "stopped_by": ["m"]}]})
>>> led = Ledger(Tables(s), 3)
>>> for t in range(3): led.account(t, frozenset() if t < 2 else frozenset({"m"}))
>>> led.flows, led.totals
([[-1.0, -1.0, 2.0]], [-1.0])
"""

from __future__ import annotations

from .tables import Tables

__all__ = ["Ledger"]


class Ledger:
    """Per party (in scenario order): the utility of each period and the discounted total."""

    def __init__(self, tables: Tables, horizon: int) -> None:
        sc = tables.scenario
        self.tables = tables
        self.parties = sc.party_ids
        self.weights = [tables.powers(sc.party(p).discount, horizon) for p in self.parties]
        # each pressure as (index of its party or None, per_period, growth, moves that stop it)
        self.pressures = tuple(
            (
                self.parties.index(pr.party) if pr.party in self.parties else None,
                pr.per_period,
                pr.growth,
                frozenset(pr.stopped_by),
            )
            for pr in sc.pressures
        )
        self.streak = [0] * len(self.pressures)  # periods in a row each pressure has run
        self.shock = dict.fromkeys(self.parties, 0.0)  # this period's event shocks
        self.shocked = False
        self.totals = [0.0] * len(self.parties)
        self.flows: list[list[float]] = [[] for _ in self.parties]
        self._last_in_force: frozenset[str] | None = None
        self._plain: list[float] = []  # utilities of the moves in force, + 0.0

    def add_shock(self, party: str, value: float) -> None:
        """A one-off utility shock to ``party`` in the current period."""
        self.shock[party] += value
        self.shocked = True

    def clear_shocks(self) -> None:
        if self.shocked:
            self.shock = dict.fromkeys(self.parties, 0.0)
            self.shocked = False

    def account(self, period: int, in_force: frozenset[str]) -> None:
        """Book ``period`` with ``in_force`` the moves in force at its end."""
        if in_force is not self._last_in_force:  # the board replaces in_force when it changes
            u = self.tables.utility(in_force)
            self._last_in_force = in_force
            self._plain = [u[p] + 0.0 for p in self.parties]  # = plus a zero shock, exactly
        if self.shocked:
            flow = [x + self.shock[p] for p, x in zip(self.parties, self._plain, strict=True)]
        else:
            flow = self._plain.copy()
        streak = self.streak
        for i, (k, per_period, growth, stopped_by) in enumerate(self.pressures):
            if not in_force.isdisjoint(stopped_by):
                streak[i] = 0
                continue
            if k is not None:
                flow[k] += per_period - growth * streak[i]
            streak[i] += 1
        for k, x in enumerate(flow):
            self.flows[k].append(x)
            self.totals[k] += self.weights[k][period] * x
