"""The world under the map: sea, land, lakes, rivers, borders and the graticule.

Drawn from the workspace's basemap layers in the basemap palette of the style spec
(:data:`geoatlas.style.BASEMAP`, the same as the web map and QGIS): the countries the
map is about in ``focus``, the others in ``neighbour``, national borders above the area
layers, and meridians and parallels labelled along the bottom and left edges.

Examples
--------
>>> nice_step(37.0, target=6)
10.0
>>> crossing(np.array([0.0, 10.0]), np.array([-1.0, 1.0]), 0.0)
5.0
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from ...geometry import WGS84, transformer
from ...style import BASEMAP, BASEMAP_WIDTHS, PRINT_BASEMAP, PRINT_LABELS, PRINT_WIDTHS
from ..mapframe import MapFrame, fmt_lat, fmt_lon, view_ring_lonlat
from .project import line_parts, polygon_path, project
from .symbols import BORDER, PT_PER_PX, SEA

__all__ = ["countries_near", "crossing", "draw_basemap", "draw_graticule", "nice_step",
           "setup_map_axes"]


def setup_map_axes(ax, frame: MapFrame) -> None:
    """Fit ``ax`` to the frame's bounds: equal aspect, sea background, a framed edge."""
    ax.patch.set_gid(f"{ax.get_label()}-frame")
    xmin, ymin, xmax, ymax = frame.bounds
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal", adjustable="box")
    ax.set_facecolor(SEA)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(PRINT_WIDTHS["frame"])
        spine.set_color(PRINT_BASEMAP["frame"])
        spine.set_zorder(100)


def draw_basemap(ax, atlas, frame: MapFrame, zorder: float = 0.5,
                 tolerance: float = 0.0, focus: set[str] | frozenset = frozenset()) -> None:
    """Land, lakes, rivers and borders from the workspace's basemap, in the basemap palette.

    The countries the map is about (``focus``, index labels) get the ``focus`` fill,
    every other country ``neighbour``; national borders are drawn again above the
    area layers, so provinces never hide them.
    """
    from matplotlib.collections import LineCollection, PathCollection

    if "countries" not in atlas.layers:
        return
    countries = countries_near(atlas, frame)
    geoms = project(countries, frame, pad=0.1, tolerance=tolerance)
    paths, faces = [], []
    for ident, g in zip(countries.index, geoms):
        path = polygon_path(g) if g is not None and not g.is_empty else None
        if path is not None:
            paths.append(path)
            faces.append(BASEMAP["focus"] if str(ident) in focus else BASEMAP["neighbour"])
    land = PathCollection(paths, facecolors=faces, edgecolors="none", zorder=zorder)
    land.set_gid("basemap:land")
    ax.add_collection(land)
    if "lakes" in atlas.layers and len(atlas["lakes"]):
        lakes = [q for q in (polygon_path(g) for g in project(atlas["lakes"], frame, pad=0.1,
                                                               tolerance=tolerance)
                             if g is not None and not g.is_empty) if q is not None]
        ax.add_collection(PathCollection(lakes, facecolors=BASEMAP["lakes"], edgecolors="none",
                                         zorder=zorder + 0.05))
    if "rivers" in atlas.layers and len(atlas["rivers"]):
        segs = [part for g in project(atlas["rivers"], frame, pad=0.1, tolerance=tolerance)
                if g is not None and not g.is_empty for part in line_parts(g)]
        ax.add_collection(LineCollection(segs, colors=BASEMAP["rivers"], zorder=zorder + 0.06,
                                         linewidths=BASEMAP_WIDTHS["rivers"] * PT_PER_PX))
    borders = PathCollection(paths, facecolors="none", edgecolors=BORDER,
                             linewidths=BASEMAP_WIDTHS["border"], zorder=1.95)
    borders.set_gid("basemap:borders")
    ax.add_collection(borders)


def countries_near(atlas, frame: MapFrame, pad_deg: float = 10.0):
    """The basemap's countries cut to the view's lon/lat box (padded), valid geometry.

    A world basemap projected whole into a regional conic folds the far side of the
    globe (and the antimeridian) into nonsense; cutting in degrees first keeps only
    what can appear on the map.
    """
    ring = view_ring_lonlat(frame)
    lon0, lat0 = np.nanmin(ring, axis=0) - pad_deg
    lon1, lat1 = np.nanmax(ring, axis=0) + pad_deg
    countries = atlas["countries"]
    box = (max(lon0, -180.0), max(lat0, -89.9), min(lon1, 180.0), min(lat1, 89.9))
    tree = shapely.STRtree(countries.geometry.to_numpy())
    hit = tree.query(shapely.box(*box), predicate="intersects")
    near = countries.iloc[np.sort(hit)].copy()
    near["geometry"] = shapely.make_valid(shapely.clip_by_rect(near.geometry.to_numpy(), *box))
    return near[~near.geometry.is_empty]


def nice_step(span: float, target: int = 5) -> float:
    """A round graticule step in degrees giving about ``target`` lines across ``span``."""
    raw = span / target
    for step in (0.5, 1, 2, 5, 10, 15, 20, 30):
        if step >= raw:
            return float(step)
    return 30.0


def draw_graticule(ax, frame: MapFrame, edge_labels: bool, strong: bool = False) -> None:
    """Meridians and parallels, labelled where they meet the bottom and left edges.

    ``strong`` (when north turns too much across the map for one north arrow) draws the
    graticule darker over the land, as the map's direction reference.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.transforms import blended_transform_factory

    minx, miny, maxx, maxy = frame.extent
    step = nice_step(max(maxx - minx, maxy - miny), target=6)
    t = transformer(WGS84, frame.crs)
    xmin, ymin, xmax, ymax = frame.bounds
    pad_lon, pad_lat = (maxx - minx) * 0.5, (maxy - miny) * 0.5
    lons = np.arange(math.floor((minx - pad_lon) / step) * step, maxx + pad_lon + step, step)
    lats = np.arange(math.floor((miny - pad_lat) / step) * step, maxy + pad_lat + step, step)
    lats = lats[(lats > -89) & (lats < 89)]
    lat_line = np.linspace(max(lats.min() - step, -89), min(lats.max() + step, 89), 200)
    lon_line = np.linspace(lons.min() - step, lons.max() + step, 200)
    segs, labels_x, labels_y = [], [], []
    for lon in lons:
        x, y = t.transform(np.full_like(lat_line, lon), lat_line)
        segs.append(np.column_stack([x, y]))
        cross = crossing(x, y, ymin)
        if cross is not None and xmin < cross < xmax:
            labels_x.append((cross, fmt_lon(lon).replace(".0°", "°")))
    for lat in lats:
        x, y = t.transform(lon_line, np.full_like(lon_line, lat))
        segs.append(np.column_stack([x, y]))
        cross = crossing(y, x, xmin)
        if cross is not None and ymin < cross < ymax:
            labels_y.append((cross, fmt_lat(lat).replace(".0°", "°")))
    ax.add_collection(LineCollection(segs, colors=BASEMAP["graticule"],
                                     linewidths=PRINT_WIDTHS["graticule"],
                                     alpha=0.8, zorder=0.4))
    over_land = LineCollection(segs, colors=BASEMAP["graticule"] if strong
                               else PRINT_BASEMAP["graticule_land"],
                               linewidths=PRINT_WIDTHS["graticule_strong" if strong
                                                       else "graticule"], zorder=0.9,
                               alpha=0.7 if strong else 1.0)
    over_land.set_gid("graticule")
    ax.add_collection(over_land)
    if not edge_labels:
        return
    bottom = blended_transform_factory(ax.transData, ax.transAxes)
    left = blended_transform_factory(ax.transAxes, ax.transData)
    for x, text in labels_x:
        ax.text(x, -0.008, text, transform=bottom, ha="center", va="top",
                clip_on=False, **PRINT_LABELS["graticule"])
    for y, text in labels_y:
        ax.text(-0.006, y, text, transform=left, ha="right", va="center", clip_on=False,
                rotation=90, rotation_mode="anchor", **PRINT_LABELS["graticule"])


def crossing(a: np.ndarray, b: np.ndarray, level: float) -> float | None:
    """Where the polyline (a, b) crosses b == level: the interpolated a (first crossing)."""
    d = b - level
    idx = np.flatnonzero(np.sign(d[:-1]) * np.sign(d[1:]) < 0)
    if not len(idx):
        return None
    i = idx[0]
    f = d[i] / (d[i] - d[i + 1])
    return float(a[i] + f * (a[i + 1] - a[i]))
