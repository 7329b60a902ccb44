"""Bring edits made in QGIS to a built GeoPackage back into the workspace's CSV files.

``geoatlas build`` records where each feature came from (:mod:`geoatlas.origin`).
:func:`plan_import` compares the edited GeoPackage with that record, feature by
feature (by GeoPackage fid, which QGIS keeps), and with the workspace as it is now:

- a cell whose value differs from what was exported, and from the CSV today, is an
  attribute change; only columns of the CSV file are written back, the columns that the
  build derives (joined contracts, styles, status as of a date, ``length_km``...) are
  listed as *not written back*;
- a moved point (places, deposits) sets ``lat``/``lon``; the geometry of schematic lines
  (rail, corridors: built from ``nodes``) and belts (``axis`` + ``half_width_km``) is
  never written back as coordinates: the summary says what to change instead;
- a new feature becomes a new row (it needs an ``id``); a deleted one is removed only
  with ``allow_delete``, otherwise listed.

The new CSV texts are checked with the same validation as ``geoatlas check`` (on a
scratch copy of the workspace) before anything is written; a problem names the layer
and feature id, and nothing is written. Rows are edited in place
(:class:`geoatlas.csvedit.CsvText`): untouched lines stay byte-identical.

Examples
--------
>>> plan = plan_import("out/afghanistan-minerals.gpkg", ".")     # doctest: +SKIP
>>> print(plan.summary())                                       # doctest: +SKIP
deposits: 1 moved (mes-aynak, 2.3 km), 1 attribute changed (hajigak.name Hajigak → Haji Gak)
>>> plan.write()                                                # doctest: +SKIP
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ._atomic import staged
from .csvedit import CsvText
from .errors import ImportRefused, Problem
from .origin import geometry_key, normalize, read_origin

if TYPE_CHECKING:  # pragma: no cover
    from .schema import Table

__all__ = [
    "GEOM",
    "GEOMETRY_FROM",
    "POINT_LAYERS",
    "SCHEMATIC_LAYERS",
    "ImportPlan",
    "LayerChanges",
    "plan_import",
]


POINT_LAYERS = ("places", "deposits")
SCHEMATIC_LAYERS = ("rail", "corridors")
GEOMETRY_FROM = {"rail": "`nodes`", "corridors": "`nodes`", "belts": "`axis`/`half_width_km`"}
GEOM = "__geometry__"


@dataclass
class LayerChanges:
    """What an import does to one workspace layer or table."""

    moved: list[tuple[str, float]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    changed: list[tuple[str, str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def empty(self) -> bool:
        """True when nothing is written for this layer and nothing is to be said."""
        return not (self.moved or self.added or self.deleted or self.changed or self.notes)


@dataclass
class ImportPlan:
    """The changes found in an edited GeoPackage, and the CSV texts they produce."""

    gpkg: Path
    root: Path
    meta: dict[str, str]
    layers: dict[str, LayerChanges]
    texts: dict[str, tuple[str, str]]  # path -> (old text, new text), changed files only
    allow_delete: bool

    def summary(self) -> str:
        """One line per layer: ``deposits: 1 moved (mes-aynak, 2.3 km), ...``."""
        out = []
        for layer, ch in self.layers.items():
            parts = []
            if ch.moved:
                parts.append(f"{len(ch.moved)} moved ("
                             + ", ".join(f"{i}, {km:.1f} km" for i, km in ch.moved) + ")")
            if ch.added:
                parts.append(f"{len(ch.added)} added ({', '.join(ch.added)})")
            if ch.deleted:
                verb = "deleted" if self.allow_delete else "deleted in the GeoPackage, kept " \
                    "(use --allow-delete to remove)"
                parts.append(f"{len(ch.deleted)} {verb} ({', '.join(ch.deleted)})")
            if ch.changed:
                n = len(ch.changed)
                parts.append(f"{n} attribute{' changed' if n == 1 else 's changed'} ("
                             + ", ".join(f"{i}.{c} {_show(a)} → {_show(b)}"
                                         for i, c, a, b in ch.changed) + ")")
            if parts:
                out.append(f"{layer}: " + ", ".join(parts))
            out += [f"{layer}: not written back: {n}" for n in ch.notes]
        return "\n".join(out) if out else "no changes"

    def diff(self) -> str:
        """A unified diff of the CSV files the import changes."""
        chunks = []
        for path, (old, new) in self.texts.items():
            chunks += difflib.unified_diff(old.splitlines(keepends=True),
                                           new.splitlines(keepends=True),
                                           f"a/{path}", f"b/{path}")
        return "".join(chunks)

    def write(self) -> list[Path]:
        """Write the changed CSV files (each replaced atomically); return their paths."""
        written = []
        for path, (_, new) in self.texts.items():
            target = self.root / path
            with staged(target) as tmp:
                tmp.write_bytes(new.encode("utf-8"))
            written.append(target)
        return written


def _show(value) -> str:
    return "(empty)" if value in (None, "") else str(value)


def plan_import(gpkg: str | Path, workspace: str | Path | None = None,
                allow_delete: bool = False) -> ImportPlan:
    """Compare an edited GeoPackage with its origin and the workspace; validate the result.

    Parameters
    ----------
    gpkg : str or pathlib.Path
        A GeoPackage written by ``geoatlas build``, possibly edited in QGIS.
    workspace : str or pathlib.Path, optional
        The workspace to write into (default: the current one).
    allow_delete : bool
        Remove rows whose features were deleted (default: only list them).

    Returns
    -------
    ImportPlan
        ``summary()``, ``diff()``, and ``write()`` to apply it.

    Raises
    ------
    ImportRefused
        An edit is invalid (every problem listed, with layer and feature id); nothing
        is written.
    """
    import pyogrio

    from .schema import TABLES
    from .workspace import find_workspace

    root = find_workspace(workspace)
    gpkg = Path(gpkg)
    meta, origin = read_origin(gpkg)
    by_table: dict[str, dict[int, dict]] = defaultdict(dict)
    for (table, fid), info in origin.items():
        by_table[table][fid] = info
    docs: dict[str, CsvText] = {}
    changes: dict[str, LayerChanges] = {}
    problems: list[Problem] = []
    touched: dict[str, dict[str, str]] = defaultdict(dict)  # path -> row id -> gpkg table
    present = {name for name, _ in pyogrio.list_layers(gpkg)}
    for table in sorted(by_table):
        infos = by_table[table]
        layer = next(iter(infos.values()))["layer"]
        ch = changes.setdefault(layer, LayerChanges())
        if layer not in TABLES:
            if table in present and _changed_at_all(gpkg, table, infos):
                ch.notes.append(f"{table} is not a workspace CSV layer (basemap or a dropped-in "
                                "file); its edits are not imported")
            continue
        spec = TABLES[layer]
        doc = _csv_text(root, spec.path, layer, docs, problems)
        if doc is None:
            continue
        if table not in present:
            problems.append(Problem(str(gpkg), f"table {table} was removed from the GeoPackage"))
            continue
        frame = pyogrio.read_dataframe(gpkg, layer=table, fid_as_index=True)
        _compare(table, layer, spec, frame, infos, doc, ch, problems, touched[spec.path],
                 allow_delete)
    changes = {k: v for k, v in changes.items() if not v.empty()}
    texts = _new_texts(root, docs)
    if problems:
        raise ImportRefused(problems)
    if texts:
        problems = _validate(root, texts, docs, touched)
        if problems:
            raise ImportRefused(problems)
    return ImportPlan(gpkg, root, meta, changes, texts, allow_delete)


def _csv_text(root: Path, path: str, layer: str, docs: dict[str, CsvText],
              problems: list[Problem]) -> CsvText | None:
    """The workspace CSV at ``path``, read once into ``docs`` (None, and a problem, if gone)."""
    if path not in docs:
        file = root / path
        if not file.exists():
            problems.append(Problem(path, f"missing; cannot import {layer} into it"))
            return None
        docs[path] = CsvText(file.read_bytes().decode("utf-8"))
    return docs[path]


def _new_texts(root: Path, docs: dict[str, CsvText]) -> dict[str, tuple[str, str]]:
    """``{path: (old text, new text)}`` of the CSV files the import changes."""
    texts = {}
    for path, doc in docs.items():
        old = (root / path).read_bytes().decode("utf-8")
        new = doc.text()
        if new != old:
            texts[path] = (old, new)
    return texts


def _changed_at_all(gpkg: Path, table: str, infos: dict[int, dict]) -> bool:
    import pyogrio

    frame = pyogrio.read_dataframe(gpkg, layer=table, fid_as_index=True)
    if set(frame.index) != set(infos):
        return True
    geom = frame.geometry.name if hasattr(frame, "geometry") else None
    for fid, info in infos.items():
        for col, old in info["values"].items():
            if col == GEOM:
                continue
            if col in frame and normalize(frame.at[fid, col]) != old:
                return True
        if geom is not None:
            if geometry_key(frame.geometry.loc[fid], full=False) != info["values"].get(GEOM):
                return True
    return False


@dataclass
class _Into:
    """Where one GeoPackage table's edits go: its workspace layer, CSV text and reports."""

    table: str
    layer: str
    spec: Table
    doc: CsvText
    ch: LayerChanges
    problems: list[Problem]
    touched: dict[str, str]

    @property
    def where(self) -> str:
        return f"{self.table} (GeoPackage)"

    @property
    def kinds(self) -> dict[str, str]:
        return {c.name: c.kind for c in (*self.spec.columns, *self.spec.optional_columns)}


def _compare(table, layer, spec, frame, infos, doc: CsvText, ch: LayerChanges,
             problems: list[Problem], touched: dict[str, str], allow_delete: bool) -> None:
    into = _Into(table, layer, spec, doc, ch, problems, touched)
    geom_col = frame.geometry.name if hasattr(frame, "geometry") else None
    columns = [c for c in frame.columns if c != geom_col]
    for fid in frame.index:
        values = {c: normalize(frame.at[fid, c]) for c in columns}
        geom = frame.geometry.loc[fid] if geom_col else None
        info = infos.get(int(fid))
        if info is None:  # a feature added in QGIS
            _added(into, fid, values, geom)
            continue
        ident = info["row_id"]
        old_values = info["values"]
        current = doc.row(ident) if ident else None
        if current is None:
            if _differs_any(values, old_values, geom, columns):
                problems.append(Problem(spec.path, f"feature was edited in the GeoPackage "
                                        f"({table}, fid {fid}) but its row is no longer in "
                                        f"{spec.path}", feature=ident or f"fid {fid}"))
            continue
        _attributes(into, ident, columns, values, old_values, geom, current)
        if geom_col and not _same_geom(geom, old_values.get(GEOM)):
            _geometry(into, ident, geom, current)
    _deletions(into, frame, infos, allow_delete)


def _added(into: _Into, fid, values: dict, geom) -> None:
    """A feature added in QGIS becomes a new row (it needs an ``id``)."""
    header, kinds, doc = into.doc.header, into.kinds, into.doc
    ident = values.get("id")
    if not ident:
        into.problems.append(Problem(into.where, f"new feature (fid {fid}) has no 'id'; give "
                                     "it a lowercase kebab-case id", feature=f"fid {fid}"))
        return
    ident = str(ident)
    row = {h: _cell(values.get(h), kinds.get(h)) for h in header}
    if into.layer in POINT_LAYERS and geom is not None and not geom.is_empty:
        row["lat"], row["lon"] = _coord(geom.y), _coord(geom.x)
    existing = doc.row(ident)
    if existing is not None and all(_same(row[h], existing[h], kinds.get(h))
                                    for h in header):
        return  # already imported
    if existing is not None:
        into.problems.append(Problem(into.where, f"new feature (fid {fid}) has id '{ident}', "
                                     f"which {into.spec.path} already has; pick another id",
                                     feature=ident))
        return
    doc.append(row)
    into.touched[ident] = into.table
    into.ch.added.append(ident)


def _attributes(into: _Into, ident: str, columns, values: dict, old_values: dict, geom,
                current) -> None:
    """Cells edited in QGIS set the CSV's cells; derived columns are only noted."""
    header, kinds = into.doc.header, into.kinds
    for col in columns:
        new, old = values.get(col), old_values.get(col)
        if _same(new, old, kinds.get(col)):
            continue
        if col not in header:
            into.ch.notes.append(f"{ident}.{col} is derived by the build ({_show(old)} → "
                                 f"{_show(new)}); change what it is derived from")
            continue
        if into.layer in POINT_LAYERS and col in ("lat", "lon") and geom is not None \
                and not _same_geom(geom, old_values.get(GEOM)):
            continue  # the moved geometry decides
        text = _cell(new, kinds.get(col))
        if _same(text, current[col].strip(), kinds.get(col)):
            continue  # already imported
        into.doc.set_cell(ident, col, text)
        into.touched[ident] = into.table
        into.ch.changed.append((ident, col, current[col].strip(), text))


def _geometry(into: _Into, ident: str, geom, current) -> None:
    """An edited geometry: a moved point sets lat/lon; built geometries get a note."""
    from .geometry import geodesic_km

    layer = into.layer
    if layer in POINT_LAYERS and geom is not None and not geom.is_empty:
        lat, lon = _coord(geom.y), _coord(geom.x)
        if _same(lat, current["lat"], "lat") and _same(lon, current["lon"], "lon"):
            return  # already imported
        km = float(geodesic_km(float(current["lon"]), float(current["lat"]),
                               geom.x, geom.y))
        into.doc.set_cell(ident, "lat", lat)
        into.doc.set_cell(ident, "lon", lon)
        into.touched[ident] = into.table
        into.ch.moved.append((ident, km))
    elif layer in GEOMETRY_FROM:
        source = GEOMETRY_FROM[layer]
        hint = " (place ids of geo/places.csv)" if layer in SCHEMATIC_LAYERS else ""
        into.ch.notes.append(f"{ident}: geometry edited, but {layer} geometry is built from "
                             f"{source} in {into.spec.path}: change {source}{hint} instead")
    else:
        into.problems.append(Problem(into.where, "geometry removed; delete the feature "
                                     "instead", feature=ident))


def _deletions(into: _Into, frame, infos: dict[int, dict], allow_delete: bool) -> None:
    """Features deleted in QGIS: listed, and removed from the CSV with ``allow_delete``."""
    for fid, info in sorted(infos.items()):
        if fid in frame.index:
            continue
        ident = info["row_id"]
        if not ident or into.doc.index(ident) is None:
            continue  # gone from the workspace too
        if ident in into.ch.deleted:
            continue
        into.ch.deleted.append(ident)
        if allow_delete:
            into.doc.delete(ident)


def _differs_any(values, old_values, geom, columns) -> bool:
    if any(normalize(values.get(c)) != old_values.get(c) for c in columns):
        return True
    return geom is not None and not _same_geom(geom, old_values.get(GEOM))


def _same_geom(geom, wkb_hex) -> bool:
    import shapely

    if geom is None or wkb_hex is None:
        return geom is None and wkb_hex is None
    return bool(shapely.equals_exact(geom, shapely.from_wkb(bytes.fromhex(wkb_hex)), 1e-9))


def _same(a, b, kind) -> bool:
    a = None if a in (None, "") else a
    b = None if b in (None, "") else b
    if a is None or b is None:
        return a is None and b is None
    if kind in ("number", "lat", "lon"):
        try:
            return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))
        except (TypeError, ValueError):
            return str(a).strip() == str(b).strip()
    return str(a).strip() == str(b).strip()


def _coord(x: float) -> str:
    """A coordinate as CSV text: 6 decimals (about 10 cm), trailing zeros dropped."""
    return f"{x:.6f}".rstrip("0").rstrip(".")


def _cell(value, kind) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value)


def _validate(root: Path, texts: dict[str, tuple[str, str]], docs: dict[str, CsvText],
              touched: dict[str, dict[str, str]]) -> list[Problem]:
    """Run ``check``'s validation on a scratch workspace holding the new texts."""
    from .workspace import WORKSPACE_DIRS, validate

    with tempfile.TemporaryDirectory(prefix="geoatlas-import-") as tmp:
        scratch = Path(tmp) / root.name
        for d in WORKSPACE_DIRS:
            (scratch / d).mkdir(parents=True)
            for entry in (root / d).iterdir():
                rel = f"{d}/{entry.name}"
                if rel in texts:
                    (scratch / rel).write_bytes(texts[rel][1].encode("utf-8"))
                elif entry.is_dir():
                    shutil.copytree(entry, scratch / rel, symlinks=True)
                else:
                    os.symlink(entry, scratch / rel)
        _, problems = validate(scratch)
    lines = {path: {doc.line_of(i): i for i in touched.get(path, {})} for path, doc in docs.items()}
    out = []
    for p in problems:
        ident = lines.get(p.path, {}).get(p.line) if p.line is not None else p.feature
        if ident is not None and (p.line is None or ident in touched.get(p.path, {})):
            table = touched.get(p.path, {}).get(ident)
            label = f"{table}: feature {ident}" if table else f"feature {ident}"
            out.append(Problem(p.path, f"{label}: {p.message}",
                               line=p.line, feature=None if p.line else ident))
        else:
            out.append(p)
    return out
