"""docs/tutorial.md matches the output: its `detente run` block is run and every line it shows is printed.

A documented line must appear as a line of the output (surrounding blanks aside); a line
with ``…`` stands for the output line that starts with the text before the ``…`` (figures
of the simulator, or a path, that change from one version or machine to another).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

TUTORIAL = Path(__file__).resolve().parents[2] / "docs" / "tutorial.md"


def _console_blocks(text: str) -> list[tuple[list[str], list[str]]]:
    """Each ```console block that runs one `detente` command: (its arguments, the lines it shows)."""
    out = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.DOTALL):
        lines = block.splitlines()
        if lines and lines[0].startswith("$ detente ") and len(lines) > 1 and not lines[1].startswith("$"):
            out.append((shlex.split(lines[0][2:])[1:], lines[1:]))
    return out


def _matches(documented: str, printed: list[str]) -> bool:
    want = documented.strip()
    if "…" in want:
        head = want.split("…", 1)[0].strip()
        return any(line.strip().startswith(head) for line in printed)
    return want in (line.strip() for line in printed)


def test_the_tutorials_run_block_is_what_detente_run_prints(tmp_path: Path) -> None:
    blocks = {args[0]: shown for args, shown in _console_blocks(TUTORIAL.read_text(encoding="utf-8"))}
    assert "run" in blocks, "docs/tutorial.md shows no `detente run` output"
    shown = blocks["run"]
    result = subprocess.run(
        [sys.executable, "-m", "detente", "run"], cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={**os.environ, "COLUMNS": "80"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    printed = result.stdout.splitlines()
    missing = [line for line in shown if line.strip() and not _matches(line, printed)]
    assert not missing, (
        "docs/tutorial.md shows lines that `detente run` does not print:\n"
        + "\n".join(missing)
        + "\n--- printed:\n"
        + result.stdout
    )
    # and in the same order
    where = [next(k for k, p in enumerate(printed) if _matches(line, [p])) for line in shown if line.strip()]
    assert where == sorted(where)
