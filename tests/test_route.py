"""Routes over the rail and corridor network: a synthetic network, then the real data."""

from __future__ import annotations

import itertools
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pyproj import Geod

import geoatlas
from geoatlas import network
from geoatlas.atlas import Atlas
from geoatlas.workspace import Catalog

GEOD = Geod(ellps="WGS84")

PLACES = {  # id: (lon, lat)
    "a": (66.0, 34.0), "b": (67.0, 34.0), "c": (68.0, 34.0), "d": (68.0, 35.0),
    "e": (66.0, 35.5), "f": (70.0, 34.0), "g": (71.0, 34.0), "lonely": (64.0, 33.0),
}


def km(*ids) -> float:
    """Geodesic km along the places ``ids``, leg by leg."""
    pts = [PLACES.get(i) or DEPOSITS[i] for i in ids]
    return sum(GEOD.inv(*p, *q)[2] for p, q in itertools.pairwise(pts)) / 1000.0


DEPOSITS = {"x": (66.0, 33.8)}


def links(rows) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows, columns=["id", "name", "nodes", "status", "location_quality"])
    geoms = [shapely.LineString([PLACES[n] for n in nodes.split(";")]) for nodes in frame["nodes"]]
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=4326).set_index("id", drop=False)


def point_layer(coords: dict) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": list(coords), "name": [i.upper() for i in coords]},
                            geometry=[shapely.Point(c) for c in coords.values()], crs=4326,
                            index=list(coords))


def synthetic(rail=None, corridors=None) -> Atlas:
    rail = links(rail if rail is not None else [
        ("r1", "A-B-C", "a;b;c", "operating", "exact"),
        ("r2", "C-D", "c;d", "proposed", "schematic"),
        ("r3", "F-G", "f;g", "operating", "approximate"),
    ])
    corridors = links(corridors if corridors is not None else [
        ("k1", "A-E-D", "a;e;d", "operating", "schematic"),
        ("k2", "B-C", "b;c", "agreed", "schematic"),
    ])
    countries = gpd.GeoDataFrame(
        {"iso3": ["WWW", "EEE"], "name": ["Westland", "Eastland"]},
        geometry=[shapely.box(60, 30, 67.5, 40), shapely.box(67.5, 30, 75, 40)], crs=4326,
        index=["WWW", "EEE"],
    )
    layers = {"countries": countries, "places": point_layer(PLACES),
              "deposits": point_layer(DEPOSITS), "rail": rail, "corridors": corridors}
    return Atlas(Catalog(Path("."), layers, {}))


def test_shortest_path_on_a_small_network():
    r = network.route(synthetic(), "a", "d")
    assert r.places == ["a", "b", "c", "d"]           # 3 legs beat a-e-d
    assert km("a", "b", "c", "d") < km("a", "e", "d")
    assert r.length_km == pytest.approx(km("a", "b", "c", "d"), rel=1e-12)
    assert GEOD.geometry_length(r.geometry) / 1000 == pytest.approx(r.length_km, rel=1e-6)
    assert r.names == ["A", "B", "C", "D"]
    assert r.countries == ["Westland", "Eastland"] and r.country_codes == ["WWW", "EEE"]
    assert sum(r.country_km.values()) == pytest.approx(r.length_km, rel=1e-3)
    # a-b-c is on an "exact" rail link (b-c shared with a schematic corridor): not schematic
    assert list(r.legs["features"]) == ["rail:r1", "rail:r1;corridors:k2", "rail:r2"]
    assert r.schematic_km == pytest.approx(km("c", "d"))
    assert r.connector_km == 0
    assert r.schematic_share == pytest.approx(km("c", "d") / r.length_km)


def test_where_selects_the_links():
    r = network.route(synthetic(), "a", "d", where="status == 'operating'")
    assert r.places == ["a", "e", "d"]                # the proposed c-d link is left out
    assert set(r.legs["layer"]) == {"corridors"}
    assert r.schematic_share == pytest.approx(1.0)


def test_via_forces_a_detour():
    r = network.route(synthetic(), "a", "d", via=["e"])
    assert r.places == ["a", "e", "d"] and r.via == ["e"]
    r = network.route(synthetic(), "b", "b", via="e")
    assert r.places == ["b", "a", "e", "a", "b"]


def test_deposits_and_disconnected_parts_get_marked_connectors():
    atlas = synthetic()
    graph = network.build_graph(atlas)
    connectors = [(u, v) for u, v, e in graph.edges(data=True) if e["connector"]]
    assert [tuple(sorted(c)) for c in connectors] == [("c", "f")]  # the closest pair
    r = network.route(atlas, "x", "g")
    assert r.places == ["x", "a", "b", "c", "f", "g"]
    assert list(r.legs["connector"]) == [True, False, False, True, False]
    assert r.connector_km == pytest.approx(km("x", "a") + km("c", "f"))
    assert r.schematic_share == pytest.approx(
        (km("x", "a") + km("c", "f")) / km("x", "a", "b", "c", "f", "g"))
    assert r.countries == ["Westland", "Eastland"]
    # a place on no link is joined to the nearest network place
    r = network.route(atlas, "lonely", "b")
    assert r.places == ["lonely", "a", "b"] and r.legs["connector"].iloc[0]


def test_route_by_name_and_errors():
    atlas = synthetic()
    assert network.route(atlas, "A", "C").places == ["a", "b", "c"]
    with pytest.raises(geoatlas.QueryError, match=r"unknown place or deposit 'h'; valid ids "
                                                  r"\(places, deposits\): a, b, c, d, e, f, g, "
                                                  r"lonely, x"):
        network.route(atlas, "a", "h")
    with pytest.raises(geoatlas.QueryError, match="no rail link or corridor to route over"):
        network.route(synthetic(rail=[], corridors=[]), "a", "b")
    with pytest.raises(geoatlas.QueryError, match="does not parse"):
        network.route(atlas, "a", "b", where="status ==")


def test_route_frame_and_summary():
    r = network.route(synthetic(), "x", "g")
    frame = r.to_frame()
    assert list(frame.index) == ["x--g"] and frame.crs.to_epsg() == 4326
    assert frame["places"].iloc[0] == "x;a;b;c;f;g"
    assert frame["countries"].iloc[0] == "WWW;EEE"
    assert str(r).splitlines()[:4] == [
        "route x -> g (network as of: latest)",
        f"length: {r.length_km:,.1f} km",
        "places: X - A - B - C - F - G",
        "countries: Westland - Eastland",
    ]


# -- the real data -----------------------------------------------------------------------
def check_route(atlas, r, start, end):
    assert r.places[0] == start and r.places[-1] == end
    pts = [(atlas.places if p in atlas.places.index else atlas.deposits).geometry[p]
           for p in r.places]
    legs = sum(GEOD.inv(p.x, p.y, q.x, q.y)[2] for p, q in itertools.pairwise(pts)) / 1000
    assert r.length_km == pytest.approx(legs, rel=1e-9)
    assert GEOD.geometry_length(r.geometry) / 1000 == pytest.approx(r.length_km, rel=5e-3)
    straight = GEOD.inv(pts[0].x, pts[0].y, pts[-1].x, pts[-1].y)[2] / 1000
    assert r.length_km > straight
    assert 0 <= r.connector_share <= r.schematic_share <= 1


def test_mes_aynak_to_gwadar_cpec(atlas):
    r = atlas.route("mes-aynak", "gwadar")
    check_route(atlas, r, "mes-aynak", "gwadar")
    assert r.countries == ["Afghanistan", "Pakistan"]
    assert any("corridors:cpec" in f for f in r.legs["features"])


def test_mes_aynak_to_baku_lapis_lazuli(atlas):
    r = atlas.route("mes-aynak", "baku")
    check_route(atlas, r, "mes-aynak", "baku")
    assert r.countries == ["Afghanistan", "Turkmenistan", "Azerbaijan"]
    assert any("corridors:lapis-lazuli" in f for f in r.legs["features"])


def test_route_as_of_a_date(atlas):
    then = atlas.as_of("2019-06-01")
    r = then.route("mes-aynak", "baku")
    assert r.as_of.isoformat() == "2019-06-01"
    check_route(then, r, "mes-aynak", "baku")
    assert "(network as of: 2019-06-01)" in r.summary()
