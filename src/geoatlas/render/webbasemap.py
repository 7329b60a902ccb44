"""The web map's offline basemap: countries, provinces, water and place labels as GeoJSON.

Always present, so the page needs no tile server: the world's countries simplified by
scale and marked as the map's focus, its neighbours or others, the provinces in view,
lakes and rivers, and the labels of countries, capitals and cities, with the palette of
the style spec (:data:`geoatlas.style.BASEMAP`). Online tiles (:data:`geoatlas.style.TILES`)
are only optional extra layers over it.

Examples
--------
>>> basemap_palette()["sea"] == style.BASEMAP["sea"]
True
"""

from __future__ import annotations

import numpy as np
import shapely

from .. import style
from .webformat import geojson, style_label_zoom

__all__ = ["basemap_palette", "basemap_spec"]


def basemap_palette() -> dict:
    """The basemap colours and line widths of the style spec (:data:`geoatlas.style.BASEMAP`)."""
    return {**style.BASEMAP, "widths": dict(style.BASEMAP_WIDTHS)}


def basemap_spec(atlas, bounds, focus=()) -> dict:
    """The offline basemap: the world's countries, provinces in view, water, place labels.

    Countries come simplified by scale (:func:`geoatlas.basemap.for_screen`: full detail
    around the map, coarse beyond, never a clip edge) and are marked focus (``f``, the
    countries the map is about), neighbour (``n``, touching them) or other (``c``). The
    provinces in view, lakes and rivers when the basemap has them, and the labels of
    countries and capitals come with them; colours are :func:`basemap_palette`.
    """
    from ..basemap import for_screen

    focus = set(focus)
    empty = atlas["countries"].iloc[:0]
    provinces = atlas["provinces"] if "provinces" in atlas.layers else empty
    countries, near = for_screen(atlas["countries"], provinces, bounds)
    geoms = countries.geometry.to_numpy()
    is_focus = countries["iso3"].isin(focus).to_numpy()
    touching = np.zeros(len(geoms), bool)
    if is_focus.any():
        touching = shapely.intersects(geoms, shapely.buffer(shapely.union_all(geoms[is_focus]),
                                                            0.05))
    features = []
    for g, f, t in zip(geoms, is_focus, touching):
        kind = "f" if f else ("n" if t else "c")
        features.append({"type": "Feature", "properties": {"k": kind},
                         "geometry": geojson(g, 3)})
    features += [{"type": "Feature", "properties": {"k": "p"}, "geometry": geojson(g, 3)}
                 for g in near.geometry.boundary.to_numpy()]
    extra = getattr(atlas, "basemap", {}) or {}
    for layer, kind in (("lakes", "w"), ("rivers", "r")):
        water = extra.get(layer)
        if water is not None and len(water):
            features += [{"type": "Feature", "properties": {"k": kind},
                          "geometry": geojson(g, 3)}
                         for g in shapely.simplify(water.geometry.to_numpy(), 0.01)]
    w, so, e, n = (float(v) for v in atlas["countries"].total_bounds)
    if e - w > 350:  # a world basemap: the sea is everywhere the map can be panned to
        w, so, e, n = -180.0, -90.0, 180.0, 90.0
    sea = [[max(so, -85.06), w], [min(n, 85.06), e]]
    return {"type": "FeatureCollection", "features": features, "palette": basemap_palette(),
            "sea": sea, "labels": _basemap_labels(atlas, extra)}


def _country_zoom(area_km2: float) -> int:
    for zoom, least in ((3, 500_000), (4, 100_000), (5, 20_000)):
        if area_km2 >= least:
            return zoom
    return 6


def _basemap_labels(atlas, extra: dict) -> list[dict]:
    """Country names (from the basemap's label points) and capitals and cities."""
    out = []
    points = extra.get("country_labels")
    if points is None:  # a basemap without label points: a point inside each country
        countries = atlas["countries"]
        points = countries.assign(geometry=countries.geometry.representative_point(),
                                  area_km2=countries.geometry.area * 10_000)
    for iso, name, area, pt in zip(points["iso3"], points["name"], points["area_km2"],
                                   points.geometry):
        if not isinstance(name, str) or pt is None or pt.is_empty:
            continue
        area = float(area) if area == area else 0.0
        out.append({"t": name.upper(), "k": "country", "ll": [round(pt.y, 3), round(pt.x, 3)],
                    "z": max(style_label_zoom("country"), _country_zoom(area)),
                    "p": -1 + min(area / 2e7, 0.99), "id": f"country:{iso}"})
    cities = extra.get("cities")
    places = atlas["places"] if "places" in atlas.layers else None
    kinds = ["city"] if cities is not None else ["capital", "city"]
    rows = []
    if cities is not None:
        rows += [(f"cities:{i}", n, "capital", g) for i, n, g in
                 zip(cities.index, cities["name"], cities.geometry)]
    if places is not None:
        sel = places[places["kind"].isin(kinds)]
        rows += [(f"places:{i}", n, k, g) for i, n, k, g in
                 zip(sel.index, sel["name"], sel["kind"], sel.geometry)]
    for ident, name, kind, g in rows:
        if not isinstance(name, str) or g is None or g.is_empty:
            continue
        out.append({"t": name, "k": kind, "ll": [round(g.y, 5), round(g.x, 5)],
                    "z": style_label_zoom(kind), "p": 20 if kind == "capital" else 8,
                    "id": ident})
    return out
