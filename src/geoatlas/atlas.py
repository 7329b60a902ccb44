"""The :class:`Atlas`: a loaded workspace, the object :func:`geoatlas.open` returns.

Examples
--------
>>> import geoatlas
>>> atlas = geoatlas.open()
>>> atlas.deposits.loc["mes-aynak", "province"]
'Logar'
>>> old = atlas.as_of("2020-01-01")
>>> old.as_of_date.isoformat()
'2020-01-01'
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

__all__ = ["Atlas", "open"]


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

    def missing_documents(self) -> list[str]:
        """The cited document files that are not on this machine.

        File names in ``sources.csv`` found neither in ``../shared/sources/`` (beside the
        workspace) nor in its own ``sources/`` folder. Maps always cite by title,
        publisher and date, so they are complete without the files; ``geoatlas check``
        says once when they are absent.
        """
        sources = self._catalog.tables["sources"]
        files = [f for f in sources.get("file", []) if isinstance(f, str) and f.strip()]
        folders = (self.root.parent / "shared" / "sources", self.root / "sources")
        return [f for f in files if not any((d / f).is_file() for d in folders)]

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

    # -- spatial queries: the functions of geoatlas.query and geoatlas.network ------------
    def near(self, layer, to, km: float, where: str | None = None, filter: str | None = None,
             engine: str = "memory", *, to_where: str | None = None,
             **engine_options) -> gpd.GeoDataFrame:
        """Features of ``layer`` within ``km`` km (geodesic) of any feature of ``to``.

        Parameters
        ----------
        layer, to : str or GeoDataFrame
            Layer names (``"deposits"``, ``"rail"``, ``"rail:some-id"``) or frames.
        km : float
            Search distance in km; touching or inside counts as 0 km.
        where : str, optional
            ``where``-language filter on ``layer``, as in every verb, once ``to_where``
            is given; without ``to_where`` it still filters ``to``, for one release,
            and warns (see :mod:`geoatlas.filter_sides`).
        filter : str, optional
            The former name of ``where`` for ``layer``.
        engine : {"memory", "dask"}
            ``"dask"`` runs on a dask.distributed cluster (``engine_options``: ``client``,
            ``out``, ...), with the same answer.
        to_where : str, optional
            ``where``-language filter on ``to`` (``"status == 'operating'"``).

        Returns
        -------
        GeoDataFrame
            The matching rows of ``layer`` with ``nearest_id``, ``nearest_name`` and
            ``distance_km`` (to the nearest matching counterpart).

        Examples
        --------
        >>> hits = atlas.near("deposits", "rail", km=50, to_where="status == 'superseded'")
        >>> mes = hits.loc["mes-aynak"]
        >>> mes["nearest_id"], round(float(mes["distance_km"]), 1)
        ('trans-afghan-kabul-torkham', 27.6)
        """
        from . import query

        return query.near(layer, to, km, where=where, filter=filter, atlas=self,
                          engine=engine, to_where=to_where, **engine_options)

    def nearest(self, layer, to, k: int = 1, max_km: float | None = None,
                where: str | None = None, filter: str | None = None, engine: str = "memory",
                *, to_where: str | None = None, **engine_options) -> gpd.GeoDataFrame:
        """The ``k`` nearest features of ``to`` for every feature of ``layer``.

        Parameters
        ----------
        layer, to : str or GeoDataFrame
            Layer names or frames.
        k : int
            Counterparts per feature (one row each, ranked by ``rank``).
        max_km : float, optional
            Ignore counterparts farther than this.
        where, filter : str, optional
            ``where``-language filters on ``layer`` (see :meth:`near` for ``where``
            without ``to_where``).
        engine : {"memory", "dask"}
            Where to run it (see :meth:`near`).
        to_where : str, optional
            ``where``-language filter on ``to``.

        Returns
        -------
        GeoDataFrame
            Rows of ``layer`` with ``rank``, ``nearest_id``, ``nearest_name`` and
            ``distance_km``.

        Examples
        --------
        >>> crossing = atlas.nearest("deposits", "places", to_where="kind == 'border_crossing'")
        >>> mes = crossing.loc["mes-aynak"]
        >>> mes["nearest_name"], round(mes["distance_km"])
        ('Torkham', 164)
        """
        from . import query

        return query.nearest(layer, to, k, max_km=max_km, where=where, filter=filter,
                             atlas=self, engine=engine, to_where=to_where, **engine_options)

    def within(self, layer, area, where: str | None = None) -> gpd.GeoDataFrame:
        """Features of ``layer`` lying entirely inside ``area``.

        Parameters
        ----------
        layer : str or GeoDataFrame
            The features.
        area : str, GeoDataFrame or shapely geometry
            ``"belts:central-mineral-belt"``, a belt or province id, an ISO3 code, ...
        where : str, optional
            ``where``-language filter on ``layer`` first.

        Returns
        -------
        GeoDataFrame
            The rows inside, with ``area_ids`` (the areas holding each).

        Examples
        --------
        >>> inside = atlas.within("deposits", "central-mineral-belt")
        >>> "hajigak" in inside.index, set(inside["area_ids"])
        (True, {'central-mineral-belt'})
        """
        from . import query

        return query.within(layer, area, where=where, atlas=self)

    def intersects(self, layer, area, where: str | None = None) -> gpd.GeoDataFrame:
        """Features of ``layer`` touching or crossing ``area`` (a line that leaves counts).

        Parameters
        ----------
        layer : str or GeoDataFrame
            The features.
        area : str, GeoDataFrame or shapely geometry
            As for :meth:`within`: an area id, ``"layer:id"``, an ISO3 code, ...
        where : str, optional
            ``where``-language filter on ``layer`` first.

        Returns
        -------
        GeoDataFrame
            The rows touching, with ``area_ids``.

        Examples
        --------
        >>> rail = atlas.intersects("rail", "AFG")
        >>> set(rail["area_ids"])
        {'AFG'}
        """
        from . import query

        return query.intersects(layer, area, where=where, atlas=self)

    def summarize(self, layer, by, stats=None, where: str | None = None,
                  engine: str = "memory", **engine_options) -> gpd.GeoDataFrame:
        """Aggregate ``layer`` per area of ``by``: a choropleth-ready GeoDataFrame.

        Parameters
        ----------
        layer : str or GeoDataFrame
            The features.
        by : str or GeoDataFrame
            The areas: ``"provinces"``, ``"countries"``, ``"belts"`` or a frame.
        stats : list of str, optional
            ``"count"`` and ``"<func>:<field>"`` (func: sum, mean, min, max, list);
            default: count, and the sum of contract values and the list of names where
            those fields exist.
        where : str, optional
            ``where``-language filter on ``layer`` first.
        engine : {"memory", "dask"}
            Where to run it (see :meth:`near`).

        Returns
        -------
        GeoDataFrame
            One row per area of ``by`` with the statistics as columns.

        Examples
        --------
        >>> per = atlas.summarize("deposits", by="provinces", stats=["count"])
        >>> int(per.loc["afg-logar", "count"]) >= 1
        True
        """
        from . import query

        return query.summarize(layer, by, stats, where=where, atlas=self, engine=engine,
                               **engine_options)

    def route(self, start: str, to: str, via=None, where: str | None = None):
        """Shortest path from ``start`` to ``to`` over the rail and corridor network.

        Parameters
        ----------
        start, to : str
            Place, deposit or node ids.
        via : str or list of str, optional
            Ids the route must pass, in order.
        where : str, optional
            ``where``-language filter on the links used (``"status == 'operating'"``).

        Returns
        -------
        geoatlas.network.Route
            ``length_km``, ``places``, ``countries``, ``schematic_share``, ``legs``, ...

        Examples
        --------
        >>> r = atlas.route("mes-aynak", "gwadar")
        >>> round(r.length_km), r.countries
        (2180, ['Afghanistan', 'Pakistan'])
        """
        from . import network

        return network.route(self, start, to, via, where=where)

    # -- your own frames -----------------------------------------------------------------
    def with_layer(self, name: str, gdf: gpd.GeoDataFrame, style: Mapping | None = None,
                   sources=None, title: str | None = None, tooltip=None,
                   popup=None) -> Atlas:
        """A new Atlas with ``gdf`` as layer ``name``, shown on every map it draws.

        The frame is checked like a dropped-in file: it needs a CRS (it is reprojected to
        EPSG:4326) and citations, either a ``source_ids`` column or ``sources``. Its
        ``id`` column (else its index) becomes the ids. The original Atlas is unchanged.

        Parameters
        ----------
        name : str
            The layer's name; it must not be taken.
        gdf : GeoDataFrame
            The features.
        style : dict, optional
            A recipe ``[layers.style]`` table (``{"color_by": "primary_commodity"}``);
            the same style spec feeds web, static and QGIS.
        sources : str, list of str, or DataFrame, optional
            Ids of ``sources`` rows citing the whole frame, or new source rows (``id``,
            ``title``, ``publisher``, ``published``, ``url``, ...) to add and cite.
        title, tooltip, popup : optional
            As in a recipe's ``[[layers]]`` entry.

        Returns
        -------
        Atlas

        Examples
        --------
        >>> import geopandas as gpd, shapely
        >>> mines = gpd.GeoDataFrame({"id": ["pit-1"], "name": ["Pit 1"]},
        ...                          geometry=[shapely.Point(69.2, 34.3)], crs=4326)
        >>> mine_atlas = atlas.with_layer("mines", mines, sources="efsas-2023")
        >>> mine_atlas["mines"].loc["pit-1", "source_ids"], "mines" in atlas.layers
        ('efsas-2023', False)
        """
        from .frames import adopt_frame

        if name in self._catalog.layers or name in self._catalog.tables:
            from .errors import DataError, Problem

            raise DataError([Problem(f"<{name}>", "this name is taken; layers and tables: "
                                                  f"{', '.join(self)}")])
        frame, table = adopt_frame(name, gdf, sources, self._catalog.tables["sources"])
        cat = copy.copy(self._catalog)
        cat.layers = {**self._catalog.layers, name: frame}
        cat.tables = {**self._catalog.tables, "sources": table}
        entry = {"layer": name, "title": title or name.replace("_", " ").capitalize(),
                 "group": "Added", "style": dict(style or {})}
        if tooltip is not None:
            entry["tooltip"] = list(tooltip)
        entry["popup"] = list(popup) if popup is not None else [
            c for c in frame.columns if c not in ("geometry",)][:12]
        cat.added = {**getattr(self._catalog, "added", {}), name: entry}
        return Atlas(cat, self.as_of_date)

    def _recipe(self, recipe):
        """A Recipe from a name or a dict, with the layers added by :meth:`with_layer`."""
        import dataclasses

        from .recipe import load_recipe, parse_recipe

        if isinstance(recipe, Mapping):
            data = dict(recipe)
            name = str(data.pop("name", "map"))
            r = parse_recipe(data, name, self.root / "maps" / f"{name}.toml", self)
        else:
            r = load_recipe(self, recipe)
        shown = {spec.layer for spec in r.layers}
        extra = [e for n, e in getattr(self._catalog, "added", {}).items() if n not in shown]
        if extra:
            more = parse_recipe({"layers": extra}, r.name, r.path, self)
            r = dataclasses.replace(r, layers=(*r.layers, *more.layers))
        return r

    def map(self, recipe):
        """The web map of a recipe (it displays inline in Jupyter).

        Parameters
        ----------
        recipe : str or dict
            A recipe name (``maps/<name>.toml``) or a recipe as a dict (the TOML's
            tables as dicts, plus an optional ``name``). Layers added with
            :meth:`with_layer` are drawn on top.

        Returns
        -------
        geoatlas.render.web.WebMap
            ``.html`` is the page; ``.save(path)`` writes the offline HTML.

        Examples
        --------
        >>> m = atlas.map({"title": "Deposits", "layers": [{"layer": "deposits"}]})
        >>> type(m).__name__
        'WebMap'
        """
        from .render.web import make_map

        return make_map(self, self._recipe(recipe))

    def _repr_html_(self) -> str:
        """Jupyter: the layers, tables and sources as small HTML tables."""
        from .htmlsafe import text

        when = self.as_of_date.isoformat() if self.as_of_date else "latest"
        rows = []
        for name, gdf in self._catalog.layers.items():
            kinds = "/".join(sorted(set(gdf.geom_type.dropna()))) if len(gdf) else "-"
            rows.append(f"<tr><td>{text(name)}</td><td>{len(gdf)}</td>"
                        f"<td>{text(kinds)}</td></tr>")
        for name, df in self._catalog.tables.items():
            rows.append(f"<tr><td>{text(name)}</td><td>{len(df)}</td><td>table</td></tr>")
        sources = self._catalog.tables["sources"]
        cited = self.citation_counts()
        srows = "".join(
            f"<tr><td>{text(r.id)}</td><td>{text(r.title)}</td>"
            f"<td>{text(getattr(r, 'publisher', ''))}</td>"
            f"<td>{text(getattr(r, 'published', ''))}</td><td>{cited.get(r.id, 0)}</td></tr>"
            for r in sources.itertuples(index=False))
        return (f"<div><strong>geoatlas workspace {text(self.root.name)}</strong> "
                f"(status as of: {text(when)})"
                "<table><thead><tr><th>layer / table</th><th>rows</th><th>geometry</th></tr>"
                f"</thead><tbody>{''.join(rows)}</tbody></table>"
                f"<details><summary>{len(sources)} sources</summary><table><thead><tr>"
                "<th>id</th><th>title</th><th>publisher</th><th>date</th><th>cited</th>"
                f"</tr></thead><tbody>{srows}</tbody></table></details>"
                f"<p>{text(self.basemap_credit)}</p></div>")


def open(path: str | Path | None = None, as_of: str | dt.date | None = None) -> Atlas:
    """Load a workspace (default: the nearest one, else the repository's) as an :class:`Atlas`.

    Raises :class:`~geoatlas.errors.ValidationError` listing every data problem.
    """
    atlas = Atlas(load(find_workspace(path)))
    return atlas.as_of(as_of) if as_of is not None else atlas
