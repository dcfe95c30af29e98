"""Small HTML helpers for the report: escaping, tables, links, the page template.

Everything the page needs is inline (CSS, SVG figures, the embedded scenario):
the page makes no network request. Only plain ``<a>`` links to sources point outside.

Examples
--------
>>> table(["a", "b"], [[1, "<x>"]])
'<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>&lt;x&gt;</td></tr></tbody></table>'
>>> linkify("see https://example.org/a.")
'see <a href="https://example.org/a" rel="noreferrer">https://example.org/a</a>.'
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

__all__ = ["Raw", "esc", "linkify", "page", "table"]

_URL = re.compile(r"https?://[^\s<>\"')\]]+")


class Raw(str):
    """A string of trusted HTML that :func:`table` inserts without escaping."""

    __slots__ = ()


def esc(text: object) -> str:
    """HTML-escape any value (quotes included)."""
    return html.escape(str(text), quote=True)


def linkify(text: str) -> str:
    """Escape ``text`` and turn each http(s) address in it into a plain ``<a>`` link."""
    out: list[str] = []
    last = 0
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(".,;:")
        end = m.start() + len(url)
        out.append(esc(text[last : m.start()]))
        out.append(f'<a href="{esc(url)}" rel="noreferrer">{esc(url)}</a>')
        last = end
    out.append(esc(text[last:]))
    return "".join(out)


def _cell(value: object) -> str:
    return str(value) if isinstance(value, Raw) else esc(value)


def table(
    header: Sequence[object], rows: Iterable[Sequence[object]], *, cls: str = "", numeric: Sequence[int] = ()
) -> str:
    """An HTML table; cells are escaped unless they are :class:`Raw`; ``numeric`` columns align right."""
    num = set(numeric)
    attr = f' class="{esc(cls)}"' if cls else ""
    head = "".join(f"<th>{_cell(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{_cell(v)}</td>' if i in num else f"<td>{_cell(v)}</td>"
            for i, v in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


_CSS = """
:root { --ink: #1d2430; --muted: #5b6472; --line: #d8dde6; --accent: #1f5fa8; --ok: #2e7d32;
        --warn: #b26a00; --bad: #b3261e; --bg: #ffffff; --panel: #f5f7fa; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); background: var(--bg); margin: 0; }
header.top { background: #12263f; color: #fff; padding: 1.4rem 2rem; }
header.top h1 { margin: 0 0 .3rem; font-size: 1.6rem; }
header.top p { margin: .2rem 0; color: #cfd8e6; }
nav.toc { padding: .6rem 2rem; background: var(--panel); border-bottom: 1px solid var(--line);
          position: sticky; top: 0; z-index: 2; }
nav.toc a { margin-right: 1.1rem; color: var(--accent); text-decoration: none; font-weight: 600; }
main { max-width: 1180px; margin: 0 auto; padding: 1rem 2rem 3rem; }
section { margin: 2rem 0; padding-top: .5rem; border-top: 2px solid var(--line); }
section h2 { margin: .4rem 0 .8rem; }
section.skipped { color: var(--muted); }
h3 { margin: 1.3rem 0 .5rem; font-size: 1.08rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; width: auto; max-width: 100%; }
th, td { border: 1px solid var(--line); padding: .28rem .55rem; vertical-align: top; text-align: left; }
th { background: var(--panel); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.src { font-size: .8rem; color: var(--muted); max-width: 26rem; }
figure { margin: 1rem 0 1.5rem; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .88rem; margin-top: .3rem; }
.note { background: var(--panel); border-left: 4px solid var(--accent); padding: .5rem .8rem; margin: .6rem 0; }
.skipnote { border-left-color: var(--warn); }
.good { color: var(--ok); font-weight: 600; } .bad { color: var(--bad); font-weight: 600; }
.muted { color: var(--muted); }
pre { background: var(--panel); padding: .8rem; overflow-x: auto; font-size: .8rem; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
ul.tree, ul.tree ul { list-style: none; margin: 0; padding-left: 1.3rem; }
ul.tree li { position: relative; padding: .1rem 0; }
ul.tree li::before { content: "└─ "; color: var(--muted); position: absolute; left: -1.2rem; }
ul.tree > li::before { content: ""; }
.pattern { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-weight: 600; }
details { margin: .5rem 0; }
p.definition { color: var(--muted); font-style: italic; margin: -.4rem 0 .8rem; }
abbr[title] { text-decoration: underline dotted; cursor: help; }
dl.glossary dt { font-weight: 600; margin-top: .5rem; } dl.glossary dd { margin: 0 0 .3rem 1.2rem; }
table.params { margin: 0; font-size: .8rem; } table.params td { border: 0; padding: 0 .4rem 0 0; }
p.settings { font-size: .85rem; }
@media print {
  /* Printing (or "Save as PDF") gives the summary for a class: each section's heading, its
     one-line definition and its lead finding; figures, tables and details are left out. */
  nav.toc, footer, figure, table, details, pre, section[data-section="reproduce"],
  section[data-section="glossary"] dl, section > :not(h2):not(p.definition):not(p.note) { display: none !important; }
  body { font-size: 11pt; } header.top { background: none; color: #000; padding: 0; }
  header.top p { color: #333; } main { max-width: none; padding: 0; }
  section { margin: .6rem 0; padding-top: .2rem; break-inside: avoid; }
  .note { background: none; border-left: 2px solid #888; padding: .1rem .5rem; margin: .2rem 0; }
}
footer { color: var(--muted); font-size: .8rem; border-top: 1px solid var(--line); padding: 1rem 2rem; }
"""


def page(title: str, subtitle: str, toc: Sequence[tuple[str, str]], body: str, footer: str) -> str:
    """The whole HTML document: inline CSS, header, table of contents, sections and footer."""
    links = "".join(f'<a href="#{esc(anchor)}">{esc(label)}</a>' for anchor, label in toc)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="detente">\n'
        f"<title>{esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f'<header class="top"><h1>{esc(title)}</h1>{subtitle}</header>\n'
        f'<nav class="toc">{links}</nav>\n<main>\n{body}\n</main>\n'
        f"<footer>{footer}</footer>\n</body>\n</html>\n"
    )
