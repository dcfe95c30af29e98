"""Report section: what would change the answer (one uncertain value at a time).

Uses the study ``detente run`` stored (``results["sensitivity"]``: the ``zopa`` and
``nash_package`` documents of :func:`detente.studies.sensitivity`) or runs the same two
small studies: does a deal zone exist at each end of each value's range, and how far
must each value move before the Nash bargaining package changes (break-even values).
Options (``inputs.options["sensitivity"]``): ``inputs`` (a shell-style pattern of value
names, ``"usa-*:DPRK"``), ``budget`` (seconds; the section is skipped, with a note, when
the study is estimated to take longer).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from detente.studies import parse_metric, ranged_inputs, set_inputs
from detente.studies import sensitivity as study

from ..figures import Figure, new_figure
from ..html import Raw, esc, table
from ..section import Body, Skip

if TYPE_CHECKING:
    from ..section import Body, ReportInputs

__all__ = ["DEFINITION", "KEY", "ORDER", "TITLE", "render"]

KEY = "sensitivity"
TITLE = "What would change the answer"
ORDER = 60
DEFINITION = "How far each uncertain value would have to move, one at a time, before the answer changes."

SHOWN = 12
BUDGET = 20.0
"""Seconds the report may spend on this section when ``detente run`` did not store it."""


def study_docs(inputs: ReportInputs) -> dict[str, Any]:
    """The stored study documents, or freshly computed ones."""

    s = inputs.scenario
    if not s.has_ranges:
        raise Skip("not included: no value is given as a range, so there is nothing to vary")

    pattern = inputs.option(KEY, "inputs", None)
    budget = float(inputs.option(KEY, "budget", BUDGET))

    def compute() -> dict[str, Any]:

        zopa_metric = parse_metric("zopa", s)
        base = set_inputs(s, {})
        zopa_metric.evaluate(base, inputs.seed)  # warm up (imports, caches)
        start = time.monotonic()
        zopa_metric.evaluate(base, inputs.seed)
        per_eval = time.monotonic() - start
        k = len(ranged_inputs(s, pattern))
        needed = per_eval * (2 * (2 * k + 1) + k * 6)  # two tornados and break-even searches at a few ends
        if needed > budget:
            raise Skip(
                f"not included: {k} ranged values at {per_eval:.2g} s per deal analysis would take about "
                f"{needed:.0f} s, more than the report's {budget:g} s; run `detente sensitivity {s.id} "
                "--metric nash-package` for the full study"
            )
        zopa = study(s, zopa_metric, seed=inputs.seed, inputs=pattern, with_break_even=False)
        nash = study(
            s, parse_metric("nash-package", s), seed=inputs.seed, inputs=pattern, grid=4, iterations=8,
            break_even_scope="flipping-ends",
        )  # fmt: skip
        return {"zopa": zopa.as_json(), "nash_package": nash.as_json()}

    stored = inputs.results.get(KEY)
    if isinstance(stored, dict) and ("zopa" in stored or "nash_package" in stored):
        return stored
    if isinstance(stored, dict) and stored.get("skipped"):
        raise Skip(f"not included: skipped by detente run ({stored['skipped']}); run detente sensitivity")
    return inputs.result(KEY + "-report", compute)


def _figure(changes: list[dict[str, Any]], ranges: dict[str, dict[str, float]]) -> Figure:
    rows = changes[:SHOWN][::-1]
    fig, ax = new_figure(8.0, 1.2 + 0.42 * len(rows))
    for y, c in enumerate(rows):
        r = ranges.get(c["name"], {"low": c["likely"], "high": c["likely"]})
        ax.plot([r["low"], r["high"]], [y, y], color="#9aa7b8", lw=6, solid_capstyle="butt", zorder=1)
        ax.plot([c["likely"]], [y], "o", color="#1f5fa8", ms=6, zorder=2)
        ax.plot([c["value"]], [y], "X", color="#b3261e", ms=8, zorder=3)
    ax.set_yticks(range(len(rows)), [c["name"] for c in rows], fontsize=8)
    ax.set_xlabel("value (per period, on the valuing party's own scale)")
    ax.set_title("Where the Nash deal changes: range (grey), likely (blue), break-even (red X)", fontsize=10)
    ax.grid(True, axis="x", alpha=0.3)
    ax.grid(False, axis="y")
    return Figure("sensitivity-break-even", "Break-even values of the Nash bargaining package", fig)


def render(inputs: ReportInputs) -> Body:

    docs = study_docs(inputs)
    if "error" in docs and "zopa" not in docs:
        raise Skip(f"not included: {docs['error']}")
    parts: list[str] = []
    figs: list[Figure] = []
    zopa = docs.get("zopa")
    if zopa:
        yes = zopa["base"]["verdict"] == "yes"
        head = (
            "There is a deal every party prefers to the status quo"
            if yes
            else "There is no deal every party prefers to the status quo"
        )
        flips = [r for r in zopa["oat"] if r.get("swing", 0) > 0]
        if flips:
            names = ", ".join(
                f"{r['name']} at its {'low' if r['at_low']['flips'] else 'high'}" for r in flips[:8]
            )
            parts.append(f'<p class="note">{esc(head)}; that changes with {esc(names)}.</p>')
        else:
            parts.append(
                f'<p class="note">{esc(head)}, whichever single value is moved to either end of its range '
                f"({len(zopa['inputs'])} ranged values tried).</p>"
            )
    nash = docs.get("nash_package")
    if nash:
        changes = nash.get("what_would_change") or []
        ranges = {i["name"]: i for i in nash.get("inputs", [])}
        if not changes:
            parts.append(
                "<p>The Nash bargaining package stays the same whichever single value moves to either end "
                "of its range.</p>"
            )
        else:
            figs.append(_figure(changes, ranges))
            parts.append(f"<figure>{figs[0].svg()}<figcaption>{esc(figs[0].title)}</figcaption></figure>")
            rows = []
            for c in changes[:SHOWN]:
                r = ranges.get(c["name"], {})
                rows.append(
                    [
                        c["name"],
                        f"{c['likely']:g}",
                        f"{c['value']:.3g}",
                        f"{r.get('low', float('nan')):g} to {r.get('high', float('nan')):g}",
                        "yes" if c.get("in_range") else "no",
                        Raw(f"<small>{esc(c.get('change', ''))}</small>"),
                    ]
                )
            parts.append("<h3>The Nash deal changes first when (one value at a time, nearest first)</h3>")
            parts.append(
                table(
                    [
                        "value (move:party, per month, own scale)",
                        "likely",
                        "break-even",
                        "range",
                        "within range",
                        "what changes",
                    ],
                    rows,
                    numeric=(1, 2),
                )
            )
            if len(changes) > SHOWN:
                parts.append(f'<p class="muted">… and {len(changes) - SHOWN} more.</p>')
    if not parts:
        raise Skip("not included: the study produced nothing to show")
    parts.append(
        f'<p class="muted">Full study: <code>detente sensitivity {esc(inputs.scenario.id)} '
        "--metric nash-package</code> (or zopa, roadmap-exists, …; Sobol indices with --method both).</p>"
    )
    params = {"metrics": [k for k in ("zopa", "nash_package") if docs.get(k)], "seed": inputs.seed}
    return Body("\n".join(parts), figs, params)
