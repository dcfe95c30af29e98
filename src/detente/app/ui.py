"""The pages of the web app: scenario (the answer first), deals, roadmap, simulate, stability, report.

The user's work lives in ``st.session_state`` under the app's own keys, never only in
widget keys (Streamlit drops the state of a widget it does not draw, so a page not shown
would forget it): ``scenario`` (with ``scenario_name``, ``scenario_text`` and
``loaded_key``, what it was loaded from), ``kept`` (each widget's last value, the default
it is drawn with next time), ``rendered`` and ``rendered_for`` (each analysis's section
and the scenario, options and seed it was made with). Every analysis page renders the
matching report section with the options chosen on the page, so what the app shows is
what the report shows; a result made before an edit is marked out of date, with a
button that runs it again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

import streamlit as st

from detente.app import state
from detente.defaults import COMPARISON
from detente.glossary import GLOSSARY, define
from detente.model.scenario import Scenario
from detente.report import ReportInputs, build_report, section_modules
from detente.report.core import render_section
from detente.report.section import Section

__all__ = ["PAGES", "main"]

PAGES = ("Scenario", "Deals", "Roadmap", "Simulate", "Stability", "Report")
SOURCES = ("Built-in", "Upload")
DEFAULT_SCENARIO = "korea-2019"


def _current() -> Scenario | None:
    return st.session_state.get("scenario")


def _kept(key: str, default: Any) -> Any:
    """A widget's last value (kept by :func:`_keep`), or ``default`` the first time."""
    return st.session_state.setdefault("kept", {}).get(key, default)


def _keep(key: str, value: Any) -> Any:
    st.session_state.setdefault("kept", {})[key] = value
    return value


def _set_scenario(loaded: state.Loaded, key: str) -> None:
    """Make ``loaded`` the current scenario: the results of the previous one are dropped."""
    st.session_state["scenario"] = loaded.scenario
    st.session_state["scenario_name"] = loaded.name
    st.session_state["scenario_text"] = loaded.text
    st.session_state["loaded_key"] = key
    st.session_state["edited"] = False
    st.session_state["rendered"] = {}
    st.session_state["rendered_for"] = {}
    st.session_state["edit_notice"] = []
    for k in ("report_html", "report_notes", "report_for"):
        st.session_state.pop(k, None)
    st.session_state["edit_version"] = st.session_state.get("edit_version", 0) + 1


def _apply_edit(s: Scenario) -> None:
    """Make the edited ``s`` current; results made before stay, marked out of date."""
    st.session_state["scenario"] = s
    st.session_state["scenario_text"] = state.edited_yaml(s)
    st.session_state["edited"] = True
    st.session_state["edit_notice"] = []


def _show_problems(problems: list[Any], heading: str) -> None:
    lines = "\n".join(f"- {state.md(p)}" for p in problems)
    st.error(
        f"**{state.md(heading)}** ({len(problems)} problem{'s' if len(problems) != 1 else ''})\n\n{lines}"
    )


def _describe(s: Scenario) -> str:
    """The current scenario in a few words (the sidebar caption and the Scenario page)."""
    name = st.session_state.get("scenario_name", "")
    where = "uploaded" if str(st.session_state.get("loaded_key", "")).startswith("upload:") else "built-in"
    edited = ", edited" if st.session_state.get("edited") else ""
    source = f" ({where} {state.md(name)}{edited})" if where == "uploaded" else f" ({where}{edited})"
    return f"**{s.id}**{source}: {len(s.parties)} parties, {len(s.moves)} moves"


# ------------------------------------------------------------------ scenario page
def page_scenario() -> Callable[[], None] | None:
    """The scenario page; it returns the answer's work, which ``main`` runs once the sidebar is up to date."""
    st.header("Scenario")
    names = state.scenario_names()
    source = st.radio(
        "Source", SOURCES, index=SOURCES.index(_kept("source", SOURCES[0])), horizontal=True, key="source"
    )
    _keep("source", source)
    if source == "Built-in" and names:
        first = _kept("builtin", DEFAULT_SCENARIO)
        name = st.selectbox(
            "Built-in scenario", names, index=names.index(first) if first in names else 0, key="builtin"
        )
        _keep("builtin", name)
        if st.session_state.get("loaded_key") != f"builtin:{name}":
            _set_scenario(state.load_builtin_text(name), f"builtin:{name}")
    elif source == "Upload":
        upload = st.file_uploader("Scenario file (YAML or JSON)", type=["yaml", "yml", "json"], key="upload")
        if upload is not None:
            data = upload.getvalue()
            key = "upload:" + hashlib.sha256(data).hexdigest()
            if st.session_state.get("loaded_key") != key:
                loaded = state.load_upload(data, upload.name)
                if not loaded.ok:
                    _show_problems(loaded.problems, f"{upload.name} is not a valid scenario")
                    s = _current()
                    if s is not None:
                        st.caption(f"Still in use: {_describe(s)}")
                    return None
                _set_scenario(loaded, key)
    s = _current()
    if s is None:
        st.info("Pick a built-in scenario or upload a file.")
        return None
    st.subheader(state.md(s.title))
    st.caption(f"In use: {_describe(s)}")
    if s.description:
        st.caption(state.md(s.description.strip()))
    box = st.container(border=True)  # above the tables, filled after them: it sees this run's edits
    _edit_tables(s)
    current = _current()
    assert current is not None
    st.download_button(
        "Download the scenario (YAML)",
        state.edited_yaml(current),
        file_name=f"{current.id}.yaml",
        mime="application/x-yaml",
        key="download-scenario",
    )

    def answer() -> None:
        with box:
            _answer_first()

    return answer


def _columns(spec: dict[str, tuple[str, str]], kinds: dict[str, str]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for key, (label, help_text) in spec.items():
        kind = kinds.get(key, "text")
        pinned = True if key == "id" else None
        if kind == "number":
            config[key] = st.column_config.NumberColumn(label, help=help_text, pinned=pinned, step=0.01)
        elif kind == "bool":
            config[key] = st.column_config.CheckboxColumn(label, help=help_text, pinned=pinned)
        else:
            config[key] = st.column_config.TextColumn(label, help=help_text, pinned=pinned)
    return config


def _edit_tables(s: Scenario) -> None:
    """The two edit tables; a cell that is not a number is refused, the old value kept."""
    for line in st.session_state.get("edit_notice", []):
        st.error(line)
    v = st.session_state.get("edit_version", 0)
    st.markdown("**Parties** (edit name, discount, exposure limit, no-deal value; hover a header for help)")
    parties = st.data_editor(
        state.party_rows(s), key=f"parties-{v}", disabled=["id"], hide_index=True,
        column_config=_columns(state.PARTY_COLUMNS, {"discount": "number"}),
    )  # fmt: skip
    st.markdown("**Moves** (edit values as low / likely / high per month, status, verification)")
    value_columns = state.move_value_columns(s)
    spec = {**{k: state.MOVE_COLUMNS[k] for k in ("id", "by", "title")}, **value_columns}
    spec.update({k: state.MOVE_COLUMNS[k] for k in ("in_force", "reversible", "verification")})
    kinds = {k: "number" for k in value_columns} | {
        "verification": "number",
        "in_force": "bool",
        "reversible": "bool",
    }
    moves = st.data_editor(
        state.move_rows(s), key=f"moves-{v}", disabled=["id", "by"], hide_index=True,
        column_config=_columns(spec, kinds),
    )  # fmt: skip
    edited = state.apply_edits(s, _records(parties), _records(moves))
    if edited.refused:
        if edited.ok and edited.scenario is not None and edited.scenario != s:
            _apply_edit(edited.scenario)
        notice = [f"Refused: {state.md(p.message)}" for p in edited.refused] + [
            f"Not valid: {state.md(p)}" for p in edited.problems
        ]
        st.session_state["edit_notice"] = notice
        st.session_state["edit_version"] = v + 1  # redraw the tables from the scenario: the old values
        st.rerun()
    if not edited.ok:
        _show_problems(edited.problems, "These edits are not valid; the analyses use the last valid scenario")
    elif edited.scenario is not None and edited.scenario != s:
        _apply_edit(edited.scenario)
        stale = " Results made before are marked out of date." if st.session_state.get("rendered") else ""
        st.success("Edits applied: the analyses now use the edited scenario." + stale)


def _records(table: Any) -> list[dict[str, Any]]:
    if hasattr(table, "to_dict"):
        return list(table.to_dict("records"))
    return list(table)


# ------------------------------------------------------------------ the answer
def _answer_first() -> None:
    """The answer for the scenario in use, worked out when it is loaded; after an edit it is kept,
    marked out of date, with a button that works it out again."""
    if "answer" not in st.session_state.get("rendered", {}):
        _render("answer", {})
    st.markdown("#### The answer")
    _show("answer")


@st.cache_data(show_spinner=False, max_entries=32)
def _answer_section(text: str, seed: int, _scenario: Scenario) -> Section:
    """The answer section for one scenario text and seed, worked out once per process (a few seconds)."""
    module = next(m for m in section_modules() if getattr(m, "KEY", "") == "answer")
    return render_section(module, ReportInputs(_scenario, seed=seed))


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
        if key == "answer":
            section = _answer_section(str(st.session_state.get("scenario_text", "")), seed, s)
        else:
            section = render_section(module, inputs)
    if bar is not None:
        bar.empty()
    st.session_state.setdefault("rendered", {})[key] = section
    st.session_state.setdefault("rendered_for", {})[key] = {
        "scenario": s,
        "options": dict(options),
        "seed": seed,
    }


def _is_stale(key: str) -> bool:
    """Whether the kept result of ``key`` was made for another version of the scenario."""
    made = st.session_state.get("rendered_for", {}).get(key)
    return made is not None and made["scenario"] != _current()


def _show(key: str, with_progress: bool = False) -> None:
    section = st.session_state.get("rendered", {}).get(key)
    if section is None:
        return
    if _is_stale(key):
        made = st.session_state["rendered_for"][key]
        st.warning(
            "Out of date: these results were made before your last edits of the scenario. "
            "Run them again to see the edited scenario."
        )
        if st.button("Re-run with the current scenario", key=f"rerun-{key}"):
            _render(key, made["options"], seed=made["seed"], with_progress=with_progress)
            st.rerun()
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


PAGE_WORDS: dict[str, tuple[str, ...]] = {
    "Deals": (
        "package", "value per month", "status quo", "disagreement point", "ZOPA", "Pareto frontier",
        "lottery", "Nash solution", "Kalai–Smorodinsky solution", "egalitarian solution",
        "utilitarian solution", "Rubinstein solution",
    ),
    "Roadmap": (
        "roadmap", "balance", "reciprocity", "self-enforcing", "exposure", "exposure limit",
        "verification", "reversible",
    ),
    "Simulate": (
        "strategy", "Monte Carlo", "agreement rate", "target share", "payoff", "no deal",
        "gain over no deal", "horizon", "discount", "pressure",
    ),
    "Stability": ("GMCR", "Nash stability", "GMR", "SMR", "SEQ", "equilibrium", "state pattern"),
}  # fmt: skip
"""The glossary terms each analysis page explains (the report's glossary, :mod:`detente.glossary`)."""


def _words(page: str) -> None:
    """A folded list of the page's words in plain language, the same definitions as the report's glossary."""
    with st.expander("What the words on this page mean"):
        st.markdown(
            "\n".join(
                f"- **{state.md(define(t).partition(': ')[0])}**: {state.md(GLOSSARY[t].definition)}"
                for t in PAGE_WORDS[page]
            )
        )


def page_deals() -> None:
    st.header("Deal space")
    if _need_scenario() is None:
        return
    st.caption("Every package of moves, the Pareto frontier and the bargaining solutions.")
    _words("Deals")
    if st.button("Run the deal analysis", key="run-deals", type="primary", help=define("Pareto frontier")):
        _render("deals", {})
    _show("deals")


def page_roadmap() -> None:
    st.header("Roadmap")
    s = _need_scenario()
    if s is None:
        return
    tol = st.number_input(
        "Balance tolerance (a stage may give up to this share more than it receives)",
        min_value=0.0, max_value=1.0, value=float(_kept("tolerance", 0.0)), step=0.05, key="tolerance",
        help=define("balance"),
    )  # fmt: skip
    _keep("tolerance", tol)
    open_moves = [m.id for m in s.moves if not m.in_force]
    target = st.multiselect(
        "Target package (empty: the Nash package, or the Kalai–Smorodinsky one when Nash has no roadmap)",
        open_moves,
        default=[m for m in _kept("target", []) if m in open_moves],
        key="target",
        help=define("package"),
    )
    _keep("target", list(target))
    robust = st.number_input(
        "Plan for the value ranges: hold in at least this share of 500 value draws (0: plan at the likely values)",
        min_value=0.0, max_value=1.0, value=float(_kept("robust", 0.0)), step=0.05, key="robust",
        help="The chance-constrained roadmap of `detente plan --robust`: balanced, within every exposure "
        "limit and self-enforcing in at least this share of the draws; its survival chart is shown below.",
    )  # fmt: skip
    _keep("robust", robust)
    options = {"tolerance": float(tol), "target": list(target) or None, "robust": float(robust) or None}
    _remember("roadmap", options)
    _words("Roadmap")
    if st.button("Plan the roadmap", key="run-roadmap", type="primary", help=define("roadmap")):
        _render("roadmap", options)
    _show("roadmap")


def page_simulate() -> None:
    st.header("Strategy comparison")
    s = _need_scenario()
    if s is None:
        return

    from detente.simulate.strategies import REGISTRY

    known = list(REGISTRY)
    # The defaults of `detente compare` and the report (detente.defaults), so the pages agree.
    default = [x for x in _kept("strategies", COMPARISON.strategy_names(known)) if x in known]
    chosen = st.multiselect(
        "Strategies (each party's; the default is every registered one, as in the report and the CLI)",
        known, default=default, key="strategies", help=define("strategy"),
    )  # fmt: skip
    _keep("strategies", list(chosen))
    runs = _keep(
        "runs",
        st.slider(
            "Runs per pairing", 5, 200, int(_kept("runs", COMPARISON.runs)), step=5, key="runs",
            help=define("Monte Carlo") + " Values are sampled from their ranges in every run.",
        ),
    )  # fmt: skip
    seed = _keep(
        "seed",
        st.number_input("Seed", min_value=0, value=int(_kept("seed", COMPARISON.seed)), step=1, key="seed"),
    )
    options = {"strategies": list(chosen), "runs": int(runs)}
    if chosen:
        _remember("simulate", options)
    _words("Simulate")
    if st.button("Run the simulations", key="run-simulate", type="primary", disabled=not chosen):
        _render("simulate", options, seed=int(seed), with_progress=True)
    _show("simulate", with_progress=True)


def page_stability() -> None:
    st.header("Stability (GMCR)")
    if _need_scenario() is None:
        return
    st.caption(
        "Which outcomes of the conflict the scenario implies are stable, under the Graph Model for "
        "Conflict Resolution (GMCR): Nash, general metarational (GMR), symmetric metarational (SMR) "
        "and sequential (SEQ) stability."
    )
    _words("Stability")
    if st.button("Run the stability analysis", key="run-stability", type="primary", help=define("GMCR")):
        _render("stability", {})
    _show("stability")


def page_report() -> None:
    st.header("Report")
    s = _need_scenario()
    if s is None:
        return

    st.caption("The report uses the settings chosen on the Roadmap and Simulate pages, if any.")
    quick = _keep(
        "report-quick",
        st.checkbox(
            "Quick (fewer runs; off gives the same report as `detente report`)",
            value=bool(_kept("report-quick", False)),
            key="report-quick",
        ),
    )
    seed = _keep(
        "report-seed",
        st.number_input("Seed", min_value=0, value=int(_kept("report-seed", 0)), step=1, key="report-seed"),
    )
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
        st.session_state["report_for"] = s
    html = st.session_state.get("report_html")
    if html:
        for note in st.session_state.get("report_notes", []):
            st.warning(state.md(note))
        if st.session_state.get("report_for") != s:
            st.warning(
                "Out of date: this report was built before your last edits; build it again to include them."
            )
        else:
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


_RENDERERS: dict[str, Callable[[], Callable[[], None] | None]] = {
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
            first = DEFAULT_SCENARIO if DEFAULT_SCENARIO in names else names[0]
            _set_scenario(state.load_builtin_text(first), f"builtin:{first}")
    with st.sidebar:
        st.title("detente")
        page = st.radio("Page", PAGES, index=PAGES.index(_kept("page", PAGES[0])), key="page")
        if page != _kept("page", PAGES[0]):
            st.session_state["edit_notice"] = []  # a refused edit is reported once, on its page
        _keep("page", page)
        caption = st.empty()  # filled after the page ran, so it shows the scenario the page chose
    later = _RENDERERS[page]()
    s = _current()
    caption.caption(f"Scenario: {_describe(s)}" if s is not None else "No scenario chosen")
    if later is not None:  # slow work (the answer) after the sidebar says which scenario it is for
        later()
