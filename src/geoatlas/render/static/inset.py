"""The locator inset: where the map lies, on its surroundings or on a globe.

The main map's view is outlined in red on a small map of the region around it; when
the view is itself regional (tens of degrees), the inset is an orthographic globe
centred on the map instead, with the far side of the world slid onto its rim.

Examples
--------
>>> x = np.array([0.0, 1.0, np.inf, 3.0, 4.0, 5.0])
>>> [run[:, 0].tolist() for run in _finite_runs(x, x)]
[[0.0, 1.0], [3.0, 4.0, 5.0]]
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from pyproj import CRS

from ...geometry import GEOD, WGS84, transformer
from ...style import BASEMAP, PRINT_BASEMAP, PRINT_WIDTHS
from ..mapframe import MapFrame, view_ring_lonlat
from .basemap import countries_near, setup_map_axes
from .project import polygon_path, project, tolerance
from .symbols import SEA

__all__ = ["draw_inset"]


def draw_inset(ax, atlas, frame: MapFrame) -> None:
    """A locator map: the region around the map, or a globe when the map is regional.

    The main map's view is outlined in red. When the view already spans most of the
    basemap (a regional map), a regional inset would show nothing new, so the inset is
    an orthographic globe centred on the map instead.
    """
    view_ring = view_ring_lonlat(frame)
    inset, globe = _inset_frame(atlas, frame, view_ring)
    crs = inset.crs
    cx, cy = frame.centre
    setup_map_axes(ax, inset)
    for spine in ax.spines.values():
        spine.set_linewidth(PRINT_WIDTHS["inset_frame"])
    if globe:
        from matplotlib.patches import Circle

        ax.set_facecolor("white")
        ax.add_patch(Circle((0, 0), 6378137.0, facecolor=SEA, edgecolor=PRINT_BASEMAP["globe_rim"],
                            linewidth=PRINT_WIDTHS["globe_rim"], zorder=0.5))
        _draw_globe_graticule(ax, crs, cx)
    if "countries" in atlas.layers:
        _draw_countries(ax, atlas, inset, globe, (cx, cy), shapely.Polygon(view_ring))
    x, y = transformer(WGS84, crs).transform(view_ring[:, 0], view_ring[:, 1])
    ax.plot(x, y, color=BASEMAP["locator_view"], linewidth=PRINT_WIDTHS["locator_view"],
            zorder=5, solid_joinstyle="miter")


def _inset_frame(atlas, frame: MapFrame, view_ring: np.ndarray) -> tuple[MapFrame, bool]:
    """The inset's frame around the view, and whether it is a globe."""
    vminx, vminy = view_ring.min(axis=0)
    vmaxx, vmaxy = view_ring.max(axis=0)
    cx, cy = frame.centre
    half_w = max((vmaxx - vminx) * 1.25, 14.0)
    half_h = max((vmaxy - vminy) * 1.25, 10.0)
    box = (max(cx - half_w, -180), max(cy - half_h, -85), min(cx + half_w, 180),
           min(cy + half_h, 85))
    # a regional view (tens of degrees) is best located on a globe; a national one on
    # its surroundings, when the basemap has them
    globe = (vmaxx - vminx) > 30 or (vmaxy - vminy) > 25 or "countries" not in atlas.layers
    if not globe:
        cb = atlas["countries"].total_bounds
        box = (max(box[0], cb[0]), max(box[1], cb[1]), min(box[2], cb[2]), min(box[3], cb[3]))
        globe = (box[2] - box[0]) < (vmaxx - vminx) * 1.6 or (
            box[3] - box[1]) < (vmaxy - vminy) * 1.6
    if globe:
        crs = CRS.from_proj4(f"+proj=ortho +lat_0={cy:.4f} +lon_0={cx:.4f} +datum=WGS84 "
                             "+units=m +no_defs")
        r = 6378137.0 * 1.02
        return MapFrame(crs, (cx - 90, max(cy - 90, -90), cx + 90, min(cy + 90, 90)),
                        (-r, -r, r, r)), True
    crs = frame.crs
    return MapFrame(crs, box, tuple(float(b) for b in transformer(WGS84, crs)
                                    .transform_bounds(*box, densify_pts=101))), False


def _draw_countries(ax, atlas, inset: MapFrame, globe: bool, centre, view_box) -> None:
    """The basemap's countries on the inset, those under the main map's view darker."""
    from matplotlib.collections import PathCollection

    cx, cy = centre
    crs = inset.crs
    countries = atlas["countries"] if globe else countries_near(atlas, inset)
    if globe:
        lonlat = _near_side(countries.geometry.to_numpy(), cx, cy)
        geoms = shapely.simplify(
            shapely.transform(lonlat, lambda xy: np.column_stack(
                transformer(WGS84, crs).transform(xy[:, 0], xy[:, 1]))),
            20_000, preserve_topology=True)
    else:
        geoms = project(countries, inset, pad=0.05,
                        tolerance=tolerance(inset, ax.get_position().width
                                            * ax.figure.get_figwidth()))
    ll = countries.geometry.to_numpy()
    paths, faces = [], []
    for g, g_ll in zip(geoms, ll):
        path = (polygon_path(g) if g is not None and not g.is_empty
                and np.isfinite(shapely.get_coordinates(g)).all() else None)
        if path is None:
            continue
        paths.append(path)
        faces.append(PRINT_BASEMAP["locator_focus"] if g_ll.intersects(view_box)
                     else BASEMAP["land"])
    ax.add_collection(PathCollection(paths, facecolors=faces,
                                     edgecolors=PRINT_BASEMAP["locator_border"],
                                     linewidths=PRINT_WIDTHS["locator_border"], zorder=1))


def _near_side(geoms: np.ndarray, lon0: float, lat0: float, limit_deg: float = 85.0):
    """Geometries with every vertex beyond ``limit_deg`` from the centre moved onto it.

    An orthographic globe shows one hemisphere; a world basemap has land on the far
    side, which projects to infinity. Each far vertex slides along its great circle
    from the centre to the limit, so far land ends at the globe's rim.
    """
    limit = math.radians(limit_deg) * 6_371_008.8

    def onto(xy: np.ndarray) -> np.ndarray:
        n = len(xy)
        az, _, dist = GEOD.inv(np.full(n, lon0), np.full(n, lat0), xy[:, 0], xy[:, 1])
        far = np.asarray(dist) > limit
        if not far.any():
            return xy
        lon, lat, _ = GEOD.fwd(np.full(far.sum(), lon0), np.full(far.sum(), lat0),
                               np.asarray(az)[far], np.full(far.sum(), limit))
        out = xy.copy()
        out[far, 0], out[far, 1] = lon, lat
        return out

    return shapely.transform(geoms, onto)


def _draw_globe_graticule(ax, crs: CRS, lon0: float) -> None:
    from matplotlib.collections import LineCollection

    t = transformer(WGS84, crs)
    segs = []
    lat_line = np.linspace(-89, 89, 180)
    for lon in np.arange(-180, 180, 30):
        x, y = t.transform(np.full_like(lat_line, lon), lat_line)
        segs += _finite_runs(x, y)
    lon_line = np.linspace(-180, 180, 361)
    for lat in range(-60, 90, 30):
        x, y = t.transform(lon_line, np.full_like(lon_line, lat))
        segs += _finite_runs(x, y)
    ax.add_collection(LineCollection(segs, colors=PRINT_BASEMAP["globe_graticule"],
                                     linewidths=PRINT_WIDTHS["globe_graticule"], zorder=0.8))


def _finite_runs(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    ok = np.isfinite(x) & np.isfinite(y)
    runs, start = [], None
    for i, good in enumerate(np.append(ok, False)):
        if good and start is None:
            start = i
        elif not good and start is not None:
            if i - start > 1:
                runs.append(np.column_stack([x[start:i], y[start:i]]))
            start = None
    return runs
