"""Raster products as GeoTIFFs: distance surfaces, kernel densities, the map as an image.

Every product is a :class:`Raster` (array, affine transform, CRS, nodata, band
descriptions) that :meth:`Raster.write` saves as a tiled, deflate-compressed GeoTIFF,
atomically (a temporary file in the same folder, then a rename).

Grids live in a projected CRS fitted to their extent (a Lambert conformal conic, the
same choice as the static map), with square cells of ``resolution_km``:

- :func:`distance_surface`: km from each cell centre to the nearest feature of a layer.
  The nearest point is found in the projected grid, and the distance to it is then
  measured on the WGS84 ellipsoid (pyproj ``Geod``), so values are geodesic.
- :func:`density_surface`: a Gaussian kernel density in features (or weight) per km².
  Each feature's kernel is integrated exactly over each cell (error functions), so the
  surface sums to the number or total weight of the features, less the tails that fall
  outside the grid (none with the default extent, which pads by four bandwidths).
- :func:`map_geotiff`: the static map body as an RGBA image whose bounds are exactly the
  map's extent in its CRS, so it drops into QGIS in the right place.

rasterio and matplotlib are imported only inside functions.

Examples
--------
>>> import geoatlas
>>> atlas = geoatlas.open()                                        # doctest: +SKIP
>>> surface = distance_surface(atlas, "rail", where="status == 'operating'")  # doctest: +SKIP
>>> surface.write("out/distance-to-rail.tif")                      # doctest: +SKIP
PosixPath('out/distance-to-rail.tif')
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS

from ..errors import OutputError, QueryError
from ..geometry import GEOD, WGS84, conformal_crs_for, transformer

NODATA = -9999.0
"""Nodata value of the float products."""
MAX_CELLS = 25_000_000
DEFAULT_LAYERS = ("places", "deposits", "belts", "rail", "corridors")
PLANAR_SLACK = 1.1
"""Features up to 10 % farther in the plane than the nearest are checked geodesically."""


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
        import rasterio
        import rasterio.shutil
        from rasterio.enums import ColorInterp
        from rasterio.io import MemoryFile

        path = Path(path)
        if path.exists() and not overwrite:
            raise OutputError(f"{path} exists; use --overwrite to replace it")
        folder = path.parent if str(path.parent) else Path(".")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create folder {folder}: {exc}") from exc
        bands, rows, cols = self.data.shape
        profile = {
            "driver": "GTiff",
            "width": cols,
            "height": rows,
            "count": bands,
            "dtype": self.data.dtype.name,
            "crs": rasterio.crs.CRS.from_wkt(self.crs.to_wkt()),
            "transform": self.transform,
            "nodata": self.nodata,
            "tiled": True,
            "blockxsize": 256,
            "blockysize": 256,
            "interleave": "pixel" if self.rgba else "band",
        }
        if self.rgba:
            profile["photometric"] = "RGB"
            profile["alpha"] = "YES"
        cog = {
            "driver": "COG",
            "compress": "DEFLATE",
            "level": 6,
            "predictor": "YES",
            "blocksize": 256,
            "overviews": "AUTO",
            "overview_resampling": "AVERAGE",
            "bigtiff": "IF_SAFER",
        }
        mode = file_mode()
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        os.close(fd)
        try:
            with MemoryFile() as mem:
                with mem.open(**profile) as src:
                    src.write(self.data)
                    for i, desc in enumerate(self.descriptions, start=1):
                        src.set_band_description(i, desc)
                    for i, unit in enumerate(self.units, start=1):
                        if unit:
                            src.set_band_unit(i, unit)
                    if self.rgba:
                        src.colorinterp = [ColorInterp.red, ColorInterp.green,
                                           ColorInterp.blue, ColorInterp.alpha]
                    src.update_tags(**{k: str(v) for k, v in sorted(self.tags.items())})
                with mem.open() as src:
                    rasterio.shutil.copy(src, tmp, **cog)
            os.chmod(tmp, mode)
            if style and not self.rgba:
                _write_text(path.with_suffix(".qml"), raster_qml(self), mode)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path


def file_mode() -> int:
    """The mode a new file gets under the current umask (0644 under umask 022).

    >>> old = os.umask(0o022); mode = file_mode(); _ = os.umask(old); oct(mode)
    '0o644'
    """
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _write_text(path: Path, text: str, mode: int) -> None:
    """Write ``text`` to ``path`` atomically (temporary file, chmod, rename)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ramp_stops(raster: Raster) -> list[tuple[float, str]]:
    """``(value, #rrggbb)`` stops of a product's colour ramp over its valid values.

    The ramp is the style spec's :data:`~geoatlas.style.RASTER_RAMPS` entry for the
    product (``distance``, ``density``; others use ``distance``), stretched from 0 to the
    98th percentile of the valid values, as the web overlay and the QGIS project do.

    Examples
    --------
    >>> from affine import Affine
    >>> r = Raster(np.array([[[0.0, 400.0]]], dtype="float32"), Affine.identity(),
    ...            CRS.from_epsg(3857), NODATA, ("km",), tags={"product": "distance"})
    >>> ramp_stops(r)[0], ramp_stops(r)[-1]
    ((0.0, '#fde725'), (392.0, '#440154'))
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


# -- grids -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Grid:
    """A north-up grid of square cells in a projected CRS.

    Attributes
    ----------
    crs : pyproj.CRS
        The grid's CRS.
    transform : affine.Affine
        Upper-left origin, cell size ``res`` metres.
    width, height : int
        Columns and rows.
    res : float
        Cell size in metres.
    """

    crs: CRS
    transform: object
    width: int
    height: int
    res: float

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Projected x (per column) and y (per row) of the cell centres."""
        t = self.transform
        xs = t.c + self.res * (np.arange(self.width) + 0.5)
        ys = t.f - self.res * (np.arange(self.height) + 0.5)
        return xs, ys

    def edges(self) -> tuple[np.ndarray, np.ndarray]:
        """Projected x edges (west to east) and y edges (north to south)."""
        t = self.transform
        return (t.c + self.res * np.arange(self.width + 1),
                t.f - self.res * np.arange(self.height + 1))


def make_grid(bounds: Sequence[float], crs: CRS, resolution_km: float) -> Grid:
    """A grid covering projected ``bounds``, snapped outwards to whole cells.

    Parameters
    ----------
    bounds : sequence of float
        ``(xmin, ymin, xmax, ymax)`` in ``crs`` metres.
    crs : pyproj.CRS
        The projected CRS.
    resolution_km : float
        Cell size in km.

    Returns
    -------
    Grid
        The grid; raises :class:`QueryError` when it would be unreasonably large.
    """
    from affine import Affine

    if not resolution_km or resolution_km <= 0:
        raise QueryError(f"resolution must be a positive number of km, not {resolution_km}")
    res = float(resolution_km) * 1000.0
    xmin, ymin, xmax, ymax = bounds
    x0, y0 = math.floor(xmin / res) * res, math.floor(ymin / res) * res
    x1, y1 = math.ceil(xmax / res) * res, math.ceil(ymax / res) * res
    width, height = max(1, round((x1 - x0) / res)), max(1, round((y1 - y0) / res))
    if width * height > MAX_CELLS:
        raise QueryError(f"a {width} x {height} grid at {resolution_km:g} km is too large; "
                         "choose a coarser --resolution-km or a smaller extent")
    return Grid(crs, Affine(res, 0.0, x0, 0.0, -res, y1), width, height, res)


def default_extent(atlas, layers: Sequence[str] = DEFAULT_LAYERS,
                   pad: float = 0.05) -> tuple[float, float, float, float]:
    """Lon/lat bounds of the workspace's own layers (not the basemap), padded.

    Parameters
    ----------
    atlas : Atlas
        The workspace.
    layers : sequence of str
        Layers whose features count.
    pad : float
        Fraction of the width/height added on each side.

    Returns
    -------
    tuple of float
        ``(min_lon, min_lat, max_lon, max_lat)``.
    """
    boxes = [atlas[n].total_bounds for n in layers
             if n in atlas.layers and len(atlas[n]) and atlas[n].geometry.notna().any()]
    if not boxes:
        raise QueryError("the workspace has no features to take an extent from; pass an extent")
    b = np.array(boxes)
    minx, miny = np.nanmin(b[:, 0]), np.nanmin(b[:, 1])
    maxx, maxy = np.nanmax(b[:, 2]), np.nanmax(b[:, 3])
    dx, dy = (maxx - minx) * pad, (maxy - miny) * pad
    return float(minx - dx), float(miny - dy), float(maxx + dx), float(maxy + dy)


def map_extent(atlas, recipe_name) -> tuple[tuple[float, float, float, float], CRS]:
    """The lon/lat extent and CRS of a recipe's static map, to grid a product like it.

    Parameters
    ----------
    atlas : Atlas
        The workspace.
    recipe_name : str or Recipe
        The recipe.

    Returns
    -------
    extent : tuple of float
        ``(min_lon, min_lat, max_lon, max_lat)``.
    crs : pyproj.CRS
        The map's projected CRS.
    """
    from ..recipe import load_recipe
    from .prepare import prepare
    from .static import map_frame

    recipe = load_recipe(atlas, recipe_name) if isinstance(recipe_name, str) else recipe_name
    frame = map_frame(prepare(atlas, recipe), recipe)
    return frame.extent, frame.crs


def _select(atlas, layer: str, where: str | None):
    if layer not in atlas.layers:
        raise QueryError(f"unknown layer '{layer}'; layers: {', '.join(atlas.layers)}")
    from ..where import select, vocabulary  # one parser: errors point at the column

    frame = select(atlas[layer], where, "where", vocab=vocabulary(layer))
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if frame.empty:
        sel = f" where {where}" if where else ""
        raise QueryError(f"no {layer} features{sel}; nothing to measure from")
    return frame


def _lonlat_bounds(extent) -> tuple[float, float, float, float]:
    ext = tuple(float(v) for v in extent)
    if len(ext) != 4 or not (ext[0] < ext[2] and ext[1] < ext[3]):
        raise QueryError(f"extent must be (min_lon, min_lat, max_lon, max_lat), not {extent}")
    return ext  # type: ignore[return-value]


# -- distance ----------------------------------------------------------------------------
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
        One float32 band in km; nodata :data:`NODATA` (no cell is nodata today).
    """
    frame = _select(atlas, layer, where)
    ext = _lonlat_bounds(extent) if extent is not None else default_extent(atlas)
    crs = crs or conformal_crs_for(ext)
    bounds = transformer(WGS84, crs).transform_bounds(*ext, densify_pts=101)
    grid = make_grid(bounds, crs, resolution_km)
    targets = frame.geometry.to_crs(crs).to_numpy()
    tree = shapely.STRtree(targets)
    xs, ys = grid.centres()
    to_ll = transformer(crs, WGS84)
    out = np.empty((grid.height, grid.width), dtype=np.float32)
    rows_per_chunk = max(1, 250_000 // grid.width)
    for r0 in range(0, grid.height, rows_per_chunk):
        r1 = min(grid.height, r0 + rows_per_chunk)
        gx, gy = np.meshgrid(xs, ys[r0:r1])
        cells = shapely.points(gx.ravel(), gy.ravel())
        out[r0:r1] = _geodesic_nearest_km(cells, targets, tree, to_ll).reshape(
            r1 - r0, grid.width)
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


# -- density -----------------------------------------------------------------------------
_ERF = np.frompyfunc(math.erf, 1, 1)


def _phi(z: np.ndarray) -> np.ndarray:
    """Standard normal CDF (vectorised ``math.erf``; no scipy needed)."""
    return 0.5 * (1.0 + _ERF(z / math.sqrt(2.0)).astype(float))


def density_surface(
    atlas,
    layer: str = "deposits",
    weight: str | None = None,
    bandwidth_km: float = 50.0,
    resolution_km: float = 5.0,
    extent: Sequence[float] | None = None,
    where: str | None = None,
    crs: CRS | None = None,
) -> Raster:
    """Gaussian kernel density of a layer's features, per km².

    Parameters
    ----------
    atlas : Atlas
        The workspace.
    layer : str
        Layer whose features are counted (lines and polygons count at a representative
        point).
    weight : str, optional
        Numeric field to weight by (e.g. ``"contract_value_usd"``); missing values weigh 0.
    bandwidth_km : float
        Standard deviation of the Gaussian kernel, km.
    resolution_km : float
        Cell size, km.
    extent : sequence of float, optional
        Lon/lat bounds (default: the features' bounds padded by four bandwidths, so no
        kernel mass is lost).
    where : str, optional
        A :mod:`geoatlas.where` expression selecting features.
    crs : pyproj.CRS, optional
        Grid CRS (default: a Lambert conformal conic fitted to the extent).

    Returns
    -------
    Raster
        One float32 band; ``sum(values) * cell_area_km2`` equals the count (or the total
        weight) of the features.
    """
    if not bandwidth_km or bandwidth_km <= 0:
        raise QueryError(f"bandwidth must be a positive number of km, not {bandwidth_km}")
    frame = _select(atlas, layer, where)
    if weight is None:
        w = np.ones(len(frame))
    else:
        if weight not in frame:
            fields = ", ".join(c for c in frame.columns if c != "geometry")
            raise QueryError(f"unknown field '{weight}' on {layer}; fields: {fields}")
        try:
            w = frame[weight].astype(float).fillna(0.0).to_numpy()
        except (TypeError, ValueError):
            raise QueryError(f"field '{weight}' of {layer} is not numeric") from None
        if (w < 0).any():
            raise QueryError(f"field '{weight}' of {layer} has negative values")
    pts = frame.geometry.representative_point()
    sigma = bandwidth_km * 1000.0
    if extent is not None:
        ext = _lonlat_bounds(extent)
        crs = crs or conformal_crs_for(ext)
        bounds = transformer(WGS84, crs).transform_bounds(*ext, densify_pts=101)
    else:
        b = pts.total_bounds
        crs = crs or conformal_crs_for(b if b[2] > b[0] and b[3] > b[1] else
                                       (b[0] - 1, b[1] - 1, b[2] + 1, b[3] + 1))
        xy = shapely.get_coordinates(pts.to_crs(crs).to_numpy())
        pad = 4 * sigma
        bounds = (xy[:, 0].min() - pad, xy[:, 1].min() - pad,
                  xy[:, 0].max() + pad, xy[:, 1].max() + pad)
        ext = tuple(float(v) for v in transformer(crs, WGS84).transform_bounds(*bounds))
    xy = shapely.get_coordinates(pts.to_crs(crs).to_numpy())
    grid = make_grid(bounds, crs, resolution_km)
    xe, ye = grid.edges()
    cx = _phi((xe[None, :] - xy[:, :1]) / sigma)  # (n, W+1)
    cy = _phi((ye[None, :] - xy[:, 1:2]) / sigma)  # (n, H+1), north to south: decreasing
    mass_x = np.diff(cx, axis=1)  # (n, W)
    mass_y = -np.diff(cy, axis=1)  # (n, H)
    cell_km2 = (grid.res / 1000.0) ** 2
    dens = ((mass_y * w[:, None]).T @ mass_x) / cell_km2
    per = f"{weight.replace('_', ' ')} per km²" if weight else f"{layer} per km²"
    desc = f"kernel density of {layer} (Gaussian, bandwidth {bandwidth_km:g} km), {per}"
    tags = {
        "product": "density",
        "layer": layer,
        "where": where or "",
        "weight": weight or "",
        "features": str(len(frame)),
        "total_weight": f"{float(w.sum()):.6g}",
        "bandwidth_km": f"{bandwidth_km:g}",
        "resolution_km": f"{resolution_km:g}",
        "extent_lonlat": ",".join(f"{v:g}" for v in ext),
        "method": "Gaussian kernel integrated exactly over each cell (error function)",
        "as_of": atlas.as_of_date.isoformat() if atlas.as_of_date else "latest",
    }
    unit = f"{weight} / km2" if weight else "1 / km2"
    return Raster(dens.astype(np.float32)[None], grid.transform, crs, NODATA, (desc,),
                  (unit,), tags)


# -- the map as an image -----------------------------------------------------------------
def map_geotiff(atlas, recipe_name, dpi: int | None = None, width_in: float = 8.0) -> Raster:
    """The static map body of a recipe as a georeferenced RGBA image.

    Parameters
    ----------
    atlas : Atlas
        The workspace.
    recipe_name : str or Recipe
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

    from ..recipe import load_recipe
    from .static import map_image

    recipe = load_recipe(atlas, recipe_name) if isinstance(recipe_name, str) else recipe_name
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


def describe(raster: Raster) -> str:
    """A one-line summary: size, cell size, CRS and value range of band 1."""
    band = raster.data[0]
    valid = band[band != raster.nodata] if raster.nodata is not None else band
    _, rows, cols = raster.data.shape
    t = raster.transform
    from .static import describe_crs

    crs_text = describe_crs(raster.crs)
    rng = (f", values {float(valid.min()):.4g}..{float(valid.max()):.4g}"
           if valid.size and not raster.rgba else "")
    return f"{cols} x {rows} cells of {abs(t.a) / 1000:.3g} x {abs(t.e) / 1000:.3g} km, " \
           f"{crs_text}{rng}"

