"""QGIS outputs: a styled GeoPackage and a ``.qgz`` project, from the one style spec.

For a recipe ``<name>`` this writes

``<name>.gpkg``
    Every recipe layer as a feature table (EPSG:4326, one geometry type per table),
    the countries basemap, status periods for the time slider, the non-spatial tables
    (contracts, events, sources, trade, citations) as GeoPackage ``attributes`` tables,
    the relations in the OGC Related Tables extension, and a ``layer_styles`` table
    holding one default QML style per feature table (see :mod:`.gpkg`).
``<name>.qgz``
    A zip holding ``<name>.qgs``: the layers (``./<name>.gpkg`` by relative path) with
    renderers, labels, forms and metadata, the relations, map themes, bookmarks, the
    temporal settings and a print layout (see :mod:`.project` and :mod:`.layout`).
``<name>-<product>.tif``
    The recipe's raster overlays (distance, density) as GeoTIFFs, styled in the
    project with the web map's colour ramps (see :mod:`.rasters`).

The modules: :mod:`.expr` (expressions and map tips from untrusted text),
:mod:`.symbols` (renderers and QML), :mod:`.forms` (aliases, widgets, display
expressions), :mod:`.meta` (layer metadata), :mod:`.gpkg`, :mod:`.project`,
:mod:`.layout`.

Pitfalls measured in QGIS 3.22 (Debian) shape the output: ``layer_styles`` rows carry
``f_table_schema = ''`` (NULL is listed but never applied); the project repeats every
renderer (a project layer does not take the GeoPackage default); the project CRS is
written in full (WKT and PROJ string) with ``ProjectionsEnabled``; the GeoPackage is
version 1.2 (QGIS 3.22's GDAL 3.6 warns on 1.4).

Examples
--------
>>> import geoatlas
>>> from geoatlas.recipe import load_recipe
>>> from geoatlas.render.prepare import prepare
>>> atlas = geoatlas.open()                                          # doctest: +SKIP
>>> recipe = load_recipe(atlas, "afghanistan-minerals")              # doctest: +SKIP
>>> write(atlas, recipe, prepare(atlas, recipe), "out")              # doctest: +SKIP
[PosixPath('out/afghanistan-minerals.gpkg'), PosixPath('out/afghanistan-minerals.qgz')]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..prepare import PreparedLayer, prepare
from .common import QGIS_VERSION, GpkgTable, layer_id, write_qgz
from .expr import map_tip
from .gpkg import CITATIONS, STYLE_TABLE, TABLES, table_names, write_geopackage
from .project import project_crs, project_xml
from .rasters import write_products
from .symbols import layer_qml, qgis_values, renderer_element, renderer_plan, rgba

__all__ = [
    "CITATIONS", "QGIS_VERSION", "STYLE_TABLE", "TABLES", "GpkgTable", "layer_id",
    "layer_qml", "map_tip", "project_crs", "project_xml", "qgis_values",
    "renderer_element", "renderer_plan", "rgba", "table_names", "write",
    "write_geopackage", "write_project", "write_story",
]


def write(atlas, recipe, layers: Sequence[PreparedLayer] | None, folder,
          **options) -> list[Path]:
    """Write ``<recipe.name>.gpkg`` and ``<recipe.name>.qgz`` into ``folder``.

    Parameters
    ----------
    atlas : geoatlas.Atlas
        The loaded workspace (its non-spatial tables go into the GeoPackage).
    recipe : geoatlas.recipe.Recipe
        The map recipe.
    layers : sequence of PreparedLayer or None
        ``prepare(atlas, recipe)``: the features and symbols of each recipe layer
        (``None``: prepared here).
    folder : str or pathlib.Path
        Where to write (the build's staging folder).
    **options
        ``chapter_themes=True`` gives a story recipe one map theme per chapter
        (:func:`write_story`); other renderers' options are ignored here.

    Returns
    -------
    list of pathlib.Path
        The GeoPackage, the project and the raster products of the recipe's overlays.
    """
    if layers is None:
        layers = prepare(atlas, recipe)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    gpkg = folder / f"{recipe.name}.gpkg"
    qgz = folder / f"{recipe.name}.qgz"
    tables = write_geopackage(atlas, recipe, layers, gpkg)
    products = write_products(atlas, recipe, layers, folder)
    write_project(recipe, layers, tables, qgz, atlas=atlas, rasters=products,
                  chapter_themes=options.get("chapter_themes", False))
    extra = []
    for product in products:  # the GeoTIFF and the style sidecar raster.write puts beside it
        extra += [f for f in (product.path, product.path.with_suffix(".qml")) if f.exists()]
    return [gpkg, qgz, *extra]


def write_story(atlas, recipe, layers: Sequence[PreparedLayer] | None, folder,
                **options) -> list[Path]:
    """:func:`write` for a recipe with ``[[chapters]]``: one map theme per chapter.

    The themes are named ``"<n>. <title>"`` and show the chapter's layers (QGIS:
    *View ▸ Map Themes*); the build calls this for story recipes.
    """
    return write(atlas, recipe, layers, folder, **{**options, "chapter_themes": True})


def write_project(recipe, layers: Sequence[PreparedLayer], tables: Sequence[GpkgTable],
                  path, atlas=None, rasters=(), chapter_themes: bool = False) -> Path:
    """Write the ``.qgz`` (a zip holding ``<name>.qgs``), byte-for-byte reproducibly.

    Parameters
    ----------
    recipe : geoatlas.recipe.Recipe
        The recipe.
    layers : sequence of PreparedLayer
        The prepared layers.
    tables : sequence of GpkgTable
        What :func:`write_geopackage` wrote (the project references them).
    path : str or pathlib.Path
        The ``.qgz`` to write.
    atlas : geoatlas.Atlas, optional
        The workspace (cited documents for metadata and attribution).
    rasters : sequence of RasterProduct
        The raster products written beside the project (styled raster layers).
    chapter_themes : bool
        One map theme per chapter instead of the recipe's views (a story's build).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    document = project_xml(recipe, layers, tables, atlas=atlas, rasters=rasters,
                           chapter_themes=chapter_themes)
    return write_qgz(path, f"{recipe.name}.qgs", document)
