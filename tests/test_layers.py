"""Imports only flow downward (DESIGN.md): a module never imports from a higher floor."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "detente"

FLOOR = {
    "model": 1,
    "scenarios": 1,
    "analysis": 2,
    "simulate": 3,
    "studies": 4,
    "store": 4,
    "report": 5,
    "app": 6,
    "cli": 6,
}
"""Floors; a package may import its own floor and any lower one."""
ALLOWED_SIDEWAYS = {("scenarios", "model"), ("studies", "store"), ("cli", "app")}
"""Same-floor imports that are part of the design (the command line starts the web app)."""


def _package(module: Path) -> str | None:
    parts = module.relative_to(SRC).parts
    return parts[0] if len(parts) > 1 else None


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    pkg_parts = path.relative_to(SRC).parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = list(pkg_parts[: len(pkg_parts) - (node.level - 1)])
                target = [*base, *(node.module.split(".") if node.module else [])]
                if target:
                    found.add(target[0])
            elif node.module and node.module.startswith("detente."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("detente."):
                    found.add(alias.name.split(".")[1])
    return found


MODULES = sorted(p for p in SRC.rglob("*.py") if _package(p) in FLOOR)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_upward_imports(path: Path) -> None:
    own = _package(path)
    assert own is not None
    for target in _imports(path):
        if target not in FLOOR or target == own or (own, target) in ALLOWED_SIDEWAYS:
            continue
        assert FLOOR[target] < FLOOR[own], (
            f"{path.relative_to(SRC)} (floor {FLOOR[own]}, {own}) imports detente.{target} (floor {FLOOR[target]})"
        )


def test_model_imports_nothing_of_ours() -> None:
    for path in SRC.joinpath("model").glob("*.py"):
        assert _imports(path) <= {"model"}, path.name
