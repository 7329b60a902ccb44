"""The public API: light import, one exception root, readable summaries."""

from __future__ import annotations

import subprocess
import sys

import pytest

import geoatlas


def test_import_is_light():
    code = ("import sys, geoatlas; heavy = [m for m in ('matplotlib', 'folium', 'rasterio', "
            "'branca', 'networkx') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_error_hierarchy():
    for cls in (geoatlas.ValidationError, geoatlas.RecipeError, geoatlas.QueryError):
        assert issubclass(cls, geoatlas.GeoatlasError) and issubclass(cls, ValueError)
    assert issubclass(geoatlas.WorkspaceError, FileNotFoundError)
    assert issubclass(geoatlas.OutputError, OSError)


def test_atlas_mapping_and_repr(mini):
    assert mini.layers == ["countries", "provinces", "places", "deposits", "belts", "rail",
                           "corridors", "pipelines"]
    assert mini.tables == ["contracts", "events", "trade", "sources", "citations"]
    assert repr(mini) == ("<Atlas 'mini': countries=249, provinces=1188, places=5, deposits=2, "
                          "belts=1, rail=3, corridors=1, pipelines=0>")
    assert mini["rail"] is mini.rail
    with pytest.raises(KeyError, match="no layer or table 'mines'; available: countries"):
        mini["mines"]
    assert str(mini.deposits.crs) == "EPSG:4326"


def test_deposit_knows_its_contracts_and_status(mini):
    row = mini.deposits.loc["copper-hill"]
    assert row["contract_ids"] == "copper-deal"
    assert row["companies"] == "Copper Co"
    assert row["contract_value_usd"] == 3e9
    assert row["status"] == "signed"
    assert row["primary_commodity"] == "copper"


def test_as_of_drops_what_did_not_exist_yet(mini):
    assert set(mini.as_of("2010-01-01").contracts["id"]) == {"copper-deal"}
    assert set(mini.as_of("2007-01-01").contracts["id"]) == set()
    assert list(mini.as_of("2016-06-01").corridors.index) == []
    assert list(mini.as_of("2018-01-01").corridors.index) == ["test-corridor"]
    # undated terminations are reported, not applied, in an as-of view
    iron = mini.as_of("2012-01-01").contracts.set_index("id").loc["oil-deal"]
    assert iron["status"] == "signed"
    assert "undated event (iron-ended) reports it terminated" in iron["status_note"]
    assert mini.contracts.set_index("id").loc["oil-deal", "status"] == "terminated"


def test_belt_width_is_geodesic(mini):
    import shapely

    from geoatlas.geometry import distance_to_km

    belt = mini.belts.loc["test-belt"].geometry
    # the middle of the axis is inside, and the outline is the half-width (40 km) away
    axis = shapely.LineString([(62.5, 34.3), (66.0, 34.8), (69.5, 35.3)])
    mid = axis.interpolate(0.5, normalized=True)
    assert belt.contains(mid)
    ring = shapely.get_exterior_ring(belt)
    d = distance_to_km(mid, ring)
    assert d == pytest.approx(40, rel=0.02)
