"""Text from input files, made safe for the terminal: the one helper every command uses.

Scenario text (titles, names, descriptions, notes, units), file paths and error
messages are formatted into Rich markup. Without care, ``title: "[/]"`` crashes the
printer, ``[link=https://example.org/x]`` writes a clickable link and ``[red]`` restyles
the line; an ESC character starts a terminal escape sequence and U+202E turns the rest
of the line around. :func:`term` escapes the markup and shows every control, bidi and
zero-width character as a visible ``\\x1b`` or ``\\u202e``; :func:`visible` does only the
latter, for text printed with ``markup=False``.

Examples
--------
>>> term("[link=https://example.org/x]click[/link]")
'\\\\[link=https://example.org/x]click\\\\[/link]'
>>> visible("a\\x1b[31mb\\u202ec")
'a\\\\x1b[31mb\\\\u202ec'
"""

from __future__ import annotations

from rich.markup import escape

from detente.model.source import visible

__all__ = ["term", "visible"]


def term(value: object) -> str:
    """``str(value)`` ready to go into Rich markup: shown as written, never interpreted."""
    return escape(visible(value))
