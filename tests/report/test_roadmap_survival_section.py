"""The report's roadmap section says how often the roadmap holds over value draws, and draws it."""

from __future__ import annotations

from typing import Any

from detente.analysis.roadmap_survival import survival
from detente.defaults import ROADMAP_DRAWS
from detente.report.sections.roadmap import plan_data


def test_the_roadmap_section_judges_its_roadmap_over_the_draws(small_report: Any) -> None:
    report = small_report("korea-2019")
    sec = report.section("roadmap")
    plan = plan_data(report.inputs)["roadmap"]
    assert plan.stages, "korea-2019's report shows a roadmap"
    stages = [st.moves for st in plan.stages]
    sv = survival(report.inputs.scenario, stages, samples=ROADMAP_DRAWS, seed=report.inputs.seed)
    assert f"holds in {sv.held} of {ROADMAP_DRAWS} value draws" in sec.html
    assert sec.params["held in"] == sv.held
    assert any(f.name == "roadmap-survival" for f in sec.figures)


def test_a_scenario_without_ranges_gets_no_survival(small_report: Any) -> None:
    from detente.report import ReportInputs
    from detente.report.core import render_section
    from detente.report.sections import roadmap as section
    from detente.scenarios import load_builtin

    s = load_builtin("libya-2003")
    flat = s.replace(
        moves=tuple(
            m.model_copy(update={"value": {p: type(v)(low=v.likely, likely=v.likely, high=v.likely)
                                           for p, v in m.value.items()}})
            for m in s.moves
        )
    )  # fmt: skip
    sec = render_section(section, ReportInputs(flat, quick=True))
    assert "Under uncertainty" not in sec.html
    assert not any(f.name == "roadmap-survival" for f in sec.figures)
