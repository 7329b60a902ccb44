"""Static print maps: PNG/SVG/PDF exist, are vector where promised, and follow the style spec.

The outputs are kept in ``out/static/`` for people to look at.
"""

from __future__ import annotations

import dataclasses
import itertools
import shutil
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from pyproj import CRS, Transformer

from geoatlas.errors import RecipeError
from geoatlas.recipe import load_recipe
from geoatlas.render import static
from geoatlas.render.prepare import prepare

RECIPES = ("afghanistan-minerals", "regional-corridors")


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def static_dir(out_dir):
    folder = out_dir / "static"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def written(atlas, static_dir):
    recipe = load_recipe(atlas, "afghanistan-minerals")
    paths = static.write(atlas, recipe, None, static_dir, formats=("png", "svg", "pdf"), dpi=150)
    return {p.suffix[1:]: p for p in paths}


@pytest.fixture(scope="module", params=RECIPES)
def drawn(request, atlas):
    recipe = load_recipe(atlas, request.param)
    layers = prepare(atlas, recipe)
    return recipe, layers, static.figure(atlas, recipe, layers)


def _shown(layers):
    return [p for p in layers if p.spec.visible and len(p.frame)]


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


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_is_vector_with_selectable_text(written, atlas):
    pdf = written["pdf"]
    text = _norm(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                check=True).stdout)
    recipe = load_recipe(atlas, "afghanistan-minerals")
    assert recipe.title in text
    assert "Natural Earth" in text
    assert "Mes Aynak" in text  # a label
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
    _recipe, layers, fig = drawn
    texts = static.legends(fig)
    shown = _shown(layers)
    assert list(texts) == [p.name for p in shown]
    for p in shown:
        expected = [static.entry_label(p, e) for e in p.legend]
        assert [_norm(t.get_text()) for t in texts[p.name]] == expected, p.name


def test_legend_swatches_use_the_symbols(drawn):
    from matplotlib.legend import Legend

    _, layers, fig = drawn
    by_name = {p.name: p for p in layers}
    checked = 0
    for leg in fig.findobj(Legend):
        gid = leg.get_gid() or ""
        if not gid.startswith("legend:"):
            continue
        _, name, part = gid.split(":")
        entries = static.legend_parts(by_name[name])[int(part)]
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


def test_deposit_labels_shown(atlas):
    recipe = load_recipe(atlas, "afghanistan-minerals")
    fig = static.figure(atlas, recipe)
    ax = next(a for a in fig.axes if a.get_label() == "map")
    labels = {t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("label:deposits")}
    assert "Mes Aynak" in labels
    west, south, east, north = recipe.extent  # deposits outside the map cannot be labelled
    in_view = atlas.deposits.cx[west:east, south:north]
    assert len(labels) >= len(in_view) // 2


def test_attribution_names_basemap_and_cited_documents(drawn, atlas):
    _, layers, fig = drawn
    text = _norm(next(t.get_text() for t in fig.texts if t.get_gid() == "attribution"))
    assert "Natural Earth" in text
    ids = set()
    for p in _shown(layers):
        for col in ("source_ids", "coord_source"):
            if col in p.frame:
                for cell in p.frame[col].dropna():
                    ids.update(s.strip() for s in str(cell).split(";") if s.strip())
    sources = atlas.sources[atlas.sources["id"].isin(ids)]
    assert len(sources) > 0
    names = sorted({_norm(row.publisher or row.title[:40]) for row in sources.itertuples()},
                   key=str.casefold)
    more = "(see layers/sources.csv)"
    if text.endswith(more):  # too many to print: a sorted prefix, then the pointer
        assert f"({len(static.cited_sources(atlas, _shown(layers)))};" in text
        shown = [n for n in names if n in text]
        assert len(shown) >= len(names) // 3, shown
    else:
        for name in names:
            assert name in text, name


def test_title_subtitle_scale_and_projection(drawn):
    recipe, layers, fig = drawn
    texts = [t.get_text() for t in fig.texts]
    assert recipe.title in texts
    assert any(recipe.subtitle in t for t in texts)
    ax = next(a for a in fig.axes if a.get_label() == "map")
    assert any(t.get_text().endswith(" km") for t in ax.texts)  # scale bar
    assert "N" in [t.get_text() for t in ax.texts]  # north arrow
    assert any(a.get_label() == "inset" for a in fig.axes)
    frame = static.map_frame(layers, recipe)
    assert frame.crs.is_projected and not frame.crs.is_geographic


def test_scale_bar_is_true_at_the_centre(atlas):
    recipe = load_recipe(atlas, "afghanistan-minerals")
    frame = static.map_frame(prepare(atlas, recipe), recipe)
    lon, lat = frame.centre
    from pyproj import Proj

    k = Proj(frame.crs).get_factors(lon, lat).parallel_scale
    assert static.scale_factor(frame) == pytest.approx(1 / k, rel=1e-4)


def test_epsg_override_and_true_north(atlas, static_dir):
    recipe = load_recipe(atlas, "afghanistan-minerals")
    utm = dataclasses.replace(recipe, name="afghanistan-minerals-utm42",
                              static=dataclasses.replace(recipe.static, crs=32642))
    layers = prepare(atlas, utm)
    frame = static.map_frame(layers, utm)
    assert frame.crs.to_epsg() == 32642
    # far from the UTM 42 central meridian (69°E), grid north is not true north
    dx, dy = static.north_direction(frame)
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
        static.map_crs(bad, (60, 29, 75, 38))


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
    frame = static.map_frame(prepare(atlas, recipe), recipe)
    assert frame.extent == recipe.extent
    t = Transformer.from_crs(CRS.from_epsg(4326), frame.crs, always_xy=True)
    x, y = t.transform([recipe.extent[0], recipe.extent[2]], [recipe.extent[1]] * 2)
    xmin, ymin, xmax, _ymax = frame.bounds
    assert xmin <= min(x) and max(x) <= xmax and ymin <= min(y)


def test_import_stays_light():
    code = ("import sys, geoatlas, geoatlas.cli, geoatlas.render.static, "
            "geoatlas.render.raster; "
            "print([m for m in ('matplotlib', 'rasterio') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
