"""Status-quo analysis: how unilateral improvements lead from a state to the equilibria.

From a starting state (the status quo by default), any decision maker may make a
unilateral improvement (a move to a state it strictly prefers), then any decision
maker again, and so on. A breadth-first search over these moves gives, for every
equilibrium that can be reached at all, one shortest path to it; the union of those
paths, merged on common prefixes, is the tree shown by ``detente stability --from``.
Equilibria that no sequence of improvements reaches are listed apart: the status quo
does not evolve to them on its own.

Examples
--------
>>> from detente.model.conflict import Conflict
>>> pd = Conflict.example()
>>> t = status_quo_tree(pd, 0, {3: ["nash"]})
>>> [[step.pattern for step in path] for path in t.paths.values()]
[['NN', 'NY', 'YY']]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente.model.conflict import Conflict
from detente.model.errors import AnalysisError

__all__ = ["PathTree", "Step", "status_quo_tree"]


@dataclass(frozen=True)
class Step:
    """One state on a path: who moved into it and which options that mover changed."""

    state: int
    pattern: str
    by: str | None
    changed: tuple[str, ...]


@dataclass(frozen=True)
class PathTree:
    """Shortest paths of unilateral improvements from ``start`` to each reachable target."""

    conflict: Conflict
    start: int
    targets: dict[int, list[str]]
    paths: dict[int, list[Step]]
    unreached: list[int]
    reachable_states: int
    tree: dict[str, Any] = field(default_factory=dict)
    reached_count: int = 0
    """Targets reached; ``paths`` holds the nearest ``max_paths`` of them."""

    def to_json(self) -> dict[str, Any]:
        c = self.conflict
        return {
            "from": c.pattern(self.start),
            "reachable_states": self.reachable_states,
            "reached_count": self.reached_count,
            "reached": [
                {
                    "equilibrium": c.pattern(t),
                    "concepts": self.targets[t],
                    "moves": len(path) - 1,
                    "path": [
                        {
                            "pattern": s.pattern,
                            "by": s.by,
                            "changed": list(s.changed),
                            "taken": c.taken(s.state),
                        }
                        for s in path
                    ],
                }
                for t, path in self.paths.items()
            ],
            "unreached": [{"equilibrium": c.pattern(t), "concepts": self.targets[t]} for t in self.unreached],
            "tree": self.tree,
        }


def status_quo_tree(
    conflict: Conflict,
    start: int,
    targets: Mapping[int, Sequence[str]],
    max_depth: int | None = None,
    max_paths: int | None = None,
) -> PathTree:
    """Shortest unilateral-improvement paths from ``start`` to each target state.

    ``targets`` maps target states (usually equilibria) to labels (the concepts under
    which they are equilibria). Each path is the first one found by breadth-first
    search, so it is a shortest one; ties are broken by decision maker order, then by
    the smallest change. ``max_paths`` keeps only the paths to the nearest targets
    (ties by state); ``reached_count`` still counts them all.
    """
    c = conflict
    if not 0 <= start < c.n_states or not c.feasible[start]:
        raise AnalysisError(f"start state {start} is not a feasible state of {conflict.id}")
    take, drop = c.direction_mask("take"), c.direction_mask("drop")
    dist = np.full(c.n_states, -1, dtype=np.int64)
    parent = np.full(c.n_states, -1, dtype=np.int64)
    mover = np.full(c.n_states, -1, dtype=np.int64)
    dist[start] = 0
    frontier = np.array([start], dtype=np.int64)
    moves = [[m for m in _submasks(c.dm_mask(j))[1:]] for j in range(len(c.dms))]
    depth = 0
    while len(frontier) and (max_depth is None or depth < max_depth):
        depth += 1
        found = []
        for j, masks in enumerate(moves):
            pay = c.payoff[j]
            for m in masks:
                y = frontier ^ m
                ok = ((frontier & m & take) == 0) & ((~frontier & m & drop) == 0) & c.feasible[y]
                ok &= (pay[y] > pay[frontier]) & (dist[y] < 0)
                if not ok.any():
                    continue
                ys, first = np.unique(y[ok], return_index=True)
                dist[ys] = depth
                parent[ys] = frontier[ok][first]
                mover[ys] = j
                found.append(ys)
        frontier = np.concatenate(found) if found else np.array([], dtype=np.int64)

    def step(s: int) -> Step:
        if parent[s] < 0:
            return Step(s, c.pattern(s), None, ())
        diff = s ^ int(parent[s])
        changed = tuple(o.id for k, o in enumerate(c.options) if diff >> k & 1)
        return Step(s, c.pattern(s), c.dms[int(mover[s])], changed)

    paths: dict[int, list[Step]] = {}
    unreached: list[int] = []
    reached = 0
    for t in sorted(targets, key=lambda t: (dist[t] < 0, dist[t], t)):
        if dist[t] < 0:
            unreached.append(t)
            continue
        reached += 1
        if max_paths is not None and len(paths) >= max_paths:
            continue
        chain = [t]
        while chain[-1] != start:
            chain.append(int(parent[chain[-1]]))
        paths[t] = [step(s) for s in reversed(chain)]
    labels = {t: list(v) for t, v in targets.items()}
    tree = _merge(c, start, paths, labels)
    return PathTree(c, start, labels, paths, unreached, int((dist >= 0).sum()), tree, reached)


def _merge(
    c: Conflict, start: int, paths: dict[int, list[Step]], labels: dict[int, list[str]]
) -> dict[str, Any]:
    def node(s: Step) -> dict[str, Any]:
        return {
            "pattern": s.pattern,
            "by": s.by,
            "changed": list(s.changed),
            "equilibrium": labels.get(s.state, []),
            "children": [],
        }

    root = node(Step(start, c.pattern(start), None, ()))
    for path in paths.values():
        here = root
        for s in path[1:]:
            for child in here["children"]:
                if child["pattern"] == s.pattern:
                    here = child
                    break
            else:
                child = node(s)
                here["children"].append(child)
                here = child
    return root


def _submasks(mask: int) -> list[int]:
    out = [0]
    for b in range(mask.bit_length()):
        if mask >> b & 1:
            out += [m | (1 << b) for m in out]
    return out
