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
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import citations, geometry, joins, schema, timeline
from .errors import Problem, ValidationError, WorkspaceError
from .readers import read_csv

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
    >>> sorted(p.name for p in (root / "layers").iterdir())[:3]
    ['belts.csv', 'citations.csv', 'contracts.csv']
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


def read_vector(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a GeoParquet file (pyarrow) or any OGR file (pyogrio's Arrow path).

    Columns arrive from GDAL as Arrow arrays, not feature by feature: a million features
    of a GeoPackage or FlatGeobuf read in about a second.
    """
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        return gpd.read_parquet(path)
    return gpd.read_file(path, layer=layer, engine="pyogrio", use_arrow=True)


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
        tables = {n: self.frames[n] for n in schema.NON_SPATIAL}
        self.problems.extend(citations.check(self.root, self.frames))
        citations.mark_unquoted({**layers, **tables}, self.frames["citations"])
        hist = self._histories(layers, tables)
        joins.attach(layers, tables, hist)
        catalog = Catalog(self.root, layers, tables, hist, self.lines,
                          basemap={**self.basemap_extras, **basemap},
                          basemap_info=self.basemap_info)
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
        records = [{c: (row.get(c) or "").strip() for c in columns} for _, row in raw.rows]
        frame = pd.DataFrame.from_records(records, columns=columns).astype(object)
        for col in table.columns:
            if col.kind in ("number", "lat", "lon"):
                frame[col.name] = pd.to_numeric(frame[col.name], errors="coerce")
            elif col.kind == "date":  # unparseable dates were reported; keep them out of timelines
                frame[col.name] = frame[col.name].map(lambda v: v if _is_date(v) else "")
        frame.attrs["lines"] = [line for line, _ in raw.rows]  # for rows without an id
        self.frames[table.name] = frame
        lines: dict[str, int] = {}
        for line, row in raw.rows:
            lines.setdefault((row.get("id") or "").strip(), line)
        self.lines[table.name] = lines

    def _extra_layers(self) -> dict[str, gpd.GeoDataFrame]:
        """Any OGR-readable file an analyst dropped into ``layers/``, validated lightly."""
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
            try:
                gdf = read_vector(file)
            except Exception as exc:  # any reader failure is a data problem here
                self.problems.append(Problem(shown, f"cannot read: {exc}"))
                continue
            if gdf.crs is None:
                self.problems.append(Problem(shown, "has no CRS; save it with one (EPSG:4326)"))
                continue
            gdf = gdf.to_crs(4326)
            for i in np.flatnonzero(~gdf.geometry.is_valid.to_numpy()):
                ident = str(gdf["id"].iloc[i]) if "id" in gdf else str(i)
                reason = shapely.is_valid_reason(gdf.geometry.iloc[i])
                self.problems.append(Problem(shown, f"invalid geometry: {reason}", feature=ident))
            if "id" in gdf:
                for ident in gdf["id"][gdf["id"].duplicated()].astype(str).unique():
                    self.problems.append(Problem(shown, f"duplicate id '{ident}'", feature=ident))
                gdf = gdf.set_index("id", drop=False).rename_axis(None)
            out[file.stem] = gdf
        return out

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
                for ident, line, text in zip(keys, lines, frame[col.name]):
                    values = schema.split_list(text) if col.kind == "ids" else [text]
                    values = [v for v in values if v]
                    bad = [v for v in values if v not in known]
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
        geoms = shapely.points(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float))
        gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs=4326)
        return gdf.set_index("id", drop=False).rename_axis(None)

    def _lines(self, name: str, places: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        frame = self.frames[name]
        coords = {i: (g.x, g.y) for i, g in zip(places["id"], places.geometry) if not g.is_empty}
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
        if points.empty:
            return
        inside = gpd.sjoin(points[["geometry"]], countries[["iso3", "geometry"]],
                           how="left", predicate="within")
        found = inside.groupby(level=0)["iso3"].agg(lambda s: set(s.dropna()))
        for ident, row in points.iterrows():
            stated = row["country"]
            if not stated or row.geometry is None or row.geometry.is_empty:
                continue
            actual = found.get(ident, set())
            if stated in actual:
                continue
            if stated not in countries.index:
                self.problem(name, f"country '{stated}' is not in {BASEMAP}", ident)
                continue
            shape = countries.loc[stated].geometry
            km = geometry.distance_to_km(row.geometry, shape)
            if km <= COUNTRY_TOLERANCE_KM:
                continue
            swapped = shapely.Point(row.geometry.y, row.geometry.x)
            where = ", ".join(sorted(actual)) or "no country in the basemap"
            if shape.contains(swapped):
                msg = (f"lat/lon look swapped: ({row['lat']}, {row['lon']}) is in {where}, "
                       f"but swapped it falls in {stated}")
            else:
                msg = (f"point (lat {row['lat']}, lon {row['lon']}) lies in {where}, "
                       f"{km:.0f} km outside its stated country {stated}")
            self.problem(name, msg, ident)

    def _check_in_province(self, deposits: gpd.GeoDataFrame, provinces: gpd.GeoDataFrame) -> None:
        keys: dict[tuple[str, str], str] = {}
        for pid, iso3, pname, alts in zip(provinces["id"], provinces["iso3"], provinces["name"],
                                          provinces.get("alt_names", [""] * len(provinces))):
            alts = alts if isinstance(alts, str) else ""
            for n in [pname, *schema.split_list(alts)]:
                keys.setdefault((iso3, normalize_name(n)), pid)
        for ident, row in deposits.iterrows():
            name, iso3 = row["province"], row["country"]
            if not name or row.geometry is None or row.geometry.is_empty:
                continue
            pid = keys.get((iso3, normalize_name(name)))
            if pid is None:
                options = sorted(provinces.loc[provinces["iso3"] == iso3, "name"])
                if options:
                    self.problem("deposits", f"province '{name}' is not a province of {iso3} in "
                                             f"{BASEMAP}; known: {', '.join(options)}", ident)
                continue
            km = geometry.distance_to_km(row.geometry, provinces.loc[pid].geometry)
            if km > COUNTRY_TOLERANCE_KM:
                self.problem("deposits", f"point lies {km:.0f} km outside its stated province "
                                         f"{name}", ident)

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
