"""Raster surfaces: GeoTIFF products computed from a workspace's layers.

Products, not renderers: each is a :class:`~.raster.Raster` (array, affine transform,
CRS, nodata, band descriptions) computed from an :class:`~geoatlas.atlas.Atlas`, which
:meth:`~.raster.Raster.write` saves as a Cloud-Optimized GeoTIFF with a QGIS style beside
it. :mod:`.grid` chooses the cells (square, ``resolution_km``, in a Lambert conformal
conic fitted to the extent, the same choice as the static map); :mod:`.distance` gives
geodesic km to the nearest feature of a layer; :mod:`.density` a Gaussian kernel density
per km². :func:`overlay_surface` computes the product a recipe's ``[[overlays]]`` entry
asks for, for the web map (:mod:`geoatlas.render.overlay`) and the QGIS project alike.
The map as a georeferenced image is a rendering, in :mod:`geoatlas.render.geotiff`.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> import geoatlas
>>> from geoatlas import surfaces
>>> atlas = geoatlas.open()
>>> surface = surfaces.distance_surface(atlas, "rail", resolution_km=100)
>>> with tempfile.TemporaryDirectory() as folder:
...     path = surface.write(Path(folder) / "distance-to-rail.tif")
...     print(sorted(p.name for p in path.parent.iterdir()))
['distance-to-rail.qml', 'distance-to-rail.tif']
"""

from __future__ import annotations

from .density import density_surface
from .distance import PLANAR_SLACK, distance_surface
from .grid import DEFAULT_LAYERS, MAX_CELLS, Grid, default_extent, make_grid
from .raster import NODATA, Raster, describe, ramp_stops, raster_qml

__all__ = [
    "DEFAULT_LAYERS",
    "MAX_CELLS",
    "NODATA",
    "PLANAR_SLACK",
    "Grid",
    "Raster",
    "default_extent",
    "density_surface",
    "describe",
    "distance_surface",
    "make_grid",
    "overlay_surface",
    "ramp_stops",
    "raster_qml",
]


def overlay_surface(atlas, spec, bounds) -> Raster:
    """The :class:`~.raster.Raster` an overlay spec (``[[overlays]]``) asks for.

    Parameters
    ----------
    atlas : Atlas
        The workspace, as of the recipe's date.
    spec : geoatlas.recipe.OverlaySpec
        The overlay: ``product`` (``distance`` or ``density``), ``layer``, ``where``,
        ``resolution_km`` and, for a density, ``weight`` and ``bandwidth_km``.
    bounds : sequence of float
        Lon/lat extent of the map the overlay is drawn on.

    Returns
    -------
    Raster
        The surface over ``bounds``.
    """
    if spec.product == "distance":
        return distance_surface(atlas, spec.layer, where=spec.where,
                                resolution_km=spec.resolution_km, extent=bounds)
    return density_surface(atlas, spec.layer, weight=spec.weight,
                           bandwidth_km=spec.bandwidth_km,
                           resolution_km=spec.resolution_km, extent=bounds,
                           where=spec.where)
