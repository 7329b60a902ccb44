"""Story maps: recipe ``[[chapters]]``, the escaping Markdown subset, the page in Chromium.

The default story (``maps/copper-rail-taliban.toml``) is built once by ``geoatlas build``
into a temporary folder and scrolled through offline at desktop size and at 375×667:
each chapter must change the scale bar and the date, list its sources, and log no
console error.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from geoatlas.chapters import CHAPTER_KEYS
from geoatlas.cli import cli
from geoatlas.errors import RecipeError
from geoatlas.recipe import load_recipe, parse_recipe
from geoatlas.render.story import markdown, story_html
from tests.browser import offline_page
from tests.clients import need

STORY = "copper-rail-taliban"
HOSTILE = '<img src=x onerror=alert(1)> {{ 7*7 }} ${x} `y` [a](javascript:alert(1))'


@pytest.fixture(scope="module")
def story(atlas):
    return load_recipe(atlas, STORY)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("story")
    result = CliRunner().invoke(cli, ["build", "--map", STORY, "--only", "web", "--out",
                                      str(out)])
    assert result.exit_code == 0, result.output
    return out / f"{STORY}.html"


# -- the recipe ---------------------------------------------------------------------------------
def test_default_story_chapters_rest_on_cited_rows(story, atlas):
    assert len(story.chapters) >= 6
    sources = atlas["sources"].set_index("id")
    for ch in story.chapters:
        assert ch.rows and ch.sources and ch.as_of
        cited = set()
        for table, ident in ch.rows:
            row = atlas[table].loc[atlas[table]["id"] == ident].iloc[0]
            cited.update(row["source_ids"].split(";"))
        assert set(ch.sources) <= cited, ch.title
        assert all(s in sources.index for s in ch.sources)
    dates = [ch.as_of for ch in story.chapters]
    assert dates == sorted(dates)


def _with_chapter(story, atlas, **chapter):
    data = {"title": "t", "layers": [{"layer": "deposits"}],
            "chapters": [{"title": "c", "rows": ["deposits:mes-aynak"],
                          "features": ["deposits:mes-aynak"]} | chapter]}
    return parse_recipe(data, "x", story.path.with_name("x.toml"), atlas)


def test_chapter_problems_are_listed_with_what_to_fix(story, atlas):
    with pytest.raises(RecipeError) as err:
        _with_chapter(story, atlas, sources=["idd-2023-azerbaijan", "nope"], zoom=40,
                      features=["deposits:atlantis"], layers=["rail"], tilte="x")
    text = str(err.value)
    assert "[[chapters]] #1: unknown key 'tilte' (did you mean 'title'?)" in text
    assert "'features' entry 'deposits:atlantis': no deposits row has id 'atlantis'" in text
    assert "'zoom' must be a whole number from 1 to 18" in text
    assert "'layers': 'rail' is not a layer of this recipe" in text
    assert "'sources': unknown source id 'nope'" in text
    assert ("'sources': 'idd-2023-azerbaijan' is not cited by any of the chapter's 'rows'"
            in text)
    ok = _with_chapter(story, atlas, sources=["efsas-2023"])
    assert ok.chapters[0].sources == ("efsas-2023",)
    assert sorted(CHAPTER_KEYS) == sorted(
        ["title", "text", "features", "center", "zoom", "layers", "as_of", "rows", "sources"])


# -- text: escaped, never a template ------------------------------------------------------------
def test_markdown_subset_escapes_everything_else():
    html = markdown(HOSTILE + "\n\n- **b** *i*\n- [ok](https://example.org/a?b=1&c=2)")
    assert "<img" not in html and "javascript:" not in html.replace("(javascript:", "")
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&#123;&#123; 7*7 &#125;&#125;" in html and "&#36;&#123;x&#125;" in html
    assert "<code>y</code>" in html
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer"' in html
    assert "<ul><li><strong>b</strong> <em>i</em></li>" in html


def test_hostile_chapter_text_stays_text(story, atlas):
    hostile = dataclasses.replace(
        story, title=HOSTILE, chapters=(dataclasses.replace(
            story.chapters[0], title=HOSTILE + "</script>", text=HOSTILE),))
    html = story_html(atlas, hostile)
    body, data = html.split('<main class="ga-story-text">', 1)[1].split(
        '<script type="application/json" id="ga-story-data">')
    assert "<img" not in body and "{{" not in body and "</script>" not in body
    assert body.count("&lt;img src=x onerror=alert(1)&gt;") >= 3  # title, chapter, text
    json_text = data.split("</script>")[0]
    assert "<" not in json_text and "\\u003cimg" in json_text  # JSON escaped for <script>
    head = html.split("<body")[0]
    assert "<title>&lt;img src=x onerror=alert(1)&gt;" in head


def test_story_is_deterministic(built, story, atlas):
    assert story_html(atlas, story) == built.read_text(encoding="utf-8")  # same bytes again


# -- the page in Chromium ---------------------------------------------------------------------
def _scroll_to_chapter(page, n: int) -> None:
    page.evaluate("""n => {
        const el = document.getElementById('chapter-' + (n + 1));
        const map = document.getElementById('ga-story-map').getBoundingClientRect();
        const phone = map.width >= window.innerWidth - 1;
        const top = el.getBoundingClientRect().top + window.scrollY;
        window.scrollTo(0, top - (phone ? map.bottom + 8 : 24));
    }""", n)
    page.wait_for_function(
        "n => document.documentElement.getAttribute('data-ga-view') === String(n)", arg=n,
        timeout=10_000)


@pytest.mark.browser
@pytest.mark.parametrize("size", [(1400, 900), (375, 667)], ids=["desktop", "phone"])
def test_scrolling_through_the_story(built, story, atlas, out_dir, size):
    width, height = size
    sources = atlas["sources"].set_index("id")
    with offline_page(width, height) as (page, log):
        if width < 700:  # the phone also checks the reduced-motion path (jump, not fly)
            page.emulate_media(reduced_motion="reduce")
        page.goto(built.as_uri())
        page.wait_for_function("() => window.geoatlas && document.documentElement"
                               ".getAttribute('data-ga-view') === 'start'")
        box = page.locator("#ga-story-map").bounding_box()
        text_box = page.locator(".ga-story-text").bounding_box()
        if width < 700:  # stacked: the map on top, the text under it
            assert box["width"] == width and box["height"] < height * 0.5
        else:  # side by side
            assert text_box["x"] + text_box["width"] <= box["x"] + 1
        seen = [(page.inner_text(".leaflet-control-scale-line"),
                 page.inner_text(".ga-story-date"))]
        for n, ch in enumerate(story.chapters):
            _scroll_to_chapter(page, n)
            section = page.locator(f"#chapter-{n + 1}")
            assert "ga-active" in section.get_attribute("class")
            assert page.locator(".leaflet-control-scale-line").is_visible()
            # the flight may still be under way when a moveend marks the view settled
            # (seen under load): wait, bounded, for the scale to leave the last chapter's
            page.wait_for_function(
                "prev => document.querySelector('.leaflet-control-scale-line')"
                ".innerText !== prev", arg=seen[-1][0], timeout=10_000)
            scale = page.inner_text(".leaflet-control-scale-line")
            date = page.inner_text(".ga-story-date")
            assert re.fullmatch(r"\d+ k?m", scale), scale
            assert scale != seen[-1][0], (n, scale, seen)  # the view changed
            assert date != seen[-1][1] and str(ch.as_of.year) in date
            assert page.inner_text(f"#chapter-{n + 1} .ga-chapter-date") == date
            listed = section.locator(".ga-chapter-sources li")
            assert listed.count() == len(ch.sources)
            for i, sid in enumerate(ch.sources):
                assert listed.nth(i).get_attribute("data-source") == sid
                assert str(sources.loc[sid, "title"]) in listed.nth(i).inner_text()
            shown = page.evaluate("() => window.geoatlas.layers.filter("
                                  "e => window.geoatlas.isOn(e)).map(e => e.spec.title)")
            wanted = {p.spec.title for p in _prepared(atlas, story) if p.spec.layer in ch.layers}
            assert set(shown) == wanted, (n, shown)
            when = page.evaluate("() => window.geoatlas.when")
            assert when == ch.as_of.isoformat()
            if n == 6:  # 2024: Mes Aynak and the trains, close up
                tag = "desktop" if width > 700 else "phone"
                page.screenshot(path=str(out_dir / f"story-{tag}.png"))
            seen.append((scale, date))
        assert log["console_errors"] == [] and log["page_errors"] == []
        assert log["requests"] == []  # offline: nothing asked of the network


def _prepared(atlas, recipe):
    from geoatlas.render.prepare import prepare

    return prepare(atlas, recipe)


# -- print and QGIS outputs: a page and a map theme per chapter ----------------------------------
@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("story-print")
    result = CliRunner().invoke(cli, ["build", "--map", STORY, "--only", "static", "--only",
                                      "qgis", "--format", "png", "--dpi", "50", "--out",
                                      str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_one_page_per_chapter(printed, story):
    import matplotlib.image as mpimg
    import numpy as np

    pages = sorted(printed.glob(f"{STORY}-chapter-*.png"))
    assert [p.name for p in pages] == sorted(
        f"{STORY}-chapter-{n}.png" for n in range(1, len(story.chapters) + 1))
    images = [mpimg.imread(p) for p in pages]
    assert all(img.std() > 0.05 for img in images)  # drawn, not blank
    assert len({np.asarray(img).tobytes() for img in images}) == len(images)  # all differ


@pytest.mark.qgis
def test_one_map_theme_per_chapter_in_qgis(printed, story):
    import json
    import subprocess

    from tests.test_qgis import SYSTEM_PYTHON, _pyqgis_missing, _system_env

    missing = _pyqgis_missing()
    if missing:
        need(missing)
    script = (
        "import json, os, sys\n"
        "from qgis.core import QgsApplication, QgsProject\n"
        "QgsApplication.setPrefixPath('/usr', True)\n"
        "app = QgsApplication([], False); app.initQgis()\n"
        "p = QgsProject.instance(); assert p.read(sys.argv[1])\n"
        "themes = p.mapThemeCollection()\n"
        "out = {t: sorted(themes.mapThemeVisibleLayerIds(t)) for t in themes.mapThemes()}\n"
        "print(json.dumps(out)); sys.stdout.flush(); os._exit(0)\n")
    done = subprocess.run([SYSTEM_PYTHON, "-c", script, str(printed / f"{STORY}.qgz")],
                          capture_output=True, text=True, timeout=300, env=_system_env())
    assert done.returncode == 0, done.stderr[-2000:]
    themes = json.loads(done.stdout.strip().splitlines()[-1])
    assert sorted(themes) == sorted(f"{n}. {ch.title}"
                                    for n, ch in enumerate(story.chapters, start=1))
    for n, ch in enumerate(story.chapters, start=1):
        assert themes[f"{n}. {ch.title}"] == sorted(f"geoatlas_{name}" for name in ch.layers)
