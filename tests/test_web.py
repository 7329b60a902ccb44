"""The web map: one offline HTML file, deterministic, escaped, and working in Chromium.

Browser tests share one build of each default map (module fixture ``built_maps``) and
look at it as a reader would: desktop 1400x900 and phone 375x667, offline.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import geoatlas
from geoatlas.build import build
from geoatlas.citations import UNQUOTED_HINT
from geoatlas.cli import cli
from geoatlas.recipe import load_recipe
from geoatlas.render.popup import PopupContext
from geoatlas.render.prepare import prepare
from geoatlas.render.web import page_html, render_html
from geoatlas.render.webspec import _header_html, layer_spec
from tests.browser import chromium, close_popups, offline_page, settle

HOSTILE = (
    "<img src=x onerror=\"window.__pwned=1\"> ' \" ` ${window.__pwned=2} {{7*7}} "
    "</script><script>window.__pwned=3</script> javascript:window.__pwned=4 "
    "{% for x in range(3) %}loop{% endfor %} $\\frac{1}{2}$ =HYPERLINK(\"http://x\")"
)
BIDI = "\u202eevil\u202c \u2067rtl\u2069"
"""Bidi controls: ``geoatlas check`` rejects them in workspace files; text that reaches the
renderer another way (the Python API) is isolated, so it is tested at the renderer."""
SPEC_RE = re.compile(r'<script type="application/json" id="ga-spec">(.*?)</script>', re.S)
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



def _hostile_workspace(ws, sentinel):
    """Put hostile text into every free-text cell of every file of the mini workspace.

    The payloads include a Jinja expression that would create ``sentinel`` if any template
    engine evaluated it.
    """
    import csv

    attack = (f"{HOSTILE} {{{{ cycler.__init__.__globals__.os.popen('touch {sentinel}')"
              ".read() }}")
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
                    row[k] = f"{row[k]} {attack}"
        with f.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=fields)
            w.writeheader()
            w.writerows(rows)
    recipe = (ws / "maps" / "mini.toml").read_text()
    recipe = 'link_fields = ["notes"]\n' + recipe.replace('title = "Mini map"',
                                                          f"title = {json.dumps(attack)}")
    recipe = recipe.replace('popup = ["name", "commodities", "province", "companies"]',
                            'popup = ["name", "commodities", "province", "companies", "notes"]'
                            f"\ntitle = {json.dumps(attack)}\ngroup = {json.dumps(attack)}"
                            '\nlabel = "name"')
    (ws / "maps" / "mini.toml").write_text(recipe)
    return attack


def test_no_template_engine_sees_data(mini_copy, tmp_path):
    sentinel = tmp_path / "SENTINEL"
    attack = _hostile_workspace(mini_copy, sentinel)
    atlas = geoatlas.open(mini_copy)
    page = render_html(atlas, load_recipe(atlas, "mini"))
    assert not sentinel.exists()
    spec = json.loads(SPEC_RE.search(page).group(1))
    assert spec["title"] == attack
    deposits = next(ls for ls in spec["layers"] if ls["layer"] == "deposits")
    assert deposits["title"] == attack and deposits["group"] == attack
    names = [f["properties"]["n"] for f in deposits["data"]["features"]]
    assert names and all(n.endswith(attack) for n in names)
    assert "{{ cycler" in page and ">49<" not in page
    # nothing that renders templates is even loaded by the web renderer
    code = ("import sys, geoatlas; from geoatlas.recipe import load_recipe; "
            "from geoatlas.render.web import render_html; "
            f"a = geoatlas.open({str(mini_copy)!r}); render_html(a, load_recipe(a, 'mini')); "
            "print(sorted(m for m in ('jinja2', 'branca', 'folium') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert not sentinel.exists()


# -- property: any text round-trips literally ----------------------------------------------
class _Text(HTMLParser):
    """Collects text per tag, every tag and attribute seen."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.text, self.tags, self.attrs = [], {}, set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs += attrs
        if tag not in ("meta", "link", "br", "img", "input", "hr"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data):
        key = tuple(self.stack)
        self.text[key] = self.text.get(key, "") + data


def _parse(fragment: str) -> _Text:
    p = _Text()
    p.feed(fragment)
    p.close()
    return p


POPUP_TAGS = {"div", "h3", "h4", "p", "span", "table", "tr", "th", "td", "ul", "ol", "li",
              "b", "a", "sup", "details", "summary", "bdi"}
FRAGMENTS = ["{{ 7*7 }}", "{% if 1 %}x{% endif %}", "{#", "$x^2$", "$3 bn vs $3.5 bn",
             "\u202e", "\u2066", "\u2069", "\u200f", "<b>", "</script>", "<!--", "]]>",
             "=HYPERLINK(\"http://x\")", "+cmd|' /C calc'!A0", "@SUM(1)", "&amp;", "&#0;",
             "${1+1}", "`", "'", '"', ";", "; ", "\\", "\u2028", "\u2029", "javascript:",
             "https://example.org/?a=1&b=2", "  ", "\t", "\n", "_"]
HOSTILE_TEXT = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS),
              st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=6)),
    min_size=1, max_size=6).map("".join)


@pytest.fixture(scope="module")
def mini_parts(mini):
    recipe = load_recipe(mini, "mini")
    return recipe, prepare(mini, recipe)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(name=HOSTILE_TEXT, notes=HOSTILE_TEXT, title=HOSTILE_TEXT)
def test_any_text_round_trips_literally(mini, mini_parts, name, notes, title):
    recipe, layers = mini_parts
    p = next(p for p in layers if p.spec.layer == "deposits")
    frame = p.frame.copy()
    frame["name"] = name
    frame["notes"] = notes
    spec_entry = dataclasses.replace(p.spec, title=title, group=title, label="name",
                                     popup=[*p.spec.popup, "notes"])
    prepared = dataclasses.replace(p, spec=spec_entry, frame=frame)
    recipe = dataclasses.replace(recipe, title=title, subtitle=title)
    ctx = PopupContext(mini, recipe)
    ls = layer_spec("L0", prepared, ctx, mini)
    spec = {"title": title, "header_html": _header_html(recipe), "layers": [ls]}
    page = page_html(spec, title)
    # the JSON block gives back every string exactly; nothing else is in the script
    block = SPEC_RE.search(page).group(1)
    assert json.loads(block) == json.loads(json.dumps(spec))
    assert "</" not in block and "<!--" not in block and "\u2028" not in block
    assert _parse(page).text.get(("html", "head", "title"), "") == title
    header = _parse(spec["header_html"])
    assert header.text.get(("h1", "bdi"), "") == title
    for f in ls["data"]["features"]:
        props = f["properties"]
        assert props["n"] == name
        popup = _parse(props["p"])
        assert popup.tags <= POPUP_TAGS
        assert popup.text.get(("div", "h3", "bdi"), "") == name
        assert popup.text.get(("div", "details", "p", "bdi"), "") == notes
        assert not any(k.startswith("on") for k, _ in popup.attrs)
        assert all(v.startswith(("http://", "https://")) for k, v in popup.attrs if k == "href")


BROWSER_SAMPLE = [HOSTILE, "{{ 7*7 }} $x^2$ =1+1", f"abc {BIDI} def", "a; b;c",
                  "<b>bold</b> &amp; </script>"]


@pytest.mark.browser
def test_sample_text_reads_back_from_the_dom(mini, mini_parts, tmp_path, browser):
    """What a reader sees in Chromium is the text exactly, and nothing runs."""
    recipe, layers = mini_parts
    p = next(p for p in layers if p.spec.layer == "deposits")
    rows = [i % len(p.frame) for i in range(len(BROWSER_SAMPLE))]  # one feature per text
    frame = p.frame.iloc[rows].copy()
    frame.index = [f"sample-{i}" for i in range(len(rows))]
    frame["name"] = BROWSER_SAMPLE
    spec_entry = dataclasses.replace(p.spec, label="name", title=HOSTILE)
    symbols = [p.symbols[i] for i in rows]
    prepared = dataclasses.replace(p, spec=spec_entry, frame=frame, symbols=symbols)
    recipe = dataclasses.replace(recipe, title=HOSTILE, layers=[spec_entry])
    from geoatlas.render.webspec import map_spec

    spec = map_spec(mini, recipe, [prepared])
    path = tmp_path / "sample.html"
    path.write_text(page_html(spec, HOSTILE), encoding="utf-8")
    with offline_page(browser=browser) as (page, log):
        page.goto(path.as_uri())
        page.wait_for_function("window.geoatlas !== undefined")
        assert page.evaluate("document.title") == " ".join(HOSTILE.split())
        assert page.evaluate("document.querySelector('.ga-title h1').textContent") == HOSTILE
        shown = page.evaluate("""() => window.geoatlas.labels.filter(l => l.feature)
            .map(l => l.node.textContent)""")
        assert sorted(shown) == sorted(" ".join(t.split()) for t in frame["name"])
        popups = page.evaluate("""() => window.geoatlas.layers[0].features.map(f => {
            f.openPopup(); return f.getPopup().getElement().querySelector('h3').textContent; })""")
        assert sorted(popups) == sorted(frame["name"])
        # bidi controls stay inside their own isolated element: labels, popups, results
        page.evaluate("() => { window.geoatlas.layers[0].features[2].openPopup(); }")
        page.fill(".ga-search input", "evil")
        leaves = page.evaluate("""() => [...document.querySelectorAll('body *:not(script)')]
            .filter(e => e.childElementCount === 0 && e.textContent.includes('\\u202e'))
            .map(e => [e.closest('.ga-label, .leaflet-popup, .ga-results') ? 1 : 0,
                       e.outerHTML.slice(0, 60), getComputedStyle(e).unicodeBidi])""")
        assert all(b == "isolate" for *_, b in leaves), leaves
        assert sum(inside for inside, *_ in leaves) >= 2, leaves
        page.fill(".ga-search input", "{{ 7*7")
        results = page.locator(".ga-results button bdi").first.text_content()
        assert results == next(t for t in frame["name"] if "{{ 7*7" in t)
        assert page.evaluate("window.__pwned") is None
        assert log["dialogs"] == [] and log["page_errors"] == [], log


@pytest.mark.browser
def test_hostile_workspace_runs_nothing_and_shows_literally(mini_copy, tmp_path, browser):
    sentinel = tmp_path / "SENTINEL"
    attack = _hostile_workspace(mini_copy, sentinel)
    atlas = geoatlas.open(mini_copy)
    html_path = build(atlas, ["mini"], tmp_path / "out", ["web"])[0]
    html = html_path.read_text()
    assert "<script>window.__pwned" not in html
    assert 'href="javascript:' not in html.lower()
    with offline_page(browser=browser) as (page, log):
        page.goto(html_path.as_uri())
        page.wait_for_function("window.geoatlas !== undefined")
        page.evaluate("""() => {
            const g = window.geoatlas;
            g.layers.forEach(e => { e.group.addTo(g.map); e.features.forEach(f => {
                if (f.getPopup()) { f.openPopup(f.getLatLng ? f.getLatLng() : undefined); } }); });
        }""")
        settle(page)
        assert page.evaluate("window.__pwned") is None
        assert log["dialogs"] == [] and log["page_errors"] == [], log
        assert page.evaluate("document.querySelector('.ga-title h1').textContent") == attack
        # the last popup opened (a deposit) shows the hostile note as text, not as a link
        notes = page.evaluate(
            "document.querySelector('.leaflet-popup-content .ga-notes p').textContent")
        assert notes.endswith(attack)
        assert page.locator(".leaflet-popup-content a[href^='javascript']").count() == 0
        attribution = page.evaluate("""() => [...document.querySelectorAll(
            '.leaflet-control-attribution bdi')].map(b => getComputedStyle(b).unicodeBidi)""")
        assert attribution and set(attribution) == {"isolate"}
    assert not sentinel.exists()


def pixel_variance(png_path) -> float:
    from PIL import Image

    img = np.asarray(Image.open(png_path).convert("L"), dtype=float)
    return float(img.var())


def _set_date(page, date):
    """Move the time control to ``date`` (None: latest) as a reader would."""
    page.locator(".ga-time input").evaluate(
        """(el, d) => { const dates = window.geoatlas.spec.timeline.dates;
             el.value = d === null ? dates.length : dates.indexOf(d);
             el.dispatchEvent(new Event('input')); }""", date)


@pytest.mark.browser
def test_mini_map_time_control_and_search(mini_copy, tmp_path, browser):
    atlas = geoatlas.open(mini_copy)
    html_path = build(atlas, ["mini"], tmp_path / "out", ["web"])[0]
    with offline_page(browser=browser) as (page, log):
        page.goto(html_path.as_uri())
        page.wait_for_function("window.geoatlas !== undefined")
        count = """() => window.geoatlas.layers.map(e => e.group.getLayers().length)"""
        latest = page.evaluate(count)
        dates = page.evaluate("window.geoatlas.spec.timeline.dates")
        assert dates == sorted(set(dates)) and dates[0].startswith("2008-05")
        assert page.locator(".ga-tick").count() == len(dates) + 1
        _set_date(page, dates[0])
        earliest = page.evaluate(count)
        assert page.inner_text(".ga-time-label") == f"status as of {dates[0]}"
        # the corridor (agreed 2017-11) does not exist yet in 2008; the undated rail stays
        names = page.evaluate("() => window.geoatlas.layers.map(e => e.spec.title)")
        corr = names.index("Corridors")
        assert latest[corr] == 1 and earliest[corr] == 0
        # deposits stay on the map before their first contract
        dep = names.index("Deposits")
        assert earliest[dep] == latest[dep]
        # play steps through the change dates, then pause stops
        page.click(".ga-play")
        page.wait_for_function(f"window.geoatlas.when !== {json.dumps(dates[0])}", timeout=3000)
        page.click(".ga-play")
        assert page.evaluate("window.geoatlas.when") in [*dates, None]
        page.fill(".ga-search input", "mazar")
        found = page.locator(".ga-results button").all_inner_texts()
        # the rail line named after it is found, and nothing that does not mention it
        assert any("Hairatan–Mazar" in t for t in found), found
        assert all("mazar" in t.lower() for t in found), found
        assert log["console_errors"] == [] and log["page_errors"] == [] and log["requests"] == []


RECIPES = ["afghanistan-minerals", "regional-corridors"]
BASELINE_BYTES = {"afghanistan-minerals": 1_396_852, "regional-corridors": 2_726_263}
"""Page bytes of the default maps before the web-map work of issue 13 (commit c809360)."""


@pytest.fixture(scope="module")
def built_maps(atlas, tmp_path_factory):
    out = tmp_path_factory.mktemp("web")
    return {p.stem: p for p in build(atlas, RECIPES, out, ["web"])}


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module's browser tests (each gets its own offline context)."""
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    """Where the browser tests keep their screenshots (a temporary folder)."""
    return tmp_path_factory.mktemp("shots")


def _goto(page, path):
    page.goto(path.as_uri() if hasattr(path, "as_uri") else path)
    page.wait_for_function("window.geoatlas !== undefined")
    settle(page)


CONTROL_RECTS = """() => [...document.querySelectorAll('.leaflet-control')]
    .map(c => { const r = c.getBoundingClientRect(), s = getComputedStyle(c);
                return {cls: c.className, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom,
                        shown: s.display !== 'none' && r.width > 0 && r.height > 0,
                        scrolls: c.scrollHeight > c.clientHeight + 1}; })
    .filter(r => r.shown)"""


def _overlaps(rects):
    bad = []
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            if a["x0"] < b["x1"] - 0.5 and b["x0"] < a["x1"] - 0.5 and \
                    a["y0"] < b["y1"] - 0.5 and b["y0"] < a["y1"] - 0.5:
                bad.append((a["cls"], b["cls"]))
    return bad


@pytest.mark.browser
@pytest.mark.parametrize("name", RECIPES)
def test_default_maps_in_chromium(atlas, built_maps, name, shots, browser):
    recipe = load_recipe(atlas, name)
    html = built_maps[name].read_text()
    assert not REMOTE_REF.search(html)
    assert len(html.encode()) <= 1.5 * BASELINE_BYTES[name]
    with offline_page(browser=browser) as (page, log):
        _goto(page, built_maps[name])
        titles = page.evaluate("() => window.geoatlas.layers.map(e => e.spec.title)")
        entries = [*recipe.overlays, *recipe.layers]  # overlays are drawn at the bottom
        assert titles == [spec.title for spec in entries]
        # the layer control is collapsed to a button; opening it shows every layer
        assert not page.locator(".ga-panel-body").is_visible()
        page.click(".ga-panel-button")
        boxes = page.locator(".ga-layers input[data-layer]")
        assert boxes.count() == len(entries)
        assert page.locator(".ga-legend").is_visible()
        shown = page.locator(".ga-legend-layer:visible").count()
        assert shown == sum(spec.visible for spec in entries)
        # hiding a layer hides its legend section
        boxes.first.uncheck()
        assert page.locator(".ga-legend-layer:visible").count() == shown - 1
        boxes.first.check()
        assert page.locator(".ga-legend-layer:visible").count() == shown
        page.click(".ga-panel-button")
        # no control overlaps another; each fits in the viewport or scrolls
        rects = page.evaluate(CONTROL_RECTS)
        assert _overlaps(rects) == []
        for r in rects:
            assert r["x0"] >= 0 and r["y0"] >= 0 and r["x1"] <= 1400 and \
                (r["y1"] <= 900 or r["scrolls"]), r
        shot = shots / f"{name}.png"
        page.screenshot(path=str(shot))
        assert pixel_variance(shot) > 100
        assert log["console_errors"] == [] and log["page_errors"] == [], log
        assert log["requests"] == []


def _feature_xy(page, fid, zoom=None):
    """Container-relative pixel of a feature (after an optional zoom on it)."""
    if zoom is not None:
        page.evaluate("""([fid, z]) => new Promise(done => {
            const g = window.geoatlas;
            const f = g.layers.flatMap(e => e.features).find(f => f.feature.properties.i === fid);
            g.map.once('moveend', () => setTimeout(done, 300));
            g.map.setView(f.getLatLng(), z, {animate: false});
        })""", [fid, zoom])
    return page.evaluate("""(fid) => {
        const g = window.geoatlas;
        const f = g.layers.flatMap(e => e.features).find(f => f.feature.properties.i === fid);
        const p = g.map.latLngToContainerPoint(f.getLatLng());
        const r = g.map.getContainer().getBoundingClientRect();
        return [p.x + r.left, p.y + r.top]; }""", fid)


VISIBLE_LABELS = """() => [...document.querySelectorAll('.ga-label-text')]
    .map(n => ({t: n.textContent, r: n.getBoundingClientRect()}))
    .filter(l => l.r.width > 0)
    .map(l => ({t: l.t, x0: l.r.left, y0: l.r.top, x1: l.r.right, y1: l.r.bottom, cls: l.t}))"""


@pytest.mark.browser
def test_labels_show_without_hover_and_never_overlap(built_maps, browser):
    with offline_page(browser=browser) as (page, log):
        _goto(page, built_maps["afghanistan-minerals"])
        labels = page.evaluate(VISIBLE_LABELS)
        texts = {lab["t"] for lab in labels}
        assert {"Mes Aynak", "Kabul"} <= texts, texts
        assert _overlaps(labels) == []
        # a closer zoom shows more labels, still without overlaps
        page.evaluate("() => { window.geoatlas.map.setZoom(8, {animate: false}); }")
        settle(page)
        closer = page.evaluate(VISIBLE_LABELS)
        assert _overlaps(closer) == [] and closer
        assert log["console_errors"] == [] and log["page_errors"] == []


@pytest.mark.browser
def test_hover_tooltip_and_briefing_popup(atlas, built_maps, shots, browser):
    with offline_page(browser=browser) as (page, log):
        _goto(page, built_maps["afghanistan-minerals"])
        x, y = _feature_xy(page, "mes-aynak", zoom=8)
        page.mouse.move(x, y)
        tip = page.locator(".ga-tip")
        tip.wait_for()
        assert tip.inner_text() == "Mes Aynak · copper, cobalt"
        page.mouse.click(x, y)
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        text = popup.inner_text()
        assert text.startswith("Mes Aynak\n")
        assert "copper, cobalt · under construction" in text and "approximate location" in text
        assert text.count("approximate location") == 1
        assert "contract value (USD)" in text and "Afghanistan" in text
        assert re.search(r"\b[a-z]+_[a-z_]+\b", text) is None, text  # no snake_case
        assert re.search(r"\d{3}_[0-9a-f]{16}\.txt", popup.inner_html()) is None  # no file names
        links = popup.locator(".ga-sources a")
        assert links.count() >= 1
        for i in range(links.count()):
            a = links.nth(i)
            assert a.get_attribute("href").startswith(("http://", "https://"))
            assert "noopener" in a.get_attribute("rel")
            assert a.inner_text().strip() and not a.inner_text().startswith("http")
        contract = atlas.contracts[atlas.contracts["asset_id"] == "mes-aynak"].iloc[0]
        assert contract["company"].split(" (")[0] in text
        assert not popup.locator(".ga-notes p").is_visible()  # notes are folded
        page.screenshot(path=str(shots / "afghanistan-minerals-popup.png"))
        assert log["console_errors"] == [] and log["page_errors"] == []


@pytest.mark.browser
def test_popup_marks_unquoted_citations_and_folds_quotes(atlas, built_maps, shots, browser):
    # the data: Mes Aynak quotes EFSAS but cites the Ministry of Mines page as a whole
    cites = atlas["citations"]
    mine = cites[(cites["table"] == "deposits") & (cites["row_id"] == "mes-aynak")]
    quote = mine.loc[mine["source_id"] == "efsas-2023", "quote"].iloc[0]
    row = atlas["deposits"].set_index("id").loc["mes-aynak"]
    assert "ref-mom-aynak" in row["unquoted_sources"].split(";")
    assert "efsas-2023" not in row["unquoted_sources"].split(";")
    titles = atlas["sources"].set_index("id")["title"]
    with offline_page(browser=browser) as (page, log):
        _goto(page, built_maps["afghanistan-minerals"])
        x, y = _feature_xy(page, "mes-aynak", zoom=8)
        page.mouse.click(x, y)
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        items = popup.locator(".ga-sources > li")
        seen = {}
        for i in range(items.count()):
            li = items.nth(i)
            seen[li.inner_text().split(" — ")[0].strip()] = li
        quoted, unquoted = seen[titles["efsas-2023"]], seen[titles["ref-mom-aynak"]]
        mark = unquoted.locator(".ga-unquoted")
        assert mark.is_visible() and mark.inner_text() == "unquoted"
        assert "no supporting sentence" in mark.get_attribute("title").lower()
        assert quoted.locator(".ga-unquoted").count() == 0
        # the quote is folded, shown on demand, literally and bidi-isolated
        fold = quoted.locator("details.ga-quote")
        assert not fold.locator("bdi").first.is_visible()
        fold.locator("summary").click()
        assert quote in [t.strip() for t in fold.locator("bdi").all_inner_texts()]
        mark.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "afghanistan-minerals-popup-quote.png"))
        assert log["console_errors"] == [] and log["page_errors"] == []


@pytest.mark.browser
def test_compact_popup_marks_unquoted_citations(mini_copy, tmp_path, browser):
    """The compact encoding marks a citation without a quote, and only that one."""
    (mini_copy / "layers" / "citations.csv").write_text(
        "table,row_id,source_id,quote,notes\n"
        "deposits,copper-hill,fixture-doc,Copper Hill is a hill of copper.,\n",
        encoding="utf-8")
    toml = mini_copy / "maps" / "mini.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'layer = "deposits"\n', 'layer = "deposits"\ncompact = true\n'), encoding="utf-8")
    atlas = geoatlas.open(mini_copy)
    html = build(atlas, ["mini"], tmp_path / "out", ["web"])[0]
    rows = atlas["deposits"].set_index("id")
    assert rows.loc["copper-hill", "unquoted_sources"] == ""
    assert rows.loc["iron-valley", "unquoted_sources"] == "fixture-doc"
    with offline_page(browser=browser) as (page, log):
        _goto(page, html)
        assert page.evaluate("window.geoatlas.layers.some(e => e.compact)")
        marks = {}
        for fid in ("copper-hill", "iron-valley"):
            row = rows.loc[fid]
            x, y = page.evaluate("""([lat, lon]) => {
                const g = window.geoatlas;
                g.map.setView([lat, lon], 12, {animate: false});
                const p = g.map.latLngToContainerPoint([lat, lon]);
                const r = g.map.getContainer().getBoundingClientRect();
                return [p.x + r.left, p.y + r.top]; }""", [row.geometry.y, row.geometry.x])
            settle(page)
            page.mouse.click(x, y)
            popup = page.locator(".leaflet-popup-content .ga-popup[data-feature]")
            popup.wait_for()
            assert popup.locator("h3").inner_text() == row["name"]
            mark = popup.locator(".ga-sources li .ga-unquoted, ol li .ga-unquoted")
            marks[fid] = [mark.nth(i).get_attribute("title") for i in range(mark.count())]
            close_popups(page)
        assert marks["copper-hill"] == []
        assert marks["iron-valley"] == [UNQUOTED_HINT]
        assert log["console_errors"] == [] and log["page_errors"] == []


@pytest.mark.browser
def test_phone_controls_leave_the_map_free_and_tap_opens_popup(built_maps, shots, browser):
    with offline_page(375, 667, browser, has_touch=True, is_mobile=True) as (page, log):
        _goto(page, built_maps["afghanistan-minerals"])
        rects = page.evaluate(CONTROL_RECTS)
        assert _overlaps(rects) == []
        mask = np.zeros((667, 375), bool)
        for r in rects:
            mask[max(0, int(r["y0"])):int(np.ceil(r["y1"])),
                 max(0, int(r["x0"])):int(np.ceil(r["x1"]))] = True
        assert mask.mean() <= 0.30, (mask.mean(), rects)
        assert not page.locator(".ga-legend").is_visible()  # folded into the one panel
        page.screenshot(path=str(shots / "phone.png"))
        x, y = _feature_xy(page, "mes-aynak")
        page.touchscreen.tap(x, y)
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(timeout=3000)
        assert popup.inner_text().startswith("Mes Aynak")
        settle(page)  # the map pans the popup into view: measure it where it comes to rest
        box = page.locator(".leaflet-popup").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
        assert not page.locator(".leaflet-tooltip.ga-tip").is_visible()  # no hover, no tooltip
        # the one panel holds the layers and the legend
        page.click(".ga-panel-button")
        assert page.locator(".ga-panel-body .ga-legend").count() == 1
        assert page.locator(".ga-panel-body input[data-layer]").first.is_visible()
        assert log["console_errors"] == [] and log["page_errors"] == []


@pytest.mark.browser
def test_url_restores_view_layers_and_date(built_maps, browser):
    with offline_page(browser=browser) as (page, log):
        _goto(page, built_maps["afghanistan-minerals"])
        dates = page.evaluate("window.geoatlas.spec.timeline.dates")
        page.evaluate("() => { window.geoatlas.map.setView([35.1, 68.4], 8, {animate: false}); }")
        _set_date(page, dates[3])
        page.click(".ga-panel-button")
        page.locator(".ga-layers input[data-layer='L2']").uncheck()  # the belts
        page.wait_for_function("location.hash.includes('date=')")
        url = page.url
        assert f"date={dates[3]}" in url and "8/35.1" in url
        shown = page.evaluate("window.geoatlas.layers.filter(e => window.geoatlas.isOn(e))"
                              ".map(e => e.spec.id)")
        page2 = page.context.new_page()
        _goto(page2, url)
        state = page2.evaluate("""() => { const g = window.geoatlas, c = g.map.getCenter();
            return {z: g.map.getZoom(), lat: c.lat, lon: c.lng, when: g.when,
                    on: g.layers.filter(e => g.isOn(e)).map(e => e.spec.id),
                    label: document.querySelector('.ga-time-label').textContent}; }""")
        assert state["z"] == 8
        assert abs(state["lat"] - 35.1) < 0.01 and abs(state["lon"] - 68.4) < 0.01
        assert state["when"] == dates[3] and state["label"] == f"status as of {dates[3]}"
        assert state["on"] == shown and "L2" not in shown
        assert log["console_errors"] == [] and log["page_errors"] == []


@pytest.mark.browser
def test_keyboard_reaches_results_features_and_legend(built_maps, browser):
    with offline_page(browser=browser) as (page, log):
        _goto(page, built_maps["afghanistan-minerals"])
        page.fill(".ga-search input", "aynak")
        page.focus(".ga-search input")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "ga-result"
        page.keyboard.press("Enter")
        page.locator(".leaflet-popup-content").wait_for()
        assert page.inner_text(".leaflet-popup-content h3") == "Mes Aynak"
        close_popups(page)
        settle(page)
        # feature labels are in the tab order; Enter opens their popup
        label = page.locator(".ga-label[role='button'][aria-label='Hajigak']")
        assert label.get_attribute("tabindex") == "0"
        label.focus()
        page.keyboard.press("Enter")
        page.locator(".leaflet-popup-content").wait_for()
        assert page.inner_text(".leaflet-popup-content h3") == "Hajigak"
        assert page.locator(".ga-legend-layer[tabindex='0']").count() >= 1
        assert page.locator(".ga-legend summary").count() == 1
        assert log["console_errors"] == [] and log["page_errors"] == []


@pytest.mark.browser
def test_measure_is_geodesic_and_sources_panel_lists_every_document(atlas, built_maps, browser):
    from pyproj import Geod

    kabul, aynak = (34.5289, 69.1725), (34.2669, 69.3296)
    with offline_page(browser=browser) as (page, log):
        _goto(page, built_maps["afghanistan-minerals"])
        metres = page.evaluate("([a, b]) => L.CRS.Earth.distance(L.latLng(a), L.latLng(b))",
                               [kabul, aynak])
        expected = Geod(ellps="WGS84").inv(kabul[1], kabul[0], aynak[1], aynak[0])[2]
        assert abs(metres - expected) < 0.01
        assert page.locator(".polyline-measure-unicode-icon").count() >= 1
        assert page.locator(".leaflet-control-minimap").is_visible()
        # attribution: publishers compactly, and a link to the full list in the page
        page.click(".leaflet-control-attribution .ga-sources-link")
        panel = page.locator("#ga-sources")
        assert panel.is_visible()
        items = panel.locator("li")
        spec = page.evaluate("window.geoatlas.spec.layers.map(l => l.data ? l.data.features"
                             ".map(f => f.properties.p || '').join('') : '').join('')")
        cited = set(re.findall(r'<li>(?:<a href="[^"]+"[^>]*>)?(?:<b>)?<bdi>([^<]+)</bdi>', spec))
        assert items.count() >= len(cited) > 0
        assert re.search(r"\d{3}_[0-9a-f]{16}\.txt", panel.inner_html()) is None
        page.keyboard.press("Escape")
        assert not panel.is_visible()
        assert log["console_errors"] == [] and log["page_errors"] == []


@pytest.mark.browser
def test_print_stylesheet_is_a4_landscape_with_legend_and_attribution(built_maps, tmp_path,
                                                                     browser):
    import shutil

    with offline_page(browser=browser) as (page, _):
        _goto(page, built_maps["afghanistan-minerals"])
        page.emulate_media(media="print")
        shown = page.evaluate("""() => Object.fromEntries(['.ga-legend-box',
            '.leaflet-control-attribution', '.leaflet-control-zoom', '.ga-search']
            .map(s => [s, getComputedStyle(document.querySelector(s)).display]))""")
        assert shown[".ga-legend-box"] != "none" and shown[".leaflet-control-attribution"] != "none"
        assert shown[".leaflet-control-zoom"] == "none" and shown[".ga-search"] == "none"
        pdf = tmp_path / "print.pdf"
        page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
        assert abs(w - 841.89) < 2 and abs(h - 595.28) < 2, info
        assert re.search(r"Pages:\s+1\n", info), info


@pytest.mark.browser
def test_popup_contract_status_follows_the_time_control(atlas, built_maps, browser):
    """The 2023 CAPEIC contract reads 'signed' in 2024 and 'terminated' after June 2025."""
    hist = atlas.catalog.histories["contracts"]["amu-darya-capeic-2023"]
    assert [t.status for t in hist if t.date][-2:] == ["signed", "terminated"]
    with offline_page(browser=browser) as (page, log):
        _goto(page, built_maps["afghanistan-minerals"])
        dates = page.evaluate("window.geoatlas.spec.timeline.dates")

        def status_at(day):
            before = [d for d in dates if d <= day] if day else dates
            _set_date(page, before[-1] if day else None)
            page.evaluate("""() => {
                const e = window.geoatlas.layers.find(e => e.spec.title === 'Deposits');
                const f = e.features.find(f => f.feature.properties.i === 'amu-darya-oil-blocks');
                f.openPopup(); }""")  # opened again while open: must still be current
            return tuple(page.evaluate("""() => {
                const li = [...document.querySelectorAll('.leaflet-popup-content li')]
                    .find(li => li.textContent.includes('CAPEIC')
                                && li.querySelector('[data-status]'));
                const span = li.querySelector("[data-status]");
                const top = document.querySelector('.ga-summary [data-status]');
                return [span.getAttribute('data-status'), span.textContent,
                        top.getAttribute('data-status')]; }"""))

        assert status_at("2024-01-01") == ("signed", "signed", "signed")
        assert status_at("2025-07-01") == ("terminated", "terminated", "terminated")
        assert status_at("2022-01-01")[:2] == ("none", "not yet")
        assert status_at(None)[0] == "terminated"
        assert log["console_errors"] == [] and log["page_errors"] == []


@pytest.mark.browser
def test_regional_map_corners_show_basemap_at_every_zoom(atlas, built_maps, shots, browser):
    """Corners are land or sea from the initial zoom down to 3, never the page background."""
    from PIL import Image

    west, south, east, north = atlas["countries"].total_bounds
    world = east - west > 350 and north - south > 140
    background = (0xC9, 0xC9, 0xC9)
    bad = []
    with offline_page(browser=browser) as (page, _):
        _goto(page, built_maps["regional-corridors"])
        page.add_style_tag(content=".leaflet-control-container { display: none; }")
        start = page.evaluate("window.geoatlas.map.getZoom()")
        for z in range(start, 2, -1):
            page.evaluate(f"() => {{ window.geoatlas.map.setZoom({z}, {{animate: false}}); }}")
            settle(page)
            shot = shots / f"corners-{z}.png"
            page.screenshot(path=str(shot))
            img = np.asarray(Image.open(shot).convert("RGB"))
            for y, x in ((2, 2), (2, -3), (-3, 2), (-3, -3)):
                if np.abs(img[y, x].astype(int) - background).max() <= 3:
                    bad.append((z, y, x))
    if not world and bad:
        pytest.xfail("geo/basemap.gpkg is still the regional clip (lon "
                     f"{west:g}..{east:g}); the world basemap lands with the region branch")
    assert bad == []


@pytest.mark.browser
def test_raster_overlay_is_an_optional_offline_layer(mini_copy, tmp_path, browser):
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
    html_path = build(atlas, ["mini"], tmp_path / "out", ["web"])[0]
    html = html_path.read_text()
    assert not REMOTE_REF.search(html)
    with offline_page(browser=browser) as (page, log):
        page.goto(html_path.as_uri())
        page.wait_for_function("window.geoatlas !== undefined")
        assert page.locator("img.leaflet-image-layer").count() == 0
        page.click(".ga-panel-button")
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


@pytest.mark.parametrize("publisher, credited", [
    ("Wikipedia (stored mirrors: wikimili, IPFS)", "Wikipedia"),
    ("European Foundation for South Asian Studies (EFSAS)", "EFSAS"),
    ("Dawn (Reuters)", "Dawn (Reuters)"),
])
def test_attribution_credits_publishers_never_their_mirrors(mini_copy, publisher, credited):
    # Many references are read from mirrors: the web map credits the publisher, by the
    # same rule as the static map and the QGIS layout (geoatlas.render.credits).
    from geoatlas.render.webspec import map_spec

    sources = mini_copy / "layers" / "sources.csv"
    sources.write_text(sources.read_text().replace("geoatlas tests", f'"{publisher}"'))
    atlas = geoatlas.open(mini_copy)
    recipe = load_recipe(atlas, "mini")
    html = map_spec(atlas, recipe, prepare(atlas, recipe))["attribution_html"]
    shown = re.search(r'class="ga-publishers">(.*?)</span>', html).group(1)
    assert re.findall(r"<bdi>(.*?)</bdi>", shown) == [credited]
