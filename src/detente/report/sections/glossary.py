"""Report section: the glossary, every term of :data:`detente.glossary.GLOSSARY` with its definition.

The same definitions are the help tooltips of the web app, so the report and the app
say the same thing in the same words.

Examples
--------
>>> from detente.scenarios import load_builtin
>>> from detente.report.core import ReportInputs
>>> "general metarationality (GMR)" in render(ReportInputs(load_builtin("korea-2019"))).html
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from detente.glossary import GAIN, GLOSSARY, PER_MONTH, TOTAL

from ..html import esc
from ..section import Body

if TYPE_CHECKING:
    from ..section import ReportInputs

__all__ = ["DEFINITION", "KEY", "ORDER", "TITLE", "render"]

KEY = "glossary"
TITLE = "Glossary"
ORDER = 90
DEFINITION = "The words of this report in plain language, and the units of its numbers."


def render(inputs: ReportInputs) -> Body:
    """The units, then every term with its full name and definition (abbreviations first)."""
    items = []
    for term, entry in GLOSSARY.items():
        name = f"{entry.full} ({term})" if term.isupper() else entry.full
        items.append(
            f'<dt id="term-{esc(term.replace(" ", "-"))}">{esc(name)}</dt><dd>{esc(entry.definition)}</dd>'
        )
    units = (
        "<p><b>Units.</b> Two kinds of number appear above. A <i>"
        + esc(PER_MONTH)
        + "</i> is what a move or a package is worth to a party in each month it is in force "
        "(deal space, bargaining solutions, roadmap, scenario tables). A <i>"
        + esc(TOTAL)
        + "</i> is what a party collects from a simulated run, the window watched and what stands in force "
        "at its end carrying on; its <i>"
        + esc(GAIN)
        + "</i> subtracts what the status quo carrying on is worth to it (strategy comparison). "
        "Neither is comparable across parties: each party has its own scale.</p>"
    )
    return Body(units + '<dl class="glossary">' + "".join(items) + "</dl>", params={"terms": len(GLOSSARY)})
