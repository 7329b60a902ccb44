"""Your own GeoDataFrames on geoatlas maps: adopt a frame as a layer, or map it at once.

:func:`adopt_frame` checks a frame the way a dropped-in file is checked (a CRS, unique
ids, citations) and returns it in EPSG:4326 indexed by ``id``; :meth:`Atlas.with_layer`
uses it. :func:`quick_map` draws any frame on the offline world basemap with the
atlas's style spec, in the spirit of ``GeoDataFrame.explore()`` but as one offline file.

Examples
--------
>>> import geopandas as gpd, shapely, tempfile
>>> pits = gpd.GeoDataFrame({"name": ["Pit 1", "Pit 2"]}, crs=4326,
...                         geometry=[shapely.Point(69.2, 34.3), shapely.Point(68, 35)])
>>> path = tempfile.mkdtemp() + "/pits.html"
>>> m = quick_map(pits, out=path)
>>> open(path, encoding="utf-8").read().count("Pit 1") >= 1
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from .errors import DataError, Problem

__all__ = ["adopt_frame", "quick_map"]

SOURCE_FIELDS = ("id", "title", "publisher", "author", "published", "date_precision",
                 "file", "url", "kind", "notes")


def _source_rows(sources, known) -> tuple[list[str], list[dict]]:
    """``sources`` as (ids cited, new rows to add)."""
    import pandas as pd

    if sources is None:
        return [], []
    if isinstance(sources, str):
        return [s for s in (p.strip() for p in sources.split(";")) if s], []
    if isinstance(sources, pd.DataFrame):
        sources = sources.to_dict("records")
    rows, ids = [], []
    for item in sources:
        if isinstance(item, str):
            ids.append(item)
        elif isinstance(item, Mapping):
            row = {k: "" if v is None else str(v) for k, v in item.items()}
            rows.append(row)
            ids.append(row.get("id", ""))
        else:
            raise DataError([Problem("<sources>", f"{item!r} is neither a source id nor a "
                                                  "row (a dict with id and title)")])
    return ids, rows


def adopt_frame(name: str, gdf, sources=None, source_table=None, require_sources: bool = True):
    """Check ``gdf`` as layer ``name``; return ``(frame, sources table)``.

    Parameters
    ----------
    name : str
        The layer name (problems are reported as ``<name>: feature ID: ...``).
    gdf : GeoDataFrame
        Needs a CRS. Its ``id`` column (else its index, as text) gives the ids.
    sources : str, list or DataFrame, optional
        Source ids citing the whole frame, or new source rows (with ``id`` and
        ``title``) to add to ``source_table`` and cite.
    source_table : DataFrame, optional
        The atlas's ``sources``; ids are checked against it.
    require_sources : bool
        When true, every feature must cite a source (its ``source_ids`` cell, or
        ``sources``).

    Returns
    -------
    tuple
        The frame (EPSG:4326, indexed by id, ``source_ids`` filled from ``sources``) and
        the sources table with any new rows.

    Raises
    ------
    DataError
        Listing every problem (no CRS, duplicate ids, unknown or missing citations).
    """
    import geopandas as gpd
    import pandas as pd

    from . import schema

    shown = f"<{name}>"
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise DataError([Problem(shown, f"expected a GeoDataFrame, got {type(gdf).__name__}")])
    if gdf.crs is None:
        raise DataError([Problem(shown, "has no CRS; set one, e.g. gdf.set_crs(4326)")])
    table = (source_table.copy() if source_table is not None
             else pd.DataFrame(columns=list(SOURCE_FIELDS), dtype=object))
    ids, new_rows = _source_rows(sources, set(table.get("id", [])))
    problems: list[Problem] = []
    for row in new_rows:
        ident = row.get("id", "")
        if not schema.ID_RE.match(ident) or not row.get("title"):
            problems.append(Problem("<sources>", f"source row {row!r} needs a kebab-case "
                                                 "'id' and a 'title'"))
        elif ident in set(table["id"]):
            problems.append(Problem("<sources>", f"source id '{ident}' is taken"))
    if new_rows and not problems:
        add = pd.DataFrame([{c: r.get(c, "") for c in table.columns} for r in new_rows],
                           columns=table.columns).astype(object)
        for r in new_rows:
            if not r.get("kind") and "kind" in add:
                add.loc[add["id"] == r["id"], "kind"] = "dataset"
        table = pd.concat([table, add], ignore_index=True)
    known = set(table["id"])
    bad = [i for i in ids if i not in known]
    if bad:
        problems.append(Problem(shown, f"unknown source id(s) {', '.join(bad)}; known: "
                                       f"{', '.join(sorted(known)) or '(none)'}"))
    frame = gdf.to_crs(4326).copy()
    if "id" not in frame.columns:
        frame.insert(0, "id", [str(i) for i in frame.index])
    frame["id"] = frame["id"].astype(str)
    for ident in frame["id"][frame["id"].duplicated()].unique():
        problems.append(Problem(shown, f"duplicate id '{ident}'", feature=ident))
    cells = (frame["source_ids"].fillna("").astype(str).tolist() if "source_ids" in frame
             else [""] * len(frame))
    whole = ";".join(ids)
    filled = [c if schema.split_list(c) else whole for c in cells]
    if require_sources:
        uncited = [i for i, c in zip(frame["id"], filled, strict=True) if not c]
        for ident in uncited[:10]:
            problems.append(Problem(shown, "cites no source: give sources=... or a "
                                           "'source_ids' column", feature=ident))
        if len(uncited) > 10:
            problems.append(Problem(shown, f"and {len(uncited) - 10} more features cite "
                                           "no source"))
        for ident, cell in zip(frame["id"], filled, strict=True):
            unknown = [s for s in schema.split_list(cell) if s not in known]
            if unknown and cell != whole:
                problems.append(Problem(shown, f"'source_ids' refers to unknown source id(s) "
                                               f"{', '.join(unknown)}", feature=ident))
    if problems:
        raise DataError(problems)
    if any(filled):
        frame["source_ids"] = filled
    frame = frame.set_index("id", drop=False).rename_axis(None)
    return frame, table


def _world_catalog(root: Path):
    """A catalog with only the packaged world basemap (for maps of a bare frame)."""
    import pandas as pd

    from . import basemap, schema
    from .workspace import Catalog

    world, cities, info = basemap.read_asset()
    world = world.sort_values("iso3").reset_index(drop=True)
    world["is_country"] = world["kind"] == "country"
    world = world.set_index("iso3", drop=False).rename_axis(None)
    cities = basemap.place_cities(cities, world)
    cities = cities.set_index("id", drop=False).rename_axis(None)
    tables = {}
    for name in schema.NON_SPATIAL:
        cols = [c.name for c in schema.TABLES[name].columns]
        tables[name] = pd.DataFrame(columns=cols, dtype=object)
    info = {**info, "credit": basemap.credit({**info, "source_short": "Natural Earth",
                                              "scale": "1:10m", "license": "public domain"})}
    labels = basemap.label_points(world)
    labels = labels.set_index("iso3", drop=False).rename_axis(None)
    return Catalog(root, {"countries": world}, tables, {}, {},
                   basemap={"countries": world, "cities": cities, "country_labels": labels},
                   basemap_info=info)


def quick_map(gdf, name: str = "layer", style: Mapping | None = None, sources=None,
              title: str | None = None, tooltip: Sequence[str] | None = None,
              popup: Sequence[str] | None = None, out: str | Path | None = None):
    """A one-off offline web map of ``gdf`` on the world basemap (``geoatlas.map``).

    Parameters
    ----------
    gdf : GeoDataFrame
        Any frame with a CRS; it needs no citations here (give ``sources`` to cite).
    name : str
        The layer's name (legend and layer control).
    style : dict, optional
        A recipe ``[layers.style]`` table, e.g. ``{"color_by": "primary_commodity"}``.
    sources : str, list or DataFrame, optional
        Source rows or ids, shown in popups.
    title : str, optional
        The map's title (default: ``name``).
    tooltip, popup : list of str, optional
        Fields on hover and in the popup (default: ``name`` if present; up to 12 fields).
    out : path, optional
        Write the HTML here (one self-contained file, works offline).

    Returns
    -------
    geoatlas.render.web.WebMap
    """
    from .atlas import Atlas
    from .recipe import parse_recipe
    from .render.web import make_map

    catalog = _world_catalog(Path.cwd())
    frame, table = adopt_frame(name, gdf, sources, catalog.tables["sources"],
                               require_sources=False)
    catalog.layers[name] = frame
    catalog.tables["sources"] = table
    atlas = Atlas(catalog)
    fields = [c for c in frame.columns if c != "geometry"]
    entry = {"layer": name, "title": title or name, "style": dict(style or {}),
             "popup": list(popup) if popup is not None else fields[:12]}
    if tooltip is not None:
        entry["tooltip"] = list(tooltip)
    recipe = parse_recipe({"title": title or name, "layers": [entry]}, name,
                          Path(f"{name}.toml"), atlas)
    m = make_map(atlas, recipe)
    if out is not None:
        html = m.render()
        path = Path(out)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(path)
    return m
