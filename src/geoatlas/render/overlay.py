"""Raster products as optional web-map overlays: a coloured PNG placed by its bounds.

A recipe's ``[[overlays]]`` (see :mod:`geoatlas.recipe`) names a product of
:mod:`geoatlas.surfaces` (``distance`` or ``density``). It is computed over the map's
extent (:func:`geoatlas.surfaces.overlay_surface`), warped to Web Mercator (the only CRS
in which Leaflet places an image without distortion), coloured with the style spec's ramp
(:data:`geoatlas.style.RASTER_RAMPS`) and embedded as a ``data:`` PNG, so the HTML still
needs no network.

Examples
--------
>>> ramp_colors(np.array([0.0, 0.5, 1.0, np.nan]), ((0, 0, 0), (200, 100, 50))).tolist()
[[0, 0, 0, 255], [100, 50, 25, 255], [200, 100, 50, 255], [0, 0, 0, 0]]
"""

from __future__ import annotations

import base64
import io

import numpy as np

from .. import htmlsafe
from ..style import RASTER_RAMPS
from ..surfaces import overlay_surface
from .webformat import layer_entry

__all__ = ["legend_html", "overlay_spec", "ramp_colors", "to_web_png"]


def ramp_colors(values: np.ndarray, anchors) -> np.ndarray:
    """RGBA uint8 colours for ``values`` in 0..1 along the ramp ``anchors`` (NaN: clear)."""
    anchors = np.asarray(anchors, dtype=float)
    pos = np.linspace(0, 1, len(anchors))
    v = np.clip(np.nan_to_num(values, nan=0.0), 0, 1)
    rgb = np.stack([np.interp(v, pos, anchors[:, i]) for i in range(3)], axis=-1)
    alpha = np.where(np.isnan(values), 0, 255)
    return np.concatenate([np.round(rgb), alpha[..., None]], axis=-1).astype(np.uint8)


def to_web_png(product, anchors, vmax: float | None = None):
    """Warp band 1 of a Raster to EPSG:3857 and colour it.

    Returns ``(png_bytes, [[south, west], [north, east]], vmax)``.
    """
    import rasterio.warp
    from PIL import Image
    from rasterio.enums import Resampling

    band = product.data[0].astype("float64")
    band[band == product.nodata] = np.nan
    rows, cols = band.shape
    src_crs = product.crs.to_wkt()
    left, bottom, right, top = product.bounds
    dst_transform, width, height = rasterio.warp.calculate_default_transform(
        src_crs, "EPSG:3857", cols, rows, left=left, bottom=bottom, right=right, top=top)
    warped = np.full((height, width), np.nan)
    rasterio.warp.reproject(band, warped, src_transform=product.transform, src_crs=src_crs,
                            dst_transform=dst_transform, dst_crs="EPSG:3857",
                            src_nodata=np.nan, dst_nodata=np.nan,
                            resampling=Resampling.bilinear)
    finite = warped[np.isfinite(warped)]
    top_value = vmax if vmax is not None else (float(np.nanpercentile(finite, 98))
                                               if finite.size else 1.0)
    top_value = top_value or 1.0
    rgba = ramp_colors(warped / top_value, anchors)
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG", optimize=True)
    west, north = dst_transform @ (0, 0)
    east, south = dst_transform @ (width, height)
    lon, lat = rasterio.warp.transform("EPSG:3857", "EPSG:4326", [west, east], [south, north])
    return buf.getvalue(), [[lat[0], lon[0]], [lat[1], lon[1]]], top_value


def legend_html(key: str, title: str, anchors, vmax: float, unit: str) -> str:
    """A gradient bar from 0 to ``vmax`` (escaped text, inline SVG)."""
    stops = "".join(
        f'<stop offset="{i / (len(anchors) - 1):g}" stop-color="rgb{tuple(c)}"/>'
        for i, c in enumerate(anchors))
    return (f"<h4>{htmlsafe.text(title)}</h4>"
            f'<div class="ga-legend-row"><svg width="120" height="12" aria-hidden="true">'
            f'<defs><linearGradient id="ga-ramp-{key}">{stops}</linearGradient>'
            f'</defs><rect width="120" height="12" fill="url(#ga-ramp-{key})"/>'
            f"</svg><span>0 – {htmlsafe.text(f'{vmax:,.3g}')}{htmlsafe.text(unit)}+</span></div>")


def overlay_spec(key: str, atlas, spec, bounds) -> dict:
    """The runtime spec of one overlay: a data-URI image, its bounds and legend."""
    product = overlay_surface(atlas, spec, bounds)
    anchors = RASTER_RAMPS[spec.product]
    png, latlon, vmax = to_web_png(product, anchors, spec.max_value)
    unit = " km" if spec.product == "distance" else " per km²"
    return layer_entry(
        key, spec, legend_html(key, spec.title, anchors, vmax, unit),
        image="data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        bounds=latlon,
        opacity=spec.opacity,
        data={"type": "FeatureCollection", "features": []},
    )
