"""``geoatlas init``: a new, working workspace for any region on Earth.

:func:`init_workspace` writes ``geo/basemap.gpkg`` (built for the region by
:func:`geoatlas.basemap.build_basemap`, or an analyst's basemap, checked first),
a gazetteer with the region's Natural Earth cities, header-only CSV layers, a source
list citing Natural Earth, an example recipe framed on the region, a ``geoatlas.toml``
and a README. ``geoatlas check`` and ``geoatlas build`` pass on it at once.

Everything is written into a staging folder beside the target and moved into place
at the end: a failed ``init`` leaves nothing behind.

Examples
--------
>>> import tempfile
>>> root = init_workspace(tempfile.mkdtemp() + "/svalbard", bbox="10,76,35,81")
>>> sorted(p.name for p in root.iterdir())
['README.md', 'geo', 'geoatlas.toml', 'layers', 'maps']
>>> import geoatlas
>>> geoatlas.open(root).check()
[]
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from .basemap.build import build_basemap
from .basemap.file import check_basemap, credit, read_info
from .basemap.gazetteer import place_cities, slugify
from .basemap.region import parse_bbox
from .basemap.sources import read_asset
from .errors import DataError, Problem, WorkspaceError

__all__ = ["init_workspace"]

NE_SOURCE_ID = "natural-earth"
CITIES_SOURCE_ID = "natural-earth-places"


def init_workspace(
    path: str | Path,
    bbox: str | Sequence[float] | None = None,
    countries: str | Iterable[str] | None = None,
    basemap: str | Path | None = None,
    provinces: str | Path | None = None,
    name: str | None = None,
) -> Path:
    """Create a workspace at ``path`` for a region; return its resolved path.

    Parameters
    ----------
    path : path
        The new workspace folder; it must not exist yet, or be empty.
    bbox : "W,S,E,N" or 4 numbers, optional
        The region, in degrees.
    countries : "CHL,PER" or list of ISO3 codes, optional
        The region as countries (with ``bbox``, the union of both).
    basemap : path, optional
        A GeoPackage with ``countries`` and ``provinces`` layers to use instead of
        building one; it is checked before anything is written.
    provinces : path, optional
        An analyst's provinces file (any OGR format, a ``name`` column) used instead of
        Natural Earth admin-1.
    name : str, optional
        The workspace's name (default: the folder name).

    Returns
    -------
    Path
        The workspace folder.

    Raises
    ------
    WorkspaceError
        When ``path`` exists and is not empty.
    DataError
        When ``basemap`` or ``provinces`` is unusable (every problem listed).
    ValueError
        When the region is malformed.
    """
    root = Path(path).expanduser().resolve()
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise WorkspaceError(f"{root} already exists and is not empty; give a new folder")
    if basemap is None and bbox is None and countries is None:
        raise ValueError("give the region: --bbox W,S,E,N, --countries ISO3,... or "
                         "--basemap FILE")
    if bbox is not None:
        parse_bbox(bbox)  # a malformed bbox fails before any work
    if basemap is not None:
        problems = check_basemap(basemap)
        if problems:
            raise DataError([Problem(str(basemap), m) for m in problems])
    root.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{root.name}.init-", dir=root.parent))
    try:
        _write_workspace(stage, root.name if name is None else name, bbox, countries,
                         basemap, provinces)
        if root.exists():
            root.rmdir()  # empty, checked above
        stage.rename(root)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
    return root


def _write_workspace(stage: Path, name: str, bbox, countries, basemap, provinces) -> None:
    from .workspace.create import create_workspace
    from .workspace.find import BASEMAP

    create_workspace(stage, basemap=False)
    target = stage / BASEMAP
    if basemap is not None:
        shutil.copyfile(basemap, target)
    else:
        build_basemap(target, bbox=bbox, countries=countries, provinces=provinces)
    info = read_info(target)
    region = _region(target, info, bbox)
    cities = _cities_in(target, region)
    _write_sources(stage, info)
    _write_places(stage, cities)
    has_provinces = _count(target, "provinces") > 0
    (stage / "maps" / "example.toml").unlink(missing_ok=True)
    (stage / "maps" / f"{_slug(name)}.toml").write_text(
        _recipe(name, region, has_provinces, bool(len(cities))), encoding="utf-8")
    (stage / "geoatlas.toml").write_text(_config(name), encoding="utf-8")
    (stage / "README.md").write_text(
        _readme(name, region, info, len(cities), has_provinces), encoding="utf-8")


def _count(path: Path, layer: str) -> int:
    import pyogrio

    try:
        return int(pyogrio.read_info(path, layer=layer)["features"])
    except Exception:  # a user basemap without that layer
        return 0


def _region(path: Path, info: dict[str, str], bbox) -> tuple[float, float, float, float]:
    if info.get("bbox"):
        return parse_bbox(info["bbox"])
    if bbox is not None:
        return parse_bbox(bbox)
    import pyogrio

    b = pyogrio.read_info(path, layer="provinces")["total_bounds"]
    if _count(path, "provinces") == 0:
        b = pyogrio.read_info(path, layer="countries")["total_bounds"]
    return parse_bbox([float(v) for v in b])


def _cities_in(path: Path, region):
    import geopandas as gpd
    import shapely

    try:
        cities = gpd.read_file(path, layer="cities")
    except Exception:  # a user basemap without cities: the packaged ones
        _, cities, _ = read_asset()
        countries = gpd.read_file(path, layer="countries")
        cities = place_cities(cities, countries)
    cities = cities[cities.geometry.within(shapely.box(*region))]
    return cities[cities["iso3"].str.fullmatch(r"[A-Z]{3}")].sort_values("id")


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _write_sources(stage: Path, info: dict[str, str]) -> None:
    from .schema import TABLES

    header = TABLES["sources"].column_names
    basemap_row = {
        "id": NE_SOURCE_ID,
        "title": "Natural Earth 1:10m Cultural Vectors: Admin 0 - Countries and "
                 "Admin 1 - States, Provinces",
        "publisher": "Natural Earth",
        "url": "https://www.naturalearthdata.com/downloads/10m-cultural-vectors/",
        "kind": "dataset",
        "date_precision": "unknown",
        "notes": f"The workspace basemap geo/basemap.gpkg ({info.get('source_file', '')}; "
                 f"{info.get('simplification', '')}).",
    }
    cities_row = {
        "id": CITIES_SOURCE_ID,
        "title": "Natural Earth 1:110m Cultural Vectors: Populated Places",
        "publisher": "Natural Earth",
        "url": "https://www.naturalearthdata.com/downloads/110m-cultural-vectors/",
        "kind": "dataset",
        "date_precision": "unknown",
        "notes": "Capitals and a few very large cities, names and points only; the seed "
                 "of geo/places.csv.",
    }
    rows = [header] + [[r.get(c, "") for c in header] for r in (basemap_row, cities_row)]
    (stage / TABLES["sources"].path).write_text(_csv(rows), encoding="utf-8")


def _write_places(stage: Path, cities) -> None:
    from .schema import TABLES

    header = TABLES["places"].column_names
    rows = [header]
    seen: set[str] = set()
    for rec in cities.itertuples():
        ident = slugify(rec.name)
        if ident in seen or not ident:
            ident = rec.id
        seen.add(ident)
        row = {"id": ident, "name": rec.name, "kind": "city", "country": rec.iso3,
               "lat": f"{rec.geometry.y:.5f}", "lon": f"{rec.geometry.x:.5f}",
               "location_quality": "approximate", "coord_source": CITIES_SOURCE_ID,
               "source_ids": CITIES_SOURCE_ID,
               "notes": "Natural Earth 1:110m populated place (a point for the city "
                        "at small scale)."}
        rows.append([row.get(c, "") for c in header])
    (stage / TABLES["places"].path).write_text(_csv(rows), encoding="utf-8")


def _slug(text: str) -> str:
    return slugify(text) or "example"


def _toml_str(text: str) -> str:
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in out) + '"'


def _recipe(name: str, region, has_provinces: bool, has_places: bool) -> str:
    from .style import STARTER_STYLES
    from .workspace.create import style_lines

    w, s, e, n = region
    parts = [
        f"# The first map of this workspace: {name}. Edit freely; see the README.",
        f"title = {_toml_str(name)}",
        'subtitle = "Deposits by commodity; Natural Earth basemap"',
        f"extent = [{w:g}, {s:g}, {e:g}, {n:g}]",
        "",
    ]
    if has_provinces:
        parts += ["[[layers]]", 'layer = "provinces"', 'title = "Provinces"',
                  'group = "Reference"', 'tooltip = ["name"]', "timeline = false",
                  "[layers.style]", *style_lines(STARTER_STYLES["provinces"]), ""]
    if has_places:
        parts += ["[[layers]]", 'layer = "places"', 'title = "Cities"',
                  'group = "Reference"', 'label = "name"', 'tooltip = ["name"]',
                  'popup = ["name", "country", "location_quality", "notes"]', ""]
    parts += ["[[layers]]", 'layer = "deposits"', 'title = "Deposits"',
              'group = "Minerals"', 'tooltip = ["name", "commodities"]',
              'popup = ["name", "commodities", "province", "country", '
              '"location_quality", "notes"]',
              "[layers.style]", 'color_by = "primary_commodity"', ""]
    return "\n".join(parts)


def _config(name: str) -> str:
    return f"""\
# The workspace file: its name, its own vocabularies and defaults. Checked by
# `geoatlas check`; the packaged vocabularies stay in force, these add to them.
name = {_toml_str(name)}

[vocabularies.commodities]
# scandium = "#5b8c5a"        # an extra commodity and its colour on every map

[vocabularies.statuses]
# paused = "#8d8d8d"          # an extra status (colour optional)

[defaults]
out = "out"                   # where `geoatlas build` writes
# static_crs = "EPSG:32719"   # CRS of the static maps (default: a fitted conic)
"""


def _readme(name: str, region, info: dict[str, str], n_cities: int,
            has_provinces: bool) -> str:
    w, s, e, n = region
    prov = info.get("provinces_source", "none")
    simple = info.get("simplification", "")
    provinces = (f"Provinces: {prov}." if has_provinces
                 else "No province data covers this region.")
    return f"""\
# {name}

A [geoatlas](https://pypi.org/project/geoatlas/) workspace for the region lon {w:g}…{e:g},
lat {s:g}…{n:g}.

```sh
geoatlas check .      # validate every file (all problems at once, as path:line: message)
geoatlas build .      # web map, static maps, GeoPackage + QGIS project into out/
```

## What is here

| where | what |
|---|---|
| `geoatlas.toml` | the workspace's name, extra commodities/statuses with colours, defaults |
| `geo/basemap.gpkg` | the basemap: world countries ({simple}), provinces ({prov}), \
country label points, cities |
| `geo/places.csv` | the gazetteer: {n_cities} Natural Earth cities of the region to start with |
| `layers/*.csv` | your layers (deposits, belts, rail, corridors) and tables \
(contracts, events, trade), header only |
| `layers/sources.csv` | one row per document you cite; every row of every layer \
cites `source_ids` from it |
| `maps/*.toml` | map recipes |

Drop any GeoJSON, GeoPackage (every layer of it), Shapefile, FlatGeobuf or GeoParquet into
`layers/`: it becomes a layer. It must cite its sources like the CSVs: a `source_ids`
column, or a sidecar `layers/<file>.sources` listing the ids that cover the whole file.

## Add a deposit

Append a line to `layers/deposits.csv`, cite a source you added to `layers/sources.csv`,
then run `geoatlas check .`. A commodity that is not in the packaged list goes into
`geoatlas.toml` first, with its colour.

## Basemap

{credit(info)} {provinces}
Rebuild it for another region with `geoatlas init NEW --bbox W,S,E,N`.
"""
