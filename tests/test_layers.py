"""Imports flow downward (docs/architecture.md), and no package imports itself in a circle."""

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


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["detente", *parts])


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(node: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import that can run: at module level or in a function, not under ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            found += [i for n in child.orelse for i in _runtime_imports(n)]
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            found.append(child)
        found += _runtime_imports(child)
    return found


MODULE_NAMES = {_module_name(p): p for p in SRC.rglob("*.py")}


def _edges(path: Path) -> set[str]:
    """The modules of ours that ``path`` imports at run time, by dotted name."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    targets: set[str] = set()
    for node in _runtime_imports(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets |= {a.name for a in node.names}
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            base = ".".join([*anchor, *([base] if base else [])])
        # `from pkg import sub` imports the submodule when there is one, else a name of pkg
        subs = {f"{base}.{a.name}" for a in node.names} & MODULE_NAMES.keys()
        targets |= subs or {base}
    return {t for t in targets if t in MODULE_NAMES and t != name}


def _circles() -> list[list[str]]:
    """The groups of modules of one package that import each other round in a circle."""

    def package(module: str) -> str:
        return module.split(".")[1] if "." in module else ""

    graph = {
        name: {t for t in _edges(path) if package(name) and package(t) == package(name)}
        for name, path in MODULE_NAMES.items()
    }
    reach = {name: _reachable(graph, name) for name in graph}
    groups = {
        tuple(sorted(m for m in reach[name] if name in reach[m])) for name in graph if name in reach[name]
    }
    return sorted(list(g) for g in groups)


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo += graph[node]
    return seen


def test_no_import_circle_inside_a_package() -> None:
    """No module of a package reaches itself again through imports inside that package.

    Function-local imports count (a circle put off until a call is still a circle);
    imports under ``if TYPE_CHECKING:`` do not: they never run, and annotations may
    name a type of a module that imports this one.
    """
    circles = _circles()
    assert not circles, "import circles: " + "; ".join(" <-> ".join(c) for c in circles)
