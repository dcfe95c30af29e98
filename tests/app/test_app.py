"""Every page of the web app through Streamlit's testing API, a bad upload, and an edit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import detente.app.main as app_main
from detente.app import state
from detente.scenarios import builtin_text, load_builtin

SCRIPT = str(Path(app_main.__file__ or ""))


@pytest.fixture
def at() -> AppTest:
    return AppTest.from_file(SCRIPT, default_timeout=240).run()


def _go(at: AppTest, page: str) -> AppTest:
    return at.sidebar.radio(key="page").set_value(page).run()


def _errors(at: AppTest) -> str:
    """The error boxes as the reader sees them (markdown escapes removed)."""
    return "\n".join(e.value for e in at.error).replace("\\", "")


def test_starts_on_the_scenario_page_with_korea(at: AppTest) -> None:
    assert not at.exception
    assert at.header[0].value == "Scenario"
    assert at.selectbox(key="builtin").value == "korea-2019"
    assert at.subheader[0].value == load_builtin("korea-2019").title
    assert len(at.dataframe) == 2  # the two edit tables


def test_pick_another_builtin(at: AppTest) -> None:
    other = next(n for n in state.scenario_names() if n != "korea-2019")
    at.selectbox(key="builtin").set_value(other).run()
    assert not at.exception
    assert at.subheader[0].value == load_builtin(other).title


def test_bad_upload_shows_located_problems_not_a_traceback(at: AppTest) -> None:
    at.radio(key="source").set_value("Upload").run()
    bad = builtin_text("korea-2019").replace("discount: 0.98", "discount: 1.7", 1)
    at.file_uploader(key="upload").set_value(("mine.yaml", bad.encode(), "application/x-yaml")).run()
    assert not at.exception
    text = _errors(at)
    assert "mine.yaml is not a valid scenario" in text
    assert "mine.yaml:" in text and "parties[0] (USA).discount" in text
    assert "Traceback" not in text


def test_good_upload_becomes_the_scenario(at: AppTest) -> None:
    at.radio(key="source").set_value("Upload").run()
    text = builtin_text("korea-2019").replace("id: korea-2019", "id: korea-mine", 1)
    at.file_uploader(key="upload").set_value(("mine.yaml", text.encode(), "application/x-yaml")).run()
    assert not at.exception and not at.error
    assert at.session_state["scenario"].id == "korea-mine"


def test_apply_edits_changes_the_scenario_and_validates() -> None:
    s = load_builtin("korea-2019")
    parties, moves = state.party_rows(s), state.move_rows(s)
    parties[0]["exposure_limit"] = 7.5
    moves[0]["USA likely"] = 2.0
    edited = state.apply_edits(s, parties, moves)
    assert edited.ok and edited.scenario is not None
    assert edited.scenario.party(parties[0]["id"]).exposure_limit == 7.5
    v = edited.scenario.move(moves[0]["id"]).value_for("USA")
    assert (v.low, v.likely, v.high) == (moves[0]["USA low"], 2.0, moves[0]["USA high"])
    moves[0]["USA low"] = 9.0  # low above likely: a located problem, no exception
    broken = state.apply_edits(s, parties, moves)
    assert not broken.ok
    assert any(
        "moves[0] (dprk-test-moratorium).value.USA" in str(p) and "low <= likely <= high" in str(p)
        for p in broken.problems
    )


def test_deals_page_draws_the_chart(at: AppTest) -> None:
    _go(at, "Deals")
    at.button(key="run-deals").click().run()
    assert not at.exception and not at.warning
    assert len(at.get("image")) >= 1  # st.pyplot
    assert any("Bargaining solutions" in m.value for m in at.markdown)


def test_roadmap_page(at: AppTest) -> None:
    _go(at, "Roadmap")
    at.number_input(key="tolerance").set_value(0.2).run()
    at.button(key="run-roadmap").click().run()
    assert not at.exception and not at.warning
    text = "\n".join(m.value for m in at.markdown)
    assert "roadmap" in text.lower() and "tolerance" in text.lower()
    assert at.session_state["rendered"]["roadmap"].params["tolerance"] == 0.2


def test_simulate_page_with_progress(at: AppTest) -> None:
    _go(at, "Simulate")
    at.multiselect(key="strategies").set_value(["maximum-pressure", "step-by-step"]).run()
    at.slider(key="runs").set_value(5).run()
    at.button(key="run-simulate").click().run()
    assert not at.exception
    sec = at.session_state["rendered"]["simulate"]
    assert not sec.skipped, sec.note
    assert sec.params["runs"] == 5 and sec.params["strategies"] == ["maximum-pressure", "step-by-step"]
    assert len(at.get("image")) == 2  # heatmap and outcome distributions


def test_stability_page(at: AppTest) -> None:
    _go(at, "Stability")
    at.button(key="run-stability").click().run()
    assert not at.exception and not at.warning
    assert any("From the status quo" in m.value for m in at.markdown)


def test_report_page_offers_the_download(at: AppTest) -> None:
    _go(at, "Simulate")
    at.multiselect(key="strategies").set_value(["grit", "tit-for-tat"]).run()
    at.slider(key="runs").set_value(5).run()
    _go(at, "Report")
    at.button(key="run-report").click().run()
    assert not at.exception
    html = at.session_state["report_html"]
    assert html.startswith("<!DOCTYPE html>") and 'data-section="reproduce"' in html
    assert any(e.proto.label == "Download the report (HTML)" for e in at.get("download_button"))
    assert "grit" in html and "<td>runs</td><td>5</td>" in html  # the Simulate page's settings


def test_every_page_without_a_scenario_says_what_to_do(at: AppTest) -> None:
    for page in ("Deals", "Roadmap", "Simulate", "Stability", "Report"):
        at.session_state["scenario"] = None
        _go(at, page)
        assert not at.exception
        assert any("Scenario page" in i.value for i in at.info), page


def _editor_key(at: AppTest, prefix: str) -> str:
    return next(e.key for e in at.data_editor if e.key and e.key.startswith(prefix))


def _edit(at: AppTest, prefix: str, row: int, column: str, value: object) -> AppTest:
    at.session_state[_editor_key(at, prefix)] = {
        "edited_rows": {row: {column: value}}, "added_rows": [], "deleted_rows": [],
    }  # fmt: skip
    return at.run()


def test_scenario_edits_and_results_survive_every_page(at: AppTest) -> None:
    at.selectbox(key="builtin").set_value("libya-2003").run()
    _edit(at, "parties-", 0, "exposure_limit", "3.5")
    assert not at.exception and not at.error
    assert at.session_state["scenario"].party("LBY").exposure_limit == 3.5
    _go(at, "Deals")
    at.button(key="run-deals").click().run()
    assert at.session_state["rendered"]["deals"] is not None
    for page in ("Roadmap", "Simulate", "Stability", "Report", "Scenario", "Deals"):
        _go(at, page)
        assert not at.exception, page
        assert at.session_state["scenario"].id == "libya-2003", page
        assert "libya-2003" in at.sidebar.caption[0].value, page  # the caption never lags
    assert at.session_state["scenario"].party("LBY").exposure_limit == 3.5
    assert any("Bargaining solutions" in m.value for m in at.markdown)  # the results are still shown
    assert not any("Out of date" in w.value for w in at.warning)
    _go(at, "Scenario")
    assert at.selectbox(key="builtin").value == "libya-2003"
    assert at.data_editor[0].value["exposure_limit"][0] == "3.5"


def test_the_sidebar_caption_follows_a_new_scenario_at_once(at: AppTest) -> None:
    at.selectbox(key="builtin").set_value("libya-2003").run()
    assert "libya-2003" in at.sidebar.caption[0].value


def test_an_uploaded_scenario_survives_every_page(at: AppTest) -> None:
    at.radio(key="source").set_value("Upload").run()
    text = builtin_text("korea-2019").replace("id: korea-2019", "id: korea-mine", 1)
    at.file_uploader(key="upload").set_value(("mine.yaml", text.encode(), "application/x-yaml")).run()
    for page in ("Deals", "Report", "Scenario"):
        _go(at, page)
        assert at.session_state["scenario"].id == "korea-mine", page
    assert at.radio(key="source").value == "Upload"
    assert "uploaded mine.yaml" in at.sidebar.caption[0].value


def test_a_number_cell_that_is_not_a_number_is_refused(at: AppTest) -> None:
    before = at.session_state["scenario"]
    _edit(at, "parties-", 0, "exposure_limit", "four")
    assert not at.exception
    assert at.session_state["scenario"] == before  # the limit is kept
    text = _errors(at)
    assert "Exposure limit of USA: 'four' is not a number" in text and "the old value 2 is kept" in text
    assert at.data_editor[0].value["exposure_limit"][0] == "2"  # the table shows the old value again
    assert not any("Edits applied" in s.value for s in at.success)


def test_no_limit_is_an_explicit_choice(at: AppTest) -> None:
    _edit(at, "parties-", 0, "exposure_limit", "no limit")
    assert not at.exception and not at.error
    assert at.session_state["scenario"].party("USA").exposure_limit is None
    _edit(at, "parties-", 0, "exposure_limit", "")
    assert "the cell is empty (type a number or 'no limit'); the old value no limit is kept" in _errors(at)


def test_an_edit_marks_results_out_of_date_with_a_rerun(at: AppTest) -> None:
    _go(at, "Deals")
    at.button(key="run-deals").click().run()
    _go(at, "Scenario")
    _edit(at, "moves-", 0, "USA likely", 2.0)
    assert any("marked out of date" in s.value for s in at.success)
    _go(at, "Deals")
    assert any("Out of date" in w.value for w in at.warning)
    assert any("Bargaining solutions" in m.value for m in at.markdown)  # still shown, not removed
    at.button(key="rerun-deals").click().run()
    assert not any("Out of date" in w.value for w in at.warning)
    assert at.session_state["rendered_for"]["deals"]["scenario"] == at.session_state["scenario"]


def test_edit_tables_pin_the_id_and_show_no_none(at: AppTest) -> None:
    for table in at.data_editor:
        cells = table.value.astype(str).to_numpy().ravel().tolist()
        assert "None" not in cells and not table.value.isna().to_numpy().any()
        config = {k: v for k, v in json.loads(table.proto.columns).items() if k != "_index"}
        assert config["id"]["pinned"] is True
        assert all(c.get("label") and c.get("help") for c in config.values())
    labels = [c.get("label") for c in json.loads(at.data_editor[0].proto.columns).values()]
    assert "Exposure limit" in labels and "No-deal value" in labels


def _answer_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_the_first_page_shows_the_answer(at: AppTest) -> None:
    assert not at.exception
    text = _answer_text(at)
    assert "#### The answer" in text
    assert "Deal zone:" in text and "Staging:" in text and "by mean payoff" in text
    assert at.session_state["rendered"]["answer"].key == "answer"


def test_the_answer_follows_the_scenario_and_its_edits(at: AppTest) -> None:
    at.selectbox(key="builtin").set_value("libya-2003").run()
    assert "LBY&#x27;s strategies by mean payoff" in _answer_text(at)  # the HTML of the report section
    _edit(at, "parties-", 0, "exposure_limit", "3.5")
    assert any("Out of date" in w.value for w in at.warning)  # the answer says it is stale at once
    at.button(key="rerun-answer").click().run()
    assert not any("Out of date" in w.value for w in at.warning)
    assert at.session_state["rendered_for"]["answer"]["scenario"] == at.session_state["scenario"]


@pytest.mark.parametrize("page", ["Deals", "Roadmap", "Simulate", "Stability"])
def test_every_analysis_page_explains_its_words_as_the_glossary_does(at: AppTest, page: str) -> None:
    from detente.app.ui import PAGE_WORDS
    from detente.glossary import GLOSSARY

    _go(at, page)
    assert not at.exception
    assert [e.label for e in at.expander] == ["What the words on this page mean"]
    text = "\n".join(m.value for m in at.expander[0].markdown).replace("\\", "")
    for term in PAGE_WORDS[page]:
        assert GLOSSARY[term].full in text and GLOSSARY[term].definition.replace("\\", "") in text


def test_roadmap_page_plans_for_the_draws(at: AppTest) -> None:
    _go(at, "Roadmap")
    ks = ["dprk-declaration", "dprk-fissile-freeze", "dprk-inspectors", "dprk-test-pledge", "dprk-yongbyon-dismantle",
          "usa-economic-aid", "usa-end-of-war", "usa-exercise-halt", "usa-liaison-offices", "usa-normalization",
          "usa-peace-treaty", "usa-sanctions-relief-partial", "usa-security-assurances"]  # fmt: skip
    at.multiselect(key="target").set_value(ks).run()
    at.number_input(key="robust").set_value(0.9).run()
    at.button(key="run-roadmap").click().run(timeout=120)
    assert not at.exception
    section = at.session_state["rendered"]["roadmap"]
    assert section.params["robust level"] == 0.9 and section.params["robust held in"] >= 450
    assert "A robust roadmap holds in 90% of the draws" in section.html
    assert [f.name for f in section.figures][-1] == "roadmap-robust-survival"
