"""The web map: one offline HTML file, deterministic, escaped, and working in Chromium."""

from __future__ import annotations

import re

import numpy as np
import pytest
from click.testing import CliRunner

import geoatlas
from geoatlas.build import build
from geoatlas.cli import cli
from geoatlas.recipe import load_recipe
from geoatlas.render.web import render_html
from tests.browser import offline_page

HOSTILE = (
    "<img src=x onerror=\"window.__pwned=1\"> ' \" ` ${window.__pwned=2} {{7*7}} "
    "</script><script>window.__pwned=3</script> javascript:window.__pwned=4"
)
REMOTE_REF = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?https?:",
                        re.IGNORECASE)


def test_html_is_self_contained_and_deterministic(mini):
    recipe = load_recipe(mini, "mini")
    first = render_html(mini, recipe)
    again = render_html(geoatlas.open(mini.root), load_recipe(mini, "mini"))
    assert first == again
    assert not REMOTE_REF.search(first)
    assert "bootstrap" not in first and "awesome" not in first and "jquery" not in first
    assert re.search(r"[0-9a-f]{32}", first) is None  # no random folium ids


def test_build_is_atomic_on_failure(mini_copy, tmp_path, monkeypatch):
    atlas = geoatlas.open(mini_copy)
    out = tmp_path / "out"
    build(atlas, ["mini"], out, ["web"])
    before = (out / "mini.html").read_bytes()

    import geoatlas.render.web as web

    def broken(*args, **kwargs):
        (args[3] / "mini.html").write_text("half-written")
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(web, "write", broken)
    with pytest.raises(RuntimeError):
        build(atlas, ["mini"], out, ["web"])
    assert (out / "mini.html").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["mini.html"]  # no staging left behind


def test_build_cli_lists_outputs(mini_copy, tmp_path):
    result = CliRunner().invoke(cli, ["build", str(mini_copy), "--out", str(tmp_path),
                                      "--only", "web"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"built 1 file(s) in {tmp_path}"
    assert (tmp_path / "mini.html").stat().st_size > 100_000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('colour = "red"\n', r"unknown key 'colour'; allowed: title, subtitle"),
        ('[[layers]]\nlayer = "mines"\n', r"unknown layer 'mines'; layers: countries, provinces"),
        ('[[layers]]\nlayer = "deposits"\npopup = ["nmae"]\n',
         r"unknown field 'nmae' in 'popup' \(did you mean 'name'\?\); fields: id, name"),
        ('[[layers]]\nlayer = "rail"\n[layers.style]\ncolor_by = "state"\n',
         r"unknown field 'state' in 'style.color_by' \(did you mean 'status'\?\)"),
        ('[[layers]]\nlayer = "rail"\n[layers.style]\ncolour = "red"\n',
         r"unknown style key 'colour'; allowed: color, fill"),
    ],
)
def test_recipe_errors(mini_copy, text, message):
    (mini_copy / "maps" / "bad.toml").write_text('title = "t"\n' + text)
    atlas = geoatlas.open(mini_copy)
    with pytest.raises(geoatlas.RecipeError, match=message):
        load_recipe(atlas, "bad")
    result = CliRunner().invoke(cli, ["build", str(mini_copy), "--map", "bad", "--out",
                                      str(mini_copy / "out")])
    assert result.exit_code == 1
    assert re.search(message, result.output)


def _hostile_workspace(ws):
    """Put hostile text into every free-text cell of every file of the mini workspace."""
    import csv
    import json

    free_text = {"name", "alt_names", "notes", "title", "publisher", "author", "description",
                 "company", "partners", "value_meaning", "operator", "measure", "unit",
                 "as_printed", "period_label", "estimate_unit", "estimate_meaning"}
    for f in [*(ws / "layers").glob("*.csv"), ws / "geo" / "places.csv"]:
        with f.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        fields = list(rows[0])
        for row in rows:
            for k in fields:
                if k in free_text:
                    row[k] = f"{row[k]} {HOSTILE}"
        with f.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=fields)
            w.writeheader()
            w.writerows(rows)
    recipe = (ws / "maps" / "mini.toml").read_text()
    recipe = 'link_fields = ["notes"]\n' + recipe.replace('title = "Mini map"',
                                                          f"title = {json.dumps(HOSTILE)}")
    recipe = recipe.replace('popup = ["name", "commodities", "province", "companies"]',
                            'popup = ["name", "commodities", "province", "companies", "notes"]')
    (ws / "maps" / "mini.toml").write_text(recipe)


@pytest.mark.browser
def test_hostile_text_runs_nothing_and_shows_literally(mini_copy, out_dir):
    _hostile_workspace(mini_copy)
    atlas = geoatlas.open(mini_copy)
    html_path = build(atlas, ["mini"], mini_copy / "out", ["web"])[0]
    html = html_path.read_text()
    assert "<script>window.__pwned" not in html
    assert 'href="javascript:' not in html.lower()
    with offline_page() as (page, log):
        page.goto(html_path.as_uri())
        page.wait_for_function("window.geoatlas !== undefined")
        page.evaluate("""() => {
            const g = window.geoatlas;
            g.layers.forEach(e => { e.group.addTo(g.map); e.features.forEach(f => {
                if (f.getPopup()) { f.openPopup(f.getLatLng ? f.getLatLng() : undefined); } }); });
        }""")
        page.wait_for_timeout(300)
        assert page.evaluate("window.__pwned") is None
        assert log["dialogs"] == [] and log["page_errors"] == [], log
        title = page.inner_text(".ga-title h1")
        assert title == HOSTILE
        # the last popup opened (a deposit) shows the hostile note as text, not as a link
        popup_text = page.inner_text(".leaflet-popup-content")
        assert "javascript:window.__pwned=4" in popup_text
        assert "{{7*7}}" in popup_text and "${window.__pwned=2}" in popup_text
        assert page.locator(".leaflet-popup-content a[href^='javascript']").count() == 0
        page.screenshot(path=str(out_dir / "hostile-mini.png"))


def pixel_variance(png_path) -> float:
    from PIL import Image

    img = np.asarray(Image.open(png_path).convert("L"), dtype=float)
    return float(img.var())


@pytest.mark.browser
def test_mini_map_time_control_and_search(mini_copy, out_dir):
    atlas = geoatlas.open(mini_copy)
    html_path = build(atlas, ["mini"], mini_copy / "out", ["web"])[0]
    with offline_page() as (page, log):
        page.goto(html_path.as_uri())
        page.wait_for_function("window.geoatlas !== undefined")
        count = """() => window.geoatlas.layers.map(e => e.group.getLayers().length)"""
        latest = page.evaluate(count)
        slider = page.locator(".ga-time input")
        slider.evaluate("(el) => { el.value = 0; el.dispatchEvent(new Event('input')); }")
        earliest = page.evaluate(count)
        assert page.inner_text(".ga-time-label").startswith("status as of 2008-05")
        # the corridor (agreed 2017-11) does not exist yet in 2008; the undated rail stays
        names = [e["title"] for e in page.evaluate(
            "() => window.geoatlas.layers.map(e => ({title: e.spec.title}))")]
        corr = names.index("Corridors")
        assert latest[corr] == 1 and earliest[corr] == 0
        page.fill(".ga-search input", "mazar")
        items = page.locator(".ga-results li")
        assert items.count() >= 1
        assert log["console_errors"] == [] and log["page_errors"] == [] and log["requests"] == []


RECIPES = ["afghanistan-minerals", "regional-corridors"]


@pytest.fixture(scope="module")
def built_maps(atlas, tmp_path_factory):
    out = tmp_path_factory.mktemp("web")
    return {p.stem: p for p in build(atlas, RECIPES, out, ["web"])}


@pytest.mark.browser
@pytest.mark.parametrize("name", RECIPES)
def test_default_maps_in_chromium(atlas, built_maps, name, out_dir):
    recipe = load_recipe(atlas, name)
    html = built_maps[name].read_text()
    assert not REMOTE_REF.search(html)
    with offline_page() as (page, log):
        page.goto(built_maps[name].as_uri())
        page.wait_for_function("window.geoatlas !== undefined")
        page.wait_for_timeout(500)
        assert page.evaluate("typeof L") == "object"
        titles = page.evaluate("() => window.geoatlas.layers.map(e => e.spec.title)")
        entries = [*recipe.overlays, *recipe.layers]  # overlays are drawn at the bottom
        assert titles == [spec.title for spec in entries]
        boxes = page.locator(".ga-layers input[data-layer]")
        assert boxes.count() == len(entries)
        assert page.locator(".ga-legend").is_visible()
        visible_parts = page.locator(".ga-legend-layer:visible")
        assert visible_parts.count() == sum(spec.visible for spec in entries)
        # hiding a layer hides its legend section
        boxes.first.uncheck()
        assert page.locator(".ga-legend-layer:visible").count() == visible_parts.count()
        boxes.first.check()
        shot = out_dir / f"{name}.png"
        page.screenshot(path=str(shot))
        assert pixel_variance(shot) > 100
        assert log["console_errors"] == [] and log["page_errors"] == [], log
        assert log["requests"] == []


@pytest.mark.browser
def test_mes_aynak_popup_and_time_control(atlas, built_maps, out_dir):
    contract = atlas.contracts[atlas.contracts["asset_id"] == "mes-aynak"].iloc[0]
    with offline_page() as (page, log):
        page.goto(built_maps["afghanistan-minerals"].as_uri())
        page.wait_for_function("window.geoatlas !== undefined")
        # a real mouse click on the deposit's pixel, once the map has settled
        page.evaluate("""() => new Promise(done => {
            const g = window.geoatlas;
            const e = g.layers.find(e => e.spec.title === 'Deposits');
            const f = e.features.find(f => f.feature.properties.i === 'mes-aynak');
            g.map.once('moveend', () => setTimeout(done, 300));
            g.map.setView(f.getLatLng(), 8, {animate: false});
        })""")
        xy = page.evaluate("""() => {
            const g = window.geoatlas;
            const e = g.layers.find(e => e.spec.title === 'Deposits');
            const f = e.features.find(f => f.feature.properties.i === 'mes-aynak');
            const p = g.map.latLngToContainerPoint(f.getLatLng());
            const r = g.map.getContainer().getBoundingClientRect();
            return [p.x + r.left, p.y + r.top];
        }""")
        page.mouse.click(xy[0], xy[1])
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        text = popup.inner_text()
        assert "Mes Aynak" in text
        assert contract["company"].split(" (")[0] in text
        page.screenshot(path=str(out_dir / "afghanistan-minerals-popup.png"))

        count = "() => window.geoatlas.layers.map(e => e.group.getLayers().length)"
        latest = page.evaluate(count)
        page.locator(".ga-time input").evaluate(
            "(el) => { el.value = 0; el.dispatchEvent(new Event('input')); }")
        earliest = page.evaluate(count)
        assert earliest != latest  # rail links not yet recorded disappear
        assert page.inner_text(".ga-time-label").startswith("status as of ")
        assert log["console_errors"] == [] and log["page_errors"] == []


@pytest.mark.browser
def test_popup_contract_status_follows_the_time_control(atlas, built_maps):
    """The 2023 CAPEIC contract reads 'signed' in 2024 and 'terminated' after June 2025."""
    hist = atlas.catalog.histories["contracts"]["amu-darya-capeic-2023"]
    assert [t.status for t in hist if t.date][-2:] == ["signed", "terminated"]
    with offline_page() as (page, log):
        page.goto(built_maps["afghanistan-minerals"].as_uri())
        page.wait_for_function("window.geoatlas !== undefined")

        def status_at(month):
            page.locator(".ga-time input").evaluate(
                """(el, m) => { const months = window.geoatlas.spec.timeline.months;
                     el.value = m === null ? months.length : months.indexOf(m);
                     el.dispatchEvent(new Event('input')); }""", month)
            page.evaluate("""() => {
                const e = window.geoatlas.layers.find(e => e.spec.title === 'Deposits');
                const f = e.features.find(f => f.feature.properties.i === 'amu-darya-oil-blocks');
                f.openPopup(); }""")  # opened again while open: must still be current
            return tuple(page.evaluate("""() => {
                const li = [...document.querySelectorAll('.leaflet-popup-content li')]
                    .find(li => li.textContent.includes('CAPEIC')
                                && li.querySelector('[data-status]'));
                const span = li.querySelector("[data-status]");
                return [span.getAttribute('data-status'), span.textContent]; }"""))

        assert status_at("2024-01") == ("signed", "signed")
        assert status_at("2025-07") == ("terminated", "terminated")
        assert status_at("2022-01") == ("none", "not yet")
        assert status_at(None)[0] == "terminated"
        assert log["console_errors"] == [] and log["page_errors"] == []


@pytest.mark.browser
def test_raster_overlay_is_an_optional_offline_layer(mini_copy):
    recipe = mini_copy / "maps" / "mini.toml"
    recipe.write_text(recipe.read_text() + '''
[[overlays]]
product = "distance"
layer = "rail"
title = "Distance to rail"
resolution_km = 20
''')
    atlas = geoatlas.open(mini_copy)
    spec = load_recipe(atlas, "mini").overlays[0]
    assert (spec.product, spec.layer, spec.visible, spec.group) == ("distance", "rail", False,
                                                                    "Analysis")
    html_path = build(atlas, ["mini"], mini_copy / "out", ["web"])[0]
    html = html_path.read_text()
    assert not REMOTE_REF.search(html)
    with offline_page() as (page, log):
        page.goto(html_path.as_uri())
        page.wait_for_function("window.geoatlas !== undefined")
        assert page.locator("img.leaflet-image-layer").count() == 0
        page.locator(".ga-layers label", has_text="Distance to rail").locator("input").check()
        img = page.locator("img.leaflet-image-layer")
        assert img.count() == 1
        assert img.get_attribute("src").startswith("data:image/png;base64,")
        assert page.locator(".ga-legend-layer:visible", has_text="Distance to rail").count() == 1
        assert log["console_errors"] == [] and log["requests"] == []


def test_overlay_recipe_errors(mini_copy):
    (mini_copy / "maps" / "bad.toml").write_text(
        '[[layers]]\nlayer = "rail"\n[[overlays]]\nproduct = "heat"\nlayer = "rail"\n')
    with pytest.raises(geoatlas.RecipeError,
                       match=r"\[\[overlays\]\] #1: 'product' must be distance or density"):
        load_recipe(geoatlas.open(mini_copy), "bad")
