"""Basemap provinces (admin-1): Natural Earth's, corrected, or an analyst's own file.

:func:`ne_provinces` keeps the Natural Earth admin-1 units that touch the region, whole,
with corrected names, alternative names (for matching the names analysts write) and
stable ids; :func:`user_provinces` does the same for any OGR file with a ``name``
column, taking each unit's ``iso3`` from the file or from the country it overlaps most.

Examples
--------
>>> ("AFG", "Parwan", "Panjshir") in NAME_FIXES
True
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError, Problem
from .file import CRS, PROVINCE_COLUMNS
from .gazetteer import make_ids
from .shapes import polygonal
from .sources import clean_text, to_4326

__all__ = ["NAME_FIXES", "ne_provinces", "user_provinces"]

# Natural Earth 10m v4.1 admin-1 still uses the parent province's name (and FIPS code)
# on the polygons of two Afghan provinces created in 2004, and its woe_label values for
# Parwan and Panjshir are swapped. gn_name (GeoNames) is right for all four. A renamed
# row gets fips = NULL, because the parent's code would be wrong for it. Applied when
# the rows are in the region.  key (adm0_a3, NE name, NE gn_name) -> (name, alt_names)
NAME_FIXES = {
    ("AFG", "Parwan", "Panjshir"): ("Panjshir", []),
    ("AFG", "Parwan", "Parwan"): ("Parwan", ["Parvan"]),
    ("AFG", "Uruzgan", "Wilayat-e Daykundi"): ("Daykundi", ["Wilayat-e Daykundi"]),
}


def _province_names(prov):
    names, alts, fips = [], [], []
    for rec in prov.itertuples():
        key = (rec.adm0_a3, rec.name, rec.gn_name)
        if key in NAME_FIXES:
            name, alt = NAME_FIXES[key]
        else:
            name = rec.name
            label = rec.woe_label.split(",")[0] if rec.woe_label else None
            alt = [rec.woe_name, label, rec.gn_name]
        seen, alt_clean = {str(name).casefold()}, []
        for a in alt:
            a = clean_text(a)
            if a and a.casefold() not in seen:
                seen.add(a.casefold())
                alt_clean.append(a)
        names.append(name)
        fips.append(rec.fips if name == rec.name else None)
        alts.append(";".join(alt_clean) or None)
    return names, alts, fips


def ne_provinces(prov, region_box):
    """Admin-1 units touching the region, whole, with names, alt names and stable ids."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    box = shapely.box(*region_box)
    prov = prov[prov.geometry.intersects(box)].copy()
    if prov.empty:
        return gpd.GeoDataFrame(columns=PROVINCE_COLUMNS, geometry="geometry", crs=CRS)
    prov["ne_name"] = prov["name"]
    names, alts, fips = _province_names(prov)
    prov["name"] = names
    prov["fips"] = pd.Series(fips, index=prov.index, dtype=object)
    prov["alt_names"] = alts
    prov["geometry"] = [polygonal(g) for g in prov.geometry]
    prov = prov[prov.geometry.notna()]
    extras = [gn or fp for gn, fp in zip(prov["gn_name"], prov["fips"], strict=True)]
    points = prov.geometry.representative_point().to_numpy()
    prov["id"] = make_ids(prov["iso3"], prov["name"], extras, points)
    return prov.sort_values("id").reset_index(drop=True)[PROVINCE_COLUMNS]


def user_provinces(path: Path, countries, region_box):
    """Provinces from an analyst's file (any OGR format) with a ``name`` column.

    ``iso3`` is taken from the file, or else from the country each province lies in.
    """
    import shapely

    from ..readers import read_vector

    shown = str(path)
    try:
        gdf = to_4326(read_vector(path))
    except Exception as exc:
        raise DataError([Problem(shown, f"cannot read provinces: {exc}")]) from None
    cols = {c.lower(): c for c in gdf.columns}
    if "name" not in cols:
        raise DataError([Problem(shown, "provinces need a 'name' column; columns: "
                                        f"{', '.join(map(str, gdf.columns))}")])
    gdf = gdf.rename(columns={cols["name"]: "name"})
    if "iso3" in cols:
        gdf = gdf.rename(columns={cols["iso3"]: "iso3"})
    else:  # the country each province overlaps most
        gdf["iso3"] = [_main_country(g, countries) for g in gdf.geometry]
    bad = [str(i) for i, (n, c) in enumerate(zip(gdf["name"], gdf["iso3"], strict=True))
           if not clean_text(n) or not clean_text(c)]
    if bad:
        raise DataError([Problem(shown, "has no name or lies in no country; give it a 'name' "
                                        "(and the file an 'iso3' column)", feature=i)
                         for i in bad])
    gdf["geometry"] = [polygonal(g) for g in gdf.geometry]
    gdf = gdf[gdf.geometry.notna() & gdf.geometry.intersects(shapely.box(*region_box))].copy()
    for col in ("alt_names", "fips"):
        if col not in gdf:
            gdf[col] = None
    gdf["ne_name"] = None
    points = gdf.geometry.representative_point().to_numpy()
    gdf["id"] = make_ids(gdf["iso3"], gdf["name"], [None] * len(gdf), points)
    return gdf.sort_values("id").reset_index(drop=True)[PROVINCE_COLUMNS]


def _main_country(geom, countries) -> str | None:
    """The iso3 of the country ``geom`` overlaps most (None: none)."""
    import shapely

    if geom is None or geom.is_empty:
        return None
    near = countries[countries.geometry.intersects(geom)]
    if near.empty:
        return None
    areas = shapely.area(shapely.intersection(near.geometry.to_numpy(), geom))
    return str(near["iso3"].iloc[int(areas.argmax())])
