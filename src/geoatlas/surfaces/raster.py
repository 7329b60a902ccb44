"""The raster product container: a georeferenced array written as a Cloud-Optimized GeoTIFF.

Every surface (:mod:`.distance`, :mod:`.density`) and the map image
(:mod:`geoatlas.render.geotiff`) is a :class:`Raster` (array, affine transform, CRS,
nodata, band descriptions, units, tags). :meth:`Raster.write` saves it as a tiled,
deflate-compressed COG, atomically (a temporary file in the same folder, then a rename),
with a QGIS style (:func:`raster_qml`) beside it coloured with the style spec's ramp
(:func:`ramp_stops`); :func:`describe` is its one-line summary. rasterio is imported only
inside functions.

Examples
--------
>>> from affine import Affine
>>> from pyproj import CRS
>>> r = Raster(np.array([[[0.0, 400.0]]], dtype="float32"), Affine(1000, 0, 0, 0, -1000, 0),
...            CRS.from_epsg(3857), NODATA, ("distance",), ("km",), {"product": "distance"})
>>> r.bounds
(0.0, -1000.0, 2000.0, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pyproj import CRS

from .._atomic import staged, write_text
from ..errors import OutputError

__all__ = ["COG_OPTIONS", "NODATA", "Raster", "describe", "ramp_stops", "raster_qml"]


NODATA = -9999.0
"""Nodata value of the float products."""
COG_OPTIONS = {
    "driver": "COG",
    "compress": "DEFLATE",
    "level": 6,
    "predictor": "YES",
    "blocksize": 256,
    "overviews": "AUTO",
    "overview_resampling": "AVERAGE",
    "bigtiff": "IF_SAFER",
}
"""GDAL COG creation options of every product (256 px tiles, deflate, overviews)."""


@dataclass
class Raster:
    """A georeferenced array, ready to write as a GeoTIFF.

    Attributes
    ----------
    data : numpy.ndarray
        ``(bands, rows, cols)``; row 0 is the north edge.
    transform : affine.Affine
        Pixel to CRS coordinates (upper-left origin).
    crs : pyproj.CRS
        The projected CRS of the grid.
    nodata : float or None
        The nodata value (``None`` for the RGBA map image, which has an alpha band).
    descriptions : tuple of str
        One description per band.
    units : tuple of str
        One unit per band (``""`` when unitless).
    tags : dict
        Dataset metadata tags (product, layer, method, ...).
    """

    data: np.ndarray
    transform: object
    crs: CRS
    nodata: float | None
    descriptions: tuple[str, ...]
    units: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    rgba: bool = False

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` in the CRS."""
        t = self.transform
        _, rows, cols = self.data.shape
        xs = (t.c, t.c + t.a * cols)
        ys = (t.f, t.f + t.e * rows)
        return min(xs), min(ys), max(xs), max(ys)

    def write(self, path: str | Path, overwrite: bool = True, style: bool = True) -> Path:
        """Write a Cloud-Optimized GeoTIFF atomically, with its QGIS style beside it.

        The array is first written to an in-memory tiled GeoTIFF, then copied by GDAL's
        COG driver (256 px tiles, deflate, overviews down to one tile, the image
        directory first, so a reader fetches the header with one range request). The
        file takes the mode the umask allows (0644 under umask 022), like any file a
        user creates. Unless ``style`` is false, ``<name>.qml`` is written beside it
        with the colour ramp of the style spec (:data:`geoatlas.style.RASTER_RAMPS`),
        which QGIS loads by itself when the GeoTIFF is opened.

        Parameters
        ----------
        path : str or Path
            Destination ``.tif``.
        overwrite : bool
            Replace an existing file (otherwise raise :class:`OutputError`).
        style : bool
            Also write the ``.qml`` sidecar (not for the RGBA map image, which needs none).

        Returns
        -------
        Path
            ``path``.
        """
        path = Path(path)
        if path.exists() and not overwrite:
            raise OutputError(f"{path} exists; use --overwrite to replace it")
        folder = path.parent if str(path.parent) else Path(".")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create folder {folder}: {exc}") from exc
        with staged(path) as tmp:
            _write_cog(self, tmp)
            if style and not self.rgba:
                write_text(path.with_suffix(".qml"), raster_qml(self))
        return path


def _gtiff_profile(raster: Raster) -> dict:
    """The creation profile of the in-memory tiled GeoTIFF the COG is copied from."""
    import rasterio.crs

    bands, rows, cols = raster.data.shape
    profile = {
        "driver": "GTiff",
        "width": cols,
        "height": rows,
        "count": bands,
        "dtype": raster.data.dtype.name,
        "crs": rasterio.crs.CRS.from_wkt(raster.crs.to_wkt()),
        "transform": raster.transform,
        "nodata": raster.nodata,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "interleave": "pixel" if raster.rgba else "band",
    }
    if raster.rgba:
        profile["photometric"] = "RGB"
        profile["alpha"] = "YES"
    return profile


def _write_cog(raster: Raster, dest: Path) -> None:
    """Write ``raster`` (bands, descriptions, units, tags) to ``dest`` as a COG."""
    import rasterio.shutil
    from rasterio.enums import ColorInterp
    from rasterio.io import MemoryFile

    with MemoryFile() as mem:
        with mem.open(**_gtiff_profile(raster)) as src:
            src.write(raster.data)
            for i, desc in enumerate(raster.descriptions, start=1):
                src.set_band_description(i, desc)
            for i, unit in enumerate(raster.units, start=1):
                if unit:
                    src.set_band_unit(i, unit)
            if raster.rgba:
                src.colorinterp = [ColorInterp.red, ColorInterp.green,
                                   ColorInterp.blue, ColorInterp.alpha]
            src.update_tags(**{k: str(v) for k, v in sorted(raster.tags.items())})
        with mem.open() as src:
            rasterio.shutil.copy(src, str(dest), **COG_OPTIONS)


def ramp_stops(raster: Raster) -> list[tuple[float, str]]:
    """``(value, #rrggbb)`` stops of a product's colour ramp over its valid values.

    The ramp is the style spec's :data:`~geoatlas.style.RASTER_RAMPS` entry for the
    product (``distance``, ``density``; others use ``distance``), stretched from 0 to the
    98th percentile of the valid values, as the web overlay and the QGIS project do.

    Examples
    --------
    >>> from affine import Affine
    >>> from geoatlas.style import RASTER_RAMPS
    >>> r = Raster(np.array([[[0.0, 400.0]]], dtype="float32"), Affine.identity(),
    ...            CRS.from_epsg(3857), NODATA, ("km",), tags={"product": "distance"})
    >>> [value for value, _ in ramp_stops(r)]
    [0.0, 98.0, 196.0, 294.0, 392.0]
    >>> [colour for _, colour in ramp_stops(r)] == [
    ...     "#{:02x}{:02x}{:02x}".format(*c) for c in RASTER_RAMPS["distance"]]
    True
    """
    from ..style import RASTER_RAMPS

    anchors = RASTER_RAMPS.get(raster.tags.get("product", ""), RASTER_RAMPS["distance"])
    band = raster.data[0]
    valid = band[(band != raster.nodata) & np.isfinite(band)] if raster.nodata is not None \
        else band[np.isfinite(band)]
    lo = 0.0
    hi = float(np.percentile(valid, 98)) if valid.size else 1.0
    if hi <= lo:
        hi = lo + 1.0
    n = len(anchors)
    return [(lo + (hi - lo) * i / (n - 1), "#{:02x}{:02x}{:02x}".format(*c))
            for i, c in enumerate(anchors)]


def raster_qml(raster: Raster) -> str:
    """A QGIS style (QML) for band 1 of a product: the style spec's ramp, interpolated.

    Labels are numbers with the band's unit; every text goes through XML escaping.

    Examples
    --------
    >>> from affine import Affine
    >>> r = Raster(np.array([[[0.0, 400.0]]], dtype="float32"), Affine.identity(),
    ...            CRS.from_epsg(3857), NODATA, ("distance",), ("km",), {"product": "distance"})
    >>> 'label="392 km"' in raster_qml(r)
    True
    """
    from xml.sax.saxutils import quoteattr

    stops = ramp_stops(raster)
    unit = raster.units[0] if raster.units else ""
    lo, hi = stops[0][0], stops[-1][0]
    items = "\n".join(
        f"          <item alpha=\"255\" value=\"{v:.6g}\" color=\"{c}\" "
        f"label={quoteattr(f'{v:,.4g} {unit}'.strip())}/>" for v, c in stops)
    return f"""<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.0" styleCategories="AllStyleCategories">
  <pipe>
    <rasterrenderer type="singlebandpseudocolor" band="1" opacity="1" alphaBand="-1" \
classificationMin="{lo:.6g}" classificationMax="{hi:.6g}" nodataColor="">
      <rastershader>
        <colorrampshader colorRampType="INTERPOLATED" classificationMode="1" clip="0" \
minimumValue="{lo:.6g}" maximumValue="{hi:.6g}" labelPrecision="4">
{items}
        </colorrampshader>
      </rastershader>
    </rasterrenderer>
    <brightnesscontrast brightness="0" contrast="0" gamma="1"/>
    <huesaturation saturation="0" grayscaleMode="0" colorizeOn="0"/>
    <rasterresampler maxOversample="2"/>
  </pipe>
  <blendMode>0</blendMode>
</qgis>
"""


def describe(raster: Raster) -> str:
    """A one-line summary: size, cell size, CRS and value range of band 1.

    Examples
    --------
    >>> from affine import Affine
    >>> r = Raster(np.array([[[0.0, 400.0]]], dtype="float32"), Affine(5000, 0, 0, 0, -5000, 0),
    ...            CRS.from_epsg(3857), NODATA, ("distance",), ("km",))
    >>> describe(r)
    '2 x 1 cells of 5 x 5 km, WGS 84 / Pseudo-Mercator (EPSG:3857), values 0..400'
    """
    band = raster.data[0]
    valid = band[band != raster.nodata] if raster.nodata is not None else band
    _, rows, cols = raster.data.shape
    t = raster.transform
    from ..render.mapframe import describe_crs

    crs_text = describe_crs(raster.crs)
    rng = (f", values {float(valid.min()):.4g}..{float(valid.max()):.4g}"
           if valid.size and not raster.rgba else "")
    return f"{cols} x {rows} cells of {abs(t.a) / 1000:.3g} x {abs(t.e) / 1000:.3g} km, " \
           f"{crs_text}{rng}"
