"""How attribute values read on the web map: display text, money, quality badges, styles.

Shared by the Folium page (:mod:`geoatlas.render.web`) and the compact typed-array
layers (:mod:`geoatlas.render.compact`), so a value reads the same in both. Nothing
here escapes: the callers escape at their one boundary (:mod:`geoatlas.htmlsafe`).

Examples
--------
>>> text_value("deposits", "status", "under_construction")
'under construction'
>>> money(2.9e9)
'$2.9 bn'
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from ..schema import TABLES, split_list
from ..style import Symbol, compact_number, dash_css

__all__ = ["QUALITY_BADGES", "QUALITY_TEXT", "is_missing", "money", "style_json", "text_value"]


def style_json(sym: Symbol) -> dict:
    """A symbol in the short keys the page's script reads (colour, fill, weight, ...)."""
    return {
        "c": sym.color, "f": sym.fill, "w": sym.weight, "o": sym.opacity,
        "fo": sym.fill_opacity, "r": sym.radius, "d": dash_css(sym.dash, sym.weight),
    }


QUALITY_BADGES = {
    "approximate": "approximate location",
    "admin_area": "only the province is known",
    "schematic": "schematic geometry (straight between known places)",
}
QUALITY_TEXT = {"exact": "exact location", **QUALITY_BADGES}
_LIST_FIELDS = {"companies", "contract_ids"}
_WORD_FIELDS = {"status", "primary_commodity", "kind", "location_quality"}


def _column_kind(layer: str, field: str) -> tuple[str, tuple]:
    table = TABLES.get(layer)
    if table is not None:
        try:
            col = table.column(field)
            return col.kind, col.choices
        except KeyError:
            pass
    if field in _LIST_FIELDS:
        return "list", ()
    if field in ("country", "iso3", "company_country"):
        return "iso3", ()
    return "text", ()


def is_missing(value) -> bool:
    """True for None, NaT, NaN and the empty string: a cell that shows nothing."""
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value == ""


def text_value(layer: str, field: str, value, country_names: dict | None = None) -> str:
    """One attribute value as the plain text people read (not escaped).

    Lists (``;``-separated columns) read as ``a, b``; vocabulary words lose their
    underscores; ISO codes become country names; money is compact; free text is
    shown exactly as written.

    >>> text_value("deposits", "commodities", "lapis_lazuli;gold")
    'lapis lazuli, gold'
    >>> text_value("deposits", "notes", "Quoted: 'a; b'")
    "Quoted: 'a; b'"
    >>> text_value("deposits", "country", "AFG", {"AFG": "Afghanistan"})
    'Afghanistan'
    """
    if is_missing(value):
        return ""
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.isoformat()[:10]
    if field.endswith("_usd") or field == "value_usd":
        try:
            return money(value)
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    kind, choices = _column_kind(layer, field)
    if kind in ("iso3", "iso3_list"):
        return ", ".join((country_names or {}).get(c, c) for c in split_list(str(value)))
    if kind in ("list", "ids"):
        items = split_list(str(value))
        if choices:
            items = [i.replace("_", " ") for i in items]
        return ", ".join(items)
    if kind == "enum" or field in _WORD_FIELDS:
        return str(value).replace("_", " ")
    return str(value)


def money(value) -> str:
    """Format a USD amount compactly.

    >>> money(3e9), money(150e6), money(805000)
    ('$3 bn', '$150 m', '$805 k')
    """
    return "$" + compact_number(value)
