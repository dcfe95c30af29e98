"""Plain words in the report: abbreviations written out at first use and in the glossary, units on numbers.

The report's HTML is read back with the standard library's parser (not with the code
that writes it): the visible text of ``<main>``, leaving out figures, code and state
patterns, is what a reader sees.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from detente.glossary import GAIN, GLOSSARY, PER_MONTH, TOTAL, abbreviations, define, unit
from detente.report import Report
from detente.report.terms import expand_first_use

_HIDDEN = {"svg", "style", "script", "code", "pre", "textarea"}


class _Visible(HTMLParser):
    """The text a reader sees inside ``<main>``, in order, with the section each piece is in."""

    def __init__(self) -> None:
        super().__init__()
        self.in_main = False
        self.hidden: list[str] = []
        self.section = ""
        self.texts: list[tuple[str, str]] = []  # (section id, text)
        self.headers: list[str] = []  # table header cells, in order
        self._th: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "main":
            self.in_main = True
        if tag == "section" and a.get("id"):
            self.section = str(a["id"])
        if tag in _HIDDEN or "pattern" in (a.get("class") or "").split():
            self.hidden.append(tag)
        if tag == "th":
            self._th = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.in_main = False
        if self.hidden and self.hidden[-1] == tag:
            self.hidden.pop()
        if tag == "th" and self._th is not None:
            self.headers.append("".join(self._th).strip())
            self._th = None

    def handle_data(self, data: str) -> None:
        if self._th is not None:
            self._th.append(data)
        if self.in_main and not self.hidden:
            self.texts.append((self.section, data))


def _read(html: str) -> _Visible:
    v = _Visible()
    v.feed(html)
    return v


def _first_uses(text: str) -> dict[str, int]:
    found = {}
    for abbr in abbreviations():
        m = re.search(rf"(?<![A-Za-z0-9_-]){re.escape(abbr)}(?![A-Za-z0-9_-])", text)
        if m is not None:
            found[abbr] = m.start()
    return found


def test_every_abbreviation_is_written_out_at_its_first_use(report: Report) -> None:
    v = _read(report.html())
    text = "".join(t for _, t in v.texts)
    uses = _first_uses(text)
    assert uses, "the report uses no abbreviation at all"
    for abbr, at in uses.items():
        before = text[:at].rstrip().lower()
        assert before.endswith(GLOSSARY[abbr].full.lower() + " ("), (
            f"{abbr} first used without its full name: ...{text[max(0, at - 60) : at + 10]!r}"
        )


def test_the_glossary_defines_every_abbreviation_the_report_uses(report: Report) -> None:
    v = _read(report.html())
    body = "".join(t for s, t in v.texts if s != "sec-glossary")
    glossary = "".join(t for s, t in v.texts if s == "sec-glossary")
    assert glossary, "no glossary section"
    for abbr in _first_uses(body):
        assert f"{GLOSSARY[abbr].full} ({abbr})" in glossary
        assert GLOSSARY[abbr].definition in glossary


def test_every_section_says_in_one_line_what_it_is_about(report: Report) -> None:
    v = _read(report.html())
    for sec in report.sections:
        assert sec.definition, f"section {sec.key} has no definition line"
        assert len(sec.definition) < 250 and "\n" not in sec.definition
        assert sec.definition in "".join(t for s, t in v.texts if s == f"sec-{sec.key}")


def test_numbers_say_their_units(small_report: object) -> None:
    report = small_report("korea-2019")  # type: ignore[operator]
    headers = _read(report.html()).headers
    assert any(PER_MONTH in h for h in headers), "no deal-space column says value per month"
    assert any(h == unit("USA", "total") for h in headers), "no strategy column says payoff's unit"
    assert any(h == unit("DPRK", "gain") for h in headers), "no strategy column says gain's unit"
    assert "carrying on" in TOTAL and "no deal" in GAIN


def test_first_use_is_expanded_once_and_never_inside_figures_code_or_patterns() -> None:
    html = (
        '<p>A <code>GMR</code> flag; <svg><text>SEQ</text></svg> <span class="pattern">SMR</span></p>'
        "<p>Stable under GMR and SEQ; GMR again; SEQUENCE and GMRs are other words.</p>"
    )
    out = expand_first_use(html)
    v = _read("<main>" + out + "</main>")
    text = "".join(t for _, t in v.texts)
    assert text.count("general metarationality (GMR)") == 1
    assert text.count("sequential stability (SEQ)") == 1
    assert "<code>GMR</code>" in out and "<svg><text>SEQ</text></svg>" in out
    assert '<span class="pattern">SMR</span>' in out
    assert "symmetric metarationality" not in out  # SMR appears only inside a pattern


def test_an_abbreviation_already_written_out_is_not_written_twice() -> None:
    out = expand_first_use("<p>the zone of possible agreement (ZOPA) is wide; a ZOPA</p>")
    text = "".join(t for _, t in _read("<main>" + out + "</main>").texts)
    assert text == "the zone of possible agreement (ZOPA) is wide; a ZOPA"
    assert out.count("<abbr") == 2


@pytest.mark.parametrize("term", list(GLOSSARY))
def test_every_glossary_entry_reads_as_a_tooltip(term: str) -> None:
    text = define(term)
    name, _, definition = text.partition(": ")
    assert name and definition.endswith(".")
    assert (f"({term})" in name) == term.isupper()
