"""Read the DEU III layout (expert-coded EU legislative negotiations) as a positions scenario.

The DEU III dataset (Arregui & Perarnaud 2021, *Journal of European Public Policy*,
data doi:10.34810/data53) codes, for each controversial issue of a legislative proposal,
the positions (0-100) and saliences (0-100) of the Commission, the Parliament and the
member states, the reference point and the recorded outcome. The tab-separated layout
read here has two header lines: the column names, then the actors' weights aligned
with the position columns; then one issue a row:

- ``prnr``, ``prname``: proposal id and short name (the issue's ``group``);
- ``isnr``: issue id (unique); ``proc`` (COD, CNS); ``counvte`` (QMV, Unan);
- ``p<actor>`` positions, ``s<actor>`` saliences, ``rp`` reference point, ``out`` outcome.

A blank position means the actor took none; a blank salience beside a position is
taken as the mean salience of the issue's other actors (said in the position's
rationale). The decision rule follows ``counvte``: qualified majority of the member
states' weight (threshold :data:`QMV_THRESHOLD`) or unanimity, the Commission as the
agenda setter, and the Parliament as a veto player under co-decision (COD).

Every problem is located: file, line, column number and column name.

Examples
--------
>>> head = "prnr\\tprname\\tisnr\\tproc\\tcounvte\\tpcom\\tpep\\tpde\\tscom\\tsep\\tsde\\trp\\tout\\n"
>>> weights = "\\t\\t\\t\\t\\t4\\t4\\t3\\t\\t\\t\\t\\t\\n"
>>> row = "7\\tbus\\td1i1\\tCOD\\tQMV\\t100\\t50\\t0\\t80\\t60\\t\\t0\\t40\\n"
>>> ps = deu3_from_text(head + weights + row, "x.tsv")
>>> iss = ps.issues[0]
>>> iss.id, iss.outcome.value, iss.decision.rule, iss.position("DE").salience.likely
('d1i1', 40.0, 'qualified-majority', 70.0)
>>> try:
...     deu3_from_text(head + weights + row.replace("\\t50\\t", "\\tfifty\\t", 1), "x.tsv")
... except ScenarioError as e:
...     print(e)
x.tsv:3:7: pep: expected a number from 0 to 100 (or blank), found 'fifty'
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .errors import Problem, ScenarioError
from .load import validate_model
from .positions import PositionsScenario
from .source import MAX_BYTES, Locator

__all__ = ["ACTOR_NAMES", "QMV_THRESHOLD", "deu3_from_text", "load_deu3"]

QMV_THRESHOLD = 0.74
"""Share of the member states' weight a qualified majority needs (the Nice Treaty's 255 of 345 votes)."""

ACTOR_NAMES = {"COM": "European Commission", "EP": "European Parliament"}
REQUIRED = ("prnr", "isnr", "counvte", "rp", "out")
_NOT_ACTORS = {"prnrnmc", "prnr", "prname", "proc", "proccde"}


def load_deu3(path: str | Path) -> PositionsScenario:
    """Read a DEU III tab-separated file into a :class:`PositionsScenario`."""
    p = Path(path)
    name = str(path)
    if not p.is_file():
        raise ScenarioError.single(name, "no such file" if not p.exists() else "is not a file")
    if p.stat().st_size > MAX_BYTES:
        raise ScenarioError.single(name, f"file is larger than {MAX_BYTES:,} bytes; expected a DEU III table")
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError.single(
            name, "is not UTF-8 text; expected a tab-separated DEU III table", line=line
        ) from None
    return deu3_from_text(text, name, stem=p.stem)


def deu3_from_text(text: str, name: str = "<input>", stem: str = "deu3") -> PositionsScenario:
    """Parse DEU III tab-separated text (see the module docstring); problems are located."""
    lines = text.splitlines()
    if len(lines) < 3:
        raise ScenarioError.single(
            name, "expected a header line, a weights line and at least one issue", line=1
        )
    header = lines[0].split("\t")
    col = {c.strip(): i for i, c in enumerate(header)}
    missing = [c for c in REQUIRED if c not in col]
    if missing:
        raise ScenarioError.single(
            name, f"missing column(s) {', '.join(missing)}; is this a DEU III file?", line=1
        )
    actors = [c[1:] for c in header if c.startswith("p") and c not in _NOT_ACTORS and len(c) > 1]
    problems: list[Problem] = []
    for a in actors:
        if f"s{a}" not in col:
            problems.append(
                Problem(name, 1, None, f"p{a}", f"position column p{a} has no salience column s{a}")
            )
    if not actors:
        problems.append(Problem(name, 1, None, "", "no position columns (p<actor>) found"))
    if problems:
        raise ScenarioError(problems)

    def cell(cells: list[str], column: str) -> str:
        i = col[column]
        return cells[i].strip() if i < len(cells) else ""

    def number(cells: list[str], line: int, column: str, lo: float | None, hi: float | None) -> float | None:
        raw = cell(cells, column)
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        bounded = (lo is None or value >= lo) and (hi is None or value <= hi)
        if not math.isfinite(value) or not bounded:
            want = (
                f"a number from {lo:g} to {hi:g}"
                if lo is not None and hi is not None
                else "a positive number"
            )
            problems.append(
                Problem(name, line, col[column] + 1, column, f"expected {want} (or blank), found {raw!r}")
            )
            return None
        return value

    wcells = lines[1].split("\t")
    weights: dict[str, float] = {}
    for a in actors:
        w = number(wcells, 2, f"p{a}", 0.0, None)
        if w is None or w <= 0:
            if not any(p.line == 2 and p.path == f"p{a}" for p in problems):
                found = cell(wcells, f"p{a}") or "blank"
                problems.append(
                    Problem(
                        name, 2, col[f"p{a}"] + 1, f"p{a}", f"expected a weight > 0 on line 2, found {found}"
                    )
                )
            continue
        weights[a] = w
    issues: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for n, line in enumerate(lines[2:], start=3):
        if not line.strip():
            continue
        cells = line.split("\t")
        isnr = cell(cells, "isnr")
        if not isnr:
            problems.append(Problem(name, n, col["isnr"] + 1, "isnr", "expected an issue id, found a blank"))
            continue
        if isnr in seen:
            problems.append(
                Problem(
                    name, n, col["isnr"] + 1, "isnr", f"duplicate issue {isnr!r} (first on line {seen[isnr]})"
                )
            )
            continue
        seen[isnr] = n
        issue = _issue(cells, n, isnr, actors, number, cell, problems, name, col)
        if issue is not None:
            issues.append(issue)
    if problems:
        raise ScenarioError(problems)
    data = {
        "detente": 1,
        "kind": "positions",
        "id": _slug(stem),
        "title": f"DEU III: {len(issues)} issues of EU legislative proposals",
        "description": "Expert-coded positions and outcomes (Arregui & Perarnaud 2021, doi:10.34810/data53).",
        "actors": [
            {"id": a.upper(), "name": ACTOR_NAMES.get(a.upper(), a.upper()), "weight": weights[a]}
            for a in actors
        ],
        "issues": issues,
    }
    return validate_model(PositionsScenario, data, Locator(name))


def _issue(
    cells: list[str],
    n: int,
    isnr: str,
    actors: list[str],
    number: Any,
    cell: Any,
    problems: list[Problem],
    name: str,
    col: dict[str, int],
) -> dict[str, Any] | None:
    positions: dict[str, float] = {}
    saliences: dict[str, float | None] = {}
    for a in actors:
        x = number(cells, n, f"p{a}", 0.0, 100.0)
        s = number(cells, n, f"s{a}", 0.0, 100.0)
        if x is not None:
            positions[a.upper()] = x
            saliences[a.upper()] = s
    if not positions:
        problems.append(Problem(name, n, None, "isnr", f"issue {isnr} has no position"))
        return None
    known = [s for s in saliences.values() if s is not None]
    fill = sum(known) / len(known) if known else 50.0
    if not any((s if s is not None else fill) > 0 for s in saliences.values()):
        problems.append(Problem(name, n, None, "isnr", f"issue {isnr}: every salience is 0 or blank"))
        return None
    rows = {}
    for a, x in positions.items():
        s = saliences[a]
        entry: dict[str, Any] = {"position": x, "salience": s if s is not None else fill}
        if s is None:
            entry["rationale"] = "salience not coded; the mean of the issue's other actors"
        rows[a] = entry
    vote = cell(cells, "counvte").upper()
    member_states = [a.upper() for a in actors if a.upper() not in ACTOR_NAMES]
    decision: dict[str, Any] = {"voters": [a for a in member_states if a in positions]}
    if vote.startswith("UNAN"):
        decision["rule"] = "unanimity"
    elif vote.startswith("QMV"):
        decision.update(rule="qualified-majority", threshold=QMV_THRESHOLD)
    else:
        problems.append(
            Problem(name, n, col["counvte"] + 1, "counvte", f"expected QMV or Unan, found {vote!r}")
        )
        return None
    if "COM" in positions:
        decision["lead"] = "COM"
    if "proc" in col and cell(cells, "proc").upper() == "COD" and "EP" in positions:
        decision["vetoes"] = ["EP"]
    if not decision["voters"]:
        decision.pop("voters")
    prname = cell(cells, "prname") if "prname" in col else ""
    prnr = cell(cells, "prnr")
    out: dict[str, Any] = {
        "id": _slug(isnr),
        "title": f"{prname or prnr}: issue {isnr}",
        "scale": {"low": "0", "high": "100"},
        "decision": decision,
        "positions": rows,
        "group": prnr,
    }
    rp = number(cells, n, "rp", 0.0, 100.0)
    if rp is not None:
        out["status_quo"] = rp
    outcome = number(cells, n, "out", 0.0, 100.0)
    if outcome is not None:
        out["outcome"] = outcome
    return out


def _slug(text: str) -> str:
    s = "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")
    return s or "deu3"
