"""The :class:`Atlas`: a loaded workspace, the object :func:`geoatlas.open` returns.

Examples
--------
>>> import geoatlas
>>> atlas = geoatlas.open()                                  # doctest: +SKIP
>>> atlas.deposits.loc["mes-aynak", ["province", "companies"]]  # doctest: +SKIP
>>> old = atlas.as_of("2020-01-01")                         # doctest: +SKIP
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from . import joins, timeline
from .errors import Problem
from .workspace import Catalog, find_workspace, load, validate


class Atlas(Mapping):
    """A validated workspace: every layer a GeoDataFrame (EPSG:4326), every table a DataFrame.

    It is a read-only mapping from name to frame (``atlas["rail"]``); layers are also
    attributes (``atlas.rail``). ``atlas.layers`` and ``atlas.tables`` list the names.
    """

    def __init__(self, catalog: Catalog, as_of: dt.date | None = None):
        self._catalog = catalog
        self.as_of_date = as_of

    # -- mapping -------------------------------------------------------------------------
    def __getitem__(self, name: str) -> pd.DataFrame:
        if name in self._catalog.layers:
            return self._catalog.layers[name]
        if name in self._catalog.tables:
            return self._catalog.tables[name]
        raise KeyError(f"no layer or table '{name}'; available: {', '.join(self)}")

    def __iter__(self) -> Iterator[str]:
        yield from self._catalog.layers
        yield from self._catalog.tables

    def __len__(self) -> int:
        return len(self._catalog.layers) + len(self._catalog.tables)

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(str(exc)) from None

    # -- description ---------------------------------------------------------------------
    @property
    def root(self) -> Path:
        """The workspace folder."""
        return self._catalog.root

    @property
    def layers(self) -> list[str]:
        """Names of the spatial layers."""
        return list(self._catalog.layers)

    @property
    def tables(self) -> list[str]:
        """Names of the non-spatial tables."""
        return list(self._catalog.tables)

    @property
    def basemap(self) -> dict[str, gpd.GeoDataFrame]:
        """Every layer of ``geo/basemap.gpkg``: countries, provinces, label points, cities."""
        return self._catalog.basemap

    @property
    def basemap_info(self) -> dict[str, str]:
        """The basemap's provenance (``basemap_info`` table): source, scale, licence, bbox."""
        return self._catalog.basemap_info

    @property
    def basemap_credit(self) -> str:
        """The credit line of the workspace's basemap, for every renderer."""
        from .basemap import credit

        return credit(self._catalog.basemap_info)

    @property
    def catalog(self) -> Catalog:
        """The underlying :class:`~geoatlas.workspace.Catalog`."""
        return self._catalog

    def summary(self) -> str:
        """A one-screen description: layers, tables, sources, location quality."""
        when = self.as_of_date.isoformat() if self.as_of_date else "latest"
        lines = [f"geoatlas workspace {self.root} (status as of: {when})", "", "Layers:"]
        for name, gdf in self._catalog.layers.items():
            kinds = sorted(set(gdf.geom_type.dropna())) if len(gdf) else []
            quality = ""
            if "location_quality" in gdf and len(gdf):
                counts = gdf["location_quality"].value_counts().sort_index()
                quality = "  (" + ", ".join(f"{k} {v}" for k, v in counts.items()) + ")"
            lines.append(f"  {name:<11} {len(gdf):>5}  {'/'.join(kinds) or '-':<22}{quality}")
        lines += ["", "Tables:"]
        for name, df in self._catalog.tables.items():
            lines.append(f"  {name:<11} {len(df):>5} rows")
        sources = self._catalog.tables["sources"]
        cited = self.citation_counts()
        documents = sources[sources["file"] != ""]
        others = sources[sources["file"] == ""]
        lines += ["", f"Sources ({len(sources)}): documents"]
        for row in documents.itertuples(index=False):
            lines.append(f"  {row.id:<28} cited {cited.get(row.id, 0):>3}x  {row.file}")
        if len(others):
            refs = sum(cited.get(i, 0) for i in others["id"])
            lines.append(f"  and {len(others)} public references (URLs in layers/sources.csv), "
                         f"cited {refs}x")
        uncited = [i for i in sources["id"] if not cited.get(i)]
        if uncited:
            lines.append(f"  not cited by any row: {', '.join(uncited)}")
        return "\n".join(lines)

    def citation_counts(self) -> dict[str, int]:
        """How many rows (in every layer and table) cite each source id."""
        counts: dict[str, int] = {}
        frames = [*self._catalog.layers.values(), *self._catalog.tables.values()]
        for frame in frames:
            for col in ("source_ids", "coord_source"):
                if col not in frame:
                    continue
                for cell in frame[col].fillna(""):
                    for sid in str(cell).split(";"):
                        if sid.strip():
                            counts[sid.strip()] = counts.get(sid.strip(), 0) + 1
        return counts

    def __repr__(self) -> str:
        parts = [f"{n}={len(f)}" for n, f in self._catalog.layers.items()]
        when = f", as_of={self.as_of_date.isoformat()}" if self.as_of_date else ""
        return f"<Atlas {self.root.name!r}: {', '.join(parts)}{when}>"

    # -- operations ----------------------------------------------------------------------
    def check(self) -> list[Problem]:
        """Re-read the workspace from disk and return every problem (empty: all good).

        Recipes (``maps/*.toml``) are checked too, against the data as read.
        """
        from .recipe import check_recipes

        catalog, problems = validate(self.root)
        atlas = Atlas(catalog) if catalog and not problems else None
        return [*problems, *check_recipes(self.root, atlas)]

    def as_of(self, date: str | dt.date) -> Atlas:
        """The world as of ``date``: statuses from the events, not-yet subjects dropped.

        Deposits always stay (geology does not change); contracts, rail links and
        corridors that had no recorded status by then are left out, and the deposits'
        contract columns are recomputed from the contracts that existed.
        """
        when = timeline.to_date(date)
        cat = copy.copy(self._catalog)
        cat.layers = {k: v.copy() for k, v in self._catalog.layers.items()}
        cat.tables = {k: v.copy() for k, v in self._catalog.tables.items()}
        joins.attach(cat.layers, cat.tables, cat.histories, as_of=when)
        contracts = cat.tables["contracts"]
        cat.tables["contracts"] = contracts[contracts["status"].notna()]
        joins.attach(cat.layers, cat.tables, cat.histories, as_of=when)
        for name in ("rail", "corridors", "pipelines"):
            if name not in cat.layers:
                continue
            gdf = cat.layers[name]
            cat.layers[name] = gdf[gdf["status"].notna()]
        return Atlas(cat, when)

    def sources_for(self, source_ids: str) -> pd.DataFrame:
        """The ``sources`` rows for a semicolon-separated id list, in the order given."""
        ids = [s.strip() for s in str(source_ids).split(";") if s.strip()]
        src = self._catalog.tables["sources"].set_index("id", drop=False)
        return src.loc[[i for i in ids if i in src.index]]

    def map(self, name: str):
        """The folium Map of recipe ``maps/<name>.toml`` (displays inline in Jupyter)."""
        from .recipe import load_recipe
        from .render.web import make_map

        return make_map(self, load_recipe(self, name))

    # -- spatial queries: thin wrappers, see geoatlas.query and geoatlas.network -----------
    def near(self, layer, to, km: float, **options) -> gpd.GeoDataFrame:
        """Features of ``layer`` within ``km`` of ``to`` (:func:`geoatlas.query.near`)."""
        from . import query
        return query.near(layer, to, km, atlas=self, **options)

    def nearest(self, layer, to, k: int = 1, **options) -> gpd.GeoDataFrame:
        """The ``k`` nearest ``to`` of each feature (:func:`geoatlas.query.nearest`)."""
        from . import query
        return query.nearest(layer, to, k, atlas=self, **options)

    def within(self, layer, area, **options) -> gpd.GeoDataFrame:
        """Features of ``layer`` inside ``area`` (:func:`geoatlas.query.within`)."""
        from . import query
        return query.within(layer, area, atlas=self, **options)

    def intersects(self, layer, area, **options) -> gpd.GeoDataFrame:
        """Features of ``layer`` touching ``area`` (:func:`geoatlas.query.intersects`)."""
        from . import query
        return query.intersects(layer, area, atlas=self, **options)

    def summarize(self, layer, by, stats=None, **options) -> gpd.GeoDataFrame:
        """Statistics of ``layer`` per area of ``by`` (:func:`geoatlas.query.summarize`)."""
        from . import query
        return query.summarize(layer, by, stats, atlas=self, **options)

    def route(self, start: str, to: str, via=None, **options):
        """Shortest path over rail and corridors (:func:`geoatlas.network.route`)."""
        from . import network
        return network.route(self, start, to, via, **options)


def open(path: str | Path | None = None, as_of: str | dt.date | None = None) -> Atlas:
    """Load a workspace (default: the nearest one, else the repository's) as an :class:`Atlas`.

    Raises :class:`~geoatlas.errors.ValidationError` listing every data problem.
    """
    atlas = Atlas(load(find_workspace(path)))
    return atlas.as_of(as_of) if as_of is not None else atlas
