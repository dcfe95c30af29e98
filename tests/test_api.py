"""The Python API: detente.load, the top-level functions, and results as tables, HTML and JSON.

Each table is checked against the result object it comes from (row counts, values, flags),
and each HTML view against the values it must show.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import detente
from detente.model.conflict import Conflict
from detente.model.errors import ScenarioError
from detente.model.tabular import HTML_ROWS, Table, Tabular, html_table
from detente.simulate.montecarlo import Engine

TINY = {
    "detente": 1,
    "id": "tiny",
    "title": "Tiny",
    "parties": [{"id": "A", "exposure_limit": 1}, {"id": "B", "exposure_limit": 1}],
    "moves": [
        {"id": "a1", "by": "A", "title": "a1", "value": {"A": -1, "B": [1, 2, 3]}},
        {"id": "a2", "by": "A", "title": "a2", "value": {"A": -2, "B": 3}, "requires": ["a1"]},
        {"id": "b1", "by": "B", "title": "b1", "value": {"A": [1, 2, 4], "B": -1}},
        {"id": "b2", "by": "B", "title": "b2", "value": {"A": 2, "B": -2}},
    ],
}


@pytest.fixture(scope="module")
def korea() -> detente.Scenario:
    return detente.load("korea-2019")


@pytest.fixture(scope="module")
def tiny() -> detente.Scenario:
    return detente.Scenario.model_validate(TINY)


def strict_json(result: Any) -> dict[str, Any]:
    doc = result.to_json()
    assert isinstance(doc, dict)
    return json.loads(json.dumps(doc, allow_nan=False))


def fmt(x: float) -> str:
    return f"{x:.6g}"


# ---------------------------------------------------------------- loading
def test_import_is_light() -> None:
    code = "import detente, sys; print(sorted(m for m in ('pandas', 'matplotlib', 'ortools', 'dask', "
    code += "'streamlit', 'numpy', 'pydantic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_load_by_name_and_by_path(tmp_path: Path, korea: detente.Scenario) -> None:
    from detente.scenarios import builtin_path

    assert korea.id == "korea-2019"
    assert detente.load(builtin_path("korea-2019")) == korea
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(TINY), encoding="utf-8")
    s = detente.load(str(path))
    assert s.move_ids == ("a1", "a2", "b1", "b2")


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no built-in of that name"):
        detente.load("korea-2091")
    bad = tmp_path / "bad.yaml"
    bad.write_text("detente: 1\nid: x\ntitle: X\nparties: [{id: A, discont: 0.9}]\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        detente.load(bad)
    assert "bad.yaml:4" in str(info.value) and "did you mean 'discount'" in str(info.value)
    conflicts = detente.builtin_names("conflict")
    with pytest.raises(ScenarioError, match="expected a scenario"):
        detente.load(conflicts[0])
    with pytest.raises(ScenarioError):
        detente.load_conflict("korea-2019")


def test_load_conflict() -> None:
    name = detente.builtin_names("conflict")[0]
    c = detente.load_conflict(name)
    assert isinstance(c, Conflict) and c.id


def test_top_level_names() -> None:
    from detente.analysis import roadmap
    from detente.simulate import montecarlo

    for name in detente.__all__:
        assert getattr(detente, name) is not None, name
    assert detente.check_roadmap is roadmap.check
    assert detente.monte_carlo is montecarlo.simulate
    assert set(detente.__all__) <= set(dir(detente))
    with pytest.raises(AttributeError):
        _ = detente.no_such_function  # type: ignore[attr-defined]


def test_the_namespace_is_clean() -> None:
    names = dir(detente)
    assert names == sorted(detente.__all__)
    for helper in ("Any", "Path", "importlib", "annotations", "TYPE_CHECKING", "Sequence", "version"):
        assert helper not in names, helper


def test_plan_defaults_as_the_cli_and_takes_names_or_ids(korea: detente.Scenario) -> None:
    from detente.analysis import roadmap

    nash, _ = roadmap.target_from_spec(korea, "nash")
    ks, _ = roadmap.target_from_spec(korea, "ks")
    default = detente.plan(korea)  # as `detente plan korea-2019`: the Nash package
    assert default.target == nash and default.status == "infeasible"
    assert detente.plan(korea, "nash").target == nash  # a name, not the letters n, a, s, h
    by_name = detente.plan(korea, "ks")
    assert by_name.target == ks and by_name.feasible
    assert detente.plan(korea, sorted(ks)).stages == by_name.stages  # the same as a list of ids
    assert detente.plan(korea, ",".join(sorted(ks))).target == ks
    assert detente.plan(korea, "all").target == roadmap.target_all(korea)
    with pytest.raises(ScenarioError, match="unknown move 'nsh'"):
        detente.plan(korea, "nsh")


def test_write_report_writes_the_html_for_a_notebook(korea: detente.Scenario, tmp_path: Path) -> None:
    options = {"simulate": {"strategies": ["grit", "tit-for-tat"], "runs": 2}, "roadmap": {"time_limit": 5.0}}
    import detente.report  # the subpackage of the same name must not hide the function

    out = detente.write_report(korea, tmp_path / "korea.html", quick=True, options=options)
    assert out == tmp_path / "korea.html"
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'data-section="reproduce"' in html and korea.title in html


# ---------------------------------------------------------------- the mixin
def test_html_fallback_without_pandas(monkeypatch: pytest.MonkeyPatch, tiny: detente.Scenario) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    page = tiny._repr_html_()
    assert "<td>a2</td>" in page and "<th>B:likely</th>" in page and "more row" not in page
    with pytest.raises(ImportError):
        tiny.to_frame()


def test_html_shows_first_rows_and_counts_the_rest() -> None:
    class Numbers(Tabular):
        def __init__(self, n: int) -> None:
            self.n = n

        def _table(self) -> Table:
            return Table({"i": list(range(self.n)), "sq": [float(i * i) / 7 for i in range(self.n)]}, "Nums")

    page = Numbers(HTML_ROWS + 5)._repr_html_()
    assert f"<td>{HTML_ROWS - 1}</td>" in page and f"<td>{HTML_ROWS}</td>" not in page
    assert "... 5 more rows" in page and "Nums" in page
    assert fmt((HTML_ROWS - 1) ** 2 / 7) in page
    assert "more row" not in Numbers(HTML_ROWS)._repr_html_()
    plain = html_table(Numbers(3)._table())
    assert plain.count("<tr>") == 4 and fmt(4 / 7) in plain
    with pytest.raises(ValueError, match="unequal"):
        Table({"a": [1], "b": [1, 2]})


# ---------------------------------------------------------------- each result
def test_scenario_table(korea: detente.Scenario) -> None:
    f = korea.to_frame()
    assert len(f) == len(korea.moves)
    assert list(f["id"]) == list(korea.move_ids)
    for p in korea.party_ids:
        for point in ("low", "likely", "high"):
            expected = [getattr(m.value_for(p), point) for m in korea.moves]
            assert list(f[f"{p}:{point}"]) == expected
    assert list(f["in_force"]) == [m.in_force for m in korea.moves]
    assert strict_json(korea)["id"] == "korea-2019"
    assert korea.moves[0].id in korea._repr_html_()


def test_deal_space(korea: detente.Scenario) -> None:
    ds = detente.analyse_deals(korea)
    f = ds.to_frame()
    assert len(f) == len(ds.frontier)
    for p in ds.parties:
        np.testing.assert_array_equal(f[f"utility:{p}"].to_numpy(), [pk.utility[p] for pk in ds.frontier])
    d = ds.disagreement
    beats = [all(pk.utility[p] > d[p] for p in ds.parties) for pk in ds.frontier]
    assert list(f["zopa"]) == beats and int(f["zopa"].sum()) == len(ds.zopa)
    for name, sol in ds.solutions.items():
        picked = f.loc[f[name], "moves"].tolist()
        assert picked == ([sorted(sol.moves)] if sol.agreement else [])  # a list of ids, not a joined string
    page = ds._repr_html_()
    assert f"... {len(ds.frontier) - HTML_ROWS} more rows" in page
    assert fmt(ds.frontier[0].utility["USA"]) in page
    doc = strict_json(ds)
    assert doc == json.loads(json.dumps(ds.as_dict())) and len(doc["frontier"]) == len(f)


def test_plan_result(tiny: detente.Scenario, korea: detente.Scenario) -> None:
    r = detente.plan(tiny)
    assert r.status == "optimal" and r.stages
    f = r.to_frame()
    assert len(f) == len(r.stages) * len(tiny.parties)
    for k, st in enumerate(r.stages, start=1):
        rows = f[f["stage"] == k].set_index("party")
        for p in tiny.party_ids:
            assert rows.loc[p, "given"] == st.given[p] and rows.loc[p, "received"] == st.received[p]
            assert rows.loc[p, "exposure"] == st.exposure[p] and rows.loc[p, "margin"] == st.margin[p]
            assert rows.loc[p, "moves"] == sorted(st.moves)
    assert strict_json(r)["stages"][0]["moves"] == sorted(r.stages[0].moves)
    assert (
        f"<td>{', '.join(sorted(r.stages[0].moves))}</td>" in r._repr_html_()
    )  # a list reads "a, b" on screen
    # a checked roadmap keeps its stages (and their rows) even when it breaks constraints
    stages = [["dprk-test-pledge"], ["usa-end-of-war", "usa-liaison-offices"]]
    checked = detente.check_roadmap(korea, stages)
    assert len(checked.to_frame()) == len(checked.stages) * len(korea.parties)
    empty = detente.plan(tiny, ["a1"])  # A gives, B gives nothing back: no roadmap
    assert not empty.stages and empty.to_frame().empty and "stage" in empty.to_frame().columns


def test_stability(korea: detente.Scenario) -> None:
    example = detente.stability(Conflict.example())
    f = example.to_frame()
    c = example.conflict
    assert len(f) == int(c.feasible.sum())
    for concept in example.concepts:
        assert f.loc[f[f"equilibrium:{concept}"], "pattern"].tolist() == example.equilibria(concept)
        for dm in c.dms:
            expected = [example.is_stable(concept, dm, int(s)) for s in f["state"]]
            assert f[f"{concept}:{dm}"].tolist() == expected
    taken = [list(c.taken(int(s))) for s in f["state"]]
    assert f["options"].tolist() == taken
    assert "<td>YY</td>" in example._repr_html_()
    assert strict_json(example)["equilibria"]["nash"] == ["YY"]

    derived = detente.stability(korea, ["nash"])
    doc = strict_json(derived)
    assert doc["derived_from"]["scenario"] == "korea-2019"
    assert len(derived.to_frame()) == doc["feasible_states"] == len(doc["states"])
    assert "more rows" in derived._repr_html_()


def test_monte_carlo(korea: detente.Scenario) -> None:
    r = detente.monte_carlo(korea, {"USA": "tit-for-tat", "DPRK": "grit"}, runs=5, seed=3)
    f = r.to_frame()
    assert len(f) == r.runs == 5
    assert list(f.columns) == ["replicate", *r.columns]
    for name in r.columns:
        np.testing.assert_array_equal(f[name].to_numpy(dtype=float), r.column(name))
    d = r.distribution()
    assert f["agreement"].mean() == d["agreement_rate"]["mean"]
    s = r.summary_frame().set_index(["outcome", "party"], drop=False)
    assert s.loc[("utility", "DPRK"), "mean"] == pytest.approx(d["utility"]["DPRK"]["mean"])
    assert s.loc[("utility", "USA"), "p95"] == d["utility"]["USA"]["quantiles"]["p95"]
    per_party = ("utility", "window", "no_deal", "gain")
    assert len(s) == len(d) - len(per_party) + len(per_party) * len(korea.parties)
    assert fmt(r.column("utility:USA")[0]) in r._repr_html_()
    doc = strict_json(r)
    assert doc["runs"] == 5 and doc == json.loads(json.dumps(r.as_json()))


def _play(scenario: Any, strategies: dict[str, str], *, seed: np.random.Generator) -> SimpleNamespace:
    """A stand-in game: "greedy" takes 2 from the other side; agreement unless both are greedy."""
    a, b = strategies["A"], strategies["B"]
    u = {
        "A": 1.0 + 2 * (a == "greedy") - 2 * (b == "greedy"),
        "B": 1.0 + 2 * (b == "greedy") - 2 * (a == "greedy"),
    }
    both = a == b == "greedy"
    return SimpleNamespace(
        agreement=not both,
        first_step=None if both else 1,
        target_share=0.0 if both else float(seed.random()),
        utilities=u,
        breakdowns=int(both),
        breaches_detected=0,
        breaches_missed=0,
        periods=3,
    )


def test_comparison_and_tournament(tiny: detente.Scenario) -> None:
    c = detente.compare(tiny, ["fair", "greedy"], column_strategies=["fair", "greedy", "other"], runs=4,
                        seed=2, engine=Engine(_play, str))  # fmt: skip
    f = c.to_frame()
    assert len(f) == len(c.rows) * len(c.columns) == 6
    for metric in ("agreement_rate", "target_share"):
        assert f[metric].tolist() == [x for row in c.matrix(metric) for x in row]
    for p in ("A", "B"):
        assert f[f"utility:{p}"].tolist() == [x for row in c.matrix("utility", p) for x in row]
    greedy = f[(f["row"] == "greedy") & (f["column"] == "greedy")].iloc[0]
    assert greedy["agreement_rate"] == 0.0 and math.isnan(greedy["first_step"])
    assert "<td>other</td>" in c._repr_html_()
    assert strict_json(c)["rows"] == ["fair", "greedy"]

    t = detente.tournament([tiny], ["fair", "greedy"], runs=3, engine=Engine(_play, str))
    tf = t.to_frame()
    assert tf["strategy"].tolist() == [r["strategy"] for r in t.ranking] == ["greedy", "fair"]
    assert tf["score"].tolist() == [0.75, 0.25] and tf["rank"].tolist() == [1, 2]
    assert "<td>greedy</td>" in t._repr_html_() and "<td>0.75</td>" in t._repr_html_()
    assert strict_json(t)["ranking"][0]["strategy"] == "greedy"


def test_sensitivity(tiny: detente.Scenario) -> None:
    metric = detente.parse_metric("package-utility:B=a1", tiny)
    r = detente.sensitivity(tiny, metric, threshold=1.5)
    f = r.to_frame()
    assert len(f) == len(r.inputs) == len(r.oat) == 2
    row = f.set_index("name").loc["a1:B"]
    assert (row["low"], row["likely"], row["high"]) == (1.0, 2.0, 3.0)
    assert (row["value_at_low"], row["value_at_high"], row["swing"]) == (1.0, 3.0, 2.0)
    assert row["verdict_at_low"] != row["verdict_at_high"]
    down = next(b for b in r.break_even if b["name"] == "a1:B")["down"]
    assert row["break_even_down"] == down["value"] and 1.0 <= down["value"] <= 2.0
    assert "<td>a1:B</td>" in r._repr_html_()
    assert strict_json(r)["base"]["value"] == r.base_value == 2.0


def test_backtest() -> None:
    bt = detente.backtest(["leap-day-2012"], runs=1, seed=3)
    f = bt.to_frame()
    assert f["case"].tolist() == [c.case for c in bt.cases] == ["leap-day-2012"]
    case = bt.cases[0]
    assert f.loc[0, "verdict"] == case.verdict and f.loc[0, "has_agreement"] == case.deals["has_agreement"]
    assert all(k.name in f.loc[0, "checks"] for k in case.checks)
    assert "<td>leap-day-2012</td>" in bt._repr_html_()
    assert strict_json(bt)["cases"][0]["case"] == "leap-day-2012"


def test_docs_examples_run() -> None:
    """Every example in docs/python-api.md gives the output shown there."""
    import doctest

    page = Path(__file__).resolve().parents[1] / "docs" / "python-api.md"
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testfile(str(page), module_relative=False, optionflags=flags, verbose=False)
    assert result.attempted > 30 and result.failed == 0
