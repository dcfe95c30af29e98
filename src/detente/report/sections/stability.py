"""Report section: GMCR stability of the conflict implied by the scenario, and the status-quo tree.

The conflict comes from :func:`detente.analysis.stability_scenario.conflict_from_scenario`;
stability from :func:`detente.analysis.stability.analyse`; the tree of shortest
unilateral-improvement paths from the status quo to the Nash equilibria from
:func:`detente.analysis.stability_paths.status_quo_tree`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from detente.analysis.stability import analyse
from detente.analysis.stability_paths import status_quo_tree
from detente.analysis.stability_scenario import conflict_from_scenario

from ..html import Raw, esc, table
from ..section import Body

if TYPE_CHECKING:
    from ..section import Body, ReportInputs

__all__ = ["DEFINITION", "KEY", "ORDER", "TITLE", "StabilityData", "render"]

KEY = "stability"
TITLE = "Stability"
ORDER = 50
DEFINITION = "Which situations no party would leave on its own, taking into account how the other side could answer a move (the Graph Model for Conflict Resolution (GMCR))."

TREE_CONCEPT = "nash"
MAX_ROWS = 40
SHOWN = 10
NAMES = {"nash": "Nash", "gmr": "GMR", "smr": "SMR", "seq": "SEQ"}
FULL = {
    "nash": "Nash stability",
    "gmr": "general metarationality (GMR)",
    "smr": "symmetric metarationality (SMR)",
    "seq": "sequential stability (SEQ)",
}


@dataclass(frozen=True)
class StabilityData:
    """What the section shows: the scenario conflict, its stability and the status-quo tree."""

    scenario_conflict: Any
    result: Any
    tree: Any


def stability_data(inputs: ReportInputs) -> StabilityData:
    """The conflict and its stability as ``detente run`` stored them (``results["stability"]``),
    or computed; the status-quo tree to the Nash equilibria is always made here."""

    def compute() -> StabilityData:
        stored = inputs.results.get(KEY)
        if isinstance(stored, dict) and "scenario_conflict" in stored and "result" in stored:
            sc, res = stored["scenario_conflict"], stored["result"]
        else:
            sc = conflict_from_scenario(inputs.scenario)
            res = analyse(sc.conflict)
        c = sc.conflict
        tree = None
        if c.status_quo is not None:
            nash = {st: ks for st, ks in res.targets().items() if TREE_CONCEPT in ks}
            tree = status_quo_tree(c, c.status_quo, nash)
        return StabilityData(sc, res, tree)

    return inputs.result(KEY + "-report", compute)


def _describe(c: Any, state: int, base: set[str]) -> str:
    taken = set(c.taken(state))
    added = sorted(taken - base)
    dropped = sorted(base - taken)
    parts = []
    if added:
        parts.append("+ " + ", ".join(added))
    if dropped:
        parts.append("− " + ", ".join(dropped))
    return "; ".join(parts) or "the status quo"


def _tree_html(node: dict[str, Any], c: Any, base: set[str]) -> str:
    label = f'<span class="pattern">{esc(node["pattern"])}</span>'
    if node.get("by"):
        label += f" — {esc(node['by'])} " + esc(
            ", ".join(_verb(c, x, node["pattern"]) for x in node["changed"])
        )
    else:
        label += " — status quo"
    if node.get("equilibrium"):
        label += ' <span class="good">equilibrium: ' + esc(
            ", ".join(NAMES.get(k, k) for k in node["equilibrium"])
        )
        label += "</span>"
    kids = "".join(_tree_html(ch, c, base) for ch in node.get("children", []))
    return f"<li>{label}" + (f"<ul>{kids}</ul>" if kids else "") + "</li>"


def _verb(c: Any, option: str, pattern: str) -> str:
    idx = list(c.option_ids).index(option)
    return ("takes " if pattern[idx] == "Y" else "drops ") + option


def _improvements(c: Any, state: int, i: int) -> list[int]:
    """The feasible states decision maker ``i`` prefers and can reach alone from ``state``, best first."""
    mask = c.dm_mask(i)
    take, drop = c.direction_mask("take"), c.direction_mask("drop")
    bits = [1 << k for k in range(c.n_options) if mask >> k & 1]
    found = []
    for pick in range(1, 1 << len(bits)):
        flip = sum(b for j, b in enumerate(bits) if pick >> j & 1)
        new = state ^ flip
        if (flip & take & state) or (flip & drop & ~state) or not c.feasible[new]:
            continue  # a take-only option cannot be dropped, a drop-only one cannot be taken
        if c.payoff[i][new] > c.payoff[i][state]:
            found.append(new)
    return sorted(found, key=lambda x: -c.payoff[i][x])


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _change(c: Any, a: int, b: int) -> str:
    taken = set(c.taken(b)) - set(c.taken(a))
    dropped = set(c.taken(a)) - set(c.taken(b))
    return ", ".join([*(f"take {x}" for x in sorted(taken)), *(f"drop {x}" for x in sorted(dropped))])


def reading(c: Any, res: Any) -> str:
    """The stability result read for the talks, in plain words (computed from ``res``).

    >>> from detente.analysis.stability import analyse
    >>> from detente.model.conflict import Conflict
    >>> c = Conflict.example()  # the Prisoner's Dilemma: both cooperate, nobody defects
    >>> text = reading(c, analyse(c))
    >>> "not Nash stable" in text or "stable for every" in text
    True
    """
    if c.status_quo is None:
        return "The conflict has no status quo, so there is no starting point to read."
    sq = int(c.status_quo)
    rec = res.state_record(sq)
    concepts = list(res.concepts)
    pattern = rec["pattern"]
    taken = rec["taken"]
    in_force = f"with {_and(list(taken))} in force" if taken else "with none of the options in force"
    out = [
        f"The status quo is the state {pattern}: one letter per option in the order listed below, "
        f"Y = in force, N = not, so the talks start {in_force}."
    ]
    stable_all = [k for k in concepts if rec["equilibrium"][k]]
    if len(stable_all) == len(concepts):
        out.append(
            "It is stable for every solution concept: no party can improve by a move of its own, "
            "let alone one the others could not punish, so nothing pushes any side to act alone; a "
            "change needs an agreed package (see the deal space and the roadmap)."
        )
        return " ".join(out)
    movers = []
    for i, dm in enumerate(c.dms):
        if not rec["stable"][dm].get("nash", True):
            better = _improvements(c, sq, i)
            how = f" (best: {_change(c, sq, better[0])})" if better else ""
            movers.append(f"{dm} can do better by acting alone{how}")
    if movers:
        out.append("It is not Nash stable: " + "; ".join(movers) + ".")
    held = [k for k in stable_all if k != "nash"]
    if held:
        out.append(
            "It is still stable under " + _and([FULL[k] for k in held]) + ": every such move can be "
            "answered by the other side with one that leaves the mover no better off"
            + (", even counting only answers that pay for the side that makes them" if "seq" in held else "")
            + ", so the threat of a response is what holds the status quo in place."
        )
    for k in concepts:
        if k == "nash" or k in stable_all:
            continue
        weak = [dm for dm in c.dms if not rec["stable"][dm][k]]
        out.append(
            f"Under {FULL[k]} it is not stable for {', '.join(weak)}: "
            f"{'it' if len(weak) == 1 else 'they'} can move without an answer that deters "
            f"{'it' if len(weak) == 1 else 'them'}, so expect the status quo to change."
        )
    return " ".join(out)


def render(inputs: ReportInputs) -> Body:

    data = stability_data(inputs)
    sc, res, tree = data.scenario_conflict, data.result, data.tree
    c = sc.conflict
    base = set(c.taken(c.status_quo)) if c.status_quo is not None else set()
    concepts = list(res.concepts)
    counts = {k: len(res.equilibrium_states(k)) for k in concepts}
    parts = [
        f'<p class="note">{esc(reading(c, res))}</p>',
        f"<p>The conflict implied by the scenario: {len(c.dms)} decision makers, {len(c.option_ids)} options "
        f"({esc(sc.reason)}), {int(c.feasible.sum())} feasible states. Equilibria (states stable for every "
        "decision maker), counted per concept: "
        + ", ".join(f"{NAMES.get(k, k)} {counts[k]}" for k in concepts)
        + ".</p>",
    ]
    if sc.left_out:
        parts.append(f'<p class="muted">Held as in the status quo: {esc(", ".join(sc.left_out))}.</p>')
    rows_states: list[int] = []
    if c.status_quo is not None:
        rows_states.append(int(c.status_quo))
    for st in res.equilibrium_states("nash"):
        if st not in rows_states:
            rows_states.append(st)
    rows = []
    for st in rows_states[:MAX_ROWS]:
        rec = res.state_record(st)
        eq = [NAMES.get(k, k) for k in concepts if rec["equilibrium"][k]]
        cells: list[Any] = [
            Raw(f'<span class="pattern">{esc(rec["pattern"])}</span>'),
            Raw(f"<small>{esc(_describe(c, st, base))}</small>"),
        ]
        for dm in c.dms:
            flags = rec["stable"][dm]
            cells.append(" ".join(NAMES.get(k, k) for k in concepts if flags[k]) or "unstable")
        cells.append(Raw(f'<span class="good">{esc(", ".join(eq))}</span>') if eq else "—")
        rows.append(cells)
    header = ["state", "moves (vs the status quo)", *[f"stable for {d}" for d in c.dms], "equilibrium"]
    parts.append("<h3>The status quo and the Nash equilibria</h3>")
    parts.append(
        '<p class="muted">Patterns list the options in order ('
        + esc(", ".join(c.option_ids))
        + "); Y = in force. Each decision maker's column lists the concepts under which the state is "
        "stable for it.</p>"
    )
    parts.append(table(header, rows[:SHOWN]))
    if len(rows) > SHOWN:
        parts.append(f"<details><summary>{len(rows) - SHOWN} more rows</summary>")
        parts.append(table(header, rows[SHOWN:]))
        parts.append("</details>")
    if len(rows_states) > MAX_ROWS:
        parts.append(f'<p class="muted">… and {len(rows_states) - MAX_ROWS} more Nash equilibria.</p>')
    if tree is not None:
        parts.append("<h3>From the status quo</h3>")
        parts.append(
            f"<p>Shortest sequences of unilateral improvements from the status quo to each Nash equilibrium "
            f"({tree.reachable_states} states reachable by improvements).</p>"
        )
        parts.append(f'<ul class="tree">{_tree_html(tree.tree, c, base)}</ul>')
        if tree.unreached:
            pats = ", ".join(c.pattern(t) for t in tree.unreached)
            parts.append(
                f"<details><summary>{len(tree.unreached)} Nash equilibria are not reached from the status quo "
                f"by improvements alone</summary><p><code>{esc(pats)}</code></p></details>"
            )
    params = {"options": list(c.option_ids), "concepts": concepts, "tree": TREE_CONCEPT}
    return Body("\n".join(parts), [], params)
