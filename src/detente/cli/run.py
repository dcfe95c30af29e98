"""``detente run``: the main job, every analysis on one scenario."""

from __future__ import annotations

import typer

from .common import SCENARIO_HELP, RunContext, guarded, load_scenario_arg

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("run")(run)


def run(
    scenario: str = typer.Argument("korea-2019", help=SCENARIO_HELP),
    seed: int = typer.Option(0, "--seed", help="Seed for every random draw (same seed, same result)."),
    quick: bool = typer.Option(False, "--quick", help="Fewer samples and runs, for a first look."),
) -> None:
    """Run every analysis on a scenario (default: the built-in korea-2019) and summarise."""
    from . import command_modules

    with guarded():
        s = load_scenario_arg(scenario)
        ctx = RunContext(seed=seed, quick=quick)
        for module in command_modules():
            section = getattr(module, "run_section", None)
            if section is not None:
                section(s, ctx)
