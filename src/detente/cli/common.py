"""Shared pieces of the command line: loading inputs, printing errors, JSON, files.

Every command wraps its work in :func:`guarded`, so bad input becomes a clear
message and exit code 2, never a traceback.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.console import Console

from detente.model.errors import AnalysisError, DetenteError, Problem, ScenarioError
from detente.model.load import scenario_from_document
from detente.model.scenario import Scenario
from detente.model.source import Document, atomic_write, read_document
from detente.scenarios import resolve

from .text import term, visible

__all__ = [
    "FLAGS",
    "SCENARIO_HELP",
    "as_flags",
    "console",
    "emit_json",
    "err_console",
    "guarded",
    "load_document",
    "load_scenario_arg",
    "write_output",
]

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

SCENARIO_HELP = "A built-in scenario name (see `detente scenarios`) or a YAML/JSON file."


FLAGS: dict[str, str] = {
    "address": "--address",
    "backend": "--backend",
    "cases": "--cases",
    "column_strategies": "--column-strategies",
    "cooling_off": "--cooling-off",
    "distribution": "--distribution",
    "fixed": "--strategy",
    "fmt": "--format",
    "horizon": "--horizon",
    "inputs": "--inputs",
    "max_stages": "--max-stages",
    "method": "--method",
    "metric": "--metric",
    "misperception": "--misperception",
    "models": "--model",
    "objective": "--objective",
    "options": "--options",
    "parties": "--parties",
    "runs": "--runs",
    "samples": "--samples",
    "seed": "--seed",
    "strategies": "--strategy",
    "target": "--target",
    "time_limit": "--time-limit",
    "tolerance": "--tolerance",
    "workers": "--workers",
}
"""The one table from the Python parameters that library errors name to the flags that set them.

The library names what it was given (``tolerance: expected 0 <= T <= 1``); the command line
prints the flag the user typed (``--tolerance: ...``).
"""


def as_flags(problem: Problem) -> Problem:
    """``problem`` with the parameter it names (in place of a file) replaced by its flag (:data:`FLAGS`)."""
    flag = FLAGS.get(problem.file) if problem.line is None else None
    return dataclasses.replace(problem, file=flag) if flag else problem


def print_error(exc: DetenteError) -> None:
    if isinstance(exc, ScenarioError):
        n = len(exc.problems)
        err_console.print(f"[bold red]error:[/] {n} problem{'s' if n != 1 else ''} found", highlight=False)
        for p in exc.problems:
            err_console.print(f"  {visible(as_flags(p))}", markup=False, highlight=False)
    else:
        err_console.print(f"[bold red]error:[/] {term(exc)}", highlight=False)


@contextmanager
def guarded() -> Iterator[None]:
    """Turn detente errors into messages and exit codes (2 bad input, 1 analysis error)."""
    try:
        yield
    except ScenarioError as exc:
        print_error(exc)
        raise typer.Exit(2) from None
    except AnalysisError as exc:
        print_error(exc)
        raise typer.Exit(2) from None
    except DetenteError as exc:
        print_error(exc)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err_console.print("interrupted")
        raise typer.Exit(130) from None


def load_document(name_or_path: str) -> Document:
    return read_document(resolve(name_or_path))


def load_scenario_arg(name_or_path: str) -> Scenario:
    """A scenario from a built-in name or a file path (raises ScenarioError)."""
    return scenario_from_document(load_document(name_or_path))


def emit_json(obj: Any) -> None:
    """Print strict JSON on stdout, and nothing else: never ``NaN`` or ``Infinity``.

    Inputs are finite (the loader refuses anything else), so a non-finite number here is
    the result of an analysis (an unbounded value, an empty mean): it is written as
    ``null``, and the fields are named on stderr.
    """
    try:
        text = json.dumps(obj, indent=2, ensure_ascii=False, default=_json_default, allow_nan=False)
    except ValueError:
        found: list[str] = []
        clean = _finite_or_none(obj, "", found)
        err_console.print(
            f"note: {len(found)} value(s) not finite, written as null: {term(', '.join(found[:5]))}"
            + (", ..." if len(found) > 5 else ""),
            highlight=False,
        )
        text = json.dumps(clean, indent=2, ensure_ascii=False, default=_json_default, allow_nan=False)
    sys.stdout.write(text + "\n")


def _finite_or_none(obj: Any, path: str, found: list[str]) -> Any:
    import math

    import numpy as np

    if isinstance(obj, np.generic | np.ndarray):
        obj = obj.tolist()
    if isinstance(obj, float):
        if math.isfinite(obj):
            return obj
        found.append(path or "(top)")
        return None
    if isinstance(obj, dict):
        return {k: _finite_or_none(v, f"{path}.{k}" if path else str(k), found) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite_or_none(v, f"{path}[{i}]", found) for i, v in enumerate(obj)]
    return obj


def _json_default(o: Any) -> Any:

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, frozenset | set):
        return sorted(o)
    if isinstance(o, Path):
        return str(o)
    return str(o)


def write_output(path: str | Path, data: bytes | str) -> None:
    """Write an output file atomically (never half-written)."""
    atomic_write(path, data)


class RunContext:
    """What ``detente run`` hands each section: where to print, the seed, a shared store.

    Sections put what the report needs into ``results`` under their own name.
    """

    def __init__(self, seed: int = 0, quick: bool = False) -> None:
        self.seed = seed
        self.quick = quick
        self.results: dict[str, Any] = {}
        self.console = console
