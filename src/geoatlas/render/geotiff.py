"""A recipe's static map as a georeferenced GeoTIFF, and the map's extent to grid products on.

:func:`map_geotiff` renders the static map body of a prepared
:class:`~geoatlas.recipe.Recipe` (:func:`geoatlas.render.static.map_image`) as an RGBA
:class:`~geoatlas.surfaces.raster.Raster` whose bounds are exactly the map's extent in
its CRS, so it drops into QGIS in the right place. :func:`map_extent` gives that extent
and CRS, so a surface (:mod:`geoatlas.surfaces`) can be computed on the same frame.
Both take a Recipe, never a name: the CLI and the API resolve names
(:func:`geoatlas.recipe.load_recipe`). rasterio and matplotlib are imported only inside
functions.

Examples
--------
>>> import geoatlas
>>> from geoatlas.recipe import load_recipe
>>> atlas = geoatlas.open()
>>> extent, crs = map_extent(atlas, load_recipe(atlas, "afghanistan-minerals"))
>>> len(extent), crs.is_projected
(4, True)
"""

from __future__ import annotations

import numpy as np
from pyproj import CRS

from ..recipe import Recipe
from ..surfaces.raster import Raster

__all__ = ["map_extent", "map_geotiff"]


def map_extent(atlas, recipe: Recipe) -> tuple[tuple[float, float, float, float], CRS]:
    """The lon/lat extent and CRS of a recipe's static map, to grid a product like it.

    Parameters
    ----------
    atlas : Atlas
        The workspace.
    recipe : Recipe
        The recipe (see :func:`geoatlas.recipe.load_recipe`).

    Returns
    -------
    extent : tuple of float
        ``(min_lon, min_lat, max_lon, max_lat)``.
    crs : pyproj.CRS
        The map's projected CRS.
    """
    from .mapframe import map_frame
    from .prepare import prepare

    frame = map_frame(prepare(atlas, recipe), recipe)
    return frame.extent, frame.crs


def map_geotiff(atlas, recipe: Recipe, dpi: int | None = None, width_in: float = 8.0) -> Raster:
    """The static map body of a recipe as a georeferenced RGBA image.

    Parameters
    ----------
    atlas : Atlas
        The workspace.
    recipe : Recipe
        The recipe (its ``as_of``, extent and ``[static] crs`` apply).
    dpi : int, optional
        Pixels per inch (default: the recipe's ``[static] dpi``).
    width_in : float
        Print width in inches of the image (label and line sizes are relative to it).

    Returns
    -------
    Raster
        Four uint8 bands (red, green, blue, alpha); its bounds are the map extent
        projected into the map CRS.
    """
    from rasterio.transform import from_bounds

    from .static import map_image

    rgba, frame = map_image(atlas, recipe, dpi=dpi, width_in=width_in)
    height, width = rgba.shape[:2]
    transform = from_bounds(*frame.bounds, width, height)
    tags = {
        "product": "map",
        "recipe": recipe.name,
        "title": recipe.title,
        "extent_lonlat": ",".join(f"{v:g}" for v in frame.extent),
        "as_of": recipe.as_of.isoformat() if recipe.as_of else "latest",
    }
    data = np.ascontiguousarray(np.moveaxis(rgba, -1, 0))
    return Raster(data, transform, frame.crs, None, ("red", "green", "blue", "alpha"),
                  (), tags, rgba=True)
