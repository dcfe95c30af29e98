"""Report section: the scenario (parties, moves by side, values as ranges, sources as links).

Examples
--------
>>> from detente.scenarios import load_builtin
>>> from detente.report.core import ReportInputs
>>> body = render(ReportInputs(load_builtin("korea-2019")))
>>> "Moves by" in body.html
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from detente.model.values import Value

from ..html import Raw, esc, linkify, table
from ..section import Body

if TYPE_CHECKING:
    from ..section import Body, ReportInputs

__all__ = ["DEFINITION", "KEY", "ORDER", "TITLE", "fmt_value", "render"]

KEY = "scenario"
TITLE = "Scenario"
ORDER = 10
DEFINITION = "The parties, the moves each can make and what every move is worth to each party per month, with the sources the values were set from."


def fmt_value(v: Value) -> str:
    """A value as the analyst wrote it: ``likely`` or ``likely (low to high)``.

    >>> fmt_value(Value.parse([1, 2, 4.5]))
    '2 (1 to 4.5)'
    >>> fmt_value(Value.parse(-3))
    '-3'
    """
    if not v.is_range:
        return f"{v.likely:g}"
    return f"{v.likely:g} ({v.low:g} to {v.high:g})"


def render(inputs: ReportInputs) -> Body:

    s = inputs.scenario
    parts: list[str] = []
    if s.description:
        parts.append(f"<p>{linkify(s.description.strip())}</p>")
    d = s.disagreement()
    sq = s.status_quo
    parts.append("<h3>Parties</h3>")
    parts.append(
        table(
            [
                "id",
                "name",
                f"discount (per {s.time.unit})",
                "exposure limit (own scale)",
                f"status-quo value (per {s.time.unit}, own scale)",
                f"disagreement point (per {s.time.unit}, own scale)",
            ],
            [
                [
                    p.id,
                    p.label,
                    f"{p.discount:g}",
                    "none" if p.exposure_limit is None else f"{p.exposure_limit:g}",
                    f"{s.utility(p.id, sq):.2f}",
                    f"{d[p.id]:.2f}",
                ]
                for p in s.parties
            ],
            numeric=(2, 3, 4, 5),
        )
    )
    parts.append(
        f'<p class="muted">Values are per {esc(s.time.unit)} on each party\'s own scale, '
        "shown as likely (low to high). Horizon: "
        f"{s.time.horizon} {esc(s.time.unit)}s.</p>"
    )
    for p in s.parties:
        moves = s.moves_by(p.id)
        if not moves:
            continue
        parts.append(f"<h3>Moves by {esc(p.label)}</h3>")
        rows = []
        for m in moves:
            status = "in force" if m.in_force else "on the table"
            rev = f"yes (lag {m.reversal_lag})" if m.reversible else "no"
            extra = []
            if m.requires:
                extra.append("requires " + ", ".join(m.requires))
            if m.excludes:
                extra.append("excludes " + ", ".join(m.excludes))
            rows.append(
                [
                    Raw(f"<code>{esc(m.id)}</code><br>{esc(m.title)}"),
                    *[fmt_value(m.value_for(q.id)) for q in s.parties],
                    status,
                    rev,
                    f"{m.verification:g}",
                    "; ".join(extra) or "—",
                    Raw(f'<span class="src">{linkify(m.source.strip())}</span>' if m.source else "—"),
                ]
            )
        header = ["move", *[f"value to {q.id} (per {s.time.unit}, own 0-10 scale)" for q in s.parties]]
        header += [
            "status",
            f"reversible (lag in {s.time.unit}s)",
            "verification (chance 0-1)",
            "constraints",
        ]
        header += ["source"]
        n = len(s.parties)
        parts.append(table(header, rows, numeric=tuple(range(1, n + 1))))
    if s.interactions:
        parts.append("<h3>Interactions</h3>")
        parts.append(
            table(
                ["moves", f"extra value when all are in force (per {s.time.unit})"],
                [
                    [" + ".join(i.moves), ", ".join(f"{k}: {fmt_value(v)}" for k, v in i.value.items())]
                    for i in s.interactions
                ],
            )
        )
    if s.pressures:
        parts.append("<h3>Pressures (costs of delay)</h3>")
        parts.append(
            table(
                [
                    "party",
                    f"cost per {s.time.unit} (own scale)",
                    f"growth per {s.time.unit}",
                    "stopped by",
                    "source",
                ],
                [
                    [
                        pr.party,
                        f"{pr.per_period:g}",
                        f"{pr.growth:g}",
                        ", ".join(pr.stopped_by) or "—",
                        Raw(linkify(pr.source) if pr.source else "—"),
                    ]
                    for pr in s.pressures
                ],
                numeric=(1, 2),
            )
        )
    if s.events:
        parts.append("<h3>Events</h3>")
        parts.append(
            table(
                ["id", f"chance per {s.time.unit}", "description", "source"],
                [
                    [e.id, f"{e.rate:g}", e.description or "—", Raw(linkify(e.source) if e.source else "—")]
                    for e in s.events
                ],
                numeric=(1,),
            )
        )
    return Body("\n".join(parts), params={"moves": len(s.moves), "parties": len(s.parties)})
