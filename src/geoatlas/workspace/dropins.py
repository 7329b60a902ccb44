"""Files an analyst drops into ``layers/``: any OGR-readable layer, checked lightly.

Each must have a CRS, valid geometries, unique ids, no control or bidi characters in
its field names and text, and cite its sources like the CSVs do: a ``source_ids``
column, or a sidecar ``layers/<file>.sources`` listing the ids that cover the file.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import schema
from ..errors import Problem
from ..readers import read_vector
from ..textcheck import BAD_TEXT_RE, bad_characters
from .report import ProblemLog, hint

__all__ = ["VECTOR_SUFFIXES", "extra_layers"]

VECTOR_SUFFIXES = (".geojson", ".gpkg", ".shp", ".fgb", ".parquet")


def extra_layers(root: Path, sources: pd.DataFrame,
                 log: ProblemLog) -> dict[str, gpd.GeoDataFrame]:
    """Any OGR-readable file an analyst dropped into ``layers/``, validated lightly.

    A file with one layer is the layer named after the file's stem; every layer of a
    multi-layer GeoPackage is a layer named ``file.gpkg:layer``. Each must cite its
    sources, like the CSVs: a ``source_ids`` column, or a sidecar
    ``layers/<file>.sources`` listing the source ids that cover the whole file.
    """
    out = {}
    for file in sorted((root / "layers").iterdir()):
        if file.suffix.lower() not in VECTOR_SUFFIXES or file.stem in out:
            continue
        shown = f"layers/{file.name}"
        if file.stem in schema.TABLES:
            log.problems.append(
                Problem(shown, f"name clashes with built-in layer '{file.stem}'; rename it")
            )
            continue
        sidecar = _sidecar_sources(file, sources, log)
        for name, layer in _file_layers(file, shown, log):
            where = shown if name == file.stem else f"{shown}:{layer}"
            try:
                gdf = read_vector(file, layer=layer)
            except Exception as exc:  # any reader failure is a data problem here
                log.problems.append(Problem(where, f"cannot read: {exc}"))
                continue
            if gdf.crs is None:
                log.problems.append(Problem(where, "has no CRS; save it with one "
                                                   "(EPSG:4326)"))
                continue
            gdf = gdf.to_crs(4326)
            log.problems.extend(_scan_frame(gdf, where))
            for i in np.flatnonzero(~gdf.geometry.is_valid.to_numpy()):
                ident = str(gdf["id"].iloc[i]) if "id" in gdf else str(i)
                reason = shapely.is_valid_reason(gdf.geometry.iloc[i])
                log.problems.append(Problem(where, f"invalid geometry: {reason}",
                                            feature=ident))
            if "id" in gdf:
                for ident in gdf["id"][gdf["id"].duplicated()].astype(str).unique():
                    log.problems.append(Problem(where, f"duplicate id '{ident}'",
                                                feature=ident))
            gdf = _check_citations(where, file, gdf, sidecar, sources, log)
            if "id" in gdf:
                gdf = gdf.set_index("id", drop=False).rename_axis(None)
            out[name] = gdf
    return out


def _file_layers(file: Path, shown: str, log: ProblemLog) -> list[tuple[str, str | None]]:
    """``(layer name, OGR layer)`` pairs of a dropped-in file (spatial layers only)."""
    if file.suffix.lower() != ".gpkg":
        return [(file.stem, None)]
    import pyogrio

    try:
        listed = pyogrio.list_layers(file)
    except Exception as exc:  # reported like any unreadable file
        log.problems.append(Problem(shown, f"cannot read: {exc}"))
        return []
    spatial = [str(name) for name, geom in listed if geom is not None]
    if len(spatial) <= 1:
        return [(file.stem, spatial[0] if spatial else None)]
    return [(f"{file.name}:{name}", name) for name in spatial]


def _sidecar_sources(file: Path, sources: pd.DataFrame, log: ProblemLog) -> list[str] | None:
    """Source ids of ``layers/<file>.sources`` (None when there is no sidecar)."""
    side = file.with_name(file.name + ".sources")
    if not side.is_file():
        return None
    shown = f"layers/{side.name}"
    try:
        text = side.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        log.problems.append(Problem(shown, f"cannot read: {exc}"))
        return []
    ids = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        ids += [w for w in re.split(r"[;,\s]+", line) if w]
    known = set(sources["id"])
    bad = [i for i in ids if i not in known]
    if bad:
        log.problems.append(Problem(shown, f"unknown source id(s) {', '.join(bad)}"
                                           f"{hint(bad[0], known)}; ids are the 'id' "
                                           "column of layers/sources.csv"))
    if not ids:
        log.problems.append(Problem(shown, "cites no source id; list the ids of "
                                           "layers/sources.csv that cover the file"))
    return [i for i in ids if i in known]


def _check_citations(where: str, file: Path, gdf: gpd.GeoDataFrame, sidecar: list[str] | None,
                     sources: pd.DataFrame, log: ProblemLog) -> gpd.GeoDataFrame:
    """Every feature must cite sources: its ``source_ids`` cell, or the sidecar."""
    known = set(sources["id"])
    idents = (gdf["id"].astype(str).tolist() if "id" in gdf
              else [str(i) for i in range(len(gdf))])
    cells = (gdf["source_ids"].fillna("").astype(str).tolist() if "source_ids" in gdf
             else [""] * len(gdf))
    uncited, unknown = [], []
    for ident, cell in zip(idents, cells, strict=True):
        ids = schema.split_list(cell)
        if not ids and not sidecar:
            uncited.append(ident)
        bad = [i for i in ids if i not in known]
        if bad:
            unknown.append((ident, bad))
    side = f"layers/{file.name}.sources"
    shown_max = 10
    for ident in uncited[:shown_max]:
        log.problems.append(Problem(where, "cites no source: add a 'source_ids' column "
                                           "(ids from layers/sources.csv) or a sidecar "
                                           f"{side} citing the whole file", feature=ident))
    if len(uncited) > shown_max:
        log.problems.append(Problem(where, f"and {len(uncited) - shown_max} more "
                                           "features cite no source"))
    for ident, bad in unknown[:shown_max]:
        log.problems.append(Problem(where, f"'source_ids' refers to unknown source id(s) "
                                           f"{', '.join(bad)}{hint(bad[0], known)}",
                                    feature=ident))
    if len(unknown) > shown_max:
        log.problems.append(Problem(where, f"and {len(unknown) - shown_max} more "
                                           "features cite unknown source ids"))
    if sidecar:  # the sidecar covers every feature that cites nothing itself
        gdf = gdf.copy()
        whole = ";".join(sidecar)
        gdf["source_ids"] = [c if schema.split_list(c) else whole for c in cells]
    return gdf


def _scan_frame(gdf: gpd.GeoDataFrame, shown: str, limit: int = 20) -> list[Problem]:
    """Control/bidi characters in a dropped-in layer's field names and text; infinities.

    Vectorised over each column; at most ``limit`` problems per field.
    """
    problems = []
    ids = gdf["id"].astype(str).to_numpy() if "id" in gdf else np.arange(len(gdf)).astype(str)
    for col in gdf.columns:
        if col == gdf.geometry.name:
            continue
        bad = bad_characters(str(col))
        if bad:
            problems.append(Problem(shown, f"field name {str(col)!r} contains {bad}; rename it"))
        series = gdf[col]
        if pd.api.types.is_float_dtype(series.dtype):
            for i in np.flatnonzero(np.isinf(series.to_numpy(dtype=float)))[:limit]:
                problems.append(Problem(shown, f"'{col}' is infinite; write a finite number "
                                               "or leave it empty", feature=ids[i]))
            continue
        if series.dtype != object and not pd.api.types.is_string_dtype(series.dtype):
            continue
        text = series.map(lambda v: v if isinstance(v, str) else "")
        hits = np.flatnonzero(text.str.contains(BAD_TEXT_RE, regex=True).to_numpy(dtype=bool))
        for i in hits[:limit]:
            bad = bad_characters(text.iloc[i], free_text=col in schema.FREE_TEXT_COLUMNS)
            if bad:
                problems.append(Problem(shown, f"'{col}' contains {bad}; remove it",
                                        feature=ids[i]))
    return problems
