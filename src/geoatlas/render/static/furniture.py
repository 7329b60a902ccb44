"""Map furniture: a scale bar true at the map centre, and an honest north.

The scale bar measures ground km at the map centre (the projection's scale factor
there, :func:`~geoatlas.render.mapframe.scale_factor`). North gets an arrow to true
north at the centre only where north barely turns across the map; elsewhere a note
sends the reader to the graticule. Each returns its display box, an obstacle for labels.

Examples
--------
>>> nice_km(730.0), nice_km(180.0), nice_km(95.0)
(500, 100, 50)
"""

from __future__ import annotations

import math

from ..mapframe import NORTH_TOLERANCE_DEG, MapFrame, north_direction, scale_factor
from .symbols import INK, MUTED
from .text import halo, union_bbox

__all__ = ["draw_north", "draw_scale_bar", "nice_km"]


def nice_km(km: float) -> float:
    """The largest round length (1, 2 or 5 times a power of ten) not above ``km``."""
    exp = 10 ** math.floor(math.log10(km))
    for m in (5, 2, 1):
        if m * exp <= km:
            return m * exp
    return exp


def _corner_xy(corner: str, inset: float = 0.03) -> tuple[float, float]:
    x = inset if "left" in corner else 1 - inset
    y = inset if "lower" in corner else 1 - inset
    return x, y


def draw_scale_bar(ax, frame: MapFrame, corner: str):
    """A km scale bar, true at the map centre; returns its display bbox."""
    from matplotlib.patches import Rectangle

    xmin, _, xmax, _ = frame.bounds
    k = scale_factor(frame)  # ground km per map km
    width_km = (xmax - xmin) / 1000 * k
    total = nice_km(width_km * 0.22)
    map_len = total / k * 1000  # metres in map units
    frac = map_len / (xmax - xmin)
    x0, y0 = _corner_xy(corner, 0.035)
    if "right" in corner:
        x0 -= frac
    y0 += 0.012 if "lower" in corner else -0.05
    h = 0.011
    trans = ax.transAxes
    artists = []
    n = 4
    for i in range(n):
        artists.append(ax.add_patch(Rectangle(
            (x0 + frac * i / n, y0), frac / n, h, transform=trans,
            facecolor=INK if i % 2 == 0 else "white", edgecolor=INK, linewidth=0.6,
            zorder=80, gid=f"scalebar-{i}")))
    ticks = [(0, "0"), (frac / 2, _fmt_km(total / 2)), (frac, f"{_fmt_km(total)} km")]
    texts = [ax.text(x0 + dx, y0 + h + 0.006, t, transform=trans, ha="center", va="bottom",
                     fontsize=6.5, color=INK, zorder=80, gid=f"scalebar-label-{k}")
             for k, (dx, t) in enumerate(ticks)]
    words = "scale true at the map centre"
    right = "right" in corner  # the note stays inside the frame, under the bar
    note = ax.text(x0 + frac if right else x0, y0 - 0.008, words, transform=trans,
                   ha="right" if right else "left", va="top",
                   fontsize=5.5, color=MUTED, zorder=80, gid="scalebar-note")
    halo(*texts, note)
    return [union_bbox([*artists, *texts, note], ax)]


def _fmt_km(v: float) -> str:
    return f"{v:g}"


def _draw_north_arrow(ax, frame: MapFrame, corner: str):
    """A north arrow pointing to true north at the map centre; returns its display bbox."""
    from matplotlib.patches import Polygon
    from matplotlib.transforms import ScaledTranslation

    fig = ax.figure
    ux, uy = north_direction(frame)
    x, y = _corner_xy(corner, 0.045)
    y += 0.06 if "lower" in corner else -0.06
    trans = fig.dpi_scale_trans + ScaledTranslation(x, y, ax.transAxes)
    size = 0.2  # inches from the centre to the tip
    px, py = -uy, ux  # perpendicular
    tip = (ux * size, uy * size)
    tail = (-ux * size * 0.75, -uy * size * 0.75)
    notch = (-ux * size * 0.35, -uy * size * 0.35)
    left = (tail[0] + px * size * 0.45, tail[1] + py * size * 0.45)
    right = (tail[0] - px * size * 0.45, tail[1] - py * size * 0.45)
    a = ax.add_patch(Polygon([tip, left, notch], closed=True, transform=trans,
                             facecolor="white", edgecolor=INK, linewidth=0.7, zorder=80))
    b = ax.add_patch(Polygon([tip, notch, right], closed=True, transform=trans,
                             facecolor=INK, edgecolor=INK, linewidth=0.7, zorder=80))
    label = ax.text(ux * size * 1.45, uy * size * 1.45, "N", transform=trans,
                    ha="center", va="center", fontsize=9, fontweight="bold", color=INK,
                    zorder=80)
    note = ax.text(0, -uy * size - 0.09, "true north at the map centre", transform=trans,
                   ha="center", va="top", fontsize=5.5, color=MUTED, zorder=80,
                   gid="north-note")
    halo(label, note)
    return [union_bbox([a, b, label, note], ax)]


def draw_north(ax, frame: MapFrame, corner: str, variation: float, beside=None):
    """A north arrow where north barely turns across the map, else a note on the graticule.

    Parameters
    ----------
    variation : float
        Largest turn of true north across the view in degrees
        (:func:`~geoatlas.render.mapframe.north_variation`).
    beside : matplotlib.transforms.Bbox, optional
        The scale bar's display box: the note goes next to it (towards the map's
        inside) instead of into a corner of its own.
    """
    if variation <= NORTH_TOLERANCE_DEG:
        return _draw_north_arrow(ax, frame, corner)
    x, y = _corner_xy(corner, 0.03)
    lower = "lower" in corner
    if beside is not None:  # stacked on the scale bar, in the scale bar's corner
        (bx0, by0), (bx1, by1) = ax.transAxes.inverted().transform(beside)
        x = bx0 if "left" in corner else bx1
        y = by1 + 0.012 if lower else by0 - 0.012
    text = ("North follows the meridians of the graticule:\n"
            f"it turns by up to {variation:.0f}° across this map.")
    note = ax.text(x, y, text, transform=ax.transAxes, fontsize=6.3, color=INK,
                   ha="left" if "left" in corner else "right",
                   va="bottom" if lower else "top", zorder=80, gid="north-note",
                   linespacing=1.25)
    halo(note)
    return [union_bbox([note], ax)]
