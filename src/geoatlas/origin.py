"""Where each feature of a built GeoPackage came from, so that edits can come back.

``geoatlas build`` calls :func:`write_origin` on every GeoPackage it writes. Two plain
SQLite tables are added, deliberately *not* registered in ``gpkg_contents`` so that
QGIS and GDAL do not list them as layers (GDAL hides unregistered tables of a
GeoPackage that has attribute tables):

``geoatlas_build`` (``key``, ``value``)
    ``workspace`` (the folder name), ``recipe``, ``build_id`` (a hash of the input
    files, so the same input gives the same file) and ``format``.
``geoatlas_origin`` (``gpkg_table``, ``fid``, ``layer``, ``row_id``, ``path``, ``line``,
``exported``)
    One row per feature or attribute row: the workspace layer or table it belongs to,
    its ``id``, the CSV file and line it was read from, and the values exactly as they
    were written (JSON, geometry as WKB hex). :mod:`geoatlas.importer` compares an
    edited GeoPackage against ``exported`` to tell edits from derived values.

Examples
--------
>>> normalize(3.0), normalize(float("nan")), normalize(" a "), normalize("")
(3, None, ' a ', None)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

ORIGIN_TABLE = "geoatlas_origin"
BUILD_TABLE = "geoatlas_build"
FORMAT = "geoatlas-origin/1"
ATTRIBUTE_TABLES = ("contracts", "events", "sources", "trade")
"""Non-spatial tables the QGIS GeoPackage carries (as :data:`geoatlas.render.qgis.TABLES`)."""


def normalize(value):
    """A value as read from or written to a GeoPackage, in a comparable JSON form.

    Missing values (None, NaN, NaT, ``""``) become ``None``; whole floats become ints;
    numpy scalars Python ones; dates ISO 8601 text. Text is kept as it is.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, str):
        return value if value != "" else None
    return value


def build_id(root: Path, recipe_name: str) -> str:
    """A hash of the files a build of ``recipe_name`` reads (16 hex digits).

    >>> import tempfile
    >>> len(build_id(Path(tempfile.mkdtemp()), "x"))
    16
    """
    digest = hashlib.sha256()
    files = sorted([*(root / "layers").glob("*"), *(root / "geo").glob("*"),
                    root / "maps" / f"{recipe_name}.toml"])
    for file in files:
        if file.is_file():
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def write_origin(atlas, recipe, layers: Sequence, path: str | Path) -> None:
    """Add the ``geoatlas_build`` and ``geoatlas_origin`` tables to a built GeoPackage.

    Parameters
    ----------
    atlas : geoatlas.Atlas
        The workspace the GeoPackage was built from.
    recipe : geoatlas.recipe.Recipe
        Its recipe.
    layers : sequence of PreparedLayer
        The recipe's prepared layers, in the order the GeoPackage holds them.
    path : str or pathlib.Path
        The GeoPackage (written by :func:`geoatlas.render.qgis.write_geopackage`).
    """
    import pyogrio

    from .render.qgis import table_names
    from .schema import TABLES

    path = Path(path)
    present = {name for name, _ in pyogrio.list_layers(path)}
    pairs = [(t, p.spec.layer) for t, p in zip(table_names(layers), layers)]
    pairs += [(t, t) for t in ATTRIBUTE_TABLES if t in present]
    rows = []
    for table, layer in pairs:
        if table not in present:
            continue
        frame = pyogrio.read_dataframe(path, layer=table, fid_as_index=True)
        rows += origin_rows(atlas, table, layer, frame)
    meta = {"workspace": atlas.root.name, "recipe": recipe.name,
            "build_id": build_id(atlas.root, recipe.name), "format": FORMAT,
            "layers": json.dumps({t: layer for t, layer in pairs
                                  if layer in TABLES}, sort_keys=True)}
    with sqlite3.connect(path) as db:
        db.execute(f"DROP TABLE IF EXISTS {BUILD_TABLE}")
        db.execute(f"DROP TABLE IF EXISTS {ORIGIN_TABLE}")
        db.execute(f"CREATE TABLE {BUILD_TABLE} (key TEXT PRIMARY KEY, value TEXT)")
        db.execute(f"CREATE TABLE {ORIGIN_TABLE} (gpkg_table TEXT NOT NULL, "
                   "fid INTEGER NOT NULL, layer TEXT NOT NULL, row_id TEXT, path TEXT, "
                   "line INTEGER, exported TEXT NOT NULL, PRIMARY KEY (gpkg_table, fid))")
        db.executemany(f"INSERT INTO {BUILD_TABLE} VALUES (?, ?)", sorted(meta.items()))
        db.executemany(f"INSERT INTO {ORIGIN_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    db.close()


def origin_rows(atlas, table: str, layer: str, frame: pd.DataFrame) -> list[tuple]:
    """``geoatlas_origin`` rows of one GeoPackage table read back with its fids."""
    from .schema import TABLES

    lines = atlas.catalog.lines.get(layer, {})
    spec = TABLES.get(layer)
    geom = frame.geometry.name if hasattr(frame, "geometry") else None
    columns = [c for c in frame.columns if c != geom]
    ids = frame["id"] if "id" in frame else pd.Series([None] * len(frame), index=frame.index)
    out = []
    for fid, ident in zip(frame.index, ids):
        values = {c: normalize(v) for c, v in zip(columns, frame.loc[fid, columns])}
        if geom is not None:
            g = frame.geometry.loc[fid]
            values["__geometry__"] = geometry_key(g, full=spec is not None)
        row_id = normalize(ident)
        row_id = None if row_id is None else str(row_id)
        out.append((table, int(fid), layer, row_id, spec.path if spec else None,
                    lines.get(row_id) if row_id else None,
                    json.dumps(values, sort_keys=True, ensure_ascii=False)))
    return out


def geometry_key(geom, full: bool = True) -> str | None:
    """A geometry as WKB hex (``full``), else a short hash of it (basemap layers).

    >>> import shapely
    >>> geometry_key(shapely.Point(1, 2))[:10], len(geometry_key(shapely.Point(1, 2), False))
    ('0101000000', 24)
    """
    if geom is None:
        return None
    if full:
        return geom.wkb_hex
    return "sha256:" + hashlib.sha256(geom.wkb).hexdigest()[:17]


def read_origin(path: str | Path) -> tuple[dict[str, str], dict[tuple[str, int], dict]]:
    """``(build metadata, {(gpkg_table, fid): origin})`` of a GeoPackage, or raise.

    Raises :class:`~geoatlas.errors.DataError` when the file was not written by
    ``geoatlas build`` (it has no origin tables).
    """
    from .errors import DataError, Problem

    path = Path(path)
    shown = str(path)
    if not path.is_file():
        raise DataError([Problem(shown, "no such file")])
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            names = {r[0] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if ORIGIN_TABLE not in names or BUILD_TABLE not in names:
                raise DataError([Problem(shown, "has no geoatlas origin tables: import takes a "
                                        "GeoPackage written by `geoatlas build` (out/<map>.gpkg)")])
            meta = dict(db.execute(f"SELECT key, value FROM {BUILD_TABLE}"))
            origin = {}
            for table, fid, layer, row_id, file, line, exported in db.execute(
                    f"SELECT gpkg_table, fid, layer, row_id, path, line, exported "
                    f"FROM {ORIGIN_TABLE}"):
                origin[(table, int(fid))] = {"layer": layer, "row_id": row_id, "path": file,
                                             "line": line, "values": json.loads(exported)}
        db.close()
    except sqlite3.DatabaseError as exc:
        raise DataError([Problem(shown, f"is not a readable GeoPackage: {exc}")]) from None
    return meta, origin
