"""The print legend: one matplotlib Legend per run of a layer's style-spec entries.

Each layer's :class:`~geoatlas.style.LegendEntry` list becomes legends in the side
panel, swatches drawn with exactly the entries' symbols (:func:`legend_parts` splits it
where the row height must change); the panel goes to two columns and smaller type when
the legends do not fit. Each Legend's gid is ``legend:<layer>:<part>``, which
:func:`legends` reads back.

Examples
--------
>>> from types import SimpleNamespace
>>> from geoatlas.style import LegendEntry, Symbol
>>> dot = Symbol("#333333", "#bb793a", 1.0, 1.0, 0.9, 5.0, None)
>>> deposits = SimpleNamespace(spec=SimpleNamespace(title="Deposits"), legend=[
...     LegendEntry("copper", "point", dot), LegendEntry("gold", "point", dot),
...     LegendEntry("approximate location", "note")])
>>> [[e.label for e in part] for part in legend_parts(deposits)]
[['copper', 'gold'], ['approximate location']]
>>> entry_label(deposits, LegendEntry("", "point", dot))
'Deposits'
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from ...style import LegendEntry
from ..prepare import PreparedLayer
from .symbols import INK, PT_PER_PX, line_width, linestyle, rgba

__all__ = ["LEGEND_PT", "draw_legends", "entry_label", "legend_parts", "legends"]

LEGEND_PT = 7.0
"""Font size of the legend in points, before it shrinks to fit."""


class _Swatch:
    """A legend handle: one :class:`~geoatlas.style.LegendEntry`."""

    def __init__(self, entry: LegendEntry):
        self.entry = entry


def _swatch_handler():
    from matplotlib.legend_handler import HandlerBase
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle, Rectangle

    class SwatchHandler(HandlerBase):
        def create_artists(self, legend, orig_handle, xdescent, ydescent, width, height,
                           fontsize, trans):
            entry = orig_handle.entry
            s = entry.symbol
            cx, cy = width / 2 - xdescent, height / 2 - ydescent
            if s is None or entry.kind == "note":
                art = Rectangle((-xdescent, -ydescent), width, height, visible=False)
            elif entry.kind == "point":
                art = Circle((cx, cy), radius=s.radius * PT_PER_PX,
                             facecolor=rgba(s.fill, s.fill_opacity),
                             edgecolor=rgba(s.color, s.opacity), linewidth=line_width(s),
                             linestyle=linestyle(s.dash))
            elif entry.kind == "line":
                art = Line2D([-xdescent, width - xdescent], [cy, cy],
                             color=rgba(s.color, s.opacity), linewidth=line_width(s),
                             linestyle=linestyle(s.dash), solid_capstyle="butt",
                             dash_capstyle="butt")
            else:
                art = Rectangle((-xdescent + 1, cy - height * 0.45), width - 2, height * 0.9,
                                facecolor=rgba(s.fill, s.fill_opacity),
                                edgecolor=rgba(s.color, s.opacity), linewidth=line_width(s),
                                linestyle=linestyle(s.dash))
            art.set_transform(trans)
            return [art]

    return SwatchHandler()


def legend_parts(p: PreparedLayer) -> list[list[LegendEntry]]:
    """Split a layer's legend into runs drawn as one matplotlib Legend each.

    Rows of one Legend share a height; graduated circles need tall rows, categories do
    not, so each change of swatch kind or size starts a new part.

    Parameters
    ----------
    p : PreparedLayer
        The layer.

    Returns
    -------
    list of list of LegendEntry
        The entries, in the style spec's order, grouped into parts.
    """
    parts: list[list[LegendEntry]] = []
    last = None
    for e in p.legend:
        key = (e.kind, round(e.symbol.radius, 3) if e.kind == "point" and e.symbol else None)
        if key != last or not parts:
            parts.append([])
        parts[-1].append(e)
        last = key
    # merge consecutive short parts of the same kind (e.g. categories then quality notes)
    merged: list[list[LegendEntry]] = []
    for part in parts:
        if merged and merged[-1][0].kind == part[0].kind and part[0].kind != "point":
            merged[-1].extend(part)
        else:
            merged.append(part)
    return merged


def entry_label(p: PreparedLayer, e: LegendEntry) -> str:
    """The legend text of an entry: its label, or the layer title for a lone symbol."""
    return e.label or p.spec.title


def legends(fig) -> dict[str, list]:
    """The legend texts of a :func:`~geoatlas.render.static.figure`, by layer name, in order.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure made by :func:`~geoatlas.render.static.figure`.

    Returns
    -------
    dict
        Layer name -> list of matplotlib Text artists of its legend rows.
    """
    from matplotlib.legend import Legend

    out: dict[str, list] = {}
    for leg in fig.findobj(Legend):
        gid = leg.get_gid() or ""
        if gid.startswith("legend:"):
            out.setdefault(gid.split(":")[1], []).extend(leg.get_texts())
    return out


def draw_legends(pax, shown: Sequence[PreparedLayer]) -> None:
    """Stack one Legend per layer part in the side panel ``pax``, shrinking to fit.

    One column at :data:`LEGEND_PT` is tried first, then two columns at smaller sizes,
    until every part fits the panel's height (the last try is kept regardless).
    """
    from matplotlib.legend import Legend

    renderer = pax.figure.canvas.get_renderer()
    panel_h = pax.get_window_extent(renderer).height
    handler = _swatch_handler()
    parts = [(p, i, entries, i + 1 == len(legend_parts(p)))
             for p in shown for i, entries in enumerate(legend_parts(p))]
    # (columns, font size, wrap width in characters), tried in order
    configs = ((1, LEGEND_PT, 46), (2, LEGEND_PT, 21), (2, 6.5, 23), (2, 6.0, 25),
               (2, 5.5, 27))
    for ncols, fontsize, wrap in configs:
        for a in list(pax.artists):
            a.remove()
        made = []
        for p, i, entries, last in parts:
            leg = _legend(pax, Legend, handler, p, i, entries, fontsize, wrap)
            pax.add_artist(leg)
            made.append((p, i, leg, last,
                         leg.get_window_extent(renderer).height / panel_h))
        if _stack(pax, made, ncols):
            break


def _stack(pax, made, ncols: int) -> bool:
    """Anchor the legends top-down in ``ncols`` columns; whether they all fit."""
    col, y, fits = 0, 1.0, True
    for k, (p, i, leg, last, height) in enumerate(made):
        if i == 0 and y < 1.0 and col + 1 < ncols:
            # keep a layer in one column when it fits there
            whole = sum(m[4] + 0.012 for m in made[k:] if m[0] is p)
            if y - whole < 0 and whole <= 1.0:
                col, y = col + 1, 1.0
        if y - height < 0 and col + 1 < ncols:
            col, y = col + 1, 1.0
        if y - height < 0:
            fits = False
        leg.set_bbox_to_anchor((col * 0.5, y), transform=pax.transAxes)
        y -= height + (0.035 if last else 0.012)
    return fits


def _legend(pax, Legend, handler, p, i, entries, fontsize, wrap):
    """One part of a layer's legend, its rows wrapped at ``wrap`` characters."""
    handles = [_Swatch(e) for e in entries]
    labels = ["\n".join(textwrap.wrap(entry_label(p, e), wrap)) or " " for e in entries]
    lone = len(p.legend) == 1 and not p.legend[0].label
    title = None if (i > 0 or lone) else p.spec.title
    max_r = max((e.symbol.radius * PT_PER_PX for e in entries
                 if e.kind == "point" and e.symbol), default=0)
    handleheight = max(0.9, (2 * max_r + 2) / fontsize)
    leg = Legend(pax, handles, labels, loc="upper left", fontsize=fontsize,
                 title=title, title_fontsize=fontsize + 0.8, alignment="left",
                 handler_map={_Swatch: handler}, handlelength=3.0,
                 handleheight=handleheight, handletextpad=0.7, labelspacing=0.45,
                 borderpad=0.0, borderaxespad=0.0, frameon=False)
    if title:
        leg.get_title().set_fontweight("bold")
        leg.get_title().set_color(INK)
    for t in leg.get_texts():
        t.set_color(INK)
    leg.set_gid(f"legend:{p.name}:{i}")
    return leg
