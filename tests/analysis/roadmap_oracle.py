"""A brute-force reference for the roadmap definitions (docs/roadmap.md), the oracle for the planner.

Written from the definitions, sharing no code with detente.analysis.roadmap: it reads
the Scenario directly and computes self-enforcement by walking the two paths
(complete the roadmap, renege now, or secretly reverse one own move until found out) period by
period with ``Scenario.utility``.
Roadmaps are enumerated as ordered set partitions, depth first, pruning a prefix as
soon as a stage breaks a constraint that only depends on the past. Slow on purpose;
use it on up to 8 moves.

A *group* names a family of constraints: ("reciprocity", None), ("balance", p),
("exposure", p), ("self-enforcement", p), ("prerequisite", (r, m)), ("max-stages", None).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from detente.model.scenario import Scenario

TOL = 1e-7
Stages = list[frozenset[str]]


class Oracle:
    def __init__(
        self, s: Scenario, target: Sequence[str], tolerance: float = 0.0, max_stages: int | None = None
    ) -> None:
        self.s = s
        self.target = sorted(set(target) - s.status_quo)
        self.tol = tolerance
        self.max_stages = max_stages
        self._renege: dict[tuple[str, frozenset[str]], float] = {}
        self._memo: dict[tuple[frozenset[str], frozenset[str], int], set[tuple[str, object]]] = {}

    # ------------------------------------------------------------------ groups
    def all_groups(self) -> set[tuple[str, object]]:
        g: set[tuple[str, object]] = {("reciprocity", None)}
        for p in self.s.parties:
            g.add(("balance", p.id))
            g.add(("self-enforcement", p.id))
            if p.exposure_limit is not None:
                g.add(("exposure", p.id))
        for m in self.target:
            for r in self.s.move(m).requires:
                if r in self.target:
                    g.add(("prerequisite", (r, m)))
        if self.max_stages is not None:
            g.add(("max-stages", None))
        return g

    def v(self, p: str, m: str) -> float:
        return self.s.move(m).value_for(p).likely

    # ------------------------------------------------------------------ prefix checks
    def stage_breaks(self, done: Stages, stage: frozenset[str]) -> set[tuple[str, object]]:
        """Groups that adding ``stage`` after ``done`` breaks (past-only constraints)."""
        earlier = frozenset().union(*done) if done else frozenset()
        key = (earlier, stage, len(done))
        if key not in self._memo:
            self._memo[key] = self._stage_breaks(earlier, len(done), stage)
        return self._memo[key]

    def _stage_breaks(
        self, earlier: frozenset[str], n_done: int, stage: frozenset[str]
    ) -> set[tuple[str, object]]:
        out: set[tuple[str, object]] = set()
        s = self.s
        if len({s.move(m).by for m in stage}) < 2:
            out.add(("reciprocity", None))
        for m in stage:
            for r in s.move(m).requires:
                if r not in s.status_quo and r not in earlier:
                    out.add(("prerequisite", (r, m)))
        for p in s.party_ids:
            own_cost = sum(-self.v(p, m) for m in stage if s.move(m).by == p and self.v(p, m) < 0)
            net = sum(self.v(p, m) for m in stage)
            received = net + own_cost
            if received < (1 - self.tol) * own_cost - TOL:
                out.add(("balance", p))
            limit = s.party(p).exposure_limit
            if limit is not None:
                exposure = 0.0
                for m in [*earlier, *stage]:
                    mv = s.move(m)
                    if mv.reversible:
                        continue
                    if mv.by == p:
                        exposure += max(0.0, -self.v(p, m))
                    else:
                        exposure -= self.v(p, m)
                if max(0.0, exposure) > limit + TOL:
                    out.add(("exposure", p))
        if self.max_stages is not None and n_done + 1 > self.max_stages:
            out.add(("max-stages", None))
        return out

    # ------------------------------------------------------------------ self-enforcement, by walking
    def ends(self, stages: Stages) -> list[int]:
        out = [0]
        for st in stages:
            out.append(out[-1] + max(self.s.move(m).duration for m in st))
        return out

    def continue_value(self, p: str, stages: Stages, k: int) -> float:
        s, e = self.s, self.ends(stages)
        base = set(s.status_quo).union(*stages[:k])
        total = 0.0
        for t in range(s.time.horizon):
            state = set(base)
            for j in range(k + 1, len(stages) + 1):
                if e[j] - e[k] <= t:
                    state |= stages[j - 1]
            total += s.party(p).discount ** t * s.utility(p, state)
        return total

    def renege_value(self, p: str, stages: Stages, k: int) -> float:
        done = frozenset().union(*stages[:k]) if k else frozenset()
        key = (p, done)
        if key not in self._renege:
            self._renege[key] = self._renege_value(p, done)
        return self._renege[key]

    def _renege_value(self, p: str, done: frozenset[str]) -> float:
        s = self.s
        total = 0.0
        for t in range(s.time.horizon):
            state = set(s.status_quo) | done
            for m in done:
                mv = s.move(m)
                if mv.reversible and self.v(mv.by, m) < 0 and mv.reversal_lag <= t:
                    state.discard(m)
            total += s.party(p).discount ** t * s.utility(p, state)
        return total

    def _costly_reversible(self, m: str) -> bool:
        mv = self.s.move(m)
        return mv.reversible and self.v(mv.by, m) < 0

    def covert_value(self, p: str, stages: Stages, k: int, b: str) -> float:
        """``p`` secretly reverses ``b`` after stage ``k``: the expectation over when it is found out.

        Found out in period ``T`` with probability ``q (1 - q)**T``; until then the roadmap goes
        on (a stage due ``r`` periods on comes only if ``T > r``); from ``T`` plus its lag every
        costly reversible move in force is reversed. Walked period by period, one path per ``T``.
        """
        s, e, horizon = self.s, self.ends(stages), self.s.time.horizon
        q = s.move(b).verification
        done = set().union(*stages[:k])
        d = s.party(p).discount

        def path(found: int) -> float:
            total = 0.0
            came = {m: 0 for m in done}
            for j in range(k + 1, len(stages) + 1):
                if e[j] - e[k] < found:
                    came.update(dict.fromkeys(stages[j - 1], e[j] - e[k]))
            for t in range(horizon):
                state = set(s.status_quo)
                for m, r in came.items():
                    if r > t or (m == b and s.move(b).reversal_lag <= t):
                        continue
                    if m != b and self._costly_reversible(m) and found + s.move(m).reversal_lag <= t:
                        continue
                    state.add(m)
                total += d**t * s.utility(p, state)
            return total

        expected = sum(q * (1 - q) ** t * path(t) for t in range(horizon))
        return expected + (1 - q) ** horizon * path(horizon)

    def covert_breaches(self, p: str, stages: Stages, k: int) -> list[str]:
        """The moves whose secret reversal after stage ``k`` pays ``p`` more than completing."""
        done = sorted(set().union(*stages[:k]))
        cont = self.continue_value(p, stages, k)
        return [
            b
            for b in done
            if self.s.move(b).by == p
            and self._costly_reversible(b)
            and self.s.move(b).verification < 1
            and cont < self.covert_value(p, stages, k, b) - 1e-6
        ]

    def renege_breaks(self, stages: Stages) -> set[tuple[str, object]]:
        out: set[tuple[str, object]] = set()
        for k in range(len(stages) + 1):
            for p in self.s.party_ids:
                if not self._holds(p, stages, k):
                    out.add(("self-enforcement", p))
        return out

    def _holds(self, p: str, stages: Stages, k: int) -> bool:
        if self.continue_value(p, stages, k) < self.renege_value(p, stages, k) - 1e-6:
            return False
        return not self.covert_breaches(p, stages, k)

    def renege_ok(self, stages: Stages, on: set[tuple[str, object]]) -> bool:
        for k in range(len(stages) + 1):
            for p in self.s.party_ids:
                if ("self-enforcement", p) in on and not self._holds(p, stages, k):
                    return False
        return True

    # ------------------------------------------------------------------ whole sequences
    def breaks(self, stages: Stages) -> set[tuple[str, object]]:
        out: set[tuple[str, object]] = set()
        for k in range(len(stages)):
            out |= self.stage_breaks(stages[:k], stages[k])
        return out | self.renege_breaks(stages)

    def roadmaps(
        self, groups: set[tuple[str, object]] | None = None, n_stages: int | None = None
    ) -> Iterator[Stages]:
        """Every roadmap satisfying ``groups`` (default: all), optionally with exactly ``n_stages``."""
        on = self.all_groups() if groups is None else set(groups)
        moves = self.target

        def rec(done: Stages, left: list[str]) -> Iterator[Stages]:
            if not left:
                if (n_stages is None or len(done) == n_stages) and self.renege_ok(done, on):
                    yield list(done)
                return
            if n_stages is not None and len(done) >= n_stages:
                return
            n = len(left)
            for mask in range(1, 1 << n):
                stage = frozenset(left[i] for i in range(n) if mask >> i & 1)
                if self.stage_breaks(done, stage) & on:
                    continue
                rest = [m for m in left if m not in stage]
                yield from rec([*done, stage], rest)

        if not moves:
            yield []
            return
        yield from rec([], list(moves))

    def fewest_stages(self, groups: set[tuple[str, object]] | None = None) -> int | None:
        for k in range(1, len(self.target) + 1):
            for _ in self.roadmaps(groups, n_stages=k):
                return k
        return None if self.target else 0

    def exists(self, groups: set[tuple[str, object]]) -> bool:
        if any(g[0] == "self-enforcement" for g in groups):
            return next(iter(self.roadmaps(groups)), None) is not None
        # past-only constraints: whether a prefix can go on depends only on what is done and how many stages
        # it took, so a search over those states (no sequence enumeration) decides it
        full = frozenset(self.target)
        seen: set[tuple[frozenset[str], int]] = set()
        stack: list[tuple[frozenset[str], int]] = [(frozenset(), 0)]
        while stack:
            done, k = stack.pop()
            if done == full:
                return True
            if (done, k) in seen:
                continue
            seen.add((done, k))
            left = sorted(full - done)
            for mask in range(1, 1 << len(left)):
                stage = frozenset(left[i] for i in range(len(left)) if mask >> i & 1)
                if not (self._stage_breaks(done, k, stage) & groups):
                    stack.append((done | stage, k + 1))
        return False
