"""Routes over the rail and corridor network: shortest paths in geodesic km.

The graph (:func:`build_graph`) has one node per gazetteer place that a rail link or a
corridor passes through, and one edge per consecutive pair of a link's ``nodes``,
weighted by the geodesic distance between the two places (the links are drawn as
geodesics between their nodes). Where the data has no link, straight **connector**
edges are added and marked ``connector=True``:

- between every two parts of the network that do not touch (the closest pair of their
  places), so that a route exists whenever the data cannot say how to get across;
- from a start, end or ``via`` point that is not on the network (a deposit, or a place
  no link reaches) to the nearest network place.

:func:`route` returns a :class:`Route`: the path as a LineString, its length in km, the
places passed, the countries crossed (from the basemap ``countries`` layer, in order)
and how much of it is schematic (drawn from schematic data or connectors).

Examples
--------
>>> import geoatlas
>>> atlas = geoatlas.open()
>>> r = route(atlas, "mes-aynak", "gwadar")
>>> r.countries
['Afghanistan', 'Pakistan']
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from . import geometry, schema
from .errors import QueryError, did_you_mean, listing
from .query import apply_where, nearest

if TYPE_CHECKING:  # pragma: no cover
    from .resolve import LayerSource as Atlas  # an Atlas, or anything holding layers

__all__ = ["LINK_LAYERS", "MIN_COUNTRY_KM", "Route", "build_graph", "route"]

LINK_LAYERS = ("rail", "corridors")
"""Layers whose ``nodes`` make the network, in order of preference for a shared edge."""

MIN_COUNTRY_KM = 1.0
"""A route must run at least this far inside a country to count as crossing it (a path
along a border otherwise flickers across 1:10m boundaries)."""

ENDPOINT_LAYERS = ("places", "deposits")
"""Layers a route may start or end at (or pass ``via``)."""


@dataclass
class Route:
    """A shortest path over the network.

    Attributes
    ----------
    start, to : str
        The ids the route was asked between; ``via`` the ids it had to pass.
    places : list of str
        Ids of every point passed, in order (the start and end included).
    names : list of str
        Their names.
    geometry : shapely.LineString
        The path, lon/lat, densified along geodesics.
    length_km : float
        Geodesic length of the path.
    countries : list of str
        Names of the countries crossed, in order of entry (``country_codes``: ISO3).
    country_km : dict
        Km of the path inside each country (ISO3 -> km).
    schematic_km, connector_km : float
        Km along links whose ``location_quality`` is ``schematic``, and along connector
        edges (which are schematic too).
    legs : geopandas.GeoDataFrame
        One row per edge: from, to, km, layer, features, status, connector, schematic.
    as_of : datetime.date or None
        The date of the atlas the route was found in (``None``: latest).
    """

    start: str
    to: str
    via: list[str]
    places: list[str]
    names: list[str]
    geometry: shapely.LineString
    length_km: float
    countries: list[str]
    country_codes: list[str]
    country_km: dict[str, float]
    schematic_km: float
    connector_km: float
    legs: gpd.GeoDataFrame = field(repr=False)
    as_of: dt.date | None = None

    @property
    def schematic_share(self) -> float:
        """Share (0..1) of the length that is schematic, connectors included."""
        return (self.schematic_km + self.connector_km) / self.length_km if self.length_km else 0.0

    @property
    def connector_share(self) -> float:
        """Share (0..1) of the length made of connector edges only."""
        return self.connector_km / self.length_km if self.length_km else 0.0

    def summary(self) -> str:
        """A few lines for people: length, places, countries, schematic share."""
        when = self.as_of.isoformat() if self.as_of else "latest"
        return "\n".join([
            f"route {self.start} -> {self.to}"
            + (f" via {', '.join(self.via)}" if self.via else "")
            + f" (network as of: {when})",
            f"length: {self.length_km:,.1f} km",
            f"places: {' - '.join(self.names)}",
            f"countries: {' - '.join(self.countries) or '(none in the basemap)'}",
            f"schematic: {100 * self.schematic_share:.1f} % "
            f"(of which connectors {100 * self.connector_share:.1f} %, "
            f"{self.connector_km:,.1f} km)",
        ])

    def _repr_html_(self) -> str:
        """Jupyter: the summary, then one row per leg (without geometry)."""
        from .htmlsafe import text

        lines = "".join(f"<li>{text(line)}</li>" for line in self.summary().splitlines())
        legs = self.legs.drop(columns="geometry", errors="ignore")
        return f"<div><ul>{lines}</ul>{legs.to_html(index=False, escape=True)}</div>"

    def to_frame(self) -> gpd.GeoDataFrame:
        """The whole path as one feature with the summary attributes (for maps)."""
        return gpd.GeoDataFrame(
            {
                "start": [self.start], "to": [self.to], "via": [";".join(self.via)],
                "length_km": [round(self.length_km, 3)],
                "places": [";".join(self.places)],
                "countries": [";".join(self.country_codes)],
                "schematic_share": [round(self.schematic_share, 4)],
                "connector_km": [round(self.connector_km, 3)],
            },
            geometry=[self.geometry], crs=4326, index=[f"{self.start}--{self.to}"],
        )

    def __str__(self) -> str:
        return self.summary()


def _coords(frame: pd.DataFrame) -> dict[str, tuple[float, float]]:
    geoms = frame.geometry.to_numpy()
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    xs, ys = shapely.get_x(geoms[ok]), shapely.get_y(geoms[ok])
    return dict(zip(frame.index[ok].astype(str), zip(xs.tolist(), ys.tolist())))


def build_graph(atlas: Atlas, where: str | None = None) -> nx.Graph:
    """The network of ``atlas``: places joined by rail links, corridors and connectors.

    Parameters
    ----------
    atlas : Atlas
        A loaded workspace (use ``atlas.as_of(date)`` for the network at a date).
    where : str, optional
        where expression (:mod:`geoatlas.where`) selecting the links of every link layer
        (``"status == 'operating'"``).

    Returns
    -------
    networkx.Graph
        Nodes are place ids (attributes ``name``, ``lon``, ``lat``); edges carry ``km``,
        ``layer`` (``rail``, ``corridors`` or ``connector``), ``features`` (``layer:id``
        of every link using the edge), ``status``, ``schematic`` and ``connector``.
    """
    places = atlas["places"]
    coords = _coords(places)
    names = places["name"].astype(str).to_dict() if "name" in places else {}
    rows = []
    for layer in LINK_LAYERS:
        if layer not in atlas.layers:
            continue
        links = apply_where(atlas[layer], where, f"where (on {layer})", layer=layer)
        for ident, nodes, status, quality in zip(
            links.index.astype(str), links["nodes"], links["status"], links["location_quality"]
        ):
            seq = [n for n in schema.split_list(str(nodes or "")) if n in coords]
            for u, v in itertools.pairwise(seq):
                if u != v:
                    rows.append((u, v, layer, f"{layer}:{ident}", status, quality == "schematic"))
    graph = nx.Graph()
    if rows:
        u, v = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
        km = geometry.geodesic_km(*np.array([coords[x] for x in u]).T,
                                  *np.array([coords[x] for x in v]).T)
        for (a, b, layer, feat, status, schem), d in zip(rows, np.atleast_1d(km)):
            for n in (a, b):
                if n not in graph:
                    graph.add_node(n, name=names.get(n, n), lon=coords[n][0], lat=coords[n][1])
            if graph.has_edge(a, b):
                e = graph.edges[a, b]
                e["features"].append(feat)
                e["schematic"] = e["schematic"] and schem  # one well-located link suffices
                e["status"] = e["status"] if e["status"] else status
                continue
            graph.add_edge(a, b, km=float(d), layer=layer, features=[feat], status=status,
                           schematic=bool(schem), connector=False)
    _join_components(graph)
    return graph


def _join_components(graph: nx.Graph) -> None:
    """Add a connector between the closest places of every two parts of the network."""
    parts = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: c[0])
    if len(parts) < 2:
        return
    nodes = [n for part in parts for n in part]
    label = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    lon = np.array([graph.nodes[n]["lon"] for n in nodes])
    lat = np.array([graph.nodes[n]["lat"] for n in nodes])
    i, j = np.triu_indices(len(nodes), k=1)
    cross = label[i] != label[j]
    i, j = i[cross], j[cross]
    km = geometry.geodesic_km(lon[i], lat[i], lon[j], lat[j])
    pair = label[i] * len(parts) + label[j]
    order = np.lexsort((j, i, km, pair))
    first = order[np.r_[True, pair[order][1:] != pair[order][:-1]]]
    for a, b, d in zip(i[first], j[first], np.atleast_1d(km)[first]):
        _add_connector(graph, nodes[a], nodes[b], float(d))


def _add_connector(graph: nx.Graph, a: str, b: str, km: float) -> None:
    graph.add_edge(a, b, km=km, layer="connector", features=[], status=None,
                   schematic=True, connector=True)


def _endpoints(atlas: Atlas) -> gpd.GeoDataFrame:
    frames = [atlas[n][["name", "geometry"]].assign(layer=n)
              for n in ENDPOINT_LAYERS if n in atlas.layers]
    both = pd.concat(frames)
    return gpd.GeoDataFrame(both[~both.index.duplicated()], geometry="geometry", crs=4326)


def _resolve(points: gpd.GeoDataFrame, ident: str) -> str:
    if ident in points.index:
        return ident
    lowered = ident.strip().lower()
    for key in points.index:
        if str(key).lower() == lowered:
            return key
    hits = points.index[points["name"].astype(str).str.lower() == lowered]
    if len(hits):
        return hits[0]
    ids = sorted(map(str, points.index))
    raise QueryError(
        f"unknown place or deposit '{ident}'{did_you_mean(ident, ids)}; "
        f"valid ids ({', '.join(ENDPOINT_LAYERS)}): {listing(ids, 200)}"
    )


def route(
    atlas: Atlas,
    start: str,
    to: str,
    via: Sequence[str] | str | None = None,
    where: str | None = None,
) -> Route:
    """Shortest path from ``start`` to ``to`` over the rail and corridor network.

    Parameters
    ----------
    atlas : Atlas
        A loaded workspace; pass ``atlas.as_of(date)`` for the network at a date.
    start, to : str
        Place or deposit ids (or names): ``"mes-aynak"``, ``"gwadar"``.
    via : str or list of str, optional
        Places the route must pass, in order (a string may list them with ``;``).
    where : str, optional
        where expression (:mod:`geoatlas.where`) selecting the links used
        (``"status == 'operating'"``).

    Returns
    -------
    Route
        Path geometry, length, places, countries crossed and schematic share.

    Raises
    ------
    QueryError
        Unknown ids (the message lists the valid ones), a bad ``where``, or a network
        with no link at all.
    """
    via = schema.split_list(via) if isinstance(via, str) else list(via or [])
    points = _endpoints(atlas)
    stops = [_resolve(points, s) for s in (start, *via, to)]
    graph = build_graph(atlas, where)
    if graph.number_of_nodes() == 0:
        when = f" as of {atlas.as_of_date}" if atlas.as_of_date else ""
        raise QueryError(f"no rail link or corridor{when} to route over"
                         + (f" where {where}" if where else ""))
    _connect_stops(graph, points, [s for s in dict.fromkeys(stops) if s not in graph])
    path: list[str] = [stops[0]]
    for a, b in itertools.pairwise(stops):
        if a == b:
            continue
        try:
            path += nx.shortest_path(graph, a, b, weight="km")[1:]
        except nx.NetworkXNoPath:  # pragma: no cover - components are always joined
            raise QueryError(f"no path from {a} to {b}") from None
    return _route_result(atlas, graph, points, stops, path)


def _connect_stops(graph: nx.Graph, points: gpd.GeoDataFrame, stops: list[str]) -> None:
    """Join stops that are off the network to its nearest place by a connector each."""
    if not stops:
        return
    nodes = points.loc[[n for n in graph.nodes if n in points.index]]
    hits = nearest(points.loc[stops], nodes, k=1)
    for stop, node, km in zip(hits.index, hits["nearest_id"], hits["distance_km"]):
        graph.add_node(stop, name=str(points.at[stop, "name"]),
                       lon=points.geometry[stop].x, lat=points.geometry[stop].y)
        _add_connector(graph, stop, node, float(km))


def _route_result(atlas, graph, points, stops, path) -> Route:
    lonlat = [(graph.nodes[n]["lon"], graph.nodes[n]["lat"]) for n in path]
    edges = [graph.edges[a, b] for a, b in itertools.pairwise(path)]
    legs = gpd.GeoDataFrame(
        {
            "seq": np.arange(1, len(edges) + 1),
            "from_id": path[:-1],
            "to_id": path[1:],
            "from_name": [graph.nodes[n]["name"] for n in path[:-1]],
            "to_name": [graph.nodes[n]["name"] for n in path[1:]],
            "km": [e["km"] for e in edges],
            "layer": [e["layer"] for e in edges],
            "features": [";".join(e["features"]) for e in edges],
            "status": [e["status"] or "" for e in edges],
            "connector": [bool(e["connector"]) for e in edges],
            "schematic": [bool(e["schematic"]) for e in edges],
        },
        geometry=[geometry.line_through([p, q]) for p, q in itertools.pairwise(lonlat)],
        crs=4326,
    )
    legs["cum_km"] = legs["km"].cumsum()
    countries, km_in = _countries_crossed(atlas, legs)
    legs["countries"] = countries
    names = atlas["countries"]["name"].astype(str).to_dict() if "countries" in atlas.layers else {}
    order = [c for c in dict.fromkeys(c for cell in countries for c in cell.split(";") if c)
             if km_in.get(c, 0.0) >= MIN_COUNTRY_KM]
    line = geometry.line_through(lonlat) if len(lonlat) > 1 else shapely.LineString(lonlat * 2)
    return Route(
        start=stops[0], to=stops[-1], via=list(stops[1:-1]), places=list(path),
        names=[graph.nodes[n]["name"] for n in path], geometry=line,
        length_km=float(legs["km"].sum()), countries=[names.get(c, c) for c in order],
        country_codes=order, country_km={c: round(km_in[c], 3) for c in order},
        schematic_km=float(legs.loc[legs["schematic"] & ~legs["connector"], "km"].sum()),
        connector_km=float(legs.loc[legs["connector"], "km"].sum()),
        legs=legs, as_of=atlas.as_of_date,
    )


def _countries_crossed(atlas, legs: gpd.GeoDataFrame) -> tuple[list[str], dict[str, float]]:
    """The countries each leg runs through, and the km of the path in each.

    Returns the ISO3 codes per leg (in order of entry, ``;``-joined) and a dict of km
    per ISO3 code over the whole path.
    """
    if "countries" not in atlas.layers or legs.empty:
        return [""] * len(legs), {}
    countries = atlas["countries"]
    lines = legs.geometry.to_numpy()
    leg, cty = shapely.STRtree(countries.geometry.to_numpy()).query(lines, predicate="intersects")
    pieces = shapely.intersection(lines[leg], countries.geometry.to_numpy()[cty])
    km = geometry.geodesic_length_km(pieces)
    parts, owner = shapely.get_parts(pieces, return_index=True)
    where = shapely.line_locate_point(lines[leg][owner], shapely.get_point(parts, 0),
                                      normalized=True)
    enter = pd.Series(where).groupby(owner).min().reindex(range(len(leg))).to_numpy()
    code = countries.index.astype(str).to_numpy()[cty]
    found = pd.DataFrame({"leg": leg, "code": code, "km": km, "enter": enter})
    found = found[found["km"] > 0].sort_values(["leg", "enter", "code"], kind="stable")
    per_leg = found.groupby("leg")["code"].agg(";".join).reindex(range(len(legs)), fill_value="")
    total = found.groupby("code")["km"].sum()
    return per_leg.tolist(), {str(k): float(v) for k, v in total.items()}
