"""``detente stability``: GMCR stability of a conflict file or of the conflict implied by a scenario.

See docs/stability.md for the concepts and how a scenario becomes a conflict.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.panel import Panel
from rich.table import Table
from rich.tree import Tree

from detente.analysis.stability import analyse, default_concepts, parse_concepts, parse_state
from detente.analysis.stability_paths import status_quo_tree
from detente.analysis.stability_scenario import conflict_from_scenario
from detente.model.conflict import conflict_from_document
from detente.model.errors import AnalysisError
from detente.model.load import scenario_from_document
from detente.model.scenario import Scenario

from .common import RunContext, console, emit_json, guarded, load_document
from .text import term

__all__ = ["register", "run_section"]

SHORT = {"nash": "Nash", "gmr": "GMR", "smr": "SMR", "seq": "SEQ", "sim": "SIM", "coalition": "Coal"}
ALL_STATES_UP_TO = 64  # show every feasible state in the table up to this many
MAX_ROWS = 25
MAX_TREE_TARGETS = 25
RUN_TREE_TARGETS = 10
RUN_ROWS = 8
JSON_TREE_PATHS = 1000


def register(app: typer.Typer) -> None:
    app.command("stability")(stability)


def stability(
    source: str = typer.Argument(
        ...,
        help="A conflict file or built-in conflict (e.g. prisoners-dilemma), or a scenario (e.g. korea-2019).",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON on stdout (nothing else)."),
    concepts: str | None = typer.Option(
        None,
        "--concepts",
        help="Comma-separated: nash, gmr, smr, seq, sim, coalition, or all. "
        "Default: the first four, plus sim and coalition up to 12 options.",
    ),
    start: str | None = typer.Option(
        None, "--from", help="Status-quo analysis from this state (a Y/N pattern); default: the status quo."
    ),
    options: str | None = typer.Option(
        None, "--options", help="Scenarios only: comma-separated move ids that become the options."
    ),
    max_options: int = typer.Option(
        16, "--max-options", min=1, max=20, help="Scenarios only: most options chosen by default."
    ),
    states: str = typer.Option(
        "all", "--states", help="Which states --json lists: all (feasible) or equilibria."
    ),
) -> None:
    """Nash, GMR, SMR and SEQ stability of every state for every decision maker, the equilibria,
    and the paths of unilateral improvements from the status quo to them."""

    with guarded():
        if states not in ("all", "equilibria"):
            raise AnalysisError(f"--states {states!r}: expected all or equilibria")
        conflict, derived = _load(source, options, max_options)
        wanted = parse_concepts(concepts) if concepts else default_concepts(conflict)
        result = analyse(conflict, wanted)
        origin = parse_state(conflict, start) if start is not None else conflict.status_quo
        limit = JSON_TREE_PATHS if json_out else MAX_TREE_TARGETS
        tree = (
            status_quo_tree(conflict, origin, result.targets(), max_paths=limit)
            if origin is not None
            else None
        )
        if json_out:
            doc = result.to_json(states=states)
            if derived is not None:
                doc["derived_from"] = derived.to_json()
            doc["status_quo_analysis"] = tree.to_json() if tree is not None else None
            emit_json(doc)
            return
        _print(result, derived, tree, origin, console, max_targets=MAX_TREE_TARGETS)


def _load(source: str, options: str | None, max_options: int) -> tuple[Any, Any]:
    """(conflict, ScenarioConflict or None) from a conflict file or a scenario."""

    doc = load_document(source)
    if isinstance(doc.data, dict) and doc.data.get("kind") == "conflict":
        if options is not None:
            raise AnalysisError("--options applies to scenarios; a conflict file declares its own options")
        return conflict_from_document(doc), None
    scenario = scenario_from_document(doc)
    chosen = [x.strip() for x in options.split(",") if x.strip()] if options is not None else None
    derived = conflict_from_scenario(scenario, chosen, max_options=max_options)
    return derived.conflict, derived


# ---------------------------------------------------------------- printing
def _flags(result: Any, dm_index: int, state: int) -> str:
    got = [SHORT[k] for k in result.concepts if result.stable[k][dm_index, state]]
    return " ".join(got) if got else "[red]unstable[/]"


def _names(c: Any, state: int) -> str:
    """Readable option names: what is taken, or, for many options, what differs from the status quo."""
    if c.status_quo is None or c.n_options <= 6:
        return term(c.describe(state))
    taken, base = set(c.taken(state)), set(c.taken(c.status_quo))
    label = {o.id: o.id for o in c.options}
    parts = [f"+{label[x]}" for x in c.option_ids if x in taken - base]
    parts += [f"−{label[x]}" for x in c.option_ids if x in base - taken]
    return " ".join(parts) if parts else "(the status quo)"


def _table(result: Any, rows: list[int], title: str) -> Table:
    c = result.conflict
    t = Table(title=title)
    t.add_column("state", style="bold", no_wrap=True)
    t.add_column(
        "options" if c.status_quo is None or c.n_options <= 6 else "vs the status quo", overflow="fold"
    )
    for i in range(len(c.dms)):
        t.add_column(f"stable for {term(c.dms[i])}")
    t.add_column("equilibrium")
    for s in rows:
        eq = [SHORT[k] for k in result.concepts if result.equilibrium(k)[s]]
        pattern = c.pattern(s) + (" (SQ)" if s == c.status_quo else "")
        t.add_row(
            pattern,
            _names(c, s),
            *[_flags(result, i, s) for i in range(len(c.dms))],
            "[green]" + " ".join(eq) + "[/]" if eq else "—",
        )
    return t


def _print(
    result: Any,
    derived: Any,
    tree: Any,
    origin: int | None,
    out: Any,
    max_targets: int,
    max_rows: int = MAX_ROWS,
) -> None:
    c = result.conflict
    head = f"[bold]{term(c.title)}[/]  ({c.id}): {len(c.dms)} decision makers, {c.n_options} options, "
    head += f"{int(c.feasible.sum()):,} feasible states of {c.n_states:,}"
    for i, dm in enumerate(c.dms):
        opts = ", ".join(
            f"{o.id}{'' if o.direction == 'both' else f' ({o.direction})'}" for o in c.options if o.dm == dm
        )
        head += f"\n  {term(c.dm_label(i))}: {term(opts)}"
    head += "\nPattern positions: " + term(", ".join(f"{k + 1} {o.id}" for k, o in enumerate(c.options)))
    if derived is not None:
        head += f"\nOptions: {term(derived.reason)}."
        if derived.left_out:
            head += "\nHeld as in the status quo: " + term(", ".join(derived.left_out))
    out.print(Panel(head, expand=False))
    out.print("Y = the option is taken (the move is in force), N = not; SQ = the status quo.")
    if c.status_quo is not None:
        sq = c.status_quo
        eq = [SHORT[k] for k in result.concepts if result.equilibrium(k)[sq]]
        verdict = f"an equilibrium under {', '.join(eq)}" if eq else "not an equilibrium under any concept"
        out.print(f"[bold]Status quo {c.pattern(sq)}[/] is {verdict}.")
        for i, dm in enumerate(c.dms):
            out.print(f"  stable for {term(dm)}: {_flags(result, i, sq)}")
    feasible = [int(s) for s in c.feasible_states()]
    if len(feasible) <= ALL_STATES_UP_TO:
        out.print(_table(result, feasible, "Stability of every feasible state"))
    else:
        found = result.targets()
        targets = sorted((s for s in found if s != c.status_quo), key=lambda s: (-len(found[s]), s))
        rows = ([c.status_quo] if c.status_quo is not None else []) + targets[:max_rows]
        title = f"The status quo and equilibria ({len(targets)} other states are an equilibrium under some concept"
        title += f"; {max_rows} shown, most concepts first)" if len(targets) > max_rows else ")"
        out.print(_table(result, rows, title))
    counts = ", ".join(f"{SHORT[k]} {len(result.equilibrium_states(k))}" for k in result.concepts)
    out.print(f"Equilibria: {counts}.")
    if tree is not None and origin is not None:
        out.print(_tree(tree, max_targets))


def _tree(tree: Any, max_targets: int) -> Any:
    c = tree.conflict
    doc = tree.to_json()
    root = Tree(f"[bold]{doc['from']}[/] (start)" + _eq_label(doc["tree"]["equilibrium"]))
    shown = list(tree.paths)[:max_targets]
    keep = set(shown)

    def add(branch: Tree, node: dict[str, Any], path_states: set[str]) -> None:
        for child in node["children"]:
            if child["pattern"] not in path_states:
                continue
            verbs = ", ".join(
                ("takes " if child["pattern"][c.option_ids.index(x)] == "Y" else "drops ") + x
                for x in child["changed"]
            )
            sub = branch.add(
                f"[bold]{child['pattern']}[/]  {term(child['by'])} {term(verbs)}"
                + _eq_label(child["equilibrium"])
            )
            add(sub, child, path_states)

    on_paths = {step.pattern for t in keep for step in tree.paths[t]}
    add(root, doc["tree"], on_paths)
    reached = tree.reached_count
    note = f"{reached} equilibri{'um' if reached == 1 else 'a'} reached by unilateral improvements"
    if reached > len(shown):
        note += f" (the {len(shown)} nearest shown)"
    if tree.unreached:
        note += f"; {len(tree.unreached)} not reachable from {doc['from']}"
    wrapper = Tree(f"[bold]Status-quo analysis[/]: {note}")
    wrapper.children.append(root)
    return wrapper


def _eq_label(concepts: list[str]) -> str:
    return f"  [green]equilibrium: {' '.join(SHORT[k] for k in concepts)}[/]" if concepts else ""


def run_section(scenario: Scenario, ctx: RunContext) -> None:
    """The stability section of ``detente run``: the conflict implied by the scenario."""

    ctx.console.rule("[bold]Stability (GMCR)")
    try:
        derived = conflict_from_scenario(scenario)
    except AnalysisError as exc:
        ctx.console.print(f"no stability analysis: {term(exc)}")
        return
    result = analyse(derived.conflict)
    c = derived.conflict
    tree = (
        status_quo_tree(c, c.status_quo, result.targets(), max_paths=RUN_TREE_TARGETS)
        if c.status_quo is not None
        else None
    )
    _print(result, derived, tree, c.status_quo, ctx.console, max_targets=RUN_TREE_TARGETS, max_rows=RUN_ROWS)
    ctx.results["stability"] = {"scenario_conflict": derived, "result": result, "tree": tree}
