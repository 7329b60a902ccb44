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

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

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


# Default colours per commodity. Chosen by scripts/palette.py from colours that mean
# something (copper, gold, near-black oil, deep-blue lapis lazuli ...): every pair differs
# by CIEDE2000 >= 10 for normal vision and stays apart for deuteranopes and protanopes
# (tests/test_style.py measures both), and every colour reads on the basemap's land.
COMMODITY_COLORS = {
    "copper": "#bb793a",
    "iron": "#7e3b07",
    "lithium": "#2b9e77",
    "oil": "#363637",
    "gas": "#795bcb",
    "coal": "#5a5a5a",
    "gold": "#dfb000",
    "chromite": "#00778b",
    "lapis_lazuli": "#1d2f8f",
    "uranium": "#a9dd5f",
    "rare_earths": "#f43273",
    "talc": "#b5b2ad",
    "marble": "#d4dab8",
    "gemstones": "#cb3e1a",
    "cobalt": "#21699f",
    "silver": "#a3b6c8",
    "zinc": "#6f8fa0",
    "lead": "#4a4a6a",
    "molybdenum": "#597615",
    "tungsten": "#8774a8",
    "antimony": "#c2a5e0",
    "tin": "#6da9aa",
    "nickel": "#2b6d41",
}
COMMODITY_LABELS = {"lapis_lazuli": "lapis lazuli", "rare_earths": "rare earths"}
"""Legend wording of commodities, where replacing ``_`` by a space is not enough."""

STATUS_COLORS = {
    "operating": "#1a9641",
    "under_construction": "#f08c00",
    "signed": "#1f5fa8",
    "agreed": "#56a0d3",
    "planned": "#7b3294",
    "announced": "#c27fd6",
    "proposed": "#9e9ac8",
    "rumored": "#d4c7e6",
    "suspended": "#d7191c",
    "terminated": "#8c0d0d",
    "cancelled": "#969696",
    "superseded": "#a6761d",
    "unknown": "#4d4d4d",
}
"""One colour per status: green runs, orange is being built, blues are committed on
paper, purples are intentions (darker = firmer), reds stopped, grey cancelled, brown
superseded by another plan."""
STATUS_DASHES: dict[str, tuple[float, ...] | None] = {
    "operating": None,
    "under_construction": (4, 2),
    "signed": (1, 2),
    "agreed": (1, 2),
    "planned": (1, 2),
    "announced": (1, 2),
    "proposed": (1, 2),
    "rumored": (1, 3),
    "suspended": (6, 2, 1, 2),
    "terminated": (6, 2, 1, 2),
    "cancelled": (6, 2, 1, 2),
    "superseded": (6, 2, 1, 2),
    "unknown": (2, 2),
}
"""Solid = running; dashed = being built; dotted = on paper; dash-dot = stopped."""
STATUS_LABELS = {
    "under_construction": "under construction",
    "unknown": "status unknown",
    "superseded": "superseded (replaced by another plan)",
}
"""Legend wording of statuses where replacing ``_`` by a space is not enough."""
STATUS_GROUP_LABELS = {
    None: "operating (solid)",
    (4, 2): "under construction (dashed)",
    (1, 2): "signed, agreed, planned, announced or proposed (dotted)",
    (1, 3): "rumored (sparse dots)",
    (6, 2, 1, 2): "suspended, terminated, cancelled or superseded (dash-dot)",
    (2, 2): "status unknown",
}
FALLBACK_PALETTE = (
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666",
)
NO_VALUE_COLOR = "#9e9e9e"
"""Fill of a feature whose ``color_by`` value is empty."""
QUALITY_TEXT = {
    "exact": "exact location",
    "approximate": "approximate location",
    "admin_area": "only the province is known",
    "schematic": "schematic geometry (straight between known places)",
}
"""What each ``location_quality`` means, in words: the web popups' and badges' text."""
QUALITY_NOTES = {
    "exact": "exact location",
    "approximate": "approximate location (dashed outline)",
    "admin_area": "only the province is known (pale, dotted outline)",
    "schematic": "schematic: straight between known places (faded)",
}
"""The same in a legend, which also says how each quality is drawn."""

BASEMAP = {
    "sea": "#dce8f1",
    "land": "#ece9e2",
    "focus": "#fbfaf6",
    "neighbour": "#ece9e2",
    "lakes": "#cfe0ee",
    "rivers": "#8fb3d0",
    "border": "#9a948a",
    "province": "#c9c3b4",
    "label": "#5c5750",
    "country_label": "#8d877a",
    "halo": "#ffffff",
    "graticule": "#9bb3c7",
    "ink": "#1f1f1f",
    "muted": "#5c5c5c",
}
"""THE basemap palette, read by the web map, the static map and the QGIS project.

``focus`` fills the map's own countries (the ones its layers are about), ``neighbour``
every other country (``land`` is the same colour, for renderers with one land fill);
``border`` national borders, ``province`` first-level boundaries; ``label`` and
``country_label`` place and country names, drawn over a ``halo``; ``ink`` and ``muted``
the map furniture (title, legend, scale bar; notes and credits).
"""
RASTER_RAMPS = {
    # near = bright; far = dark (viridis anchors, reversed)
    "distance": ((253, 231, 37), (94, 201, 98), (33, 145, 140), (59, 82, 139), (68, 1, 84)),
    # low = pale; high = deep red (YlOrRd anchors)
    "density": ((255, 255, 204), (254, 217, 118), (253, 141, 60), (227, 26, 28), (128, 0, 38)),
}
"""Colour ramps of the raster products (RGB anchors, low to high), for every renderer."""
BASEMAP_WIDTHS = {"border": 0.9, "province": 0.5, "rivers": 0.6, "graticule": 0.35}
"""Line widths of the basemap in CSS pixels (print renderers scale them by 0.75)."""
PRINT_BASEMAP = {
    "frame": "#3d3d3d",
    "graticule_land": "#d6d2c8",
    "locator_focus": "#d9d3c5",
    "locator_border": "#ffffff",
    "locator_view": "#c0392b",
    "globe_rim": "#8d99a6",
    "globe_graticule": "#b8c7d4",
}
"""The print map's colours beside :data:`BASEMAP` (the static map and its locator inset).

``frame`` outlines the map; over land the graticule is ``graticule_land`` (over the sea,
BASEMAP's ``graticule``). On the locator inset the countries under the map's view are
``locator_focus`` (the others BASEMAP's ``land``) with ``locator_border`` outlines, the
view is outlined in ``locator_view`` (the red of the web minimap's aiming box), and a
globe inset has a ``globe_rim`` and a ``globe_graticule``.
"""
PRINT_WIDTHS = {"frame": 0.8, "inset_frame": 0.6, "graticule": 0.35, "graticule_strong": 0.45,
                "locator_border": 0.3, "locator_view": 1.3, "globe_rim": 0.6,
                "globe_graticule": 0.3}
"""Line widths of the print map's basemap, frames and inset, in points."""
PRINT_PLACES = {"capital_radius": 2.6, "place_radius": 1.8, "capital_dot": 1.6,
                "capital_ring": 0.8, "place_edge": 0.5}
"""Place marks of the print map in points: a capital is a ringed dot (``capital_radius``
with a ``capital_ring`` outline around a ``capital_dot``), another place an ink dot of
``place_radius`` with a white ``place_edge``."""
PRINT_LABELS = {
    "country": {"fontsize": 7, "color": BASEMAP["country_label"], "fontstyle": "italic"},
    "province": {"fontsize": 6.5, "color": BASEMAP["label"], "fontstyle": "italic"},
    "place": {"fontsize": 7.0, "color": BASEMAP["ink"], "fontweight": "bold"},
    "line": {"fontsize": 7.0, "color": BASEMAP["ink"], "fontstyle": "italic"},
    "polygon": {"fontsize": 6.5, "color": BASEMAP["muted"]},
    "feature": {"fontsize": 7.0, "color": BASEMAP["ink"]},
    "graticule": {"fontsize": 6, "color": BASEMAP["muted"]},
}
"""Label text of the print map by kind (matplotlib text properties, sizes in points):
country and province names, places, a recipe layer's lines, areas and points
(``feature``) have a halo of :data:`PRINT_HALOS`; ``graticule`` labels the edges."""
PRINT_HALOS = {"label": 2.4, "country": 2.0, "furniture": 2.2}
"""Widths in points of the BASEMAP ``halo`` behind print labels (country and area names
take the thinner ``country`` one) and behind the scale bar and north arrow texts."""
TILES = {
    "OpenStreetMap": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                      "&copy; OpenStreetMap contributors"),
    "CartoDB positron": ("https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
                         "&copy; OpenStreetMap contributors &copy; CARTO"),
    "OpenTopoMap": ("https://{s}.tile.opentopomap.org/{z}/{x}/{y}.png",
                    "&copy; OpenStreetMap contributors, SRTM | &copy; OpenTopoMap (CC-BY-SA)"),
}
"""The online basemaps a recipe may add (``basemaps = [...]``): name -> (XYZ URL, credit).

Optional extra layers over the offline basemap, for the web map and the QGIS project;
the credit is HTML (``&copy;``) as tile providers ask for it.
"""


def human_label(value: str, kind: str | None = None) -> str:
    """The legend wording of a category value: never a raw id or snake_case word.

    Parameters
    ----------
    value : str
        The value (``"rare_earths"``, ``"under_construction"``, ``"lapis-lazuli"``).
    kind : str, optional
        ``"status"`` or ``"commodity"`` to use that vocabulary's wording.

    Returns
    -------
    str

    Examples
    --------
    >>> human_label("rare_earths"), human_label("under_construction", "status")
    ('rare earths', 'under construction')
    >>> human_label("cpec-afghanistan-extension")
    'cpec afghanistan extension'
    """
    value = str(value)
    words = STATUS_LABELS if kind == "status" else COMMODITY_LABELS if kind else {}
    if value in words:
        return words[value]
    if value in COMMODITY_LABELS:
        return COMMODITY_LABELS[value]
    return " ".join(value.replace("_", " ").replace("-", " ").split())


ALLOWED_KEYS = (
    "color", "fill", "weight", "opacity", "fill_opacity", "radius",
    "color_by", "palette", "size_by", "size_classes", "sizes", "size_labels",
    "dash_by", "label", "mark_quality",
)


@dataclass(frozen=True)
class Symbol:
    """How one feature is drawn."""

    color: str
    fill: str
    weight: float
    opacity: float
    fill_opacity: float
    radius: float
    dash: tuple[float, ...] | None
    quality: str = "exact"


@dataclass(frozen=True)
class LegendEntry:
    """One row of a legend: a swatch (point, line or polygon) and its label."""

    label: str
    kind: str  # point | line | polygon | note
    symbol: Symbol | None = None


@dataclass(frozen=True)
class LayerStyle:
    """The style of one layer in one map. Build it with :meth:`from_dict`."""

    layer: str
    geometry: str  # point | line | polygon
    color: str = "#3b4a5a"
    fill: str = "#9fb3c8"
    weight: float = 2.0
    opacity: float = 0.9
    fill_opacity: float = 0.6
    radius: float = 6.0
    color_by: str | None = None
    palette: Mapping[str, str] = field(default_factory=dict)
    size_by: str | None = None
    size_classes: Sequence[float] = ()
    sizes: Sequence[float] = ()
    size_labels: Sequence[str] = ()
    dash_by: str | None = None
    label: str | None = None
    mark_quality: bool = True

    @classmethod
    def from_dict(cls, layer: str, geometry: str, spec: Mapping) -> LayerStyle:
        """Build from a recipe's ``[layers.style]`` table (keys checked by the recipe)."""
        kw = dict(spec)
        if "palette" in kw:
            kw["palette"] = dict(kw["palette"])
        for key in ("size_classes", "sizes", "size_labels"):
            if key in kw:
                kw[key] = tuple(kw[key])
        return cls(layer=layer, geometry=geometry, **kw)

    # -- categories ------------------------------------------------------------------
    def default_palette(self) -> dict[str, str]:
        """The colours used for ``color_by`` values when the recipe gives none."""
        if self.color_by in ("primary_commodity", "commodity"):
            return dict(COMMODITY_COLORS)
        if self.color_by == "status":
            return dict(STATUS_COLORS)
        return {}

    def category_color(self, value) -> str:
        """Colour of a ``color_by`` value (recipe palette, then defaults, then fallback)."""
        if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
            return NO_VALUE_COLOR
        value = str(value)
        if value in self.palette:
            return self.palette[value]
        default = self.default_palette()
        if value in default:
            return default[value]
        return FALLBACK_PALETTE[sum(map(ord, value)) % len(FALLBACK_PALETTE)]

    def categories(self, frame: pd.DataFrame) -> list[tuple[str, str]]:
        """``(value, colour)`` of every ``color_by`` value present, in a stable order."""
        if not self.color_by or self.color_by not in frame:
            return []
        values = [v for v in pd.unique(frame[self.color_by].dropna()) if v != ""]
        order = list(self.palette) + list(self.default_palette())
        values.sort(key=lambda v: (order.index(v) if v in order else len(order), str(v)))
        return [(str(v), self.category_color(v)) for v in values]

    # -- sizes -----------------------------------------------------------------------
    def size_for(self, value) -> float:
        """Radius for a ``size_by`` value: graduated classes, else the base radius."""
        if not self.size_by or not self.size_classes:
            return self.radius
        sizes = self.sizes or tuple(self.radius + 3 * i for i in range(len(self.size_classes)))
        try:
            v = float(value)
        except (TypeError, ValueError):
            return self.radius * 0.75
        if math.isnan(v):
            return self.radius * 0.75
        chosen = sizes[0]
        for bound, size in zip(self.size_classes, sizes):
            if v >= bound:
                chosen = size
        return float(chosen)

    def size_legend(self) -> list[tuple[str, float]]:
        """``(label, radius)`` for each size class, plus the 'no figure' size."""
        if not self.size_by or not self.size_classes:
            return []
        sizes = self.sizes or tuple(self.radius + 3 * i for i in range(len(self.size_classes)))
        labels = self.size_labels or tuple(f"≥ {compact_number(b)}" for b in self.size_classes)
        out = list(zip(labels, map(float, sizes)))
        out.insert(0, (f"no {field_words(self.size_by)} given", self.radius * 0.75))
        return out

    # -- symbols -----------------------------------------------------------------------
    def base_symbol(self) -> Symbol:
        """The symbol before any attribute-driven variation."""
        line = self.geometry == "line"
        return Symbol(
            color=self.color, fill=self.fill, weight=self.weight, opacity=self.opacity,
            fill_opacity=0.0 if line else self.fill_opacity, radius=self.radius, dash=None,
        )

    def symbols(self, frame: pd.DataFrame) -> list[Symbol]:
        """One :class:`Symbol` per row of ``frame``, in row order.

        Rows that style alike share one :class:`Symbol` object (see
        :meth:`symbol_table`), so a million rows cost no more than their distinct styles.
        """
        codes, table = self.symbol_table(frame)
        return [table[c] for c in codes.tolist()]

    def symbol_table(self, frame: pd.DataFrame) -> tuple[np.ndarray, list[Symbol]]:
        """The distinct symbols of ``frame`` and, per row, the index of its symbol.

        Rows are grouped by what the style reads (the ``color_by``, ``dash_by`` and
        ``location_quality`` values and the ``size_by`` class); the symbol of each group
        is computed from one of its rows by the same rules as every other row, so
        ``[table[c] for c in codes]`` equals the row-by-row result.

        Returns
        -------
        codes : numpy.ndarray
            ``int64`` index into ``table``, one per row.
        table : list of Symbol
            The symbols, in order of first appearance.

        Examples
        --------
        >>> s = LayerStyle.from_dict("deposits", "point", {"color_by": "primary_commodity"})
        >>> codes, table = s.symbol_table(pd.DataFrame({"primary_commodity":
        ...                                             ["gold", "copper", "gold"]}))
        >>> codes.tolist(), [t.fill for t in table]
        ([0, 1, 0], ['#dfb000', '#bb793a'])
        """
        n = len(frame)
        if n == 0:
            return np.zeros(0, dtype=np.int64), []
        keys = []
        for col in (self.color_by, self.dash_by):
            if col and col in frame:
                keys.append(pd.factorize(frame[col], use_na_sentinel=False)[0])
        if self.size_by and self.size_by in frame and self.size_classes:
            v = pd.to_numeric(frame[self.size_by], errors="coerce").to_numpy(dtype=float)
            cls = np.zeros(n, dtype=np.int64)
            for j, bound in enumerate(self.size_classes):
                cls = np.where(v >= bound, j + 1, cls)
            keys.append(np.where(np.isnan(v), -1, cls))
        if "location_quality" in frame:
            keys.append(pd.factorize(frame["location_quality"].fillna("exact"),
                                     use_na_sentinel=False)[0])
        if keys:
            combined = np.zeros(n, dtype=np.int64)
            for k in keys:  # re-factorized each step: the key never exceeds n
                combined = pd.factorize(combined * (int(k.max()) + 2) + (k + 1))[0]
            group = combined
        else:
            group = np.zeros(n, dtype=np.int64)
        first = np.unique(group, return_index=True)[1]
        return group.astype(np.int64), self._row_symbols(frame.iloc[first])

    def _row_symbols(self, frame: pd.DataFrame) -> list[Symbol]:
        base = self.base_symbol()
        n = len(frame)
        colors = (frame[self.color_by].map(self.category_color).tolist()
                  if self.color_by and self.color_by in frame else [None] * n)
        sizes = (frame[self.size_by].map(self.size_for).tolist()
                 if self.size_by and self.size_by in frame else [self.radius] * n)
        dashes = (frame[self.dash_by].map(lambda s: STATUS_DASHES.get(s, (2, 2))).tolist()
                  if self.dash_by and self.dash_by in frame else [None] * n)
        qualities = (frame["location_quality"].fillna("exact").tolist()
                     if "location_quality" in frame else ["exact"] * n)
        out = []
        for color, size, dash, quality in zip(colors, sizes, dashes, qualities):
            sym = base
            if color is not None:
                if self.geometry == "line":
                    sym = replace(sym, color=color)
                else:
                    sym = replace(sym, fill=color)
            sym = replace(sym, radius=size, dash=dash, quality=quality)
            if self.mark_quality:
                sym = _mark_quality(sym, self.geometry)
            out.append(sym)
        return out

    def category_label(self, value, frame: pd.DataFrame | None = None) -> str:
        """The legend wording of a ``color_by`` value: a name, never a raw id.

        Ids (``color_by = "id"``, or any ``*_id`` field) are shown as the ``name`` of
        their row in ``frame`` when it has one; statuses and commodities use their
        vocabulary's wording (:func:`human_label`).

        Examples
        --------
        >>> s = LayerStyle.from_dict("corridors", "line", {"color_by": "id"})
        >>> s.category_label("cpec", pd.DataFrame({"id": ["cpec"],
        ...                                        "name": ["China-Pakistan Corridor"]}))
        'China-Pakistan Corridor'
        """
        col = self.color_by or ""
        if frame is not None and "name" in frame and (col == "id" or col.endswith("_id")):
            ids = frame[col] if col in frame else pd.Series(frame.index, index=frame.index)
            names = frame.loc[ids.astype(str) == str(value), "name"].dropna()
            if len(names) and str(names.iloc[0]).strip():
                return str(names.iloc[0])
        kind = ("status" if col == "status" else
                "commodity" if col in ("primary_commodity", "commodity") else None)
        return human_label(value, kind)

    def legend(self, frame: pd.DataFrame) -> list[LegendEntry]:
        """Legend entries for the features in ``frame``: one entry per visual encoding.

        Categories (colour), then sizes, then dashes, then the marking of imprecise
        geometry. When colour and dash show the same field (rail by status), each
        category entry carries its dash too and no separate dash entries are added, so
        no encoding is explained twice.

        Examples
        --------
        >>> s = LayerStyle.from_dict("rail", "line", {"color_by": "status",
        ...                                           "dash_by": "status"})
        >>> f = pd.DataFrame({"status": ["operating", "under_construction"]})
        >>> [(e.label, e.symbol.dash) for e in s.legend(f)]
        [('operating', None), ('under construction', (4, 2))]
        """
        base = self.base_symbol()
        kind = self.geometry
        entries: list[LegendEntry] = []
        same = bool(self.dash_by) and self.dash_by == self.color_by
        for value, color in self.categories(frame):
            sym = replace(base, color=color) if kind == "line" else replace(base, fill=color)
            if same:
                sym = replace(sym, dash=STATUS_DASHES.get(value, (2, 2)))
            entries.append(LegendEntry(self.category_label(value, frame), kind, sym))
        if not entries and not self.dash_by:
            entries.append(LegendEntry("", kind, base))
        for label, radius in self.size_legend():
            entries.append(LegendEntry(label, "point", replace(base, radius=radius,
                                                               fill="#ffffff")))
        if self.dash_by and self.dash_by in frame and not same:
            present = {STATUS_DASHES.get(s, (2, 2)) for s in frame[self.dash_by].dropna()}
            for dash, label in STATUS_GROUP_LABELS.items():
                if dash in present:
                    entries.append(LegendEntry(label, "line", replace(base, dash=dash)))
        if self.mark_quality and "location_quality" in frame:
            for q in ("approximate", "admin_area", "schematic"):
                if (frame["location_quality"] == q).any():
                    sym = _mark_quality(replace(base, quality=q), kind)
                    entries.append(LegendEntry(QUALITY_NOTES[q], kind, sym))
        return entries


def _mark_quality(sym: Symbol, geometry: str) -> Symbol:
    """Make imprecise geometry look imprecise, the same way in every renderer."""
    if sym.quality == "approximate" and geometry == "point":
        return replace(sym, fill_opacity=min(sym.fill_opacity, 0.75), dash=(2, 1.5),
                       weight=max(sym.weight, 1.5))
    if sym.quality == "admin_area":
        return replace(sym, fill_opacity=min(sym.fill_opacity, 0.4), dash=(1, 1.5),
                       weight=max(sym.weight, 1.5))
    if sym.quality == "schematic":
        if geometry == "polygon":
            return replace(sym, fill_opacity=min(sym.fill_opacity, 0.25), dash=(3, 2))
        return replace(sym, opacity=min(sym.opacity, 0.6))
    return sym


def field_words(name: str) -> str:
    """A field name as words for running text: no underscores, no unit suffix.

    >>> field_words("contract_value_usd"), field_words("length_km")
    ('contract value', 'length')
    """
    words = str(name).split("_")
    if len(words) > 1 and words[-1] in ("usd", "km", "km2", "pct", "t", "m"):
        words = words[:-1]
    return " ".join(w for w in words if w)


def compact_number(x: float) -> str:
    """Write a large number compactly, to three significant digits.

    >>> compact_number(3e9), compact_number(150e6), compact_number(805000), compact_number(12)
    ('3 bn', '150 m', '805 k', '12')
    """
    x = float(x)
    for size, suffix in ((1e12, " tn"), (1e9, " bn"), (1e6, " m"), (1e3, " k")):
        if abs(x) >= size:
            return f"{x / size:,.3g}{suffix}"
    return f"{x:,.3g}"


def dash_css(dash: tuple[float, ...] | None, weight: float) -> str | None:
    """A dash pattern as a CSS/SVG ``dash-array`` string in pixels.

    >>> dash_css((4, 2), 2.0)
    '8 4'
    """
    if not dash:
        return None
    return " ".join(f"{d * weight:g}" for d in dash)


LABEL_MIN_ZOOM = {
    "country": 3,
    "capital": 4,
    "city": 6,
    "feature": 5,
    "line": 4,
    "polygon": 7,
    "town": 8,
    "border_crossing": 8,
    "dry_port": 8,
    "sea_port": 7,
    "rail_station": 8,
    "mountain_pass": 8,
}
"""Web-map zoom from which labels of each kind show (feature = a recipe layer's point
labels, line and polygon = its line and area labels; the rest are gazetteer kinds; a
country's own zoom also depends on its area). Labels are then
placed by the same priorities as on the static map: bigger symbols first, lines, then
areas, country names last, and none may overlap another."""


def short_label(text: str, limit: int = 24) -> str:
    """A map label, the same on the web and static maps.

    A long name loses its trailing parenthesis ("Mes Aynak (Logar)" is short enough).

    >>> short_label("Khanneshin carbonatite (Helmand rare earths/uranium)")
    'Khanneshin carbonatite'
    """
    text = " ".join(str(text).split())
    if len(text) > limit and text.endswith(")") and " (" in text:
        head = text[: text.rindex(" (")].strip()
        if head:
            return head
    return text
