"""The ``detente`` command line: thin wrappers that parse, call an analysis and print.

Each command lives in a module of this package that defines ``register(app)``;
a module may also define ``run_section(scenario, ctx)``, which ``detente run``
calls in the order of :data:`COMMAND_MODULES`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import typer
from typer.core import TyperOption

from detente import __version__

__all__ = ["COMMAND_MODULES", "app", "command_modules", "main"]


def _flags_without_a_type() -> None:
    """Show a flag bare in ``--help`` (``--json``), not as if it took a value (``--json <bool>``).

    typer's rich help prints every option's type, flags included (typer 0.29); a flag takes no
    value, so it gets none. Options that take a value are unchanged.
    """
    shown = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: typer.Context) -> str | None:
        if self.is_flag and self.metavar is None:
            return None
        return shown(self, ctx)

    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign,assignment]


_flags_without_a_type()

app = typer.Typer(
    name="detente",
    help=(
        "Analyse and plan step-by-step negotiations: the deal space, balanced self-enforcing "
        "roadmaps, strategy simulation and GMCR stability, from one scenario file.\n\n"
        "Start with `detente run` (the korea-2019 case), `detente scenarios` and `detente show korea-2019`."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Order matters: it is the order of `detente --help` and of the sections of `detente run`.
# Kept on one line (fmt: skip) so that each command adds its name with a one-line edit.
COMMAND_MODULES: tuple[str, ...] = ("scenario", "deals", "plan", "simulate", "strategies", "stability", "run", "sensitivity", "backtest", "forecast", "runs", "report", "webapp")  # fmt: skip


def command_modules() -> list[ModuleType]:
    return [importlib.import_module(f"detente.cli.{name}") for name in COMMAND_MODULES]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"detente {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", "-V", help="Print the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """detente command line."""


for _module in command_modules():
    _module.register(app)


def main() -> None:
    """Entry point of the ``detente`` command."""
    app()
