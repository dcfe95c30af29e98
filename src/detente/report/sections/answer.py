"""Report section, the first of the page: the answer (:mod:`detente.studies.answer`).

Uses the answer ``detente run`` stored (``results["answer"]``), or works it out from the
deal space, the roadmap and the strategy comparison of this report (the same ones its
sections show, made with the shared defaults :data:`detente.defaults.COMPARISON`), so the
answer is the same whichever surface (``detente run``, ``detente report``, the web app)
built it.

Examples
--------
>>> from detente.scenarios import load_builtin
>>> from detente.report.section import ReportInputs
>>> body = render(ReportInputs(load_builtin("libya-2003"), quick=True))
>>> "Deal zone" in body.html and "by mean payoff" in body.html
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from detente.studies.answer import Answer, answer, plans_from

from ..html import esc
from ..section import Body, Skip
from .deals import deal_space
from .roadmap import plan_data
from .simulate import comparison_doc

if TYPE_CHECKING:
    from ..section import ReportInputs

__all__ = ["DEFINITION", "KEY", "ORDER", "TITLE", "answer_html", "answer_of", "render"]

KEY = "answer"
TITLE = "The answer"
ORDER = 5
DEFINITION = "The bottom line: is there a deal, what can be staged first, which strategy pays each side, and what it hangs on."


def answer_of(inputs: ReportInputs) -> Answer:
    """The stored answer, or one made from this report's deal space and roadmap."""

    def compute() -> Answer:
        try:
            doc: dict[str, Any] | None = comparison_doc(inputs)
        except Skip:  # fewer than two parties: no strategy comparison
            doc = None
        return answer(
            inputs.scenario,
            seed=inputs.seed,
            deals=deal_space(inputs),
            plans=plans_from(plan_data(inputs)),
            comparison=doc,
        )

    return inputs.result(KEY, compute, accept=lambda v: isinstance(v, Answer))


def answer_html(found: Answer) -> str:
    """The answer as a list, each sentence led by its label in bold (``Staging:``).

    >>> from detente.studies.answer import Staging
    >>> a = Answer("x", "X", False, "No deal.", Staging("no package", (), False), {}, (), None, "")
    >>> answer_html(a).splitlines()[1]
    '<li><strong>Deal zone:</strong> none. No deal.</li>'
    """
    items = []
    for sentence in found.sentences()[1:]:
        label, sep, rest = sentence.partition(": ")
        if sep and len(label) <= 60:
            items.append(f"<li><strong>{esc(label)}:</strong> {esc(rest)}</li>")
        else:
            items.append(f"<li>{esc(sentence)}</li>")
    return '<ul class="note answer">\n' + "\n".join(items) + "\n</ul>"


def render(inputs: ReportInputs) -> Body:
    found = answer_of(inputs)
    return Body(answer_html(found), params={"settings": dict(found.settings)})
