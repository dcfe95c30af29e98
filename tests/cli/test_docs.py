"""The docs a user reads match the commands that exist."""

from __future__ import annotations

import re
from pathlib import Path

from typer.main import get_command

from detente.cli import app

ROOT = Path(__file__).resolve().parents[2]


def _commands() -> set[str]:
    group = get_command(app)
    return set(group.commands)  # type: ignore[attr-defined]


def test_cli_reference_lists_every_command() -> None:
    text = (ROOT / "docs" / "cli-reference.md").read_text()
    documented = set(re.findall(r"^## `detente ([a-z-]+)`", text, flags=re.M))
    missing = _commands() - documented
    assert not missing, f"docs/cli-reference.md is stale (run `make docs-cli`): {sorted(missing)}"


def test_readme_and_docs_links_resolve() -> None:
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+\.md)\)", page.read_text()):
            if "://" in target:
                continue
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"
