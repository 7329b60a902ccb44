"""Find a workspace and read ``geo/`` and ``layers/`` into a validated :class:`Catalog`.

A workspace is a folder with ``geo/``, ``layers/`` and ``maps/``. Loading reads every
file, checks it against :mod:`geoatlas.schema`, resolves every cross-reference, builds the
geometries, runs the spatial checks (points inside their country and province) and joins
the attribute tables. Every problem is collected; if there is any, :func:`load` raises
one :class:`~geoatlas.errors.ValidationError` that lists them all.

Examples
--------
>>> cat = load(find_workspace())                      # doctest: +SKIP
>>> cat.layers["deposits"].loc["mes-aynak", "province"]  # doctest: +SKIP
'Logar'
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import citations, geodesic, geometry, joins, schema, timeline
from .config import WorkspaceConfig, read_config
from .errors import Problem, ValidationError, WorkspaceError
from .readers import read_csv, read_vector
from .textcheck import BAD_TEXT_RE, bad_characters, first_bad_line

__all__ = [
    "BASEMAP",
    "COUNTRY_TOLERANCE_KM",
    "DATE_COLUMNS",
    "EXAMPLE_RECIPE",
    "VECTOR_SUFFIXES",
    "WORKSPACE_DIRS",
    "Catalog",
    "create_workspace",
    "find_workspace",
    "is_workspace",
    "load",
    "normalize_name",
    "validate",
]


if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

WORKSPACE_DIRS = ("geo", "layers", "maps")
BASEMAP = "geo/basemap.gpkg"
COUNTRY_TOLERANCE_KM = 5.0
"""How far outside its stated country (or province) a point may lie: border towns and
Natural Earth's 1:10m generalisation make a few km normal."""
VECTOR_SUFFIXES = (".geojson", ".gpkg", ".shp", ".fgb", ".parquet")
DATE_COLUMNS = {"contracts": "awarded", "rail": "opened", "corridors": None, "pipelines": "opened"}


@dataclass
class Catalog:
    """Everything a workspace holds, validated, in EPSG:4326, indexed by id.

    ``layers`` maps names to GeoDataFrames (basemap ``countries`` and ``provinces``,
    ``places``, ``deposits``, ``belts``, ``rail``, ``corridors`` and any OGR file dropped
    into ``layers/``); ``tables`` maps names to plain DataFrames (``contracts``,
    ``events``, ``trade``, ``sources``); ``histories`` holds each subject's status
    transitions, by layer then id; ``lines`` maps table -> id -> CSV line.
    """

    root: Path
    layers: dict[str, gpd.GeoDataFrame]
    tables: dict[str, pd.DataFrame]
    histories: dict[str, dict[str, list[timeline.Transition]]] = field(default_factory=dict)
    lines: dict[str, dict[str, int]] = field(default_factory=dict)
    basemap: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    """Every layer of ``geo/basemap.gpkg`` (``countries``, ``provinces``,
    ``country_labels``, ``cities``, ...), for renderers; see :mod:`geoatlas.basemap`."""
    basemap_info: dict[str, str] = field(default_factory=dict)
    """The basemap's ``basemap_info`` table (source, scale, licence, bbox, credit)."""
    config: WorkspaceConfig = field(default_factory=WorkspaceConfig)
    """What the workspace's ``geoatlas.toml`` declares (vocabularies, defaults, name)."""
    added: dict[str, dict] = field(default_factory=dict)
    """Layers added from Python (:meth:`Atlas.with_layer`): name -> recipe layer entry."""


def is_workspace(path: Path) -> bool:
    """True if ``path`` holds ``geo/``, ``layers/`` and ``maps/``."""
    return all((path / d).is_dir() for d in WORKSPACE_DIRS)


def find_workspace(path: str | Path | None = None) -> Path:
    """Resolve the workspace folder.

    With ``path``: that folder (it must be a workspace). Without: the nearest folder at
    or above the current directory that is a workspace, else the geoatlas repository
    root (the default workspace of a source checkout).
    """
    if path is not None:
        root = Path(path).expanduser().resolve()
        if not root.is_dir():
            raise WorkspaceError(f"{root}: no such folder")
        missing = [d for d in WORKSPACE_DIRS if not (root / d).is_dir()]
        if missing:
            raise WorkspaceError(
                f"{root} is not a geoatlas workspace: missing folder(s) "
                f"{', '.join(m + '/' for m in missing)} (a workspace holds geo/, layers/, maps/; "
                "`geoatlas init DIR` creates one)"
            )
        return root
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if is_workspace(candidate):
            return candidate
    repo = Path(__file__).resolve().parents[2]
    if is_workspace(repo):
        return repo
    raise WorkspaceError(
        f"no workspace at or above {here}; pass a folder holding geo/, layers/ and maps/"
    )


EXAMPLE_RECIPE = """\
# A first map: every deposit, coloured by its primary commodity.
title = "My atlas"
subtitle = "Deposits by commodity"
extent = "fit"

[[layers]]
layer = "countries"
group = "Reference"
[layers.style]
fill = "#f3efe2"
color = "#7a7a7a"
weight = 0.8

[[layers]]
layer = "deposits"
group = "Minerals"
popup = ["name", "commodities", "province", "country", "location_quality", "notes"]
[layers.style]
color_by = "primary_commodity"
"""


def create_workspace(path: str | Path, basemap: str | Path | None = None) -> Path:
    """Create an empty workspace at ``path``: header-only CSVs, a recipe, a basemap copy.

    ``basemap`` is a GeoPackage with ``countries`` and ``provinces`` layers (default: the
    repository's, when geoatlas runs from a source checkout). Existing files are kept.

    >>> import tempfile
    >>> root = create_workspace(tempfile.mkdtemp() + "/ws", basemap=False)
    >>> {"deposits.csv", "sources.csv"} <= {p.name for p in (root / "layers").iterdir()}
    True
    """
    import shutil

    root = Path(path).expanduser().resolve()
    for d in WORKSPACE_DIRS:
        (root / d).mkdir(parents=True, exist_ok=True)
    for table in schema.TABLES.values():
        file = root / table.path
        if not file.exists():
            file.write_text(",".join(table.column_names) + "\n", encoding="utf-8")
    recipe = root / "maps" / "example.toml"
    if not recipe.exists():
        recipe.write_text(EXAMPLE_RECIPE, encoding="utf-8")
    if basemap is None:
        default = Path(__file__).resolve().parents[2] / BASEMAP
        basemap = default if default.exists() else False
    target = root / BASEMAP
    if basemap and not target.exists():
        shutil.copyfile(basemap, target)
    return root


def load(root: str | Path | None = None) -> Catalog:
    """Load and validate a workspace; raise :class:`ValidationError` listing every problem."""
    catalog, problems = _Loader(find_workspace(root)).run()
    if problems:
        raise ValidationError(problems)
    return catalog


def validate(root: str | Path | None = None) -> tuple[Catalog | None, list[Problem]]:
    """Load a workspace and return ``(catalog, problems)`` without raising on bad data."""
    return _Loader(find_workspace(root)).run()


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


class _Loader:
    """One pass over a workspace; collects problems instead of raising."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []
        self.frames: dict[str, pd.DataFrame] = {}
        self.lines: dict[str, dict[str, int]] = {}
        self.basemap_extras: dict[str, gpd.GeoDataFrame] = {}
        self.basemap_info: dict[str, str] = {}

    # -- orchestration -----------------------------------------------------------------
    def run(self) -> tuple[Catalog | None, list[Problem]]:
        self.config, problems = read_config(self.root)
        self.problems.extend(problems)
        with schema.workspace_vocabularies(self.config.vocabularies()):
            return self._run()

    def _run(self) -> tuple[Catalog | None, list[Problem]]:
        basemap = self._read_basemap()
        for table in schema.TABLES.values():
            self._read_table(table)
        self._check_references()
        layers: dict[str, gpd.GeoDataFrame] = dict(basemap)
        layers["places"] = self._points("places")
        layers["deposits"] = self._points("deposits")
        layers["belts"] = self._belts(basemap.get("countries"))
        for name in ("rail", "corridors", "pipelines"):
            layers[name] = self._lines(name, layers["places"])
        if "countries" in basemap:
            for name in ("places", "deposits"):
                self._check_in_country(name, layers[name], basemap["countries"])
        if "provinces" in basemap:
            self._check_in_province(layers["deposits"], basemap["provinces"])
        layers.update(self._extra_layers())
        self.problems.extend(_scan_recipes(self.root))
        tables = {n: self.frames[n] for n in schema.NON_SPATIAL}
        self.problems.extend(citations.check(self.root, self.frames))
        citations.mark_unquoted({**layers, **tables}, self.frames["citations"])
        hist = self._histories(layers, tables)
        joins.attach(layers, tables, hist)
        catalog = Catalog(self.root, layers, tables, hist, self.lines,
                          basemap={**self.basemap_extras, **basemap},
                          basemap_info=self.basemap_info, config=self.config)
        return catalog, sorted(self.problems, key=_problem_order)

    def problem(self, table: str, message: str, ident: str | None = None) -> None:
        """Record a problem about row ``ident`` of ``table`` (by line when known)."""
        path = schema.TABLES[table].path if table in schema.TABLES else table
        line = self.lines.get(table, {}).get(ident) if ident is not None else None
        if line is None and ident is not None:
            self.problems.append(Problem(path, message, feature=ident))
        else:
            self.problems.append(Problem(path, message, line=line))

    # -- reading -----------------------------------------------------------------------
    def _read_basemap(self) -> dict[str, gpd.GeoDataFrame]:
        file = self.root / BASEMAP
        if not file.exists():
            self.problems.append(
                Problem(BASEMAP, "missing; build it with `python scripts/build_basemap.py`")
            )
            return {}
        out = {}
        for name, key in (("countries", "iso3"), ("provinces", "id")):
            try:
                gdf = read_vector(file, layer=name)
            except Exception as exc:  # pyogrio raises several types; report them all alike
                self.problems.append(Problem(BASEMAP, f"cannot read layer '{name}': {exc}"))
                continue
            if gdf.crs is None or gdf.crs.to_epsg() != 4326:
                gdf = gdf.to_crs(4326) if gdf.crs is not None else gdf.set_crs(4326)
            out[name] = gdf.set_index(key, drop=False).rename_axis(None)
        self._read_basemap_extras(file)
        return out

    def _read_basemap_extras(self, file: Path) -> None:
        """Label points, cities, lakes, rivers and the info table, when the basemap has them."""
        from . import basemap

        self.basemap_info = basemap.read_info(file)
        for name in basemap.EXTRA_LAYERS:
            try:
                gdf = read_vector(file, layer=name)
            except Exception:  # older basemaps lack these optional layers
                continue
            key = "id" if "id" in gdf else "iso3" if "iso3" in gdf else None
            if key is not None:
                gdf = gdf.set_index(key, drop=False).rename_axis(None)
            self.basemap_extras[name] = gdf

    def _read_table(self, table: schema.Table) -> None:
        file = self.root / table.path
        names = [c.name for c in table.columns]
        if not file.exists():
            if table.name in schema.REQUIRED_TABLES:
                self.problems.append(Problem(table.path, "missing; this file is required"))
            self.frames[table.name] = pd.DataFrame(columns=names, dtype=object)
            self.lines[table.name] = {}
            return
        raw = read_csv(file, table.path)
        self.problems.extend(raw.problems)
        if raw.header:
            self.problems.extend(schema.check_header(table, table.path, raw.header))
            self.problems.extend(schema.check_rows(table, table.path, raw.rows))
        columns = names + [c.name for c in table.optional_columns if c.name in raw.header]
        cells = [row for _, row in raw.rows]  # column by column: fast on 100k rows
        frame = pd.DataFrame({c: pd.Series([(r.get(c) or "").strip() for r in cells],
                                           dtype=object) for c in columns}, columns=columns)
        for col in table.columns:
            if col.kind in ("number", "lat", "lon"):  # bad numbers were reported by check_rows
                frame[col.name] = frame[col.name].map(_number_or_nan).astype(float)
            elif col.kind == "date":  # unparseable dates were reported; keep them out of timelines
                frame[col.name] = frame[col.name].map(lambda v: v if _is_date(v) else "")
        frame.attrs["lines"] = _Lines(line for line, _ in raw.rows)  # for rows without an id
        self.frames[table.name] = frame
        lines: dict[str, int] = {}
        for line, row in raw.rows:
            lines.setdefault((row.get("id") or "").strip(), line)
        self.lines[table.name] = lines

    def _extra_layers(self) -> dict[str, gpd.GeoDataFrame]:
        """Any OGR-readable file an analyst dropped into ``layers/``, validated lightly.

        A file with one layer is the layer named after the file's stem; every layer of a
        multi-layer GeoPackage is a layer named ``file.gpkg:layer``. Each must cite its
        sources, like the CSVs: a ``source_ids`` column, or a sidecar
        ``layers/<file>.sources`` listing the source ids that cover the whole file.
        """
        out = {}
        for file in sorted((self.root / "layers").iterdir()):
            if file.suffix.lower() not in VECTOR_SUFFIXES or file.stem in out:
                continue
            shown = f"layers/{file.name}"
            if file.stem in schema.TABLES:
                self.problems.append(
                    Problem(shown, f"name clashes with built-in layer '{file.stem}'; rename it")
                )
                continue
            sidecar = self._sidecar_sources(file)
            for name, layer in self._file_layers(file, shown):
                where = shown if name == file.stem else f"{shown}:{layer}"
                try:
                    gdf = read_vector(file, layer=layer)
                except Exception as exc:  # any reader failure is a data problem here
                    self.problems.append(Problem(where, f"cannot read: {exc}"))
                    continue
                if gdf.crs is None:
                    self.problems.append(Problem(where, "has no CRS; save it with one "
                                                        "(EPSG:4326)"))
                    continue
                gdf = gdf.to_crs(4326)
                self.problems.extend(_scan_frame(gdf, where))
                for i in np.flatnonzero(~gdf.geometry.is_valid.to_numpy()):
                    ident = str(gdf["id"].iloc[i]) if "id" in gdf else str(i)
                    reason = shapely.is_valid_reason(gdf.geometry.iloc[i])
                    self.problems.append(Problem(where, f"invalid geometry: {reason}",
                                                 feature=ident))
                if "id" in gdf:
                    for ident in gdf["id"][gdf["id"].duplicated()].astype(str).unique():
                        self.problems.append(Problem(where, f"duplicate id '{ident}'",
                                                     feature=ident))
                gdf = self._check_citations(where, file, gdf, sidecar)
                if "id" in gdf:
                    gdf = gdf.set_index("id", drop=False).rename_axis(None)
                out[name] = gdf
        return out

    def _file_layers(self, file: Path, shown: str) -> list[tuple[str, str | None]]:
        """``(layer name, OGR layer)`` pairs of a dropped-in file (spatial layers only)."""
        if file.suffix.lower() != ".gpkg":
            return [(file.stem, None)]
        import pyogrio

        try:
            listed = pyogrio.list_layers(file)
        except Exception as exc:  # reported like any unreadable file
            self.problems.append(Problem(shown, f"cannot read: {exc}"))
            return []
        spatial = [str(name) for name, geom in listed if geom is not None]
        if len(spatial) <= 1:
            return [(file.stem, spatial[0] if spatial else None)]
        return [(f"{file.name}:{name}", name) for name in spatial]

    def _sidecar_sources(self, file: Path) -> list[str] | None:
        """Source ids of ``layers/<file>.sources`` (None when there is no sidecar)."""
        side = file.with_name(file.name + ".sources")
        if not side.is_file():
            return None
        shown = f"layers/{side.name}"
        try:
            text = side.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.append(Problem(shown, f"cannot read: {exc}"))
            return []
        ids = []
        for line in text.splitlines():
            line = line.split("#", 1)[0]
            ids += [w for w in re.split(r"[;,\s]+", line) if w]
        known = set(self.frames["sources"]["id"])
        bad = [i for i in ids if i not in known]
        if bad:
            self.problems.append(Problem(shown, f"unknown source id(s) {', '.join(bad)}"
                                                f"{_hint(bad[0], known)}; ids are the 'id' "
                                                "column of layers/sources.csv"))
        if not ids:
            self.problems.append(Problem(shown, "cites no source id; list the ids of "
                                                "layers/sources.csv that cover the file"))
        return [i for i in ids if i in known]

    def _check_citations(self, where: str, file: Path, gdf: gpd.GeoDataFrame,
                         sidecar: list[str] | None) -> gpd.GeoDataFrame:
        """Every feature must cite sources: its ``source_ids`` cell, or the sidecar."""
        known = set(self.frames["sources"]["id"])
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
            self.problems.append(Problem(where, "cites no source: add a 'source_ids' column "
                                                "(ids from layers/sources.csv) or a sidecar "
                                                f"{side} citing the whole file", feature=ident))
        if len(uncited) > shown_max:
            self.problems.append(Problem(where, f"and {len(uncited) - shown_max} more "
                                                "features cite no source"))
        for ident, bad in unknown[:shown_max]:
            self.problems.append(Problem(where, f"'source_ids' refers to unknown source id(s) "
                                                f"{', '.join(bad)}{_hint(bad[0], known)}",
                                         feature=ident))
        if len(unknown) > shown_max:
            self.problems.append(Problem(where, f"and {len(unknown) - shown_max} more "
                                                "features cite unknown source ids"))
        if sidecar:  # the sidecar covers every feature that cites nothing itself
            gdf = gdf.copy()
            whole = ";".join(sidecar)
            gdf["source_ids"] = [c if schema.split_list(c) else whole for c in cells]
        return gdf

    # -- references --------------------------------------------------------------------
    def _check_references(self) -> None:
        ids = {name: set(frame["id"]) for name, frame in self.frames.items() if "id" in frame}
        for name, table in schema.TABLES.items():
            frame = self.frames[name]
            for col in table.columns:
                if not col.ref or col.name not in frame:
                    continue
                known = ids.get(col.ref, set())
                keys = frame["id"] if "id" in frame else [None] * len(frame)
                lines = frame.attrs.get("lines") or [None] * len(frame)
                verdicts: dict[str, list[str]] = {}  # a cell value repeats: decide it once
                for ident, line, text in zip(keys, lines, frame[col.name]):
                    bad = verdicts.get(text)
                    if bad is None:
                        values = schema.split_list(text) if col.kind == "ids" else [text]
                        bad = verdicts[text] = [v for v in values if v and v not in known]
                    if bad:
                        message = (f"'{col.name}' refers to unknown {col.ref} id(s) "
                                   f"{', '.join(bad)}{_hint(bad[0], known)}")
                        if ident is None:  # a table without ids (citations): by line
                            self.problems.append(Problem(table.path, message, line=line))
                        else:
                            self.problem(name, message, ident)
        self._check_polymorphic("contracts", "asset_layer", "asset_id")
        self._check_polymorphic("events", "subject_layer", "subject_id")

    def _check_polymorphic(self, name: str, layer_col: str, id_col: str) -> None:
        frame = self.frames[name]
        for ident, layer, target in zip(frame["id"], frame[layer_col], frame[id_col]):
            if not layer or not target:
                continue
            if layer == "countries":
                if not schema.ISO3_RE.match(target):
                    self.problem(name, f"'{id_col}' = '{target}' must be an ISO3 code when "
                                       f"{layer_col} is countries", ident)
                continue
            known = set(self.frames[layer]["id"]) if layer in self.frames else set()
            if target not in known:
                self.problem(
                    name,
                    f"'{id_col}' = '{target}' is not an id in {schema.TABLES[layer].path}"
                    f"{_hint(target, known)}",
                    ident,
                )

    # -- geometry ----------------------------------------------------------------------
    def _points(self, name: str) -> gpd.GeoDataFrame:
        frame = self.frames[name]
        lon, lat = frame["lon"].to_numpy(float), frame["lat"].to_numpy(float)
        geoms = shapely.points(lon, lat)
        # a missing, bad or out-of-range coordinate was reported by check_rows: no point
        bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
        geoms[bad] = None
        gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs=4326)
        return gdf.set_index("id", drop=False).rename_axis(None)

    def _lines(self, name: str, places: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        frame = self.frames[name]
        coords = {i: (g.x, g.y) for i, g in zip(places["id"], places.geometry)
                  if g is not None and not g.is_empty}
        geoms = []
        for nodes in frame["nodes"]:
            pts = [coords[n] for n in schema.split_list(nodes) if n in coords]
            if len(pts) >= 2 and len(pts) == len(schema.split_list(nodes)):
                geoms.append(geometry.line_through(pts))
            else:
                geoms.append(None)
        gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs=4326)
        gdf["length_km"] = np.round(geometry.geodesic_length_km(gdf.geometry.to_numpy()), 1)
        return gdf.set_index("id", drop=False).rename_axis(None)

    def _belts(self, countries: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
        frame = self.frames["belts"]
        geoms = []
        for row in frame.itertuples(index=False):
            try:
                axis = shapely.LineString(schema.parse_axis(row.axis))
                poly = geometry.buffer_km(axis, float(row.half_width_km))
            except (ValueError, TypeError):
                geoms.append(None)  # the cell check already reported it
                continue
            country = getattr(row, "country", "")
            if country and countries is not None and country in countries.index:
                poly = shapely.make_valid(poly.intersection(countries.loc[country].geometry))
            if not poly.is_valid or poly.is_empty:
                self.problem("belts", "the belt polygon is empty or invalid", row.id)
            geoms.append(poly)
        gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs=4326)
        return gdf.set_index("id", drop=False).rename_axis(None)

    def _check_in_country(self, name: str, points: gpd.GeoDataFrame,
                          countries: gpd.GeoDataFrame) -> None:
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
                self.problem(name, f"country '{want}' is not in {BASEMAP}", ident)
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
            self.problem(name, msg, ident)

    def _check_in_province(self, deposits: gpd.GeoDataFrame, provinces: gpd.GeoDataFrame) -> None:
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
                self.problem("deposits", f"province '{names[i]}' is not a province of "
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
                self.problem("deposits", f"point lies {km:.0f} km outside its stated province "
                                         f"{names[i]}", deposits.index[i])

    # -- status ------------------------------------------------------------------------
    def _histories(self, layers, tables) -> dict[str, dict[str, list[timeline.Transition]]]:
        events = tables["events"]
        hist = {}
        for name, date_col in DATE_COLUMNS.items():
            frame = tables[name] if name in tables else layers[name]
            hist[name] = timeline.histories(events, name, frame, date_col)
            for ident, status in zip(frame["id"], frame["status"]):
                h = hist[name].get(ident)
                implicit = h and h[-1].event_id.startswith(ident + ":")
                if h and status and h[-1].status != status and not implicit:
                    self.problem(
                        name,
                        f"status '{status}' disagrees with its latest event "
                        f"({h[-1].event_id}: '{h[-1].status}'); make them agree",
                        ident,
                    )
        return hist


class _Lines(list):
    """CSV line numbers kept in ``DataFrame.attrs``: never deep-copied.

    pandas deep-copies ``attrs`` after every operation on a frame; a plain list of 100k
    line numbers made each column access O(rows) and ``check`` minutes long.
    """

    def __deepcopy__(self, memo):
        return self


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


def _scan_recipes(root: Path) -> list[Problem]:
    """Control/bidi characters in ``maps/*.toml``, raw or written as TOML escapes."""
    import json

    problems = []
    for file in sorted((root / "maps").glob("*.toml")):
        shown = f"maps/{file.name}"
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(shown, f"cannot read as UTF-8 text: {exc}"))
            continue
        found = first_bad_line(text)
        if found:
            problems.append(Problem(shown, f"contains {found[1]}; remove it", line=found[0]))
            continue
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue  # the recipe check reports the syntax error
        for key, value in _strings(data):
            bad = bad_characters(value, free_text=key.endswith(("description", ".text")))
            if bad:
                problems.append(Problem(shown, f"{key} = {json.dumps(value)} contains {bad} "
                                               "(written as an escape); remove it"))
    return problems


def _strings(data, prefix: str = ""):
    """Every string in parsed TOML, with a dotted key path (``layers[1].title``)."""
    if isinstance(data, str):
        yield prefix, data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from _strings(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(data, list):
        for i, v in enumerate(data, start=1):
            yield from _strings(v, f"{prefix}[{i}]")


def _number_or_nan(text: str) -> float:
    """A number cell through the one strict parser; empty or bad (already reported): NaN."""
    if not text:
        return np.nan
    try:
        return schema.parse_number(text)
    except ValueError:
        return np.nan


def _is_date(text: str) -> bool:
    try:
        schema.parse_date(text)
    except ValueError:
        return False
    return True


def _problem_order(p: Problem):
    return (p.path, p.line or 0, p.feature or "", p.message)


def _hint(value: str, known: set[str]) -> str:
    from .errors import did_you_mean

    return did_you_mean(value, sorted(known))
