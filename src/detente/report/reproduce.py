"""The last section of every report: the inputs and the seed that reproduce each figure.

It embeds the scenario (as the file it was read from when known, else as YAML
written from the validated model), its SHA-256, the seed, the command that
remakes the report, and the parameters each section used.

Examples
--------
>>> from detente.scenarios import load_builtin
>>> text = scenario_yaml(load_builtin("korea-2019"))
>>> from detente.model.load import scenario_from_text
>>> scenario_from_text(text, "again.yaml") == load_builtin("korea-2019")
True
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import yaml

from detente import __version__
from detente.model.scenario import Scenario

from .html import Raw, esc, table
from .section import ReportInputs, Section

__all__ = ["params_table", "reproduce_section", "scenario_data", "scenario_yaml"]


def _plain_value(v: Any) -> Any:
    if isinstance(v, dict) and set(v) == {"low", "likely", "high"}:
        if v["low"] == v["likely"] == v["high"]:
            return v["likely"]
        return [v["low"], v["likely"], v["high"]]
    if isinstance(v, dict):
        return {k: _plain_value(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain_value(x) for x in v]
    return v


def scenario_data(s: Scenario) -> dict[str, Any]:
    """The scenario as the plain data a user would write (values as numbers or ranges)."""
    data = s.model_dump(mode="python", exclude_none=True, exclude_defaults=True)
    data = {"detente": s.detente, **{k: v for k, v in data.items() if k != "detente"}}
    return _plain_value(data)


def scenario_yaml(s: Scenario) -> str:
    """The scenario written as a YAML scenario file (valid input for every command)."""
    return yaml.safe_dump(scenario_data(s), sort_keys=False, allow_unicode=True, width=100)


def _plain(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items()) or "none"
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return ", ".join(_plain(v) for v in items) or "none"
    return str(value)


def params_table(params: dict[str, Any]) -> str:
    """A section's parameters as a small two-column table (name, value), not as JSON.

    >>> params_table({"runs": 20, "fixed": {}, "target": ["a", "b"]})
    '<table class="params"><tbody><tr><td>fixed</td><td>none</td></tr><tr><td>runs</td><td>20</td></tr><tr><td>target</td><td>a, b</td></tr></tbody></table>'
    """
    if not params:
        return "—"
    rows = "".join(f"<tr><td>{esc(k)}</td><td>{esc(_plain(v))}</td></tr>" for k, v in sorted(params.items()))
    return f'<table class="params"><tbody>{rows}</tbody></table>'


def reproduce_section(inputs: ReportInputs, sections: list[Section]) -> Section:
    s = inputs.scenario
    text = inputs.source_text if inputs.source_text is not None else scenario_yaml(s)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    fname = inputs.source_name or f"{s.id}.yaml"
    if "/" in fname:
        fname = fname.rsplit("/", 1)[-1]
    b64 = base64.b64encode(text.encode("utf-8")).decode("ascii")
    cmd = (
        f"detente report {fname} --seed {inputs.seed}"
        + (" --quick" if inputs.quick else "")
        + " -o report.html"
    )
    parts = [
        "<p>Every number and figure above is computed from this scenario file and this seed; "
        "running the command below on the file gives the same report.</p>",
        table(
            ["input", "value"],
            [
                ["scenario", f"{s.id} ({fname})"],
                ["SHA-256 of the scenario file", digest],
                ["seed", inputs.seed],
                ["quick", "yes" if inputs.quick else "no"],
                ["detente version", __version__],
            ],
        ),
        f"<pre><code>{esc(cmd)}</code></pre>",
    ]
    rows = []
    for sec in sections:
        figs = ", ".join(f.name for f in sec.figures) or "—"
        status = sec.note if sec.skipped else "included"
        rows.append([sec.title, status, figs, Raw(params_table(sec.params))])
    parts.append("<h3>Sections, figures and their parameters</h3>")
    parts.append(table(["section", "status", "figures", "parameters"], rows))
    parts.append(
        f'<p><a download="{esc(fname)}" href="data:application/x-yaml;base64,{b64}">'
        f"Download the scenario file ({esc(fname)})</a></p>"
    )
    parts.append(
        f"<details><summary>The scenario file</summary><pre><code>{esc(text)}</code></pre></details>"
    )
    return Section(
        "reproduce", "Inputs and seed", "\n".join(parts), params={"seed": inputs.seed},
        definition="What this report was made from, so that anyone can make it again and get the same numbers.",
    )  # fmt: skip
