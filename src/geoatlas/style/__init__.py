"""THE style spec: one renderer-agnostic description of how each layer looks.

A :class:`LayerStyle` turns a layer's rows into per-feature :class:`Symbol` values
(colour, fill, size, dash, opacity) and into legend entries. The web map, the static
map and the QGIS styles all read the same spec, so a colour changed in a recipe changes
every output and every legend together.

Units are renderer-neutral: ``radius`` and ``weight`` are in screen points at 96 dpi
(the web renderer uses them as CSS pixels, print renderers scale them), and dashes are
on/off lengths in multiples of the line weight.

Examples
--------
>>> import pandas as pd
>>> s = LayerStyle.from_dict("deposits", "point",
...     {"color_by": "primary_commodity", "palette": {"copper": "#b87333"}})
>>> frame = pd.DataFrame({"primary_commodity": ["copper", "gold"],
...                       "location_quality": ["exact", "approximate"]})
>>> [sym.fill for sym in s.symbols(frame)]
['#b87333', '#dfb000']
>>> s.symbols(frame)[0].dash, s.symbols(frame)[1].dash
(None, (2, 1.5))
"""

from __future__ import annotations

from .layer import ALLOWED_KEYS, LayerStyle, LegendEntry, Symbol, dash_css
from .palette import (
    BASEMAP,
    BASEMAP_WIDTHS,
    COMMODITY_COLORS,
    COMMODITY_LABELS,
    FALLBACK_PALETTE,
    LABEL_MIN_ZOOM,
    NO_VALUE_COLOR,
    PRINT_BASEMAP,
    PRINT_HALOS,
    PRINT_LABELS,
    PRINT_PLACES,
    PRINT_WIDTHS,
    QUALITY_NOTES,
    QUALITY_TEXT,
    RASTER_RAMPS,
    STARTER_STYLES,
    STATUS_COLORS,
    STATUS_DASHES,
    STATUS_GROUP_LABELS,
    STATUS_LABELS,
    TILES,
)
from .words import compact_number, field_words, human_label, short_label

__all__ = [
    "ALLOWED_KEYS",
    "BASEMAP",
    "BASEMAP_WIDTHS",
    "COMMODITY_COLORS",
    "COMMODITY_LABELS",
    "FALLBACK_PALETTE",
    "LABEL_MIN_ZOOM",
    "NO_VALUE_COLOR",
    "PRINT_BASEMAP",
    "PRINT_HALOS",
    "PRINT_LABELS",
    "PRINT_PLACES",
    "PRINT_WIDTHS",
    "QUALITY_NOTES",
    "QUALITY_TEXT",
    "RASTER_RAMPS",
    "STARTER_STYLES",
    "STATUS_COLORS",
    "STATUS_DASHES",
    "STATUS_GROUP_LABELS",
    "STATUS_LABELS",
    "TILES",
    "LayerStyle",
    "LegendEntry",
    "Symbol",
    "compact_number",
    "dash_css",
    "field_words",
    "human_label",
    "short_label",
]
