"""``detente strategies``: the registered negotiation strategies, with where each comes from."""

from __future__ import annotations

import typer
from rich.table import Table

from .common import console, emit_json, guarded

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("strategies")(strategies)


def strategies(
    json_out: bool = typer.Option(False, "--json", help="Print JSON on stdout (nothing else)."),
) -> None:
    """List the registered strategies: name, what it does, and where it comes from.

    Use a name with `simulate --strategy PARTY=NAME` or `compare --strategies A,B`;
    parameters go in the name, e.g. `grit(patience=2)` (see docs/strategies.md).
    """
    with guarded():
        from detente.simulate.strategies import describe  # lazy: the simulator, +30 ms on `detente --help`

        rows = describe()
        if json_out:
            emit_json(rows)
            return
        table = Table(title="Registered strategies", title_justify="left")
        table.add_column("name", style="bold", no_wrap=True)
        table.add_column("what it does", ratio=3, overflow="fold")
        table.add_column("reference", ratio=2, overflow="fold")
        for r in rows:
            table.add_row(r["name"], r["description"], r["reference"])
        console.print(table)
        console.print(
            "Use a name with [bold]simulate --strategy PARTY=NAME[/] or [bold]compare --strategies A,B[/]; "
            "parameters go in the name, e.g. grit(patience=2)."
        )
