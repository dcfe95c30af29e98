"""Built-in scenarios and conflicts, shipped as YAML files under ``data/``.

Examples
--------
>>> "korea-2019" in builtin_names()
True
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from detente.model.errors import ScenarioError
from detente.model.load import load_scenario
from detente.model.positions import PositionsScenario, load_positions
from detente.model.scenario import Scenario
from detente.model.source import read_document

__all__ = [
    "builtin_kind",
    "builtin_names",
    "builtin_path",
    "builtin_text",
    "load_builtin",
    "load_positions_builtin",
    "resolve",
]


def _data_dir() -> Path:
    return Path(str(resources.files("detente.scenarios") / "data"))


def builtin_names(kind: str | None = None) -> list[str]:
    """Names of the built-in files, optionally only of one kind (scenario or conflict)."""
    names = sorted(p.stem for p in _data_dir().glob("*.yaml"))
    if kind is None:
        return names
    return [n for n in names if builtin_kind(n) == kind]


def builtin_path(name: str) -> Path:
    path = _data_dir() / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(builtin_names())
        raise ScenarioError.single(name, f"no such file and no built-in of that name; built-ins: {known}")
    return path


def builtin_text(name: str) -> str:
    return builtin_path(name).read_text(encoding="utf-8")


def builtin_kind(name: str) -> str:
    """'scenario', 'conflict' or another declared ``kind``."""
    data = read_document(builtin_path(name)).data
    return str(data.get("kind", "scenario"))


def load_builtin(name: str) -> Scenario:
    return load_scenario(builtin_path(name))


def load_positions_builtin(name: str) -> PositionsScenario:
    """A built-in positions scenario (``kind: positions``), e.g. ``korea-six-party``."""
    return load_positions(builtin_path(name))


def resolve(name_or_path: str) -> Path:
    """A path for a file name, or the built-in file of that name."""
    p = Path(name_or_path)
    if p.exists() or p.suffix.lower() in (".yaml", ".yml", ".json") or "/" in name_or_path:
        return p
    return builtin_path(name_or_path)
