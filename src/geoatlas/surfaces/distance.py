"""Distance surfaces: km from every cell centre to the nearest feature of a layer.

The nearest point is found in the projected grid (see :mod:`.grid`), and the distance to
it is then measured on the WGS84 ellipsoid (pyproj ``Geod``), so values are geodesic.

Examples
--------
>>> import geoatlas
>>> atlas = geoatlas.open()
>>> surface = distance_surface(atlas, "rail", where="status == 'operating'",
...                            resolution_km=100)
>>> surface.units, surface.tags["product"], surface.tags["where"]
(('km',), 'distance', "status == 'operating'")
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from pyproj import CRS

from ..geometry import GEOD, WGS84, conformal_crs_for, transformer
from .grid import Grid, default_extent, lonlat_bounds, make_grid, select_features
from .raster import NODATA, Raster

__all__ = ["PLANAR_SLACK", "distance_surface"]


PLANAR_SLACK = 1.1
"""Features up to 10 % farther in the plane than the nearest are checked geodesically."""


def distance_surface(
    atlas,
    layer: str,
    where: str | None = None,
    resolution_km: float = 5.0,
    extent: Sequence[float] | None = None,
    crs: CRS | None = None,
) -> Raster:
    """Distance in km from every cell centre to the nearest feature of ``layer``.

    Parameters
    ----------
    atlas : Atlas
        The workspace (use ``atlas.as_of(date)`` for a past network).
    layer : str
        Layer to measure to (e.g. ``"rail"``, ``"corridors"``).
    where : str, optional
        A :mod:`geoatlas.where` expression selecting features, e.g. ``"status == 'operating'"``.
    resolution_km : float
        Cell size in km.
    extent : sequence of float, optional
        ``(min_lon, min_lat, max_lon, max_lat)`` (default: the workspace's features).
    crs : pyproj.CRS, optional
        Grid CRS (default: a Lambert conformal conic fitted to the extent).

    Returns
    -------
    Raster
        One float32 band in km; nodata :data:`~geoatlas.surfaces.raster.NODATA` (no cell
        is nodata today).
    """
    frame = select_features(atlas, layer, where)
    ext = lonlat_bounds(extent) if extent is not None else default_extent(atlas)
    crs = crs or conformal_crs_for(ext)
    bounds = transformer(WGS84, crs).transform_bounds(*ext, densify_pts=101)
    grid = make_grid(bounds, crs, resolution_km)
    out = _nearest_km_grid(grid, frame.geometry.to_crs(crs).to_numpy())
    sel = f" where {where}" if where else ""
    desc = f"geodesic distance to the nearest {layer} feature{sel} (km)"
    tags = {
        "product": "distance",
        "layer": layer,
        "where": where or "",
        "features": str(len(frame)),
        "resolution_km": f"{resolution_km:g}",
        "extent_lonlat": ",".join(f"{v:g}" for v in ext),
        "method": "nearest point found in the grid CRS, distance to it on the WGS84 "
                  "ellipsoid (pyproj Geod)",
        "as_of": atlas.as_of_date.isoformat() if atlas.as_of_date else "latest",
    }
    return Raster(out[None], grid.transform, crs, NODATA, (desc,), ("km",), tags)


def _nearest_km_grid(grid: Grid, targets: np.ndarray) -> np.ndarray:
    """Geodesic km from every cell centre of ``grid`` to the nearest of ``targets``.

    ``targets`` are geometries in the grid's CRS; cells are measured a band of rows at a
    time (about 250 000 cells), so memory stays bounded on a fine grid.
    """
    tree = shapely.STRtree(targets)
    xs, ys = grid.centres()
    to_ll = transformer(grid.crs, WGS84)
    out = np.empty((grid.height, grid.width), dtype=np.float32)
    rows_per_chunk = max(1, 250_000 // grid.width)
    for r0 in range(0, grid.height, rows_per_chunk):
        r1 = min(grid.height, r0 + rows_per_chunk)
        gx, gy = np.meshgrid(xs, ys[r0:r1])
        cells = shapely.points(gx.ravel(), gy.ravel())
        out[r0:r1] = _geodesic_nearest_km(cells, targets, tree, to_ll).reshape(
            r1 - r0, grid.width)
    return out


def _geodesic_nearest_km(cells, targets, tree, to_ll) -> np.ndarray:
    """Geodesic km from each cell to the nearest of ``targets`` (all in a projected CRS).

    Every feature whose planar distance is within :data:`PLANAR_SLACK` of the planar
    nearest is a candidate (map scale varies across the grid, so the planar nearest may
    not be the geodesic nearest); the nearest point on each candidate is found in the
    plane, and the distance to it measured on the ellipsoid. The minimum over
    candidates is taken, so removing features never makes a cell closer.
    """
    _, nearest = tree.query_nearest(cells, return_distance=True, all_matches=False)
    reach = nearest * PLANAR_SLACK + 1.0
    cell_i, feat_j = tree.query(cells, predicate="dwithin", distance=reach)
    lon1, lat1 = to_ll.transform(*shapely.get_coordinates(cells).T)
    near = shapely.get_coordinates(shapely.shortest_line(cells[cell_i], targets[feat_j]))
    near = near.reshape(-1, 2, 2)[:, 1]
    lon2, lat2 = to_ll.transform(near[:, 0], near[:, 1])
    _, _, metres = GEOD.inv(lon1[cell_i], lat1[cell_i], lon2, lat2)
    best = np.full(len(cells), np.inf)
    np.minimum.at(best, cell_i, np.asarray(metres, dtype=float))
    return best / 1000.0
