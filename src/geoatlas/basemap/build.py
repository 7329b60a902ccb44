"""Build a workspace's basemap for any region on Earth, step by step.

:func:`build_basemap` reads the world (Natural Earth when this machine has it, else the
packaged coarse world), works out the region and its detail box, shapes the countries
by scale, picks the provinces (an analyst's file, Natural Earth admin-1, or none),
places the cities and label points, records where everything came from in
``basemap_info`` and writes the GeoPackage atomically (:func:`~.file.write_basemap`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import WorkspaceError
from .file import COUNTRY_COLUMNS, CRS, PROVINCE_COLUMNS, credit, write_basemap
from .gazetteer import label_points, place_cities
from .provinces import ne_provinces, user_provinces
from .region import parse_bbox, region_bbox
from .shapes import COARSE_TOLERANCE, coarse_world, detail_by_scale
from .sources import find_ne_source, read_asset, read_ne, read_ne_cities, sha256

__all__ = ["MARGIN_DEG", "build_basemap"]

MARGIN_DEG = 5.0
"""Degrees around the region kept at full detail."""


def build_basemap(
    out: str | Path,
    bbox: str | Sequence[float] | None = None,
    countries: str | Iterable[str] | None = None,
    source: str | Path | None = None,
    provinces: str | Path | None = None,
    cities: str | Path | None = None,
    margin: float = MARGIN_DEG,
    coarse_tolerance: float = COARSE_TOLERANCE,
    extra_info: dict[str, str] | None = None,
) -> Path:
    """Write a basemap for the region ``bbox`` (or the bbox of ``countries``) to ``out``.

    Parameters
    ----------
    out : path
        The GeoPackage to write (atomically: a temporary file, checked, then moved).
    bbox : "W,S,E,N" or 4 numbers, optional
        The region. One of ``bbox`` and ``countries`` is required.
    countries : "CHL,PER" or list of ISO3 codes, optional
        The region as the countries it covers.
    source : path, optional
        Natural Earth ``world_map.gpkg`` (full detail, with admin-1); default: found by
        :func:`find_ne_source`, else the packaged coarse world (no provinces).
    provinces : path, optional
        An analyst's provinces file (any OGR format, a ``name`` column); replaces
        Natural Earth admin-1.
    cities : path, optional
        Natural Earth populated places; default: the packaged ones.
    margin, coarse_tolerance : float
        Degrees of full detail around the region; simplification elsewhere.

    Returns
    -------
    Path
        ``out``.

    Examples
    --------
    >>> import tempfile, pyogrio
    >>> from geoatlas.basemap.file import read_info
    >>> path = build_basemap(tempfile.mkdtemp() + "/b.gpkg", bbox="10,76,35,81")
    >>> sorted(name for name, _ in pyogrio.list_layers(path))
    ['basemap_info', 'cities', 'countries', 'country_labels', 'provinces']
    >>> read_info(path)["bbox"]
    '10,76,35,81'
    """
    import geopandas as gpd
    import pandas as pd

    if bbox is None and countries is None:
        raise ValueError("give a region: a bbox W,S,E,N or a list of ISO3 country codes")
    world, ne_prov, origin, asset_cities, asset_info = _read_world(source)
    region, detail_box = _region(world, bbox, countries, margin)

    coarse = coarse_world(world, coarse_tolerance)
    shaped = detail_by_scale(world, coarse, detail_box)
    shaped = gpd.GeoDataFrame(shaped, geometry="geometry", crs=CRS)[COUNTRY_COLUMNS]
    prov, prov_source = _provinces(provinces, ne_prov, world, region)
    city_frame = read_ne_cities(Path(cities)) if cities else asset_cities
    city_frame = place_cities(city_frame, world)
    labels = label_points(world)

    info = {
        **_source_info(asset_info, origin, prov_source, cities),
        **_extent_info(region, detail_box, coarse_tolerance),
        "countries_rows": str(len(shaped)),
        "provinces_rows": str(len(prov)),
        "build": "geoatlas.basemap.build_basemap",
        **(extra_info or {}),
    }
    info["credit"] = credit({k: v for k, v in info.items() if k != "credit"})
    table = pd.DataFrame(sorted(info.items()), columns=["key", "value"])
    write_basemap(Path(out), {"countries": shaped, "provinces": prov,
                              "country_labels": labels, "cities": city_frame}, table)
    return Path(out)


def _read_world(source: str | Path | None):
    """``(world, NE admin-1 or None, origin info, packaged cities, packaged info)``.

    The world is one row per country or area, sorted by ``iso3``, with ``is_country``.
    """
    src = find_ne_source(source)
    if source and src is None:
        raise WorkspaceError(f"{source}: no such Natural Earth world_map.gpkg")
    asset_countries, asset_cities, asset_info = read_asset()
    if src is not None:
        world, ne_prov = read_ne(src)
        origin = {"source": "Natural Earth 1:10m Cultural Vectors (Admin 0 - Countries, "
                            "Admin 1 - States, Provinces)",
                  "source_file": f"{src.name} (Debian qgis-common, QGIS-generalised)",
                  "source_sha256": sha256(src)}
    else:
        world, ne_prov = asset_countries.drop(columns=["detail"], errors="ignore"), None
        origin = {"source": asset_info.get("source", "Natural Earth"),
                  "source_file": "geoatlas package asset world.gpkg",
                  "simplification_source": asset_info.get("simplification", "")}
    world = world.sort_values("iso3").reset_index(drop=True)
    world["is_country"] = world["kind"] == "country"
    return world, ne_prov, origin, asset_cities, asset_info


def _region(world, bbox, countries, margin: float):
    """``(region, detail box)``: the bbox, grown to cover ``countries``, and its margin."""
    if countries is not None:
        codes = countries.split(",") if isinstance(countries, str) else list(countries)
        region = region_bbox(world, codes)
        if bbox is not None:
            b = parse_bbox(bbox)
            region = (min(b[0], region[0]), min(b[1], region[1]),
                      max(b[2], region[2]), max(b[3], region[3]))
    else:
        region = parse_bbox(bbox)
    w, s, e, n = region
    detail_box = (max(-180.0, w - margin), max(-90.0, s - margin),
                  min(180.0, e + margin), min(90.0, n + margin))
    return region, detail_box


def _provinces(provinces, ne_prov, world, region):
    """``(provinces, where they come from)``: the analyst's file, else NE admin-1, else none."""
    import geopandas as gpd

    if provinces is not None:
        prov = user_provinces(Path(provinces), world, region)
        prov_source = f"analyst file {Path(provinces).name}"
    elif ne_prov is not None:
        prov = ne_provinces(ne_prov, region)
        prov_source = "Natural Earth 1:10m Admin 1 - States, Provinces"
    else:
        prov = gpd.GeoDataFrame(columns=PROVINCE_COLUMNS, geometry="geometry", crs=CRS)
        prov_source = "none (no Natural Earth admin-1 on this machine; init --provinces FILE)"
    return prov, prov_source


def _source_info(asset_info: dict, origin: dict, prov_source: str, cities) -> dict[str, str]:
    """The provenance rows of ``basemap_info``: source, licence, provinces, cities."""
    return {
        "source_short": "Natural Earth",
        "scale": "1:10m",
        "source_version": asset_info.get("source_version", "v4.1.0"),
        "license": "public domain",
        "license_note": "Natural Earth terms of use: all Natural Earth data is in the "
                        "public domain; credit 'Made with Natural Earth'",
        **origin,
        "provinces_source": prov_source,
        "cities_source": (asset_info.get("cities_source", "") if not cities
                          else f"Natural Earth populated places from {Path(cities).name}"),
    }


def _extent_info(region, detail_box, coarse_tolerance: float) -> dict[str, str]:
    """The extent rows of ``basemap_info``: CRS, region, detail box, simplification."""
    return {
        "crs": CRS,
        "bbox": ",".join(f"{v:g}" for v in region),
        "detail_bbox": ",".join(f"{v:g}" for v in detail_box),
        "simplification": (f"full detail within detail_bbox; outside it coverage-simplified "
                           f"at {coarse_tolerance:g} degrees"),
    }
