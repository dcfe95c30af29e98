"""Validation benchmark: reading and validating big generated scenarios, and refusing hostile ones.

Cases, each in a fresh process so that its peak memory (max RSS) is its own:

1. ``moves-10k``: 10,000 moves (two parties, a ranged value each, chains of ten
   prerequisites), flow style, about 0.85 MB; time per move of ``load_scenario``
   (median of three loads; the first load of a process is reported too).
2. ``moves-130k``: 130,000 compact moves (4.8 MB), over the 10,000-move cap: with the caps
   lifted, to time the loader per move on a big file, then as a user meets it (refused).
3. ``alias-bomb``: nine levels of nine aliases (408 bytes; 387 million strings expanded).
4. ``depth-10k``: lists nested 10,000 deep.

Measured on the shared 2-core machine of the project (issue #20), before and after in turn,
first load of a fresh process: 10k moves 498 -> 65 and 723 -> 67 us a move (7.6x and 10.8x;
the machine was busy), 194 -> 114 MiB; the old loader spent its time in PyYAML's pure-Python
scanner and composer and in a new SafeLoader for each scalar. ``detente validate`` of the
file: 9.7 s -> 0.83 s (it also read the file twice). The alias bomb ran past 60 s at 2 GB
before; it is refused in 0.3 s at 52 MB.

Run with ``python -m benchmarks validate``; ``main(quick=True)`` is the smoke-test size.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["alias_bomb", "main", "moves_file"]


def moves_file(n: int, compact: bool = False) -> str:
    """A valid scenario of ``n`` moves in flow style: about 85 bytes a move, or 37 ``compact``
    (one plain value, no prerequisites: 130,000 moves in 4.8 MB, as in issue #20)."""
    lines = ["detente: 1", "id: big", "title: Big", "parties: [{id: P0}, {id: P1}]", "moves:"]
    for i in range(n):
        if compact:
            lines.append(f"- {{id: m{i}, by: P{i % 2}, title: t, value: {{P0: 1}}}}")
            continue
        req = f", requires: [m{i - 1}]" if i % 10 else ""
        lines.append(f"- {{id: m{i}, by: P{i % 2}, title: M{i}, value: {{P0: [-1, 0, 1], P1: 2}}{req}}}")
    return "\n".join(lines) + "\n"


def alias_bomb(levels: int = 7, fan: int = 9) -> str:
    lines = [
        "detente: 1",
        "id: bomb",
        "title: B",
        "parties: [{id: A}]",
        "a0: &a0 [x, x, x, x, x, x, x, x, x]",
    ]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * fan)}]")
    return "\n".join(lines) + "\n"


_PROBE = """
import json, resource, sys, time
from detente.model import scenario as model_scenario, load, source
from detente.model.errors import ScenarioError
path, lift, repeats = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3])
if lift:
    model_scenario.MAX_ITEMS = load.MAX_ITEMS = 10**7
    source.MAX_NODES = 10**8
    source.MAX_BYTES = 10**9
    model_scenario.Scenario.model_fields["moves"].metadata.clear()
    model_scenario.Scenario.model_rebuild(force=True)
times, moves, refused = [], 0, None
for _ in range(repeats):
    t = time.perf_counter()
    try:
        moves = len(load.load_scenario(path).moves)
    except ScenarioError as exc:
        refused = str(exc.problems[0])[-120:]
    times.append(time.perf_counter() - t)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": times, "moves": moves, "refused": refused, "max_rss_mib": peak}))
"""


def _run(text: str, lift: bool = False, repeats: int = 3) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "case.yaml"
        path.write_text(text, encoding="utf-8")
        out = subprocess.run(
            [sys.executable, "-c", _PROBE, str(path), "1" if lift else "0", str(repeats)],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
    doc: dict[str, Any] = json.loads(out.stdout)
    doc["bytes"] = len(text.encode())
    return doc


def main(quick: bool = False) -> dict[str, Any]:
    n_small, n_big = (1_000, 13_000) if quick else (10_000, 130_000)
    cases = {
        f"moves-{n_small // 1000}k": (moves_file(n_small), False),
        f"moves-{n_big // 1000}k (cap lifted)": (moves_file(n_big, compact=True), True),
        f"moves-{n_big // 1000}k": (moves_file(n_big, compact=True), False),
        "alias-bomb": (alias_bomb(), False),
        "depth-10k": (
            "detente: 1\nid: d\ntitle: D\nparties: [{id: A}]\nnotes: " + "[" * 10**4 + "]" * 10**4 + "\n",
            False,
        ),
    }
    results: dict[str, Any] = {}
    print(f"{'case':26} {'bytes':>11} {'first s':>8} {'median s':>9} {'us/move':>8} {'MiB':>6}  outcome")
    for name, (text, lift) in cases.items():
        doc = _run(text, lift, repeats=1 if "130k" in name and not quick else 3)
        times = sorted(doc["seconds"])
        median = times[len(times) // 2]
        per_move = 1e6 * median / doc["moves"] if doc["moves"] else None
        doc["us_per_move"] = per_move
        results[name] = doc
        shown = f"{per_move:8.1f}" if per_move is not None else f"{'-':>8}"
        outcome = f"{doc['moves']:,} moves" if doc["moves"] else f"refused: {doc['refused']}"
        print(
            f"{name:26} {doc['bytes']:>11,} {doc['seconds'][0]:>8.3f} {median:>9.3f} {shown} "
            f"{doc['max_rss_mib']:>6.0f}  {outcome[:70]}"
        )
    return results


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
