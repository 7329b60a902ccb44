"""A layer's style: rows in, per-feature :class:`Symbol` values and legend entries out.

Examples
--------
>>> import pandas as pd
>>> rail = LayerStyle.from_dict("rail", "line", {"color_by": "status"})
>>> frame = pd.DataFrame({"status": ["operating", "proposed"],
...                       "location_quality": ["exact", "schematic"]})
>>> [entry.label for entry in rail.legend(frame)]
['operating', 'proposed', 'schematic: straight between known places (faded)']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .palette import (
    COMMODITY_COLORS,
    FALLBACK_PALETTE,
    NO_VALUE_COLOR,
    QUALITY_NOTES,
    STATUS_COLORS,
    STATUS_DASHES,
    STATUS_GROUP_LABELS,
)
from .words import compact_number, field_words, human_label

__all__ = [
    "ALLOWED_KEYS",
    "LayerStyle",
    "LegendEntry",
    "Symbol",
    "dash_css",
]


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


def dash_css(dash: tuple[float, ...] | None, weight: float) -> str | None:
    """A dash pattern as a CSS/SVG ``dash-array`` string in pixels.

    >>> dash_css((4, 2), 2.0)
    '8 4'
    """
    if not dash:
        return None
    return " ".join(f"{d * weight:g}" for d in dash)
