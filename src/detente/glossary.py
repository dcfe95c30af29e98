"""The words of detente in plain language, and the units of its numbers: one source for every surface.

The report's glossary section, the full names written at the first use of an
abbreviation in the report, and the help tooltips of the web app all read
:data:`GLOSSARY`; the column headers and axis labels of the report, the terminal
tables and the app say their units with :data:`PER_MONTH`, :data:`TOTAL` and
:func:`unit`. The module imports nothing, so the command line can use it without
slowing ``detente --help``.

Two kinds of number appear in the outputs. A **value per month** is what a move (or a
package of moves) is worth to a party in each month it is in force, on that party's
own scale (0 = the status quo, 10 = the best deal it could realistically hope for);
the deal space, the bargaining solutions and the scenario tables use it. A **payoff**
is what a party collects from a simulated run: the per-month values summed over the
horizon, each month discounted, with the costs of delay and of events, plus the
discounted value of what stands in force at the horizon's end, carrying on; its **gain
over no deal** is the payoff minus the value of the status quo carrying on. The strategy
comparison and ``detente simulate`` use them. Neither is comparable across parties.

Examples
--------
>>> GLOSSARY["GMR"].full
'general metarationality'
>>> abbreviations()[:3]
['GMCR', 'GMR', 'SMR']
>>> unit("USA", "total")
'USA payoff (discounted total: the horizon and what stands at its end, carrying on; own scale)'
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["GAIN", "GLOSSARY", "PER_MONTH", "TOTAL", "Entry", "abbreviations", "define", "unit"]


class Entry(NamedTuple):
    """One glossary entry: the full name and a one- or two-sentence definition."""

    full: str
    definition: str


PER_MONTH = "value per month (own 0-10 scale)"
"""The unit of the deal space, the bargaining solutions and the scenario's values."""
TOTAL = "payoff (discounted total: the horizon and what stands at its end, carrying on; own scale)"
"""The unit of a simulated run's utility: the discounted window plus the continuation."""
GAIN = "gain over no deal (discounted, own scale)"
"""The unit of a run's payoff minus the party's value of no deal (the status quo carrying on)."""


def unit(party: str, kind: str) -> str:
    """A column header or axis label for one party's number: ``kind`` is ``"month"``, ``"total"`` or ``"gain"``.

    >>> unit("DPRK", "month")
    'DPRK value per month (own 0-10 scale)'
    """
    units = {"month": PER_MONTH, "total": TOTAL, "gain": GAIN}
    if kind not in units:
        raise ValueError(f"expected kind 'month', 'total' or 'gain', found {kind!r}")
    return f"{party} {units[kind]}"


GLOSSARY: dict[str, Entry] = {
    # --- abbreviations: written out in full at their first use in the report
    "GMCR": Entry(
        "Graph Model for Conflict Resolution",
        "A way to analyse a conflict as decision makers who each control some options (here: the "
        "moves); a state is which options are in force, and the model asks which states no decision "
        "maker would leave on its own.",
    ),
    "GMR": Entry(
        "general metarationality",
        "A state is GMR stable for a party if every move it could make alone to a state it prefers "
        "can be answered by the others with a move that leaves it no better off than before (a "
        "sanction), whether or not the answer costs them.",
    ),
    "SMR": Entry(
        "symmetric metarationality",
        "Like GMR, but the party may reply to the sanction once more; the state is stable if it "
        "still ends up no better off.",
    ),
    "SEQ": Entry(
        "sequential stability",
        "Like GMR, but only credible sanctions count: the others answer only with moves that improve "
        "their own position.",
    ),
    "ZOPA": Entry(
        "zone of possible agreement",
        "The deal zone: the packages of moves that every party values above its disagreement point "
        "(what it gets with no deal). If it is empty, no deal is worth making for everyone.",
    ),
    # --- terms
    "Nash stability": Entry(
        "Nash stability",
        "A state is Nash stable for a party if no move it can make alone leads to a state it prefers; "
        "a Nash equilibrium is Nash stable for every party.",
    ),
    "equilibrium": Entry(
        "equilibrium",
        "In the stability analysis, a state that is stable for every decision maker under a given "
        "concept (Nash, GMR, SMR or SEQ).",
    ),
    "state pattern": Entry(
        "state pattern",
        "A state written as one letter per option, in the order listed: Y if the move is in force, "
        "N if not. YNN… means only the first move is in force.",
    ),
    "status quo": Entry(
        "status quo",
        "The moves in force when the talks start; every party's scale puts it at 0 plus what the "
        "moves already in force are worth to it.",
    ),
    "disagreement point": Entry(
        "disagreement point",
        "What each party gets if the talks fail: its no-deal value, by default the status quo. A deal "
        "is only worth making if it beats this for every party.",
    ),
    "package": Entry(
        "package",
        "A set of moves that could be agreed together (respecting which moves require or exclude others).",
    ),
    "Pareto frontier": Entry(
        "Pareto frontier",
        "The packages that cannot be improved for one party without making another worse off.",
    ),
    "lottery": Entry(
        "lottery",
        "A chance mix of two packages (say 28% one, 72% the other): its value is the weighted "
        "average of theirs. Lotteries fill the gaps between packages on the convex hull of the "
        "frontier; in practice they stand for a package between the two.",
    ),
    "convex hull": Entry(
        "convex hull",
        "The outer boundary of all packages and lotteries between them in the plane of two parties' values.",
    ),
    "Nash solution": Entry(
        "Nash bargaining solution",
        "The package that maximises the product of the parties' gains over their disagreement point.",
    ),
    "Kalai–Smorodinsky solution": Entry(
        "Kalai–Smorodinsky bargaining solution",
        "The package that gives each party the same share of the most it could hope to gain.",
    ),
    "egalitarian solution": Entry(
        "egalitarian bargaining solution",
        "The package that makes the smaller of the parties' gains as large as possible.",
    ),
    "utilitarian solution": Entry(
        "utilitarian bargaining solution",
        "The package with the largest sum of gains (which adds up values on different scales).",
    ),
    "Rubinstein solution": Entry(
        "Rubinstein alternating-offers solution",
        "The split reached when the parties make offers in turn and delay costs each of them through "
        "its discount: the more patient party gets more.",
    ),
    "discount": Entry(
        "discount factor",
        "How much a party values a month from now relative to this month (0.98: 2% less each month). "
        "A simulated payoff discounts each month by discount to the power of the month.",
    ),
    "horizon": Entry(
        "horizon",
        "The number of months a simulated run is watched for; the talks do not end there: what "
        "stands in force then is valued as carrying on.",
    ),
    "pressure": Entry(
        "pressure (cost of delay)",
        "A cost a party bears each month until a given move enters force, possibly growing over time.",
    ),
    "exposure": Entry(
        "exposure",
        "What a party stands to lose if the other side stops: the cost of the irreversible moves it "
        "has made, less the value to it of the other side's irreversible moves so far (never below 0).",
    ),
    "exposure limit": Entry(
        "exposure limit",
        "The largest exposure a party will accept at any stage of a roadmap (on its own scale); no "
        "limit means any exposure.",
    ),
    "verification": Entry(
        "verification",
        "The chance, from 0 to 1, that a breach of a move (secretly not doing it) is detected.",
    ),
    "reversible": Entry(
        "reversible",
        "A move that can be undone after it is made, taking its lag in months to unwind.",
    ),
    "roadmap": Entry(
        "roadmap",
        "An order of stages that reaches a target package, each stage a set of moves made together.",
    ),
    "self-enforcing": Entry(
        "self-enforcing",
        "A roadmap in which at every stage each party does better by going on than by stopping or "
        "reneging, so no outside enforcer is needed.",
    ),
    "reciprocity": Entry(
        "reciprocity",
        "Every stage of a roadmap has moves by at least two parties: no side moves alone.",
    ),
    "balance": Entry(
        "balance (with a tolerance)",
        "At every stage each party receives at least (1 - tolerance) times what it gives, on its own "
        "scale; tolerance 0 means nobody accepts a stage that leaves it worse off.",
    ),
    "agreement rate": Entry(
        "agreement rate",
        "The share of simulated runs in which the parties agreed on a package.",
    ),
    "target share": Entry(
        "target share",
        "The share of the target package's moves in force at the end of a run (0-1).",
    ),
    "payoff": Entry(
        "payoff",
        "What a party collects from a simulated run: its per-month values summed over the horizon, "
        "discounted, with the costs of delay and events, plus what stands in force at the end, "
        "carrying on (discounted); on its own scale.",
    ),
    "no deal": Entry(
        "value of no deal",
        "What a party expects from the status quo carrying on with no new agreement: pressures "
        "running and growing, moves already due entering; discounted, on its own scale.",
    ),
    "gain over no deal": Entry(
        "gain over no deal",
        "A party's payoff minus its value of no deal: negative means the talks left it worse off "
        "than no talks at all.",
    ),
    "value per month": Entry(
        "value per month",
        "What a move or package is worth to a party in each month it is in force, on the party's own "
        "scale (0 = the status quo, 10 = the best deal it could realistically hope for).",
    ),
    "break-even": Entry(
        "break-even value",
        "The value of one input at which the answer changes, the others held at their likely values.",
    ),
    "strategy": Entry(
        "strategy",
        "A rule a party follows in the simulated talks: what to offer, accept or reverse each month.",
    ),
    "Monte Carlo": Entry(
        "Monte Carlo simulation",
        "Playing the talks many times with values drawn from their ranges, to see the spread of "
        "outcomes rather than one.",
    ),
}
"""Term (as written in the outputs) -> (full name, definition). Abbreviations are the all-capital keys."""


def abbreviations() -> list[str]:
    """The glossary's abbreviations, in glossary order (every one is expanded at first use in the report).

    >>> "ZOPA" in abbreviations() and "lottery" not in abbreviations()
    True
    """
    return [k for k in GLOSSARY if k.isupper()]


def define(term: str) -> str:
    """``full name: definition`` for a help tooltip (app) or a note; the full name is followed by
    the abbreviation when ``term`` is one.

    >>> define("SEQ").split(":")[0]
    'sequential stability (SEQ)'
    """
    e = GLOSSARY[term]
    name = f"{e.full} ({term})" if term.isupper() else e.full
    return f"{name}: {e.definition}"
