"""The report renders for every built-in scenario, holds each section, and its numbers match the analyses."""

from __future__ import annotations

import base64
import importlib
import re
import types
from html import escape
from html.parser import HTMLParser
from typing import Any

import pytest

from detente.model.errors import AnalysisError
from detente.model.load import scenario_from_text
from detente.report import Body, Report, ReportInputs, Skip, build_report, section_modules
from detente.report.core import render_section
from detente.report.sections.scenario import fmt_value
from detente.scenarios import load_builtin

# Each section and the analysis modules it needs: when those import, the section must be there.
NEEDS = {
    "scenario": [],
    "deals": ["detente.analysis.deals"],
    "roadmap": ["detente.analysis.roadmap"],
    "simulate": ["detente.simulate.compare", "detente.simulate.strategies", "detente.simulate.engine"],
    "stability": ["detente.analysis.stability", "detente.analysis.stability_scenario"],
    "sensitivity": ["detente.studies"],
}


def _available(modules: list[str]) -> bool:
    for m in modules:
        try:
            importlib.import_module(m)
        except ImportError:
            return False
    return True


def _has(module: str, attr: str) -> bool:
    try:
        return hasattr(importlib.import_module(module), attr)
    except ImportError:
        return False


def test_every_section_is_there_or_says_why(report: Report) -> None:
    keys = [s.key for s in report.sections]
    assert keys[-1] == "reproduce"
    for key, needs in NEEDS.items():
        assert key in keys
        sec = report.section(key)
        html = report.html()
        assert f'data-section="{key}"' in html
        if _available(needs) and (key != "simulate" or _has("detente.simulate.strategies", "REGISTRY")):
            s = report.inputs.scenario
            over_budget = "more than the report's" in (sec.note or "")
            allowed = (key == "simulate" and len(s.parties) < 2) or (
                key == "sensitivity" and (not s.has_ranges or over_budget)
            )
            assert not sec.skipped or allowed, f"{key}: {sec.note}"
            assert sec.html or sec.skipped
        else:
            assert sec.skipped and sec.note


def test_scenario_section_lists_every_move_with_its_range(report: Report) -> None:
    s = report.inputs.scenario
    html = report.section("scenario").html
    for m in s.moves:
        assert f"<code>{m.id}</code>" in html
        for p in s.party_ids:
            assert fmt_value(m.value_for(p)) in html
    for p in s.parties:
        assert f"Moves by {escape(p.label)}" in html or not s.moves_by(p.id)


def test_deal_section_numbers_are_the_analysis_numbers(report: Report) -> None:
    from detente.analysis.deals import analyse_deals

    s = report.inputs.scenario
    ds = analyse_deals(s)
    html = report.section("deals").html
    assert f"{len(ds.frontier)} on the Pareto frontier" in html
    nash = ds.solutions["nash"]
    for p in s.party_ids:
        assert f"{nash.utility[p]:.2f} ({nash.utility[p] - ds.disagreement[p]:+.2f})" in html
    fig = report.section("deals").figures[0]
    assert fig.name == "deal-space" and fig.svg().startswith("<svg")


def test_roadmap_section_matches_its_plan(report: Report) -> None:
    from detente.analysis.roadmap import PlanResult
    from detente.report.sections.roadmap import plan_data

    sec = report.section("roadmap")
    if sec.skipped:
        pytest.skip(f"roadmap section skipped: {sec.note}")
    result = plan_data(report.inputs)["roadmap"]  # cached: the very plan the section drew
    assert isinstance(result, PlanResult)
    assert sec.html.count("<tr>") >= len(result.stages) + (len(result.stages) > 0)
    if result.feasible:
        assert "A roadmap exists" in sec.html
        for st in result.stages:
            assert ", ".join(sorted(st.moves)) in sec.html
    else:
        assert "No roadmap" in sec.html


def test_reproduce_section_embeds_the_exact_scenario(report: Report) -> None:
    html = report.section("reproduce").html
    m = re.search(r'href="data:application/x-yaml;base64,([A-Za-z0-9+/=]+)"', html)
    assert m is not None
    text = base64.b64decode(m.group(1)).decode("utf-8")
    assert scenario_from_text(text, "embedded.yaml") == report.inputs.scenario
    assert f"--seed {report.inputs.seed}" in html


class _Links(HTMLParser):
    """Collects every URL-bearing attribute, with its tag."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if value is not None and name.split(":")[-1] in {
                "src",
                "href",
                "srcset",
                "action",
                "poster",
                "data",
            }:
                self.found.append((tag, name, value))


def test_html_makes_no_network_request(report: Report) -> None:
    html = report.html()
    parser = _Links()
    parser.feed(html)
    for tag, name, value in parser.found:
        external = re.match(r"\s*(https?:)?//", value, re.IGNORECASE) is not None
        if external:
            assert tag == "a" and name == "href", f"<{tag} {name}={value!r}> would fetch a resource"
        else:
            assert value.startswith(("#", "data:")), f"<{tag} {name}={value!r}> is not inline"
    assert "script" not in parser.tags and "iframe" not in parser.tags and "link" not in parser.tags
    assert "@import" not in html
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", html, re.IGNORECASE)


def test_same_seed_same_report() -> None:
    a = build_report(
        ReportInputs(load_builtin("korea-2019"), seed=3), only=["scenario", "deals", "stability"]
    )
    b = build_report(
        ReportInputs(load_builtin("korea-2019"), seed=3), only=["scenario", "deals", "stability"]
    )
    assert a.html() == b.html()


def test_figures_are_written_as_png_and_svg(tmp_path: object, small_report: Any) -> None:
    import pathlib
    import xml.etree.ElementTree as ET

    out = pathlib.Path(str(tmp_path))
    rep = small_report("korea-2019")
    paths = rep.write_figures(out)
    assert rep.figures and len(paths) == 2 * len(rep.figures)
    for f in rep.figures:
        png = (out / f"{f.name}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        root = ET.parse(out / f"{f.name}.svg").getroot()
        assert root.tag.endswith("svg")


def _fake(name: str, render: object) -> types.ModuleType:
    mod = types.ModuleType(f"detente.report.sections.{name}")
    mod.KEY, mod.TITLE, mod.render = name, name.title(), render  # type: ignore[attr-defined]
    return mod


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (
            ModuleNotFoundError("No module named 'detente.analysis.future'", name="detente.analysis.future"),
            "detente.analysis.future is not available",
        ),
        (Skip("not included: needs two parties"), "needs two parties"),
        (AnalysisError("space too large"), "space too large"),
        (ZeroDivisionError("boom"), "the analysis failed (ZeroDivisionError: boom)"),
    ],
)
def test_a_failing_section_becomes_a_note(error: Exception, words: str) -> None:
    def render(inputs: ReportInputs) -> Body:
        raise error

    sec = render_section(_fake("future", render), ReportInputs(load_builtin("korea-2019")))
    assert sec.skipped and words in (sec.note or "")


def test_a_new_section_module_appears_without_core_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from detente.report import sections

    mod = _fake("zz_extra", lambda inputs: Body("<p>extra section body</p>"))
    mod.ORDER = 45  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    real = importlib.import_module("pkgutil").iter_modules

    def iter_modules(path: object = None, prefix: str = "") -> object:
        yield from real(path, prefix)  # type: ignore[arg-type]
        if path == sections.__path__:
            yield types.SimpleNamespace(name="zz_extra", ispkg=False)

    monkeypatch.setattr("pkgutil.iter_modules", iter_modules)
    keys = [getattr(m, "KEY", "") for m in section_modules()]
    assert keys.index("zz_extra") == keys.index("simulate") + 1
    rep = build_report(ReportInputs(load_builtin("korea-2019")), only=["zz_extra"])
    assert "extra section body" in rep.html()
