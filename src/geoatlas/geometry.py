"""Geometry construction and geodesic helpers. Distances are km, never degrees.

Examples
--------
>>> round(geodesic_km(69.1772, 34.5553, 69.2000, 34.2700), 1)  # Kabul to Mes Aynak area
31.7
>>> belt = buffer_km(shapely.LineString([(62.2, 34.3), (64.0, 34.6)]), 25)
>>> belt.geom_type
'Polygon'
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pyproj
import shapely
from pyproj import CRS, Geod

__all__ = [
    "EARTH_KM",
    "GEOD",
    "KM_PER_DEG_LAT",
    "KM_PER_DEG_LON",
    "SEARCH_MARGIN_KM",
    "WGS84",
    "buffer_km",
    "conformal_crs_for",
    "geodesic_km",
    "geodesic_length_km",
    "line_through",
    "local_aeqd",
    "reproject",
    "transformer",
    "utm_crs_for",
]


WGS84 = CRS.from_epsg(4326)
GEOD = Geod(ellps="WGS84")

# Bounds the query engines (geoatlas.geodesic, geoatlas.pointjoin) build their lon/lat
# search boxes from: a box grown by these never misses a feature within the distance.
KM_PER_DEG_LAT = 110.5
"""The shortest degree of latitude in km (at the equator it is 110.574 km)."""
KM_PER_DEG_LON = 111.3
"""A degree of longitude at latitude phi is at least this many km x cos(phi)."""
SEARCH_MARGIN_KM = 1.0
"""Slack added to every search radius before boxes are drawn."""
EARTH_KM = 6371.0088
"""Mean earth radius: spherical distances prune candidates before the ellipsoid."""


def geodesic_km(lon1, lat1, lon2, lat2):
    """Geodesic distance(s) on the WGS84 ellipsoid in km (arrays broadcast)."""
    _, _, metres = GEOD.inv(lon1, lat1, lon2, lat2)
    return np.asarray(metres) / 1000.0 if np.ndim(metres) else metres / 1000.0


def geodesic_length_km(geoms) -> np.ndarray:
    """Geodesic length of each (multi)line in km; 0 for points, perimeter for polygons."""
    geoms = np.asarray(geoms, dtype=object)
    return np.array([GEOD.geometry_length(g) / 1000.0 if g is not None else np.nan
                     for g in geoms])


def local_aeqd(lon: float, lat: float) -> CRS:
    """An azimuthal equidistant CRS centred on (lon, lat): true distances from the centre.

    >>> local_aeqd(66.0, 34.0).coordinate_operation.method_name
    'Azimuthal Equidistant'
    """
    return CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat:.6f} +lon_0={lon:.6f} +datum=WGS84 +units=m +no_defs"
    )


def transformer(src: CRS, dst: CRS) -> pyproj.Transformer:
    """An always-xy transformer (lon/lat order in, x/y out)."""
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def reproject(geom, src: CRS, dst: CRS):
    """Reproject a shapely geometry (or array of them) between CRSs."""
    t = transformer(src, dst)
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def buffer_km(geom, km: float, resolution: int = 16):
    """Buffer a lon/lat geometry by ``km`` in a local equidistant projection.

    The projection is centred on the geometry's centroid, so the buffer width is right
    to well under 1 % for features a few hundred km across.
    """
    c = geom.centroid
    aeqd = local_aeqd(c.x, c.y)
    projected = reproject(geom, WGS84, aeqd)
    buffered = shapely.buffer(projected, km * 1000.0, quad_segs=resolution)
    return shapely.make_valid(reproject(buffered, aeqd, WGS84))


def line_through(points: Sequence[tuple[float, float]], densify_km: float = 50.0):
    """A line through lon/lat points, densified along geodesics every ``densify_km``.

    Densifying makes a long schematic segment follow the great circle in every
    projection, instead of a straight line in whatever projection draws it.
    """
    coords: list[tuple[float, float]] = []
    for (lon1, lat1), (lon2, lat2) in itertools.pairwise(points):
        dist = geodesic_km(lon1, lat1, lon2, lat2)
        n = int(dist // densify_km)
        coords.append((lon1, lat1))
        if n > 0:
            coords.extend(GEOD.npts(lon1, lat1, lon2, lat2, n))
    coords.append(tuple(points[-1]))
    return shapely.LineString(coords)


def utm_crs_for(lon: float, lat: float) -> CRS:
    """The WGS84 UTM zone CRS containing (lon, lat).

    >>> utm_crs_for(69.2, 34.5).to_epsg()
    32642
    """
    zone = int((lon + 180) // 6) + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def conformal_crs_for(bounds: Sequence[float]) -> CRS:
    """A Lambert conformal conic fitted to lon/lat ``bounds`` (minx, miny, maxx, maxy).

    Suited to regional maps wider than one UTM zone (Afghanistan spans four).
    """
    minx, miny, maxx, maxy = bounds
    lon0 = (minx + maxx) / 2
    lat0 = (miny + maxy) / 2
    span = maxy - miny
    lat1, lat2 = miny + span / 6, maxy - span / 6
    return CRS.from_proj4(
        f"+proj=lcc +lat_1={lat1:.4f} +lat_2={lat2:.4f} +lat_0={lat0:.4f} "
        f"+lon_0={lon0:.4f} +datum=WGS84 +units=m +no_defs"
    )
