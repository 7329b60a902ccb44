"""Features into the map: projected, clipped to the view, simplified, as matplotlib paths.

The map is drawn in the frame's projected CRS (:class:`~geoatlas.render.mapframe.MapFrame`).
:func:`project` projects a frame's lon/lat geometries into it and clips them to the
view (a world basemap is cut in degrees first, so the far side of the globe never
folds into the map); :func:`polygon_path` and :func:`line_parts` turn the results into
what matplotlib draws; :func:`tolerance` is the simplification invisible on paper.

Examples
--------
>>> import shapely
>>> square = shapely.Polygon([(0, 0), (0, 2), (2, 2), (2, 0)], [[(.5, .5), (1, .5), (1, 1)]])
>>> len(polygon_path(square).vertices)  # the shell and the hole, each closed
9
>>> [len(p) for p in line_parts(shapely.MultiLineString([[(0, 0), (1, 1)], [(2, 2), (3, 3)]]))]
[2, 2]
"""

from __future__ import annotations

import numpy as np
import shapely

from ...geometry import WGS84, transformer
from ..mapframe import MapFrame

__all__ = ["line_parts", "polygon_path", "project", "tolerance"]


def polygon_path(geom):
    """A matplotlib Path for a (multi)polygon, holes included (non-zero winding)."""
    from matplotlib.path import Path as MPath

    parts = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        poly = shapely.geometry.polygon.orient(poly, 1.0)
        parts.append(MPath(np.asarray(poly.exterior.coords)[:, :2], closed=True))
        parts.extend(MPath(np.asarray(r.coords)[:, :2], closed=True) for r in poly.interiors)
    return MPath.make_compound_path(*parts) if parts else None


def line_parts(geom) -> list[np.ndarray]:
    """The coordinate arrays of every line in ``geom`` (empty for points and areas)."""
    if geom.geom_type == "LineString":
        return [np.asarray(geom.coords)[:, :2]]
    if geom.geom_type in ("MultiLineString", "GeometryCollection"):
        return [p for g in geom.geoms for p in line_parts(g)]
    return []


def project(gdf, frame: MapFrame, pad: float = 0.03, tolerance: float = 0.0):
    """Project a frame's geometries into the map CRS and clip them to the map (padded).

    ``tolerance`` (map units) simplifies lines and polygons: a fraction of a printed
    point, invisible on paper, keeps SVG and PDF files small.
    """
    xmin, ymin, xmax, ymax = frame.bounds
    dx, dy = (xmax - xmin) * pad, (ymax - ymin) * pad
    box = (xmin - dx, ymin - dy, xmax + dx, ymax + dy)
    lonlat = gdf.geometry
    window = _lonlat_window(frame, box)
    if window is not None:  # a world basemap: the far side of the globe never projects
        is_point = (shapely.get_type_id(lonlat.to_numpy()) == 0)
        w, s, e, n = window
        cut = ((_central_meridian(frame) + 360.0) % 360.0) - 180.0  # behind the map
        pieces = [shapely.clip_by_rect(lonlat.to_numpy(), *b)
                  for b in ((w, s, min(e, cut - 1e-6), n), (max(w, cut + 1e-6), s, e, n))
                  if b[0] < b[2]]
        clipped = pieces[0] if len(pieces) == 1 else shapely.union(*pieces)
        clipped = shapely.segmentize(clipped, 1.0)
        lonlat = lonlat.where(is_point, type(lonlat)(clipped, index=lonlat.index,
                                                     crs=lonlat.crs))  # long edges curve
    geoms = lonlat.to_crs(frame.crs).to_numpy()
    points = shapely.get_type_id(geoms) == 0
    clipped = np.where(points, geoms, shapely.clip_by_rect(geoms, *box))
    if tolerance > 0:
        clipped = np.where(points, clipped,
                           shapely.simplify(clipped, tolerance, preserve_topology=True))
    return clipped


def _central_meridian(frame: MapFrame) -> float:
    """The projection's central meridian (its cut is opposite), else the map's centre."""
    op = frame.crs.coordinate_operation
    for param in getattr(op, "params", None) or []:
        name = param.name.lower()
        if "longitude" in name and param.unit_name in ("degree", "Degree"):
            return float(param.value)
    return frame.centre[0]


def _lonlat_window(frame: MapFrame, box, margin: float = 10.0):
    """Lon/lat bounds of a projected ``box``, grown by ``margin`` degrees (None: no clip)."""
    try:
        w, s, e, n = transformer(frame.crs, WGS84).transform_bounds(*box, densify_pts=21)
    except Exception:  # pyproj cannot invert every box (e.g. beyond an ortho's limb)
        return None
    if not np.isfinite([w, s, e, n]).all():
        return None
    if w > e or e - w > 300:  # across the antimeridian or around a pole: all longitudes
        w, e = -180.0, 180.0
    else:
        w, e = max(-180.0, w - margin), min(180.0, e + margin)
    return (w, max(-90.0, s - margin), e, min(90.0, n + margin))


def tolerance(frame: MapFrame, width_in: float) -> float:
    """Map units per 0.15 printed point when ``frame`` is drawn ``width_in`` inches wide."""
    xmin, _, xmax, _ = frame.bounds
    return (xmax - xmin) / (width_in * 72.0) * 0.15
