"""The map frame shared by every print renderer: extent, projection, page, basemap.

One place decides where a map is and how it sits on the page, so the static map
(:mod:`geoatlas.render.static`), the QGIS print layout and the georeferenced map image
agree: :func:`map_frame` (the recipe's extent in its projected CRS),
:func:`page_layout` (A4 landscape: map box, legend panel, the view grown to fill the
box), :func:`north_variation` (how far true north turns across the view),
:func:`focus_countries` and :func:`labelled_countries`; the projection is described
in words by :func:`geoatlas.geometry.describe_crs`.

Examples
--------
>>> import geoatlas
>>> from geoatlas.recipe import load_recipe
>>> from geoatlas.render.prepare import prepare
>>> atlas = geoatlas.open()
>>> recipe = load_recipe(atlas, "afghanistan-minerals")
>>> frame = map_frame(prepare(atlas, recipe), recipe)
>>> from geoatlas.geometry import describe_crs
>>> describe_crs(frame.crs)
'Lambert conformal conic (standard parallels 30.85°N and 37.05°N, central meridian 67.8°E, WGS84)'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pyproj import CRS

from ..formats import A4_LANDSCAPE_IN
from ..geometry import GEOD, WGS84, conformal_crs_for, transformer
from .prepare import PreparedLayer
from .prepare import extent as recipe_extent

__all__ = [
    "CORNERS",
    "FURNITURE_STRIP",
    "PAGE_IN",
    "Corners",
    "MapFrame",
    "PageLayout",
    "basemap_covers",
    "corner_count",
    "expand",
    "focus_countries",
    "furniture_corners",
    "in_view",
    "labelled_countries",
    "map_crs",
    "map_frame",
    "north_direction",
    "north_variation",
    "page_layout",
    "scale_factor",
]

PAGE_IN = A4_LANDSCAPE_IN
"""A4 landscape in inches: the page of every print map (static and QGIS layout)."""
NORTH_TOLERANCE_DEG = 3.0
"""Above this turn of true north across the view, a graticule replaces the north arrow."""


@dataclass(frozen=True)
class MapFrame:
    """Where a map is: its CRS, its lon/lat extent and that extent's projected bounds.

    Attributes
    ----------
    crs : pyproj.CRS
        The projected CRS the map is drawn in.
    extent : tuple of float
        ``(min_lon, min_lat, max_lon, max_lat)``.
    bounds : tuple of float
        The extent's bounds in ``crs`` (metres): ``(xmin, ymin, xmax, ymax)``.
    """

    crs: CRS
    extent: tuple[float, float, float, float]
    bounds: tuple[float, float, float, float]

    @property
    def centre(self) -> tuple[float, float]:
        """The lon/lat of the centre of the projected bounds."""
        xmin, ymin, xmax, ymax = self.bounds
        t = transformer(self.crs, WGS84)
        lon, lat = t.transform((xmin + xmax) / 2, (ymin + ymax) / 2)
        return float(lon), float(lat)

    @property
    def aspect(self) -> float:
        """Width over height of the projected bounds."""
        xmin, ymin, xmax, ymax = self.bounds
        return (xmax - xmin) / (ymax - ymin)


def map_crs(recipe, extent: Sequence[float]) -> CRS:
    """The CRS a recipe's static map is drawn in.

    Parameters
    ----------
    recipe : Recipe
        Its ``static.crs`` EPSG code wins when set.
    extent : sequence of float
        Lon/lat bounds; the default Lambert conformal conic is fitted to them.

    Returns
    -------
    pyproj.CRS
        A projected CRS (geographic EPSG codes are refused).
    """
    code = getattr(recipe.static, "crs", None)
    if code:
        crs = CRS.from_user_input(int(code) if str(code).isdigit() else code)
        if not crs.is_projected:
            from ..errors import RecipeError

            raise RecipeError(f"{recipe.name}: [static] crs {code} is not a projected CRS; "
                              "static maps are never drawn in degrees")
        return crs
    return conformal_crs_for(extent)


def map_frame(layers: Sequence[PreparedLayer], recipe) -> MapFrame:
    """The :class:`MapFrame` of a recipe: its extent projected into its CRS.

    Parameters
    ----------
    layers : sequence of PreparedLayer
        The prepared layers (used when the recipe's extent is ``"fit"``).
    recipe : Recipe
        The recipe.

    Returns
    -------
    MapFrame
        CRS, lon/lat extent and projected bounds (the extent's densified outline).
    """
    ext = tuple(float(v) for v in recipe_extent(list(layers), recipe))
    crs = map_crs(recipe, ext)
    bounds = transformer(WGS84, crs).transform_bounds(*ext, densify_pts=101)
    return MapFrame(crs, ext, tuple(float(b) for b in bounds))


def scale_factor(frame: MapFrame) -> float:
    """Ground km per projected km along the x axis at the map centre.

    Measured geodesically over a 10 km east-west segment through the centre, so it is
    right for any CRS, conformal or not.
    """
    xmin, ymin, xmax, ymax = frame.bounds
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    half = 5000.0
    lons, lats = transformer(frame.crs, WGS84).transform([cx - half, cx + half], [cy, cy])
    _, _, metres = GEOD.inv(lons[0], lats[0], lons[1], lats[1])
    return float(metres) / (2 * half)


def north_direction(frame: MapFrame) -> tuple[float, float]:
    """Unit vector (dx, dy) in map coordinates pointing to true north at the map centre."""
    lon, lat = frame.centre
    t = transformer(WGS84, frame.crs)
    x0, y0 = t.transform(lon, lat)
    x1, y1 = t.transform(lon, min(lat + 0.05, 89.9))
    dx, dy = x1 - x0, y1 - y0
    norm = math.hypot(dx, dy)
    return dx / norm, dy / norm


def expand(frame: MapFrame, aspect: float) -> MapFrame:
    """The frame with its bounds grown about the centre to width/height ``aspect``.

    The recipe's extent stays fully visible; the page's map box is filled with context.
    """
    xmin, ymin, xmax, ymax = frame.bounds
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    w, h = xmax - xmin, ymax - ymin
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return MapFrame(frame.crs, frame.extent, (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))




def north_variation(frame: MapFrame, n: int = 9) -> float:
    """The largest angle (degrees) between true north anywhere in the view and at its centre.

    Sampled on an ``n`` x ``n`` grid over the projected bounds. In a conic projection
    north turns with longitude; a north arrow is only honest when this is small.

    Parameters
    ----------
    frame : MapFrame
        The view.
    n : int
        Samples per side.

    Returns
    -------
    float
        Degrees.
    """
    xmin, ymin, xmax, ymax = frame.bounds
    xs, ys = np.meshgrid(np.linspace(xmin, xmax, n), np.linspace(ymin, ymax, n))
    lon, lat = transformer(frame.crs, WGS84).transform(xs.ravel(), ys.ravel())
    fwd = transformer(WGS84, frame.crs)
    x0, y0 = fwd.transform(lon, lat)
    x1, y1 = fwd.transform(lon, np.minimum(np.asarray(lat) + 0.05, 89.9))
    angles = np.degrees(np.arctan2(np.asarray(x1) - x0, np.asarray(y1) - y0))
    ux, uy = north_direction(frame)
    centre = math.degrees(math.atan2(ux, uy))
    diff = (angles - centre + 180) % 360 - 180
    ok = np.isfinite(diff)
    return float(np.abs(diff[ok]).max()) if ok.any() else 0.0


@dataclass(frozen=True)
class PageLayout:
    """Where the parts of a print map sit on the page, in inches from the lower left.

    Attributes
    ----------
    size : tuple of float
        Page width and height.
    map_box : tuple of float
        ``(left, bottom, width, height)`` of the map.
    panel_box : tuple of float
        ``(left, bottom, width, height)`` of the legend panel.
    view : MapFrame
        The frame grown about its centre to the map box's shape (the recipe's extent
        stays wholly visible; the rest of the box shows context).
    """

    size: tuple[float, float]
    map_box: tuple[float, float, float, float]
    panel_box: tuple[float, float, float, float]
    view: MapFrame


MARGIN_IN = 0.32
PANEL_IN = 3.05
GAP_IN = 0.22
TOP_IN = 0.95
BOTTOM_IN = 0.66
"""Height of the band under the map: graticule labels and a three-line attribution."""


def page_layout(frame: MapFrame, size: Sequence[float] | None = None) -> PageLayout:
    """The page plan of a print map: title band, map, legend panel, attribution band.

    Parameters
    ----------
    frame : MapFrame
        The recipe's frame (from :func:`map_frame`).
    size : sequence of float, optional
        Page size in inches (default :data:`PAGE_IN`, the recipe's ``[static] size``).

    Returns
    -------
    PageLayout
    """
    w, h = (float(v) for v in (size or PAGE_IN))
    avail_w = w - 2 * MARGIN_IN - PANEL_IN - GAP_IN
    avail_h = h - TOP_IN - BOTTOM_IN
    map_box = (MARGIN_IN + 0.12, BOTTOM_IN, avail_w - 0.12, avail_h)
    panel_x = MARGIN_IN + avail_w + GAP_IN
    panel_box = (panel_x, BOTTOM_IN, w - MARGIN_IN - panel_x, avail_h)
    return PageLayout((w, h), map_box, panel_box, expand(frame, map_box[2] / map_box[3]))


def view_ring_lonlat(frame: MapFrame, n: int = 40) -> np.ndarray:
    """The outline of the map's projected bounds, densified, in lon/lat."""
    xmin, ymin, xmax, ymax = frame.bounds
    xs, ys = np.linspace(xmin, xmax, n), np.linspace(ymin, ymax, n)
    ring = np.concatenate([
        np.column_stack([xs, np.full(n, ymin)]),
        np.column_stack([np.full(n, xmax), ys]),
        np.column_stack([xs[::-1], np.full(n, ymax)]),
        np.column_stack([np.full(n, xmin), ys[::-1]]),
    ])
    lon, lat = transformer(frame.crs, WGS84).transform(ring[:, 0], ring[:, 1])
    return np.column_stack([lon, lat])


def in_view(layers: Sequence[PreparedLayer], frame: MapFrame) -> list[PreparedLayer]:
    """The layers as seen in the view: only features that reach into it, legend rebuilt.

    A printed legend explains what is on the page. The style spec builds it from the
    features it is given, so a category (a commodity, a status) whose features all lie
    outside the view drops out, as does a layer with nothing in view.

    Parameters
    ----------
    layers : sequence of PreparedLayer
        Prepared layers (lon/lat).
    frame : MapFrame
        The view (use :attr:`PageLayout.view`, which is what is drawn).

    Returns
    -------
    list of PreparedLayer
        The layers with a feature in view, each with only those features, their
        symbols and the legend the style spec gives for them.

    Examples
    --------
    >>> import geoatlas
    >>> from geoatlas.recipe import load_recipe
    >>> from geoatlas.render.prepare import prepare
    >>> atlas = geoatlas.open()
    >>> recipe = load_recipe(atlas, "afghanistan-minerals")
    >>> layers = prepare(atlas, recipe)
    >>> view = page_layout(map_frame(layers, recipe)).view
    >>> deposits = in_view(layers, view)[-1]
    >>> len(deposits.frame) < len(layers[-1].frame)  # those beyond the page are left out
    True
    >>> "zinc" in [e.label for e in deposits.legend]  # Duddar (Pakistan) is off the page
    False
    """
    from shapely import Polygon, intersects

    area = Polygon(view_ring_lonlat(frame))
    out = []
    for p in layers:
        keep = np.asarray(intersects(p.frame.geometry.values, area), dtype=bool)
        if not keep.any():
            continue
        sub = p.frame[keep]
        out.append(PreparedLayer(p.spec, sub, [s for s, k in zip(p.symbols, keep) if k],
                                 p.spec.style.legend(sub)))
    return out


def basemap_covers(countries, frame: MapFrame, margin_deg: float = 2.0) -> bool:
    """Whether the basemap reaches past every edge of the view by ``margin_deg``.

    A basemap clipped to a box shows its cut as a straight land/sea edge wherever the
    view reaches beyond it; this is the check that the view never does.

    Parameters
    ----------
    countries : geopandas.GeoDataFrame
        The basemap's countries (EPSG:4326).
    frame : MapFrame
        The view (use :attr:`PageLayout.view`, which is what is drawn).
    margin_deg : float
        Degrees of basemap required beyond the view on every side.

    Returns
    -------
    bool
    """
    ring = view_ring_lonlat(frame)
    bminx, bminy, bmaxx, bmaxy = (float(v) for v in countries.total_bounds)
    lon, lat = ring[:, 0], ring[:, 1]
    return bool(lon.min() - margin_deg >= bminx and lon.max() + margin_deg <= bmaxx
                and lat.min() - margin_deg >= max(bminy, -90.0)
                and lat.max() + margin_deg <= min(bmaxy, 90.0)) or bool(
        bminx <= -179.9 and bmaxx >= 179.9 and bminy <= -84 and bmaxy >= 83)


def labelled_countries(countries) -> np.ndarray:
    """Which basemap rows are labelled as countries: not disputed or special areas.

    A row is a country when the basemap says so (a boolean ``is_country`` or
    ``sovereign`` column), else when it has an ISO 3166 alpha-2 code: Natural Earth's
    Siachen Glacier, Baykonur Cosmodrome, the sovereign base areas and Northern Cyprus
    have none, and are drawn but not named.

    Returns
    -------
    numpy.ndarray
        A boolean mask over the rows.
    """
    for col in ("is_country", "sovereign"):
        if col in countries:
            return countries[col].fillna(False).astype(bool).to_numpy()
    if "iso_a2" in countries:
        codes = countries["iso_a2"].astype("string").str.strip()
        return (codes.notna() & codes.str.fullmatch(r"[A-Z]{2}").fillna(False)).to_numpy()
    return np.ones(len(countries), dtype=bool)


def focus_countries(countries, shown: Sequence[PreparedLayer], share: float = 0.2
                    ) -> set[str]:
    """The countries a map is about: those holding at least ``share`` of its features.

    Features of the thematic layers shown (not the basemap's own layers) count by their
    representative point. The focus countries get the ``focus`` fill of
    :data:`geoatlas.style.BASEMAP`, all others ``neighbour``.

    Returns
    -------
    set of str
        Index labels (ISO3 codes) of ``countries``.
    """
    import shapely

    pts = [shapely.point_on_surface(p.frame.geometry.dropna().to_numpy()) for p in shown
           if p.name not in ("countries", "provinces") and len(p.frame)]
    if not pts:
        return set()
    pts = np.concatenate(pts)
    tree = shapely.STRtree(countries.geometry.to_numpy())
    hits = tree.query(pts, predicate="within")  # (point, country) pairs
    counts = np.bincount(hits[1], minlength=len(countries))
    keep = counts >= max(1, share * len(pts))
    return {str(i) for i in countries.index[keep]}


# -- where the furniture goes --------------------------------------------------------------
CORNERS = ("lower left", "lower right", "upper left", "upper right")
"""The map's corners, in the order they are ranked when they tie."""
FURNITURE_STRIP = (0.3, 0.12)
"""Width and height, as fractions of the map, of the strip a scale bar or north takes."""


@dataclass(frozen=True)
class Corners:
    """Where a print map's furniture goes: each in a corner, the inset in the quietest.

    ``north_stacks``: the north corner holds data and the scale bar's does not, so a
    north note is better stacked on the scale bar than laid over the data.
    """

    inset: str
    scale: str
    north: str
    north_stacks: bool


def corner_count(bounds, xy: np.ndarray, corner: str, fw: float, fh: float) -> int:
    """How many of the points ``xy`` lie in a box of ``fw`` x ``fh`` of ``bounds`` at ``corner``.

    >>> xy = np.array([[1.0, 1.0], [9.0, 9.0], [9.5, 9.5]])
    >>> [corner_count((0, 0, 10, 10), xy, c, 0.3, 0.3) for c in CORNERS]
    [1, 0, 0, 2]
    """
    xmin, ymin, xmax, ymax = bounds
    w, h = xmax - xmin, ymax - ymin
    x0 = xmin if "left" in corner else xmax - w * fw
    y0 = ymin if "lower" in corner else ymax - h * fh
    return int(((xy[:, 0] >= x0) & (xy[:, 0] <= x0 + w * fw)
                & (xy[:, 1] >= y0) & (xy[:, 1] <= y0 + h * fh)).sum())


def furniture_corners(bounds, xy: np.ndarray, inset: tuple[float, float]) -> Corners:
    """The corners of the inset, the scale bar and north, each covering the least data.

    The inset (``inset``: its width and height as fractions of the map) takes the
    corner whose box holds the fewest of the data points ``xy`` (projected vertices);
    the scale bar the remaining corner whose :data:`FURNITURE_STRIP` holds the fewest
    (lower corners first on a tie), north the next (the upper right first on a tie).
    The static map and the QGIS print layout both place their furniture by it.

    >>> xy = np.array([[1.0, 1.0], [9.5, 9.5]])  # data in the lower left and upper right
    >>> furniture_corners((0, 0, 10, 10), xy, (0.3, 0.3))
    Corners(inset='lower right', scale='upper left', north='upper right', north_stacks=True)
    """
    def ranked(fw, fh, first=CORNERS):
        return sorted(first, key=lambda c: (corner_count(bounds, xy, c, fw, fh),
                                            first.index(c)))

    inset_corner = ranked(*inset)[0]
    rest = [c for c in ranked(*FURNITURE_STRIP) if c != inset_corner]
    scale = rest[0]
    north = ranked(*FURNITURE_STRIP, first=("upper right", "upper left", "lower right",
                                             "lower left"))
    north = next(c for c in north if c not in (inset_corner, scale))
    clear = [corner_count(bounds, xy, c, *FURNITURE_STRIP) == 0 for c in (scale, north)]
    return Corners(inset_corner, scale, north, north_stacks=clear[0] and not clear[1])
