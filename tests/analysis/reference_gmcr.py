"""A plain reference implementation of the GMCR definitions, the oracle for the fast one.

Written straight from Fang, Hipel & Kilgour (1993) with sets and loops: no bit tricks
shared with detente.analysis.stability. It reads only a Conflict's options (owner,
direction), feasibility and payoffs. Slow on purpose; use it on small conflicts.
"""

from __future__ import annotations

from collections import deque
from itertools import combinations, product

from detente.model.conflict import Conflict


class Reference:
    def __init__(self, c: Conflict) -> None:
        self.c = c
        self.n = c.n_options
        self.dms = list(range(len(c.dms)))
        self.feasible = [s for s in range(c.n_states) if c.feasible[s]]
        self.owner = [c.dms.index(o.dm) for o in c.options]
        self.direction = [o.direction for o in c.options]

    def pref(self, i: int, s: int) -> float:
        return float(self.c.payoff[i][s])

    def bits(self, s: int) -> list[int]:
        return [(s >> k) & 1 for k in range(self.n)]

    def can_change(self, s: int, t: int, movers: set[int]) -> bool:
        """t differs from s only in options of ``movers``, each change allowed by its direction."""
        a, b = self.bits(s), self.bits(t)
        for k in range(self.n):
            if a[k] == b[k]:
                continue
            if self.owner[k] not in movers:
                return False
            if self.direction[k] == "take" and not (a[k] == 0 and b[k] == 1):
                return False
            if self.direction[k] == "drop" and not (a[k] == 1 and b[k] == 0):
                return False
        return True

    def moves(self, i: int, s: int) -> list[int]:
        """R_i(s): feasible states other than s reachable by one move of i."""
        return [t for t in self.feasible if t != s and self.can_change(s, t, {i})]

    def improvements(self, i: int, s: int) -> list[int]:
        return [t for t in self.moves(i, s) if self.pref(i, t) > self.pref(i, s)]

    def reachable(self, group: list[int], s: int, improve: bool, mode: str = "legal") -> set[int]:
        """R_H(s) or R_H+(s).

        mode "legal": any sequence, no member moving twice in a row (the book's definition),
        searched over (state, last mover) pairs. mode "once": every member moves at most once
        (what some tools do), searched over (state, members who have moved).
        """
        step = self.improvements if improve else self.moves
        seen: set[tuple[int, object]] = set()
        queue: deque[tuple[int, object]] = deque()
        for j in group:
            for t in step(j, s):
                node: tuple[int, object] = (t, j) if mode == "legal" else (t, frozenset([j]))
                if node not in seen:
                    seen.add(node)
                    queue.append(node)
        while queue:
            x, tag = queue.popleft()
            for j in group:
                if mode == "legal" and j == tag:
                    continue
                if mode == "once" and j in tag:  # type: ignore[operator]
                    continue
                for t in step(j, x):
                    node = (t, j) if mode == "legal" else (t, tag | {j})  # type: ignore[operator]
                    if node not in seen:
                        seen.add(node)
                        queue.append(node)
        return {x for x, _ in seen}

    def others(self, i: int) -> list[int]:
        return [j for j in self.dms if j != i]

    # ----- the definitions, literally ------------------------------------------
    def nash(self, i: int, s: int) -> bool:
        return not self.improvements(i, s)

    def gmr(self, i: int, s: int, mode: str = "legal") -> bool:
        return all(
            any(self.pref(i, s2) <= self.pref(i, s) for s2 in self.reachable(self.others(i), s1, False, mode))
            for s1 in self.improvements(i, s)
        )

    def smr(self, i: int, s: int, mode: str = "legal") -> bool:
        return all(
            any(
                self.pref(i, s2) <= self.pref(i, s)
                and all(self.pref(i, s3) <= self.pref(i, s) for s3 in self.moves(i, s2))
                for s2 in self.reachable(self.others(i), s1, False, mode)
            )
            for s1 in self.improvements(i, s)
        )

    def seq(self, i: int, s: int, mode: str = "legal") -> bool:
        return all(
            any(self.pref(i, s2) <= self.pref(i, s) for s2 in self.reachable(self.others(i), s1, True, mode))
            for s1 in self.improvements(i, s)
        )

    def sim(self, i: int, s: int) -> bool:
        """Every improvement of i is met by simultaneous improvements (from s) of some others."""
        others = self.others(i)
        for s1 in self.improvements(i, s):
            sanctioned = False
            choices = [[None, *self.improvements(j, s)] for j in others]
            for pick in product(*choices):
                if all(p is None for p in pick):
                    continue
                joint = self.bits(s1)
                for j, t in zip(others, pick, strict=True):
                    if t is None:
                        continue
                    tb = self.bits(t)
                    for k in range(self.n):
                        if self.owner[k] == j:
                            joint[k] = tb[k]
                state = sum(b << k for k, b in enumerate(joint))
                if state in self.feasible and self.pref(i, state) <= self.pref(i, s):
                    sanctioned = True
                    break
            if not sanctioned:
                return False
        return True

    def coalition(self, i: int, s: int) -> bool:
        """No coalition containing i has a joint move every member strictly prefers."""
        for size in range(1, len(self.dms) + 1):
            for members in combinations(self.dms, size):
                if i not in members:
                    continue
                for t in self.feasible:
                    if (
                        t != s
                        and self.can_change(s, t, set(members))
                        and all(self.pref(j, t) > self.pref(j, s) for j in members)
                    ):
                        return False
        return True

    def table(self, concept: str, mode: str = "legal") -> dict[tuple[int, int], bool]:
        fn = getattr(self, concept)
        out = {}
        for i in self.dms:
            for s in self.feasible:
                out[(i, s)] = fn(i, s, mode) if concept in ("gmr", "smr", "seq") else fn(i, s)
        return out
