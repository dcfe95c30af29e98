"""The structure of a scenario's deal space: which moves are fixed, which are free, and how they group.

A *package* is a set of moves in force that respects every ``requires`` and ``excludes``.
Moves already in force are in every package unless ``analysis.reverse_status_quo`` is set
and the move is reversible. Free moves that share a prerequisite, an exclusion or an
interaction term fall into one *component*; components are independent of each other, so
a package is one feasible option per component and each party's utility is a sum over
components. This module finds the components and enumerates each one's feasible options;
:mod:`detente.analysis.deal_frontier` combines them.

Utilities are computed in exact integer arithmetic: every value is rounded to
``1 / SCALE`` (a millionth of a unit) once, so sums do not depend on their order and ties
are exact.

Examples
--------
>>> from detente.model.scenario import Scenario
>>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
...     "parties": [{"id": "A"}, {"id": "B"}],
...     "moves": [{"id": "a", "by": "A", "title": "a", "value": {"A": -1, "B": 2}},
...               {"id": "b", "by": "B", "title": "b", "value": {"A": 3, "B": -1}, "requires": ["a"]},
...               {"id": "c", "by": "B", "title": "c", "value": {"A": 1}}]})
>>> st = compile_structure(s)
>>> [[s.move_ids[i] for i in c.moves] for c in st.components], st.n_feasible
([['a', 'b'], ['c']], 6)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from detente.model.errors import AnalysisError
from detente.model.scenario import Scenario
from detente.model.values import sample_triangular

__all__ = [
    "COMPONENT_LIMIT",
    "SCALE",
    "Component",
    "ComponentTooLarge",
    "DealStructure",
    "ValueTable",
    "compile_structure",
    "quantise",
    "sample_value_tables",
    "value_table",
]

SCALE = 1_000_000
"""Values are rounded to 1/SCALE before any sum, so every sum is exact."""

COMPONENT_LIMIT = 1 << 21
"""Most feasible options one component may have (about two million)."""

_KEY_BITS = 62


class ComponentTooLarge(AnalysisError):
    """One group of linked moves has too many feasible combinations to enumerate."""

    def __init__(self, message: str, moves: tuple[int, ...]) -> None:
        super().__init__(message)
        self.moves = moves


@dataclass(frozen=True)
class ValueTable:
    """Every party's value of every move and interaction, as plain numbers.

    ``moves`` has one row per move in scenario order, ``interactions`` one row per
    interaction; columns are parties in scenario order.
    """

    parties: tuple[str, ...]
    moves: np.ndarray
    interactions: np.ndarray


def value_table(scenario: Scenario, point: Literal["low", "likely", "high"] = "likely") -> ValueTable:
    """The scenario's values at one point of their ranges (default: likely).

    >>> from detente.model.scenario import Scenario
    >>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T", "parties": [{"id": "A"}],
    ...     "moves": [{"id": "m", "by": "A", "title": "m", "value": {"A": [1, 2, 4]}}]})
    >>> value_table(s, "high").moves.tolist()
    [[4.0]]
    """
    parties = scenario.party_ids
    mv = np.array(
        [[getattr(m.value_for(p), point) for p in parties] for m in scenario.moves], dtype=float
    ).reshape(len(scenario.moves), len(parties))
    iv = np.array(
        [
            [getattr(i.value[p], point) if p in i.value else 0.0 for p in parties]
            for i in scenario.interactions
        ],
        dtype=float,
    ).reshape(len(scenario.interactions), len(parties))
    return ValueTable(parties, mv, iv)


def sample_value_tables(scenario: Scenario, n: int, rng: np.random.Generator) -> list[ValueTable]:
    """``n`` independent triangular draws of every ranged value (numbers stay fixed).

    All draws are made at once in a fixed order (moves, then interactions), so the same
    generator state gives the same tables.

    >>> from detente.model.scenario import Scenario
    >>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T", "parties": [{"id": "A"}],
    ...     "moves": [{"id": "m", "by": "A", "title": "m", "value": {"A": [1, 2, 4]}}]})
    >>> t = sample_value_tables(s, 3, np.random.default_rng(0))
    >>> len(t), all(1 <= x.moves[0, 0] <= 4 for x in t)
    (3, True)
    """
    lo, li, hi = (value_table(scenario, p) for p in ("low", "likely", "high"))
    mv = sample_triangular(lo.moves, li.moves, hi.moves, rng, size=n)
    iv = sample_triangular(lo.interactions, li.interactions, hi.interactions, rng, size=n)
    return [ValueTable(lo.parties, mv[j], iv[j]) for j in range(n)]


def quantise(x: np.ndarray) -> np.ndarray:
    """Values as exact integers in units of 1/SCALE.

    >>> quantise(np.array([0.1, -2.5])).tolist()
    [100000, -2500000]
    """
    arr = np.asarray(x, dtype=float)
    if arr.size and not np.all(np.isfinite(arr)):
        raise AnalysisError("values must be finite numbers")
    if arr.size and float(np.abs(arr).max()) * SCALE >= 2.0**52:
        raise AnalysisError(
            f"values of magnitude {float(np.abs(arr).max()):g} are too large; expected below 1e9"
        )
    return np.rint(arr * SCALE).astype(np.int64)


@dataclass(frozen=True)
class Component:
    """Free moves linked by prerequisites, exclusions or interactions, and their feasible options.

    ``moves`` are global move indices (scenario order); ``bits[o, j]`` says whether option
    ``o`` includes ``moves[j]``; ``count`` and ``key`` are the tie-break keys of the options
    (number of moves, then a fixed bit order over the free moves).
    """

    moves: tuple[int, ...]
    bits: np.ndarray
    count: np.ndarray
    key: np.ndarray
    interactions: tuple[tuple[int, np.ndarray], ...]

    @property
    def n_options(self) -> int:
        return int(self.bits.shape[0])

    def utilities(self, move_values: np.ndarray, inter_values: np.ndarray) -> np.ndarray:
        """Integer utility of every option (options x parties), from quantised values."""
        u = self.bits @ move_values[list(self.moves)] if self.moves else np.zeros((1, move_values.shape[1]))
        u = np.asarray(u, dtype=np.int64)
        for i, active in self.interactions:
            u = u + np.outer(active, inter_values[i]).astype(np.int64)
        return u


@dataclass(frozen=True)
class DealStructure:
    """What is fixed and what is free in a scenario's deal space."""

    parties: tuple[str, ...]
    move_ids: tuple[str, ...]
    forced: tuple[int, ...]
    impossible: tuple[int, ...]
    free: tuple[int, ...]
    components: tuple[Component, ...]
    base_interactions: tuple[int, ...]
    status_quo: frozenset[str]

    @property
    def n_feasible(self) -> int:
        """The exact number of feasible packages."""
        n = 1
        for c in self.components:
            n *= c.n_options
        return n

    def base_utility(self, move_values: np.ndarray, inter_values: np.ndarray) -> np.ndarray:
        """Integer utility of the forced moves and the interactions among them."""
        u = move_values[list(self.forced)].sum(axis=0) if self.forced else np.zeros(len(self.parties))
        for i in self.base_interactions:
            u = u + inter_values[i]
        return np.asarray(u, dtype=np.int64)

    def package(self, choice: np.ndarray) -> frozenset[str]:
        """The moves of a package given one option index per component."""
        ids = {self.move_ids[i] for i in self.forced}
        for comp, o in zip(self.components, choice, strict=True):
            row = comp.bits[int(o)]
            ids.update(self.move_ids[m] for m, b in zip(comp.moves, row, strict=True) if b)
        return frozenset(ids)


def compile_structure(scenario: Scenario) -> DealStructure:
    """Split the scenario's moves into forced, impossible and free, and group the free ones.

    Raises :class:`ComponentTooLarge` (an :class:`AnalysisError`) when a component has
    more than :data:`COMPONENT_LIMIT` feasible options (enumeration would be hopeless).
    """
    st = conditioned_structure(scenario, frozenset(), frozenset())
    if st is None:
        raise AnalysisError(
            "the moves in force contradict each other (a prerequisite is missing or excluded)"
        )
    return st


def conditioned_structure(
    scenario: Scenario, fixed_in: frozenset[int], fixed_out: frozenset[int]
) -> DealStructure | None:
    """As :func:`compile_structure`, with some moves (by index) fixed in or out; ``None`` if infeasible."""
    ids = scenario.move_ids
    index = {m: i for i, m in enumerate(ids)}
    n = len(ids)
    requires = [[index[r] for r in m.requires] for m in scenario.moves]
    excl: list[set[int]] = [set() for _ in range(n)]
    for i, m in enumerate(scenario.moves):
        for xid in m.excludes:
            excl[i].add(index[xid])
            excl[index[xid]].add(i)

    reversible_sq = scenario.analysis.reverse_status_quo
    forced = {i for i, m in enumerate(scenario.moves) if m.in_force and not (reversible_sq and m.reversible)}
    forced |= fixed_in
    stack = list(forced)
    while stack:  # whatever a forced move needs is forced too
        i = stack.pop()
        for r in requires[i]:
            if r not in forced:
                forced.add(r)
                stack.append(r)
    if forced & fixed_out or any(excl[i] & forced for i in forced):
        return None
    impossible = {i for i in range(n) if i not in forced and excl[i] & forced} | set(fixed_out)
    changed = True
    while changed:  # a move that needs an impossible move is impossible
        changed = False
        for i in range(n):
            if i not in forced and i not in impossible and any(r in impossible for r in requires[i]):
                impossible.add(i)
                changed = True
    free = [i for i in range(n) if i not in forced and i not in impossible]
    free_pos = {m: j for j, m in enumerate(free)}

    parent = {i: i for i in free}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for i in free:
        for r in requires[i]:
            if r in parent:
                union(i, r)
        for x in excl[i]:
            if x in parent:
                union(i, x)
    base_inter: list[int] = []
    inter_free: list[tuple[int, list[int]]] = []
    for k, inter in enumerate(scenario.interactions):
        ms = [index[m] for m in inter.moves]
        if any(m in impossible for m in ms):
            continue
        fm = [m for m in ms if m not in forced]
        if not fm:
            base_inter.append(k)
            continue
        for a in fm[1:]:
            union(fm[0], a)
        inter_free.append((k, fm))

    groups: dict[int, list[int]] = {}
    for i in free:
        groups.setdefault(find(i), []).append(i)
    comps = []
    for members in groups.values():  # in order of each group's first move
        comps.append(_enumerate(members, requires, excl, free_pos, len(free), inter_free, ids))
    return DealStructure(
        parties=scenario.party_ids,
        move_ids=ids,
        forced=tuple(sorted(forced)),
        impossible=tuple(sorted(impossible)),
        free=tuple(free),
        components=tuple(comps),
        base_interactions=tuple(base_inter),
        status_quo=scenario.status_quo,
    )


def _enumerate(
    members: list[int],
    requires: list[list[int]],
    excl: list[set[int]],
    free_pos: dict[int, int],
    n_free: int,
    inter_free: list[tuple[int, list[int]]],
    ids: tuple[str, ...],
) -> Component:
    """Every feasible subset of one component, grown move by move in prerequisite order."""
    if len(members) > _KEY_BITS:
        raise ComponentTooLarge(
            f"{len(members)} moves are linked by prerequisites, exclusions or interactions "
            f"({', '.join(ids[m] for m in members[:5])}, ...); at most {_KEY_BITS} can be analysed together",
            tuple(members),
        )
    mset = set(members)
    order: list[int] = []
    placed: set[int] = set()
    pending = list(members)
    while pending:  # topological order, file order among equals (prerequisites are acyclic)
        for m in pending:
            if all(r in placed or r not in mset for r in requires[m]):
                order.append(m)
                placed.add(m)
                pending.remove(m)
                break
    local = {m: j for j, m in enumerate(order)}
    masks = np.zeros(1, dtype=np.int64)
    for j, m in enumerate(order):
        ok = np.ones(masks.shape[0], dtype=bool)
        for r in requires[m]:
            if r in local:
                ok &= ((masks >> local[r]) & 1).astype(bool)
        for x in excl[m]:
            if x in local and local[x] < j:
                ok &= ~((masks >> local[x]) & 1).astype(bool)
        masks = np.concatenate([masks, masks[ok] | np.int64(1 << j)])
        if masks.shape[0] > COMPONENT_LIMIT:
            raise ComponentTooLarge(
                f"the {len(members)} linked moves {', '.join(ids[o] for o in members[:6])}"
                f"{', ...' if len(members) > 6 else ''} have more than {COMPONENT_LIMIT:,} feasible "
                "combinations; split them (fewer shared prerequisites, exclusions or interactions)",
                tuple(members),
            )
    bits = ((masks[:, None] >> np.arange(len(order), dtype=np.int64)[None, :]) & 1).astype(np.int64)
    count = bits.sum(axis=1).astype(np.int64)
    if n_free <= _KEY_BITS:
        weights = np.array([1 << free_pos[m] for m in order], dtype=np.int64)
        key = bits @ weights
    else:
        key = np.zeros(bits.shape[0], dtype=np.int64)
    inters: list[tuple[int, np.ndarray]] = []
    for k, fm in inter_free:
        if fm[0] in local:
            cols = [local[m] for m in fm]
            inters.append((k, np.asarray(bits[:, cols].all(axis=1), dtype=np.int64)))
    return Component(tuple(order), bits, count, np.asarray(key, dtype=np.int64), tuple(inters))
