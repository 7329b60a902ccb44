"""Static maps fit to print: PNG, SVG and PDF drawn with matplotlib from the style spec.

This package's job is the print map of a prepared recipe; :func:`write` saves it,
:func:`figure` draws it, :func:`map_image` renders only the map body (for the
georeferenced map image). The map is drawn in a projected CRS (the recipe's
``[static] crs`` EPSG code, else a Lambert conformal conic fitted to the extent), never
in plate carrée degrees. Every feature is drawn with exactly the colours, widths,
dashes and opacities of its :class:`~geoatlas.style.Symbol`, and the legend is built
from each layer's :class:`~geoatlas.style.LegendEntry` list, so the print map, the web
map and QGIS agree.

Around the map: title and subtitle, the legend, a scale bar in km (true at the map
centre), a north arrow (true north at the map centre), an inset locator map and an
attribution line naming the basemap and every document cited by the features shown.
Labels of the recipe's ``[static] labels`` layers go through a greedy collision pass:
a label that cannot be placed without overlapping another is dropped.

The modules, in drawing order: :mod:`.page` (the page and its corners),
:mod:`.basemap`, :mod:`.layers`, :mod:`.furniture` (scale bar, north), :mod:`.inset`,
:mod:`.labels` (with :mod:`.candidates` and :mod:`.places`), :mod:`.legend` and
:mod:`.attribution`; under them :mod:`.project` (features into the map CRS),
:mod:`.symbols` (Symbol → matplotlib) and :mod:`.text` (fonts, literal text, halos).
matplotlib is imported only inside the functions, so ``import geoatlas`` stays light.

Examples
--------
>>> import geoatlas
>>> from geoatlas.recipe import load_recipe
>>> atlas = geoatlas.open()
>>> recipe = load_recipe(atlas, "afghanistan-minerals")
>>> fig = figure(atlas, recipe)
>>> [t.get_text() for t in legends(fig)["deposits"]][:2]
['copper', 'iron']
>>> write(atlas, recipe, None, "out", formats=("png",))             # doctest: +SKIP
[PosixPath('out/afghanistan-minerals.png')]
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ...formats import STATIC_FORMATS
from ..mapframe import (
    NORTH_TOLERANCE_DEG,
    focus_countries,
    in_view,
    map_frame,
    north_variation,
    page_layout,
)
from ..prepare import prepare
from .attribution import sources_pages
from .basemap import draw_basemap, draw_graticule, setup_map_axes
from .furniture import draw_north, draw_scale_bar
from .inset import draw_inset
from .labels import label_and_mark_places
from .layers import draw_layers
from .legend import legends
from .page import Page
from .project import tolerance
from .text import SAVE_RC, literal_text, rc_params

__all__ = ["figure", "legends", "map_image", "write"]

log = logging.getLogger(__name__)


def write(atlas, recipe, layers, folder, formats=None, dpi=None, **options) -> list[Path]:
    """Write ``<recipe.name>.png/.svg/.pdf`` into ``folder`` and return their paths.

    Parameters
    ----------
    atlas : Atlas
        The loaded workspace.
    recipe : Recipe
        The map recipe (a name is resolved before, by :func:`geoatlas.recipe.load_recipe`).
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
    layers = _prepared(atlas, recipe, layers)
    formats = tuple(formats) if formats else tuple(recipe.static.formats)
    bad = [f for f in formats if f not in STATIC_FORMATS]
    if bad:
        from ...errors import OutputError

        raise OutputError(f"unknown static format(s) {', '.join(bad)}; allowed: png, svg, pdf")
    dpi = int(dpi or recipe.static.dpi)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fig = figure(atlas, recipe, layers)
    return _save(fig, atlas, recipe, layers, folder, formats, dpi)


def _save(fig, atlas, recipe, layers, folder: Path, formats, dpi: int) -> list[Path]:
    """Save ``fig`` in each format; the PDF has the list of sources after the map."""
    import matplotlib

    meta = {
        "png": {"Title": recipe.title, "Software": "geoatlas (matplotlib)"},
        "svg": {"Title": recipe.title, "Date": None, "Creator": "geoatlas (matplotlib)"},
        "pdf": {"Title": recipe.title, "CreationDate": None, "ModDate": None,
                "Creator": "geoatlas (matplotlib)"},
    }
    written = []
    with matplotlib.rc_context({**rc_params(), **SAVE_RC}):
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


def figure(atlas, recipe, layers=None):
    """The full print layout of a recipe as a matplotlib Figure (Agg canvas).

    Parameters
    ----------
    atlas : Atlas
        The loaded workspace.
    recipe : Recipe
        The map recipe.
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

    layers = _prepared(atlas, recipe, layers)
    frame = map_frame(layers, recipe)
    shown = [p for p in layers if p.spec.visible and len(p.frame)]
    with matplotlib.rc_context(rc_params()):
        page = page_layout(frame, recipe.static.size)
        fig = Figure(figsize=page.size, dpi=100, facecolor="white")
        FigureCanvasAgg(fig)
        layout = Page(fig, page, recipe, atlas, shown)
        view = page.view
        ax = layout.map_axes()
        tol = tolerance(view, layout.map_box[2])
        variation = north_variation(view)
        draw_basemap(ax, atlas, view, tolerance=tol, focus=_focus(atlas, shown))
        draw_graticule(ax, view, edge_labels=True,
                       strong=variation > NORTH_TOLERANCE_DEG)
        points = draw_layers(ax, shown, view, tolerance=tol)
        placed = draw_scale_bar(ax, view, layout.scale_corner)
        # A north note with no clear corner of its own stacks on the scale bar.
        stack = variation > NORTH_TOLERANCE_DEG and layout.furniture.north_stacks
        placed += draw_north(ax, view, layout.scale_corner if stack else layout.north_corner,
                             variation, beside=placed[0] if stack else None)
        draw_inset(layout.inset_axes(), atlas, view)
        renderer = fig.canvas.get_renderer()
        blockers = [b for b in placed] + [layout.inset_bbox_display()]
        n, dropped = label_and_mark_places(ax, atlas, recipe, layers, view, points, blockers,
                                           renderer)
        log.info("%s: %d labels placed, %d dropped to avoid overlaps", recipe.name, n, dropped)
        layout.title()
        layout.legends(in_view(shown, view))
        layout.attribution()
    return literal_text(fig)


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
    recipe : Recipe
        The map recipe.
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

    layers = _prepared(atlas, recipe, layers)
    frame = map_frame(layers, recipe)
    dpi = int(dpi or recipe.static.dpi)
    width_px = max(16, round(width_in * dpi))
    height_px = max(16, round(width_px / frame.aspect))
    shown = [p for p in layers if p.spec.visible and len(p.frame)]
    with matplotlib.rc_context(rc_params()):
        fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1), label="map")
        setup_map_axes(ax, frame)
        ax.set_aspect("auto")
        ax.axis("off")
        tol = tolerance(frame, width_px / dpi)
        draw_basemap(ax, atlas, frame, tolerance=tol, focus=_focus(atlas, shown))
        draw_graticule(ax, frame, edge_labels=False)
        points = draw_layers(ax, shown, frame, tolerance=tol)
        label_and_mark_places(ax, atlas, recipe, layers, frame, points, [],
                              canvas.get_renderer())
        literal_text(fig)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba()).copy()
    if rgba.shape[:2] != (height_px, width_px):  # pragma: no cover - rounding guard
        rgba = rgba[:height_px, :width_px]
    return rgba, frame


def _prepared(atlas, recipe, layers) -> list:
    """The prepared layers given, else the recipe's, prepared now."""
    if layers is None:
        layers = prepare(atlas, recipe)
    return list(layers)
