"""The style spec in matplotlib terms: a Symbol's colours, widths and dashes in points.

Style sizes are CSS pixels (1/96 in) and dashes multiples of the line weight
(:mod:`geoatlas.style`); print works in points (1/72 in). Every static drawing of a
:class:`~geoatlas.style.Symbol` (features, legend swatches, label offsets) converts it
here, and names the basemap palette's colours it uses (:data:`geoatlas.style.BASEMAP`).

Examples
--------
>>> from geoatlas.style import Symbol
>>> sym = Symbol("#1f5fa8", "#ffffff", weight=2.0, opacity=1.0, fill_opacity=1.0,
...              radius=4.0, dash=(1, 2))
>>> line_width(sym), linestyle(sym.dash)
(1.5, (0, (1.0, 2.0)))
>>> rgba("#ffffff", 1.5)
(1.0, 1.0, 1.0, 1.0)
"""

from __future__ import annotations

from ...style import BASEMAP, Symbol

__all__ = ["BORDER", "INK", "LAND", "MUTED", "PT_PER_PX", "SEA", "line_width", "linestyle",
           "rgba"]

PT_PER_PX = 0.75
"""Style sizes are CSS pixels (1/96 in); print uses points (1/72 in)."""
INK = BASEMAP["ink"]
MUTED = BASEMAP["muted"]
SEA = BASEMAP["sea"]
LAND = BASEMAP["land"]
BORDER = BASEMAP["border"]


def rgba(color: str, alpha: float):
    """``color`` with ``alpha`` (clipped to 0..1) as a matplotlib RGBA tuple."""
    from matplotlib.colors import to_rgba

    return to_rgba(color, max(0.0, min(1.0, float(alpha))))


def linestyle(dash: tuple[float, ...] | None):
    """The Symbol's dash (multiples of the weight) as a matplotlib linestyle.

    matplotlib scales dash lengths by the line width (``lines.scale_dashes``), which is
    exactly the style spec's unit.
    """
    return "solid" if not dash else (0, tuple(float(d) for d in dash))


def line_width(sym: Symbol) -> float:
    """The Symbol's weight in points."""
    return float(sym.weight) * PT_PER_PX
