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

Examples
--------
>>> from detente.model.scenario import Scenario
>>> from detente.simulate.strategies import make_strategy
>>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T", "time": {"horizon": 6},
...     "parties": [{"id": "A"}, {"id": "B"}],
...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"A": -1, "B": 2}},
...               {"id": "b1", "by": "B", "title": "b1", "value": {"A": 2, "B": -1}}]})
>>> r = play(s, {"A": make_strategy("tit-for-tat"), "B": make_strategy("tit-for-tat")}, seed=1)
>>> r.agreement, r.first_step, r.target_share, r.utilities
(True, 0, 1.0, {'A': 6.0, 'B': 6.0})
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from detente.model.errors import Problem, ScenarioError
from detente.model.scenario import Scenario

from .observation import History, Observation, Proposal, TalksState
from .settings import SimulationSettings, default_target, did_you_mean, perceptions
from .strategies.base import Strategy, StrategyError
from .trace import AFTER_BREACH, RunResult, TraceEntry, TraceKind

__all__ = ["RunResult", "SimulationSettings", "TraceEntry", "default_target", "perceptions", "play"]


DEFAULT_SETTINGS = SimulationSettings()
_new_observation = object.__new__
_NOTHING: MappingProxyType[str, int] = MappingProxyType({})
_ATOMS = (str, int, float, bool, type(None))


_POWERS: dict[tuple[float, int], list[float]] = {}


def _powers(discount: float, horizon: int) -> list[float]:
    """``[discount ** t for t in range(horizon)]`` (shared: runs have few distinct discounts)."""
    key = (discount, horizon)
    out = _POWERS.get(key)
    if out is None:
        if len(_POWERS) >= 256:
            _POWERS.clear()
        out = _POWERS[key] = [discount**t for t in range(horizon)]
    return out


_DESCRIPTIONS: dict[tuple[object, ...], str] = {}


def _description(prop: Proposal) -> str:
    """The trace note of a proposal (remembered: the same offers recur period after period)."""
    if type(prop) is not Proposal:  # a subclass may describe itself otherwise
        return prop.describe() + ("; unilateral" if prop.unilateral else "")
    key = (prop.gives, prop.asks, prop.sequence, prop.note)
    text = _DESCRIPTIONS.get(key)
    if text is None:
        text = prop.describe() + ("; unilateral" if prop.unilateral else "")
        if len(_DESCRIPTIONS) >= 4096:
            _DESCRIPTIONS.clear()
        _DESCRIPTIONS[key] = text
    return text


def _private_copy(strategy: Strategy) -> Strategy:
    """``copy.deepcopy(strategy)``, done directly when that is a copy of a plain ``__dict__`` of atoms.

    The common case (a strategy holding only its numeric and text parameters): a new object
    with a copy of the attribute dictionary, which is what ``deepcopy`` makes of it.
    """
    cls = type(strategy)
    state = getattr(strategy, "__dict__", None)
    if (
        state is not None
        and not hasattr(cls, "__deepcopy__")
        and cls.__reduce_ex__ is object.__reduce_ex__
        and cls.__getstate__ is object.__getstate__
        and not hasattr(cls, "__slots__")
        and all(type(v) in _ATOMS for v in state.values())
    ):
        out = object.__new__(cls)
        out.__dict__.update(state)
        return out
    return copy.deepcopy(strategy)


@dataclass
class _Breach:
    move: str
    party: str
    period: int
    phase: str  # "in_force" (covert reversal) or "pending" (covert halt)
    apparent: int | None  # for a halted move: the period it appears to enter force
    deal: int  # index of the deal the move was agreed in
    detected: int | None = None


@dataclass
class _Board:
    """The mutable state of one run (never stored on the scenario)."""

    in_force: frozenset[str]  # replaced, never changed in place (observations share it)
    pending: dict[str, int] = field(default_factory=dict)
    waiting: dict[str, frozenset[str]] = field(default_factory=dict)
    reversing: dict[str, int] = field(default_factory=dict)
    covert: set[str] = field(default_factory=set)
    exposed: set[str] = field(default_factory=set)
    committed: dict[str, int] = field(default_factory=dict)  # move -> index of its deal
    deals: list[frozenset[str]] = field(default_factory=list)
    breaches: list[_Breach] = field(default_factory=list)
    licences: dict[str, int] = field(default_factory=dict)
    trust: dict[str, float] = field(default_factory=dict)
    talks: TalksState = "open"
    resume_at: int = 0
    stall: int = 0
    rounds: int = 0


def play(
    scenario: Scenario,
    strategies: Mapping[str, Strategy],
    *,
    seed: int | np.random.Generator,
    settings: SimulationSettings = DEFAULT_SETTINGS,
    prior: Scenario | None = None,
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
    return _Run(scenario, strategies, seed, settings, prior).play()


class _Run:
    def __init__(
        self,
        scenario: Scenario,
        strategies: Mapping[str, Strategy],
        seed: int | np.random.Generator,
        settings: SimulationSettings,
        prior: Scenario | None = None,
    ) -> None:
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
        self.prior = prior
        self.settings = settings
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self.horizon = settings.horizon or scenario.time.horizon
        self.parties = scenario.party_ids
        self.target = frozenset(settings.target) if settings.target is not None else default_target(scenario)
        self.views = perceptions(scenario, settings.misperception, self.rng)
        # The scenario's structure (makers, prerequisites, exclusions) as look-ups; every view
        # has the same structure (misperception changes values only).
        self.facts = self.views[self.parties[0]]
        self.structure = self.facts.structure
        self.makers = self.structure.makers
        self.others = {p: tuple(q for q in self.parties if q != p) for p in self.parties}
        self.own = {p: self.structure.own.get(p, frozenset()) for p in self.parties}  # party -> its moves
        self.all_moves = self.structure.all_moves
        self.discount = {p: scenario.party(p).discount for p in self.parties}
        self.weights = [_powers(self.discount[p], self.horizon) for p in self.parties]
        self.strategies: dict[str, Strategy] = {}
        for pid in self.parties:
            strat = _private_copy(strategies[pid])
            if not isinstance(strat, Strategy):
                raise StrategyError.of(repr(strat), "is not a detente Strategy (subclass Strategy)")
            strat.checked()
            strat.seed_rng(int(self.rng.integers(2**63)))  # its generator is made if it is used
            self.strategies[pid] = strat
        self.simultaneous = any(s.simultaneous for s in self.strategies.values())
        # parties whose strategy may reverse moves (Strategy.renege itself never does)
        self.renegers = tuple(
            p for p in self.parties if type(self.strategies[p]).renege is not Strategy.renege
        )
        # Strategies that reverse moves only in answer to certain entries of the others (see
        # Strategy.renege_triggers) are asked only after such an entry reached them.
        self.watch: dict[str, frozenset[str]] = {}
        for p in self.renegers:
            kinds = self.strategies[p].renege_triggers()
            if kinds is not None:
                self.watch[p] = frozenset(kinds)
        self.alerted = dict.fromkeys(self.watch, False)
        self.watched = frozenset().union(*self.watch.values())
        first = settings.first_proposer or self.parties[0]
        self.first = self.parties.index(first)
        self.board = _Board(
            in_force=frozenset(scenario.status_quo),
            licences=dict.fromkeys(self.parties, 0),
            trust=dict.fromkeys(self.parties, settings.initial_trust),
        )
        self.trace: list[TraceEntry] = []
        self.seen: dict[str, list[TraceEntry]] = {p: [] for p in self.parties}
        self.t = 0
        self.shock = dict.fromkeys(self.parties, 0.0)
        # each pressure as (index of its party or None, per_period, growth, moves that stop it)
        self.pressure_rules = tuple(
            (
                self.parties.index(pr.party) if pr.party in self.parties else None,
                pr.per_period,
                pr.growth,
                frozenset(pr.stopped_by),
            )
            for pr in scenario.pressures
        )
        self.streak = [0] * len(scenario.pressures)
        self.last_in_force: frozenset[str] | None = None
        self.last_utilities: list[float] = []
        self.plain_flow: list[float] = []
        self.shocked = False  # whether an event's utility shock applies this period
        # per party, in scenario order: discounted total, and the utility of each period
        self.totals = [0.0] * len(self.parties)
        self.flows: list[list[float]] = [[] for _ in self.parties]
        self.counts = {"proposals": 0, "accepted": 0, "implemented": 0, "reversed": 0, "breakdowns": 0}
        self.first_step: int | None = None
        # What every party sees alike, rebuilt only when the board has changed: each method
        # that changes the board bumps ``version``.
        self.version = 0
        self.snap_version = -1
        self.snap: tuple[Any, ...] = ()

    # ----- the trace ------------------------------------------------------
    def log(
        self,
        party: str,
        kind: TraceKind,
        moves: frozenset[str] | set[str] = frozenset(),
        note: str = "",
        *,
        asks: frozenset[str] = frozenset(),
        only: str | None = None,
    ) -> None:
        # TraceEntry's fields set directly (its frozen __init__ sets them one by one)
        entry = _new_observation(TraceEntry)
        entry.__dict__.update(
            period=self.t,
            party=party,
            kind=kind,
            moves=moves if type(moves) is frozenset else frozenset(moves),
            note=note,
            asks=asks,
        )
        self.trace.append(entry)
        seen = self.seen
        if only is None:
            for p in self.parties:
                seen[p].append(entry)
        else:
            seen[only].append(entry)
        if kind in self.watched:  # tell the parties waiting for this kind of entry of another party
            for p, kinds in self.watch.items():
                if p != party and kind in kinds and (only is None or only == p):
                    self.alerted[p] = True

    # ----- what a party sees ---------------------------------------------
    def snapshot(self) -> tuple[Any, ...]:
        """(in force, pending, committed, trust, deals, settled) as every party sees them, barring hidden breaches."""
        if self.snap_version != self.version:
            b = self.board
            pending: dict[str, int | None] = dict(b.pending)
            if b.waiting:
                pending.update(dict.fromkeys(b.waiting))
            self.snap = (
                b.in_force,
                MappingProxyType(pending),
                frozenset(b.committed),
                MappingProxyType(dict(b.trust)),
                tuple(b.deals),
                b.in_force | frozenset(pending),
            )
            self.snap_version = self.version
        return self.snap

    def observe(self, me: str, *, proposer: bool = False) -> Observation:
        b, t = self.board, self.t
        in_force, pending_view, committed, trust, deals, settled = self.snapshot()
        hidden = [br for br in b.breaches if br.detected is None and br.party != me] if b.breaches else None
        if hidden:
            pending: dict[str, int | None] = dict(pending_view)
            in_force_s = set(b.in_force)
            committed_s = set(b.committed)
            for br in hidden:
                committed_s.add(br.move)
                if br.phase == "in_force" or (br.apparent is not None and br.apparent <= t):
                    in_force_s.add(br.move)
                else:
                    pending[br.move] = br.apparent
            in_force, committed = frozenset(in_force_s), frozenset(committed_s)
            pending_view = MappingProxyType(pending)
            settled = in_force | frozenset(pending)
        reversing = (
            MappingProxyType(
                {m: at for m, at in b.reversing.items() if m not in b.covert or self.makers[m] == me}
            )
            if b.reversing
            else _NOTHING
        )
        # Observation's fields, set directly: a frozen dataclass's __init__ sets its fields one
        # by one through object.__setattr__, and observe() runs several times a period. The
        # cached property ``settled`` is filled in too (it is in_force | pending).
        obs = _new_observation(Observation)
        obs.__dict__.update(
            period=t,
            horizon=self.horizon,
            me=me,
            others=self.others[me],
            in_force=in_force,
            pending=pending_view,
            reversing=reversing,
            committed=committed,
            agenda=self.target,
            trust=trust,
            talks=b.talks,
            proposer=proposer,
            history=History(self.seen[me]),
            view=self.views[me],
            deals=deals,
            licences=b.licences[me],
            prior=self.prior,
            settled=settled,
        )
        return obs

    # ----- the run --------------------------------------------------------
    def play(self) -> RunResult:
        for pid in self.parties:
            self.strategies[pid].setup(self.observe(pid))
        b, events, renegers = self.board, self.sc.events, self.renegers
        for t in range(self.horizon):
            self.t = t
            if events:
                if self.shocked:
                    self.shock = dict.fromkeys(self.parties, 0.0)
                    self.shocked = False
                self.events()
            if b.talks != "open" and t >= b.resume_at:
                self.resume()
            if b.talks == "open":
                self.negotiate()
            if renegers:
                self.reneging()
            if b.breaches:
                self.detection()
            if b.reversing or b.pending or b.waiting:
                self.progress()
            self.account()
        return self.result()

    def events(self) -> None:
        b = self.board
        for ev in self.sc.events:
            if self.rng.random() >= ev.rate:
                continue
            self.version += 1
            eff = ev.effect
            note = ev.id
            for p, delta in eff.trust.items():
                if p in b.trust:
                    b.trust[p] = min(1.0, max(0.0, b.trust[p] + delta))
            for p, shock in eff.utility.items():
                if p in self.shock:
                    self.shock[p] += shock
                    self.shocked = True
            if eff.pause > 0:
                note += f"; talks paused for {eff.pause} period{'s' if eff.pause != 1 else ''}"
                if b.talks == "open":
                    b.talks = "paused"
                    b.resume_at = self.t + eff.pause
                else:
                    b.resume_at = max(b.resume_at, self.t + eff.pause)
            self.log("", "event", note=note)

    def resume(self) -> None:
        b = self.board
        if b.talks != "open" and self.t >= b.resume_at:
            b.talks = "open"
            b.stall = 0
            self.log("", "resume")

    def breakdown(self, reason: str, until: int) -> None:
        b = self.board
        if b.talks == "broken":
            b.resume_at = max(b.resume_at, until)
            return
        was_paused = b.talks == "paused"
        b.talks = "broken"
        b.resume_at = max(b.resume_at, until) if was_paused else until
        b.stall = 0
        self.counts["breakdowns"] += 1
        self.log("", "breakdown", note=reason)

    # ----- step 3: the round ---------------------------------------------
    def negotiate(self) -> None:
        b = self.board
        n = len(self.parties)
        if not self.simultaneous:  # the common case: one proposer, taking turns
            pid = self.parties[(self.first + b.rounds) % n]
            b.rounds += 1
            prop = self.clean(pid, self.strategies[pid].propose(self.observe(pid, proposer=True)))
            if prop is not None and b.talks == "open":
                self.settle(prop)
            return
        proposers = list(self.parties) if self.simultaneous else [self.parties[(self.first + b.rounds) % n]]
        b.rounds += 1
        offers = []
        for pid in proposers:
            offer = self.strategies[pid].propose(self.observe(pid, proposer=True))
            offers.append((pid, offer))
        for pid, offer in offers:
            if b.talks != "open":
                break
            prop = self.clean(pid, offer)
            if prop is not None:
                self.settle(prop)

    def clean(self, pid: str, offer: object) -> Proposal | None:
        """Check a strategy's offer against the rules; drop moves already settled."""
        if offer is None:
            return None
        if not isinstance(offer, Proposal):
            raise StrategyError.of(
                self.strategies[pid].label,
                f"propose() must return a Proposal or None, not {type(offer).__name__}",
            )
        if offer.sequence not in ("together", "asks-first", "gives-first"):
            raise StrategyError.of(self.strategies[pid].label, f"unknown sequence {offer.sequence!r}")
        if not self.lawful(pid, offer):
            self.unlawful(pid, offer)
        settled = self.settled()
        gives, asks = frozenset(offer.gives) - settled, frozenset(offer.asks) - settled
        if (offer.gives and not gives) or (offer.asks and not asks):
            return None  # one side of the exchange is already settled: nothing left to exchange
        if type(offer) is Proposal:  # the common case: fields set directly (as observe() does)
            prop = _new_observation(Proposal)
            prop.__dict__.update(gives=gives, asks=asks, sequence=offer.sequence, note=offer.note, by=pid)
            return prop
        return replace(offer, gives=gives, asks=asks, by=pid)

    def lawful(self, pid: str, offer: Proposal) -> bool:
        """Whether every move of ``offer`` exists, ``pid`` gives only its own and asks only others'."""
        own, gives, asks = self.own[pid], frozenset(offer.gives), frozenset(offer.asks)
        return gives <= own and asks <= self.all_moves and asks.isdisjoint(own)

    def unlawful(self, pid: str, offer: Proposal) -> None:
        """Raise the error for the first rule ``offer`` breaks (in move order, for a stable message)."""
        strat = self.strategies[pid].label
        makers = self.makers
        for mid in sorted(offer.gives | offer.asks):
            if mid not in makers:
                raise StrategyError.of(
                    strat, f"proposed unknown move {mid!r}{did_you_mean(mid, self.sc.move_ids)}"
                )
        for mid in sorted(offer.gives):
            if makers[mid] != pid:
                raise StrategyError.of(strat, f"party {pid} cannot give {mid!r}, a move of {makers[mid]}")
        for mid in sorted(offer.asks):
            if makers[mid] == pid:
                raise StrategyError.of(strat, f"party {pid} asks for its own move {mid!r} (put it in gives)")

    def settled(self) -> frozenset[str]:
        """Moves in force, pending or waiting (what the board holds, hidden breaches included)."""
        return self.snapshot()[5]

    def settle(self, prop: Proposal) -> None:
        b = self.board
        pid = prop.by
        self.counts["proposals"] += 1
        moves, asks = prop.moves, prop.asks
        self.log(pid, "proposal", moves, _description(prop), asks=asks)
        together = self.settled() | moves
        problems = [] if self.structure.feasible(together) else self.sc.violations(together)
        if problems:
            self.log("", "reject", moves, "infeasible: " + "; ".join(problems), asks=asks)
            self.stalled()
            return
        if not asks:  # a unilateral initiative
            self.counts["accepted"] += 1
            b.stall = 0
            self.start(prop, moves, committed=False)
            return
        verdicts = []
        to = "to " + pid
        for rid in self.others[pid]:
            ok = bool(self.strategies[rid].respond(self.observe(rid), prop))
            verdicts.append(ok)
            self.log(rid, "accept" if ok else "reject", moves, to, asks=asks)
        if all(verdicts):
            self.counts["accepted"] += 1
            b.stall = 0
            self.start(prop, moves, committed=True)
            makers = {self.makers[m] for m in moves}
            if len(makers) >= 2 and self.first_step is None:
                self.first_step = self.t
        else:
            self.stalled()

    def stalled(self) -> None:
        b = self.board
        b.stall += 1
        if b.stall >= self.settings.stall_limit:
            self.breakdown(f"{b.stall} proposals rejected in a row", self.t + 1 + self.settings.cooling_off)

    def start(self, prop: Proposal, moves: frozenset[str], *, committed: bool) -> None:
        b = self.board
        self.version += 1
        if committed:
            b.deals.append(moves)
            b.committed.update(dict.fromkeys(moves, len(b.deals) - 1))
        first, then = moves, frozenset[str]()
        if prop.sequence == "asks-first":
            first, then = prop.asks, prop.gives
        elif prop.sequence == "gives-first":
            first, then = prop.gives, prop.asks
        for mid in sorted(first):
            b.pending[mid] = self.t + self.sc.move(mid).duration
        for mid in sorted(then):
            b.waiting[mid] = first

    # ----- step 4: reneging ----------------------------------------------
    def reneging(self) -> None:
        for pid in self.renegers:
            if pid in self.watch:  # its renege() waits for what it watches for
                if not self.alerted[pid]:
                    continue
                self.alerted[pid] = False
            moves = self.strategies[pid].renege(self.observe(pid))
            for mid in sorted(moves):
                self.reverse(pid, mid)

    def reverse(self, pid: str, mid: str) -> None:
        b, t = self.board, self.t
        strat = self.strategies[pid].label
        if mid not in self.sc.move_ids:
            raise StrategyError.of(
                strat, f"reneged on unknown move {mid!r}{did_you_mean(mid, self.sc.move_ids)}"
            )
        move = self.sc.move(mid)
        if move.by != pid:
            raise StrategyError.of(strat, f"party {pid} cannot reverse {mid!r}, a move of {move.by}")
        if mid in b.reversing:
            return
        self.version += 1
        if mid in b.in_force:
            if not move.reversible:
                raise StrategyError.of(strat, f"{mid!r} is in force and irreversible")
            phase = "in_force"
        elif mid in b.pending:
            phase = "pending"
        elif mid in b.waiting:
            phase = "waiting"
        else:
            return
        deal = b.committed.pop(mid, None)
        breach = deal is not None
        if breach and b.licences[pid] > 0:
            b.licences[pid] -= 1
            breach, licensed = False, True
        else:
            licensed = False
        if phase == "in_force":
            b.reversing[mid] = t + move.reversal_lag
            if breach:
                b.covert.add(mid)
        elif phase == "pending":
            apparent = b.pending.pop(mid)
            if not breach:
                self.log(pid, "reverse", {mid}, "implementation halted")
        else:
            del b.waiting[mid]
            apparent = None
            if not breach:
                self.log(pid, "reverse", {mid}, "withdrawn before it began")
        if deal is not None and breach:
            br = _Breach(mid, pid, t, phase, apparent if phase == "pending" else None, deal)
            b.breaches.append(br)
            what = {
                "in_force": "covert reversal",
                "pending": "implementation halted",
                "waiting": "withdrawn",
            }[phase]
            self.log(pid, "breach", {mid}, what, only=pid)
            if phase == "waiting":
                self.found_out(br, "withdrawal is visible")
        else:
            self.wronged(pid, mid, self.settings.trust_loss_reversal, licence=not licensed)

    def wronged(self, pid: str, mid: str, loss: float, *, licence: bool) -> None:
        """Others who valued ``mid`` lose trust (and may answer in kind)."""
        b = self.board
        self.version += 1
        for q in self.parties:
            if q != pid and self.sc.move(mid).value_for(q).likely > 0:
                b.trust[q] = max(0.0, b.trust[q] - loss)
                if licence:
                    b.licences[q] += 1

    # ----- step 5: detection ---------------------------------------------
    def detection(self) -> None:
        for br in self.board.breaches:
            if br.detected is not None:
                continue
            if self.rng.random() < self.sc.move(br.move).verification:
                self.found_out(br, "verified")

    def found_out(self, br: _Breach, how: str) -> None:
        b = self.board
        self.version += 1
        br.detected = self.t
        if br.move in b.covert:
            b.covert.discard(br.move)
            b.exposed.add(br.move)
        self.log(br.party, "detect", {br.move}, f"breach of period {br.period} found out ({how})")
        self.wronged(br.party, br.move, self.settings.trust_loss_breach, licence=True)
        for mid in b.deals[br.deal]:  # a material breach releases the others from that deal
            if self.sc.move(mid).by != br.party and b.committed.get(mid) == br.deal:
                del b.committed[mid]
        self.breakdown(f"breach by {br.party} detected", self.t + 1 + self.settings.cooling_off)

    # ----- step 6: progress ----------------------------------------------
    def progress(self) -> None:
        b, t = self.board, self.t
        if not (b.reversing or b.pending or b.waiting):
            return  # nothing to leave or enter force
        self.version += 1
        for mid in sorted(b.reversing, key=lambda m: (b.reversing[m], m)):
            if b.reversing[mid] > t:
                continue
            del b.reversing[mid]
            b.in_force = b.in_force - {mid}
            self.counts["reversed"] += 1
            pid = self.sc.move(mid).by
            if mid in b.covert:
                b.covert.discard(mid)
                self.log(pid, "reverse", {mid}, "covert", only=pid)
            elif mid in b.exposed:
                b.exposed.discard(mid)
                self.log(pid, "reverse", {mid}, AFTER_BREACH)
            else:
                self.log(pid, "reverse", {mid})
        changed = True
        while changed:
            changed = False
            for mid in sorted(b.pending, key=lambda m: (b.pending[m], m)):
                move = self.sc.move(mid)
                if b.pending[mid] > t or not all(r in b.in_force for r in move.requires):
                    continue
                del b.pending[mid]
                b.in_force = b.in_force | {mid}
                self.counts["implemented"] += 1
                self.log(move.by, "implement", {mid})
                for q in self.parties:
                    if q != move.by and move.value_for(q).likely > 0:
                        b.trust[q] = min(1.0, b.trust[q] + self.settings.trust_gain)
                changed = True
            for mid in sorted(b.waiting):
                if b.waiting[mid] <= b.in_force:
                    del b.waiting[mid]
                    b.pending[mid] = t + self.sc.move(mid).duration
                    changed = True

    # ----- step 7: accounting --------------------------------------------
    def account(self) -> None:
        b, t = self.board, self.t
        in_force = b.in_force
        if in_force is not self.last_in_force:  # the board replaces in_force when it changes
            u = self.utilities(in_force)
            self.last_in_force = in_force
            self.last_utilities = [u[p] for p in self.parties]
            self.plain_flow = [x + 0.0 for x in self.last_utilities]  # = plus a zero shock, exactly
        if self.shocked:  # an event's one-off utility shock this period
            shock = self.shock
            flow = [x + shock[p] for p, x in zip(self.parties, self.last_utilities, strict=True)]
        else:
            flow = self.plain_flow.copy()
        if self.pressure_rules:
            streak = self.streak
            for i, (k, per_period, growth, stopped_by) in enumerate(self.pressure_rules):
                if not in_force.isdisjoint(stopped_by):
                    streak[i] = 0
                    continue
                if k is not None:
                    flow[k] += per_period - growth * streak[i]
                streak[i] += 1
        totals, weights, flows = self.totals, self.weights, self.flows
        for k, x in enumerate(flow):
            flows[k].append(x)
            totals[k] += weights[k][t] * x
        rec = self.settings.trust_recovery
        if rec > 0:
            self.version += 1
            for p in self.parties:
                gap = self.settings.initial_trust - b.trust[p]
                b.trust[p] += min(max(gap, -rec), rec)  # = np.clip(gap, -rec, rec), exactly

    def utilities(self, in_force: frozenset[str]) -> dict[str, float]:
        """``{p: scenario.utility(p, in_force)}``, remembered (in force sets repeat from period to period)."""
        memo = self.facts.memo
        key = ("utilities", in_force)
        try:
            return memo[key]  # type: ignore[return-value]
        except KeyError:
            pass
        # = scenario.utility(p, in_force): each party's own values in its view are exact (no
        # misperception of oneself), and fsum makes the sum of the same terms independent of order
        out = {}
        for p in self.parties:
            view = self.views[p]
            values = view.values[p]
            terms = [values[m] for m in in_force]
            for together, value in view.interactions_of.get(p, ()):
                if in_force.issuperset(together):
                    terms.append(value)
            out[p] = math.fsum(terms)
        if len(memo) >= 20_000:
            memo.clear()
        memo[key] = out
        return out

    def result(self) -> RunResult:
        b = self.board
        todo = self.target - self.sc.status_quo
        share = len(todo & b.in_force) / len(todo) if todo else 1.0
        detected = sum(1 for br in b.breaches if br.detected is not None)
        return RunResult(
            agreement=self.first_step is not None,
            first_step=self.first_step,
            target_share=share,
            utilities=dict(zip(self.parties, self.totals, strict=True)),
            breakdowns=self.counts["breakdowns"],
            breaches_detected=detected,
            breaches_missed=len(b.breaches) - detected,
            periods=self.horizon,
            trace=tuple(self.trace),
            target=self.target,
            in_force=b.in_force,
            period_utilities={p: tuple(v) for p, v in zip(self.parties, self.flows, strict=True)},
            proposals=self.counts["proposals"],
            accepted=self.counts["accepted"],
            implemented=self.counts["implemented"],
            reversed=self.counts["reversed"],
        )
