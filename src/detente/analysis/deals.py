"""The deal space of a scenario: packages, the exact Pareto frontier, the ZOPA and bargaining solutions.

A package is a set of moves in force that respects every ``requires`` and ``excludes``;
moves already in force are in every package unless the scenario sets
``analysis.reverse_status_quo`` (then reversible ones may be dropped). Each party's
utility is the sum of its values of the moves plus the interaction terms whose moves are
all in force (docs/formats.md). The disagreement point is each party's reservation value, by
default its status-quo utility.

The frontier is exact. Small spaces are enumerated; larger ones are built by merging the
frontiers of independent groups of moves (see :mod:`detente.analysis.deal_frontier`),
which never lists every package.

Examples
--------
>>> from detente.model.scenario import Scenario
>>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
...     "parties": [{"id": "A", "discount": 0.9}, {"id": "B", "discount": 0.9}],
...     "moves": [{"id": "a", "by": "A", "title": "a", "value": {"A": -1, "B": 3}},
...               {"id": "b", "by": "B", "title": "b", "value": {"A": 2, "B": -1}}]})
>>> ds = analyse_deals(s)
>>> ds.packages_evaluated, [sorted(p.moves) for p in ds.frontier]
(4, [['b'], ['a', 'b'], ['a']])
>>> sorted(ds.solutions["nash"].moves), ds.solutions["nash"].utility
(['a', 'b'], {'A': 1.0, 'B': 2.0})
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from detente.model.errors import AnalysisError
from detente.model.scenario import Scenario
from detente.model.tabular import Table, Tabular

from .bargaining import SOLUTIONS, Lottery, discrete_solutions, hull_solutions, rubinstein
from .deal_frontier import Frontier, branch_frontier, enumerate_packages, merge_frontier
from .deal_structure import (
    SCALE,
    ComponentTooLarge,
    DealStructure,
    ValueTable,
    compile_structure,
    quantise,
    value_table,
)

__all__ = [
    "AUTO_ENUMERATE",
    "DealSpace",
    "HullSolution",
    "Method",
    "Package",
    "RubinsteinResult",
    "Solution",
    "analyse_deals",
]

Method = Literal["auto", "enumerate", "merge"]
AUTO_ENUMERATE = 1 << 16
"""With ``method="auto"``, two-party spaces of at most this many packages are enumerated (so plots
show them all); with more parties, a sixteenth of it (the many-party Pareto filter is slower)."""


@dataclass(frozen=True)
class Package:
    """A set of moves in force (status-quo moves included) and every party's utility."""

    moves: frozenset[str]
    utility: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {"moves": sorted(self.moves), "utility": dict(self.utility)}


@dataclass(frozen=True)
class HullSolution:
    """A solution over lotteries: ``lottery`` lists (package, probability); one entry if pure."""

    utility: dict[str, float]
    lottery: tuple[tuple[Package, float], ...]

    @property
    def is_lottery(self) -> bool:
        return len(self.lottery) > 1

    def describe(self) -> str:
        if not self.is_lottery:
            return "a single package (no lottery needed)"
        parts = [f"{p:.0%} {{{', '.join(sorted(pk.moves)) or 'no moves'}}}" for pk, p in self.lottery]
        return "a lottery: " + " / ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "utility": dict(self.utility),
            "lottery": [{**pk.as_dict(), "probability": p} for pk, p in self.lottery],
            "is_lottery": self.is_lottery,
        }


@dataclass(frozen=True)
class Solution:
    """A bargaining solution: the discrete package (``moves``, ``utility``) and the hull variant.

    When no package beats the disagreement point for every party, ``agreement`` is false
    and ``moves``/``utility`` are the status quo (talks fail, nothing changes).
    """

    name: str
    moves: frozenset[str]
    utility: dict[str, float]
    agreement: bool
    hull: HullSolution | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "moves": sorted(self.moves),
            "utility": dict(self.utility),
            "agreement": self.agreement,
            "hull": None if self.hull is None else self.hull.as_dict(),
        }


@dataclass(frozen=True)
class RubinsteinResult:
    """The subgame-perfect agreement of alternating offers (reached in the first period)."""

    first: str
    discounts: dict[str, float]
    utility: dict[str, float]
    share: dict[str, float]
    lottery: tuple[tuple[Package, float], ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "discounts": dict(self.discounts),
            "utility": dict(self.utility),
            "share": dict(self.share),
            "lottery": [{**pk.as_dict(), "probability": p} for pk, p in self.lottery],
        }


@dataclass(frozen=True)
class DealSpace(Tabular):
    """Everything :func:`analyse_deals` finds about one scenario's deals."""

    scenario: str
    parties: tuple[str, ...]
    disagreement: dict[str, float]
    status_quo: Package
    method: str
    packages_feasible: int
    packages_evaluated: int
    frontier: list[Package]
    zopa: list[Package]
    solutions: dict[str, Solution]
    rubinstein: RubinsteinResult | None
    rubinstein_note: str = ""
    all_utility: np.ndarray | None = field(default=None, repr=False)
    """Every package's utility (rows, parties in order) when the space was enumerated."""

    @property
    def has_agreement(self) -> bool:
        """True if some package gives every party more than its disagreement value."""
        return bool(self.zopa)

    @property
    def hull_agreement(self) -> bool:
        """True if some lottery between packages gives every party more than its disagreement value."""
        return any(s.hull is not None for s in self.solutions.values())

    @property
    def message(self) -> str:
        """The verdict in one plain sentence."""
        if self.has_agreement:
            return (
                f"{len(self.zopa)} of the {len(self.frontier)} frontier packages give every party more "
                "than its disagreement value."
            )
        text = "No package beats the disagreement point for every party: there is no deal to be had"
        if self.hull_agreement:
            return text + " in packages (only a lottery between packages would beat it)."
        return text + "."

    def zopa_range(self) -> dict[str, tuple[float, float]]:
        """Each party's lowest and highest gain over the ZOPA (empty if there is none)."""
        if not self.zopa:
            return {}
        return {
            p: (
                min(pk.utility[p] for pk in self.zopa) - self.disagreement[p],
                max(pk.utility[p] for pk in self.zopa) - self.disagreement[p],
            )
            for p in self.parties
        }

    def _table(self) -> Table:
        """The frontier packages: moves, utility per party, in the ZOPA, which solutions pick them."""
        zopa = {p.moves for p in self.zopa}
        cols: dict[str, list[Any]] = {
            "moves": [sorted(p.moves) for p in self.frontier],
            "n_moves": [len(p.moves) for p in self.frontier],
        }
        for party in self.parties:
            cols[f"utility:{party}"] = [p.utility[party] for p in self.frontier]
        cols["zopa"] = [p.moves in zopa for p in self.frontier]
        for name, sol in self.solutions.items():
            cols[name] = [sol.agreement and sol.moves == p.moves for p in self.frontier]
        return Table(
            cols, f"{self.scenario}: {len(self.frontier)} frontier packages, {len(self.zopa)} in the ZOPA"
        )

    def as_dict(self) -> dict[str, Any]:
        """The ``detente deals --json`` document (docs/formats.md)."""
        return {
            "scenario": self.scenario,
            "parties": list(self.parties),
            "disagreement": dict(self.disagreement),
            "status_quo": self.status_quo.as_dict(),
            "method": self.method,
            "packages_feasible": self.packages_feasible,
            "packages_evaluated": self.packages_evaluated,
            "frontier": [p.as_dict() for p in self.frontier],
            "has_agreement": self.has_agreement,
            "message": self.message,
            "zopa": {
                "size": len(self.zopa),
                "gain_range": {p: [round(x, 9) for x in r] for p, r in self.zopa_range().items()},
            },
            "solutions": {k: v.as_dict() for k, v in self.solutions.items()},
            "rubinstein": None if self.rubinstein is None else self.rubinstein.as_dict(),
            "rubinstein_note": self.rubinstein_note,
        }


def _to_float(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=float) / SCALE


def utility_int(scenario: Scenario, moves: frozenset[str], mv: np.ndarray, iv: np.ndarray) -> np.ndarray:
    """Exact (quantised) utility of any set of moves under integer value tables."""
    index = {m: i for i, m in enumerate(scenario.move_ids)}
    u = np.zeros(len(scenario.parties), dtype=np.int64)
    for m in moves:
        u = u + mv[index[m]]
    for k, inter in enumerate(scenario.interactions):
        if all(m in moves for m in inter.moves):
            u = u + iv[k]
    return u


def disagreement_int(scenario: Scenario, mv: np.ndarray, iv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The status quo's utility and the disagreement point, both quantised."""
    sq = utility_int(scenario, scenario.status_quo, mv, iv)
    res = [p.reservation for p in scenario.parties]
    d = [sq[j] if r is None else int(quantise(np.array([r]))[0]) for j, r in enumerate(res)]
    return sq, np.array(d, dtype=np.int64)


def structure_of(scenario: Scenario) -> DealStructure | None:
    """The deal structure, or ``None`` when a group of linked moves is too large to enumerate."""
    try:
        return compile_structure(scenario)
    except ComponentTooLarge:
        return None


def compute_frontier(
    scenario: Scenario, st: DealStructure | None, mv: np.ndarray, iv: np.ndarray, method: Method = "auto"
) -> tuple[Frontier, str]:
    """The exact frontier with the chosen method (``auto``: enumerate small spaces, merge the rest).

    ``st`` is :func:`structure_of` the scenario; when it is ``None`` the space is solved by
    conditioning on hub moves (:func:`detente.analysis.deal_frontier.branch_frontier`).
    """
    if method not in ("auto", "enumerate", "merge"):
        raise AnalysisError(f"unknown method {method!r}; expected auto, enumerate or merge")
    if st is None:
        if method == "enumerate":
            compile_structure(scenario)  # raises the error that names the moves
        return branch_frontier(scenario, mv, iv), "merge+branch"
    small = st.n_feasible <= (AUTO_ENUMERATE if len(st.parties) <= 2 else AUTO_ENUMERATE // 16)
    if method == "enumerate" or (method == "auto" and small):
        return enumerate_packages(st, mv, iv), "enumerate"
    return merge_frontier(st, mv, iv), "merge"


def frontier_packages(st: DealStructure | None, front: Frontier) -> list[frozenset[str]]:
    """The moves of each frontier package."""
    if front.packages is not None:
        return front.packages
    assert st is not None
    return [st.package(c) for c in front.choice]


def analyse_deals(
    scenario: Scenario,
    *,
    values: ValueTable | None = None,
    first_proposer: str | None = None,
    method: Method = "auto",
) -> DealSpace:
    """Packages, the exact Pareto frontier, the ZOPA and the bargaining solutions of a scenario.

    Parameters
    ----------
    scenario
        The scenario.
    values
        The values to use (default: the likely values; see
        :func:`detente.analysis.deal_structure.sample_value_tables` for draws).
    first_proposer
        Who opens Rubinstein's alternating offers (default: the first party).
    method
        ``"enumerate"`` lists every package (up to about four million), ``"merge"`` merges
        the frontiers of independent groups of moves, ``"auto"`` picks.

    Raises
    ------
    AnalysisError
        When the space is too large for an exact answer, or a party name is unknown.

    Examples
    --------
    >>> from detente.model.scenario import Scenario
    >>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
    ...     "parties": [{"id": "A"}, {"id": "B"}],
    ...     "moves": [{"id": "a", "by": "A", "title": "a", "value": {"A": -2, "B": 1}}]})
    >>> ds = analyse_deals(s)
    >>> ds.has_agreement, ds.solutions["nash"].agreement
    (False, False)
    """
    st = structure_of(scenario)
    table = values if values is not None else value_table(scenario)
    k = len(scenario.parties)
    if table.moves.shape != (len(scenario.moves), k) or table.interactions.shape != (
        len(scenario.interactions),
        k,
    ):
        raise AnalysisError(
            f"the value table has shapes {table.moves.shape} and {table.interactions.shape}; expected "
            f"{(len(scenario.moves), k)} (moves x parties) and {(len(scenario.interactions), k)} (interactions x parties)"
        )
    mv, iv = quantise(table.moves), quantise(table.interactions)
    front, used = compute_frontier(scenario, st, mv, iv, method)
    sq_u, d_int = disagreement_int(scenario, mv, iv)
    parties = scenario.party_ids
    packages = frontier_packages(st, front)
    F = _to_float(front.utility)
    d = _to_float(d_int)

    def pkg(i: int) -> Package:
        return Package(packages[i], dict(zip(parties, (float(x) for x in F[i]), strict=True)))

    frontier = [pkg(i) for i in range(len(packages))]
    zopa = [frontier[i] for i in np.flatnonzero((front.utility > d_int).all(axis=1))]
    status_quo = Package(
        scenario.status_quo, dict(zip(parties, (float(x) for x in _to_float(sq_u)), strict=True))
    )
    disc = discrete_solutions(F, d)
    hull = hull_solutions(F, d)

    def hull_of(lot: Lottery) -> HullSolution:
        return HullSolution(
            dict(zip(parties, lot.point, strict=True)),
            tuple((frontier[r], w) for r, w in zip(lot.rows, lot.weights, strict=True)),
        )

    solutions = {}
    for name in SOLUTIONS:
        h = None if hull is None else hull_of(hull[name])
        if disc is None:
            solutions[name] = Solution(name, status_quo.moves, dict(status_quo.utility), False, h)
        else:
            p = frontier[disc[name]]
            solutions[name] = Solution(name, p.moves, dict(p.utility), True, h)

    rub, note = _rubinstein(scenario, F, d, frontier, first_proposer)
    return DealSpace(
        scenario=scenario.id,
        parties=parties,
        disagreement=dict(zip(parties, (float(x) for x in d), strict=True)),
        status_quo=status_quo,
        method=used,
        packages_feasible=front.n_feasible if front.n_feasible is not None else st.n_feasible if st else 0,
        packages_evaluated=front.evaluated,
        frontier=frontier,
        zopa=zopa,
        solutions=solutions,
        rubinstein=rub,
        rubinstein_note=note,
        all_utility=None if front.all_utility is None else _to_float(front.all_utility),
    )


def _rubinstein(
    scenario: Scenario, F: np.ndarray, d: np.ndarray, frontier: list[Package], first: str | None
) -> tuple[RubinsteinResult | None, str]:
    parties = scenario.party_ids
    if first is not None and first not in parties:
        raise AnalysisError(
            f"unknown party {first!r} as first proposer; expected one of {', '.join(parties)}"
        )
    if len(parties) != 2:
        return None, f"alternating offers are defined here for two parties; this scenario has {len(parties)}"
    disc = (scenario.parties[0].discount, scenario.parties[1].discount)
    if disc[0] * disc[1] >= 1:
        return None, "both parties have discount 1 (no impatience): every frontier point is an equilibrium"
    who = parties.index(first) if first is not None else 0
    out = rubinstein(F, d, disc, who)
    if out is None:
        return None, "no lottery between packages beats the disagreement point for both parties"
    lot = out.lottery
    return (
        RubinsteinResult(
            first=parties[who],
            discounts=dict(zip(parties, disc, strict=True)),
            utility=dict(zip(parties, lot.point, strict=True)),
            share=dict(zip(parties, out.share, strict=True)),
            lottery=tuple((frontier[r], w) for r, w in zip(lot.rows, lot.weights, strict=True)),
        ),
        "",
    )
