"""Named points of the basemap: stable ids, cities placed in their country, label points.

Every basemap feature a map may name gets a stable ``<iso3>-<name>`` slug
(:func:`make_ids`, ties broken west to east). :func:`place_cities` gives each city the
country it lies in; :func:`label_points` gives each country one label point inside its
largest part, with its area so renderers can rank labels (big countries first).

Examples
--------
>>> slugify("Şəki Rayonu")
'seki-rayonu'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from .file import CITY_COLUMNS, CRS, LABEL_COLUMNS

__all__ = ["label_points", "make_ids", "place_cities", "slugify"]

_TRANSLIT = str.maketrans({"ə": "e", "Ə": "E", "ı": "i", "İ": "I", "ł": "l",
                           "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O",
                           "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"})


def slugify(text: str) -> str:
    """Lowercase ASCII kebab-case.

    >>> slugify("Şəki Rayonu")
    'seki-rayonu'
    """
    text = unicodedata.normalize("NFKD", str(text).translate(_TRANSLIT))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"['`\u2019\u02bb\u02bc]", "", text)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def make_ids(iso3: Iterable[str], names: Iterable[str], extras: Sequence[str | None],
             points) -> list[str]:
    """``<iso3>-<name>`` slugs, unique.

    Duplicates get ``extras`` appended, then a number in west-to-east order.

    >>> import shapely
    >>> make_ids(["AFG", "AFG"], ["Kabul", "Kabul"], [None, None],
    ...          [shapely.Point(2, 0), shapely.Point(1, 0)])
    ['afg-kabul-2', 'afg-kabul-1']
    """
    import pandas as pd

    base = [f"{i.lower()}-{slugify(n)}" for i, n in zip(iso3, names, strict=True)]
    ids = list(base)
    counts = pd.Series(base).value_counts()
    for i, extra in enumerate(extras):
        if counts[base[i]] > 1:
            extra = slugify(extra or "")
            if extra and extra != base[i].split("-", 1)[1]:
                ids[i] = f"{base[i]}-{extra}"
    counts = pd.Series(ids).value_counts()
    groups: dict[str, list[int]] = {}
    for i, ident in enumerate(ids):
        if counts[ident] > 1:
            groups.setdefault(ident, []).append(i)
    for key, members in groups.items():
        members.sort(key=lambda i: (round(points[i].x, 6), round(points[i].y, 6)))
        for n, i in enumerate(members, start=1):
            ids[i] = f"{key}-{n}"
    return ids


def place_cities(cities, countries):
    """Cities with the ``iso3`` of the country they lie in and a stable id."""
    import geopandas as gpd

    cities = cities[["name", "geometry"]].copy().reset_index(drop=True)
    hit = gpd.sjoin(cities, countries[["iso3", "geometry"]], how="left", predicate="within")
    iso3 = hit.groupby(level=0)["iso3"].first().reindex(cities.index)
    if iso3.isna().any():  # coastal capitals just off a generalised coast: the nearest
        near = gpd.sjoin_nearest(cities[iso3.isna()].to_crs("EPSG:3857"),
                                 countries[["iso3", "geometry"]].to_crs("EPSG:3857"))
        iso3 = iso3.fillna(near.groupby(level=0)["iso3"].first())
    cities["iso3"] = iso3.fillna("").astype(str)
    cities["id"] = make_ids([i or "xxx" for i in cities["iso3"]], cities["name"],
                            [None] * len(cities), cities.geometry.to_numpy())
    return cities.sort_values("id").reset_index(drop=True)[CITY_COLUMNS]


def label_points(countries):
    """One label point per country (the pole of inaccessibility of its largest part)."""
    import geopandas as gpd
    import numpy as np
    import shapely
    from shapely.ops import polylabel

    rows = []
    areas = gpd.GeoSeries(countries.geometry.to_numpy(), crs=CRS).to_crs("EPSG:6933").area
    for rec, area in zip(countries.itertuples(), areas.to_numpy(), strict=True):
        if not rec.is_country:
            continue
        parts = shapely.get_parts(rec.geometry)
        largest = parts[int(np.argmax(shapely.area(parts)))]
        tol = max(1e-3, (largest.bounds[2] - largest.bounds[0]) / 200)
        point = polylabel(largest, tolerance=tol)
        rows.append({"iso3": rec.iso3, "name": rec.name,
                     "area_km2": float(round(area / 1e6)), "geometry": point})
    gdf = gpd.GeoDataFrame(rows, columns=LABEL_COLUMNS, geometry="geometry", crs=CRS)
    return gdf.sort_values("iso3").reset_index(drop=True)
