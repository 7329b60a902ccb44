"""The names of outputs and file formats, in one light module (no heavy imports).

The command line offers these as choices without importing the code that writes them,
so ``geoatlas --help`` stays fast; the writers import them from here, so a format
is named in one place only.

Examples
--------
>>> STATIC_FORMATS
('png', 'svg', 'pdf')
>>> A4_LANDSCAPE_IN
(11.69, 8.27)
"""

from __future__ import annotations

__all__ = [
    "A4_LANDSCAPE_IN",
    "EXPORT_ENGINES",
    "EXPORT_FORMATS",
    "OUTPUTS",
    "STATIC_FORMATS",
]

OUTPUTS = {
    "web": "geoatlas.render.web",
    "static": "geoatlas.render.static",
    "qgis": "geoatlas.render.qgis",
}
"""Output kind -> module with ``write(atlas, recipe, layers, folder, **options)``."""

STATIC_FORMATS = ("png", "svg", "pdf")
"""Formats of the static (print) map, in the order they are written."""

A4_LANDSCAPE_IN = (11.69, 8.27)
"""A4 landscape in inches: the page of every print map (static, QGIS layout, raster)."""

EXPORT_FORMATS: dict[str, tuple[str | None, str]] = {
    "gpkg": ("GPKG", ".gpkg"),
    "geojson": ("GeoJSON", ".geojson"),
    "parquet": (None, ".parquet"),
    "fgb": ("FlatGeobuf", ".fgb"),
    "shp": ("ESRI Shapefile", ".shp"),
}
"""Export format name -> (OGR driver, file suffix). GeoParquet is written by pyarrow."""

EXPORT_ENGINES = ("pyogrio", "fiona")
"""OGR bindings ``geoatlas export`` can write through."""
