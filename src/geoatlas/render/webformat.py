"""The web map's data formats, shared by every module that writes the page's spec.

How attribute values read (display text, money, quality badges), a symbol in the short
keys the page's script reads, the zoom a label shows from, geometry as rounded GeoJSON,
and the keys every layer of the spec carries (:func:`layer_entry`), whether its
features are GeoJSON (:mod:`geoatlas.render.webspec`), typed arrays
(:mod:`geoatlas.render.compact`) or an image (:mod:`geoatlas.render.overlay`): so a value,
a symbol and a layer read the same in all of them. Nothing here escapes: the callers
escape at their one boundary (:mod:`geoatlas.htmlsafe`).

Examples
--------
>>> text_value("deposits", "status", "under_construction")
'under construction'
>>> money(2.9e9)
'$2.9 bn'
>>> geojson(shapely.Point(69.123456, 34.5))
{'type': 'Point', 'coordinates': (69.12346, 34.5)}
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import shapely

from ..schema import TABLES, split_list
from ..style import LABEL_MIN_ZOOM, QUALITY_TEXT, Symbol, compact_number, dash_css

__all__ = [
    "COORD_DECIMALS",
    "QUALITY_BADGES",
    "geojson",
    "is_missing",
    "layer_entry",
    "money",
    "style_json",
    "style_label_zoom",
    "text_value",
]


COORD_DECIMALS = 5  # ~1 m at these latitudes


def style_json(sym: Symbol) -> dict:
    """A symbol in the short keys the page's script reads (colour, fill, weight, ...)."""
    return {
        "c": sym.color, "f": sym.fill, "w": sym.weight, "o": sym.opacity,
        "fo": sym.fill_opacity, "r": sym.radius, "d": dash_css(sym.dash, sym.weight),
    }


def style_label_zoom(kind: str) -> int:
    """The web zoom from which a label of ``kind`` shows (:data:`geoatlas.style.LABEL_MIN_ZOOM`).

    >>> style_label_zoom("capital") <= style_label_zoom("city")
    True
    """
    return int(LABEL_MIN_ZOOM.get(kind, LABEL_MIN_ZOOM["feature"]))


def geojson(geom, decimals: int = COORD_DECIMALS) -> dict:
    """A shapely geometry as a GeoJSON mapping, coordinates rounded to ``decimals``."""
    rounded = shapely.transform(geom, lambda xy: np.round(xy, decimals))
    return shapely.geometry.mapping(rounded)


def layer_entry(key: str, spec, legend_html: str, *, label: bool = False,
                timeline: bool = False, **content) -> dict:
    """One layer of the page's spec: the keys every layer carries, then its ``content``.

    ``spec`` gives the title, group and initial visibility (a recipe layer or overlay);
    ``content`` is what the runtime draws: ``data`` (GeoJSON features), ``compact``
    (typed arrays) or ``image`` (a raster overlay), with their own extra keys.

    >>> from types import SimpleNamespace as NS
    >>> entry = layer_entry("L0", NS(title="Rail", group="Transport", visible=True), "",
    ...                     data={"type": "FeatureCollection", "features": []})
    >>> sorted(entry)
    ['data', 'group', 'id', 'label', 'legend_html', 'timeline', 'title', 'visible']
    """
    return {
        "id": key,
        "title": spec.title,
        "group": spec.group,
        "visible": spec.visible,
        "label": label,
        "timeline": timeline,
        "legend_html": legend_html,
        **content,
    }


QUALITY_BADGES = {q: text for q, text in QUALITY_TEXT.items() if q != "exact"}
"""The location qualities a feature is badged with (every one but exact), and their words
(:data:`geoatlas.style.QUALITY_TEXT`)."""
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
