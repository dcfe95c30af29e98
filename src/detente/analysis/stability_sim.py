"""Simultaneous stability (SIM) and coalition Nash stability, for small conflicts.

**SIM** (simultaneous sanctioning, after Fang, Hipel & Kilgour 1993, ch. 4): a state
``s`` is SIM-stable for ``i`` if every unilateral improvement ``s1`` of ``i`` from
``s`` can be met by *simultaneous* unilateral improvements from ``s`` of one or more
other decision makers such that the joint outcome (``i``'s options as in ``s1``, each
other mover's options as in its own improvement, everyone else's as in ``s``) is
feasible and not preferred to ``s`` by ``i``. The others move at the same time as
``i``, from ``s``, each to a state it prefers to ``s``.

**Coalition Nash** (after Kilgour, Hipel, Fang & Peng 2001, *Coalition analysis in
group decision support*): a coalition ``C`` has a coalitional improvement from ``s``
if one joint move, changing only options of members of ``C`` (directions respected,
the result feasible), gives a state that *every* member strictly prefers to ``s``.
``s`` is coalition-stable for ``i`` when no coalition containing ``i`` (``i`` alone
included) has one; a coalition equilibrium is a state no coalition can improve on.

Both enumerate joint moves (``2**n`` of them per state), so they are limited to
conflicts of at most :data:`MAX_SIM_OPTIONS` options.

Examples
--------
>>> from detente.model.conflict import Conflict
>>> pd = Conflict.example()
>>> coalition_nash(pd).all(axis=0).tolist()  # no state of the Prisoner's Dilemma survives
[False, False, False, False]
>>> simultaneous(pd)[:, 0].tolist()  # mutual cooperation: each defection is met by the other's
[True, True]
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from detente.model.conflict import Conflict
from detente.model.errors import AnalysisError

__all__ = ["MAX_SIM_OPTIONS", "coalition_nash", "simultaneous"]

MAX_SIM_OPTIONS = 12


def _check(conflict: Conflict, what: str) -> None:
    if conflict.n_options > MAX_SIM_OPTIONS:
        raise AnalysisError(
            f"{what} enumerates joint moves and is limited to {MAX_SIM_OPTIONS} options; "
            f"this conflict has {conflict.n_options}"
        )


def _submasks(mask: int) -> list[int]:
    out = [0]
    for b in range(mask.bit_length()):
        if mask >> b & 1:
            out += [m | (1 << b) for m in out]
    return out


def _legal(conflict: Conflict, states: np.ndarray, change: int) -> np.ndarray:
    """Where changing the options in ``change`` respects directions and lands on a feasible state."""
    take, drop = conflict.direction_mask("take"), conflict.direction_mask("drop")
    ok = ((states & change & take) == 0) & ((~states & change & drop) == 0)
    return ok & conflict.feasible[states ^ change]


def simultaneous(conflict: Conflict) -> np.ndarray:
    """SIM stability, boolean of shape (decision makers, states).

    >>> from detente.model.conflict import Conflict
    >>> simultaneous(Conflict.example()).astype(int).tolist()
    [[1, 1, 0, 1], [1, 0, 1, 1]]
    """
    _check(conflict, "simultaneous stability")
    states = np.arange(conflict.n_states, dtype=np.int64)
    P = conflict.payoff
    k = len(conflict.dms)
    # improvements[j]: (change, where it is a unilateral improvement of j from the state)
    improvements = []
    for j in range(k):
        rows = []
        for m in _submasks(conflict.dm_mask(j))[1:]:
            ok = _legal(conflict, states, m)
            ok &= P[j][states ^ m] > P[j]
            if ok.any():
                rows.append((m, ok))
        improvements.append(rows)
    out = np.ones((k, conflict.n_states), dtype=bool)
    for i in range(k):
        combos: list[tuple[int, np.ndarray]] = [(0, np.ones(conflict.n_states, dtype=bool))]
        for j in range(k):
            if j != i:
                combos = combos + [(b | m, v & w) for b, v in combos for m, w in improvements[j]]
        combos = combos[1:]  # someone else must move
        for a, valid in improvements[i]:
            sanctioned = np.zeros(conflict.n_states, dtype=bool)
            for b, vb in combos:
                joint = states ^ a ^ b
                sanctioned |= vb & conflict.feasible[joint] & (P[i][joint] <= P[i])
            out[i] &= ~(valid & ~sanctioned)
    return out & conflict.feasible


def coalition_nash(conflict: Conflict) -> np.ndarray:
    """Coalition Nash stability, boolean of shape (decision makers, states).

    >>> from detente.model.conflict import Conflict
    >>> coalition_nash(Conflict.example()).astype(int).tolist()
    [[0, 1, 0, 0], [0, 0, 1, 0]]
    """
    _check(conflict, "coalition analysis")
    states = np.arange(conflict.n_states, dtype=np.int64)
    P = conflict.payoff
    k = len(conflict.dms)
    out = np.ones((k, conflict.n_states), dtype=bool)
    for size in range(1, k + 1):
        for members in combinations(range(k), size):
            mask = 0
            for j in members:
                mask |= conflict.dm_mask(j)
            improvable = np.zeros(conflict.n_states, dtype=bool)
            for m in _submasks(mask)[1:]:
                ok = _legal(conflict, states, m)
                target = states ^ m
                for j in members:
                    ok &= P[j][target] > P[j]
                improvable |= ok
            for j in members:
                out[j] &= ~improvable
    return out & conflict.feasible
