"""Issue 11 end to end: a hostile workspace built into every output runs nothing.

``tests/fixtures/hostile`` carries every attack class of the issue in every free-text cell
of every file and in its recipe (see its README): Jinja ``{{ }}`` / ``{% %}`` (one of
them would create a sentinel file), matplotlib ``$math$``, HTML and ``<script>``,
``javascript:`` URLs, spreadsheet formulas at the start of cells, QGIS ``[% %]``
expressions and ``../`` path traversal. It passes ``geoatlas check``; the real CLI builds
it (web, static, QGIS) in a subprocess, once per module, and the tests look at what came
out with the real clients: Chromium (desktop and phone), an XML parser on the SVG,
pyogrio on the GeoPackage and PyQGIS on the project's map tips.

Control and bidi characters never get that far: ``check`` rejects them (last tests).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import pyogrio
import pytest
from click.testing import CliRunner

from geoatlas.cli import cli
from tests.clients import need

from .browser import offline_page, settle
from .conftest import HOSTILE, tree_digest

GEOATLAS = str(Path(sys.executable).with_name("geoatlas"))
SENTINELS = ("/tmp/geoatlas-hostile-sentinel-jinja", "/tmp/geoatlas-hostile-sentinel-where")
OUTPUTS = ["hostile.gpkg", "hostile.html", "hostile.pdf", "hostile.png", "hostile.qgz",
           "hostile.svg"]
FRAGMENTS = ["{{ 7*7 }}", "{% for i in range(3) %}J{% endfor %}", "$\\frac{1}{2}$",
             "$3 bn vs $3.5 bn", "<script>alert('script')</script>",
             "<img src=x onerror=alert('img')>", "javascript:alert('js')",
             "[% @project_path %]", "../../escape/../../etc/passwd"]


def _rows(rel: str) -> list[dict[str, str]]:
    with (HOSTILE / rel).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The hostile workspace copied to a temporary root and built there by the real CLI."""
    for s in SENTINELS:
        Path(s).unlink(missing_ok=True)
    root = tmp_path_factory.mktemp("hostile")
    ws = root / "ws"
    shutil.copytree(HOSTILE, ws, symlinks=False)
    before = tree_digest(root)
    done = subprocess.run([GEOATLAS, "build", str(ws), "--out", str(ws / "out")], cwd=ws,
                          capture_output=True, text=True, timeout=900)
    after = {k: v for k, v in tree_digest(root).items()
             if not (k == "ws/out" or k.startswith("ws/out/"))}
    return {"root": root, "ws": ws, "out": ws / "out", "done": done, "before": before,
            "after": after}


def test_check_passes_and_the_build_writes_only_into_out(hostile):
    done = hostile["done"]
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in hostile["out"].iterdir()) == OUTPUTS
    assert hostile["after"] == hostile["before"]  # nothing created or changed outside out/
    assert not (hostile["root"] / "escape").exists()


def test_no_sentinel_file_is_ever_created(hostile):
    assert hostile["done"].returncode == 0
    for s in SENTINELS:
        assert not Path(s).exists(), f"{s} was created: text was evaluated"


# -- the web map in Chromium --------------------------------------------------------------
OPEN_ALL = """() => {
    // every tooltip and popup as text (DOMParser documents run nothing), each popup opened
    const g = window.geoatlas, texts = [];
    const text = c => {
        if (typeof c === 'function') { return ''; }
        if (c instanceof HTMLElement) { return c.textContent; }
        return new DOMParser().parseFromString(String(c), 'text/html').body.textContent;
    };
    g.layers.forEach(e => {
        e.group.addTo(g.map);
        e.features.forEach(f => {
            if (f.getTooltip && f.getTooltip()) { texts.push(text(f.getTooltip().getContent())); }
            if (f.getPopup && f.getPopup()) {
                texts.push(text(f.getPopup().getContent()));
                f.openPopup(f.getLatLng ? f.getLatLng() : undefined);
            }
        });
    });
    return texts;
}"""


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), [(1400, 900), (375, 667)])
def test_chromium_shows_the_literal_text_and_fires_nothing(hostile, out_dir, width, height):
    html_path = hostile["out"] / "hostile.html"
    deposits = _rows("layers/deposits.csv")
    title = json.loads(_recipe_value("title"))
    with offline_page(width, height) as (page, log):
        page.goto(html_path.as_uri())
        page.wait_for_function("window.geoatlas !== undefined")
        texts = page.evaluate(OPEN_ALL)
        settle(page)
        shown = page.inner_text(".ga-title h1")
        page.screenshot(path=str(out_dir / f"hostile-{width}x{height}.png"))
        links = page.locator("a[href^='javascript'], a[href^='JAVASCRIPT']").count()
        injected = page.locator(".leaflet-popup-content script, .leaflet-popup-content img,"
                                ".ga-title script, .ga-title img").count()
    assert log["dialogs"] == [], log
    assert log["console_errors"] == [] and log["page_errors"] == [], log
    assert log["requests"] == [], log
    assert links == 0 and injected == 0
    assert shown == title
    popups = "\n".join(texts)
    for row in deposits:
        assert row["name"] in popups
        assert row["notes"] in popups


def _recipe_value(key: str, after: str = "") -> str:
    text = (HOSTILE / "maps" / "hostile.toml").read_text(encoding="utf-8")
    for line in text[text.index(after):].splitlines():
        if line.startswith(f"{key} = "):
            return line.split(" = ", 1)[1]
    raise KeyError(key)


# -- static SVG ------------------------------------------------------------------------------
def _svg_text(path: Path) -> str:
    root = ET.parse(path).getroot()
    return "\n".join("".join(el.itertext()) for el in root.iter("{http://www.w3.org/2000/svg}text"))


def test_svg_carries_the_literal_text(hostile):
    text = _svg_text(hostile["out"] / "hostile.svg")
    assert "$3 bn vs $3.5 bn" in text  # math text off: the dollars stay, nothing is set as math
    for fragment in FRAGMENTS:
        assert fragment in text, fragment
    lines = text.splitlines()
    for key in ("title", "subtitle"):  # each a whole <text>, exactly as the recipe says
        assert json.loads(_recipe_value(key)) in lines, key
    layer_title = json.loads(_recipe_value("title", after='layer = "deposits"'))
    assert any(line.startswith(layer_title[:60]) for line in lines)  # the legend heading


# -- GeoPackage ------------------------------------------------------------------------------
def test_gpkg_keeps_every_text_cell_exactly(hostile):
    gpkg = hostile["out"] / "hostile.gpkg"
    for layer, rel in (("deposits", "layers/deposits.csv"), ("rail", "layers/rail.csv")):
        frame = pyogrio.read_dataframe(gpkg, layer=layer).set_index("id")
        for row in _rows(rel):
            for col in ("name", "notes"):
                assert frame.loc[row["id"], col] == row[col], (layer, col)


def test_qgz_members_are_plain_names(hostile):
    names = zipfile.ZipFile(hostile["out"] / "hostile.qgz").namelist()
    assert names and all("/" not in n and ".." not in n for n in names)


# -- QGIS map tips, evaluated by QGIS itself ---------------------------------------------
MAP_TIPS = r"""
import json, os, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import (QgsApplication, QgsExpression, QgsExpressionContext,
                       QgsExpressionContextUtils, QgsProject, QgsVectorLayer)
app = QgsApplication([], False)
app.setPrefixPath("/usr", True)
app.initQgis()
project = QgsProject.instance()
assert project.read(sys.argv[1])
out = []
for layer in project.mapLayers().values():
    if not isinstance(layer, QgsVectorLayer):
        continue
    template = layer.mapTipTemplate()
    fields = layer.fields().names()
    for f in layer.getFeatures():
        ctx = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
        ctx.setFeature(f)
        out.append({"source": layer.source(), "template": template,
                    "id": f["id"] if "id" in fields else None,
                    "tip": QgsExpression.replaceExpressionText(template, ctx)})
print(json.dumps(out))
app.exitQgis()
"""


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "br":
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def _pyqgis() -> str | None:
    python = os.environ.get("GEOATLAS_QGIS_PYTHON", "/usr/bin/python3")
    if not Path(python).exists():
        return None
    probe = subprocess.run([python, "-c", "import qgis.core"], capture_output=True)
    return python if probe.returncode == 0 else None


@pytest.fixture(scope="module")
def map_tips(hostile):
    python = _pyqgis()
    if python is None:
        need("needs PyQGIS on /usr/bin/python3 (Debian package python3-qgis)")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run([python, "-c", MAP_TIPS, str(hostile["out"] / "hostile.qgz")],
                          capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.qgis
def test_qgis_map_tips_show_values_as_text(map_tips):
    deposits = {r["id"]: r for r in _rows("layers/deposits.csv")}
    seen = 0
    for tip in map_tips:
        if tip["id"] not in deposits or "deposits" not in tip["source"]:
            continue
        parsed = _Text()
        parsed.feed(tip["tip"])
        text = "".join(parsed.parts)
        assert "script" not in parsed.tags and "img" not in parsed.tags, tip["tip"]
        assert deposits[tip["id"]]["name"] in text
        assert deposits[tip["id"]]["notes"] in text
        seen += 1
    assert seen == len(deposits)


# -- what never reaches a renderer ---------------------------------------------------------
@pytest.mark.parametrize(("file", "column", "char"), [
    ("layers/deposits.csv", "name", "\u202e"), ("layers/rail.csv", "notes", "\x00"),
    ("geo/places.csv", "alt_names", "\u2067"), ("layers/sources.csv", "title", "\x07"),
])
def test_check_rejects_bidi_and_nul_in_the_hostile_workspace(tmp_path, file, column, char):
    ws = tmp_path / "ws"
    shutil.copytree(HOSTILE, ws, symlinks=False)
    path = ws / file
    rows = _rows(file)
    rows[0][column] = rows[0][column][:5] + char + rows[0][column][5:]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    result = CliRunner().invoke(cli, ["check", str(ws)])
    assert result.exit_code == 1
    assert f"{file}:2: '{column}' contains " in result.output
    assert "at character 6; remove it" in result.output


def test_a_hostile_recipe_where_is_refused_and_runs_nothing(tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(HOSTILE, ws, symlinks=False)
    Path(SENTINELS[1]).unlink(missing_ok=True)
    recipe = ws / "maps" / "hostile.toml"
    attack = ("name.__class__.__init__.__globals__['__builtins__']['__import__']('os')"
              f".system('touch {SENTINELS[1]}') == 0")
    recipe.write_text(recipe.read_text(encoding="utf-8").replace(
        "where = \"iso3 == 'AFG'\"", f"where = {json.dumps(attack)}"), encoding="utf-8")
    check = CliRunner().invoke(cli, ["check", str(ws)])
    build = CliRunner().invoke(cli, ["build", str(ws), "--out", str(tmp_path / "out"),
                                     "--only", "web"])
    assert not Path(SENTINELS[1]).exists()
    assert check.exit_code == 1 and "maps/hostile.toml" in check.output
    assert build.exit_code == 1 and build.output.startswith("geoatlas: error: maps/hostile.toml")


def test_query_csv_of_the_hostile_workspace_is_formula_free(tmp_path):
    result = CliRunner().invoke(cli, ["query", "within", "deposits", "--area", "AFG", "-w",
                                      str(HOSTILE), "--format", "csv", "--columns", "id,name"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert rows and all(not r["name"].startswith(("=", "+", "-", "@")) for r in rows)
    originals = {r["id"]: r["name"] for r in _rows("layers/deposits.csv")}
    assert all(r["name"] in (originals[r["id"]], "'" + originals[r["id"]]) for r in rows)


def test_the_fixture_carries_every_attack_in_every_free_text_cell():
    # guard against a fixture that lost its teeth (every other test here relies on it)
    free = {"name", "alt_names", "notes", "title", "publisher", "description", "company",
            "value_meaning", "as_printed"}
    files = ["geo/places.csv", *(f"layers/{p.name}" for p in (HOSTILE / "layers").glob("*.csv"))]
    checked = 0
    for rel in files:
        for row in _rows(rel):
            for col in free & set(row):
                assert all(f in row[col] for f in FRAGMENTS), (rel, col)
                assert row[col].startswith(("=", "+", "-", "@")), (rel, col)
                checked += 1
    assert checked >= 40
    recipe = (HOSTILE / "maps" / "hostile.toml").read_text(encoding="utf-8")
    assert recipe.count("{{ 7*7 }}") >= 8 and 'link_fields = ["notes"]' in recipe


LONGEST_TIP = """() => {
    // open the tooltip with the longest text; return its box on the screen
    const g = window.geoatlas;
    let best = null, most = -1;
    g.layers.forEach(e => {
        e.group.addTo(g.map);
        e.features.forEach(f => {
            const tip = f.getTooltip && f.getTooltip();
            if (tip && String(tip.getContent()).length > most) {
                most = String(tip.getContent()).length; best = f;
            }
        });
    });
    g.map.setView(best.getLatLng ? best.getLatLng() : best.getBounds().getCenter(), 6);
    best.openTooltip(best.getLatLng ? best.getLatLng() : best.getBounds().getCenter());
    const r = document.querySelector('.leaflet-tooltip.ga-tip').getBoundingClientRect();
    return {chars: most, width: r.width, height: r.height, left: r.left, right: r.right};
}"""


@pytest.mark.browser
def test_a_long_hostile_tooltip_leaves_a_narrow_map_usable(hostile, out_dir):
    # (a touch screen shows no tooltips at all: a tap opens the popup)
    with offline_page(375, 667) as (page, log):
        page.goto((hostile["out"] / "hostile.html").as_uri())
        page.wait_for_function("window.geoatlas !== undefined")
        tip = page.evaluate(LONGEST_TIP)
        settle(page)
        page.screenshot(path=str(out_dir / "hostile-tooltip-375x667.png"))
    assert tip["chars"] > 200  # the fixture's longest tooltip is long
    assert tip["width"] <= 0.5 * 375 and tip["height"] <= 0.25 * 667, tip
    assert 0 <= tip["left"] and tip["right"] <= 375, tip  # on the screen, beside its feature
    assert log["page_errors"] == [], log
