"""Basemap geometry by scale: clean polygons, coverage simplification, detail where it counts.

Countries keep every vertex inside a detail box and a coarse, coverage-simplified shape
(neighbours keep one shared border) outside it, so no frame or zoom ever shows a clip
edge. :func:`for_screen` applies the same idea to a web map's view, at about a pixel of
its initial zoom. Every function takes and returns GeoDataFrames in EPSG:4326.

Examples
--------
>>> view_box((60, 30, 70, 40))
(55.0, 25.0, 75.0, 45.0)
>>> screen_tolerance((60.4, 29.3, 75.2, 38.6))
0.01
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "COARSE_TOLERANCE",
    "coarse_world",
    "detail_by_scale",
    "for_screen",
    "polygonal",
    "screen_tolerance",
    "view_box",
]

COARSE_TOLERANCE = 0.1
"""Degrees: the simplification of countries outside the region and its margin."""


def polygonal(geom):
    """Only the polygon parts of ``geom``, valid, as a MultiPolygon (None if none)."""
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    if geom is None or geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    polys = []
    for g in shapely.get_parts(geom):
        if isinstance(g, Polygon):
            polys.append(g)
        elif isinstance(g, MultiPolygon):
            polys.extend(g.geoms)
        elif g.geom_type == "GeometryCollection":
            sub = polygonal(g)
            if sub is not None:
                polys.extend(sub.geoms)
    polys = [p for p in polys if p.area > 0]
    if not polys:
        return None
    out = MultiPolygon(polys)
    if not out.is_valid:
        out = polygonal(shapely.make_valid(out))
    return out


def coarse_world(countries, tolerance: float = COARSE_TOLERANCE):
    """The countries simplified as a coverage: neighbours keep one shared border."""
    import shapely

    geoms = countries.geometry.to_numpy()
    try:
        simple = shapely.coverage_simplify(geoms, tolerance)
    except Exception:  # GEOS without coverage simplification, or not a clean coverage
        simple = shapely.simplify(geoms, tolerance, preserve_topology=True)
    out = countries.copy()
    out["geometry"] = [polygonal(g) or polygonal(o) for g, o in zip(simple, geoms, strict=True)]
    return out


def detail_by_scale(countries, coarse, detail_box):
    """Full geometry inside ``detail_box``, the coarse one outside; a ``detail`` column.

    Countries inside the box keep every vertex, countries outside get the coarse
    geometry, and a country that crosses the box edge is full inside and coarse outside.
    """
    import shapely

    box = shapely.box(*detail_box)
    geoms, detail = [], []
    for full, simple in zip(countries.geometry, coarse.geometry, strict=True):
        if full.within(box):
            geoms.append(full)
            detail.append("full")
        elif not full.intersects(box):
            geoms.append(simple)
            detail.append("coarse")
        else:
            inside = shapely.intersection(full, box)
            outside = shapely.difference(simple, box)
            geoms.append(polygonal(shapely.union(inside, outside, grid_size=None)) or full)
            detail.append("mixed")
    out = countries.copy()
    out["geometry"] = geoms
    out["detail"] = detail
    return out


def view_box(bounds: Sequence[float], margin_ratio: float = 0.5,
             min_margin: float = 2.0) -> tuple[float, float, float, float]:
    """``bounds`` grown by ``margin_ratio`` of its span (at least ``min_margin`` degrees).

    >>> view_box((60, 30, 70, 40))
    (55.0, 25.0, 75.0, 45.0)
    """
    w, s, e, n = (float(v) for v in bounds)
    dx = max(min_margin, (e - w) * margin_ratio)
    dy = max(min_margin, (n - s) * margin_ratio)
    return (max(-180.0, w - dx), max(-90.0, s - dy), min(180.0, e + dx), min(90.0, n + dy))


def screen_tolerance(bounds: Sequence[float]) -> float:
    """Degrees of simplification for a screen map of ``bounds``.

    About a pixel at the initial zoom (1/1500 of the span), between 0.01° and 0.05°.

    >>> screen_tolerance((60.4, 29.3, 75.2, 38.6)), screen_tolerance((20, 15, 125, 55))
    (0.01, 0.05)
    """
    w, s, e, n = bounds
    return float(min(0.05, max(0.01, round(max(e - w, n - s) / 1500, 3))))


def for_screen(countries, provinces, bounds: Sequence[float], fine: float | None = None,
               coarse: float = 2 * COARSE_TOLERANCE):
    """Basemap geometry for a screen map of ``bounds`` (what the web map embeds).

    Countries are simplified at ``fine`` degrees (default :func:`screen_tolerance`)
    inside :func:`view_box` and at ``coarse`` outside it, where islands smaller than
    ``coarse``² square degrees (a pixel or two at the zooms that show them) are left
    out: the whole world stays, without a clip edge, at a fraction of the bytes.
    Provinces are those that touch the map's bounds, simplified at ``fine``.
    Returns ``(countries, provinces)`` GeoDataFrames with the same columns.

    >>> import geopandas as gpd, shapely
    >>> ring = shapely.Point(0, 0).buffer(10, quad_segs=256)
    >>> far = shapely.Point(100, 0).buffer(10, quad_segs=256)
    >>> c = gpd.GeoDataFrame({"iso3": ["AAA", "BBB"]}, geometry=[ring, far], crs=4326)
    >>> near_c, _ = for_screen(c, c.iloc[:0], (-5, -5, 5, 5))
    >>> [bool(shapely.get_num_coordinates(g) < 100) for g in near_c.geometry]
    [False, True]
    """
    import numpy as np
    import shapely

    fine = screen_tolerance(bounds) if fine is None else fine
    box = view_box(bounds)
    simple = coarse_world(countries, coarse)
    kept = []
    for g in simple.geometry:
        parts = shapely.get_parts(g)
        area = shapely.area(parts)
        kept.append(polygonal(shapely.multipolygons(
            parts[(area >= coarse * coarse) | (area == area.max())])))
    simple["geometry"] = kept
    fine_c = countries.copy()
    fine_c["geometry"] = shapely.simplify(countries.geometry.to_numpy(), fine,
                                          preserve_topology=True)
    shaped = detail_by_scale(fine_c, simple, box)
    shaped = shaped[np.asarray([g is not None and not g.is_empty for g in shaped.geometry])]
    prov = provinces[provinces.geometry.intersects(shapely.box(*bounds))].copy()
    prov["geometry"] = shapely.simplify(prov.geometry.to_numpy(), fine,
                                        preserve_topology=True)
    return shaped, prov
