"""The pages of the web app: scenario, deals, roadmap, simulate, stability, report.

The current scenario lives in ``st.session_state["scenario"]`` (with its text and
name); every analysis page renders the matching report section with the options
chosen on the page, so what the app shows is what the report shows.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import streamlit as st

from detente.app import state
from detente.model.scenario import Scenario
from detente.report import ReportInputs, build_report, section_modules
from detente.report.core import render_section
from detente.report.sections.simulate import STRATEGIES

__all__ = ["PAGES", "main"]

PAGES = ("Scenario", "Deals", "Roadmap", "Simulate", "Stability", "Report")


def _current() -> Scenario | None:
    return st.session_state.get("scenario")


def _set_scenario(loaded: state.Loaded) -> None:
    st.session_state["scenario"] = loaded.scenario
    st.session_state["scenario_name"] = loaded.name
    st.session_state["scenario_text"] = loaded.text
    st.session_state["rendered"] = {}
    st.session_state["edit_version"] = st.session_state.get("edit_version", 0) + 1


def _show_problems(problems: list[Any], heading: str) -> None:
    lines = "\n".join(f"- {state.md(p)}" for p in problems)
    st.error(
        f"**{state.md(heading)}** ({len(problems)} problem{'s' if len(problems) != 1 else ''})\n\n{lines}"
    )


# ------------------------------------------------------------------ scenario page
def page_scenario() -> None:
    st.header("Scenario")
    names = state.scenario_names()
    source = st.radio("Source", ["Built-in", "Upload"], horizontal=True, key="source")
    if source == "Built-in":
        default = names.index("korea-2019") if "korea-2019" in names else 0
        name = st.selectbox("Built-in scenario", names, index=default, key="builtin")
        if st.session_state.get("loaded_key") != f"builtin:{name}":
            _set_scenario(state.load_builtin_text(name))
            st.session_state["loaded_key"] = f"builtin:{name}"
    else:
        upload = st.file_uploader("Scenario file (YAML or JSON)", type=["yaml", "yml", "json"], key="upload")
        if upload is not None:
            data = upload.getvalue()
            key = "upload:" + hashlib.sha256(data).hexdigest()
            loaded = state.load_upload(data, upload.name)
            if not loaded.ok:
                _show_problems(loaded.problems, f"{upload.name} is not a valid scenario")
                return
            if st.session_state.get("loaded_key") != key:
                _set_scenario(loaded)
                st.session_state["loaded_key"] = key
    s = _current()
    if s is None:
        st.info("Pick a built-in scenario or upload a file.")
        return
    st.subheader(state.md(s.title))
    if s.description:
        st.caption(state.md(s.description.strip()))
    v = st.session_state.get("edit_version", 0)
    st.markdown("**Parties** (edit discount, exposure limit, reservation)")
    parties = st.data_editor(state.party_rows(s), key=f"parties-{v}", disabled=["id"], hide_index=True)
    st.markdown("**Moves** (edit values as low / likely / high, status, verification)")
    moves = st.data_editor(state.move_rows(s), key=f"moves-{v}", disabled=["id", "by"], hide_index=True)
    edited = state.apply_edits(s, _records(parties), _records(moves))
    if not edited.ok:
        _show_problems(edited.problems, "These edits are not valid; the analyses use the last valid scenario")
    elif edited.scenario != s:
        st.session_state["scenario"] = edited.scenario
        st.session_state["scenario_text"] = state.edited_yaml(edited.scenario)  # type: ignore[arg-type]
        st.session_state["rendered"] = {}
        st.success("Edits applied: the analyses now use the edited scenario.")
    current = _current()
    assert current is not None
    st.download_button(
        "Download the scenario (YAML)",
        state.edited_yaml(current),
        file_name=f"{current.id}.yaml",
        mime="application/x-yaml",
        key="download-scenario",
    )


def _records(table: Any) -> list[dict[str, Any]]:
    if hasattr(table, "to_dict"):
        return list(table.to_dict("records"))
    return list(table)


# ------------------------------------------------------------------ analysis pages
def _render(key: str, options: dict[str, Any], seed: int = 0, with_progress: bool = False) -> None:
    """Render one report section for the current scenario and keep it for later reruns."""

    s = _current()
    assert s is not None
    module = next((m for m in section_modules() if getattr(m, "KEY", "") == key), None)
    if module is None:
        st.warning(f"The {key} section is not available in this installation.")
        return
    bar = st.progress(0.0, text="running…") if with_progress else None

    def progress(done: int, total: int) -> None:
        if bar is not None and total:
            bar.progress(min(1.0, done / total), text=f"{done} of {total} runs")

    inputs = ReportInputs(s, seed=seed, options={key: options}, progress=progress)
    with st.spinner(f"Running the {key} analysis…"):
        section = render_section(module, inputs)
    if bar is not None:
        bar.empty()
    st.session_state.setdefault("rendered", {})[key] = section


def _show(key: str) -> None:
    section = st.session_state.get("rendered", {}).get(key)
    if section is None:
        return
    if section.skipped:
        st.warning(state.md(section.note))
        return
    for f in section.figures:
        if hasattr(f.figure, "savefig"):
            st.pyplot(f.figure, clear_figure=False)
        else:  # a chart another module drew as PNG only
            st.image(f.png())
        st.caption(state.md(f.title))
    st.markdown(_strip_figures(section.html), unsafe_allow_html=True)


def _strip_figures(html: str) -> str:

    return re.sub(r"<figure>.*?</figure>", "", html, flags=re.DOTALL)


def _need_scenario() -> Scenario | None:
    s = _current()
    if s is None:
        st.info("Choose a scenario on the Scenario page first.")
    return s


def page_deals() -> None:
    st.header("Deal space")
    if _need_scenario() is None:
        return
    st.caption("Every package of moves, the Pareto frontier and the bargaining solutions.")
    if st.button("Run the deal analysis", key="run-deals", type="primary"):
        _render("deals", {})
    _show("deals")


def page_roadmap() -> None:
    st.header("Roadmap")
    s = _need_scenario()
    if s is None:
        return
    tol = st.number_input(
        "Balance tolerance (a stage may give up to this share more than it receives)",
        min_value=0.0, max_value=1.0, value=0.0, step=0.05, key="tolerance",
    )  # fmt: skip
    open_moves = [m.id for m in s.moves if not m.in_force]
    target = st.multiselect(
        "Target package (empty: the Nash package, or the Kalai–Smorodinsky one when Nash has no roadmap)",
        open_moves,
        key="target",
    )
    options = {"tolerance": float(tol), "target": list(target) or None}
    _remember("roadmap", options)
    if st.button("Plan the roadmap", key="run-roadmap", type="primary"):
        _render("roadmap", options)
    _show("roadmap")


def page_simulate() -> None:
    st.header("Strategy comparison")
    s = _need_scenario()
    if s is None:
        return

    try:
        from detente.simulate.strategies import REGISTRY

        known = sorted(REGISTRY)
    except ImportError:
        known = list(STRATEGIES)
    default = [x for x in STRATEGIES if x in known]
    chosen = st.multiselect("Strategies", known, default=default, key="strategies")
    runs = st.slider("Runs per pairing", 5, 200, 20, step=5, key="runs")
    seed = st.number_input("Seed", min_value=0, value=0, step=1, key="seed")
    options = {"strategies": list(chosen), "runs": int(runs)}
    if chosen:
        _remember("simulate", options)
    if st.button("Run the simulations", key="run-simulate", type="primary", disabled=not chosen):
        _render("simulate", options, seed=int(seed), with_progress=True)
    _show("simulate")


def page_stability() -> None:
    st.header("Stability (GMCR)")
    if _need_scenario() is None:
        return
    st.caption("Nash, GMR, SMR and SEQ stability of the conflict implied by the scenario.")
    if st.button("Run the stability analysis", key="run-stability", type="primary"):
        _render("stability", {})
    _show("stability")


def page_report() -> None:
    st.header("Report")
    s = _need_scenario()
    if s is None:
        return

    st.caption("The report uses the settings chosen on the Roadmap and Simulate pages, if any.")
    quick = st.checkbox("Quick (fewer runs)", value=True, key="report-quick")
    seed = st.number_input("Seed", min_value=0, value=0, step=1, key="report-seed")
    if st.button("Build the report", key="run-report", type="primary"):
        total = len(section_modules()) + 1
        bar = st.progress(0.0, text="starting…")
        done = [0]

        def step(title: str) -> None:
            bar.progress(min(1.0, done[0] / total), text=title)
            done[0] += 1

        inputs = ReportInputs(
            s, seed=int(seed), quick=quick, source_text=st.session_state.get("scenario_text"),
            source_name=f"{s.id}.yaml", options=_page_options(),
        )  # fmt: skip
        report = build_report(inputs, progress=step)
        bar.empty()
        st.session_state["report_html"] = report.html()
        st.session_state["report_notes"] = [f"{x.title}: {x.note}" for x in report.sections if x.skipped]
    html = st.session_state.get("report_html")
    if html:
        for note in st.session_state.get("report_notes", []):
            st.warning(state.md(note))
        st.success("The report is ready.")
        st.download_button(
            "Download the report (HTML)", html, file_name=f"detente-report-{s.id}.html", mime="text/html",
            key="download-report",
        )  # fmt: skip


def _page_options() -> dict[str, dict[str, Any]]:
    """The settings chosen on the analysis pages, so the report shows what the pages showed."""
    return {k: dict(v) for k, v in st.session_state.get("page_options", {}).items()}


def _remember(section: str, options: dict[str, Any]) -> None:
    # Widget values vanish from session_state when their page is not shown: keep a copy.
    st.session_state.setdefault("page_options", {})[section] = options


_RENDERERS = {
    "Scenario": page_scenario,
    "Deals": page_deals,
    "Roadmap": page_roadmap,
    "Simulate": page_simulate,
    "Stability": page_stability,
    "Report": page_report,
}


def main() -> None:
    """Lay out the app: a page picker in the sidebar, the chosen page in the main area."""
    st.set_page_config(page_title="detente", layout="wide")
    if not st.session_state.get("started"):
        st.session_state["started"] = True
        names = state.scenario_names()
        if names:
            first = "korea-2019" if "korea-2019" in names else names[0]
            _set_scenario(state.load_builtin_text(first))
            st.session_state["loaded_key"] = f"builtin:{first}"
    with st.sidebar:
        st.title("detente")
        page = st.radio("Page", PAGES, key="page")
        s = _current()
        if s is not None:
            st.caption(f"Scenario: **{s.id}** — {len(s.parties)} parties, {len(s.moves)} moves")
    _RENDERERS[page]()
