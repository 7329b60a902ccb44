"""Your own GeoDataFrames as geoatlas layers: check a frame and adopt it.

:func:`adopt_frame` checks a frame the way a dropped-in file is checked (a CRS, unique
ids, citations) and returns it in EPSG:4326 indexed by ``id``; :meth:`Atlas.with_layer`
uses it, and :func:`geoatlas.quickmap.quick_map` draws any frame on the offline world
basemap with it.

Examples
--------
>>> import geopandas as gpd, shapely
>>> pits = gpd.GeoDataFrame({"id": ["pit-1"], "name": ["Pit 1"]}, crs=4326,
...                         geometry=[shapely.Point(69.2, 34.3)])
>>> frame, _ = adopt_frame("pits", pits, require_sources=False)
>>> list(frame.index)
['pit-1']
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import DataError, Problem

__all__ = ["adopt_frame"]

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
    table, problems = _with_new_sources(table, new_rows)
    known = set(table["id"])
    bad = [i for i in ids if i not in known]
    if bad:
        problems.append(Problem(shown, f"unknown source id(s) {', '.join(bad)}; known: "
                                       f"{', '.join(sorted(known)) or '(none)'}"))
    frame = _with_text_ids(gdf)
    for ident in frame["id"][frame["id"].duplicated()].unique():
        problems.append(Problem(shown, f"duplicate id '{ident}'", feature=ident))
    cells = (frame["source_ids"].fillna("").astype(str).tolist() if "source_ids" in frame
             else [""] * len(frame))
    whole = ";".join(ids)
    filled = [c if schema.split_list(c) else whole for c in cells]
    if require_sources:
        problems += _citation_problems(shown, frame["id"], filled, whole, known)
    if problems:
        raise DataError(problems)
    if any(filled):
        frame["source_ids"] = filled
    frame = frame.set_index("id", drop=False).rename_axis(None)
    return frame, table


def _with_text_ids(gdf):
    """A copy of ``gdf`` in EPSG:4326 with a text ``id`` column (the index when it has none)."""
    frame = gdf.to_crs(4326).copy()
    if "id" not in frame.columns:
        frame.insert(0, "id", [str(i) for i in frame.index])
    frame["id"] = frame["id"].astype(str)
    return frame


def _with_new_sources(table, new_rows: list[dict]):
    """``(table, problems)``: ``table`` with ``new_rows`` added, when they are all valid.

    A new row needs a kebab-case ``id`` not yet taken and a ``title``; its ``kind`` is
    ``dataset`` unless it says otherwise. With any problem, the table stays as it was.
    """
    import pandas as pd

    from . import schema

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
    return table, problems


def _citation_problems(shown: str, idents, filled: list[str], whole: str,
                       known: set[str]) -> list[Problem]:
    """Features that cite nothing (the first ten, then a count) or cite unknown ids.

    ``filled`` holds each feature's ``source_ids`` with ``whole`` (the ids given for the
    whole frame, already checked) in place of an empty cell.
    """
    from . import schema

    problems = []
    uncited = [i for i, c in zip(idents, filled, strict=True) if not c]
    for ident in uncited[:10]:
        problems.append(Problem(shown, "cites no source: give sources=... or a "
                                       "'source_ids' column", feature=ident))
    if len(uncited) > 10:
        problems.append(Problem(shown, f"and {len(uncited) - 10} more features cite "
                                       "no source"))
    for ident, cell in zip(idents, filled, strict=True):
        unknown = [s for s in schema.split_list(cell) if s not in known]
        if unknown and cell != whole:
            problems.append(Problem(shown, f"'source_ids' refers to unknown source id(s) "
                                           f"{', '.join(unknown)}", feature=ident))
    return problems
