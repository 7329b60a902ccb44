"""The recipe's layers on the map, each feature with exactly its Symbol.

Layers are drawn in recipe order (the first at the bottom): areas as filled paths,
lines as dashed collections, points as circles (large first, small on top), with the
colours, widths, dashes and opacities the style spec gave each feature. The point
symbols drawn are returned, as obstacles the labels must not cover.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..mapframe import MapFrame
from ..prepare import PreparedLayer
from .project import line_parts, polygon_path, project
from .symbols import PT_PER_PX, line_width, linestyle, rgba

__all__ = ["DrawnPoint", "draw_layers"]


@dataclass
class DrawnPoint:
    """A drawn point symbol, an obstacle for labels: map coordinates and radius in pt."""

    x: float
    y: float
    radius_pt: float
    layer: str
    ident: str


def draw_layers(ax, shown: Sequence[PreparedLayer], frame: MapFrame,
                tolerance: float = 0.0) -> list[DrawnPoint]:
    """Draw every layer in recipe order (first = bottom); return the point symbols drawn."""
    from matplotlib.collections import LineCollection, PathCollection

    points: list[DrawnPoint] = []
    for i, p in enumerate(shown):
        z = 2 + i
        geoms = project(p.frame, frame, tolerance=tolerance)
        polys, lines, pts = [], [], []
        for ident, geom, sym in zip(p.frame.index, geoms, p.symbols):
            if geom is None or geom.is_empty:
                continue
            kind = geom.geom_type
            if kind in ("Polygon", "MultiPolygon"):
                path = polygon_path(geom)
                if path is not None:
                    polys.append((path, sym))
            elif kind in ("LineString", "MultiLineString"):
                lines.extend((part, sym) for part in line_parts(geom))
            elif kind == "Point":
                pts.append((geom.x, geom.y, sym, str(ident)))
            elif kind == "MultiPoint":
                pts.extend((g.x, g.y, sym, str(ident)) for g in geom.geoms)
        if polys:
            ax.add_collection(PathCollection(
                [pp for pp, _ in polys],
                facecolors=[rgba(s.fill, s.fill_opacity) for _, s in polys],
                edgecolors=[rgba(s.color, s.opacity) for _, s in polys],
                linewidths=[line_width(s) for _, s in polys],
                linestyles=[linestyle(s.dash) for _, s in polys],
                zorder=z,
            ))
        if lines:
            coll = LineCollection(
                [seg for seg, _ in lines],
                colors=[rgba(s.color, s.opacity) for _, s in lines],
                linewidths=[line_width(s) for _, s in lines],
                linestyles=[linestyle(s.dash) for _, s in lines],
                zorder=z,
            )
            coll.set_capstyle("butt")
            coll.set_joinstyle("round")
            ax.add_collection(coll)
        if pts:
            pts.sort(key=lambda t: (-t[2].radius, t[3]))  # large first, small on top
            sc = ax.scatter(
                [t[0] for t in pts], [t[1] for t in pts],
                s=[(2 * t[2].radius * PT_PER_PX) ** 2 for t in pts],
                facecolors=[rgba(t[2].fill, t[2].fill_opacity) for t in pts],
                edgecolors=[rgba(t[2].color, t[2].opacity) for t in pts],
                linewidths=[line_width(t[2]) for t in pts],
                linestyles=[linestyle(t[2].dash) for t in pts],
                marker="o", zorder=z,
            )
            sc.set_gid(f"points:{p.name}")
            points += [DrawnPoint(x, y, s.radius * PT_PER_PX, p.name, ident)
                       for x, y, s, ident in pts]
    return points
