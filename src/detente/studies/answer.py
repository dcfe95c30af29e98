"""The answer first: the bottom line of every analysis of one scenario, in five to ten lines.

:func:`answer` computes it once, from the deal space, the roadmap planner, a strategy
matrix and one targeted break-even search, and every surface renders the same object:
``detente run`` prints :meth:`Answer.lines` first, the report's first section and the web
app's first page show it, and :meth:`Answer.to_json` is its document. It says:

- **the deal zone**: whether some package gives every party more than its disagreement
  value (:func:`detente.analysis.deals.analyse_deals`);
- **what can be staged**: the package the planner can put in a self-enforcing order (the
  Nash package, else the Kalai-Smorodinsky one), its first stage, or why none can and what
  would unblock it (:func:`detente.analysis.roadmap.plan`);
- **each side's strategies ranked by mean payoff** (the mean, over the other side's
  strategies, of a pair's mean payoff), with the worst case (the lowest mean payoff
  against any one of the other side's strategies) and the gain over no deal
  (:func:`detente.simulate.valuation.no_deal`). Ranking by payoff, not by agreement rate,
  means a strategy that leaves its party below no deal is never first while another does
  better; every pair that agrees in most runs and still leaves a party below its value of
  no deal is flagged;
- **the assumption the verdict hangs on**: the ranged value nearest to making the staged
  package (else the Nash package) worth less to some party than its disagreement value,
  a break-even found by :func:`detente.studies.sensitivity.break_even` on the package's
  utility to that party, searched only over the values of the package's own moves.

Payoffs are discounted totals on each party's own scale (window and continuation, see
docs/valuation.md); package values and disagreement values are per month.

Examples
--------
>>> rank_strategies({"row_party": "A", "column_party": "B", "rows": ["x", "y"], "columns": ["u", "v"],
...     "matrix": {"agreement_rate": [[1.0, 1.0], [0.0, 0.0]],
...                "utility": {"A": [[1.0, 3.0], [5.0, 5.0]], "B": [[4.0, 2.0], [0.0, 0.0]]},
...                "no_deal": {"A": [[5.0, 5.0], [5.0, 5.0]], "B": [[0.0, 0.0], [0.0, 0.0]]}}})["A"][0].strategy
'y'
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from detente.analysis import roadmap
from detente.analysis.deals import DealSpace, analyse_deals
from detente.analysis.roadmap import PlanResult
from detente.analysis.roadmap_survival import survival
from detente.defaults import COMPARISON, ROADMAP_DRAWS
from detente.model.scenario import Scenario
from detente.simulate.compare import compare

from .metrics import PackageUtility
from .sensitivity import break_even, ranged_inputs

__all__ = [
    "TIME_LIMIT",
    "Answer",
    "Hinge",
    "Shortfall",
    "Staging",
    "StrategyScore",
    "answer",
    "find_hinge",
    "find_shortfalls",
    "rank_strategies",
    "staging_of",
]

DRAWS = ROADMAP_DRAWS
"""Value draws a staged roadmap is judged on (the default of ``detente plan --samples``)."""
TIME_LIMIT = 8.0
"""Seconds the planner may spend on each package when no plan is passed in."""
AGREES = 0.5
"""A pair "agrees" when at least this share of its runs reach an agreement."""

_LABELS = {"nash": "the Nash package", "ks": "the Kalai-Smorodinsky package"}


# --------------------------------------------------------------------- the parts
@dataclass(frozen=True)
class StrategyScore:
    """One strategy of one party, summarised over the other side's strategies."""

    strategy: str
    mean: float
    """Mean payoff: the mean over the other side's strategies of the pair's mean payoff."""
    worst: float
    """The lowest mean payoff against any one of the other side's strategies."""
    worst_against: str
    no_deal: float
    """The party's value of no deal (the mean over the pairs, when values are sampled)."""
    agreement: float
    """The mean agreement rate over the other side's strategies."""

    @property
    def gain(self) -> float:
        """Mean payoff over the value of no deal (negative: worse than no deal)."""
        return self.mean - self.no_deal

    def to_json(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "mean": self.mean,
            "worst": self.worst,
            "worst_against": self.worst_against,
            "no_deal": self.no_deal,
            "gain": self.gain,
            "agreement": self.agreement,
        }


@dataclass(frozen=True)
class Shortfall:
    """A pair of strategies that agrees in most runs and leaves ``party`` below its value of no deal."""

    party: str
    strategies: tuple[tuple[str, str], ...]
    """(party, strategy) of the row party, then of the column party."""
    agreement: float
    payoff: float
    no_deal: float

    def to_json(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "strategies": dict(self.strategies),
            "agreement": self.agreement,
            "payoff": self.payoff,
            "no_deal": self.no_deal,
            "gain": self.payoff - self.no_deal,
        }


@dataclass(frozen=True)
class Staging:
    """What the planner can stage: a package and its first stage, or why none can be."""

    package: str
    """Which package (``"the Kalai-Smorodinsky package"``); the last one tried when none can be staged."""
    target: tuple[str, ...]
    feasible: bool
    stages: int = 0
    first_stage: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(party, its moves) in the first stage."""
    blocked: tuple[tuple[str, str], ...] = ()
    """(package, the first reason it cannot be staged) for each package tried and refused."""
    unblock: str = ""
    """What would lift the first reason (the planner's first suggestion)."""
    held: int | None = None
    """In how many of ``draws`` value draws the roadmap keeps every constraint (None: no ranges)."""
    draws: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "target": list(self.target),
            "feasible": self.feasible,
            "stages": self.stages,
            "first_stage": {p: list(m) for p, m in self.first_stage},
            "blocked": [{"package": k, "reason": why} for k, why in self.blocked],
            "unblock": self.unblock,
            "held": self.held,
            "draws": self.draws,
        }


@dataclass(frozen=True)
class Hinge:
    """The ranged value nearest to turning the package against a party, and where it turns."""

    input: str
    party: str
    package: str
    likely: float
    low: float
    high: float
    value: float
    """Where the package's value to ``party`` falls to its disagreement value."""

    @property
    def in_range(self) -> bool:
        return self.low <= self.value <= self.high

    def to_json(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "party": self.party,
            "package": self.package,
            "likely": self.likely,
            "range": [self.low, self.high],
            "value": self.value,
            "in_range": self.in_range,
        }


# ----------------------------------------------------------------------- ranking
def _mean(xs: Sequence[float]) -> float:
    return math.fsum(xs) / len(xs)


def rank_strategies(doc: Mapping[str, Any]) -> dict[str, tuple[StrategyScore, ...]]:
    """Each side's strategies ranked by mean payoff, from a ``compare --json`` document.

    The row party's strategies are the rows, the column party's the columns. Ties in the
    mean are broken by the worst case, then by name. A pair with no runs is left out.

    >>> doc = {"row_party": "A", "column_party": "B", "rows": ["x"], "columns": ["u", "v"],
    ...     "matrix": {"agreement_rate": [[1.0, 0.0]], "utility": {"A": [[2.0, 6.0]], "B": [[1.0, 3.0]]},
    ...                "no_deal": {"A": [[5.0, 5.0]], "B": [[2.0, 2.0]]}}}
    >>> [(s.strategy, s.mean, s.worst, s.gain) for s in rank_strategies(doc)["B"]]
    [('v', 3.0, 3.0, 1.0), ('u', 1.0, 1.0, -1.0)]
    """
    m = doc["matrix"]
    row, col = doc["row_party"], doc["column_party"]
    rows, cols = list(doc["rows"]), list(doc["columns"])
    out: dict[str, tuple[StrategyScore, ...]] = {}
    for party, own, other, by_row in ((row, rows, cols, True), (col, cols, rows, False)):
        scores = []
        for a, name in enumerate(own):
            cells = [(i, j) if by_row else (j, i) for i, j in ((a, b) for b in range(len(other)))]
            kept = [
                (other[b], m["utility"][party][i][j], m["no_deal"][party][i][j], m["agreement_rate"][i][j])
                for b, (i, j) in enumerate(cells)
                if m["utility"][party][i][j] is not None
            ]
            if not kept:
                continue
            worst = min(kept, key=lambda k: (k[1], k[0]))
            scores.append(
                StrategyScore(
                    name,
                    _mean([k[1] for k in kept]),
                    worst[1],
                    worst[0],
                    _mean([k[2] for k in kept]),
                    _mean([k[3] or 0.0 for k in kept]),
                )
            )
        scores.sort(key=lambda s: (-s.mean, -s.worst, s.strategy))
        out[party] = tuple(scores)
    return out


def find_shortfalls(doc: Mapping[str, Any], agrees: float = AGREES) -> list[Shortfall]:
    """The pairs that agree in at least ``agrees`` of their runs and leave a party below no deal.

    >>> doc = {"row_party": "A", "column_party": "B", "rows": ["x"], "columns": ["u"],
    ...     "matrix": {"agreement_rate": [[1.0]], "utility": {"A": [[-3.0]], "B": [[1.0]]},
    ...                "no_deal": {"A": [[5.0]], "B": [[0.0]]}}}
    >>> [(s.party, s.payoff, s.no_deal) for s in find_shortfalls(doc)]
    [('A', -3.0, 5.0)]
    """
    m = doc["matrix"]
    row, col = doc["row_party"], doc["column_party"]
    out = []
    for i, r in enumerate(doc["rows"]):
        for j, c in enumerate(doc["columns"]):
            rate = m["agreement_rate"][i][j]
            if rate is None or rate < agrees:
                continue
            for p in (row, col):
                u, d = m["utility"][p][i][j], m["no_deal"][p][i][j]
                if u is not None and d is not None and u < d:
                    out.append(Shortfall(p, ((row, r), (col, c)), rate, u, d))
    out.sort(key=lambda s: (s.payoff - s.no_deal, s.party, s.strategies))
    return out


# ----------------------------------------------------------------------- staging
def _first_reason(res: PlanResult) -> str:
    if res.conflicts:
        return res.conflicts[0].text
    return f"the planner found no roadmap ({res.status})"


def staging_of(scenario: Scenario, plans: Sequence[tuple[str, PlanResult]], seed: int = 0) -> Staging:
    """The first package of ``plans`` (label, plan) that has a roadmap, or why none has.

    A roadmap is also judged over :data:`DRAWS` value draws of ``seed`` (as ``detente plan``
    judges it): in how many it keeps every constraint.

    >>> from detente.scenarios import load_builtin
    >>> s = load_builtin("korea-2019")
    >>> st = staging_of(s, [("the Kalai-Smorodinsky package", roadmap.plan(s, "ks", time_limit=5))])
    >>> st.feasible, st.stages
    (True, 2)
    """
    blocked: list[tuple[str, str]] = []
    for label, res in plans:
        if res.feasible and res.stages:
            first = res.stages[0].moves
            by_party = tuple(
                (p, tuple(sorted(m for m in first if scenario.move(m).by == p)))
                for p in scenario.party_ids
                if any(scenario.move(m).by == p for m in first)
            )
            held, draws = None, 0
            if scenario.has_ranges:
                seq = [x.moves for x in res.stages]
                held = survival(scenario, seq, tolerance=res.tolerance, samples=DRAWS, seed=seed).held
                draws = DRAWS
            return Staging(
                label, tuple(sorted(res.target)), True, len(res.stages), by_party, tuple(blocked),
                held=held, draws=draws,
            )  # fmt: skip
        blocked.append((label, _first_reason(res)))
    if not plans:
        return Staging("no package", (), False, blocked=(("no package", "no package beats no deal"),))
    first_res = plans[0][1]
    unblock = first_res.suggestions[0] if first_res.suggestions else ""
    return Staging(
        plans[-1][0], tuple(sorted(plans[-1][1].target)), False, blocked=tuple(blocked), unblock=unblock
    )


def _plan_all(scenario: Scenario, deals: DealSpace, time_limit: float) -> list[tuple[str, PlanResult]]:
    """As ``detente run`` plans: the Nash package, then Kalai-Smorodinsky's when Nash has no roadmap."""
    tried: list[tuple[str, PlanResult]] = []
    seen: set[frozenset[str]] = set()
    for key, name in (("nash", "nash"), ("ks", "kalai_smorodinsky")):
        sol = deals.solutions.get(name)
        if sol is None or not sol.agreement:
            continue
        target = frozenset(sol.moves) - scenario.status_quo
        if not target or target in seen:
            continue
        seen.add(target)
        res = roadmap.plan(scenario, target, time_limit=time_limit)
        tried.append((_LABELS[key], res))
        if res.feasible:
            break
    return tried


def plans_from(stored: Mapping[str, Any]) -> list[tuple[str, PlanResult]]:
    """The (label, plan) pairs of what ``detente run`` and the report store as ``results["plan"]``."""
    tried = stored.get("tried") or {"target": stored["roadmap"]}
    source = str(stored.get("source", ""))
    out = []
    for key, res in tried.items():
        label = _LABELS.get(key, "the target")
        if key == "nash" and "ks" not in tried and not source.startswith("the Nash"):
            label = f"the target ({source})" if source else "the target"
        out.append((label, res))
    return out


# ------------------------------------------------------------------------- hinge
def find_hinge(
    scenario: Scenario, package: str, moves: frozenset[str], deals: DealSpace, seed: int = 0
) -> Hinge | None:
    """The ranged value of the package's own moves nearest (as a share of its range) to the package's
    value to some party falling to that party's disagreement value; ``None`` if none does within
    twice its range of its likely value.

    >>> from detente.analysis.deals import analyse_deals
    >>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X",
    ...     "parties": [{"id": "A"}, {"id": "B"}],
    ...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"A": [-3, -1, 0], "B": [1, 2, 4]}},
    ...               {"id": "b1", "by": "B", "title": "b1", "value": {"A": 2, "B": -1}}]})
    >>> h = find_hinge(s, "the package", frozenset({"a1", "b1"}), analyse_deals(s))
    >>> h.input, round(h.value, 2)
    ('a1:A', -2.0)
    """
    closure = scenario.closure(moves) | scenario.status_quo
    new = closure - scenario.status_quo
    best: tuple[float, Hinge] | None = None
    for party in scenario.party_ids:
        inputs = [
            i
            for i in ranged_inputs(scenario)
            if i.party == party and set(i.items) <= closure and set(i.items) & new and i.width > 0
        ]
        if not inputs:
            continue
        metric = PackageUtility(spec=f"package-utility:{party}", party=party, moves=tuple(sorted(moves)))
        rows, _ = break_even(
            scenario,
            metric,
            inputs,
            threshold=deals.disagreement[party] + 1e-9,
            seed=seed,
            grid=8,
            iterations=14,
        )
        for row in rows:
            for side in ("down", "up"):
                hit = row.get(side)
                if hit is None:
                    continue
                width = row["high"] - row["low"]
                rel = abs(hit["shift"]) / width
                h = Hinge(row["name"], party, package, row["likely"], row["low"], row["high"], hit["value"])
                if best is None or (rel, h.input) < (best[0], best[1].input):
                    best = (rel, h)
    return None if best is None else best[1]


# ------------------------------------------------------------------------ answer
def _clause(text: str) -> str:
    """The first clause of a planner's reason (up to its first colon), for one line of the answer."""
    return text.split(": ", 1)[0].rstrip(".")


@dataclass(frozen=True)
class Answer:
    """The bottom line of one scenario; :meth:`lines` renders it, :meth:`to_json` is its document."""

    scenario: str
    title: str
    zone: bool
    zone_text: str
    staging: Staging
    ranking: Mapping[str, tuple[StrategyScore, ...]]
    shortfalls: tuple[Shortfall, ...]
    hinge: Hinge | None
    hinge_package: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    def best(self, party: str) -> StrategyScore | None:
        """The first-ranked strategy of ``party`` (``None`` when it had none in the comparison)."""
        ranked = self.ranking.get(party, ())
        return ranked[0] if ranked else None

    def sentences(self) -> list[str]:
        """The answer as five to ten sentences, one per line before wrapping."""
        out = [f"Answer for {self.scenario}: {self.title}"]
        out.append(("Deal zone: yes. " if self.zone else "Deal zone: none. ") + self.zone_text)
        st = self.staging
        refused = "; ".join(f"{k} cannot: {_clause(why)}" for k, why in st.blocked)
        if st.feasible:
            first = "; ".join(f"{p} {', '.join(ms)}" for p, ms in st.first_stage)
            text = (
                f"Staging: {st.package} ({len(st.target)} moves) can be staged in {st.stages} "
                f"stage{'s' if st.stages != 1 else ''}, each self-enforcing"
                + (
                    f" at the likely values and in {st.held} of {st.draws} value draws "
                    f"({100 * st.held / st.draws:.0f}%)"
                    if st.held is not None and st.draws
                    else ""
                )
                + f". First stage: {first}."
            )
            if refused:
                text += f" ({refused[0].upper()}{refused[1:]}.)"
        elif self.zone:
            text = f"Staging: no package can be staged. {refused[0].upper()}{refused[1:]}."
            if st.unblock:
                text += f" It would take: {st.unblock}."
        else:
            text = "Staging: nothing to stage, as no package beats no deal for every party."
        out.append(text)
        for party, ranked in self.ranking.items():
            if not ranked:
                continue
            parts = []
            for k, s in enumerate(ranked[:3]):
                below = ", BELOW NO DEAL" if s.gain < 0 else ""
                worst = f"; worst {s.worst:.1f} vs {s.worst_against}" if k == 0 else ""
                parts.append(f"{s.strategy} {s.mean:.1f} ({s.gain:+.1f}{below}{worst})")
            out.append(
                f"{party}'s strategies by mean payoff (no deal {ranked[0].no_deal:.1f}): {', '.join(parts)}."
            )
        for sf in self.shortfalls[:2]:
            (rp, rs), (cp, cs) = sf.strategies
            out.append(
                f"Warning: {rp} {rs} against {cp} {cs} agrees in {100 * sf.agreement:.0f}% of runs "
                f"but leaves {sf.party} at {sf.payoff:.1f}, below its no-deal value {sf.no_deal:.1f}."
            )
        if len(self.shortfalls) > 2:
            out.append(f"({len(self.shortfalls) - 2} more such agreements leave a party below no deal.)")
        h = self.hinge
        if h is not None:
            where = "within its range" if h.in_range else "outside its range"
            out.append(
                f"Hangs on: {h.party}'s value of {'the pair ' if '+' in h.input else ''}"
                f"{h.input.rsplit(':', 1)[0]} (likely {h.likely:g}, range {h.low:g} to {h.high:g}): "
                f"at {h.value:.3g} ({where}) "
                f"{h.package} is worth no more to {h.party} than no deal."
            )
        elif self.hinge_package:
            out.append(
                f"Hangs on: no single ranged value of its moves, even moved twice its range away, "
                f"makes {self.hinge_package} worse than no deal for a party."
            )
        runs = self.settings.get("runs")
        sampled = self.settings.get("sample_values")
        how = "" if sampled is None else " (values sampled in each run)" if sampled else " (likely values)"
        out.append(
            f"Payoffs: discounted totals on each party's own scale, {runs} runs per pair of strategies"
            f"{how}, seed {self.settings.get('seed', 0)}; package values are per month."
        )
        return out

    def lines(self, width: int = 80) -> list[str]:
        """The answer wrapped to ``width`` columns (continuation lines indented)."""
        out = []
        for text in self.sentences():
            out += textwrap.wrap(
                text, width=width, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False
            ) or [""]
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "title": self.title,
            "deal_zone": {"exists": self.zone, "text": self.zone_text},
            "staging": self.staging.to_json(),
            "ranking": {p: [s.to_json() for s in r] for p, r in self.ranking.items()},
            "shortfalls": [s.to_json() for s in self.shortfalls],
            "hinge": None if self.hinge is None else self.hinge.to_json(),
            "settings": dict(self.settings),
            "lines": self.sentences(),
        }


def answer(
    scenario: Scenario,
    *,
    seed: int = 0,
    runs: int = COMPARISON.runs,
    strategies: Sequence[str] | None = None,
    sample_values: bool = COMPARISON.sample_values,
    time_limit: float = TIME_LIMIT,
    deals: DealSpace | None = None,
    plans: Sequence[tuple[str, PlanResult]] | None = None,
    comparison: Mapping[str, Any] | None = None,
) -> Answer:
    """The answer for ``scenario``, computing only the parts not passed in.

    ``deals``: the deal space; ``plans``: (label, plan) pairs in the order tried (see
    :func:`plans_from`); ``comparison``: a ``compare --json`` document (else ``strategies``
    for both of the first two parties, ``runs`` runs per pair, others playing tit-for-tat:
    by default every registered strategy, 50 runs, values sampled, as ``detente compare``,
    the report and the app, :data:`detente.defaults.COMPARISON`).

    >>> from detente.scenarios import load_builtin
    >>> a = answer(load_builtin("korea-2019"), runs=2, strategies=["big-deal", "step-by-step"])
    >>> a.zone, a.staging.feasible, a.best("USA").strategy
    (True, True, 'step-by-step')
    """
    ds = deals if deals is not None else analyse_deals(scenario)
    tried = list(plans) if plans is not None else _plan_all(scenario, ds, time_limit)
    staging = (
        staging_of(scenario, tried, seed)
        if ds.has_agreement or plans is not None
        else staging_of(scenario, [], seed)
    )
    doc = comparison
    if doc is None and len(scenario.parties) >= 2:
        row, col, *others = scenario.party_ids
        from detente.simulate.strategies import REGISTRY

        names = list(strategies) if strategies is not None else COMPARISON.strategy_names(REGISTRY)
        doc = compare(
            scenario,
            names,
            parties=(row, col),
            fixed={p: COMPARISON.others for p in others},
            runs=runs,
            seed=seed,
            sample_values=sample_values,
        ).as_json()
        doc["sample_values"] = sample_values
    ranking = rank_strategies(doc) if doc is not None else {}
    shortfalls = tuple(find_shortfalls(doc)) if doc is not None else ()
    if staging.feasible:
        package, moves = staging.package, frozenset(staging.target)
    elif ds.has_agreement:
        package, moves = "the Nash package", frozenset(ds.solutions["nash"].moves) - scenario.status_quo
    else:
        package, moves = "", frozenset()
    hinge = find_hinge(scenario, package, moves, ds, seed) if moves else None
    settings = {
        "seed": seed if doc is None else doc.get("seed", seed),
        "runs": runs if doc is None else doc.get("runs", runs),
        "sample_values": sample_values if doc is None else doc.get("sample_values"),
        "rows": [] if doc is None else list(doc["rows"]),
        "columns": [] if doc is None else list(doc["columns"]),
    }
    return Answer(
        scenario.id,
        scenario.title,
        ds.has_agreement,
        ds.message,
        staging,
        ranking,
        shortfalls,
        hinge,
        package,
        settings,
    )
