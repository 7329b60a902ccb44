"""Static print maps: PNG/SVG/PDF exist, are vector where promised, and follow the style spec.

Also the cartography promised in issue 17 (no clipped basemap edge, places and labels,
human legend wording, honest north, exact projection, compact attribution with the
full list of sources on page 2) and the literal text of issue 11 (no math text).
The outputs go to a temporary folder.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import shutil
import subprocess
import sys
from xml.etree import ElementTree as ET

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.colors import to_rgba
from pyproj import CRS, Geod, Transformer

from geoatlas import style
from geoatlas.errors import RecipeError
from geoatlas.recipe import load_recipe
from geoatlas.render import credits, mapframe, static
from geoatlas.render.prepare import prepare
from geoatlas.render.static import text as static_text
from geoatlas.render.static.legend import entry_label, legend_parts
from tests.clients import need_program

RECIPES = ("afghanistan-minerals", "regional-corridors")


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def static_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("static")


@pytest.fixture(scope="module")
def written(atlas, static_dir):
    recipe = load_recipe(atlas, "afghanistan-minerals")
    paths = static.write(atlas, recipe, None, static_dir, formats=("png", "svg", "pdf"), dpi=150)
    return {p.suffix[1:]: p for p in paths}


_FIGURES: dict = {}


def _draw(atlas, name):
    """``(recipe, layers, figure)`` of a default recipe, drawn once per test session."""
    if name not in _FIGURES:
        recipe = load_recipe(atlas, name)
        layers = prepare(atlas, recipe)
        _FIGURES[name] = (recipe, layers, static.figure(atlas, recipe, layers))
    return _FIGURES[name]


@pytest.fixture(scope="module", params=RECIPES)
def drawn(request, atlas):
    return _draw(atlas, request.param)


def _shown(layers):
    return [p for p in layers if p.spec.visible and len(p.frame)]


def _view(recipe, layers):
    """The printed view of a recipe: what :func:`static.figure` draws."""
    return mapframe.page_layout(mapframe.map_frame(layers, recipe), recipe.static.size).view


def _on_page(recipe, layers):
    """The shown layers cut to the printed view, as the legend panel gets them."""
    return mapframe.in_view(_shown(layers), _view(recipe, layers))


def test_all_formats_written_and_not_blank(written):
    assert sorted(written) == ["pdf", "png", "svg"]
    import matplotlib.image as mpimg

    img = mpimg.imread(written["png"])
    assert img.shape[0] > 1000 and img.shape[1] > 1500  # A4 landscape at 150 dpi
    rgb = img[..., :3]
    not_white = (rgb < 0.97).any(axis=-1).mean()
    assert not_white > 0.3, "the PNG is (nearly) blank"
    assert len(np.unique((rgb * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 50
    svg = written["svg"].read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert svg.count("<path") > 100
    assert written["pdf"].read_bytes().startswith(b"%PDF")


def test_pdf_is_vector_with_selectable_text(written, atlas):
    need_program("pdftotext", "poppler-utils")
    pdf = written["pdf"]
    text = _norm(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                check=True).stdout)
    recipe = load_recipe(atlas, "afghanistan-minerals")
    assert recipe.title in text
    assert "Natural Earth" in text
    assert "Mes Aynak" in text  # a label
    assert "Kabul" in text
    assert "Mineral belts" in text  # a legend entry
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    assert "TrueType" in fonts and "Type 3" not in fonts  # fonttype 42: real, embedded text
    if shutil.which("pdfimages"):
        images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True,
                                text=True, check=True).stdout.splitlines()
        assert images[2:] == [], "the PDF should be drawn with vectors, not embedded images"


def test_svg_and_pdf_are_deterministic(atlas, written, tmp_path):
    recipe = load_recipe(atlas, "afghanistan-minerals")
    again = static.write(atlas, recipe, None, tmp_path, formats=("svg", "pdf"), dpi=150)
    for path in again:
        assert path.read_bytes() == written[path.suffix[1:]].read_bytes(), path.name


def test_legend_entries_equal_the_style_spec(drawn):
    recipe, layers, fig = drawn
    texts = static.legends(fig)
    shown = _on_page(recipe, layers)
    assert list(texts) == [p.name for p in shown]
    for p in shown:
        expected = [entry_label(p, e) for e in p.legend]
        assert [_norm(t.get_text()) for t in texts[p.name]] == expected, p.name


def test_legend_lists_only_the_categories_on_the_page(atlas):
    """A commodity whose deposits all lie beyond the map frame has no legend row."""
    recipe, layers, fig = _draw(atlas, "afghanistan-minerals")
    deposits = next(p for p in layers if p.name == "deposits")
    ax = next(a for a in fig.axes if a.get_label() == "map")
    view = _view(recipe, layers)
    x, y = Transformer.from_crs(4326, view.crs, always_xy=True).transform(
        deposits.frame.geometry.x.values, deposits.frame.geometry.y.values)
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    style_ = deposits.spec.style
    values = deposits.frame[style_.color_by]
    every = {style_.category_label(v, deposits.frame) for v in values}
    on_page = {style_.category_label(v, deposits.frame) for v in values[inside]}
    listed = {_norm(t.get_text()) for t in static.legends(fig)["deposits"]} & every
    assert listed == on_page
    assert every - on_page, "the fixture should have a commodity only off the page"


def test_legend_swatches_use_the_symbols(drawn):
    from matplotlib.legend import Legend

    recipe, layers, fig = drawn
    by_name = {p.name: p for p in _on_page(recipe, layers)}
    checked = 0
    for leg in fig.findobj(Legend):
        gid = leg.get_gid() or ""
        if not gid.startswith("legend:"):
            continue
        _, name, part = gid.split(":")
        entries = legend_parts(by_name[name])[int(part)]
        for entry, handle in zip(entries, leg.legend_handles):
            sym = entry.symbol
            if entry.kind == "line":
                assert handle.get_color() == to_rgba(sym.color, sym.opacity)
                assert handle.get_linewidth() == pytest.approx(sym.weight * 0.75)
                _, dashes = handle._dash_pattern  # no public getter; scaled by the width
                if sym.dash:
                    assert dashes == pytest.approx(
                        [d * sym.weight * 0.75 for d in sym.dash])  # multiples of the weight
                else:
                    assert dashes is None
            else:
                assert handle.get_facecolor() == pytest.approx(to_rgba(sym.fill,
                                                                        sym.fill_opacity))
                assert handle.get_edgecolor() == pytest.approx(to_rgba(sym.color, sym.opacity))
            if entry.kind == "point":
                assert handle.get_radius() == pytest.approx(sym.radius * 0.75)
            checked += 1
    assert checked >= 5


def test_labels_do_not_overlap(drawn):
    _, _, fig = drawn
    renderer = fig.canvas.get_renderer()
    ax = next(a for a in fig.axes if a.get_label() == "map")
    boxes = [t.get_window_extent(renderer) for t in ax.texts
             if (t.get_gid() or "").startswith("label:")]
    assert len(boxes) >= 3
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    frame = ax.get_window_extent(renderer)
    for box in boxes:
        assert frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)
    sizes = {t.get_fontsize() for t in ax.texts if (t.get_gid() or "").startswith("label:")}
    assert min(sizes) >= 6.5  # readable at print size


@pytest.mark.parametrize("name", RECIPES)
def test_every_deposit_is_labelled_or_counted_in_a_group(atlas, name):
    recipe, layers, fig = _draw(atlas, name)
    ax = next(a for a in fig.axes if a.get_label() == "map")
    deposits = next(p for p in layers if p.name == "deposits")
    view = _view(recipe, layers)
    xy = deposits.frame.geometry.to_crs(view.crs)
    xmin, ymin, xmax, ymax = view.bounds
    inside = {str(i) for i, g in zip(deposits.frame.index, xy)
              if xmin < g.x < xmax and ymin < g.y < ymax}
    labels = {t.get_gid().split(":", 2)[2]: t.get_text() for t in ax.texts
              if (t.get_gid() or "").startswith("label:deposits:")}
    covered = set(labels)
    for (_, head), members in ax.label_groups.items():
        if head in labels and members:
            assert labels[head].endswith(f"(+{len(members)})")
            covered.update(m for _, m in members)
    assert inside <= covered, sorted(inside - covered)
    names = set(deposits.frame["name"])
    assert all(re.sub(r" \(\+\d+\)$", "", t) in {style.short_label(n) for n in names}
               for t in labels.values())
    if name == "afghanistan-minerals":
        assert any(t.startswith("Mes Aynak") for t in labels.values())


def test_capital_and_province_names_on_the_national_map(atlas):
    _, _, fig = _draw(atlas, "afghanistan-minerals")
    ax = next(a for a in fig.axes if a.get_label() == "map")
    places = {t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("label:places:")}
    assert "Kabul" in places and "Islamabad" in places  # capitals in view, by rank
    provinces = {t.get_text() for t in ax.texts
                 if (t.get_gid() or "").startswith("label:provinces:")}
    afg = set(atlas.provinces[atlas.provinces["iso3"] == "AFG"]["name"])
    assert len(provinces) >= 8 and provinces <= afg
    assert any((t.get_gid() or "") == "places:capitals" for t in ax.collections)


def test_disputed_and_special_areas_are_not_labelled_as_countries(atlas):
    countries = atlas.countries
    mask = mapframe.labelled_countries(countries)
    unnamed = set(countries.loc[~mask, "name"])
    assert {"Siachen Glacier", "Baykonur Cosmodrome"} <= unnamed
    assert "Afghanistan" not in unnamed and "Pakistan" not in unnamed
    for name in RECIPES:
        _, _, fig = _draw(atlas, name)
        ax = next(a for a in fig.axes if a.get_label() == "map")
        drawn = {t.get_text() for t in ax.texts}
        assert not {n.upper() for n in unnamed} & drawn


def test_attribution_is_compact_and_names_every_publisher_or_counts_them(drawn, atlas):
    _, layers, fig = drawn
    art = next(t for t in fig.texts if t.get_gid() == "attribution")
    lines = art.get_text().split("\n")
    assert len(lines) <= 3 and art.get_fontsize() >= 6.0
    text = _norm(art.get_text())
    assert text.startswith(atlas.basemap_credit)
    assert "Full list of sources: page 2 of the PDF." in text
    pubs = credits.publishers(atlas, _shown(layers))
    assert len(pubs) > 5
    listed = re.search(r"by publisher: (.*?)(?:; and (\d+) more)?\. Full list", text)
    named = listed.group(1).split("; ")
    assert named == pubs[:len(named)]
    assert len(named) + int(listed.group(2) or 0) == len(pubs)
    assert "mirror" not in text and "repost" not in text  # publishers, not mirrors
    assert f"({len(credits.cited_documents(atlas, _shown(layers)))} documents)" in text


def test_credit_comes_from_the_basemap_metadata(mini_copy):
    import sqlite3

    import geoatlas

    gpkg = mini_copy / "geo" / "basemap.gpkg"
    con = sqlite3.connect(gpkg)
    con.execute("CREATE TABLE IF NOT EXISTS basemap_info (id INTEGER PRIMARY KEY, key TEXT, "
                "value TEXT)")
    con.execute("DELETE FROM basemap_info")
    con.executemany("INSERT INTO basemap_info (key, value) VALUES (?, ?)",
                    [("source_short", "Test Atlas"), ("scale", "1:5m"),
                     ("source_version", "v9"), ("license", "CC-BY 4.0")])
    con.commit()
    con.close()
    atlas = geoatlas.open(mini_copy)
    recipe = load_recipe(atlas, "mini")
    fig = static.figure(atlas, recipe)
    text = _norm(next(t.get_text() for t in fig.texts if t.get_gid() == "attribution"))
    assert text.startswith("Basemap: Test Atlas 1:5m v9 (CC-BY 4.0).")
    assert "1:10m" not in text


def test_title_subtitle_scale_and_projection(drawn):
    recipe, layers, fig = drawn
    texts = [t.get_text() for t in fig.texts]
    assert recipe.title in texts
    assert any(recipe.subtitle in t for t in texts)
    ax = next(a for a in fig.axes if a.get_label() == "map")
    assert any(t.get_text().endswith(" km") for t in ax.texts)  # scale bar
    assert any(a.get_label() == "inset" for a in fig.axes)
    frame = mapframe.map_frame(layers, recipe)
    assert frame.crs.is_projected and not frame.crs.is_geographic


def test_north_is_stated_where_true_or_left_to_the_graticule(drawn):
    recipe, layers, fig = drawn
    ax = next(a for a in fig.axes if a.get_label() == "map")
    view = _view(recipe, layers)
    variation = mapframe.north_variation(view)
    notes = [t.get_text() for t in ax.texts if t.get_gid() == "north-note"]
    assert len(notes) == 1
    if variation > mapframe.NORTH_TOLERANCE_DEG:
        assert "N" not in [t.get_text() for t in ax.texts]  # no arrow that lies at the edges
        assert f"up to {variation:.0f}°" in notes[0] and "graticule" in notes[0]
    else:
        assert "N" in [t.get_text() for t in ax.texts]
        assert notes[0] == "true north at the map centre"
    if recipe.name == "regional-corridors":
        assert variation > 20  # north turns by tens of degrees across the region


def test_caption_gives_the_exact_projection_parameters(atlas):
    _, _, fig = _draw(atlas, "afghanistan-minerals")
    text = _norm(next(t.get_text() for t in fig.texts if t.get_gid() == "attribution"))
    # the LCC is fitted to 29.3..38.6°N: parallels at one sixth in from each edge
    assert "standard parallels 30.85°N and 37.05°N, central meridian 67.8°E" in text


def test_scale_bar_is_true_at_the_centre(atlas):
    recipe = load_recipe(atlas, "afghanistan-minerals")
    frame = mapframe.map_frame(prepare(atlas, recipe), recipe)
    lon, lat = frame.centre
    from pyproj import Proj

    k = Proj(frame.crs).get_factors(lon, lat).parallel_scale
    assert mapframe.scale_factor(frame) == pytest.approx(1 / k, rel=1e-4)


def test_epsg_override_and_true_north(atlas, static_dir):
    recipe = load_recipe(atlas, "afghanistan-minerals")
    utm = dataclasses.replace(recipe, name="afghanistan-minerals-utm42",
                              static=dataclasses.replace(recipe.static, crs=32642))
    layers = prepare(atlas, utm)
    frame = mapframe.map_frame(layers, utm)
    assert frame.crs.to_epsg() == 32642
    # far from the UTM 42 central meridian (69°E), grid north is not true north
    dx, dy = mapframe.north_direction(frame)
    lon, lat = frame.centre
    t = Transformer.from_crs(4326, 32642, always_xy=True)
    x0, y0 = t.transform(lon, lat)
    x1, y1 = t.transform(lon, lat + 0.5)
    expected = np.array([x1 - x0, y1 - y0]) / np.hypot(x1 - x0, y1 - y0)
    assert np.allclose([dx, dy], expected, atol=1e-3)
    assert dx != pytest.approx(0, abs=1e-3)
    paths = static.write(atlas, utm, layers, static_dir, formats=("png",), dpi=80)
    assert paths[0].stat().st_size > 50_000


def test_plate_carree_is_refused(atlas):
    recipe = load_recipe(atlas, "afghanistan-minerals")
    bad = dataclasses.replace(recipe, static=dataclasses.replace(recipe.static, crs=4326))
    with pytest.raises(RecipeError, match="degrees"):
        mapframe.map_crs(bad, (60, 29, 75, 38))


def test_as_of_is_honoured(atlas):
    import datetime as dt

    recipe = load_recipe(atlas, "afghanistan-minerals")
    old = dataclasses.replace(recipe, as_of=dt.date(2005, 1, 1))
    layers_now = {p.name: p for p in prepare(atlas, recipe)}
    layers_then = {p.name: p for p in prepare(atlas, old)}
    assert len(layers_then["rail"].frame) < len(layers_now["rail"].frame)
    fig = static.figure(atlas, old, list(layers_then.values()))
    assert any("as of 2005-01-01" in t.get_text() for t in fig.texts)


def test_extent_in_its_crs(atlas):
    recipe = load_recipe(atlas, "afghanistan-minerals")
    frame = mapframe.map_frame(prepare(atlas, recipe), recipe)
    assert frame.extent == recipe.extent
    t = Transformer.from_crs(CRS.from_epsg(4326), frame.crs, always_xy=True)
    x, y = t.transform([recipe.extent[0], recipe.extent[2]], [recipe.extent[1]] * 2)
    xmin, ymin, xmax, _ymax = frame.bounds
    assert xmin <= min(x) and max(x) <= xmax and ymin <= min(y)


def test_import_stays_light():
    code = ("import sys, geoatlas, geoatlas.cli, geoatlas.render.static, "
            "geoatlas.surfaces, geoatlas.render.static.geotiff; "
            "print([m for m in ('matplotlib', 'rasterio') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


# -- read back from the SVG: legend wording, scale bar, literal text ------------------------
SVG_NS = {"svg": "http://www.w3.org/2000/svg"}
RAW_ID = re.compile(r"^[a-z0-9]+(?:[_-][a-z0-9]+)+$")  # kebab-case id or snake_case field


@pytest.fixture(scope="module", params=RECIPES)
def svg_tree(request, atlas, tmp_path_factory):
    """The drawn figure saved as SVG exactly as :func:`static.write` saves it."""
    import matplotlib

    recipe, layers, fig = _draw(atlas, request.param)
    path = tmp_path_factory.mktemp(f"svg-{request.param}") / "map.svg"
    with matplotlib.rc_context({**static_text.rc_params(), **static_text.SAVE_RC}):
        fig.savefig(path, format="svg")
    return recipe, layers, ET.parse(path).getroot()


def _texts(element) -> list[str]:
    return ["".join(t.itertext()) for t in element.iter("{http://www.w3.org/2000/svg}text")]


def _group(root, gid):
    return root.find(f".//svg:g[@id='{gid}']", SVG_NS)


def test_no_legend_label_is_a_raw_id_or_field_name(svg_tree, atlas):
    _, layers, root = svg_tree
    groups = [g for g in root.iter("{http://www.w3.org/2000/svg}g")
              if g.get("id", "").startswith("legend:")]
    labels = [t for g in groups for t in _texts(g)]
    assert len(labels) >= 10
    fields = {c for p in layers for c in p.frame.columns}
    ids = {str(i) for p in layers for i in p.frame.index}
    for label in labels:
        assert not RAW_ID.match(label), label
        assert label not in fields and label not in ids, label
        assert "_" not in label, label
        assert not re.search(r"\busd\b", label), label  # "no contract value usd"
    joined = " | ".join(labels)
    assert "lapis-lazuli" not in joined and "cpec" not in joined.split(" | ")


def test_drawn_scale_bar_matches_geodesic_truth(svg_tree):
    """The bar's length as drawn and its end label, against pyproj.Geod at the centre."""
    recipe, layers, root = svg_tree
    view = _view(recipe, layers)
    frame_path = _group(root, "map-frame").find("svg:path", SVG_NS).get("d")
    xs = [float(v) for v in re.findall(r"[ML] ([-\d.]+) [-\d.]+", frame_path)]
    frame_w = max(xs) - min(xs)  # SVG units across the map
    segs = []
    for i in range(4):
        d = _group(root, f"scalebar-{i}").find("svg:path", SVG_NS).get("d")
        segs += [float(v) for v in re.findall(r"[ML] ([-\d.]+) [-\d.]+", d)]
    bar_w = max(segs) - min(segs)
    xmin, ymin, xmax, ymax = view.bounds
    bar_m = bar_w / frame_w * (xmax - xmin)  # map metres
    end = _texts(_group(root, "scalebar-label-2"))[0]
    km = float(re.fullmatch(r"([\d.]+) km", end).group(1))
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    to_ll = Transformer.from_crs(view.crs, 4326, always_xy=True)
    lon, lat = to_ll.transform([cx - bar_m / 2, cx + bar_m / 2], [cy, cy])
    _, _, metres = Geod(ellps="WGS84").inv(lon[0], lat[0], lon[1], lat[1])
    assert metres / 1000 == pytest.approx(km, rel=0.01)
    mid = _texts(_group(root, "scalebar-label-1"))[0]
    assert float(mid) == pytest.approx(km / 2)


def test_regional_basemap_has_no_clipped_edge(atlas):
    """Countries reach past every side of the drawn view: no straight land/sea cut."""
    recipe = load_recipe(atlas, "regional-corridors")
    layers = prepare(atlas, recipe)
    view = _view(recipe, layers)
    ring = mapframe.view_ring_lonlat(view)
    bounds = atlas.countries.total_bounds
    assert mapframe.basemap_covers(atlas.countries, view, margin_deg=2.0), (
        f"view reaches lon {ring[:, 0].min():.1f}..{ring[:, 0].max():.1f}, "
        f"lat {ring[:, 1].min():.1f}..{ring[:, 1].max():.1f}; basemap covers {bounds}")


# -- literal text: math text is off everywhere ----------------------------------------------
HOSTILE = ["$3 bn vs $3.5 bn", r"$\frac{1}{2}$ and \frac{a}{b}", "{{ 7*7 }} {% if x %}",
           "<script>alert(1)</script> & <b>", "\u202eevil\u202c name", "$x^2$", "a $ b"]


def test_hostile_text_reaches_every_static_text_literally(mini, tmp_path):
    """Title, subtitle, a legend title, a label and the credits, all drawn as written."""
    recipe = load_recipe(mini, "mini")
    layers = prepare(mini, recipe)
    deposits = next(p for p in layers if p.name == "deposits")
    frame = deposits.frame.copy()
    frame.iloc[0, frame.columns.get_loc("name")] = HOSTILE[0]
    layers = [dataclasses.replace(p, frame=frame,
                                  spec=dataclasses.replace(p.spec, title=HOSTILE[1]))
              if p is deposits else p for p in layers]
    recipe = dataclasses.replace(
        recipe, title=HOSTILE[2], subtitle=HOSTILE[3], credits=HOSTILE[4] + ".",
        static=dataclasses.replace(recipe.static, labels=("deposits",)))
    path = static.write(mini, recipe, layers, tmp_path, formats=("svg", "png", "pdf"))[0]
    texts = _texts(ET.parse(path).getroot())
    assert HOSTILE[2] in texts and HOSTILE[3] in texts and HOSTILE[1] in texts
    assert HOSTILE[0] in texts
    assert any(HOSTILE[4] in t for t in texts)


@pytest.mark.filterwarnings("ignore:Glyph")  # a missing glyph draws a box, text stays
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.sampled_from(HOSTILE), st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp", "Co", "Cn")),
    min_size=1, max_size=40)))
def test_random_text_round_trips_through_svg(text):
    """Any text through the renderer's text boundary comes back from the SVG as written."""
    import io

    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not text.strip() or "\ufffe" in text or "\uffff" in text:
        return
    with matplotlib.rc_context(static_text.rc_params()):
        fig = Figure(figsize=(3, 1))
        FigureCanvasAgg(fig)
        fig.text(0.05, 0.5, text)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.legend([matplotlib.lines.Line2D([], [])], [text], title=text)
        static_text.literal_text(fig)
    buf = io.BytesIO()
    with matplotlib.rc_context({**static_text.rc_params(), **static_text.SAVE_RC}):
        fig.savefig(buf, format="svg")
    texts = _texts(ET.fromstring(buf.getvalue()))
    assert texts.count(text) >= 3, (text, texts)


def test_pdf_page_two_lists_every_cited_document(written, atlas):
    need_program("pdfinfo", "poppler-utils")
    recipe = load_recipe(atlas, "afghanistan-minerals")
    info = subprocess.run(["pdfinfo", str(written["pdf"])], capture_output=True, text=True,
                          check=True).stdout
    pages = re.search(r"Pages:\s+(\d+)", info)
    assert pages and int(pages.group(1)) >= 2  # the list runs on as long as it needs
    page2 = _norm(subprocess.run(["pdftotext", "-f", "2", str(written["pdf"]), "-"],
                                 capture_output=True, text=True, check=True).stdout)
    layers = _shown(prepare(atlas, recipe))
    docs = credits.cited_documents(atlas, layers)
    assert len(docs) > 20
    for row in docs.itertuples():
        words = _norm(row.title).split()[:4]  # the start of each title, as wrapped
        assert " ".join(words) in page2, row.id
        if row.published:
            assert str(row.published) in page2, row.id


def test_scale_bar_and_north_note_keep_off_the_data(atlas):
    # Reko Diq's symbols once sat under a scale bar forced into the lower left while
    # the upper right was empty: furniture goes where it covers no symbol.
    _, _, fig = _draw(atlas, "afghanistan-minerals")
    ax = next(a for a in fig.axes if a.get_label() == "map")
    renderer = fig.canvas.get_renderer()
    furniture = [a for a in [*ax.patches, *ax.texts]
                 if (a.get_gid() or "").startswith(("scalebar", "north-note"))]
    assert len(furniture) >= 6  # four bar blocks, their labels, the north note
    boxes = [a.get_window_extent(renderer) for a in furniture]
    centres = np.concatenate([c.get_offset_transform().transform(c.get_offsets())
                              for c in ax.collections if len(c.get_offsets())])
    assert len(centres) > 30  # the deposits and places were found
    covered = [tuple(xy) for xy in centres for b in boxes if b.contains(*xy)]
    assert covered == []
