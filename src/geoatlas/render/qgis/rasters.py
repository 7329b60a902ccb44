"""The recipe's raster products (``[[overlays]]``) as GeoTIFFs and styled QGIS layers.

Each overlay of the recipe (a distance or density surface, see
:mod:`geoatlas.surfaces`) is computed over the map's extent, as the web map does,
written next to the project as ``<name>-<product>.tif`` and added to the project as a
raster layer coloured with the same ramp as the web overlay (0 to the overlay's
``max_value``, else its 98th percentile), with the overlay's opacity and visibility.

Examples
--------
>>> [(value, label) for value, _, label in ramp_items("distance", 400.0)]
[('0', '0 km'), ('100', '100 km'), ('200', '200 km'), ('300', '300 km'), ('400', '400 km+')]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np

from ..prepare import PreparedLayer, extent
from .common import num

__all__ = ["UNITS", "RasterProduct", "maplayer", "ramp_items", "write_products"]


UNITS = {"distance": "km", "density": "per km²"}


@dataclass(frozen=True)
class RasterProduct:
    """One overlay written as a GeoTIFF: where, what, and how to colour it."""

    path: Path
    title: str
    group: str
    product: str
    vmax: float
    opacity: float
    visible: bool
    crs_wkt: str
    abstract: str

    @property
    def layer_id(self) -> str:
        """The project id of its layer."""
        return f"geoatlas_raster_{self.path.stem.replace('-', '_')}"


def write_products(atlas, recipe, layers: Sequence[PreparedLayer], folder) -> list[RasterProduct]:
    """Compute and write every overlay of ``recipe`` into ``folder``."""
    if not getattr(recipe, "overlays", None):
        return []
    from ...surfaces import overlay_surface

    world = atlas.as_of(recipe.as_of) if recipe.as_of else atlas
    bounds = extent(list(layers), recipe)
    out = []
    seen: dict[str, int] = {}
    for ov in recipe.overlays:
        n = seen.get(ov.product, 0) + 1
        seen[ov.product] = n
        name = f"{recipe.name}-{ov.product}" + ("" if n == 1 else f"-{n}")
        path = Path(folder) / f"{name}.tif"
        product = overlay_surface(world, ov, bounds)
        product.write(path)
        band = product.data[0].astype("float64")
        if product.nodata is not None:
            band[band == product.nodata] = np.nan
        finite = band[np.isfinite(band)]
        vmax = ov.max_value if ov.max_value is not None else (
            float(np.nanpercentile(finite, 98)) if finite.size else 1.0)
        what = (f"Geodesic distance (km) to the nearest {ov.layer} feature"
                if ov.product == "distance" else f"Kernel density of {ov.layer}"
                f"{' weighted by ' + ov.weight if ov.weight else ''} per km²")
        selection = f" ({ov.where})" if ov.where else ""
        out.append(RasterProduct(path, ov.title, ov.group, ov.product, vmax or 1.0,
                                 ov.opacity, ov.visible, product.crs.to_wkt(),
                                 f"{what}{selection}, on a {ov.resolution_km:g} km grid over "
                                 f"the map extent. Colours as in the web map's overlay."))
    return out


def ramp_items(product: str, vmax: float) -> list[tuple[str, str, str]]:
    """``(value, colour, label)`` stops of the web overlay's ramp from 0 to ``vmax``."""
    from ...style import RASTER_RAMPS

    anchors = RASTER_RAMPS[product]
    unit = UNITS[product]
    items = []
    for i, (r, g, b) in enumerate(anchors):
        value = vmax * i / (len(anchors) - 1)
        label = f"{value:,.3g} {unit}" + ("+" if i == len(anchors) - 1 else "")
        items.append((num(value), f"#{r:02x}{g:02x}{b:02x}", label))
    return items


def maplayer(p: RasterProduct, srs_element: ET.Element) -> ET.Element:
    """The project ``<maplayer>`` of a raster product (single-band pseudocolour)."""
    el = ET.Element("maplayer", {"type": "raster", "hasScaleBasedVisibilityFlag": "0",
                                 "minScale": "1e+08", "maxScale": "0",
                                 "styleCategories": "AllStyleCategories"})
    ET.SubElement(el, "id").text = p.layer_id
    ET.SubElement(el, "datasource").text = f"./{p.path.name}"
    ET.SubElement(el, "layername").text = p.title
    ET.SubElement(el, "srs").append(srs_element)
    meta = ET.SubElement(el, "resourceMetadata")
    ET.SubElement(meta, "title").text = p.title
    ET.SubElement(meta, "abstract").text = p.abstract
    ET.SubElement(el, "attribution", {"href": ""}).text = "geoatlas raster product"
    ET.SubElement(el, "provider").text = "gdal"
    pipe = ET.SubElement(el, "pipe")
    items = ramp_items(p.product, p.vmax)
    renderer = ET.SubElement(pipe, "rasterrenderer", {
        "type": "singlebandpseudocolor", "band": "1", "opacity": num(p.opacity),
        "alphaBand": "-1", "classificationMin": "0", "classificationMax": num(p.vmax),
        "nodataColor": ""})
    ET.SubElement(renderer, "rasterTransparency")
    shader = ET.SubElement(ET.SubElement(renderer, "rastershader"), "colorrampshader", {
        "colorRampType": "INTERPOLATED", "classificationMode": "1", "clip": "0",
        "minimumValue": "0", "maximumValue": num(p.vmax), "labelPrecision": "0"})
    for value, color, label in items:
        ET.SubElement(shader, "item", {"value": value, "color": color, "label": label,
                                       "alpha": "255"})
    return el
