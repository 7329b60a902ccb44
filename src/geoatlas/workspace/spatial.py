"""Spatial checks: every point lies in (or near) the country and province it states.

One vectorised spatial join decides almost every row; only the few that fail it are
measured geodesically (and, for countries, tested for swapped lat/lon), so the message
says how far off a point is and, where it can, why.

Examples
--------
>>> normalize_name("Bāmyān")
'bamyan'
"""

from __future__ import annotations

import re
import unicodedata

import geopandas as gpd
import numpy as np
import shapely

from .. import geodesic, schema
from .find import BASEMAP
from .report import ProblemLog

__all__ = ["COUNTRY_TOLERANCE_KM", "check_in_country", "check_in_province", "normalize_name"]

COUNTRY_TOLERANCE_KM = 5.0
"""How far outside its stated country (or province) a point may lie: border towns and
Natural Earth's 1:10m generalisation make a few km normal."""


def normalize_name(text: str) -> str:
    """Fold a place name for matching: accents, case, punctuation and 'province' go.

    >>> normalize_name("Sar-e Pol Province") == normalize_name("Sari Pul")
    False
    >>> normalize_name("Bāmyān")
    'bamyan'
    """
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"\b(province|wilayat|velayat)\b", "", text.lower())
    return re.sub(r"[^a-z0-9]", "", text)


def check_in_country(name: str, points: gpd.GeoDataFrame, countries: gpd.GeoDataFrame,
                     log: ProblemLog) -> None:
    """Points must lie in (or within a few km of) their stated country.

    One vectorised spatial join decides almost every point; only the few that fail
    it get a geodesic distance (and a lat/lon swap test) one by one.
    """
    if points.empty:
        return
    stated = points["country"].fillna("").astype(str)
    usable = (stated != "") & ~points.geometry.is_empty.to_numpy() & points.geometry.notna()
    subject = points.loc[usable.to_numpy(), ["geometry"]]
    subject = subject.assign(_pos=np.flatnonzero(usable.to_numpy()))
    inside = gpd.sjoin(subject, countries[["iso3", "geometry"]], how="left",
                       predicate="within")
    ok = np.zeros(len(points), dtype=bool)
    hit = inside["iso3"].to_numpy() == stated.to_numpy()[inside["_pos"].to_numpy()]
    ok[inside["_pos"].to_numpy()[hit]] = True
    for i in np.flatnonzero(usable.to_numpy() & ~ok):
        ident = points.index[i]
        row = points.iloc[i]
        want = stated.iloc[i]
        actual = set(inside.loc[inside["_pos"] == i, "iso3"].dropna())
        if want not in countries.index:
            log.problem(name, f"country '{want}' is not in {BASEMAP}", ident)
            continue
        shape = countries.loc[want].geometry
        km = geodesic.distance_to_km(row.geometry, shape)
        if km <= COUNTRY_TOLERANCE_KM:
            continue
        swapped = shapely.Point(row.geometry.y, row.geometry.x)
        where = ", ".join(sorted(actual)) or "no country in the basemap"
        if shape.contains(swapped):
            msg = (f"lat/lon look swapped: ({row['lat']}, {row['lon']}) is in {where}, "
                   f"but swapped it falls in {want}")
        else:
            msg = (f"point (lat {row['lat']}, lon {row['lon']}) lies in {where}, "
                   f"{km:.0f} km outside its stated country {want}")
        log.problem(name, msg, ident)


def check_in_province(deposits: gpd.GeoDataFrame, provinces: gpd.GeoDataFrame,
                      log: ProblemLog) -> None:
    """Deposits must lie in (or within a few km of) their stated province.

    Names are matched per distinct (country, province) pair, the containment test is
    one vectorised spatial join; only points outside their province are measured.
    """
    if deposits.empty:
        return
    keys: dict[tuple[str, str], str] = {}
    for pid, iso3, pname, alts in zip(provinces["id"], provinces["iso3"], provinces["name"],
                                      provinces.get("alt_names", [""] * len(provinces))):
        alts = alts if isinstance(alts, str) else ""
        for n in [pname, *schema.split_list(alts)]:
            keys.setdefault((iso3, normalize_name(n)), pid)
    names = deposits["province"].fillna("").astype(str).to_numpy()
    iso3s = deposits["country"].fillna("").astype(str).to_numpy()
    usable = (names != "") & ~deposits.geometry.is_empty.to_numpy() \
        & deposits.geometry.notna().to_numpy()
    expected = np.full(len(deposits), None, dtype=object)
    cache: dict[tuple[str, str], str | None] = {}
    for i in np.flatnonzero(usable):
        pair = (iso3s[i], names[i])
        if pair not in cache:
            cache[pair] = keys.get((pair[0], normalize_name(pair[1])))
        pid = cache[pair]
        if pid is not None:
            expected[i] = pid
            continue
        options = sorted(provinces.loc[provinces["iso3"] == iso3s[i], "name"])
        if options:
            log.problem("deposits", f"province '{names[i]}' is not a province of "
                                    f"{iso3s[i]} in {BASEMAP}; known: {', '.join(options)}",
                        deposits.index[i])
    todo = np.flatnonzero(expected != None)  # noqa: E711 - elementwise on an object array
    if not len(todo):
        return
    subject = gpd.GeoDataFrame({"_pos": todo}, geometry=deposits.geometry.to_numpy()[todo],
                               crs=deposits.crs)
    inside = gpd.sjoin(subject, provinces[["id", "geometry"]].rename(columns={"id": "_pid"}),
                       how="inner", predicate="intersects")
    pos = inside["_pos"].to_numpy()
    ok = np.zeros(len(deposits), dtype=bool)
    ok[pos[inside["_pid"].to_numpy() == expected[pos]]] = True
    for i in todo[~ok[todo]]:
        km = geodesic.distance_to_km(deposits.geometry.iloc[i],
                                     provinces.loc[expected[i]].geometry)
        if km > COUNTRY_TOLERANCE_KM:
            log.problem("deposits", f"point lies {km:.0f} km outside its stated province "
                                    f"{names[i]}", deposits.index[i])
