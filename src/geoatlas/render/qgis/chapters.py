"""A story recipe's QGIS project: one map theme per chapter.

For a recipe with ``[[chapters]]``, :func:`write_chapters` writes the GeoPackage and
project as usual, then gives the project a map theme named after each chapter, showing
the chapter's layers (QGIS: *View ▸ Map Themes*).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from ..prepare import PreparedLayer, prepare
from .common import write_qgz

__all__ = ["add_map_themes", "write_chapters"]


def write_chapters(atlas, recipe, layers: list[PreparedLayer] | None, folder,
                   **options) -> list[Path]:
    """The recipe's GeoPackage and project, with one map theme per chapter."""
    from . import layer_id, table_names, write

    layers = layers if layers is not None else prepare(atlas, recipe)
    written = write(atlas, recipe, layers, folder, **options)
    qgz = next(p for p in written if p.suffix == ".qgz")
    ids = {}
    for table, prepared in zip(table_names(layers), layers):
        ids.setdefault(prepared.spec.layer, []).append(layer_id(table))
    themes = [(f"{n}. {ch.title}", [i for name in ch.layers for i in ids.get(name, [])])
              for n, ch in enumerate(recipe.chapters, start=1)]
    add_map_themes(qgz, themes)
    return written


def add_map_themes(qgz: Path, themes: list[tuple[str, list[str]]]) -> None:
    """Add ``<visibility-presets>`` (QGIS map themes) to the project inside ``qgz``.

    Each theme lists the layer ids it shows; the zip is rewritten as the QGIS renderer
    writes it (:func:`~geoatlas.render.qgis.common.write_qgz`), so it stays reproducible.
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
    write_qgz(qgz, info.filename, document)
