"""What happened in each built-in historical case: the analyst's reading of the record.

This is a hand-written table, not an analysis. Each entry classifies the outcome of one
built-in case in three fields that the backtest compares with the model
(:mod:`detente.studies.backtest`):

- ``agreement``: did the parties reach an agreement at the talks the scenario is dated to
  (a signed text, a joint statement or parallel statements all count)?
- ``implemented``: ``"fully"`` (every step the agreement named was carried out),
  ``"partly"`` (some steps were, others were not), or ``"no"`` (none, or no agreement).
- ``ended``: ``"completed"`` (carried out and not reversed by the parties to it),
  ``"collapsed"`` (steps taken were reversed or abandoned by a party), ``"stalled"``
  (steps stopped without being reversed) or ``"no-deal"`` (talks ended without agreement).

The classification was written from each scenario's ``outcome`` block (its summary and
its dated, sourced timeline) and from ``sources/negotiation-history.md``; ``sources``
repeats the outcome-block sources it rests on, and ``reading`` says in one sentence how
the record was read. The table is keyed by case id and never derived from the outcome
block by code, so the analyses still never read that block. It was written without
changing any scenario value.

:func:`compare_with_history` sets the model's answers beside a verdict in three checks
(``deal``, ``steps``, ``lasted``; see docs/backtest.md) and :func:`overall` sums them up.

Examples
--------
>>> v = HISTORY["hanoi-2019"]
>>> v.agreement, v.implemented, v.ended
(False, 'no', 'no-deal')
>>> HISTORY["libya-2003"].durable
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "ENDINGS",
    "HISTORY",
    "IMPLEMENTATION",
    "Check",
    "Verdict",
    "compare_with_history",
    "overall",
    "verdict",
]

Implementation = Literal["fully", "partly", "no"]
Ending = Literal["completed", "collapsed", "stalled", "no-deal"]
IMPLEMENTATION: tuple[str, ...] = ("fully", "partly", "no")
ENDINGS: tuple[str, ...] = ("completed", "collapsed", "stalled", "no-deal")
Mark = Literal["agree", "disagree", "n/a"]


@dataclass(frozen=True)
class Verdict:
    """The analyst's classification of what happened after one case's talks."""

    case: str
    agreement: bool
    implemented: Implementation
    ended: Ending
    when: str
    """When it ended (or was completed), as the outcome block dates it."""
    reading: str
    """One sentence: how the record was read into the three fields."""
    sources: tuple[str, ...]
    """The outcome-block sources the reading rests on (verbatim)."""

    @property
    def durable(self) -> bool:
        """True when an agreement was carried out and not reversed by its parties."""
        return self.agreement and self.ended == "completed"

    def label(self) -> str:
        """A short label for a table: ``"deal, partly implemented, collapsed (2003-01)"``."""
        if not self.agreement:
            return f"no deal ({self.when})"
        done = {"fully": "fully implemented", "partly": "partly implemented", "no": "not implemented"}
        return f"deal, {done[self.implemented]}, {self.ended} ({self.when})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "agreement": self.agreement,
            "implemented": self.implemented,
            "ended": self.ended,
            "durable": self.durable,
            "when": self.when,
            "label": self.label(),
            "reading": self.reading,
            "sources": list(self.sources),
        }


_ENTRIES = (
    Verdict(
        "agreed-framework-1994",
        agreement=True,
        implemented="partly",
        ended="collapsed",
        when="2003-01",
        reading="Signed; the freeze held and HFO flowed for eight years but the LWRs fell far behind, "
        "and after the October 2002 enrichment accusation the inspectors were expelled, the DPRK "
        "announced NPT withdrawal and restarted the reactor.",
        sources=("ACDA fact sheet; liquisearch summary", "Hecker et al., CISAC 2016"),
    ),
    Verdict(
        "libya-2003",
        agreement=True,
        implemented="fully",
        ended="completed",
        when="2006-05",
        reading="Libya disarmed within months and the US and UK delivered every reward in steps up to "
        "full relations in May 2006; the 2011 overthrow came five years later, outside the deal.",
        sources=('State Dept, "Significant Events in U.S.-Libyan Rapprochement", 15 May 2006',),
    ),
    Verdict(
        "six-party-2007",
        agreement=True,
        implemented="partly",
        ended="collapsed",
        when="2008-12",
        reading="The shutdown came late and disablement went far, but delisting was delayed, "
        "disablement halted, verification talks failed in December 2008 and a nuclear test followed.",
        sources=(
            "State Dept 60-day assessment, 14 Apr 2007",
            "KCNA via eastday; State Dept",
            "Donga Ilbo, 27 Jun 2008",
            "Washington Post, 12 Aug 2008",
            "AP, 12 Oct 2008",
        ),
    ),
    Verdict(
        "leap-day-2012",
        agreement=True,
        implemented="no",
        ended="collapsed",
        when="2012-04",
        reading="Announced in parallel statements; two weeks later the DPRK announced a satellite "
        "launch, which went ahead in April, and the US suspended the aid before any step was taken "
        "(the later events are from memory, [M]).",
        sources=("State Dept press statement (Nuland); VOA; World Nuclear News", "KCNA"),
    ),
    Verdict(
        "iran-jcpoa-2015",
        agreement=True,
        implemented="fully",
        ended="collapsed",
        when="2018-05",
        reading="Implemented on schedule (Implementation Day, January 2016); the US withdrew in May 2018, "
        "Iran stopped implementing in 2021 and UN measures were reapplied in 2025.",
        sources=(
            'armscontrol.org, "JCPOA at a glance"; USIP Iran Primer',
            "IAEA reporting, as recorded in negotiation-history.md",
            "Arms Control Association, Sept 2025",
        ),
    ),
    Verdict(
        "singapore-2018",
        agreement=True,
        implemented="partly",
        ended="stalled",
        when="2019-02",
        reading="A joint statement with no sequence; the exercises were suspended, remains returned and "
        "Sohae partly dismantled, but no declaration, inspectors or relief followed before Hanoi.",
        sources=("euronews; UPI (text)", "38 North", "Hanoi Times; TASS"),
    ),
    Verdict(
        "hanoi-2019",
        agreement=False,
        implemented="no",
        ended="no-deal",
        when="2019-02",
        reading="The summit ended early without agreement or joint statement.",
        sources=("Hanoi Times; TASS; Metro (Trump press conference)", "CGTN; Hanoi Times; TASS"),
    ),
    Verdict(
        "korea-2019",
        agreement=False,
        implemented="no",
        ended="no-deal",
        when="2019-10",
        reading="The Stockholm talks broke off on the day they opened and no working-level talks followed.",
        sources=("NK News; Straits Times/Reuters; Sputnik via UrduPoint, 5 Oct 2019",),
    ),
)

HISTORY: dict[str, Verdict] = {v.case: v for v in _ENTRIES}
"""Case id -> the analyst's reading of what happened (see the module docstring)."""


def verdict(case: str) -> Verdict | None:
    """The historical verdict of a built-in case, or ``None`` for a scenario with none.

    >>> verdict("korea-2019").label()
    'no deal (2019-10)'
    >>> verdict("my-own-scenario") is None
    True
    """
    return HISTORY.get(case)


# --------------------------------------------------------------------------- comparing
@dataclass(frozen=True)
class Check:
    """One comparison of a model answer with the record."""

    name: str
    model: str
    history: str
    mark: Mark

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "model": self.model, "history": self.history, "mark": self.mark}


def compare_with_history(has_zopa: bool, roadmap: bool | None, v: Verdict) -> list[Check]:
    """The three checks ``deal``, ``steps``, ``lasted`` (see the module docstring).

    ``roadmap`` is ``True``/``False`` for a proven answer, ``None`` when the planner had nothing to
    plan or ran out of time (then the two roadmap checks are ``n/a``).

    >>> [(c.name, c.mark) for c in compare_with_history(True, True, HISTORY["iran-jcpoa-2015"])]
    [('deal', 'agree'), ('steps', 'agree'), ('lasted', 'disagree')]
    """
    checks = [
        Check(
            "deal",
            "a ZOPA exists" if has_zopa else "no ZOPA",
            "agreement reached" if v.agreement else "no agreement",
            "agree" if has_zopa == v.agreement else "disagree",
        )
    ]
    road = {True: "self-enforcing roadmap", False: "no self-enforcing roadmap", None: "roadmap unknown"}[
        roadmap
    ]
    implemented = v.implemented != "no"
    checks.append(
        Check(
            "steps",
            road,
            {"fully": "implemented fully", "partly": "implemented partly", "no": "not implemented"}[
                v.implemented
            ]
            if v.agreement
            else "nothing implemented (no agreement)",
            "n/a" if roadmap is None else ("agree" if roadmap == implemented else "disagree"),
        )
    )
    if v.agreement:
        lasted = "carried out, not reversed" if v.durable else f"{v.ended} ({v.when})"
        mark: Mark = "n/a" if roadmap is None else ("agree" if roadmap == v.durable else "disagree")
        checks.append(Check("lasted", road, lasted, mark))
    else:
        checks.append(Check("lasted", road, "no agreement to last", "n/a"))
    return checks


def overall(checks: Sequence[Check]) -> str:
    """``agree`` (every applicable check agrees), ``disagree`` (none does) or ``mixed``."""
    marks = [c.mark for c in checks if c.mark != "n/a"]
    if not marks:
        return "n/a"
    if all(m == "agree" for m in marks):
        return "agree"
    if all(m == "disagree" for m in marks):
        return "disagree"
    return "mixed"
