"""Print and QGIS outputs of a story recipe: one page and one map theme per chapter.

The static and QGIS renderers draw the whole recipe as usual; this module adds, for each
chapter of a recipe with ``[[chapters]]``:

- ``<name>-chapter-<n>.png`` (and the recipe's other static formats): the chapter's
  layers, view and date, with the chapter title as subtitle, drawn by
  :func:`geoatlas.render.static.write` from a per-chapter copy of the recipe;
- a map theme named after the chapter in ``<name>.qgz``, showing the chapter's layers
  (QGIS: *View ▸ Map Themes*).

Examples
--------
>>> [round(v, 2) for v in chapter_extent(None, (69.3, 34.3), 7)]  # 9.9° x 5.8° at zoom 7
[64.36, 31.4, 74.24, 37.2]
>>> chapter_extent((69.0, 34.0, 70.0, 35.0), None, None)     # features: bounds, padded
(68.7, 33.7, 70.3, 35.3)
"""

from __future__ import annotations

import dataclasses
import math
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from .prepare import PreparedLayer, prepare

PAGE_PX = (900, 640)
"""The screen a chapter's centre/zoom view is imagined on, to give a page its extent."""
MAX_SPAN = (60.0, 30.0)
"""Widest page extent in degrees (lon, lat): the static renderer fails on wider ones."""


def chapter_extent(bounds, center, zoom) -> tuple[float, float, float, float]:
    """The lon/lat extent of a chapter's view.

    Its features' bounds, padded; else the area a web map of :data:`PAGE_PX` shows at
    ``center`` and ``zoom``.
    """
    if bounds is not None:
        minx, miny, maxx, maxy = bounds
        padx = max((maxx - minx) * 0.15, 0.3)
        pady = max((maxy - miny) * 0.15, 0.3)
        return (minx - padx, miny - pady, maxx + padx, maxy + pady)
    lon, lat = center
    width = min(PAGE_PX[0] / (256 * 2 ** zoom) * 360, MAX_SPAN[0])
    height = min(PAGE_PX[1] / (256 * 2 ** zoom) * 360 * math.cos(math.radians(lat)),
                 MAX_SPAN[1])
    south, north = max(lat - height / 2, -80.0), min(lat + height / 2, 80.0)
    return (lon - width / 2, south, lon + width / 2, north)


def chapter_recipes(atlas, recipe) -> list:
    """One plain recipe per chapter: its layers, extent, date and title."""
    out = []
    for n, ch in enumerate(recipe.chapters, start=1):
        bounds = None
        if ch.features:
            boxes = [atlas[name].loc[[ident]].total_bounds for name, ident in ch.features]
            bounds = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                      max(b[2] for b in boxes), max(b[3] for b in boxes))
        out.append(dataclasses.replace(
            recipe, name=f"{recipe.name}-chapter-{n}", subtitle=f"{n}. {ch.title}",
            extent=chapter_extent(bounds, ch.center, ch.zoom),
            as_of=ch.as_of or recipe.as_of, chapters=(), overlays=(),
            layers=tuple(s for s in recipe.layers if s.layer in ch.layers)))
    return out


def write_static(atlas, recipe, layers, folder, **options) -> list[Path]:
    """The recipe's static maps, then one page per chapter."""
    from . import static

    written = static.write(atlas, recipe, layers, folder, **options)
    for page in chapter_recipes(atlas, recipe):
        written += static.write(atlas, page, prepare(atlas, page), folder, **options)
    return written


def write_qgis(atlas, recipe, layers: list[PreparedLayer] | None, folder,
               **options) -> list[Path]:
    """The recipe's GeoPackage and project, with one map theme per chapter."""
    from . import qgis

    layers = layers if layers is not None else prepare(atlas, recipe)
    written = qgis.write(atlas, recipe, layers, folder, **options)
    qgz = next(p for p in written if p.suffix == ".qgz")
    ids = {}
    for table, prepared in zip(qgis.table_names(layers), layers):
        ids.setdefault(prepared.spec.layer, []).append(qgis.layer_id(table))
    themes = [(f"{n}. {ch.title}", [i for name in ch.layers for i in ids.get(name, [])])
              for n, ch in enumerate(recipe.chapters, start=1)]
    add_map_themes(qgz, themes)
    return written


def add_map_themes(qgz: Path, themes: list[tuple[str, list[str]]]) -> None:
    """Add ``<visibility-presets>`` (QGIS map themes) to the project inside ``qgz``.

    Each theme lists the layer ids it shows; the zip is rewritten as the QGIS renderer
    writes it (one deflated member, fixed timestamp), so the file stays reproducible.
    """
    with zipfile.ZipFile(qgz) as zf:
        (info,) = zf.infolist()
        text = zf.read(info).decode("utf-8")
    doctype, _, body = text.partition("\n")
    root = ET.fromstring(body)
    for old in root.findall("visibility-presets"):
        root.remove(old)
    presets = ET.SubElement(root, "visibility-presets")
    for name, layer_ids in themes:
        preset = ET.SubElement(presets, "visibility-preset", {"name": name})
        for lid in layer_ids:
            ET.SubElement(preset, "layer", {"id": lid, "visible": "1"})
    document = doctype + "\n" + ET.tostring(root, encoding="unicode") + "\n"
    out = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    out.compress_type = zipfile.ZIP_DEFLATED
    out.external_attr = info.external_attr
    tmp = qgz.with_name(qgz.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        zf.writestr(out, document)
    tmp.replace(qgz)
