"""Static maps fit to print: PNG, SVG and PDF drawn with matplotlib from the style spec.

The map is drawn in a projected CRS (the recipe's ``[static] crs`` EPSG code, else a
Lambert conformal conic fitted to the extent), never in plate carrée degrees. Every
feature is drawn with exactly the colours, widths, dashes and opacities of its
:class:`~geoatlas.style.Symbol`, and the legend is built from each layer's
:class:`~geoatlas.style.LegendEntry` list, so the print map, the web map and QGIS agree.

Around the map: title and subtitle, the legend, a scale bar in km (true at the map
centre), a north arrow (true north at the map centre), an inset locator map and an
attribution line naming the basemap and every document cited by the features shown.
Labels of the recipe's ``[static] labels`` layers go through a greedy collision pass:
a label that cannot be placed without overlapping another is dropped.

matplotlib is imported only inside the functions, so ``import geoatlas`` stays light.

Examples
--------
>>> import geoatlas
>>> from geoatlas.recipe import load_recipe
>>> atlas = geoatlas.open()                                         # doctest: +SKIP
>>> recipe = load_recipe(atlas, "afghanistan-minerals")             # doctest: +SKIP
>>> fig = figure(atlas, recipe)                                     # doctest: +SKIP
>>> [t.get_text() for t in legends(fig)["deposits"]][:2]           # doctest: +SKIP
>>> write(atlas, recipe, None, "out", formats=("png",))             # doctest: +SKIP
[PosixPath('out/afghanistan-minerals.png')]
"""

from __future__ import annotations

import logging
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS

from ..formats import A4_LANDSCAPE_IN, STATIC_FORMATS
from ..geometry import WGS84, transformer
from ..style import BASEMAP, BASEMAP_WIDTHS, LegendEntry, Symbol, short_label
from .mapframe import (
    NORTH_TOLERANCE_DEG,
    PAGE_IN,
    MapFrame,
    PageLayout,
    basemap_covers,
    describe_crs,
    fmt_lat,
    fmt_lon,
    focus_countries,
    labelled_countries,
    map_crs,
    map_frame,
    north_direction,
    north_variation,
    page_layout,
    scale_factor,
    view_ring_lonlat,
)
from .prepare import PreparedLayer, prepare

__all__ = [
    "MapFrame",
    "attribution_lines",
    "basemap_covers",
    "cited_documents",
    "cited_sources",
    "describe_crs",
    "entry_label",
    "figure",
    "legend_parts",
    "legends",
    "map_crs",
    "map_frame",
    "map_image",
    "north_direction",
    "north_variation",
    "page_layout",
    "publishers",
    "scale_factor",
    "sources_pages",
    "view_ring_lonlat",
    "write",
]

log = logging.getLogger(__name__)

PT_PER_PX = 0.75
"""Style sizes are CSS pixels (1/96 in); print uses points (1/72 in)."""
FONT = "DejaVu Sans"
"""Ships with matplotlib, so the output is the same on every machine; covers ≥, –, é."""
INK = BASEMAP["ink"]
MUTED = BASEMAP["muted"]
SEA = BASEMAP["sea"]
LAND = BASEMAP["land"]
BORDER = BASEMAP["border"]
LABEL_PT = 7.0
LEGEND_PT = 7.0
SIZE_IN = A4_LANDSCAPE_IN
ATTRIBUTION_PT = 6.3
MAX_ATTRIBUTION_LINES = 3
SOURCES_NOTE = "Full list of sources: page 2 of the PDF."
SOURCES_PT = 6.4
_CORNERS = ("lower left", "lower right", "upper left", "upper right")


# -- public entry points -------------------------------------------------------------------
def write(atlas, recipe, layers, folder, formats=None, dpi=None, **options) -> list[Path]:
    """Write ``<recipe.name>.png/.svg/.pdf`` into ``folder`` and return their paths.

    Parameters
    ----------
    atlas : Atlas
        The loaded workspace.
    recipe : Recipe or str
        The map recipe, or its name.
    layers : list of PreparedLayer or None
        From :func:`~geoatlas.render.prepare.prepare` (computed when ``None``).
    folder : str or Path
        Output folder (the build's staging folder).
    formats : sequence of str, optional
        Any of ``png``, ``svg``, ``pdf`` (default: the recipe's ``[static] formats``).
    dpi : int, optional
        PNG resolution (default: the recipe's ``[static] dpi``).
    **options
        Other renderers' options; ignored.

    Returns
    -------
    list of Path
        The files written.
    """
    import matplotlib

    recipe, layers = _resolve(atlas, recipe, layers)
    formats = tuple(formats) if formats else tuple(recipe.static.formats)
    bad = [f for f in formats if f not in STATIC_FORMATS]
    if bad:
        from ..errors import OutputError

        raise OutputError(f"unknown static format(s) {', '.join(bad)}; allowed: png, svg, pdf")
    dpi = int(dpi or recipe.static.dpi)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fig = figure(atlas, recipe, layers)
    meta = {
        "png": {"Title": recipe.title, "Software": "geoatlas (matplotlib)"},
        "svg": {"Title": recipe.title, "Date": None, "Creator": "geoatlas (matplotlib)"},
        "pdf": {"Title": recipe.title, "CreationDate": None, "ModDate": None,
                "Creator": "geoatlas (matplotlib)"},
    }
    written = []
    with matplotlib.rc_context({**_rc(), **_SAVE_RC}):
        for fmt in formats:
            path = folder / f"{recipe.name}.{fmt}"
            if fmt == "pdf":
                from matplotlib.backends.backend_pdf import PdfPages

                shown = [p for p in layers if p.spec.visible and len(p.frame)]
                with PdfPages(path, metadata=meta["pdf"]) as pdf:
                    pdf.savefig(fig, facecolor=fig.get_facecolor())
                    for page in sources_pages(atlas, recipe, shown, recipe.static.size):
                        pdf.savefig(page, facecolor="white")
            else:
                fig.savefig(path, format=fmt, dpi=dpi, metadata=meta[fmt],
                            facecolor=fig.get_facecolor())
            written.append(path)
    return written


_SAVE_RC = {
    "svg.hashsalt": "geoatlas",
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
    "pdf.compression": 6,
    "path.simplify": True,
}


def figure(atlas, recipe, layers=None):
    """The full print layout of a recipe as a matplotlib Figure (Agg canvas).

    Parameters
    ----------
    atlas : Atlas
        The loaded workspace.
    recipe : Recipe or str
        A recipe or a recipe name.
    layers : list of PreparedLayer, optional
        Prepared layers (computed when omitted).

    Returns
    -------
    matplotlib.figure.Figure
        The figure. Its axes carry labels ``"map"``, ``"inset"`` and ``"legend"``; each
        legend's gid is ``legend:<layer>:<part>``, its texts the style spec's labels.
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    recipe, layers = _resolve(atlas, recipe, layers)
    frame = map_frame(layers, recipe)
    shown = [p for p in layers if p.spec.visible and len(p.frame)]
    with matplotlib.rc_context(_rc()):
        page = page_layout(frame, recipe.static.size)
        fig = Figure(figsize=page.size, dpi=100, facecolor="white")
        FigureCanvasAgg(fig)
        layout = _Layout(fig, page, recipe, atlas, shown)
        view = page.view
        ax = layout.map_axes()
        tol = _tolerance(view, layout.map_box[2])
        variation = north_variation(view)
        _draw_basemap(ax, atlas, view, tolerance=tol, focus=_focus(atlas, shown))
        _draw_graticule(ax, view, edge_labels=True,
                        strong=variation > NORTH_TOLERANCE_DEG)
        points = _draw_layers(ax, shown, view, tolerance=tol)
        placed = [*_draw_scale_bar(ax, view, layout.scale_corner),
                  *_draw_north(ax, view, layout.north_corner, variation)]
        _draw_inset(layout.inset_axes(), atlas, view)
        renderer = fig.canvas.get_renderer()
        blockers = [b for b in placed] + [layout.inset_bbox_display()]
        n, dropped = _label_and_mark_places(ax, atlas, recipe, layers, view, points, blockers,
                                            renderer)
        log.info("%s: %d labels placed, %d dropped to avoid overlaps", recipe.name, n, dropped)
        layout.title()
        layout.legends(shown)
        layout.attribution()
    return literal_text(fig)


def literal_text(fig):
    """Switch math text off on every text of ``fig``: data is drawn as written.

    matplotlib parses ``$...$`` as TeX math by default, which mangles "$3 bn vs $3.5 bn"
    and crashes on unbalanced input; the rc setting of :func:`_rc` covers texts made
    inside it, and this pass covers every other (legend titles, halos, ticks).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig``.
    """
    from matplotlib.text import Text

    for t in fig.findobj(Text):
        t.set_parse_math(False)
        t.set_usetex(False)
    return fig


def _label_and_mark_places(ax, atlas, recipe, layers, view, points, blockers, renderer):
    """Place every label, then mark the capitals and the places that were named."""
    marks = _place_marks(atlas, recipe, layers, view)
    capitals = [_Point(q.x, q.y, q.radius_pt, "places", q.ident) for q in marks if q.capital]
    counts = _draw_labels(ax, atlas, recipe, layers, view, points + capitals, blockers,
                          renderer, marks={q.ident: q for q in marks})
    _draw_places(ax, [q for q in marks if q.capital or q.ident in ax.placed_places])
    return counts


def _focus(atlas, shown) -> set[str]:
    if "countries" not in atlas.layers:
        return set()
    return focus_countries(atlas["countries"], shown)


def map_image(atlas, recipe, layers=None, dpi: int | None = None, width_in: float = 8.0):
    """Render only the map body (no margins) for a georeferenced image.

    Parameters
    ----------
    atlas : Atlas
        The loaded workspace.
    recipe : Recipe or str
        A recipe or a recipe name.
    layers : list of PreparedLayer, optional
        Prepared layers (computed when omitted).
    dpi : int, optional
        Pixels per inch (default: the recipe's ``[static] dpi``).
    width_in : float
        Print width of the map body in inches (sets the pixel width with ``dpi``).

    Returns
    -------
    rgba : numpy.ndarray
        ``(height, width, 4)`` uint8 image whose edges are exactly the frame's bounds.
    frame : MapFrame
        The CRS and the projected bounds of the image.
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    recipe, layers = _resolve(atlas, recipe, layers)
    frame = map_frame(layers, recipe)
    dpi = int(dpi or recipe.static.dpi)
    width_px = max(16, round(width_in * dpi))
    height_px = max(16, round(width_px / frame.aspect))
    shown = [p for p in layers if p.spec.visible and len(p.frame)]
    with matplotlib.rc_context(_rc()):
        fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1), label="map")
        _setup_map_axes(ax, frame)
        ax.set_aspect("auto")
        ax.axis("off")
        tol = _tolerance(frame, width_px / dpi)
        _draw_basemap(ax, atlas, frame, tolerance=tol, focus=_focus(atlas, shown))
        _draw_graticule(ax, frame, edge_labels=False)
        points = _draw_layers(ax, shown, frame, tolerance=tol)
        _label_and_mark_places(ax, atlas, recipe, layers, frame, points, [],
                               canvas.get_renderer())
        literal_text(fig)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba()).copy()
    if rgba.shape[:2] != (height_px, width_px):  # pragma: no cover - rounding guard
        rgba = rgba[:height_px, :width_px]
    return rgba, frame


def legends(fig) -> dict[str, list]:
    """The legend texts of a :func:`figure`, by layer name, in drawing order.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure made by :func:`figure`.

    Returns
    -------
    dict
        Layer name -> list of matplotlib Text artists of its legend rows.
    """
    from matplotlib.legend import Legend

    out: dict[str, list] = {}
    for leg in fig.findobj(Legend):
        gid = leg.get_gid() or ""
        if gid.startswith("legend:"):
            out.setdefault(gid.split(":")[1], []).extend(leg.get_texts())
    return out


def _resolve(atlas, recipe, layers):
    if isinstance(recipe, str):
        from ..recipe import load_recipe

        recipe = load_recipe(atlas, recipe)
    if layers is None:
        layers = prepare(atlas, recipe)
    return recipe, list(layers)


FALLBACK_FONTS = ("Droid Sans Fallback", "Noto Sans CJK SC", "Noto Sans CJK JP")
"""Tried per glyph after :data:`FONT` (CJK titles of sources), when installed."""


def _quiet_weights(record) -> bool:
    """The CJK fallback has no bold: matplotlib says so at every bold text; we know."""
    return "Failed to find font weight" not in record.getMessage()


def _fonts() -> list[str]:
    from matplotlib import font_manager

    logging.getLogger("matplotlib.font_manager").addFilter(_quiet_weights)  # idempotent
    have = {f.name for f in font_manager.fontManager.ttflist}
    return [FONT, *(f for f in FALLBACK_FONTS if f in have)]


def _rc() -> dict:
    return {
        "font.family": _fonts(),  # a list: matplotlib falls back glyph by glyph
        "text.parse_math": False,  # data is text: "$3 bn vs $3.5 bn" stays as written
        "text.usetex": False,
        "lines.scale_dashes": True,  # dashes are multiples of the line width, as in the spec
        "path.simplify": True,
        "axes.unicode_minus": False,
        "legend.frameon": False,
    }


# -- colours and geometry helpers ---------------------------------------------------------
def _rgba(color: str, alpha: float):
    from matplotlib.colors import to_rgba

    return to_rgba(color, max(0.0, min(1.0, float(alpha))))


def _linestyle(dash: tuple[float, ...] | None):
    """The Symbol's dash (multiples of the weight) as a matplotlib linestyle.

    matplotlib scales dash lengths by the line width (``lines.scale_dashes``), which is
    exactly the style spec's unit.
    """
    return "solid" if not dash else (0, tuple(float(d) for d in dash))


def _lw(sym: Symbol) -> float:
    return float(sym.weight) * PT_PER_PX


def _polygon_path(geom):
    """A matplotlib Path for a (multi)polygon, holes included (non-zero winding)."""
    from matplotlib.path import Path as MPath

    parts = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        poly = shapely.geometry.polygon.orient(poly, 1.0)
        parts.append(MPath(np.asarray(poly.exterior.coords)[:, :2], closed=True))
        parts.extend(MPath(np.asarray(r.coords)[:, :2], closed=True) for r in poly.interiors)
    return MPath.make_compound_path(*parts) if parts else None


def _line_parts(geom) -> list[np.ndarray]:
    if geom.geom_type == "LineString":
        return [np.asarray(geom.coords)[:, :2]]
    if geom.geom_type in ("MultiLineString", "GeometryCollection"):
        return [p for g in geom.geoms for p in _line_parts(g)]
    return []


def _project(gdf, frame: MapFrame, pad: float = 0.03, tolerance: float = 0.0):
    """Project a frame's geometries into the map CRS and clip them to the map (padded).

    ``tolerance`` (map units) simplifies lines and polygons: a fraction of a printed
    point, invisible on paper, keeps SVG and PDF files small.
    """
    xmin, ymin, xmax, ymax = frame.bounds
    dx, dy = (xmax - xmin) * pad, (ymax - ymin) * pad
    box = (xmin - dx, ymin - dy, xmax + dx, ymax + dy)
    lonlat = gdf.geometry
    window = _lonlat_window(frame, box)
    if window is not None:  # a world basemap: the far side of the globe never projects
        is_point = (shapely.get_type_id(lonlat.to_numpy()) == 0)
        w, s, e, n = window
        cut = ((_central_meridian(frame) + 360.0) % 360.0) - 180.0  # behind the map
        pieces = [shapely.clip_by_rect(lonlat.to_numpy(), *b)
                  for b in ((w, s, min(e, cut - 1e-6), n), (max(w, cut + 1e-6), s, e, n))
                  if b[0] < b[2]]
        clipped = pieces[0] if len(pieces) == 1 else shapely.union(*pieces)
        clipped = shapely.segmentize(clipped, 1.0)
        lonlat = lonlat.where(is_point, type(lonlat)(clipped, index=lonlat.index,
                                                     crs=lonlat.crs))  # long edges curve
    geoms = lonlat.to_crs(frame.crs).to_numpy()
    points = shapely.get_type_id(geoms) == 0
    clipped = np.where(points, geoms, shapely.clip_by_rect(geoms, *box))
    if tolerance > 0:
        clipped = np.where(points, clipped,
                           shapely.simplify(clipped, tolerance, preserve_topology=True))
    return clipped


def _central_meridian(frame: MapFrame) -> float:
    """The projection's central meridian (its cut is opposite), else the map's centre."""
    op = frame.crs.coordinate_operation
    for param in getattr(op, "params", None) or []:
        name = param.name.lower()
        if "longitude" in name and param.unit_name in ("degree", "Degree"):
            return float(param.value)
    return frame.centre[0]


def _lonlat_window(frame: MapFrame, box, margin: float = 10.0):
    """Lon/lat bounds of a projected ``box``, grown by ``margin`` degrees (None: no clip)."""
    try:
        w, s, e, n = transformer(frame.crs, WGS84).transform_bounds(*box, densify_pts=21)
    except Exception:  # pyproj cannot invert every box (e.g. beyond an ortho's limb)
        return None
    if not np.isfinite([w, s, e, n]).all():
        return None
    if w > e or e - w > 300:  # across the antimeridian or around a pole: all longitudes
        w, e = -180.0, 180.0
    else:
        w, e = max(-180.0, w - margin), min(180.0, e + margin)
    return (w, max(-90.0, s - margin), e, min(90.0, n + margin))


def _tolerance(frame: MapFrame, width_in: float) -> float:
    """Map units per 0.15 printed point when ``frame`` is drawn ``width_in`` inches wide."""
    xmin, _, xmax, _ = frame.bounds
    return (xmax - xmin) / (width_in * 72.0) * 0.15


# -- drawing ---------------------------------------------------------------------------
def _setup_map_axes(ax, frame: MapFrame) -> None:
    ax.patch.set_gid(f"{ax.get_label()}-frame")
    xmin, ymin, xmax, ymax = frame.bounds
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal", adjustable="box")
    ax.set_facecolor(SEA)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)
        spine.set_color("#3d3d3d")
        spine.set_zorder(100)


def _draw_basemap(ax, atlas, frame: MapFrame, zorder: float = 0.5,
                  tolerance: float = 0.0, focus: set[str] | frozenset = frozenset()) -> None:
    """Land, lakes, rivers and borders from the workspace's basemap, in the basemap palette.

    The countries the map is about (``focus``, index labels) get the ``focus`` fill,
    every other country ``neighbour``; national borders are drawn again above the
    area layers, so provinces never hide them.
    """
    from matplotlib.collections import LineCollection, PathCollection

    if "countries" not in atlas.layers:
        return
    countries = countries_near(atlas, frame)
    geoms = _project(countries, frame, pad=0.1, tolerance=tolerance)
    paths, faces = [], []
    for ident, g in zip(countries.index, geoms):
        path = _polygon_path(g) if g is not None and not g.is_empty else None
        if path is not None:
            paths.append(path)
            faces.append(BASEMAP["focus"] if str(ident) in focus else BASEMAP["neighbour"])
    land = PathCollection(paths, facecolors=faces, edgecolors="none", zorder=zorder)
    land.set_gid("basemap:land")
    ax.add_collection(land)
    if "lakes" in atlas.layers and len(atlas["lakes"]):
        lakes = [q for q in (_polygon_path(g) for g in _project(atlas["lakes"], frame, pad=0.1,
                                                                 tolerance=tolerance)
                             if g is not None and not g.is_empty) if q is not None]
        ax.add_collection(PathCollection(lakes, facecolors=BASEMAP["lakes"], edgecolors="none",
                                         zorder=zorder + 0.05))
    if "rivers" in atlas.layers and len(atlas["rivers"]):
        segs = [part for g in _project(atlas["rivers"], frame, pad=0.1, tolerance=tolerance)
                if g is not None and not g.is_empty for part in _line_parts(g)]
        ax.add_collection(LineCollection(segs, colors=BASEMAP["rivers"], zorder=zorder + 0.06,
                                         linewidths=BASEMAP_WIDTHS["rivers"] * PT_PER_PX))
    borders = PathCollection(paths, facecolors="none", edgecolors=BORDER,
                             linewidths=BASEMAP_WIDTHS["border"], zorder=1.95)
    borders.set_gid("basemap:borders")
    ax.add_collection(borders)


def countries_near(atlas, frame: MapFrame, pad_deg: float = 10.0):
    """The basemap's countries cut to the view's lon/lat box (padded), valid geometry.

    A world basemap projected whole into a regional conic folds the far side of the
    globe (and the antimeridian) into nonsense; cutting in degrees first keeps only
    what can appear on the map.
    """
    ring = view_ring_lonlat(frame)
    lon0, lat0 = np.nanmin(ring, axis=0) - pad_deg
    lon1, lat1 = np.nanmax(ring, axis=0) + pad_deg
    countries = atlas["countries"]
    box = (max(lon0, -180.0), max(lat0, -89.9), min(lon1, 180.0), min(lat1, 89.9))
    tree = shapely.STRtree(countries.geometry.to_numpy())
    hit = tree.query(shapely.box(*box), predicate="intersects")
    near = countries.iloc[np.sort(hit)].copy()
    near["geometry"] = shapely.make_valid(shapely.clip_by_rect(near.geometry.to_numpy(), *box))
    return near[~near.geometry.is_empty]


def _nice_step(span: float, target: int = 5) -> float:
    raw = span / target
    for step in (0.5, 1, 2, 5, 10, 15, 20, 30):
        if step >= raw:
            return float(step)
    return 30.0


def _draw_graticule(ax, frame: MapFrame, edge_labels: bool, strong: bool = False) -> None:
    """Meridians and parallels, labelled where they meet the bottom and left edges.

    ``strong`` (when north turns too much across the map for one north arrow) draws the
    graticule darker over the land, as the map's direction reference.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.transforms import blended_transform_factory

    minx, miny, maxx, maxy = frame.extent
    step = _nice_step(max(maxx - minx, maxy - miny), target=6)
    t = transformer(WGS84, frame.crs)
    xmin, ymin, xmax, ymax = frame.bounds
    pad_lon, pad_lat = (maxx - minx) * 0.5, (maxy - miny) * 0.5
    lons = np.arange(math.floor((minx - pad_lon) / step) * step, maxx + pad_lon + step, step)
    lats = np.arange(math.floor((miny - pad_lat) / step) * step, maxy + pad_lat + step, step)
    lats = lats[(lats > -89) & (lats < 89)]
    lat_line = np.linspace(max(lats.min() - step, -89), min(lats.max() + step, 89), 200)
    lon_line = np.linspace(lons.min() - step, lons.max() + step, 200)
    segs, labels_x, labels_y = [], [], []
    for lon in lons:
        x, y = t.transform(np.full_like(lat_line, lon), lat_line)
        segs.append(np.column_stack([x, y]))
        cross = _crossing(x, y, ymin)
        if cross is not None and xmin < cross < xmax:
            labels_x.append((cross, fmt_lon(lon).replace(".0°", "°")))
    for lat in lats:
        x, y = t.transform(lon_line, np.full_like(lon_line, lat))
        segs.append(np.column_stack([x, y]))
        cross = _crossing(y, x, xmin)
        if cross is not None and ymin < cross < ymax:
            labels_y.append((cross, fmt_lat(lat).replace(".0°", "°")))
    ax.add_collection(LineCollection(segs, colors=BASEMAP["graticule"], linewidths=0.35,
                                     alpha=0.8, zorder=0.4))
    over_land = LineCollection(segs, colors=BASEMAP["graticule"] if strong else "#d6d2c8",
                               linewidths=0.45 if strong else 0.35, zorder=0.9,
                               alpha=0.7 if strong else 1.0)
    over_land.set_gid("graticule")
    ax.add_collection(over_land)
    if not edge_labels:
        return
    bottom = blended_transform_factory(ax.transData, ax.transAxes)
    left = blended_transform_factory(ax.transAxes, ax.transData)
    for x, text in labels_x:
        ax.text(x, -0.008, text, transform=bottom, ha="center", va="top", fontsize=6,
                color=MUTED, clip_on=False)
    for y, text in labels_y:
        ax.text(-0.006, y, text, transform=left, ha="right", va="center", fontsize=6,
                color=MUTED, clip_on=False, rotation=90, rotation_mode="anchor")


def _crossing(a: np.ndarray, b: np.ndarray, level: float) -> float | None:
    """Where the polyline (a, b) crosses b == level: the interpolated a (first crossing)."""
    d = b - level
    idx = np.flatnonzero(np.sign(d[:-1]) * np.sign(d[1:]) < 0)
    if not len(idx):
        return None
    i = idx[0]
    f = d[i] / (d[i] - d[i + 1])
    return float(a[i] + f * (a[i + 1] - a[i]))


@dataclass
class _Point:
    """A drawn point symbol, an obstacle for labels: map coordinates and radius in pt."""

    x: float
    y: float
    radius_pt: float
    layer: str
    ident: str


def _draw_layers(ax, shown: Sequence[PreparedLayer], frame: MapFrame,
                 tolerance: float = 0.0) -> list[_Point]:
    """Draw every layer in recipe order (first = bottom); return the point symbols drawn."""
    from matplotlib.collections import LineCollection, PathCollection

    points: list[_Point] = []
    for i, p in enumerate(shown):
        z = 2 + i
        geoms = _project(p.frame, frame, tolerance=tolerance)
        polys, lines, pts = [], [], []
        for ident, geom, sym in zip(p.frame.index, geoms, p.symbols):
            if geom is None or geom.is_empty:
                continue
            kind = geom.geom_type
            if kind in ("Polygon", "MultiPolygon"):
                path = _polygon_path(geom)
                if path is not None:
                    polys.append((path, sym))
            elif kind in ("LineString", "MultiLineString"):
                lines.extend((part, sym) for part in _line_parts(geom))
            elif kind == "Point":
                pts.append((geom.x, geom.y, sym, str(ident)))
            elif kind == "MultiPoint":
                pts.extend((g.x, g.y, sym, str(ident)) for g in geom.geoms)
        if polys:
            ax.add_collection(PathCollection(
                [pp for pp, _ in polys],
                facecolors=[_rgba(s.fill, s.fill_opacity) for _, s in polys],
                edgecolors=[_rgba(s.color, s.opacity) for _, s in polys],
                linewidths=[_lw(s) for _, s in polys],
                linestyles=[_linestyle(s.dash) for _, s in polys],
                zorder=z,
            ))
        if lines:
            coll = LineCollection(
                [seg for seg, _ in lines],
                colors=[_rgba(s.color, s.opacity) for _, s in lines],
                linewidths=[_lw(s) for _, s in lines],
                linestyles=[_linestyle(s.dash) for _, s in lines],
                zorder=z,
            )
            coll.set_capstyle("butt")
            coll.set_joinstyle("round")
            ax.add_collection(coll)
        if pts:
            pts.sort(key=lambda t: (-t[2].radius, t[3]))  # large first, small on top
            sc = ax.scatter(
                [t[0] for t in pts], [t[1] for t in pts],
                s=[(2 * t[2].radius * PT_PER_PX) ** 2 for t in pts],
                facecolors=[_rgba(t[2].fill, t[2].fill_opacity) for t in pts],
                edgecolors=[_rgba(t[2].color, t[2].opacity) for t in pts],
                linewidths=[_lw(t[2]) for t in pts],
                linestyles=[_linestyle(t[2].dash) for t in pts],
                marker="o", zorder=z,
            )
            sc.set_gid(f"points:{p.name}")
            points += [_Point(x, y, s.radius * PT_PER_PX, p.name, ident) for x, y, s, ident in pts]
    return points


# -- furniture ---------------------------------------------------------------------------
def _nice_km(km: float) -> float:
    exp = 10 ** math.floor(math.log10(km))
    for m in (5, 2, 1):
        if m * exp <= km:
            return m * exp
    return exp


def _corner_xy(corner: str, inset: float = 0.03) -> tuple[float, float]:
    x = inset if "left" in corner else 1 - inset
    y = inset if "lower" in corner else 1 - inset
    return x, y


def _draw_scale_bar(ax, frame: MapFrame, corner: str):
    """A km scale bar, true at the map centre; returns its display bbox."""
    from matplotlib.patches import Rectangle

    xmin, _, xmax, _ = frame.bounds
    k = scale_factor(frame)  # ground km per map km
    width_km = (xmax - xmin) / 1000 * k
    total = _nice_km(width_km * 0.22)
    map_len = total / k * 1000  # metres in map units
    frac = map_len / (xmax - xmin)
    x0, y0 = _corner_xy(corner, 0.035)
    if "right" in corner:
        x0 -= frac
    y0 += 0.012 if "lower" in corner else -0.05
    h = 0.011
    trans = ax.transAxes
    artists = []
    n = 4
    for i in range(n):
        artists.append(ax.add_patch(Rectangle(
            (x0 + frac * i / n, y0), frac / n, h, transform=trans,
            facecolor=INK if i % 2 == 0 else "white", edgecolor=INK, linewidth=0.6,
            zorder=80, gid=f"scalebar-{i}")))
    ticks = [(0, "0"), (frac / 2, _fmt_km(total / 2)), (frac, f"{_fmt_km(total)} km")]
    texts = [ax.text(x0 + dx, y0 + h + 0.006, t, transform=trans, ha="center", va="bottom",
                     fontsize=6.5, color=INK, zorder=80, gid=f"scalebar-label-{k}")
             for k, (dx, t) in enumerate(ticks)]
    note = ax.text(x0, y0 - 0.008, "scale true at the map centre", transform=trans,
                   ha="left", va="top", fontsize=5.5, color=MUTED, zorder=80)
    _halo(*texts, note)
    return [_union_bbox([*artists, *texts, note], ax)]


def _fmt_km(v: float) -> str:
    return f"{v:g}"


def _draw_north_arrow(ax, frame: MapFrame, corner: str):
    """A north arrow pointing to true north at the map centre; returns its display bbox."""
    from matplotlib.patches import Polygon
    from matplotlib.transforms import ScaledTranslation

    fig = ax.figure
    ux, uy = north_direction(frame)
    x, y = _corner_xy(corner, 0.045)
    y += 0.06 if "lower" in corner else -0.06
    trans = fig.dpi_scale_trans + ScaledTranslation(x, y, ax.transAxes)
    size = 0.2  # inches from the centre to the tip
    px, py = -uy, ux  # perpendicular
    tip = (ux * size, uy * size)
    tail = (-ux * size * 0.75, -uy * size * 0.75)
    notch = (-ux * size * 0.35, -uy * size * 0.35)
    left = (tail[0] + px * size * 0.45, tail[1] + py * size * 0.45)
    right = (tail[0] - px * size * 0.45, tail[1] - py * size * 0.45)
    a = ax.add_patch(Polygon([tip, left, notch], closed=True, transform=trans,
                             facecolor="white", edgecolor=INK, linewidth=0.7, zorder=80))
    b = ax.add_patch(Polygon([tip, notch, right], closed=True, transform=trans,
                             facecolor=INK, edgecolor=INK, linewidth=0.7, zorder=80))
    label = ax.text(ux * size * 1.45, uy * size * 1.45, "N", transform=trans,
                    ha="center", va="center", fontsize=9, fontweight="bold", color=INK,
                    zorder=80)
    note = ax.text(0, -uy * size - 0.09, "true north at the map centre", transform=trans,
                   ha="center", va="top", fontsize=5.5, color=MUTED, zorder=80,
                   gid="north-note")
    _halo(label, note)
    return [_union_bbox([a, b, label, note], ax)]


def _draw_north(ax, frame: MapFrame, corner: str, variation: float):
    """A north arrow where north barely turns across the map, else a note on the graticule.

    Parameters
    ----------
    variation : float
        Largest turn of true north across the view in degrees
        (:func:`~geoatlas.render.mapframe.north_variation`).
    """
    if variation <= NORTH_TOLERANCE_DEG:
        return _draw_north_arrow(ax, frame, corner)
    x, y = _corner_xy(corner, 0.03)
    text = ("North follows the meridians of the graticule:\n"
            f"it turns by up to {variation:.0f}° across this map.")
    note = ax.text(x, y, text, transform=ax.transAxes, fontsize=6.3, color=INK,
                   ha="left" if "left" in corner else "right",
                   va="bottom" if "lower" in corner else "top", zorder=80, gid="north-note",
                   linespacing=1.25)
    _halo(note)
    return [_union_bbox([note], ax)]


def _union_bbox(artists, ax):
    from matplotlib.transforms import Bbox

    renderer = ax.figure.canvas.get_renderer()
    return Bbox.union([a.get_window_extent(renderer) for a in artists]).padded(3)


def _halo(*texts, width: float = 2.2) -> None:
    """Put a white halo behind each text.

    The halo is a separate, stroked copy drawn just below the text: text drawn with a
    path effect turns into outlines in PDF and SVG, and would no longer be selectable.
    """
    from matplotlib import patheffects

    for t in texts:
        ax = t.axes
        x, y = t.get_position()
        halo = ax.text(x, y, t.get_text(), transform=t.get_transform(),
                       ha=t.get_horizontalalignment(), va=t.get_verticalalignment(),
                       fontproperties=t.get_fontproperties(), rotation=t.get_rotation(),
                       color="white", alpha=0.9, zorder=t.get_zorder() - 0.01,
                       clip_on=t.get_clip_on(), gid="halo")
        halo.set_path_effects([patheffects.Stroke(linewidth=width, foreground="white")])


def _draw_inset(ax, atlas, frame: MapFrame) -> None:
    """A locator map: the region around the map, or a globe when the map is regional.

    The main map's view is outlined in red. When the view already spans most of the
    basemap (a regional map), a regional inset would show nothing new, so the inset is
    an orthographic globe centred on the map instead.
    """
    view_ring = view_ring_lonlat(frame)
    vminx, vminy = view_ring.min(axis=0)
    vmaxx, vmaxy = view_ring.max(axis=0)
    cx, cy = frame.centre
    half_w = max((vmaxx - vminx) * 1.25, 14.0)
    half_h = max((vmaxy - vminy) * 1.25, 10.0)
    box = (max(cx - half_w, -180), max(cy - half_h, -85), min(cx + half_w, 180),
           min(cy + half_h, 85))
    # a regional view (tens of degrees) is best located on a globe; a national one on
    # its surroundings, when the basemap has them
    globe = (vmaxx - vminx) > 30 or (vmaxy - vminy) > 25 or "countries" not in atlas.layers
    if not globe:
        cb = atlas["countries"].total_bounds
        box = (max(box[0], cb[0]), max(box[1], cb[1]), min(box[2], cb[2]), min(box[3], cb[3]))
        globe = (box[2] - box[0]) < (vmaxx - vminx) * 1.6 or (
            box[3] - box[1]) < (vmaxy - vminy) * 1.6
    if globe:
        crs = CRS.from_proj4(f"+proj=ortho +lat_0={cy:.4f} +lon_0={cx:.4f} +datum=WGS84 "
                             "+units=m +no_defs")
        r = 6378137.0 * 1.02
        inset = MapFrame(crs, (cx - 90, max(cy - 90, -90), cx + 90, min(cy + 90, 90)),
                         (-r, -r, r, r))
    else:
        crs = frame.crs
        inset = MapFrame(crs, box, tuple(float(b) for b in transformer(WGS84, crs)
                                         .transform_bounds(*box, densify_pts=101)))
    _setup_map_axes(ax, inset)
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
    if globe:
        from matplotlib.patches import Circle

        ax.set_facecolor("white")
        ax.add_patch(Circle((0, 0), 6378137.0, facecolor=SEA, edgecolor="#8d99a6",
                            linewidth=0.6, zorder=0.5))
        _draw_globe_graticule(ax, crs, cx)
    if "countries" in atlas.layers:
        from matplotlib.collections import PathCollection

        countries = atlas["countries"] if globe else countries_near(atlas, inset)
        if globe:
            lonlat = _near_side(countries.geometry.to_numpy(), cx, cy)
            geoms = shapely.simplify(
                shapely.transform(lonlat, lambda xy: np.column_stack(
                    transformer(WGS84, crs).transform(xy[:, 0], xy[:, 1]))),
                20_000, preserve_topology=True)
        else:
            geoms = _project(countries, inset, pad=0.05,
                             tolerance=_tolerance(inset, ax.get_position().width
                                                  * ax.figure.get_figwidth()))
        view_box = shapely.Polygon(view_ring)
        ll = countries.geometry.to_numpy()
        paths, faces = [], []
        for g, g_ll in zip(geoms, ll):
            path = (_polygon_path(g) if g is not None and not g.is_empty
                    and np.isfinite(shapely.get_coordinates(g)).all() else None)
            if path is None:
                continue
            paths.append(path)
            faces.append("#d9d3c5" if g_ll.intersects(view_box) else "#ece9e2")
        ax.add_collection(PathCollection(paths, facecolors=faces, edgecolors="white",
                                         linewidths=0.3, zorder=1))
    x, y = transformer(WGS84, crs).transform(view_ring[:, 0], view_ring[:, 1])
    ax.plot(x, y, color="#c0392b", linewidth=1.3, zorder=5, solid_joinstyle="miter")


def _near_side(geoms: np.ndarray, lon0: float, lat0: float, limit_deg: float = 85.0):
    """Geometries with every vertex beyond ``limit_deg`` from the centre moved onto it.

    An orthographic globe shows one hemisphere; a world basemap has land on the far
    side, which projects to infinity. Each far vertex slides along its great circle
    from the centre to the limit, so far land ends at the globe's rim.
    """
    from ..geometry import GEOD

    limit = math.radians(limit_deg) * 6_371_008.8

    def onto(xy: np.ndarray) -> np.ndarray:
        n = len(xy)
        az, _, dist = GEOD.inv(np.full(n, lon0), np.full(n, lat0), xy[:, 0], xy[:, 1])
        far = np.asarray(dist) > limit
        if not far.any():
            return xy
        lon, lat, _ = GEOD.fwd(np.full(far.sum(), lon0), np.full(far.sum(), lat0),
                               np.asarray(az)[far], np.full(far.sum(), limit))
        out = xy.copy()
        out[far, 0], out[far, 1] = lon, lat
        return out

    return shapely.transform(geoms, onto)


def _draw_globe_graticule(ax, crs: CRS, lon0: float) -> None:
    from matplotlib.collections import LineCollection

    t = transformer(WGS84, crs)
    segs = []
    lat_line = np.linspace(-89, 89, 180)
    for lon in np.arange(-180, 180, 30):
        x, y = t.transform(np.full_like(lat_line, lon), lat_line)
        segs += _finite_runs(x, y)
    lon_line = np.linspace(-180, 180, 361)
    for lat in range(-60, 90, 30):
        x, y = t.transform(lon_line, np.full_like(lon_line, lat))
        segs += _finite_runs(x, y)
    ax.add_collection(LineCollection(segs, colors="#b8c7d4", linewidths=0.3, zorder=0.8))


def _finite_runs(x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    ok = np.isfinite(x) & np.isfinite(y)
    runs, start = [], None
    for i, good in enumerate(np.append(ok, False)):
        if good and start is None:
            start = i
        elif not good and start is not None:
            if i - start > 1:
                runs.append(np.column_stack([x[start:i], y[start:i]]))
            start = None
    return runs


# -- labels ------------------------------------------------------------------------------
@dataclass
class _Candidate:
    x: float
    y: float
    text: str
    radius_pt: float
    priority: float
    kind: str  # point | line | polygon | country
    own: tuple[str, str] | None


def _label_field(p: PreparedLayer) -> str | None:
    for name in (p.spec.label, p.spec.style.label, "name"):
        if name and name in p.frame:
            return name
    return None


def _label_candidates(atlas, recipe, layers, frame: MapFrame) -> list[_Candidate]:
    """Everything that may get a label, with its priority (higher is placed first).

    In order: the recipe's ``[static] labels`` layers (points by symbol size, lines),
    then places by rank (capitals, then the recipe's places), then province names on a
    map that shows provinces, then country names (never disputed or special areas).
    """
    wanted = set(recipe.static.labels)
    out: list[_Candidate] = []
    for p in layers:
        if p.name not in wanted or not len(p.frame):
            continue
        field_name = _label_field(p)
        if field_name is None:
            continue
        geoms = _project(p.frame, frame, pad=0.0)
        for ident, geom, sym, text in zip(p.frame.index, geoms, p.symbols, p.frame[field_name]):
            if geom is None or geom.is_empty or not isinstance(text, str) or not text.strip():
                continue
            text = short_label(text)
            kind = geom.geom_type
            if kind == "Point":
                out.append(_Candidate(geom.x, geom.y, text, sym.radius * PT_PER_PX,
                                      sym.radius, "point", (p.name, str(ident))))
            elif "LineString" in kind:
                parts = _line_parts(geom)
                line = max((shapely.LineString(c) for c in parts if len(c) > 1),
                           key=lambda g: g.length, default=None)
                if line is None:
                    continue
                for f in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.12, 0.88):
                    pt = line.interpolate(f, normalized=True)
                    out.append(_Candidate(pt.x, pt.y, text, _lw(sym) / 2,
                                          LINE_PRIORITY - abs(f - 0.5), "line",
                                          (p.name, str(ident))))
            elif "Polygon" in kind:
                pt = geom.representative_point()
                out.append(_Candidate(pt.x, pt.y, text, 0, 1, "polygon", None))
    view = shapely.box(*frame.bounds)
    for q in _ranked_places(atlas, recipe, layers, frame):
        out.append(_Candidate(q.x, q.y, q.text, q.radius_pt, q.priority, "place",
                              ("places", q.ident)))
    prov = next((p for p in layers if p.name == "provinces" and p.spec.visible
                 and len(p.frame)), None)
    if prov is not None and "name" in prov.frame:
        area = view.area
        for ident, geom, name in zip(prov.frame.index, _project(prov.frame, frame, pad=0.0),
                                     prov.frame["name"]):
            if geom is None or geom.is_empty or not isinstance(name, str) or not name.strip():
                continue
            part = shapely.make_valid(geom).intersection(view)
            if part.is_empty or part.area < area * 0.002:
                continue
            pt = part.representative_point()
            out.append(_Candidate(pt.x, pt.y, short_label(name), 0, -0.5 + part.area / area,
                                  "province", ("provinces", str(ident))))
    # country names: context, lowest priority; disputed and special areas stay unnamed
    if "countries" in atlas.layers:
        area = view.area
        countries = countries_near(atlas, frame)
        named = labelled_countries(countries)
        geoms = _project(countries, frame, pad=0.0)
        for name, geom, ok in zip(countries["name"], geoms, named):
            if not ok or geom is None or geom.is_empty or not isinstance(name, str):
                continue
            part = shapely.make_valid(geom).intersection(view)
            if part.is_empty or part.area < area * 0.015:
                continue
            pt = part.representative_point()
            out.append(_Candidate(pt.x, pt.y, name.upper(), 0, -1 + part.area / area,
                                  "country", None))
    return out


@dataclass
class _Place:
    x: float
    y: float
    text: str
    radius_pt: float
    priority: float
    ident: str
    capital: bool


PLACE_RANKS = {"capital": 20.0, "city": 2.0, "sea_port": 1.6, "dry_port": 1.5,
               "border_crossing": 1.4, "mountain_pass": 1.3, "town": 1.2, "rail_station": 1.1}
"""Label priority of places by kind. Labels are placed in priority order: the recipe's
labelled lines (:data:`LINE_PRIORITY`: the subject), capitals (20), the recipe's labelled
points (their symbol radius, 3-14), other places (1-2), then province and country names."""
LINE_PRIORITY = 25.0


def _ranked_places(atlas, recipe, layers, frame: MapFrame) -> list[_Place]:
    """The places to name: every capital in view, and the recipe's places layer.

    The recipe's places count even when its layer starts hidden (a reference layer the
    web map lets readers switch on); capitals come from the gazetteer whatever the
    recipe says, so a national map always names its capital.
    """
    if "places" not in atlas.layers:
        return []
    places = atlas["places"]
    keep = (places["kind"] == "capital") if "kind" in places else np.zeros(len(places), bool)
    spec = next((p for p in layers if p.name == "places"), None)
    ids = set(map(str, spec.frame.index)) if spec is not None else set()
    keep = keep | places.index.astype(str).isin(ids)
    chosen = places[keep]
    if not len(chosen):
        return []
    geoms = _project(chosen, frame, pad=0.0)
    xmin, ymin, xmax, ymax = frame.bounds
    out = []
    for ident, geom, name, kind in zip(chosen.index, geoms, chosen["name"],
                                       chosen.get("kind", [""] * len(chosen))):
        if geom is None or geom.is_empty or geom.geom_type != "Point":
            continue
        if not (xmin < geom.x < xmax and ymin < geom.y < ymax) or not isinstance(name, str):
            continue
        capital = kind == "capital"
        out.append(_Place(geom.x, geom.y, short_label(name), 2.6 if capital else 1.8,
                          PLACE_RANKS.get(str(kind), 1.0), str(ident), capital))
    return out


def _place_marks(atlas, recipe, layers, frame: MapFrame) -> list[_Place]:
    """The ranked places the recipe does not draw itself (its places layer may be hidden)."""
    visible = {str(i) for p in layers if p.name == "places" and p.spec.visible
               for i in p.frame.index}
    return [q for q in _ranked_places(atlas, recipe, layers, frame) if q.ident not in visible]


def _draw_places(ax, marks: Sequence[_Place]) -> None:
    """Mark places: capitals as ringed dots, others as small dots.

    Only capitals and places whose label found room are drawn: a town dot without its
    name tells the reader nothing.
    """
    for capital in (True, False):
        group = [q for q in marks if q.capital == capital]
        if not group:
            continue
        xs, ys = [q.x for q in group], [q.y for q in group]
        if capital:
            ax.scatter(xs, ys, s=(2 * 2.6) ** 2, facecolors="white", edgecolors=INK,
                       linewidths=0.8, zorder=70, gid="places:capitals")
            ax.scatter(xs, ys, s=1.6 ** 2, facecolors=INK, edgecolors="none", zorder=70.1)
        else:
            ax.scatter(xs, ys, s=(2 * 1.8) ** 2, facecolors=INK, edgecolors="white",
                       linewidths=0.5, zorder=70, gid="places:others")


_POINT_OFFSETS = (  # (dx, dy) in units of (radius + gap), ha, va
    ((1, 0), "left", "center"),
    ((-1, 0), "right", "center"),
    ((0, 1), "center", "bottom"),
    ((0, -1), "center", "top"),
    ((0.75, 0.75), "left", "bottom"),
    ((0.75, -0.75), "left", "top"),
    ((-0.75, 0.75), "right", "bottom"),
    ((-0.75, -0.75), "right", "top"),
)


def _group_crowded(cands: list[_Candidate], ax, gap_pt: float = 3.0) -> dict:
    """Group point candidates whose symbols touch: the biggest of each group is its head.

    Returns ``{head key: [member keys]}`` for every head (members may be empty).
    """
    scale = ax.figure.dpi / 72.0
    heads: list[tuple[_Candidate, np.ndarray]] = []
    groups: dict = {}
    for c in cands:
        if c.kind != "point":
            continue
        xy = ax.transData.transform((c.x, c.y))
        home = None
        for h, hxy in heads:
            if h.own[0] == c.own[0] and (np.hypot(*(xy - hxy))
                                         < (h.radius_pt + c.radius_pt + gap_pt) * scale):
                home = h
                break
        if home is None:
            heads.append((c, xy))
            groups[c.own] = []
        else:
            groups[home.own].append(c.own)
    return groups


def _grouped_text(text: str, n: int) -> str:
    """A label standing for ``n`` more features than its own: ``Mes Aynak (+2)``."""
    return f"{text} (+{n})" if n else text


def _draw_labels(ax, atlas, recipe, layers, frame, points, blockers, renderer, marks=None):
    """Place labels greedily by priority, never overlapping; group what crowds.

    Point features whose symbols touch form a group labelled once, by its biggest
    member, with a count (``Mes Aynak (+2)``); a point whose label finds no free place
    joins the nearest labelled group of its layer within 60 pt the same way, and only
    when even that does not fit is it dropped. The groups are kept on the axes as
    ``ax.label_groups`` (``{(layer, id): [(layer, id), ...]}``). Returns
    ``(placed, dropped)``.

    ``marks`` are places drawn only when named (not obstacles in advance): a place is
    named only where neither its dot nor its label covers a label placed before it;
    the ids of those named are kept as ``ax.placed_places``.
    """
    from matplotlib.transforms import Bbox, offset_copy

    marks = marks or {}
    ax.placed_places = set()

    fig = ax.figure
    cands = _label_candidates(atlas, recipe, layers, frame)
    cands.sort(key=lambda c: (-c.priority, c.kind == "country", c.text))
    axes_box = ax.get_window_extent(renderer).padded(-2)
    scale = fig.dpi / 72.0
    pts_disp = ax.transData.transform([(q.x, q.y) for q in points]) if points else np.empty(
        (0, 2))
    obstacles = [Bbox.from_extents(x - q.radius_pt * scale, y - q.radius_pt * scale,
                                   x + q.radius_pt * scale, y + q.radius_pt * scale)
                 for (x, y), q in zip(pts_disp, points)]
    owners = [(q.layer, q.ident) for q in points]
    groups = _group_crowded(cands, ax)
    member_of = {m: h for h, ms in groups.items() for m in ms}
    placed: list = list(blockers)
    boxes: dict = {}  # own key -> (text artist, index in placed, candidate)
    done: set[tuple[str, str] | str] = set()
    failed: list[_Candidate] = []
    n_placed = dropped = 0

    def free(bb, own, skip=None):
        return (axes_box.contains(bb.x0, bb.y0) and axes_box.contains(bb.x1, bb.y1)
                and not any(bb.overlaps(o) for i, o in enumerate(placed) if i != skip)
                and not any(bb.overlaps(o) for o, w in zip(obstacles, owners)
                            if w != own and member_of.get(w) != own
                            and w not in groups.get(own, ())))

    for c in cands:
        key = c.own if c.own is not None else f"{c.kind}:{c.text}"
        if key in done or key in member_of:
            continue
        if c.kind in ("point", "place"):
            options = [(dx * (c.radius_pt + 2), dy * (c.radius_pt + 2), ha, va)
                       for (dx, dy), ha, va in _POINT_OFFSETS]
        elif c.kind == "line":
            off = c.radius_pt + 2.5
            options = [(0, off, "center", "bottom"), (0, -off, "center", "top"),
                       (0, 0, "center", "center")]
        else:
            options = [(0, 0, "center", "center")]
        style = _label_style(c.kind)
        text = _grouped_text(c.text, len(groups.get(c.own, ())))
        dot = None
        if c.kind == "place" and c.own[1] in marks and not marks[c.own[1]].capital:
            x, y = ax.transData.transform((c.x, c.y))
            r = c.radius_pt * scale + 1
            dot = Bbox.from_extents(x - r, y - r, x + r, y + r)
            if any(dot.overlaps(o) for o in placed):
                done.add(key)
                continue  # an unnamed town dot tells nothing: leave the place out
        ok = None
        for dx, dy, ha, va in options:
            trans = offset_copy(ax.transData, fig=fig, x=dx, y=dy, units="points")
            t = ax.text(c.x, c.y, text, transform=trans, ha=ha, va=va, **style)
            bb = t.get_window_extent(renderer).padded(1.5)
            if free(bb, c.own):
                ok = t
                placed.append(bb)
                break
            t.remove()
        if c.kind == "line" and ok is None:
            continue  # try the next position along the line
        done.add(key)
        if ok is None:
            if c.kind == "point":
                failed.append(c)
            elif c.kind not in ("country", "province"):
                dropped += 1
            continue
        ok.set_gid(f"label:{c.own[0]}:{c.own[1]}" if c.own else f"label:{c.kind}")
        if dot is not None:
            placed.append(dot)
        if c.kind == "place":
            ax.placed_places.add(c.own[1])
        if c.own is not None:
            boxes[c.own] = (ok, len(placed) - 1, c)
        n_placed += 1
    for c in failed:  # join the nearest labelled group of the same layer
        xy = ax.transData.transform((c.x, c.y))
        near = sorted((np.hypot(*(ax.transData.transform((h.x, h.y)) - xy)), own)
                      for own, (_, _, h) in boxes.items() if own[0] == c.own[0])
        joined = False
        for dist, own in near:
            if dist > 60 * scale:
                break
            t, idx, h = boxes[own]
            members = groups.setdefault(own, [])
            t.set_text(_grouped_text(h.text, len(members) + 1 + len(groups.get(c.own, ()))))
            bb = t.get_window_extent(renderer).padded(1.5)
            if free(bb, own, skip=idx):
                members.append(c.own)
                members.extend(groups.pop(c.own, []))
                placed[idx] = bb
                joined = True
                break
            t.set_text(_grouped_text(h.text, len(members)))
        if not joined:
            dropped += 1 + len(groups.pop(c.own, []))
    for t, _, c in boxes.values():
        _halo(t, width=2.4 if c.kind != "country" else 2.0)
    for t in [t for t in ax.texts if t.get_gid() in ("label:country", "label:polygon")]:
        _halo(t, width=2.0)
    ax.label_groups = {k: v for k, v in groups.items() if k in boxes}
    # a line whose every position failed counts as dropped once
    lines = {c.own for c in cands if c.kind == "line"}
    dropped += len([k for k in lines if k not in done])
    return n_placed, dropped


def _label_style(kind: str) -> dict:
    if kind == "country":
        return {"fontsize": 7, "color": BASEMAP["country_label"], "fontstyle": "italic",
                "zorder": 40}
    if kind == "province":
        return {"fontsize": 6.5, "color": BASEMAP["label"], "fontstyle": "italic",
                "zorder": 41}
    if kind == "place":
        return {"fontsize": LABEL_PT, "color": INK, "fontweight": "bold", "zorder": 63}
    if kind == "line":
        return {"fontsize": LABEL_PT, "color": INK, "fontstyle": "italic", "zorder": 61}
    if kind == "polygon":
        return {"fontsize": 6.5, "color": MUTED, "zorder": 60}
    return {"fontsize": LABEL_PT, "color": INK, "zorder": 62}


# -- legend ------------------------------------------------------------------------------
class _Swatch:
    """A legend handle: one :class:`~geoatlas.style.LegendEntry`."""

    def __init__(self, entry: LegendEntry):
        self.entry = entry


def _swatch_handler():
    from matplotlib.legend_handler import HandlerBase
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle, Rectangle

    class SwatchHandler(HandlerBase):
        def create_artists(self, legend, orig_handle, xdescent, ydescent, width, height,
                           fontsize, trans):
            entry = orig_handle.entry
            s = entry.symbol
            cx, cy = width / 2 - xdescent, height / 2 - ydescent
            if s is None or entry.kind == "note":
                art = Rectangle((-xdescent, -ydescent), width, height, visible=False)
            elif entry.kind == "point":
                art = Circle((cx, cy), radius=s.radius * PT_PER_PX,
                             facecolor=_rgba(s.fill, s.fill_opacity),
                             edgecolor=_rgba(s.color, s.opacity), linewidth=_lw(s),
                             linestyle=_linestyle(s.dash))
            elif entry.kind == "line":
                art = Line2D([-xdescent, width - xdescent], [cy, cy],
                             color=_rgba(s.color, s.opacity), linewidth=_lw(s),
                             linestyle=_linestyle(s.dash), solid_capstyle="butt",
                             dash_capstyle="butt")
            else:
                art = Rectangle((-xdescent + 1, cy - height * 0.45), width - 2, height * 0.9,
                                facecolor=_rgba(s.fill, s.fill_opacity),
                                edgecolor=_rgba(s.color, s.opacity), linewidth=_lw(s),
                                linestyle=_linestyle(s.dash))
            art.set_transform(trans)
            return [art]

    return SwatchHandler()


def legend_parts(p: PreparedLayer) -> list[list[LegendEntry]]:
    """Split a layer's legend into runs drawn as one matplotlib Legend each.

    Rows of one Legend share a height; graduated circles need tall rows, categories do
    not, so each change of swatch kind or size starts a new part.

    Parameters
    ----------
    p : PreparedLayer
        The layer.

    Returns
    -------
    list of list of LegendEntry
        The entries, in the style spec's order, grouped into parts.
    """
    parts: list[list[LegendEntry]] = []
    last = None
    for e in p.legend:
        key = (e.kind, round(e.symbol.radius, 3) if e.kind == "point" and e.symbol else None)
        if key != last or not parts:
            parts.append([])
        parts[-1].append(e)
        last = key
    # merge consecutive short parts of the same kind (e.g. categories then quality notes)
    merged: list[list[LegendEntry]] = []
    for part in parts:
        if merged and merged[-1][0].kind == part[0].kind and part[0].kind != "point":
            merged[-1].extend(part)
        else:
            merged.append(part)
    return merged


def entry_label(p: PreparedLayer, e: LegendEntry) -> str:
    """The legend text of an entry: its label, or the layer title for a lone symbol."""
    return e.label or p.spec.title


def _text_width(text: str, size: float, renderer=None) -> float:
    """Width in points of ``text`` set in :data:`FONT` at ``size`` points.

    With an Agg ``renderer`` the hinted raster width is measured (a few % wider than
    the outline width at small sizes), so wrapped lines fit the PNG too.
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family=_fonts(), size=size)
    if renderer is not None:
        w = renderer.get_text_width_height_descent(text, prop, ismath=False)[0]
        return w * 72.0 / renderer.dpi
    return TextToPath().get_text_width_height_descent(text, prop, ismath=False)[0]


def _wrap_measured(text: str, width_pt: float, size: float, renderer=None) -> list[str]:
    """Greedy word wrap by measured text width (not character counts)."""
    words = text.split()
    if not words:
        return []
    space = _text_width("a a", size, renderer) - 2 * _text_width("a", size, renderer)
    lines, current, current_w = [], [words[0]], _text_width(words[0], size, renderer)
    for word in words[1:]:
        w = _text_width(word, size, renderer)
        if current_w + space + w <= width_pt:
            current.append(word)
            current_w += space + w
        else:
            lines.append(" ".join(current))
            current, current_w = [word], w
    lines.append(" ".join(current))
    return lines


class _Layout:
    """Figure geometry: title band, map, side panel (legend), attribution band."""

    def __init__(self, fig, page: PageLayout, recipe, atlas, shown):
        """Lay the page out as planned by :func:`~geoatlas.render.mapframe.page_layout`."""
        self.fig, self.page, self.recipe, self.atlas, self.shown = fig, page, recipe, atlas, shown
        self.frame = page.view
        self.W, self.H = page.size
        self.MARGIN = page.map_box[0] - 0.12
        self.map_box = page.map_box
        self.panel_x = page.panel_box[0]
        self.view = page.view
        self.attr_lines = self._attribution_lines()
        self.corners = self._rank_corners()
        self.inset_corner = self.corners[0]
        rest = [c for c in self.corners[1:]]
        self.scale_corner = next(c for c in rest if "lower" in c) if any(
            "lower" in c for c in rest) else rest[0]
        rest.remove(self.scale_corner)
        self.north_corner = "upper right" if "upper right" in rest else rest[0]
        self._inset = None

    # -- geometry --------------------------------------------------------------------
    def _rank_corners(self) -> list[str]:
        """Corners of the map ordered by how little data they would cover."""
        xmin, ymin, xmax, ymax = self.view.bounds
        w, h = xmax - xmin, ymax - ymin
        fw, fh = 0.3, 0.3 * self.view.aspect
        coords = []
        for p in self.shown:
            if p.name in ("countries", "provinces"):
                continue
            geoms = _project(p.frame, self.view, pad=0.0)
            coords.append(shapely.get_coordinates(geoms))
        xy = np.concatenate(coords) if coords else np.empty((0, 2))
        scores = []
        for i, corner in enumerate(_CORNERS):
            x0 = xmin if "left" in corner else xmax - w * fw
            y0 = ymin if "lower" in corner else ymax - h * fh
            inside = ((xy[:, 0] >= x0) & (xy[:, 0] <= x0 + w * fw)
                      & (xy[:, 1] >= y0) & (xy[:, 1] <= y0 + h * fh)).sum()
            scores.append((int(inside), i, corner))
        return [c for _, _, c in sorted(scores)]

    def _frac(self, x, y, w, h):
        return (x / self.W, y / self.H, w / self.W, h / self.H)

    def map_axes(self):
        ax = self.fig.add_axes(self._frac(*self.map_box), label="map")
        _setup_map_axes(ax, self.view)
        self.ax = ax
        return ax

    def inset_axes(self):
        left, bottom, w, h = self.map_box
        iw = min(w * 0.25, 2.0)
        ih = iw * 0.78
        pad = 0.06
        x = left + pad if "left" in self.inset_corner else left + w - iw - pad
        y = bottom + pad if "lower" in self.inset_corner else bottom + h - ih - pad
        ax = self.fig.add_axes(self._frac(x, y, iw, ih), label="inset", zorder=5)
        ax.set_anchor("SW" if "lower" in self.inset_corner else "NW")
        if "right" in self.inset_corner:
            ax.set_anchor("SE" if "lower" in self.inset_corner else "NE")
        self._inset = ax
        return ax

    def inset_bbox_display(self):
        from matplotlib.transforms import Bbox

        if self._inset is None:
            return Bbox.from_extents(0, 0, 0, 0)
        self._inset.apply_aspect()
        return self._inset.get_window_extent(self.fig.canvas.get_renderer()).padded(4)

    # -- text ------------------------------------------------------------------------
    def title(self) -> None:
        left = self.map_box[0]
        top = self.H - 0.3
        self.fig.text(left / self.W, top / self.H, self.recipe.title, ha="left", va="top",
                      fontsize=16, fontweight="bold", color=INK)
        sub = self.recipe.subtitle
        if self.recipe.as_of:
            sub = f"{sub} · status as of {self.recipe.as_of.isoformat()}" if sub else (
                f"Status as of {self.recipe.as_of.isoformat()}")
        if sub:
            self.fig.text(left / self.W, (top - 0.36) / self.H, sub, ha="left", va="top",
                          fontsize=10, color=MUTED)

    def _attribution_lines(self) -> list[str]:
        """Credits, projection and publishers in at most three lines; titles on page 2."""
        return attribution_lines(self.atlas, self.recipe, self.shown, self.frame.crs,
                                 (self.W - 2 * self.MARGIN) * 72 * 0.96,
                                 self.fig.canvas.get_renderer())

    def attribution(self) -> None:
        left = self.MARGIN
        self.fig.text(left / self.W, 0.12 / self.H, "\n".join(self.attr_lines), ha="left",
                      va="bottom", fontsize=ATTRIBUTION_PT, color=MUTED, linespacing=1.3,
                      gid="attribution")

    # -- legend ----------------------------------------------------------------------
    def legends(self, shown: Sequence[PreparedLayer]) -> None:
        """Stack one Legend per layer part in the side panel, shrinking to fit."""
        from matplotlib.legend import Legend

        _, bottom, _, h = self.map_box
        panel_w = self.W - self.MARGIN - self.panel_x
        pax = self.fig.add_axes(self._frac(self.panel_x, bottom, panel_w, h), label="legend")
        pax.axis("off")
        renderer = self.fig.canvas.get_renderer()
        panel_h = pax.get_window_extent(renderer).height
        handler = _swatch_handler()
        parts = [(p, i, entries, i + 1 == len(legend_parts(p)))
                 for p in shown for i, entries in enumerate(legend_parts(p))]
        # (columns, font size, wrap width in characters), tried in order
        configs = ((1, LEGEND_PT, 46), (2, LEGEND_PT, 21), (2, 6.5, 23), (2, 6.0, 25),
                   (2, 5.5, 27))
        for ncols, fontsize, wrap in configs:
            for a in list(pax.artists):
                a.remove()
            col, y, fits = 0, 1.0, True
            made = []
            for p, i, entries, last in parts:
                leg = self._legend(pax, Legend, handler, p, i, entries, fontsize, wrap)
                pax.add_artist(leg)
                made.append((p, i, leg, last,
                             leg.get_window_extent(renderer).height / panel_h))
            for k, (p, i, leg, last, height) in enumerate(made):
                if i == 0 and y < 1.0 and col + 1 < ncols:
                    # keep a layer in one column when it fits there
                    whole = sum(m[4] + 0.012 for m in made[k:] if m[0] is p)
                    if y - whole < 0 and whole <= 1.0:
                        col, y = col + 1, 1.0
                if y - height < 0 and col + 1 < ncols:
                    col, y = col + 1, 1.0
                if y - height < 0:
                    fits = False
                leg.set_bbox_to_anchor((col * 0.5, y), transform=pax.transAxes)
                y -= height + (0.035 if last else 0.012)
            if fits:
                break

    def _legend(self, pax, Legend, handler, p, i, entries, fontsize, wrap):
        handles = [_Swatch(e) for e in entries]
        labels = ["\n".join(textwrap.wrap(entry_label(p, e), wrap)) or " " for e in entries]
        lone = len(p.legend) == 1 and not p.legend[0].label
        title = None if (i > 0 or lone) else p.spec.title
        max_r = max((e.symbol.radius * PT_PER_PX for e in entries
                     if e.kind == "point" and e.symbol), default=0)
        handleheight = max(0.9, (2 * max_r + 2) / fontsize)
        leg = Legend(pax, handles, labels, loc="upper left", fontsize=fontsize,
                     title=title, title_fontsize=fontsize + 0.8, alignment="left",
                     handler_map={_Swatch: handler}, handlelength=3.0,
                     handleheight=handleheight, handletextpad=0.7, labelspacing=0.45,
                     borderpad=0.0, borderaxespad=0.0, frameon=False)
        if title:
            leg.get_title().set_fontweight("bold")
            leg.get_title().set_color(INK)
        for t in leg.get_texts():
            t.set_color(INK)
        leg.set_gid(f"legend:{p.name}:{i}")
        return leg


_MIRROR = re.compile(r"\s*\((?:[^()]*\b(?:mirror|repost(?:ed)?|citing|via|copy)\b[^()]*)\)",
                     re.IGNORECASE)


def publisher_name(publisher: str, title: str = "") -> str:
    """The publisher as credited under a map: mirrors and reposts name the original.

    >>> publisher_name("Wikipedia (enwikipedia.net mirror)")
    'Wikipedia'
    >>> publisher_name("Foreign Policy (reposted by South Asian Monitor)")
    'Foreign Policy'
    >>> publisher_name("", "A very long report title that has no publisher at all, sadly")
    'A very long report title that has no publishe…'
    """
    name = _MIRROR.sub("", str(publisher or "")).strip()
    if not name:
        title = " ".join(str(title).split())
        name = title if len(title) <= 48 else title[:45].rstrip() + "…"
    return name


def cited_documents(atlas, shown: Sequence[PreparedLayer]):
    """The rows of ``sources`` cited by the features shown, sorted by publisher and date.

    Parameters
    ----------
    atlas : Atlas
        The workspace (its ``sources`` table).
    shown : sequence of PreparedLayer
        The layers drawn; their rows' ``source_ids`` and ``coord_source`` count.

    Returns
    -------
    pandas.DataFrame
        One row per document (possibly empty).
    """
    import pandas as pd

    ids: set[str] = set()
    for p in shown:
        for col in ("source_ids", "coord_source"):
            if col in p.frame:
                for cell in p.frame[col].dropna():
                    ids.update(x.strip() for x in str(cell).split(";") if x.strip())
    if "sources" not in atlas.tables or not ids:
        return pd.DataFrame(columns=["id", "title", "publisher", "published"])
    src = atlas["sources"]
    src = src[src["id"].isin(ids)].copy()
    src["_pub"] = [publisher_name(p, t) for p, t in zip(src.get("publisher", ""),
                                                        src["title"])]
    src = src.sort_values(["_pub", "published", "title"] if "published" in src
                          else ["_pub", "title"], key=lambda c: c.astype(str).str.casefold())
    return src.drop(columns="_pub")


def publishers(atlas, shown: Sequence[PreparedLayer]) -> list[str]:
    """The publishers of the documents cited, each once, with a count where several.

    Returns
    -------
    list of str
        ``"EFSAS"``, ``"Wikipedia (12)"``, ... sorted case-insensitively.
    """
    docs = cited_documents(atlas, shown)
    counts: dict[str, int] = {}
    for pub, title in zip(docs.get("publisher", [""] * len(docs)), docs["title"]):
        name = publisher_name(pub, title)
        counts[name] = counts.get(name, 0) + 1
    return [f"{n} ({c})" if c > 1 else n
            for n, c in sorted(counts.items(), key=lambda t: (t[0].casefold(), t[0]))]


def cited_sources(atlas, shown: Sequence[PreparedLayer], short: bool = True) -> list[str]:
    """The documents cited by the features shown, one citation each.

    Parameters
    ----------
    atlas : Atlas
        The workspace (its ``sources`` table).
    shown : sequence of PreparedLayer
        The layers drawn.
    short : bool
        The publishers, each once with a count (what the static map credits, see
        :func:`publishers`); otherwise ``Title (Publisher, date)`` per document.

    Returns
    -------
    list of str
    """
    if short:
        return publishers(atlas, shown)
    out = []
    for row in cited_documents(atlas, shown).itertuples(index=False):
        bits = ", ".join(b for b in (str(getattr(row, "publisher", "") or "").strip(),
                                     str(getattr(row, "published", "") or "").strip()) if b)
        title = " ".join(str(row.title).split())
        out.append(f"{title} ({bits})" if bits else title)
    return out


def attribution_lines(atlas, recipe, shown, crs, width_pt: float, renderer=None,
                      max_lines: int = MAX_ATTRIBUTION_LINES) -> list[str]:
    """The attribution under the map: credits, projection, publishers, pointer to page 2.

    The basemap credit comes from the basemap's own metadata
    (:attr:`geoatlas.Atlas.basemap_credit`); a ``Basemap: ...`` sentence in the recipe's
    credits is replaced by it. Publishers are listed once each; when they
    do not fit in ``max_lines`` the rest are counted. Full titles are on page 2 of the
    PDF (:func:`sources_pages`).

    Returns
    -------
    list of str
        At most ``max_lines`` lines, each at most ``width_pt`` wide.
    """
    credits = " ".join(sentence for sentence in re.split(r"(?<=\.)\s+", recipe.credits.strip())
                       if sentence and not sentence.lower().startswith("basemap:"))
    first = f"{atlas.basemap_credit} {credits} Projection: {describe_crs(crs)}."
    first = " ".join(first.split())
    pubs = publishers(atlas, shown)
    lines = _wrap_measured(first, width_pt, ATTRIBUTION_PT, renderer)
    if not pubs:
        return [*lines, "No documents are cited by the features shown."][:max_lines]
    n_docs = len(cited_documents(atlas, shown))
    for k in range(len(pubs), 0, -1):
        rest = len(pubs) - k
        more = f"; and {rest} more" if rest else ""
        second = (f"Sources ({n_docs} documents) by publisher: " + "; ".join(pubs[:k])
                  + more + f". {SOURCES_NOTE}")
        wrapped = _wrap_measured(second, width_pt, ATTRIBUTION_PT, renderer)
        if len(lines) + len(wrapped) <= max_lines:
            return lines + wrapped
    return (lines + _wrap_measured(f"Sources: {n_docs} documents. {SOURCES_NOTE}", width_pt,
                                   ATTRIBUTION_PT, renderer))[:max_lines]


def sources_pages(atlas, recipe, shown, size=None) -> list:
    """The pages after the map in the PDF: every cited document, title, publisher, date.

    Parameters
    ----------
    atlas : Atlas
        The workspace.
    recipe : Recipe
        The map's recipe (its title heads the list).
    shown : sequence of PreparedLayer
        The layers drawn.
    size : sequence of float, optional
        Page size in inches (default: A4 landscape).

    Returns
    -------
    list of matplotlib.figure.Figure
        One or more pages; their texts carry the gid ``source:<id>``.
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    docs = cited_documents(atlas, shown)
    w, h = (float(v) for v in (size or PAGE_IN))
    pages = []
    with matplotlib.rc_context(_rc()):
        col_w_pt = (w - 2 * 0.5 - 0.3) / 2 * 72
        entries = []
        for row in docs.itertuples(index=False):
            pub = str(getattr(row, "publisher", "") or "").strip()
            date = str(getattr(row, "published", "") or "").strip()
            loc = str(getattr(row, "file", "") or "").strip()
            text = " ".join(str(row.title).split())
            meta = ", ".join(x for x in (pub, date) if x)
            line = f"{meta} — {text}." if meta else f"{text}."
            if loc:
                line += f" File: {loc}."
            wrapped = _wrap_measured(line, col_w_pt - 10, SOURCES_PT)
            entries.append((str(row.id), wrapped))
        line_h = SOURCES_PT * 1.3 / 72
        top, bottom = h - 0.95, 0.4
        per_col = int((top - bottom) / line_h)
        cols: list[list] = [[]]
        used = 0
        for ident, wrapped in entries:
            need = len(wrapped) + 0.25
            if used + need > per_col and cols[-1]:
                cols.append([])
                used = 0
            cols[-1].append((ident, wrapped))
            used += need
        for start in range(0, max(len(cols), 1), 2):
            fig = Figure(figsize=(w, h), dpi=100, facecolor="white")
            FigureCanvasAgg(fig)
            page_no = 2 + start // 2
            fig.text(0.5 / w, (h - 0.45) / h, f"Sources of the map “{recipe.title}”",
                     ha="left", va="top", fontsize=12, fontweight="bold", color=INK)
            fig.text(0.5 / w, (h - 0.72) / h,
                     f"Every document cited by the features shown ({len(docs)}), by "
                     f"publisher: publisher, date — title. Page {page_no}.",
                     ha="left", va="top", fontsize=7.5, color=MUTED)
            for c, col in enumerate(cols[start:start + 2]):
                x = 0.5 + c * ((w - 1.0) / 2 + 0.15)
                y = top
                for ident, wrapped in col:
                    fig.text(x / w, y / h, "\n".join(wrapped), ha="left", va="top",
                             fontsize=SOURCES_PT, color=INK, linespacing=1.3,
                             gid=f"source:{ident}")
                    y -= (len(wrapped) + 0.25) * line_h
            pages.append(literal_text(fig))
    return pages
