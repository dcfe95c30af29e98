"""The built-in scenario files: they validate, and every input is sourced and ranged.

The checks on ranges read the raw YAML (not the model), so a file that writes a plain
number where a judgement range is expected fails here even though the model accepts it.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import itertools
import re
from typing import Any

import pytest
import yaml

from detente.model.scenario import Scenario
from detente.model.source import read_document
from detente.scenarios import builtin_kind, builtin_names, builtin_path, load_builtin

SCENARIOS = builtin_names("scenario")
CONFLICTS = builtin_names("conflict")
# Hand-made teaching games written by another engineer: not historical cases.
TEACHING = {"prisoners-dilemma", "chicken"}
CASES = [n for n in SCENARIOS if n not in TEACHING]

KOREA_IN_FORCE = {
    "dprk-test-moratorium": "DPRK",
    "dprk-punggye-ri-closure": "DPRK",
    "dprk-sohae-partial-dismantle": "DPRK",
    "dprk-remains-returned": "DPRK",
    "dprk-detainees-freed": "DPRK",
    "usa-exercise-suspension": "USA",
}
KOREA_ON_TABLE = {
    "dprk-declaration",
    "dprk-inspectors",
    "dprk-yongbyon-dismantle",
    "dprk-fissile-freeze",
    "dprk-icbm-dismantle",
    "dprk-warhead-dismantle",
    "usa-end-of-war",
    "usa-liaison-offices",
    "usa-exercise-halt",
    "usa-sanctions-relief-partial",
    "usa-sanctions-relief-full",
    "usa-security-assurances",
    "usa-peace-treaty",
    "usa-normalization",
    "usa-economic-aid",
}


def _raw(name: str) -> dict[str, Any]:
    with builtin_path(name).open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert isinstance(data, dict)
    return data


def test_korea_2019_is_built_in() -> None:
    assert "korea-2019" in SCENARIOS


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_validates(name: str) -> None:
    s = load_builtin(name)
    assert isinstance(s, Scenario)
    assert s.id == name, "the file name and the scenario id must agree"


@pytest.mark.parametrize("name", CONFLICTS)
def test_conflict_validates(name: str) -> None:
    if importlib.util.find_spec("detente.model.conflict") is None:
        pytest.skip("the conflict loader (detente.model.conflict) is not there yet")
    from detente.model.conflict import conflict_from_document  # type: ignore[import-not-found,unused-ignore]

    assert builtin_kind(name) == "conflict"
    conflict_from_document(read_document(builtin_path(name)))


@pytest.mark.parametrize("name", CASES)
def test_every_move_has_source_and_rationale(name: str) -> None:
    s = load_builtin(name)
    assert s.moves
    for m in s.moves:
        assert m.source.strip(), f"{name}: move {m.id} has no source"
        assert m.rationale.strip(), f"{name}: move {m.id} has no rationale"
        assert re.search(r"\[(V|M)\b", m.source), f"{name}: move {m.id}: source lacks a [V]/[M] tag"


@pytest.mark.parametrize("name", CASES)
def test_move_ids_are_prefixed_by_side(name: str) -> None:
    s = load_builtin(name)
    for m in s.moves:
        assert m.id.startswith(m.by.lower() + "-"), f"{name}: {m.id} is not prefixed by {m.by.lower()}-"


@pytest.mark.parametrize("name", CASES)
def test_on_the_table_moves_hold_ranges(name: str) -> None:
    """Each on-the-table value is written as [low, likely, high] with low <= likely <= high."""
    raw = _raw(name)
    tabled = [m for m in raw["moves"] if not m.get("in_force", False)]
    assert tabled, f"{name}: no move on the table"
    for m in tabled:
        assert m["value"], f"{name}: {m['id']} has no value"
        for party, v in m["value"].items():
            assert isinstance(v, list) and len(v) == 3, f"{name}: {m['id']} value for {party} is not a range"
            low, likely, high = v
            assert low <= likely <= high, f"{name}: {m['id']} value for {party}: {v}"
            assert low < high, f"{name}: {m['id']} value for {party} is a degenerate range {v}"


@pytest.mark.parametrize("name", CASES)
def test_every_ranged_value_is_ordered(name: str) -> None:
    raw = _raw(name)
    blocks = [m["value"] for m in raw["moves"]] + [i["value"] for i in raw.get("interactions", [])]
    for block in blocks:
        for v in block.values():
            if isinstance(v, list):
                assert v[0] <= v[1] <= v[2], v


@pytest.mark.parametrize("name", CASES)
def test_case_documents_parties_and_outcome(name: str) -> None:
    s = load_builtin(name)
    assert s.as_of is not None
    assert s.description.strip()
    for p in s.parties:
        assert p.description.strip(), f"{name}: party {p.id} does not justify its discount and limit"
        assert p.exposure_limit is not None
    assert s.outcome is not None and s.outcome.summary.strip()
    assert s.outcome.timeline
    for ev in s.outcome.timeline:
        assert ev.source.strip(), f"{name}: outcome event {ev.date} has no source"
    assert {m.by for m in s.moves} == set(s.party_ids), f"{name}: some party makes no move"


def test_korea_2019_shape() -> None:
    s = load_builtin("korea-2019")
    assert len(s.moves) >= 20
    assert set(s.party_ids) == {"USA", "DPRK"}
    assert s.time.unit == "month" and s.time.horizon == 36
    for mid, by in KOREA_IN_FORCE.items():
        assert s.move(mid).in_force, mid
        assert s.move(mid).by == by
    assert s.status_quo == frozenset(KOREA_IN_FORCE)
    for mid in KOREA_ON_TABLE:
        assert not s.move(mid).in_force, mid
    assert {m.by for m in s.moves if not m.in_force} == {"USA", "DPRK"}


def test_korea_2019_sequencing_and_reversibility() -> None:
    s = load_builtin("korea-2019")
    assert "usa-sanctions-relief-partial" in s.move("usa-sanctions-relief-full").requires
    assert "usa-end-of-war" in s.move("usa-peace-treaty").requires
    assert "usa-liaison-offices" in s.move("usa-normalization").requires
    assert s.closure(["dprk-yongbyon-dismantle"]) >= {"dprk-inspectors"}
    relief = s.move("usa-sanctions-relief-partial")
    assert relief.reversible and relief.reversal_lag > 0
    assert not s.move("dprk-yongbyon-dismantle").reversible
    exercises = s.move("usa-exercise-suspension")
    assert exercises.reversible and exercises.reversal_lag <= 3
    # a test moratorium is far easier to verify than a freeze of fissile production
    assert s.move("dprk-test-moratorium").verification > s.move("dprk-fissile-freeze").verification


def test_korea_2019_pressures_and_event() -> None:
    s = load_builtin("korea-2019")
    by_party = {p.party: p for p in s.pressures}
    arsenal = by_party["USA"]
    assert arsenal.per_period < 0 and arsenal.growth > 0
    assert arsenal.stopped_by == ("dprk-fissile-freeze",)
    sanctions = by_party["DPRK"]
    assert sanctions.per_period < 0
    assert set(sanctions.stopped_by) == {"usa-sanctions-relief-partial", "usa-sanctions-relief-full"}
    (test,) = [e for e in s.events if e.id == "missile-test"]
    assert 0 < test.rate < 1
    assert test.effect.trust["USA"] < 0
    assert "2 Oct 2019" in test.source


def test_korea_2019_follows_sources_over_op_ed() -> None:
    s = load_builtin("korea-2019")
    notes = s.notes.lower()
    assert "after" in notes and "seven months" in notes
    assert "ulchi freedom guardian" in notes and "dong maeng" in notes
    assert s.outcome is not None
    assert s.outcome.timeline[0].date.isoformat() == "2019-10-05"  # type: ignore[union-attr]


CASE_CONFLICTS = [n for n in CONFLICTS if n.endswith("-conflict")]


def test_at_least_three_case_conflicts() -> None:
    assert len(CASE_CONFLICTS) >= 3


@pytest.mark.parametrize("name", CASE_CONFLICTS)
def test_case_conflict_is_sourced_and_matches_a_scenario(name: str) -> None:
    raw = _raw(name)
    assert raw["id"] == name
    assert name.removesuffix("-conflict") in SCENARIOS, "a case conflict goes with a built-in scenario"
    assert raw.get("description", "").strip()
    assert re.search(r"\[(V|M)\b", raw.get("source", "")), "source lacks a [V]/[M] tag"
    assert raw.get("status_quo"), "a case conflict states its status quo"
    for dm in raw["decision_makers"]:
        for opt in dm["options"]:
            oid = opt if isinstance(opt, str) else opt["id"]
            assert oid.startswith(dm["id"].lower() + "-"), f"{name}: option {oid} not prefixed by its DM"


def _as_period(value: object) -> tuple[dt.date, dt.date] | None:
    """First and last day of a timeline date: a date, or a 'YYYY' / 'YYYY-MM' string; else None."""
    if isinstance(value, dt.date):
        return value, value
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", str(value))
    if not m:
        return None
    year = int(m.group(1))
    if m.group(2) is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    month = int(m.group(2))
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return dt.date(year, month, 1), nxt - dt.timedelta(days=1)


@pytest.mark.parametrize("name", CASES)
def test_outcome_comes_after_the_scenario_date_in_order(name: str) -> None:
    s = load_builtin(name)
    assert s.outcome is not None and s.as_of is not None
    periods = [p for p in (_as_period(ev.date) for ev in s.outcome.timeline) if p is not None]
    assert periods, f"{name}: no dated outcome event"
    assert all(last >= s.as_of for _, last in periods), f"{name}: an outcome event precedes as_of"
    for (first_a, _), (_, last_b) in itertools.pairwise(periods):
        assert first_a <= last_b, f"{name}: the outcome timeline is not in date order near {first_a}"


@pytest.mark.parametrize("name", CASES)
def test_pressures_and_events_are_sourced(name: str) -> None:
    s = load_builtin(name)
    for p in s.pressures:
        assert p.source.strip() and p.description.strip(), f"{name}: pressure on {p.party}"
        assert p.per_period < 0, f"{name}: a pressure is a cost of delay"
        assert p.stopped_by, f"{name}: pressure on {p.party} is never stopped"
    for e in s.events:
        assert e.source.strip() and e.description.strip(), f"{name}: event {e.id}"
