"""Report section, the first of the page: the answer (:mod:`detente.studies.answer`).

Uses the answer ``detente run`` stored (``results["answer"]``), or works it out from the
deal space and the roadmap of this report (the same ones its sections show) and the
strategy matrix ``detente run`` stored; with none stored, the answer plays its own small
matrix (:data:`detente.studies.answer.STRATEGIES`, likely values), as the web app does.

Examples
--------
>>> from detente.scenarios import load_builtin
>>> from detente.report.section import ReportInputs
>>> body = render(ReportInputs(load_builtin("libya-2003"), quick=True))
>>> "Deal zone" in body.html and "by mean payoff" in body.html
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from detente.studies.answer import Answer, answer, plans_from

from ..html import esc
from ..section import Body
from .deals import deal_space
from .roadmap import plan_data

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
        stored = inputs.results.get("simulate")
        return answer(
            inputs.scenario,
            seed=inputs.seed,
            deals=deal_space(inputs),
            plans=plans_from(plan_data(inputs)),
            comparison=stored if isinstance(stored, dict) and "matrix" in stored else None,
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
