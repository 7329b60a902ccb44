"""Text on the print page: fonts, matplotlib settings, literal text, halos, measured wrap.

Every static renderer draws text through these: the rc settings of :func:`rc_params`
(the bundled DejaVu Sans with CJK fallbacks, math text off) and :data:`SAVE_RC` (the
settings that make SVG and PDF files deterministic), :func:`literal_text` (data drawn
as written, never as TeX), :func:`halo` (a white halo that keeps text selectable) and
:func:`wrap_measured` (word wrap by the measured width of the text).

Examples
--------
>>> rc_params()["text.parse_math"]
False
>>> wrap_measured("one two three four", width_pt=40, size=7)
['one two', 'three four']
"""

from __future__ import annotations

import functools
import logging

from ...style import BASEMAP, PRINT_HALOS

__all__ = ["FALLBACK_FONTS", "FONT", "SAVE_RC", "halo", "literal_text", "rc_params",
           "union_bbox", "wrap_measured"]

FONT = "DejaVu Sans"
"""Ships with matplotlib, so the output is the same on every machine; covers ≥, –, é."""


FALLBACK_FONTS = ("Droid Sans Fallback", "Noto Sans CJK SC", "Noto Sans CJK JP")
"""Tried per glyph after :data:`FONT` (CJK titles of sources), when installed."""


def _quiet_weights(record) -> bool:
    """The CJK fallback has no bold: matplotlib says so at every bold text; we know."""
    return "Failed to find font weight" not in record.getMessage()


def _fonts() -> list[str]:
    from matplotlib import font_manager

    logging.getLogger("matplotlib.font_manager").addFilter(_quiet_weights)  # idempotent
    have = {f.name for f in font_manager.fontManager.ttflist}
    return [FONT, *(f for f in FALLBACK_FONTS if f in have)]


def rc_params() -> dict:
    """The matplotlib settings every static drawing is made in (fonts, literal text)."""
    return {
        "font.family": _fonts(),  # a list: matplotlib falls back glyph by glyph
        "text.parse_math": False,  # data is text: "$3 bn vs $3.5 bn" stays as written
        "text.usetex": False,
        "lines.scale_dashes": True,  # dashes are multiples of the line width, as in the spec
        "path.simplify": True,
        "axes.unicode_minus": False,
        "legend.frameon": False,
    }


SAVE_RC = {
    "svg.hashsalt": "geoatlas",
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
    "pdf.compression": 6,
    "path.simplify": True,
}
"""Settings of saving: deterministic SVG ids, real fonts in SVG and PDF."""


def literal_text(fig):
    """Switch math text off on every text of ``fig``: data is drawn as written.

    matplotlib parses ``$...$`` as TeX math by default, which mangles "$3 bn vs $3.5 bn"
    and crashes on unbalanced input; the rc setting of :func:`rc_params` covers texts made
    inside it, and this pass covers every other (legend titles, halos, ticks).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig``.
    """
    from matplotlib.text import Text

    for t in fig.findobj(Text):
        t.set_parse_math(False)
        t.set_usetex(False)
    return fig


def union_bbox(artists, ax):
    """The display box around ``artists``, padded by 3 pixels: an obstacle for labels."""
    from matplotlib.transforms import Bbox

    renderer = ax.figure.canvas.get_renderer()
    return Bbox.union([a.get_window_extent(renderer) for a in artists]).padded(3)


def halo(*texts, width: float = PRINT_HALOS["furniture"]) -> None:
    """Put a white halo behind each text.

    The halo is a separate, stroked copy drawn just below the text: text drawn with a
    path effect turns into outlines in PDF and SVG, and would no longer be selectable.
    """
    from matplotlib import patheffects

    for t in texts:
        ax = t.axes
        x, y = t.get_position()
        copy = ax.text(x, y, t.get_text(), transform=t.get_transform(),
                       ha=t.get_horizontalalignment(), va=t.get_verticalalignment(),
                       fontproperties=t.get_fontproperties(), rotation=t.get_rotation(),
                       color=BASEMAP["halo"], alpha=0.9, zorder=t.get_zorder() - 0.01,
                       clip_on=t.get_clip_on(), gid="halo")
        copy.set_path_effects([patheffects.Stroke(linewidth=width, foreground=BASEMAP["halo"])])


def _text_width(text: str, size: float, renderer=None) -> float:
    """Width in points of ``text`` set in :data:`FONT` at ``size`` points.

    With an Agg ``renderer`` the hinted raster width is measured (a few % wider than
    the outline width at small sizes), so wrapped lines fit the PNG too. Widths depend
    only on the text, the size and the renderer's dpi, so they are measured once: the
    sources page wraps hundreds of lines of the same words.
    """
    return _measured_width(text, float(size), None if renderer is None else renderer.dpi)


@functools.lru_cache(maxsize=1 << 16)
def _measured_width(text: str, size: float, dpi: float | None) -> float:
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family=_fonts(), size=size)
    if dpi is not None:
        w = _agg_renderer(dpi).get_text_width_height_descent(text, prop, ismath=False)[0]
        return w * 72.0 / dpi
    return TextToPath().get_text_width_height_descent(text, prop, ismath=False)[0]


@functools.lru_cache(maxsize=8)
def _agg_renderer(dpi: float):
    """An Agg renderer at ``dpi``: text metrics depend on the dpi, not the canvas."""
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(1, 1, dpi)


def wrap_measured(text: str, width_pt: float, size: float, renderer=None) -> list[str]:
    """Greedy word wrap by measured text width (not character counts).

    Parameters
    ----------
    text : str
        The text; runs of whitespace count as one space.
    width_pt : float
        Widest line in points.
    size : float
        Font size in points.
    renderer : optional
        An Agg renderer, to measure the hinted raster width (see :func:`_text_width`).

    Returns
    -------
    list of str
        The lines.
    """
    words = text.split()
    if not words:
        return []
    space = _text_width("a a", size, renderer) - 2 * _text_width("a", size, renderer)
    lines, current, current_w = [], [words[0]], _text_width(words[0], size, renderer)
    for word in words[1:]:
        w = _text_width(word, size, renderer)
        if current_w + space + w <= width_pt:
            current.append(word)
            current_w += space + w
        else:
            lines.append(" ".join(current))
            current, current_w = [word], w
    lines.append(" ".join(current))
    return lines
