"""The recipe's GeoPackage: layers, basemap, status periods, tables, relations, styles.

Written with pyogrio (GeoPackage 1.2, EPSG:4326), then completed with SQLite:

- one feature table per recipe layer, in recipe order;
- ``countries`` under every map and in its inset (``basemap_countries`` when the recipe
  draws countries itself), cut to a box around a national map so the GeoPackage
  opened alone zooms to the region;
- ``<layer>_periods`` for layers whose status changes over time: one row per feature
  and status period (``valid_from``/``valid_to``), for QGIS's temporal controller;
- the tables ``contracts``, ``events``, ``sources``, ``trade`` and ``citations`` (one
  row per layer, feature and cited source, unrolled from ``source_ids``);
- the OGC Related Tables extension (``gpkgext_relations`` and one mapping table per
  link that has rows), so GDAL >= 3.6 and QGIS >= 3.30 find the relations from the
  GeoPackage alone;
- ``layer_styles``: the default QML of every feature table, which QGIS applies when a
  layer is opened from the GeoPackage.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import shapely

from ...ogr import GPKG_VERSION, ogr_frame
from ...recipe import LayerSpec
from ...style import LayerStyle
from ..prepare import PreparedLayer, extent
from .common import WKB, GpkgTable
from .symbols import layer_qml

__all__ = [
    "BASEMAP_PAD",
    "CITATIONS",
    "RELATIONS_TABLE",
    "RTE_EXTENSION",
    "STYLE_TABLE",
    "TABLES",
    "TABLE_ABSTRACTS",
    "TABLE_TITLES",
    "WHOLE_WORLD_SPAN",
    "Link",
    "basemap_colors",
    "basemap_layer",
    "citations",
    "key_of",
    "periods_layer",
    "related_links",
    "t_is_parent",
    "table_names",
    "write_geopackage",
    "write_relations",
]


STYLE_TABLE = "layer_styles"
TABLES = ("contracts", "events", "sources", "trade")
"""Non-spatial tables copied into the GeoPackage as ``attributes`` tables."""
CITATIONS = "citations"
RELATIONS_TABLE = "gpkgext_relations"
RTE_EXTENSION = ("related_tables", "http://www.geopackage.org/18-000.html")
BASEMAP_PAD = 1.0
"""The basemap box: the map extent grown by this share of its size on every side."""
WHOLE_WORLD_SPAN = 40.0
"""Maps wider or taller than this (degrees) get the whole world under them: their inset
(and a conic's fanned-out corners) reach far beyond any box."""


@dataclass(frozen=True)
class Link:
    """One relation with rows: ``base`` rows point at ``related`` rows (by fid)."""

    name: str
    base: str
    related: str
    pairs: tuple[tuple[int, int], ...]


def table_names(layers: Sequence[PreparedLayer]) -> list[str]:
    """GeoPackage table name of each recipe layer: the layer name, suffixed if repeated.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> table_names([NS(name="rail"), NS(name="deposits"), NS(name="rail")])
    ['rail', 'deposits', 'rail_2']
    """
    seen: dict[str, int] = {}
    out = []
    for prepared in layers:
        n = seen.get(prepared.name, 0) + 1
        seen[prepared.name] = n
        out.append(prepared.name if n == 1 else f"{prepared.name}_{n}")
    return out


def basemap_layer(atlas, recipe, layers: Sequence[PreparedLayer]) -> PreparedLayer | None:
    """The countries under the map (and in its inset), unlabelled, as a prepared layer.

    Written even when the recipe draws countries itself (as ``basemap_countries``, under
    the recipe's own): the layout's inset always shows this one, without labels.
    """
    if "countries" not in atlas.layers:
        return None

    xmin, ymin, xmax, ymax = extent(list(layers), recipe)
    padx, pady = max((xmax - xmin) * BASEMAP_PAD, 5.0), max((ymax - ymin) * BASEMAP_PAD, 5.0)
    box = (max(xmin - padx, -180), max(ymin - pady, -90), min(xmax + padx, 180),
           min(ymax + pady, 90))
    frame = atlas["countries"].copy()
    if max(xmax - xmin, ymax - ymin) <= WHOLE_WORLD_SPAN:
        frame = frame[frame.geometry.intersects(shapely.box(*box))]
        frame = frame.set_geometry(shapely.clip_by_rect(frame.geometry.to_numpy(), *box))
        frame = frame[~frame.geometry.is_empty]
    land, border = basemap_colors()
    style = LayerStyle.from_dict("countries", "polygon", {
        "color": border, "fill": land, "weight": 0.6, "fill_opacity": 1.0, "opacity": 1.0})
    spec = LayerSpec(layer="countries", title="Countries", group="Basemap", where=None,
                     visible=True, tooltip=("name",), popup=("name",), label=None,
                     contracts=False, timeline=False, style=style)
    return PreparedLayer(spec, frame, style.symbols(frame), [])


def basemap_colors() -> tuple[str, str]:
    """Land fill and border colour of the basemap, from the style spec."""
    from ...style import BASEMAP

    return BASEMAP.get("neighbours") or BASEMAP["land"], BASEMAP["border"]


def periods_layer(atlas, prepared: PreparedLayer) -> PreparedLayer | None:
    """One row per feature and status period, for the temporal controller.

    A feature's dated status transitions (the same histories the web map's time control
    replays) become periods ``[valid_from, valid_to)``; the last is open-ended. A feature
    whose statuses are all undated gets one timeless row (NULL dates: always shown).
    ``None`` when the layer follows no timeline.
    """
    hist = atlas.catalog.histories.get(prepared.name) if prepared.spec.timeline else None
    if not hist or "id" not in prepared.frame or "status" not in prepared.frame:
        return None
    frame = prepared.frame
    rows, starts, ends, status = [], [], [], []
    for pos, ident in enumerate(frame["id"]):
        h = hist.get(str(ident), [])
        dated = [t for t in h if t.date is not None]
        if not dated:
            if h:
                rows.append(pos)
                starts.append(None)
                ends.append(None)
                status.append(h[-1].status)
            continue
        for i, t in enumerate(dated):
            nxt = dated[i + 1].date if i + 1 < len(dated) else None
            if nxt == t.date:
                continue  # superseded the same day
            rows.append(pos)
            starts.append(t.date)
            ends.append(nxt)
            status.append(t.status)
    if not rows:
        return None
    keep = list(dict.fromkeys(
        c for c in ("id", "name", "location_quality", prepared.spec.style.color_by,
                    prepared.spec.style.size_by) if c and c in frame and c != "status"))
    out = frame.iloc[rows][[*keep, frame.geometry.name]].copy()
    out["status"] = status
    out["valid_from"] = pd.to_datetime(pd.Series(starts, dtype=object)).to_numpy()
    out["valid_to"] = pd.to_datetime(pd.Series(ends, dtype=object)).to_numpy()
    out = out.reset_index(drop=True)
    spec = prepared.spec
    spec = LayerSpec(**{**spec.__dict__, "title": f"{spec.title}: status over time",
                        "visible": False, "tooltip": tuple(
                            f for f in ("name", "status", "valid_from", "valid_to") if f in out),
                        "label": None, "where": None})
    return PreparedLayer(spec, out, spec.style.symbols(out), spec.style.legend(out))


def citations(named: Sequence[tuple[str, pd.DataFrame]],
              quotes: pd.DataFrame | None = None) -> pd.DataFrame:
    """``layer, feature_id, source_id, quote``: one row per cited document of every row.

    ``quote`` holds the sentences of the document the claim rests on (the workspace's
    ``citations`` table, several joined by " … "); it is empty where the document is
    cited as a whole, which the maps mark "unquoted".

    Examples
    --------
    >>> f = pd.DataFrame({"id": ["a", "b"], "source_ids": ["s1;s2", "s2"]})
    >>> q = pd.DataFrame({"table": ["deposits"], "row_id": ["a"], "source_id": ["s2"],
    ...                   "quote": ["Copper was found."]})
    >>> citations([("deposits", f)], q).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['deposits', 'a', 's1', None], ['deposits', 'a', 's2', 'Copper was found.'],
     ['deposits', 'b', 's2', None]]
    """
    said: dict[tuple[str, str, str], list[str]] = {}
    if quotes is not None and len(quotes):
        for key in zip(quotes["table"].astype(str), quotes["row_id"].astype(str),
                       quotes["source_id"].astype(str), quotes["quote"]):
            if isinstance(key[3], str) and key[3].strip():
                said.setdefault(key[:3], []).append(key[3].strip())
    rows = []
    for layer, frame in named:
        if "id" not in frame or "source_ids" not in frame:
            continue
        for ident, cell in zip(frame["id"], frame["source_ids"]):
            if cell is None or (isinstance(cell, float) and pd.isna(cell)):
                continue
            for sid in dict.fromkeys(s.strip() for s in str(cell).split(";") if s.strip()):
                found = said.get((layer, str(ident), sid))
                rows.append((layer, str(ident), sid, " … ".join(found) if found else None))
    return pd.DataFrame(rows, columns=["layer", "feature_id", "source_id", "quote"],
                        dtype=object)


def write_geopackage(atlas, recipe, layers: Sequence[PreparedLayer], path) -> list[GpkgTable]:
    """Write the recipe's GeoPackage (see the module docstring for what it holds).

    Parameters
    ----------
    atlas : geoatlas.Atlas
        The workspace (for the non-spatial tables, the basemap and the histories).
    recipe : geoatlas.recipe.Recipe
        The recipe (titles, name).
    layers : sequence of PreparedLayer
        The prepared recipe layers.
    path : str or pathlib.Path
        The ``.gpkg`` to create (an existing file is replaced).

    Returns
    -------
    list of GpkgTable
        Every table written: recipe layers in recipe order, then the basemap, the
        status periods and the attribute tables.
    """
    path = Path(path)
    if path.exists():
        path.unlink()
    written: list[GpkgTable] = []
    with _gdal_date():
        for table, prepared in zip(table_names(layers), layers):
            written.append(_write_layer(path, table, prepared, "recipe", written, recipe))
        base = basemap_layer(atlas, recipe, layers)
        if base is not None:
            name = "countries" if "countries" not in table_names(layers) else "basemap_countries"
            written.append(_write_layer(path, name, base, "basemap", written, recipe))
        for t in list(written):
            if t.kind != "recipe":
                continue
            periods = periods_layer(atlas, t.layer)
            if periods is not None:
                written.append(_write_layer(path, f"{t.table}_periods", periods, "history",
                                            written, recipe))
        world = atlas.as_of(recipe.as_of) if recipe.as_of else atlas  # as prepare() does
        frames: dict[str, pd.DataFrame] = {}
        for table in TABLES:
            if table in world.tables:
                frames[table] = world[table]
        cited = [(t.layer.name, t.layer.frame) for t in written if t.kind == "recipe"]
        cited += [(name, f) for name, f in frames.items() if name != "sources"]
        quotes = world[CITATIONS] if CITATIONS in world.tables else None
        frames[CITATIONS] = citations(cited, quotes)
        for table, frame in frames.items():
            _write_frame(path, table, ogr_frame(frame), None, written,
                         TABLE_TITLES.get(table, table), TABLE_ABSTRACTS.get(table, ""))
            written.append(GpkgTable(table, TABLE_TITLES.get(table, table), None, "NoGeometry",
                                     kind="table", source=table,
                                     abstract=TABLE_ABSTRACTS.get(table, ""),
                                     fields=tuple(str(c) for c in frame.columns),
                                     frame=frame))
        _write_styles(path, written, recipe)
        write_relations(path, related_links(written))
    return written


TABLE_TITLES = {
    "contracts": "Contracts", "events": "Events", "sources": "Sources",
    "trade": "Trade figures", CITATIONS: "Citations",
}
TABLE_ABSTRACTS = {
    "contracts": "Contracts and investments, each tied to one deposit, rail link, corridor "
                 "or country (asset_layer + asset_id), with value, date and status.",
    "events": "Dated timeline: each row changes or reports the status of a contract, rail "
              "link or corridor (subject_layer + subject_id) and cites its documents.",
    "sources": "One row per document cited anywhere in the workspace: title, publisher, "
               "date, file or URL.",
    "trade": "Trade figures exactly as the sources print them (as_printed keeps the text).",
    CITATIONS: "Which documents each feature and table row cites: one row per layer, "
               "feature id and source id (the source_ids lists, unrolled), with the "
               "sentences of the document the claim rests on (quote; empty where the "
               "document is cited as a whole: unquoted).",
}


def _write_layer(path: Path, table: str, prepared: PreparedLayer, kind: str,
                 written: list[GpkgTable], recipe) -> GpkgTable:
    import pyogrio

    frame = ogr_frame(prepared.frame)
    geometry = prepared.spec.style.geometry
    wkb = _wkb_type(frame, geometry)
    _write_frame(path, table, frame, wkb, written, prepared.spec.title,
                 f"{recipe.title}: {prepared.spec.title}")
    geom_col = pyogrio.read_info(path, layer=table)["geometry_name"]
    return GpkgTable(table, prepared.spec.title, geom_col, wkb, prepared, layer_qml(prepared),
                     kind=kind, source=prepared.name, geometry=geometry,
                     fields=tuple(str(c) for c in frame.columns if c != frame.geometry.name))


def _write_frame(path: Path, table: str, frame, wkb: str | None,
                 written: Sequence[GpkgTable], title: str, description: str) -> None:
    import pyogrio

    first = not path.exists()
    extra = {}
    if wkb is not None:
        extra = {"geometry_type": wkb, "promote_to_multi": wkb.startswith("Multi")}
    pyogrio.write_dataframe(
        frame, path, layer=table, driver="GPKG",
        dataset_options={"VERSION": GPKG_VERSION} if first else None,
        layer_options={"IDENTIFIER": _identifier(title, table, written),
                       "DESCRIPTION": description},
        **extra,
    )


def related_links(tables: Sequence[GpkgTable]) -> list[Link]:
    """Every link between the written tables that has rows, as fid pairs.

    Layers (and contracts) to their contracts and events by ``asset_layer``/``asset_id``
    and ``subject_layer``/``subject_id`` (both keys), and everything that cites
    documents to ``sources`` through ``citations``.
    """
    frames = {t.table: (t.source, _rows(t)) for t in tables if t.kind in ("recipe", "table")}
    links: list[Link] = []

    def fids(frame, key="id"):
        return {str(v): i + 1 for i, v in enumerate(frame[key])} if key in frame else {}

    parents = [(table, src, f) for table, (src, f) in frames.items()
               if t_is_parent(src) and key_of(src) in f]
    for child, layer_col, id_col in (("contracts", "asset_layer", "asset_id"),
                                     ("events", "subject_layer", "subject_id")):
        if child not in frames:
            continue
        cf = frames[child][1]
        for table, src, pf in parents:
            if table == child:
                continue
            ids = fids(pf, key_of(src))
            pairs = tuple(sorted(
                (ids[str(i)], n + 1) for n, (lyr, i) in enumerate(zip(cf[layer_col], cf[id_col]))
                if lyr == src and str(i) in ids))
            if pairs:
                links.append(Link(f"{table}_{child}", table, child, pairs))
    if CITATIONS in frames and "sources" in frames:
        cit = frames[CITATIONS][1]
        sources = fids(frames["sources"][1])
        for table, (src, f) in frames.items():
            if table in (CITATIONS, "sources") or "id" not in f:
                continue
            ids = fids(f)
            pairs = tuple(sorted({
                (ids[i], sources[s]) for lyr, i, s in
                zip(cit["layer"], cit["feature_id"], cit["source_id"])
                if lyr == src and i in ids and s in sources}))
            if pairs:
                links.append(Link(f"{table}_sources", table, "sources", pairs))
    return links


def t_is_parent(source: str) -> bool:
    """Whether contracts or events may point at rows of ``source``."""
    return source in ("deposits", "rail", "corridors", "contracts", "countries")


def key_of(source: str) -> str:
    """The column contracts and events use to name a row of ``source``.

    Examples
    --------
    >>> key_of("deposits"), key_of("countries")
    ('id', 'iso3')
    """
    return "iso3" if source == "countries" else "id"


def _rows(t: GpkgTable) -> pd.DataFrame:
    if t.layer is not None:
        return t.layer.frame
    return t.frame if t.frame is not None else pd.DataFrame()


def write_relations(path: Path, links: Sequence[Link]) -> None:
    """The OGC Related Tables extension: ``gpkgext_relations`` and the mapping tables."""
    if not links:
        return
    name, definition = RTE_EXTENSION
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(f"CREATE TABLE {RELATIONS_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                   "base_table_name TEXT NOT NULL, base_primary_column TEXT NOT NULL "
                   "DEFAULT 'id', related_table_name TEXT NOT NULL, related_primary_column "
                   "TEXT NOT NULL DEFAULT 'id', relation_name TEXT NOT NULL, "
                   "mapping_table_name TEXT NOT NULL UNIQUE)")
        db.execute("INSERT INTO gpkg_extensions (table_name, column_name, extension_name, "
                   "definition, scope) VALUES (?, NULL, ?, ?, 'read-write')",
                   (RELATIONS_TABLE, name, definition))
        for link in links:
            mapping = f"{link.name}_map"
            db.execute(f'CREATE TABLE "{mapping}" (base_id INTEGER NOT NULL, '
                       "related_id INTEGER NOT NULL)")
            db.executemany(f'INSERT INTO "{mapping}" (base_id, related_id) VALUES (?, ?)',
                           link.pairs)
            db.execute(f"INSERT INTO {RELATIONS_TABLE} (base_table_name, base_primary_column, "
                       "related_table_name, related_primary_column, relation_name, "
                       "mapping_table_name) VALUES (?, 'fid', ?, 'fid', 'attributes', ?)",
                       (link.base, link.related, mapping))
            db.execute("INSERT INTO gpkg_extensions (table_name, column_name, extension_name, "
                       "definition, scope) VALUES (?, NULL, ?, ?, 'read-write')",
                       (mapping, name, definition))


def _identifier(title: str, table: str, written: Sequence[GpkgTable]) -> str:
    """``gpkg_contents.identifier`` must be unique: the title, else title and table."""
    taken = {t.title for t in written}
    return title if title not in taken else f"{title} ({table})"


def _wkb_type(frame, kind: str) -> str:
    kinds = set(frame.geom_type.dropna()) if len(frame) else set()
    if kind == "polygon":
        return "MultiPolygon"  # belts mix Polygon and MultiPolygon after clipping
    single = WKB[kind][1]
    return f"Multi{single}" if any(k.startswith("Multi") for k in kinds) else single


def _write_styles(path: Path, tables: Sequence[GpkgTable], recipe) -> None:
    """The ``layer_styles`` table, as QGIS 3.22 creates it (QGIS reads it by name)."""
    import pyogrio

    styled = [t for t in tables if t.qml is not None]
    when = pd.Timestamp(_build_time())
    rows = pd.DataFrame({
        "f_table_catalog": ["" for _ in styled],
        "f_table_schema": ["" for _ in styled],  # '' (not NULL): QGIS applies only these
        "f_table_name": [t.table for t in styled],
        "f_geometry_column": [t.geometry_column or "" for t in styled],
        "styleName": [t.title for t in styled],
        "styleQML": [t.qml for t in styled],
        "styleSLD": ["" for _ in styled],
        "useAsDefault": pd.Series([True] * len(styled), dtype=bool),
        "description": [f"geoatlas style of {recipe.name}" for _ in styled],
        "owner": ["" for _ in styled],
        "ui": ["" for _ in styled],
        "update_time": pd.Series([when] * len(styled), dtype="datetime64[ms, UTC]"),
    })
    pyogrio.write_dataframe(rows, path, layer=STYLE_TABLE, driver="GPKG",
                            layer_options={"FID": "id", "DESCRIPTION": "QGIS layer styles"})


def _build_time() -> dt.datetime:
    """A fixed timestamp for reproducible files (``SOURCE_DATE_EPOCH`` when set)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    return dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


@contextlib.contextmanager
def _gdal_date() -> Iterator[None]:
    """Pin GDAL's ``gpkg_contents.last_change`` so that the same input gives the same file."""
    import pyogrio

    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    stamp = _build_time().strftime("%Y-%m-%dT%H:%M:%S.000Z")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": stamp})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
