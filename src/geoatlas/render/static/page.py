"""The print page: title band, map, legend panel and attribution band, and its corners.

A :class:`Page` lays a figure out as :func:`~geoatlas.render.mapframe.page_layout`
planned it (A4 landscape by default), ranks the map's corners by how little data they
would cover (the inset takes the emptiest, then the scale bar, then north), and draws
the title, the subtitle with the as-of date, the legend panel and the attribution.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

from ..mapframe import PageLayout, furniture_corners
from ..prepare import PreparedLayer
from .attribution import ATTRIBUTION_PT, attribution_lines
from .basemap import setup_map_axes
from .legend import draw_legends
from .project import project
from .symbols import INK, MUTED

__all__ = ["Page"]


class Page:
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
        # Inset, scale bar and north each go where they cover the least data (Reko Diq
        # once sat under a scale bar forced into the lower left): mapframe decides, for
        # the QGIS layout too.
        self.furniture = furniture_corners(self.view.bounds, self._data_xy(),
                                           (0.3, 0.3 * self.view.aspect))
        self.inset_corner = self.furniture.inset
        self.scale_corner = self.furniture.scale
        self.north_corner = self.furniture.north
        self._inset = None

    # -- geometry --------------------------------------------------------------------
    def _data_xy(self) -> np.ndarray:
        """The projected vertices of the thematic features shown (not the basemap's)."""
        coords = [shapely.get_coordinates(project(p.frame, self.view, pad=0.0))
                  for p in self.shown if p.name not in ("countries", "provinces")]
        return np.concatenate(coords) if coords else np.empty((0, 2))

    def _frac(self, x, y, w, h):
        return (x / self.W, y / self.H, w / self.W, h / self.H)

    def map_axes(self):
        """The map's axes, fitted to the view."""
        ax = self.fig.add_axes(self._frac(*self.map_box), label="map")
        setup_map_axes(ax, self.view)
        self.ax = ax
        return ax

    def inset_axes(self):
        """The locator inset's axes, in the emptiest corner of the map."""
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
        """The inset's display box (padded), an obstacle for labels."""
        from matplotlib.transforms import Bbox

        if self._inset is None:
            return Bbox.from_extents(0, 0, 0, 0)
        self._inset.apply_aspect()
        return self._inset.get_window_extent(self.fig.canvas.get_renderer()).padded(4)

    # -- text ------------------------------------------------------------------------
    def title(self) -> None:
        """The title, and the subtitle with the as-of date."""
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
        """The attribution lines in the band under the map."""
        left = self.MARGIN
        self.fig.text(left / self.W, 0.12 / self.H, "\n".join(self.attr_lines), ha="left",
                      va="bottom", fontsize=ATTRIBUTION_PT, color=MUTED, linespacing=1.3,
                      gid="attribution")

    # -- legend ----------------------------------------------------------------------
    def legends(self, shown: Sequence[PreparedLayer]) -> None:
        """The legend panel beside the map (:func:`~.legend.draw_legends`)."""
        _, bottom, _, h = self.map_box
        panel_w = self.W - self.MARGIN - self.panel_x
        pax = self.fig.add_axes(self._frac(self.panel_x, bottom, panel_w, h), label="legend")
        pax.axis("off")
        draw_legends(pax, shown)
