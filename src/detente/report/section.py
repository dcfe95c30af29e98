"""The pieces a report is made of: the inputs, what a renderer returns, and a rendered section.

Both the core (:mod:`detente.report.core`, which runs the renderers) and the last
section (:mod:`detente.report.reproduce`) use these types, and each section renderer
returns a :class:`Body` or raises :class:`Skip`; they live here so that none of those
modules needs another.

Examples
--------
>>> Section("deals", "Deal space", note="not included: no scenario").skipped
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from detente.model.scenario import Scenario

from .figures import Figure

__all__ = ["Body", "ReportInputs", "Section", "Skip"]

T = TypeVar("T")


class Skip(Exception):
    """Raised by a renderer when its section does not apply (the message says why)."""


@dataclass
class Body:
    """What a renderer returns: its HTML, its figures and the parameters that reproduce them."""

    html: str
    figures: list[Figure] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Section:
    """One rendered section of the report (``note`` is set when it was skipped)."""

    key: str
    title: str
    html: str = ""
    figures: list[Figure] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    seconds: float = 0.0
    definition: str = ""
    """One plain sentence under the heading: what this section is about (the module's ``DEFINITION``)."""

    @property
    def skipped(self) -> bool:
        return self.note is not None


@dataclass
class ReportInputs:
    """Everything a report is made from: the scenario, the seed and any results already computed.

    ``results`` is the store that ``detente run`` fills (``ctx.results``); a renderer asks
    for a result with :meth:`result`, which computes it only when it is not there yet.
    """

    scenario: Scenario
    seed: int = 0
    quick: bool = False
    results: dict[str, Any] = field(default_factory=dict)
    source_text: str | None = None
    source_name: str | None = None
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per-section settings (``options["roadmap"]["tolerance"]``); a section documents its own."""
    progress: Callable[[int, int], None] | None = None
    """Called as ``progress(done, total)`` by long sections (the simulator), for a progress bar."""
    _computed: dict[str, Any] = field(default_factory=dict, repr=False)

    def option(self, section: str, name: str, default: T) -> T:
        """One setting of one section, or ``default``."""
        return self.options.get(section, {}).get(name, default)

    def result(self, key: str, compute: Callable[[], T], accept: Callable[[Any], bool] | None = None) -> T:
        """The stored result ``key`` if present (and accepted), else ``compute()`` (then stored)."""
        value = self.results.get(key)
        if value is not None and (accept is None or accept(value)):
            return value
        if key in self._computed:
            return self._computed[key]
        value = compute()
        if key in self.results:  # a stored result of another shape: keep it, cache ours apart
            self._computed[key] = value
        else:
            self.results[key] = value
        return value
