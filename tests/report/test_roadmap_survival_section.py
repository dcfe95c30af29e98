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


def test_the_roadmap_section_plans_for_the_draws_when_asked() -> None:
    """``robust``: the chance-constrained roadmap, its count recomputed by the exact checker on each draw."""
    from detente.analysis import roadmap
    from detente.report import ReportInputs
    from detente.report.core import render_section
    from detente.report.sections import roadmap as section
    from detente.scenarios import load_builtin

    s = load_builtin("korea-2019")
    ks = sorted(roadmap.target_from_spec(s, "ks")[0])
    inputs = ReportInputs(
        s, quick=True, options={"roadmap": {"target": ks, "robust": 0.95, "time_limit": 60}}
    )
    sec = render_section(section, inputs)
    robust, sv = section.robust_data(inputs, section.plan_data(inputs)["roadmap"])  # type: ignore[misc]
    assert robust.result.feasible and sv is not None
    again = survival(s, [st.moves for st in robust.result.stages], samples=ROADMAP_DRAWS, seed=0)
    assert sec.params["robust held in"] == robust.held == again.held >= 0.95 * ROADMAP_DRAWS
    assert sec.params["held in"] < again.held  # the likely-value roadmap holds in fewer
    assert "A robust roadmap holds in 95% of the draws" in sec.html
    assert any(f.name == "roadmap-robust-survival" for f in sec.figures)
