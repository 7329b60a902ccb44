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

import functools
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
    "describe_crs",
    "fmt_lat",
    "fmt_lon",
    "geodesic_km",
    "geodesic_length_km",
    "line_through",
    "local_aeqd",
    "projected_crs_problem",
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


@functools.lru_cache(maxsize=128)
def transformer(src: CRS, dst: CRS) -> pyproj.Transformer:
    """An always-xy transformer (lon/lat order in, x/y out).

    Made once per pair of CRSs (a transformer costs milliseconds to create and a print
    map asks for the same few hundreds of times); pyproj's transformers are
    thread-safe since 3.1.
    """
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


# -- CRS as people read it -----------------------------------------------------------
def describe_crs(crs: CRS) -> str:
    """A short human description of a CRS, with its parameters exactly as defined.

    >>> from pyproj import CRS
    >>> text = describe_crs(CRS.from_proj4("+proj=lcc +lat_1=30.85 +lat_2=37.05 "
    ...                                    "+lat_0=33.95 +lon_0=67.8 +datum=WGS84 +units=m"))
    >>> text[:74]
    'Lambert conformal conic (standard parallels 30.85°N and 37.05°N, central m'
    >>> text[74:]
    'eridian 67.8°E, WGS84)'
    """
    code = crs.to_epsg()
    if code:
        return f"{crs.name} (EPSG:{code})"
    op = crs.coordinate_operation
    if op is not None and "Lambert Conic Conformal" in op.method_name:
        params = {p.name: p.value for p in op.params}
        lat1 = params.get("Latitude of 1st standard parallel")
        lat2 = params.get("Latitude of 2nd standard parallel")
        lon0 = params.get("Longitude of false origin")
        if None not in (lat1, lat2, lon0):
            return (f"Lambert conformal conic (standard parallels {fmt_lat(lat1)} and "
                    f"{fmt_lat(lat2)}, central meridian {fmt_lon(lon0)}, WGS84)")
    return crs.name


def _deg(v: float) -> str:
    """Degrees exactly as the CRS holds them, without float noise (30.85, not 30.9)."""
    return f"{round(abs(float(v)), 6):g}°"


def fmt_lat(v: float) -> str:
    """A latitude in degrees with its hemisphere (``30.85°N``)."""
    return "0°" if v == 0 else f"{_deg(v)}{'N' if v > 0 else 'S'}"


def fmt_lon(v: float) -> str:
    """A longitude in degrees with its hemisphere (``67.8°E``)."""
    return "0°" if v == 0 else f"{_deg(v)}{'E' if v > 0 else 'W'}"


def projected_crs_problem(code) -> str | None:
    """What is wrong with ``code`` as a map's projected CRS, or None when it is one.

    >>> projected_crs_problem(32642) is None, projected_crs_problem("EPSG:4326")
    (True, 'EPSG:4326 is not a projected CRS; static maps are never drawn in degrees')
    """
    if isinstance(code, bool) or not isinstance(code, (int, str)):
        return f"{code!r} is not an EPSG code"
    try:
        crs = CRS.from_user_input(int(code) if str(code).isdigit() else str(code))
    except pyproj.exceptions.CRSError:
        return f"{code!r} is not a known CRS (use an EPSG code such as 32642)"
    if not crs.is_projected:
        return f"{code} is not a projected CRS; static maps are never drawn in degrees"
    return None
