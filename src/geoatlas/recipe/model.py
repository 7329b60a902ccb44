"""What a recipe may say, and what a validated one holds.

The allowed keys of each table of ``maps/<name>.toml`` (with the one-line meaning that
error messages and ``geoatlas init`` show), the controls and basemaps a map may ask
for, and the frozen dataclasses a validated recipe becomes: :class:`Recipe` with its
:class:`LayerSpec`, :class:`OverlaySpec` and :class:`StaticSpec`. Renderers take these;
they never read the TOML.

Examples
--------
>>> sorted(RECIPE_KEYS)[:3]
['as_of', 'basemaps', 'chapters']
>>> StaticSpec().formats, StaticSpec().dpi
(('png', 'svg', 'pdf'), 200)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..formats import A4_LANDSCAPE_IN, STATIC_FORMATS
from ..style import TILES, LayerStyle

__all__ = [
    "BASEMAPS",
    "CONTROLS",
    "LAYER_KEYS",
    "OVERLAY_KEYS",
    "RECIPE_KEYS",
    "STATIC_KEYS",
    "LayerSpec",
    "OverlaySpec",
    "Recipe",
    "StaticSpec",
]


RECIPE_KEYS = {
    "title": "map title",
    "subtitle": "one line under the title",
    "description": "a paragraph shown in the map's info box",
    "credits": "attribution text (basemap, data)",
    "as_of": "ISO date: show statuses as of that date (default: latest)",
    "extent": "'fit' or [min_lon, min_lat, max_lon, max_lat]",
    "basemaps": "extra online tile layers (the offline vector basemap is always there)",
    "controls": "which controls to show",
    "link_fields": "fields whose http(s) values become links",
    "layers": "the layers, in drawing order (first = bottom)",
    "static": "options of the static PNG/SVG/PDF export",
    "max_html_mb": "fail the build if the HTML is larger than this",
    "overlays": "raster products shown as optional web-map layers ([[overlays]])",
    "chapters": "story chapters: text beside the map, each with its view and date ([[chapters]])",
}
LAYER_KEYS = {
    "layer": "layer name (required)",
    "title": "name in the layer control and legend",
    "group": "layer-control group",
    "where": "where expression selecting features, e.g. \"iso3 == 'AFG'\"",
    "visible": "shown when the map opens (default true)",
    "tooltip": "fields shown on hover",
    "popup": "fields shown on click",
    "label": "field drawn as a text label",
    "contracts": "list the feature's contracts in its popup (default true)",
    "timeline": "follow the time control (default: true where statuses exist)",
    "style": "the style table",
    "compact": "compact web encoding: true/false (default: automatic above 5,000 features)",
    "simplify": "lines/polygons in compact form: tolerance in metres of the finest detail",
}
OVERLAY_KEYS = {
    "product": "distance or density",
    "layer": "the layer measured to (distance) or counted (density)",
    "title": "name in the layer control and legend",
    "group": "layer-control group",
    "where": "where expression selecting the layer's features",
    "weight": "density: numeric field weighting each feature",
    "bandwidth_km": "density: kernel bandwidth (default 50)",
    "resolution_km": "cell size (default 5)",
    "max_value": "value at the dark end of the colour ramp (default: 98th percentile)",
    "opacity": "0..1 (default 0.6)",
    "visible": "shown when the map opens (default false)",
}
STATIC_KEYS = {
    "formats": "any of png, svg, pdf",
    "dpi": "raster resolution of the PNG",
    "crs": "EPSG code of the projection (default: a Lambert conformal fitted to the extent)",
    "size": "[width, height] in inches",
    "labels": "layers whose features get text labels",
}
CONTROLS = ("layers", "legend", "scale", "search", "fullscreen", "coordinates", "timeline")
BASEMAPS = tuple(TILES)  # the online basemaps the style spec knows


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a recipe, validated."""

    layer: str
    title: str
    group: str
    where: str | None
    visible: bool
    tooltip: tuple[str, ...]
    popup: tuple[str, ...]
    label: str | None
    contracts: bool
    timeline: bool
    style: LayerStyle
    compact: bool | None = None
    simplify: float | None = None


@dataclass(frozen=True)
class OverlaySpec:
    """A raster product shown as an optional image layer of the web map."""

    product: str
    layer: str
    title: str
    group: str
    where: str | None = None
    weight: str | None = None
    bandwidth_km: float = 50.0
    resolution_km: float = 5.0
    max_value: float | None = None
    opacity: float = 0.6
    visible: bool = False


@dataclass(frozen=True)
class StaticSpec:
    """Options of the static export."""

    formats: tuple[str, ...] = STATIC_FORMATS
    dpi: int = 200
    crs: int | None = None
    size: tuple[float, float] = A4_LANDSCAPE_IN
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recipe:
    """A validated map recipe."""

    name: str
    path: Path
    title: str
    subtitle: str
    description: str
    credits: str
    as_of: dt.date | None
    extent: tuple[float, float, float, float] | None
    basemaps: tuple[str, ...]
    controls: tuple[str, ...]
    link_fields: tuple[str, ...]
    layers: tuple[LayerSpec, ...]
    static: StaticSpec
    max_html_mb: float | None
    overlays: tuple[OverlaySpec, ...] = ()
    chapters: tuple = ()  # geoatlas.chapters.Chapter: a story recipe when not empty
