"""The negotiation engine: one run of a scenario, period by period.

Each period runs, in this order (the full rules are in docs/simulate.md):

1. **events** fire, each with its rate (one draw per event, in file order): trust
   deltas, one-off utility shocks, pauses of the talks;
2. the talks **resume** if their cooling-off or pause is over;
3. if the talks are open, a **round**: one party proposes (taking turns in scenario
   order), the others respond, and an agreed or unilateral proposal starts; if any
   strategy asks for simultaneous offers, every party proposes in the same round;
   ``stall_limit`` rejected proposals in a row break the talks down;
4. **reneging**: each party may reverse its own moves; reversing a move agreed in an
   exchange without cause (see licences in docs/simulate.md) is a covert breach;
5. **detection**: each undetected breach is found out with its move's verification
   probability (one draw per breach); a detected breach costs trust and breaks the
   talks down for ``cooling_off`` periods;
6. **progress**: reversals whose lag is over leave force, implementations whose
   duration is over enter force, sequenced moves whose conditions are met start;
7. **accounting**: each party's utility for the period (moves in force, pressures,
   event shocks), discounted by ``discount ** period``.

All randomness comes from one generator made from ``seed``, drawn in a fixed order
(misperception errors, one seed per strategy, then per period the events and the
detections), so the same seed gives the same run.

The pieces: :mod:`.tables` (what the run reads of the scenario, built once),
:mod:`.board` (the state and the only functions that change it), :mod:`.observer`
(board -> each party's read-only observation), :mod:`.moves` (the rules of starting,
reversing, detecting and implementing moves), :mod:`.ledger` (accounting) and this
module (the period loop, events, the talks and the rounds).

Examples
--------
>>> from detente.model.scenario import Scenario
>>> from detente.simulate.strategies import make_strategy
>>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T", "time": {"horizon": 6},
...     "parties": [{"id": "A"}, {"id": "B"}],
...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"A": -1, "B": 2}},
...               {"id": "b1", "by": "B", "title": "b1", "value": {"A": 2, "B": -1}}]})
>>> r = play(s, {"A": make_strategy("tit-for-tat"), "B": make_strategy("tit-for-tat")}, seed=1)
>>> r.agreement, r.first_step, r.target_share, r.window  # +1 a period each, over 6 periods
(True, 0, 1.0, {'A': 6.0, 'B': 6.0})
>>> r.utilities  # and it goes on: without discounting, a party looks one window further
{'A': 12.0, 'B': 12.0}
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping

import numpy as np

from detente.model.errors import Problem, ScenarioError
from detente.model.scenario import Scenario

from .board import Board
from .ledger import Ledger
from .moves import Moves
from .observation import Observation
from .observer import Observer
from .settings import SimulationSettings, default_target, did_you_mean, perceptions
from .strategies.base import Strategy, StrategyError, pure_key
from .tables import Tables
from .trace import RunResult, TraceEntry
from .tracelog import TraceLog

__all__ = ["RunResult", "SimulationSettings", "Tables", "TraceEntry", "default_target", "perceptions", "play"]

DEFAULT_SETTINGS = SimulationSettings()


def play(
    scenario: Scenario,
    strategies: Mapping[str, Strategy],
    *,
    seed: int | np.random.Generator,
    settings: SimulationSettings = DEFAULT_SETTINGS,
    prior: Scenario | None = None,
    tables: Tables | None = None,
) -> RunResult:
    """Play ``scenario`` once with one strategy per party.

    Parameters
    ----------
    scenario : Scenario
        Played with the likely value of every move (sample it first for a Monte Carlo run).
    strategies : mapping
        Party id -> strategy; each is copied, so the objects passed in are never changed.
    seed : int or numpy.random.Generator
        The one source of randomness.
    settings : SimulationSettings
        The rules of the run.
    prior : Scenario, optional
        The scenario with ranged values that ``scenario`` was sampled from: what the parties
        knew before the run (strategies see it as ``Observation.prior``; plans made in
        advance use it). ``None`` when ``scenario`` was not sampled.
    tables : Tables, optional
        ``Tables(scenario)``, built once and passed to every run of ``scenario`` so that the
        runs share the work of reading it (the views and the answers of pure searches).
        Built for this run when not given; the numbers are the same either way.

    Returns
    -------
    RunResult

    Raises
    ------
    ScenarioError
        Bad settings, a missing or unknown party, or a strategy that breaks the rules
        (:class:`~detente.simulate.strategies.base.StrategyError`).

    Examples
    --------
    See the module docstring.
    """
    if tables is None:
        tables = Tables(scenario)
    elif tables.scenario is not scenario:
        raise ValueError("play: tables were built for another scenario (use Tables(scenario))")
    return _Run(tables, strategies, seed, settings, prior).play()


def _checked_copy(party: str, strategy: object, rng: np.random.Generator) -> Strategy:
    """A private copy of ``strategy`` for this run, checked, with its generator's seed drawn."""
    if not isinstance(strategy, Strategy):
        raise StrategyError.of(repr(strategy), "is not a detente Strategy (subclass Strategy)")
    own = copy.deepcopy(strategy)
    own.checked()
    own.seed_rng(int(rng.integers(2**63)))  # its generator is made if it is used
    return own


class _Run:
    """One run: the period loop, events, the talks and the rounds (moves' rules in :class:`Moves`)."""

    def __init__(
        self,
        tables: Tables,
        strategies: Mapping[str, Strategy],
        seed: int | np.random.Generator,
        settings: SimulationSettings,
        prior: Scenario | None,
    ) -> None:
        scenario = tables.scenario
        problems = settings.problems(scenario)
        for pid in scenario.party_ids:
            if pid not in strategies:
                problems.append(f"strategies: no strategy for party {pid!r}")
        for key in strategies:
            if key not in scenario.party_ids:
                problems.append(f"strategies: no party {key!r}{did_you_mean(key, scenario.party_ids)}")
        if problems:
            raise ScenarioError([Problem("simulation settings", None, None, "", p) for p in problems])
        self.sc = scenario
        self.tables = tables
        self.settings = settings
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self.horizon = settings.horizon or scenario.time.horizon
        self.parties = scenario.party_ids
        self.target = frozenset(settings.target) if settings.target is not None else tables.target
        views = perceptions(tables, settings.misperception, self.rng)
        self.strategies = {p: _checked_copy(p, strategies[p], self.rng) for p in self.parties}
        self.simultaneous = any(s.simultaneous for s in self.strategies.values())
        # parties whose strategy may reverse moves (Strategy.renege itself never does); those
        # that only answer certain entries of the others are asked only after such an entry
        self.renegers = tuple(
            p for p in self.parties if type(self.strategies[p]).renege is not Strategy.renege
        )
        watch: dict[str, frozenset[str]] = {}
        for p in self.renegers:
            kinds = self.strategies[p].renege_triggers()
            if kinds is not None:
                watch[p] = frozenset(kinds)
        first = settings.first_proposer or self.parties[0]
        self.first = self.parties.index(first)
        self.board = Board(frozenset(scenario.status_quo), self.parties, trust=settings.initial_trust)
        self.log = TraceLog(self.parties, watch)
        self.observer = Observer(
            views,
            self.parties,
            horizon=self.horizon,
            agenda=self.target,
            history=self.log.seen,
            prior=prior,
            board=self.board,
            answers={p: type(self.strategies[p]).declared_answer() for p in self.parties},
        )
        self.observe = self.observer.observe  # what a party knows now
        # each party's proposal: a pure strategy's remembered per state on its view
        self.proposals = {p: self._proposer(p) for p in self.parties}
        self.ledger = Ledger(tables, self.horizon)
        self.board.streaks = self.ledger.streak  # shared: observations report how long each pressure has run
        self.moves = Moves(
            scenario,
            tables.structure,
            settings,
            board=self.board,
            log=self.log,
            strategies=self.strategies,
            renegers=self.renegers,
            rng=self.rng,
            observe=self.observe,
        )
        self.t = 0

    def _proposer(self, pid: str) -> Callable[[Observation], object]:
        strategy = self.strategies[pid]
        key = pure_key(strategy)
        if key is None:
            return strategy.propose

        def remembered(obs: Observation) -> object:
            return obs.view._remember(
                ("propose", key, obs.me, obs.settled, obs.agenda), strategy.propose, obs
            )

        return remembered

    # ----- the run --------------------------------------------------------
    def play(self) -> RunResult:
        for pid in self.parties:
            self.strategies[pid].setup(self.observe(pid))
        b, events, moves = self.board, self.sc.events, self.moves
        recovery = self.settings.trust_recovery > 0
        for t in range(self.horizon):
            self.t = self.observer.period = moves.t = t
            if events:
                self.ledger.clear_shocks()
                self.events()
            if b.talks != "open" and t >= b.resume_at:
                self.resume()
            if b.talks == "open":
                self.negotiate()
            if self.renegers:
                moves.reneging()
            if b.breaches:
                moves.detection()
            if b.reversing or b.pending or b.waiting:
                moves.progress()
            self.ledger.account(t, b.in_force)
            if recovery:
                self.recover_trust()
        return self.result()

    def events(self) -> None:
        b = self.board
        for ev in self.sc.events:
            if self.rng.random() >= ev.rate:
                continue
            eff = ev.effect
            note = ev.id
            for p, delta in eff.trust.items():
                if p in b.trust:
                    b.set_trust(p, min(1.0, max(0.0, b.trust[p] + delta)))
            for p, shock in eff.utility.items():
                if p in self.ledger.shock:
                    self.ledger.add_shock(p, shock)
            if eff.pause > 0:
                note += f"; talks paused for {eff.pause} period{'s' if eff.pause != 1 else ''}"
                if b.talks == "open":
                    b.talks = "paused"
                    b.resume_at = self.t + eff.pause
                else:
                    b.resume_at = max(b.resume_at, self.t + eff.pause)
            self.log.add(self.t, "", "event", note=note)

    def resume(self) -> None:
        b = self.board
        b.talks = "open"
        b.stall = 0
        self.log.add(self.t, "", "resume")

    def recover_trust(self) -> None:
        """Trust moves ``trust_recovery`` back towards ``initial_trust`` each period."""
        rec = self.settings.trust_recovery
        if rec > 0:
            b = self.board
            for p in self.parties:
                gap = self.settings.initial_trust - b.trust[p]
                b.set_trust(p, b.trust[p] + min(max(gap, -rec), rec))  # = np.clip(gap, -rec, rec), exactly

    # ----- step 3: the round ---------------------------------------------
    def propose(self, pid: str) -> object:
        """``pid``'s offer (it proposes in this round)."""
        return self.proposals[pid](self.observe(pid, proposer=True))

    def negotiate(self) -> None:
        b = self.board
        if not self.simultaneous:  # one proposer, taking turns
            pid = self.parties[(self.first + b.rounds) % len(self.parties)]
            b.rounds += 1
            prop = self.moves.clean(pid, self.propose(pid))
            if prop is not None and b.talks == "open":
                self.moves.settle(prop)
            return
        b.rounds += 1
        offers = [(pid, self.propose(pid)) for pid in self.parties]  # every party proposes
        for pid, offer in offers:
            if b.talks != "open":
                break
            prop = self.moves.clean(pid, offer)
            if prop is not None:
                self.moves.settle(prop)

    def result(self) -> RunResult:
        b, counts, ledger = self.board, self.moves.counts, self.ledger
        todo = self.target - self.sc.status_quo
        share = len(todo & b.in_force) / len(todo) if todo else 1.0
        detected = sum(1 for br in b.breaches if br.detected is not None)
        window = dict(zip(self.parties, ledger.totals, strict=True))
        pending: dict[str, int | None] = dict(b.pending)
        pending.update(dict.fromkeys(b.waiting))
        after = self.tables.continuation(
            self.horizon, self.horizon, b.in_force, pending, b.reversing, ledger.streak, b.waiting
        )
        return RunResult(
            agreement=self.moves.first_step is not None,
            first_step=self.moves.first_step,
            target_share=share,
            utilities={p: window[p] + after[p] for p in self.parties},
            breakdowns=counts["breakdowns"],
            breaches_detected=detected,
            breaches_missed=len(b.breaches) - detected,
            periods=self.horizon,
            trace=tuple(self.log.entries),
            target=self.target,
            in_force=b.in_force,
            period_utilities={p: tuple(v) for p, v in zip(self.parties, ledger.flows, strict=True)},
            proposals=counts["proposals"],
            accepted=counts["accepted"],
            implemented=counts["implemented"],
            reversed=counts["reversed"],
            window=window,
            continuation=after,
            no_deal=dict(self.tables.no_deal),
        )
