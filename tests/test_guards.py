"""Guards for promises an earlier planted-bug run showed nothing else checked.

Each test here was checked by planting its bug by hand and watching it fail:
the required ``source_ids`` switched off in the schema; an event dated ON the as-of
day ignored (``<=`` turned ``<``, in Python and in the page's script); export labelling
a projected frame EPSG:4326 instead of reprojecting it; ``htmlsafe.link`` making a
``javascript:`` URL a link. (The drawn scale bar is guarded by
``tests/test_static.py::test_drawn_scale_bar_matches_geodesic_truth``.)
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pyogrio
import pytest
import shapely

import geoatlas
from geoatlas import htmlsafe, schema, timeline
from geoatlas.build import build
from geoatlas.export import export_frame
from tests.browser import chromium, offline_page
from tests.conftest import MINI

WITH_SOURCES = sorted(name for name, table in schema.TABLES.items()
                      if any(c.name == "source_ids" for c in table.columns))


# -- every row cites a document ----------------------------------------------------------
@pytest.mark.parametrize("name", WITH_SOURCES)
def test_validator_requires_source_ids(name):
    table = schema.TABLES[name]
    row = {c.name: "" for c in table.columns}
    problems = [p.message for p in schema.check_rows(table, f"layers/{name}.csv", [(2, row)])]
    assert "'source_ids' is empty; it is required" in problems
    row["source_ids"] = "some-doc"
    problems = [p.message for p in schema.check_rows(table, f"layers/{name}.csv", [(2, row)])]
    assert not any(m.startswith("'source_ids' is empty") for m in problems)


def test_validator_covers_the_spatial_layers():
    assert {"deposits", "rail", "corridors", "events", "contracts"} <= set(WITH_SOURCES)


# -- an event dated on the as-of day has happened by then -----------------------------------
def test_status_at_counts_an_event_on_the_as_of_day():
    day = dt.date(2017, 11, 1)
    history = [timeline.Transition(dt.date(2008, 5, 1), "proposed", "a"),
               timeline.Transition(day, "agreed", "b")]
    assert timeline.status_at(history, day)[:2] == ("agreed", day)
    assert timeline.status_at(history, day - dt.timedelta(days=1))[0] == "proposed"


@pytest.mark.parametrize(("as_of", "layer", "ident", "status"), [
    ("2017-11-01", "corridors", "test-corridor", "agreed"),  # a month-precision event
    ("2011-11-28", "contracts", "oil-deal", "signed"),        # a day-precision event
])
def test_atlas_as_of_the_event_day_shows_the_event(as_of, layer, ident, status):
    def status_of(when):
        frame = geoatlas.open(MINI, as_of=when)[layer]
        rows = frame[frame["id"] == ident]  # layers drop what does not exist yet
        return rows["status"].iloc[0] if len(rows) else None

    assert status_of(as_of) == status
    assert status_of(dt.date.fromisoformat(as_of) - dt.timedelta(days=1)) != status


@pytest.mark.browser
def test_page_script_status_matches_python_on_every_change_day(tmp_path):
    """The page's statusAt agrees with timeline.status_at on each timeline date itself."""
    html = build(geoatlas.open(MINI), ["mini"], tmp_path / "out", ["web"])[0]
    with chromium() as browser, offline_page(browser=browser) as (page, log):
        page.goto(html.as_uri())
        page.wait_for_function("window.geoatlas !== undefined")
        dates = page.evaluate("window.geoatlas.spec.timeline.dates")
        assert dates
        checked = 0
        for when in dates:
            page.locator(".ga-time input").evaluate(
                """(el, d) => { el.value = window.geoatlas.spec.timeline.dates.indexOf(d);
                     el.dispatchEvent(new Event('input')); }""", when)
            page.wait_for_function("w => document.documentElement.dataset.gaWhen === w", arg=when)
            seen = page.evaluate("""() => window.geoatlas.layers.flatMap(e => e.features
                .filter(l => l.feature.properties.h)
                .map(l => [l.feature.properties.h, l._gaStatus === undefined ? null
                                                                : l._gaStatus]))""")
            day = dt.date.fromisoformat(when)
            for h, status in seen:
                hist = [timeline.Transition(dt.date.fromisoformat(d) if d else None, s, "")
                        for d, s in h]
                assert status == timeline.status_at(hist, day)[0], (when, h)
                checked += 1
        assert checked
        assert not log["page_errors"]


# -- export reprojects --------------------------------------------------------------------
def test_export_reprojects_a_projected_frame(tmp_path):
    kabul = (69.1772, 34.5553)
    frame = gpd.GeoDataFrame({"id": ["kabul"]}, geometry=[shapely.Point(kabul)],
                             crs=4326).to_crs(3857)
    assert abs(frame.geometry.x.iloc[0]) > 1e6  # metres, not degrees
    path = export_frame(frame, tmp_path / "kabul.geojson", "geojson")
    back = pyogrio.read_dataframe(path)
    assert back.crs.to_epsg() == 4326
    assert back.geometry.x.iloc[0] == pytest.approx(kabul[0], abs=1e-6)
    assert back.geometry.y.iloc[0] == pytest.approx(kabul[1], abs=1e-6)


# -- only http(s) links -------------------------------------------------------------------
@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)",
                                 "java\tscript:alert(1)", "data:text/html,<b>x</b>",
                                 "vbscript:msgbox(1)", "//evil.example/x", "file:///etc/passwd"])
def test_link_refuses_anything_but_http(url):
    out = htmlsafe.link(url)
    assert "<a" not in out and "href" not in out
    assert "<b>" not in out  # and the text itself is escaped


def test_link_makes_http_links():
    out = htmlsafe.link("https://example.org/?a=1&b=2", "doc")
    assert out.startswith('<a href="https://example.org/?a=1&amp;b=2"')
    assert 'rel="noopener noreferrer"' in out and out.endswith("><bdi>doc</bdi></a>")
