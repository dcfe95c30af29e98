"""Hostile input: files written to hurt the loader, through the command line and the app.

Every case must be answered with exit 2 and a located message (file:line:col and the field),
no traceback, within 5 s and 300 MB; the big ones run in a subprocess whose time and peak
memory are measured (``resource.getrusage`` of the child). Markup in text is legitimate
text: it must be printed as written, never interpreted.
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.app import state
from detente.cli import app
from detente.model.source import MAX_DEPTH, MAX_NODES

runner = CliRunner()

BASE = textwrap.dedent(
    """\
    detente: 1
    id: hostile
    title: Hostile
    description: a file written to hurt
    notes: none
    time: {unit: month, horizon: 12}
    parties:
      - {id: A, name: Alpha, discount: 0.9, exposure_limit: 2, reservation: 0.5, description: first}
      - {id: B, name: Beta}
    moves:
      - {id: a1, by: A, title: A gives, value: {A: -1, B: [1, 2, 3]}, verification: 0.8,
         source: s, rationale: r}
      - {id: b1, by: B, title: B gives, value: {A: {low: 1, likely: 2, high: 3}, B: -1}}
    interactions:
      - {moves: [a1, b1], value: {A: 0.5}, rationale: r}
    pressures:
      - {party: B, per_period: -0.5, growth: 0.1, description: d, source: s, stopped_by: [a1]}
    events:
      - {id: test, rate: 0.1, effect: {trust: {A: -0.2}, utility: {B: -1}}, description: d, source: s}
    outcome:
      summary: what happened
      timeline:
        - {date: 2019-10, text: talks}
    """
)

LOCATED = re.compile(r"\S+\.yaml:\d+:\d+: ")
BUDGET_SECONDS = 5.0
BUDGET_MB = 300


def _write(tmp_path: Path, text: str | bytes, name: str = "hostile.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _refused(path: Path, field: str | None = None) -> str:
    """validate and show both exit 2 with a located message naming ``field``; the app agrees."""
    for command in ("validate", "show"):
        start = time.monotonic()
        result = runner.invoke(app, [command, str(path)])
        assert time.monotonic() - start < BUDGET_SECONDS
        assert result.exit_code == 2, (command, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
        assert LOCATED.search(result.output), result.output
        if field is not None:
            assert field in result.output, result.output
    loaded = state.load_upload(path.read_bytes(), path.name)
    assert not loaded.ok and loaded.problems
    assert all(p.line is not None for p in loaded.problems), loaded.problems
    if field is not None:
        assert any(field in str(p) for p in loaded.problems), loaded.problems
    return result.output


def _measured(path: Path) -> tuple[int, str, float, float]:
    """``detente validate`` in a subprocess: exit code, stderr, seconds, peak MB."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.monotonic()\n"
        "p = subprocess.run([sys.executable, '-m', 'detente', 'validate', sys.argv[1]], capture_output=True, text=True)\n"
        "took = time.monotonic() - t\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(p.returncode, took, peak)\n"
        "sys.stderr.write(p.stdout + p.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=60)
    code, took, peak = out.stdout.split()
    return int(code), out.stderr, float(took), float(peak)


def _assert_cheap_refusal(path: Path, needle: str) -> None:
    code, output, took, peak = _measured(path)
    assert code == 2, output
    assert needle in output, output
    assert LOCATED.search(output) and "Traceback" not in output, output
    assert took < BUDGET_SECONDS, took
    assert peak < BUDGET_MB, peak


def test_the_base_file_is_valid(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(_write(tmp_path, BASE))])
    assert result.exit_code == 0, result.output


# ----------------------------------------------------------------- aliases
def _alias_bomb(levels: int = 9, fan: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * fan)}]")
    return BASE.replace("notes: none\n", "notes:\n" + textwrap.indent("\n".join(lines), "  ") + "\n")


def test_alias_bomb_is_refused_quickly_and_cheaply(tmp_path: Path) -> None:
    path = _write(tmp_path, _alias_bomb())  # 9^9 (387 million) strings once expanded
    assert path.stat().st_size < 2000
    _refused(path, "notes.a1[0]")
    _assert_cheap_refusal(path, "YAML aliases")


def test_a_single_alias_is_refused_where_it_is_used(tmp_path: Path) -> None:
    text = BASE.replace("title: A gives", "title: &t A gives").replace("title: B gives", "title: *t")
    out = _refused(_write(tmp_path, text), "moves[1] (b1).title")
    assert "aliases (*t) are not supported" in out


def test_merge_keys_and_object_tags_are_refused(tmp_path: Path) -> None:
    _refused(_write(tmp_path, BASE + "extra: !!python/object:os.system {}\n"), "extra")
    _refused(
        _write(tmp_path, BASE.replace("time: {unit: month, horizon: 12}", "time: {<<: {unit: x}}")), "time"
    )


# ----------------------------------------------------------------- depth and size
@pytest.mark.parametrize("style", ["flow", "block"])
def test_deep_nesting_is_refused_before_recursion(tmp_path: Path, style: str) -> None:
    depth = 10_000
    if style == "flow":
        nested = "[" * depth + "]" * depth
        text = BASE.replace("notes: none", f"notes: {nested}")
    else:
        text = BASE.replace("notes: none\n", "notes:\n  " + "- " * depth + "x\n")  # compact block lists
    path = _write(tmp_path, text)
    out = _refused(path, None)
    assert "nested more than" in out
    _assert_cheap_refusal(path, "nested more than")


def test_nesting_up_to_the_limit_is_read(tmp_path: Path) -> None:
    nested = "[" * (MAX_DEPTH - 2) + "1" + "]" * (MAX_DEPTH - 2)
    text = BASE.replace("notes: none", f"notes: {nested}")
    result = runner.invoke(app, ["validate", str(_write(tmp_path, text))])
    assert result.exit_code == 2 and "notes: expected a valid string" in result.output
    assert "nested more than" not in result.output


def test_a_million_moves_are_refused_by_the_size_cap(tmp_path: Path) -> None:
    moves = ",".join(["{}"] * 1_000_000)
    path = _write(tmp_path, BASE.split("moves:")[0] + f"moves: [{moves}]\n")
    _assert_cheap_refusal(path, f"more than {MAX_NODES:,} values")


def test_more_than_ten_thousand_moves_are_refused_by_the_scenario_cap(tmp_path: Path) -> None:
    moves = "\n".join(f"  - {{id: m{i}, by: A, title: t}}" for i in range(10_001))
    path = _write(tmp_path, BASE.split("moves:")[0] + "moves:\n" + moves + "\n")
    out = _refused(path, "moves: 10,001 moves; expected at most 10,000")
    assert "docs/security.md" in out
    _assert_cheap_refusal(path, "expected at most 10,000")


def test_ten_thousand_moves_validate_quickly(tmp_path: Path) -> None:
    moves = "\n".join(
        f"  - {{id: m{i}, by: {'AB'[i % 2]}, title: M{i}, value: {{A: [-1, 0, 1], B: 2}}"
        + (f", requires: [m{i - 1}]" if i else "")  # one long chain of prerequisites
        + (", excludes: [m0]" if i == 9_999 else "")
        + "}"
        for i in range(10_000)
    )
    path = _write(tmp_path, BASE.split("moves:")[0] + "moves:\n" + moves + "\n")
    code, output, took, peak = _measured(path)
    assert code == 2, output  # m9999 needs m0 and excludes it: found without a quadratic walk
    assert "m9999 can never be in force" in output
    assert took < BUDGET_SECONDS and peak < BUDGET_MB, (took, peak)


# ----------------------------------------------------------------- numbers
NUMERIC = [
    ("discount: 0.9", "discount: @", "parties[0] (A).discount"),
    ("exposure_limit: 2", "exposure_limit: @", "parties[0] (A).exposure_limit"),
    ("reservation: 0.5", "reservation: @", "parties[0] (A).reservation"),
    ("value: {A: -1,", "value: {A: @,", "moves[0] (a1).value.A"),
    ("B: [1, 2, 3]", "B: [1, @, 3]", "moves[0] (a1).value.B"),
    ("A: {low: 1, likely: 2, high: 3}", "A: {low: 1, likely: 2, high: @}", "moves[1] (b1).value.A"),
    ("verification: 0.8", "verification: @", "moves[0] (a1).verification"),
    ("value: {A: 0.5}", "value: {A: @}", "interactions[0].value.A"),
    ("per_period: -0.5", "per_period: @", "pressures[0].per_period"),
    ("growth: 0.1", "growth: @", "pressures[0].growth"),
    ("rate: 0.1", "rate: @", "events[0] (test).rate"),
    ("trust: {A: -0.2}", "trust: {A: @}", "events[0] (test).effect.trust.A"),
    ("utility: {B: -1}", "utility: {B: @}", "events[0] (test).effect.utility.B"),
    ("horizon: 12", "horizon: @", "time.horizon"),
]


@pytest.mark.parametrize("bad", [".nan", ".inf", "-.inf", "1e999", '"inf"', '"NaN"'])
@pytest.mark.parametrize(("old", "new", "field"), NUMERIC, ids=[f for _, _, f in NUMERIC])
def test_non_finite_numbers_are_refused_in_every_numeric_field(
    tmp_path: Path, old: str, new: str, field: str, bad: str
) -> None:
    assert BASE.count(old) == 1, old
    _refused(_write(tmp_path, BASE.replace(old, new.replace("@", bad))), field)


def test_non_finite_numbers_are_refused_in_json_too(tmp_path: Path) -> None:
    doc = {"detente": 1, "id": "j", "title": "J", "parties": [{"id": "A", "reservation": 1}]}
    text = json.dumps(doc).replace('"reservation": 1', '"reservation": NaN')
    _refused(
        _write(tmp_path, text, "hostile.json").rename(tmp_path / "hostile.yaml"), "parties[0] (A).reservation"
    )


def test_huge_integers_are_refused_not_crashed(tmp_path: Path) -> None:
    _refused(_write(tmp_path, BASE.replace("horizon: 12", "horizon: " + "9" * 6000)), "time.horizon")


# ----------------------------------------------------------------- text
TEXT_FIELDS = [
    ("title: Hostile", "title: @", "title"),
    ("description: a file written to hurt", "description: @", "description"),
    ("notes: none", "notes: @", "notes"),
    ("unit: month", "unit: @", "time.unit"),
    ("name: Alpha", "name: @", "parties[0] (A).name"),
    ("description: first", "description: @", "parties[0] (A).description"),
    ("title: A gives", "title: @", "moves[0] (a1).title"),
    ("source: s, rationale: r}", "source: @, rationale: r}", "moves[0] (a1).source"),
    ("s, rationale: r}", "s, rationale: @}", "moves[0] (a1).rationale"),
    ("description: d, source: s, stopped", "description: @, source: s, stopped", "pressures[0].description"),
    ("summary: what happened", "summary: @", "outcome.summary"),
    ("text: talks", "text: @", "outcome.timeline[0].text"),
]
CONTROL = ['"\\x1b[31mred"', '"a\\u202eb"', '"nul\\0"', '"bell\\a"', '"cr\\r"', '"zw\\u200bj"', '"\\x9b"']


@pytest.mark.parametrize("bad", CONTROL)
@pytest.mark.parametrize(("old", "new", "field"), TEXT_FIELDS, ids=[f for _, _, f in TEXT_FIELDS])
def test_control_and_bidi_characters_are_refused_in_every_text_field(
    tmp_path: Path, old: str, new: str, field: str, bad: str
) -> None:
    assert BASE.count(old) == 1, old
    text = BASE.replace(old, new.replace("@", bad))
    out = _refused(_write(tmp_path, text), field)
    assert "invisible character U+" in out


MARKUP = ["[/]", "[link=https://example.org/x]click[/link]", "[bold red]x", "trailing\\\\", "[/bold]"]


@pytest.mark.parametrize("markup", MARKUP)
def test_markup_in_text_is_printed_as_written(tmp_path: Path, markup: str) -> None:
    quoted = json.dumps(markup.replace("\\\\", "\\"))
    text = BASE.replace("title: Hostile", f"title: {quoted}").replace("name: Alpha", f"name: {quoted}")
    text = text.replace("title: A gives", f"title: {quoted}").replace("unit: month", f"unit: {quoted}")
    path = _write(tmp_path, text)
    shown = markup.replace("\\\\", "\\")
    for command in (["show", str(path)], ["stability", str(path)]):
        result = runner.invoke(app, command, terminal_width=200)
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
        assert shown.rstrip("\\") in result.output, result.output
    assert "\x1b]8;" not in runner.invoke(app, ["show", str(path)], color=True).output  # no terminal link


# ----------------------------------------------------------------- the app
def test_the_app_upload_answers_every_hostile_file_with_located_problems(tmp_path: Path) -> None:
    cases = {
        "bomb.yaml": _alias_bomb().encode(),
        "deep.yaml": BASE.replace("notes: none", "notes: " + "[" * 10_000 + "]" * 10_000).encode(),
        "nan.yaml": BASE.replace("reservation: 0.5", "reservation: .nan").encode(),
        "ctl.yaml": BASE.replace("title: Hostile", 'title: "\\x1b]8;;http://x\\x07"').encode(),
    }
    for name, data in cases.items():
        start = time.monotonic()
        loaded = state.load_upload(data, name)
        assert time.monotonic() - start < BUDGET_SECONDS
        assert not loaded.ok and loaded.problems, name
        assert all(p.file == name and p.line is not None for p in loaded.problems), loaded.problems


def test_the_app_upload_never_raises_and_shows_no_server_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server_path = str(tmp_path / "server-side" / "module.py")

    def broken(text: str, name: str) -> None:
        raise RuntimeError(f"{server_path} exploded")

    monkeypatch.setattr(state, "scenario_from_text", broken)
    loaded = state.load_upload(BASE.encode(), str(tmp_path / "client-side" / "x.yaml"))
    assert not loaded.ok
    text = " ".join(str(p) for p in loaded.problems)
    assert str(tmp_path) not in text and "RuntimeError" in text and "x.yaml" in text


def test_getrusage_measures_children() -> None:
    """The memory probe above reads the child's peak, not this process's."""
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss >= 0
