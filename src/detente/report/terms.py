"""Abbreviations in the report: written out in full at their first use, with a tooltip at every use.

:func:`expand_first_use` goes through the text of the page body (never inside a tag,
a figure, a code block or a state pattern) and, for every abbreviation of
:data:`detente.glossary.GLOSSARY`, writes its full name before the first use, as
"general metarationality (GMR)", unless the text already does; every use gets an
``<abbr>`` element whose tooltip is the full name. A section can therefore say "GMR"
in a table and still be read by someone who never met the word.

Examples
--------
>>> expand_first_use("<p>Stable under GMR; again GMR.</p>")
'<p>Stable under general metarationality (<abbr title="general metarationality">GMR</abbr>); again <abbr title="general metarationality">GMR</abbr>.</p>'
>>> expand_first_use("<p>a zone of possible agreement (ZOPA), a ZOPA</p>").count("zone of possible agreement (")
1
"""

from __future__ import annotations

import re

from detente.glossary import GLOSSARY, abbreviations

from .html import esc

__all__ = ["expand_first_use"]

_SKIP = ("svg", "style", "script", "code", "pre", "abbr", "textarea")
"""Elements whose text is left alone (figures, code, and abbreviations already marked)."""
_TOKEN = re.compile(r"<!--.*?-->|<[^>]+>|[^<]+", re.DOTALL)
_TAG = re.compile(r"<\s*(/)?\s*([a-zA-Z0-9]+)([^>]*?)(/)?\s*>")


def _word(abbr: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(abbr)}(?![A-Za-z0-9_-])")


def expand_first_use(html: str) -> str:
    """``html`` with each glossary abbreviation expanded at its first use and marked at every use."""
    pending = {a: (GLOSSARY[a].full, _word(a)) for a in abbreviations()}
    seen: set[str] = set()
    out: list[str] = []
    skip: list[str] = []  # open elements whose text is left alone
    for m in _TOKEN.finditer(html):
        token = m.group(0)
        if token.startswith("<"):
            tag = _TAG.match(token)
            if tag is not None:
                closing, name, attrs, self_closing = tag.groups()
                name = name.lower()
                if closing and skip and skip[-1] == name:
                    skip.pop()
                elif not closing and not self_closing and (name in _SKIP or 'class="pattern"' in attrs):
                    skip.append(name)
            out.append(token)
            continue
        if skip:
            out.append(token)
            continue
        out.append(_mark(token, pending, seen))
    return "".join(out)


def _mark(text: str, pending: dict[str, tuple[str, re.Pattern[str]]], seen: set[str]) -> str:
    """One run of text: abbreviations wrapped in ``<abbr>``, the first of each also written out."""
    hits = []
    for abbr, (full, word) in pending.items():
        for m in word.finditer(text):
            hits.append((m.start(), m.end(), abbr, full))
    if not hits:
        return text
    hits.sort()
    out, last = [], 0
    for start, end, abbr, full in hits:
        if start < last:
            continue
        before = text[last:start]
        mark = f'<abbr title="{esc(full)}">{abbr}</abbr>'
        if abbr not in seen:
            seen.add(abbr)
            if not text[:start].lower().rstrip().endswith(f"{full.lower()} ("):
                mark = f"{esc(full)} ({mark})"
        out.append(before + mark)
        last = end
    out.append(text[last:])
    return "".join(out)
