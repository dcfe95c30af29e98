"""GMCR stability analysis: Nash, GMR, SMR and SEQ for any number of decision makers.

Definitions follow Fang, Hipel & Kilgour, *Interactive Decision Making: The Graph
Model for Conflict Resolution* (Wiley, 1993), ch. 3-4. For a focal decision maker
``i`` at a feasible state ``s``, with ``R_i(s)`` its unilateral moves, ``R_i+(s)``
those it strictly prefers, and ``H = N - {i}`` the others:

- **Nash**: ``R_i+(s)`` is empty.
- **GMR**: every ``s1`` in ``R_i+(s)`` is sanctioned: some ``s2`` in ``R_H(s1)``
  with ``s2`` not preferred to ``s`` by ``i``.
- **SMR**: as GMR, and from that ``s2`` no move of ``i`` reaches a state ``i``
  prefers to ``s``.
- **SEQ**: as GMR, but ``s2`` in ``R_H+(s1)``: the others only use moves each mover
  itself strictly prefers.

``R_H(s1)`` holds the states reachable by *legal sequences* of unilateral moves by
members of ``H``: any length, any order, but no decision maker moves twice in a row.
With two decision makers that is one move of the opponent.

How it is computed (no states x states matrices). States are bitmasks, so the moves of
``i`` from every state at once are a subset-sum transform over ``i``'s option bits
(respecting ``take``/``drop`` directions); keeping the two smallest values of each set
gives "the best over ``R_i(x)``, ``x`` itself excluded" exactly. ``R_H`` is a fixpoint
over (state, last mover) pairs: ``V_k(x) = min(Q(x), min_{j != k} min_{y in R_j(x)} V_j(y))``.
Improvement moves (SEQ) use, per decision maker, each coset of its ``both`` options sorted
by its own preference, so "the best ``y`` that the mover prefers to ``x``" is a prefix
minimum. Everything is vectorised over all ``2**n`` states.

Examples
--------
>>> from detente.model.conflict import Conflict
>>> r = analyse(Conflict.example())
>>> r.equilibria("nash"), r.equilibria("gmr")
(['YY'], ['NN', 'YY'])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente.model.conflict import Conflict
from detente.model.errors import AnalysisError
from detente.model.tabular import Table, Tabular

from .stability_sim import MAX_SIM_OPTIONS, coalition_nash, simultaneous

__all__ = [
    "BASIC_CONCEPTS",
    "CONCEPTS",
    "Engine",
    "StabilityResult",
    "analyse",
    "default_concepts",
    "parse_concepts",
    "parse_state",
]

BASIC_CONCEPTS: tuple[str, ...] = ("nash", "gmr", "smr", "seq")
CONCEPTS: tuple[str, ...] = (*BASIC_CONCEPTS, "sim", "coalition")
CONCEPT_NAMES = {
    "nash": "Nash",
    "gmr": "general metarationality",
    "smr": "symmetric metarationality",
    "seq": "sequential stability",
    "sim": "simultaneous stability",
    "coalition": "coalition Nash",
}

_INF = np.inf
_SPARSE_LIMIT = 1 << 25  # (state, improvement) pairs kept per decision maker (8 bytes each)


def parse_concepts(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """Concept names from ``"nash,gmr"`` (any case; ``all`` for every concept).

    >>> parse_concepts("SEQ, nash")
    ('nash', 'seq')
    """
    if text is None:
        return BASIC_CONCEPTS
    items = text.split(",") if isinstance(text, str) else list(text)
    wanted = {t.strip().lower() for t in items if t.strip()}
    if "all" in wanted:
        return CONCEPTS
    unknown = sorted(wanted - set(CONCEPTS))
    if unknown or not wanted:
        raise AnalysisError(
            f"unknown concept(s) {', '.join(unknown) or '(none given)'}; expected some of: "
            + ", ".join(CONCEPTS)
            + " or all"
        )
    return tuple(c for c in CONCEPTS if c in wanted)


def default_concepts(conflict: Conflict) -> tuple[str, ...]:
    """Nash, GMR, SMR, SEQ; plus SIM and coalition Nash when the conflict is small enough.

    >>> default_concepts(Conflict.example())
    ('nash', 'gmr', 'smr', 'seq', 'sim', 'coalition')
    """

    return CONCEPTS if conflict.n_options <= MAX_SIM_OPTIONS else BASIC_CONCEPTS


def parse_state(conflict: Conflict, text: str) -> int:
    """A feasible state from a full pattern (Y/N per option), or AnalysisError saying why.

    >>> parse_state(Conflict.example(), "ny")
    2
    """
    pattern = text.strip().upper()
    n = conflict.n_options
    if len(pattern) != n or set(pattern) - set("YN"):
        raise AnalysisError(
            f"state {text!r}: expected a pattern of {n} characters Y or N, one per option in order: "
            + ", ".join(conflict.option_ids)
        )
    state = conflict.state_of(pattern)
    if not conflict.feasible[state]:
        raise AnalysisError(f"state {pattern} is infeasible in {conflict.id}; expected a feasible state")
    return state


class Engine:
    """Vectorised move operators over all states of one conflict.

    ``move_min(j, W)[x]`` is the minimum of ``W`` over ``R_j(x)``; ``improve_min(j, W)[x]``
    over ``R_j+(x)``; ``reach_min(H, Q, improve)[x]`` over the states reachable from ``x``
    by legal sequences of (improving) moves by ``H``. Infeasible states are never
    targets. Values are ``+inf`` where the set is empty.

    >>> e = Engine(Conflict.example())
    >>> e.move_min(0, np.array([1.0, 2.0, 3.0, 4.0])).tolist()  # A flips bit 0
    [2.0, 1.0, 4.0, 3.0]
    """

    def __init__(self, conflict: Conflict) -> None:
        self.c = conflict
        self.n = conflict.n_options
        self.N = conflict.n_states
        self.feas = conflict.feasible
        self.states = np.arange(self.N, dtype=np.int64)
        self.payoff = np.where(self.feas, conflict.payoff, -_INF)
        take, drop = conflict.direction_mask("take"), conflict.direction_mask("drop")
        self.masks = [conflict.dm_mask(i) for i in range(len(conflict.dms))]
        self.take, self.drop = take, drop
        self._imp: dict[int, _ImproveIndex] = {}

    # ----- one move ---------------------------------------------------------
    def move_min(self, j: int, W: np.ndarray) -> np.ndarray:
        """Minimum of ``W`` (``+inf`` at infeasible states is the caller's job) over ``R_j(x)``."""
        W = np.where(self.feas, W, _INF)
        m1 = W.astype(float, copy=True)
        m2 = np.full(self.N, _INF)
        for b in range(self.n):
            bit = 1 << b
            if not self.masks[j] & bit:
                continue
            a1, b1 = _halves(m1, b)
            a2, b2 = _halves(m2, b)
            lo = np.minimum(a1, b1)
            second = np.minimum(np.maximum(a1, b1), np.minimum(a2, b2))
            if self.take & bit:  # only N -> Y: states with the bit off gain the other half
                a1[...], a2[...] = lo, second
            elif self.drop & bit:  # only Y -> N
                b1[...], b2[...] = lo, second
            else:
                a1[...], a2[...], b1[...], b2[...] = lo, second, lo, second
        return np.where(m1 == W, m2, m1)

    def move_max(self, j: int, W: np.ndarray) -> np.ndarray:
        """Maximum over ``R_j(x)`` (``-inf`` where there is no move)."""
        return -self.move_min(j, np.where(self.feas, -W, _INF))

    # ----- one improving move ------------------------------------------------
    def _improve_index(self, j: int) -> _ImproveIndex:
        if j not in self._imp:
            free = self.masks[j] & ~self.take & ~self.drop
            rank = _dense_rank(self.payoff[j])  # infeasible states rank lowest (-inf)
            span = int(rank.max()) + 2
            rest = self.states & ~free
            order = np.lexsort((-rank, rest))  # by coset of the free options, most preferred first
            keys = rest[order] * span + (span - 1 - rank[order])
            inverse = np.empty(self.N, dtype=np.int64)
            inverse[order] = self.states
            ix = _ImproveIndex(order, 1 << bin(free).count("1"), keys, rank, span, free, inverse)
            subsets = _submasks(self.masks[j] & (self.take | self.drop))
            sources: list[np.ndarray] = []
            positions: list[np.ndarray] = []
            total = 0
            for d in subsets:
                src, pos = self._improve_targets(ix, d)
                total += len(src)
                if total > _SPARSE_LIMIT:  # too many (state, move) pairs to keep: recompute on use
                    ix.lazy = subsets
                    break
                sources.append(src.astype(np.int32))
                positions.append(pos.astype(np.int32))
            if ix.lazy is None:
                src_all, pos_all = np.concatenate(sources), np.concatenate(positions)
                by_source = np.argsort(src_all, kind="stable")
                ix.sources, ix.starts = np.unique(src_all[by_source], return_index=True)
                ix.positions = pos_all[by_source]
            self._imp[j] = ix
        return self._imp[j]

    def _improve_targets(self, ix: _ImproveIndex, d: int) -> tuple[np.ndarray, np.ndarray]:
        """For the directed change ``d``: the states x where it is allowed and x^d's coset holds a
        state the mover strictly prefers to x, and the position (in sorted order) of the last one."""
        x = self.states
        x = x[((x & d & self.take) == 0) & ((~x & d & self.drop) == 0)]
        if ix.group == 1:  # no free options: the coset is the single state x^d
            y = x ^ d
            better = ix.rank[y] > ix.rank[x]
            return x[better], ix.inverse[y[better]]
        target = (x ^ d) & ~ix.free
        start = np.searchsorted(ix.keys, target * ix.span, side="left")
        stop = np.searchsorted(ix.keys, target * ix.span + (ix.span - 1 - ix.rank[x]), side="left")
        some = stop > start
        return x[some], stop[some] - 1

    def improve_min(self, j: int, W: np.ndarray) -> np.ndarray:
        """Minimum of ``W`` over ``R_j+(x)``: moves of ``j`` to states ``j`` strictly prefers."""
        ix = self._improve_index(j)
        sorted_w = np.where(self.feas, W, _INF)[ix.order].reshape(-1, ix.group)
        prefix = np.minimum.accumulate(sorted_w, axis=1).ravel()
        out = np.full(self.N, _INF)
        if ix.lazy is None:
            if len(ix.positions):
                out[ix.sources] = np.minimum.reduceat(prefix[ix.positions], ix.starts)
            return out
        for d in ix.lazy:
            src, pos = self._improve_targets(ix, d)  # each state at most once per d
            out[src] = np.minimum(out[src], prefix[pos])
        return out

    # ----- sequences by a group ----------------------------------------------
    def reach_min(self, group: Sequence[int], Q: np.ndarray, improve: bool = False) -> np.ndarray:
        """Minimum of ``Q`` over the states reachable from each state by legal sequences.

        A legal sequence: one or more unilateral moves by members of ``group``, no member
        moving twice in a row (Fang, Hipel & Kilgour 1993). With ``improve`` every move
        is one its mover strictly prefers.
        """
        step: Callable[[int, np.ndarray], np.ndarray] = self.improve_min if improve else self.move_min
        Q = np.where(self.feas, Q, _INF)
        members = list(group)
        if not members:
            return np.full(self.N, _INF)
        if len(members) == 1:
            return step(members[0], Q)
        V = {k: Q for k in members}  # V[k][x]: min of Q from x on, given k moved last
        while True:
            M = {j: step(j, V[j]) for j in members}
            new = {}
            for k in members:
                best = Q
                for j in members:
                    if j != k:
                        best = np.minimum(best, M[j])
                new[k] = np.where(self.feas, best, _INF)
            if all(np.array_equal(new[k], V[k]) for k in members):
                break
            V = new
        out = M[members[0]]
        for j in members[1:]:
            out = np.minimum(out, M[j])
        return out

    # ----- the four concepts -----------------------------------------------
    def nash(self, i: int) -> np.ndarray:
        return self.move_max(i, self.payoff[i]) <= self.payoff[i]

    def _sanctioned(self, i: int, sanction: np.ndarray) -> np.ndarray:
        # unstable iff some s1 in R_i(s) has min(P_i(s1), sanction(s1)) > P_i(s)
        g = np.where(self.feas, np.minimum(self.payoff[i], sanction), -_INF)
        return self.move_max(i, g) <= self.payoff[i]

    def others(self, i: int) -> list[int]:
        return [j for j in range(len(self.masks)) if j != i]

    def gmr(self, i: int) -> np.ndarray:
        return self._sanctioned(i, self.reach_min(self.others(i), self.payoff[i]))

    def smr(self, i: int) -> np.ndarray:
        escape = np.maximum(self.payoff[i], self.move_max(i, self.payoff[i]))
        return self._sanctioned(i, self.reach_min(self.others(i), escape))

    def seq(self, i: int) -> np.ndarray:
        return self._sanctioned(i, self.reach_min(self.others(i), self.payoff[i], improve=True))


@dataclass
class _ImproveIndex:
    """Improvement moves of one decision maker, precomputed (preferences never change)."""

    order: np.ndarray  # states sorted by coset of the mover's free options, then preference
    group: int  # coset size
    keys: np.ndarray  # sorted composite keys: coset * span + reversed rank
    rank: np.ndarray  # dense rank of the mover's payoff
    span: int
    free: int  # the mover's 'both' options
    inverse: np.ndarray  # position of each state in ``order``
    sources: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    starts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    positions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    lazy: list[int] | None = None  # directed changes to recompute on each use (too many to keep)


def _halves(a: np.ndarray, b: int) -> tuple[np.ndarray, np.ndarray]:
    view = a.reshape(-1, 2, 1 << b)
    return view[:, 0, :], view[:, 1, :]


def _dense_rank(values: np.ndarray) -> np.ndarray:
    _, inverse = np.unique(values, return_inverse=True)
    return inverse.astype(np.int64).ravel()


def _submasks(mask: int) -> list[int]:
    out = [0]
    for b in range(mask.bit_length()):
        if mask >> b & 1:
            out += [m | (1 << b) for m in out]
    return out


# ---------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class StabilityResult(Tabular):
    """Stability of every state for every decision maker under each concept.

    ``stable[concept]`` is a boolean array of shape ``(decision makers, states)``;
    only feasible states are meaningful (and reported).
    """

    conflict: Conflict
    concepts: tuple[str, ...]
    stable: dict[str, np.ndarray]
    extra: dict[str, Any] = field(default_factory=dict)

    def equilibrium(self, concept: str) -> np.ndarray:
        """Boolean over states: feasible and stable for every decision maker."""
        return self.stable[concept].all(axis=0) & self.conflict.feasible

    def equilibrium_states(self, concept: str) -> list[int]:
        return [int(s) for s in np.flatnonzero(self.equilibrium(concept))]

    def equilibria(self, concept: str) -> list[str]:
        """Equilibria under ``concept`` as patterns, in state order."""
        return [self.conflict.pattern(s) for s in self.equilibrium_states(concept)]

    def is_stable(self, concept: str, dm: str, state: int) -> bool:
        return bool(self.stable[concept][self.conflict.dm_index(dm), state])

    def state_record(self, state: int) -> dict[str, Any]:
        c = self.conflict
        return {
            "pattern": c.pattern(state),
            "taken": c.taken(state),
            "stable": {
                dm: {k: bool(self.stable[k][i, state]) for k in self.concepts} for i, dm in enumerate(c.dms)
            },
            "equilibrium": {k: bool(self.stable[k][:, state].all()) for k in self.concepts},
        }

    def targets(self) -> dict[int, list[str]]:
        """Every state that is an equilibrium under some concept, with those concepts."""
        out: dict[int, list[str]] = {}
        for k in self.concepts:
            for s in self.equilibrium_states(k):
                out.setdefault(s, []).append(k)
        return dict(sorted(out.items()))

    def _records(self, listed: np.ndarray) -> list[dict[str, Any]]:
        """``state_record`` for many states at once (plain lists: fast for 10**5 states)."""
        c = self.conflict
        bits = ((listed[:, None] >> np.arange(c.n_options)) & 1).astype(bool)
        patterns = ["".join(row) for row in np.where(bits, "Y", "N").tolist()]
        ids = c.option_ids
        stable: dict[str, list[list[bool]]] = {k: self.stable[k][:, listed].tolist() for k in self.concepts}
        equilibrium: dict[str, list[bool]] = {
            k: np.asarray(self.stable[k][:, listed].all(axis=0)).tolist() for k in self.concepts
        }
        out = []
        for n, row in enumerate(bits.tolist()):
            out.append({
                "pattern": patterns[n],
                "taken": [ids[k] for k, b in enumerate(row) if b],
                "stable": {dm: {k: stable[k][i][n] for k in self.concepts} for i, dm in enumerate(c.dms)},
                "equilibrium": {k: equilibrium[k][n] for k in self.concepts},
            })  # fmt: skip
        return out

    def _table(self) -> Table:
        """One row per feasible state: pattern, options taken, stable per DM and concept, equilibria."""
        c = self.conflict
        listed = c.feasible_states()
        bits = ((listed[:, None] >> np.arange(c.n_options)) & 1).astype(bool)
        ids = c.option_ids
        cols: dict[str, Any] = {
            "state": listed.tolist(),
            "pattern": ["".join(row) for row in np.where(bits, "Y", "N").tolist()],
            "options": [[ids[k] for k, b in enumerate(row) if b] for row in bits.tolist()],
        }
        for i, dm in enumerate(c.dms):
            for k in self.concepts:
                cols[f"{k}:{dm}"] = self.stable[k][i, listed]
        for k in self.concepts:
            cols[f"equilibrium:{k}"] = self.stable[k][:, listed].all(axis=0)
        return Table(cols, f"{c.title or c.id}: stability of {len(listed)} feasible states")

    def to_json(self, states: str = "all") -> dict[str, Any]:
        """The ``detente stability --json`` document (docs/formats.md), plus extra keys.

        ``states`` is ``"all"`` (every feasible state, the contract) or ``"equilibria"``
        (only states that are an equilibrium under some concept).
        """
        c = self.conflict
        if states == "equilibria":
            mask = np.zeros(c.n_states, dtype=bool)
            for k in self.concepts:
                mask |= self.equilibrium(k)
            listed = np.flatnonzero(mask)
        else:
            listed = c.feasible_states()
        out: dict[str, Any] = {
            "options": list(c.option_ids),
            "states": self._records(listed),
            "equilibria": {k: self.equilibria(k) for k in self.concepts},
            "conflict": {"id": c.id, "title": c.title},
            "decision_makers": [
                {"id": dm, "name": c.dm_label(i), "options": [o.id for o in c.options if o.dm == dm]}
                for i, dm in enumerate(c.dms)
            ],
            "option_details": [
                {"id": o.id, "dm": o.dm, "direction": o.direction, "title": o.label} for o in c.options
            ],
            "feasible_states": int(c.feasible.sum()),
            "status_quo": None if c.status_quo is None else c.pattern(c.status_quo),
        }
        out.update(self.extra)
        return out


def analyse(conflict: Conflict, concepts: Sequence[str] = BASIC_CONCEPTS) -> StabilityResult:
    """Stability of every feasible state for every decision maker under ``concepts``.

    Concepts: ``nash``, ``gmr``, ``smr``, ``seq`` (any conflict up to 2**20 states),
    ``sim`` and ``coalition`` (small conflicts, see :mod:`detente.analysis.stability_sim`).

    >>> from detente.model.conflict import Conflict
    >>> r = analyse(Conflict.example(), ["nash", "seq"])
    >>> r.is_stable("seq", "A", 0), r.is_stable("nash", "A", 0)
    (True, False)
    """
    wanted = parse_concepts(list(concepts))
    engine = Engine(conflict)
    stable: dict[str, np.ndarray] = {}
    dms = range(len(conflict.dms))
    for k in wanted:
        if k in BASIC_CONCEPTS:
            method = getattr(engine, k)
            stable[k] = np.stack([method(i) for i in dms]) & conflict.feasible
    if "sim" in wanted or "coalition" in wanted:
        if "sim" in wanted:
            stable["sim"] = simultaneous(conflict) & conflict.feasible
        if "coalition" in wanted:
            stable["coalition"] = coalition_nash(conflict) & conflict.feasible
    return StabilityResult(conflict, wanted, stable)
