"""The report core: find the section renderers, run each one guarded, assemble one HTML page.

A section renderer is a module in :mod:`detente.report.sections` that defines
``KEY``, ``TITLE``, ``ORDER``, ``DEFINITION`` (one plain sentence shown under the
heading) and ``render(inputs) -> Body``. The core imports every
module of that package, so a section for an analysis that lands later appears
without a change here. A renderer whose analysis module is missing (ImportError),
that raises :class:`Skip`, or that fails, becomes a one-line note in the page and
never stops the report.

Examples
--------
>>> from detente.scenarios import load_builtin
>>> inputs = ReportInputs(load_builtin("korea-2019"), seed=1)
>>> report = build_report(inputs, only=["scenario"])
>>> [s.key for s in report.sections]
['scenario', 'reproduce']
>>> "<html" in report.html() and "http://" not in report.html().split("<main>")[0]
True
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from detente import __version__
from detente.model.errors import DetenteError
from detente.model.source import atomic_write

from . import sections
from .figures import Figure, write_figures
from .html import esc, page
from .reproduce import reproduce_section
from .section import Body, ReportInputs, Section, Skip
from .terms import expand_first_use

__all__ = ["Body", "Report", "ReportInputs", "Section", "Skip", "build_report", "section_modules"]


def section_modules() -> list[ModuleType]:
    """The renderer modules of :mod:`detente.report.sections`, in ``ORDER``."""
    mods = []
    for info in pkgutil.iter_modules(sections.__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{sections.__name__}.{info.name}")
        if callable(getattr(mod, "render", None)):
            mods.append(mod)
    return sorted(mods, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


def render_section(module: ModuleType, inputs: ReportInputs) -> Section:
    """Run one renderer; a missing analysis, a :class:`Skip` or a failure becomes a note."""
    key = str(getattr(module, "KEY", module.__name__.rsplit(".", 1)[-1]))
    title = str(getattr(module, "TITLE", key.title()))
    definition = str(getattr(module, "DEFINITION", ""))
    start = time.perf_counter()

    def note(text: str) -> Section:
        return Section(key, title, note=text, seconds=time.perf_counter() - start, definition=definition)

    try:
        body: Body = module.render(inputs)
    except Skip as exc:
        return note(str(exc))
    except ImportError as exc:
        missing = getattr(exc, "name", None) or str(exc)
        return note(f"not included: the analysis module {missing} is not available in this installation")
    except DetenteError as exc:
        return note(f"not included: {exc}")
    except Exception as exc:  # a broken section must not take the whole report down
        return note(f"not included: the analysis failed ({type(exc).__name__}: {exc})")
    return Section(
        key, title, body.html, body.figures, body.params, seconds=time.perf_counter() - start,
        definition=definition,
    )  # fmt: skip


@dataclass
class Report:
    """A rendered report: its inputs and sections; :meth:`html` gives the page."""

    inputs: ReportInputs
    sections: list[Section]

    @property
    def figures(self) -> list[Figure]:
        return [f for s in self.sections for f in s.figures]

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def html(self) -> str:
        """The self-contained HTML page (inline CSS and SVG; no network request)."""
        s = self.inputs.scenario
        parts = []
        toc = []
        for sec in self.sections:
            anchor = f"sec-{sec.key}"
            toc.append((anchor, sec.title))
            head = f"<h2>{esc(sec.title)}</h2>"
            if sec.definition:
                head += f'<p class="definition">{esc(sec.definition)}</p>'
            if sec.skipped:
                parts.append(
                    f'<section id="{anchor}" class="skipped" data-section="{esc(sec.key)}">'
                    f'{head}<p class="note skipnote">{esc(sec.note)}</p></section>'
                )
            else:
                parts.append(
                    f'<section id="{anchor}" data-section="{esc(sec.key)}">{head}{sec.html}</section>'
                )
        sub = f"<p>{esc(s.id)}" + (f" · as of {esc(s.as_of)}" if s.as_of else "") + "</p>"
        sub += f"<p>detente {esc(__version__)} · seed {self.inputs.seed}"
        sub += " · quick run" if self.inputs.quick else ""
        sub += "</p>"
        foot = (
            f"Made by detente {esc(__version__)} from scenario {esc(s.id)} with seed {self.inputs.seed}. "
            "Every figure can be reproduced from the inputs in the last section."
        )
        return page(f"{s.title}", sub, toc, expand_first_use("\n".join(parts)), foot)

    def write(self, path: str | Path) -> Path:
        """Write the HTML page atomically; return its path."""
        out = Path(path)
        atomic_write(out, self.html())
        mask = os.umask(0)
        os.umask(mask)
        out.chmod(0o666 & ~mask)  # a report is for sharing: the usual file mode, not the temp file's 0600
        return out

    def write_figures(self, directory: str | Path) -> list[Path]:
        """Write every figure as PNG and SVG into ``directory``."""
        return write_figures(self.figures, directory)


def build_report(
    inputs: ReportInputs,
    *,
    only: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Render every section (or only the named ones) and the reproduction section.

    ``progress`` is called with each section's title before it runs.
    """
    wanted = set(only) if only is not None else None
    sections = []
    for module in section_modules():
        key = str(getattr(module, "KEY", ""))
        if wanted is not None and key not in wanted:
            continue
        if progress is not None:
            progress(str(getattr(module, "TITLE", key)))
        sections.append(render_section(module, inputs))
    if progress is not None:
        progress("Inputs and seed")
    sections.append(reproduce_section(inputs, sections))
    return Report(inputs, sections)
