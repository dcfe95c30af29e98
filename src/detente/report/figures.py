"""Figures of the report: matplotlib figures rendered as inline SVG and as PNG/SVG files.

A :class:`Figure` wraps one matplotlib figure with a file-safe name and a caption.
Rendering is deterministic (fixed SVG id salt, no date in the metadata), so the
same inputs and seed give the same bytes.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> _ = ax.plot([0, 1], [0, 1])
>>> f = Figure("line", "A line", fig)
>>> f.svg().startswith("<svg")
True
>>> "http://purl" in f.svg()
False
"""

from __future__ import annotations

import base64
import io
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.figure import Figure as MplFigure

from detente.model.source import atomic_write

__all__ = ["Figure", "new_figure", "write_figures"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_XML_HEAD = re.compile(r"^.*?(?=<svg)", re.DOTALL)


@dataclass
class Figure:
    """One figure: ``name`` (used for file names), ``title`` (caption) and a matplotlib figure."""

    name: str
    title: str
    figure: Any
    caption: str = ""
    _svg: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"figure name must match {_NAME.pattern}, found {self.name!r}")

    @classmethod
    def from_png(cls, name: str, title: str, png: bytes) -> Figure:
        """A figure that another module drew as PNG bytes only (its SVG wraps the raster image)."""
        return cls(name, title, _PngOnly(png))

    def svg(self) -> str:
        """The figure as an SVG element to embed in HTML (no XML prolog, no metadata)."""
        if self._svg is None and isinstance(self.figure, _PngOnly):
            self._svg = self.figure.svg()
        if self._svg is None:
            buf = io.StringIO()
            with matplotlib.rc_context({"svg.hashsalt": f"detente-{self.name}", "svg.fonttype": "none"}):
                self.figure.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
            text = _METADATA.sub("", buf.getvalue())
            self._svg = _XML_HEAD.sub("", text, count=1).strip()
        return self._svg

    def png(self, dpi: int = 150) -> bytes:
        """The figure as PNG bytes."""
        if isinstance(self.figure, _PngOnly):
            return self.figure.data
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
        return buf.getvalue()


@dataclass(frozen=True)
class _PngOnly:
    """PNG bytes standing in for a matplotlib figure."""

    data: bytes

    def size(self) -> tuple[int, int]:

        if self.data[:8] != b"\x89PNG\r\n\x1a\n":
            raise ValueError("not a PNG image")
        width, height = struct.unpack(">II", self.data[16:24])
        return int(width), int(height)

    def svg(self) -> str:

        w, h = self.size()
        b64 = base64.b64encode(self.data).decode("ascii")
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'width="{w}" height="{h}" viewBox="0 0 {w} {h}">'
            f'<image width="{w}" height="{h}" xlink:href="data:image/png;base64,{b64}"/></svg>'
        )


def new_figure(
    width: float = 7.0, height: float = 4.5, ncols: int = 1, sharey: bool = False
) -> tuple[Any, Any]:
    """A new matplotlib figure and its axes (a list when ``ncols > 1``), drawn off screen."""

    matplotlib.use("Agg", force=False)

    fig = MplFigure(figsize=(width, height), layout="constrained")
    if ncols == 1:
        ax = fig.add_subplot()
        ax.grid(True, alpha=0.3)
        return fig, ax
    return fig, list(fig.subplots(1, ncols, sharey=sharey))


def write_figures(figures: list[Figure], directory: str | Path) -> list[Path]:
    """Write each figure as ``<name>.png`` and ``<name>.svg`` into ``directory``; return the paths."""

    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for f in figures:
        svg_path = out_dir / f"{f.name}.svg"
        png_path = out_dir / f"{f.name}.png"
        atomic_write(svg_path, '<?xml version="1.0" encoding="utf-8"?>\n' + f.svg() + "\n")
        atomic_write(png_path, f.png())
        paths += [png_path, svg_path]
    return paths
