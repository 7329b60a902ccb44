"""Symbols, renderers, labels and QML: the style spec in QGIS terms.

The QML is generated from :class:`~geoatlas.style.LayerStyle`: a categorized renderer
on ``color_by`` (else on ``dash_by``), one category per value with the spec's colour,
and data-defined symbol properties for whatever varies inside a category (size classes
of ``size_by``, dashes by status, the hollow/faded look of imprecise locations). The
expressions are tabulated from :meth:`LayerStyle.symbols` itself, so QGIS draws every
feature exactly as the web and static maps do. Sizes are converted from CSS pixels
(96 dpi) to millimetres.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from xml.etree import ElementTree as ET

import pandas as pd

from ...citations import UNQUOTED_COLUMN
from ...schema import LOCATION_QUALITIES, STATUSES
from ...style import BASEMAP, STATUS_DASHES, LayerStyle, Symbol, human_label
from ..prepare import PreparedLayer
from .common import PX_MM, QGIS_VERSION
from .common import mm as _mm
from .common import num as _num
from .common import serialize as _serialize
from .expr import field as _field
from .expr import literal as _literal
from .expr import map_tip
from .forms import field_label

__all__ = [
    "DD_KEYS",
    "LABEL_INK",
    "LABEL_MUTED",
    "QUALITY_FIELD",
    "Category",
    "label_field",
    "layer_qml",
    "qgis_values",
    "renderer_element",
    "renderer_plan",
    "rgba",
    "style_elements",
]


QUALITY_FIELD = "location_quality"
# QGIS data-defined property keys, by the names used in :func:`qgis_values`.
DD_KEYS = {
    "size": "size",
    "fill": "fillColor",
    "stroke": "outlineColor",
    "stroke_width": "outlineWidth",
    "stroke_style": "outlineStyle",
    "dash": "customDash",
    "line_style": "outlineStyle",
}


def qgis_values(sym: Symbol, geometry: str) -> dict[str, str | float | None]:
    """The QGIS symbol-layer values that draw ``sym``: sizes in mm, colours ``r,g,b,a``.

    Keys are ``size``, ``fill``, ``stroke``, ``stroke_width``, ``stroke_style``
    (markers: ``solid``, ``dash`` or ``dot``, the nearest Qt pen style) and ``dash``
    (lines and polygon outlines: ``"on;off"`` in mm, ``None`` for solid). The QGIS test
    compares these with what QGIS evaluates for every feature.

    Parameters
    ----------
    sym : Symbol
        One feature's symbol from :meth:`LayerStyle.symbols`.
    geometry : {"point", "line", "polygon"}
        The layer's geometry kind.

    Returns
    -------
    dict
        Property name -> value.

    Examples
    --------
    >>> from geoatlas.style import Symbol
    >>> s = Symbol("#202020", "#ffffff", 3.0, 0.9, 0.0, 6.0, (4, 2))
    >>> qgis_values(s, "line")["dash"]
    '3.175;1.5875'
    """
    out: dict[str, str | float | None] = {
        "stroke": rgba(sym.color, sym.opacity),
        "stroke_width": _mm(sym.weight),
    }
    if geometry == "point":
        out["size"] = _mm(2 * sym.radius)
        out["fill"] = rgba(sym.fill, sym.fill_opacity)
        # a marker outline has only Qt's pen styles: long dashes -> dash, short -> dot
        out["stroke_style"] = ("solid" if not sym.dash else
                               "dash" if sym.dash[0] >= 2 else "dot")
    else:
        out["dash"] = (";".join(_num(d * sym.weight * PX_MM) for d in sym.dash)
                       if sym.dash else None)
        if geometry == "polygon":
            out["fill"] = rgba(sym.fill, sym.fill_opacity)
    return out


def rgba(color: str, alpha: float = 1.0) -> str:
    """A ``#rrggbb`` (``#rgb``, or CSS name) colour and an opacity as QGIS's ``r,g,b,a``.

    Examples
    --------
    >>> rgba("#b87333", 0.9)
    '184,115,51,230'
    >>> rgba("white")
    '255,255,255,255'
    """
    h = color.strip().lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    if len(h) in (6, 8) and all(c in "0123456789abcdefABCDEF" for c in h):
        r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
        a = int(h[6:8], 16) / 255 if len(h) == 8 else 1.0
    else:  # a CSS colour name such as "teal": let matplotlib name it
        from matplotlib.colors import to_rgba

        rf, gf, bf, a = to_rgba(color)
        r, g, b = (round(v * 255) for v in (rf, gf, bf))
    return f"{r},{g},{b},{round(max(0.0, min(1.0, alpha * a)) * 255)}"


LABEL_INK = rgba(BASEMAP["ink"])
"""Feature labels: the print map's ink (:data:`geoatlas.style.PRINT_LABELS`)."""
LABEL_MUTED = rgba(BASEMAP["muted"])
"""Area labels, quieter, as on the print map."""






@dataclass(frozen=True)
class Category:
    """One category of a categorized renderer (``value`` ``""`` = every other value)."""

    value: str
    label: str
    symbol: dict  # property -> static value
    data_defined: dict  # property -> QGIS expression


def renderer_plan(prepared: PreparedLayer) -> tuple[str | None, list[Category]]:
    """The renderer of a layer: its attribute (``None``: single symbol) and categories.

    Each category holds its static symbol values (its typical look, which the legend
    shows) and the data-defined expressions of every property that varies inside the
    category, both tabulated from the style spec.

    Parameters
    ----------
    prepared : PreparedLayer
        A prepared recipe layer.

    Returns
    -------
    tuple
        ``(attribute or None, [Category, ...])``.
    """
    style, frame = prepared.spec.style, prepared.frame
    attr = None
    if style.color_by and style.color_by in frame:
        attr = style.color_by
        names = {}
        if attr == "id" and "name" in frame:  # one colour per feature: name it, not its id
            names = {str(i): str(n) for i, n in zip(frame["id"], frame["name"])}
        values = [(v, names.get(str(v)) or _label(v, attr)) for v, _ in style.categories(frame)]
    elif style.dash_by and style.dash_by in frame:
        attr = style.dash_by
        present = {str(v) for v in frame[attr].dropna() if v != ""}
        order = list(STATUS_DASHES) + list(STATUSES)
        values = [(v, _label(v, attr)) for v in
                  sorted(present, key=lambda v: (order.index(v) if v in order else len(order), v))]
    if attr is None:
        return None, [_category(style, frame, None, None, "")]
    cats = [_category(style, frame, attr, value, label) for value, label in values]
    missing = frame[attr].isna() | (frame[attr].astype(str) == "")
    if missing.any():
        cats.append(_category(style, frame, attr, None, "no value"))
    return attr, cats


def _category(style: LayerStyle, frame, attr, value, label) -> Category:
    """Tabulate the symbol of every (quality, status) variant of one category."""
    kind = style.geometry
    qualities: list[str | None] = [None]
    if style.mark_quality and QUALITY_FIELD in frame:
        qualities = [None, *LOCATION_QUALITIES]
    dash_field = style.dash_by if style.dash_by and style.dash_by in frame else None
    statuses: list[str | None] = [None]
    if dash_field and dash_field != attr:
        statuses = [None, *STATUS_DASHES]
    rows = []
    for q in qualities:
        for s in statuses:
            row = {QUALITY_FIELD: q}
            if attr:
                row[attr] = value
            if dash_field and dash_field != attr:
                row[dash_field] = s
            rows.append(row)
    variants = pd.DataFrame(rows).astype(object)
    if QUALITY_FIELD not in frame:
        variants = variants.drop(columns=QUALITY_FIELD)
    values = [qgis_values(sym, kind) for sym in style.symbols(variants)]
    table = {(row.get(QUALITY_FIELD), row.get(dash_field) if dash_field != attr else None): v
             for row, v in zip(rows, values)}
    if kind != "point":
        # a solid variant says so: a NULL dash would keep the previous feature's pattern
        # (QGIS mutates the layer's pen per feature), so "solid" resets the pen style
        for v in table.values():
            v["line_style"] = None if v["dash"] else "solid"
    dd: dict[str, str] = {}
    for prop in table[(None, None)]:
        expr = _case_table(prop, table, qualities, statuses, dash_field)
        if expr is not None:
            dd[prop] = expr
    if "dash" not in dd:
        dd.pop("line_style", None)
    # the static symbol is what the legend shows: the category's typical look
    static = dict(table[_typical(frame, attr, value, qualities, statuses, dash_field)])
    static.pop("line_style", None)
    if kind == "point" and style.size_by and style.size_by in frame and style.size_classes:
        dd["size"] = _size_expression(style)
    return Category("" if value is None else str(value), label, static, dd)


def _typical(frame, attr, value, qualities, statuses, dash_field) -> tuple:
    """The (quality, status) key the legend shows for a category.

    The quality all its features share (else exact, like the spec's legend swatches) and
    the most common status.
    """
    rows = frame
    if attr is not None:
        cells = frame[attr]
        rows = frame[cells.isna() | (cells.astype(str) == "")] if value is None else frame[
            cells.astype(str) == str(value)]
    n = len(rows)
    qs = rows[QUALITY_FIELD].tolist() if len(qualities) > 1 else [None] * n
    ss = rows[dash_field].tolist() if len(statuses) > 1 else [None] * n
    qs = {q if q in qualities else None for q in qs}
    ss = [s if s in statuses else None for s in ss]
    quality = qs.pop() if len(qs) == 1 else None  # mixed: the exact look, as the spec legend
    status = Counter(ss).most_common(1)[0][0] if ss else None
    return (quality, status)


def _case_table(prop, table, qualities, statuses, dash_field) -> str | None:
    """A CASE expression over quality then status, or None if ``prop`` never varies."""
    def inner(q):
        by_s = {s: table[(q, s)][prop] for s in statuses}
        default = by_s[None]
        branches = [(s, v) for s, v in by_s.items() if s is not None and v != default]
        if not branches:
            return _literal(default)
        whens = " ".join(f"WHEN {_field(dash_field)} = {_literal(s)} THEN {_literal(v)}"
                         for s, v in branches)
        return f"CASE {whens} ELSE {_literal(default)} END"

    inners = {q: inner(q) for q in qualities}
    default = inners[None]
    branches = [(q, e) for q, e in inners.items() if q is not None and e != default]
    if not branches and default.startswith("CASE"):
        return default
    if not branches:
        return None
    whens = " ".join(f"WHEN {_field(QUALITY_FIELD)} = {_literal(q)} THEN {e}" for q, e in branches)
    return f"CASE {whens} ELSE {default} END"


def _size_expression(style: LayerStyle) -> str:
    """Marker diameter (mm) from the ``size_by`` classes, via :meth:`LayerStyle.size_for`."""
    f = _field(style.size_by)
    whens = [f"WHEN {f} IS NULL THEN {_num(_mm(2 * style.size_for(None)))}"]
    for bound in sorted(style.size_classes, reverse=True):
        whens.append(f"WHEN {f} >= {bound!r} THEN {_num(_mm(2 * style.size_for(bound)))}")
    lowest = _num(_mm(2 * style.size_for(float("-inf"))))
    return f"CASE {' '.join(whens)} ELSE {lowest} END"






def _label(value, attr: str | None = None) -> str:
    """The legend wording of a category value, from the style spec."""
    kind = ("status" if attr in ("status", "dash_by") else
            "commodity" if attr in ("primary_commodity", "commodity") else None)
    return human_label(str(value), kind)


# -- QML -----------------------------------------------------------------------------------
def layer_qml(prepared: PreparedLayer) -> str:
    """The QML style document of one prepared layer (renderer, labels, map tip).

    Parameters
    ----------
    prepared : PreparedLayer
        A prepared recipe layer.

    Returns
    -------
    str
        A QGIS 3.22 ``.qml`` document.
    """
    root = ET.Element("qgis", {
        "version": QGIS_VERSION, "styleCategories": "AllStyleCategories",
        "labelsEnabled": "1" if label_field(prepared) else "0",
        "hasScaleBasedVisibilityFlag": "0", "minScale": "100000000", "maxScale": "0",
    })
    for child in style_elements(prepared):
        root.append(child)
    ET.SubElement(root, "layerGeometryType").text = {"point": "0", "line": "1",
                                                     "polygon": "2"}[prepared.spec.style.geometry]
    return _serialize(root)


def style_elements(prepared: PreparedLayer) -> list[ET.Element]:
    """Renderer, labeling and map tip: shared by QML and project."""
    out = [renderer_element(prepared)]
    label = label_field(prepared)
    if label:
        show = None
        if "is_country" in prepared.frame:
            # countries only (not Siachen or Baykonur), and nothing reaching the poles:
            # a conic map would put Antarctica's label in the middle of Asia
            show = '"is_country" AND y_min($geometry) > -60 AND y_max($geometry) < 84'
        elif prepared.spec.style.geometry == "polygon":
            show = "y_min($geometry) > -60 AND y_max($geometry) < 84"
        out.append(_labeling_element(label, prepared.spec.style.geometry, show))
    fields = [c for c in prepared.frame.columns if c != prepared.frame.geometry.name]
    tip = ET.Element("mapTip")
    tip.text = map_tip([f for f in prepared.spec.tooltip if f in fields],
                       {f: field_label(prepared.name, f) for f in fields},
                       unquoted=UNQUOTED_COLUMN if UNQUOTED_COLUMN in fields else None)
    out.append(tip)
    return out


def label_field(prepared: PreparedLayer) -> str | None:
    """The field that labels the layer's features, if the recipe names one it has."""
    name = prepared.spec.label or prepared.spec.style.label
    return name if name and name in prepared.frame.columns else None


def renderer_element(prepared: PreparedLayer) -> ET.Element:
    """The ``<renderer-v2>`` element of a layer (categorized or single symbol).

    Parameters
    ----------
    prepared : PreparedLayer
        A prepared recipe layer.

    Returns
    -------
    xml.etree.ElementTree.Element
        The renderer, ready to go into a QML file or a project ``<maplayer>``.
    """
    attr, cats = renderer_plan(prepared)
    style = prepared.spec.style
    common = {"forceraster": "0", "symbollevels": "0", "referencescale": "-1"}
    order_by = style.geometry == "point" and style.size_by and style.size_by in prepared.frame
    common["enableorderby"] = "1" if order_by else "0"
    if attr is None:
        el = ET.Element("renderer-v2", {"type": "singleSymbol", **common})
        symbols = ET.SubElement(el, "symbols")
        symbols.append(_symbol_element("0", style.geometry, cats[0]))
    else:
        el = ET.Element("renderer-v2", {"type": "categorizedSymbol", "attr": attr, **common})
        categories = ET.SubElement(el, "categories")
        for i, cat in enumerate(cats):
            ET.SubElement(categories, "category", {"render": "true", "value": cat.value,
                                                   "symbol": str(i), "label": cat.label})
        symbols = ET.SubElement(el, "symbols")
        for i, cat in enumerate(cats):
            symbols.append(_symbol_element(str(i), style.geometry, cat))
    if style.geometry == "point" and style.size_by and style.size_legend():
        el.extend(list(_size_legend(prepared, cats[0])))
    ET.SubElement(el, "rotation")
    ET.SubElement(el, "sizescale")
    if order_by:
        orderby = ET.SubElement(el, "orderby")
        clause = ET.SubElement(orderby, "orderByClause", {"asc": "0", "nullsFirst": "0"})
        clause.text = _field(style.size_by)  # big symbols first, small ones drawn on top
    return el


def _size_legend(prepared: PreparedLayer, typical: Category) -> ET.Element:
    """The size legend of a data-defined marker size: one circle per size class.

    QGIS shows it under the categories when the renderer has a ``<source-symbol>``
    carrying the same size expression as every category (wrapped here in a fragment
    whose first child is the source symbol and whose second is the legend).
    """
    style = prepared.spec.style
    frag = ET.Element("fragment")
    neutral = Category("", "", {**typical.symbol, "fill": "255,255,255,255",
                                "stroke": "60,60,60,255", "stroke_style": "solid"},
                       {"size": typical.data_defined["size"]}
                       if "size" in typical.data_defined else {})
    ET.SubElement(frag, "source-symbol").append(_symbol_element("0", "point", neutral))
    legend = ET.SubElement(frag, "data-defined-size-legend", {
        "type": "separated", "valign": "center",
        "title": field_label(prepared.name, style.size_by)})
    text = ET.SubElement(legend, "text-style", {"color": "31,31,31,255", "align": "1"})
    ET.SubElement(text, "font", {"family": "DejaVu Sans", "size": "7", "weight": "50",
                                 "italic": "0"})
    classes = ET.SubElement(legend, "classes")
    for label, radius in style.size_legend():
        ET.SubElement(classes, "class", {"label": label, "size": _num(_mm(2 * radius))})
    return frag


def _symbol_element(name: str, geometry: str, cat: Category) -> ET.Element:
    kind = {"point": "marker", "line": "line", "polygon": "fill"}[geometry]
    el = ET.Element("symbol", {"type": kind, "name": name, "alpha": "1",
                               "clip_to_extent": "1", "force_rhr": "0"})
    _data_defined(el, {})
    v, dd = cat.symbol, cat.data_defined
    if geometry == "point":
        _symbol_layer(el, "SimpleMarker", {
            "name": "circle", "color": v["fill"], "outline_color": v["stroke"],
            "outline_style": v["stroke_style"], "outline_width": _num(v["stroke_width"]),
            "outline_width_unit": "MM", "size": _num(v["size"]), "size_unit": "MM",
            "scale_method": "diameter", "joinstyle": "round", "angle": "0",
            "offset": "0,0", "offset_unit": "MM", "horizontal_anchor_point": "1",
            "vertical_anchor_point": "1",
        }, {k: dd[k] for k in ("size", "fill", "stroke", "stroke_width", "stroke_style")
            if k in dd})
    elif geometry == "line":
        _symbol_layer(el, "SimpleLine", _line_props(v), {
            k: dd[k] for k in ("stroke", "stroke_width", "dash", "line_style") if k in dd})
    else:
        _symbol_layer(el, "SimpleFill", {
            "color": v["fill"], "style": "solid", "outline_style": "no",
            "outline_color": v["stroke"], "outline_width": "0", "outline_width_unit": "MM",
            "joinstyle": "round", "offset": "0,0", "offset_unit": "MM",
        }, {k: dd[k] for k in ("fill",) if k in dd})
        _symbol_layer(el, "SimpleLine", _line_props(v), {
            k: dd[k] for k in ("stroke", "stroke_width", "dash", "line_style") if k in dd})
    return el


def _line_props(v: dict) -> dict[str, str]:
    dashed = bool(v.get("dash"))
    return {
        "line_color": v["stroke"], "line_width": _num(v["stroke_width"]),
        "line_width_unit": "MM", "line_style": "solid",
        "use_custom_dash": "1" if dashed else "0",
        "customdash": v["dash"] if dashed else "5;2", "customdash_unit": "MM",
        "capstyle": "flat" if dashed else "round", "joinstyle": "round",
        "offset": "0", "offset_unit": "MM", "draw_inside_polygon": "0",
    }


def _symbol_layer(symbol: ET.Element, cls: str, props: dict, dd: dict) -> None:
    layer = ET.SubElement(symbol, "layer", {"class": cls, "enabled": "1", "locked": "0",
                                            "pass": "0"})
    options = ET.SubElement(layer, "Option", {"type": "Map"})
    for key in sorted(props):
        ET.SubElement(options, "Option", {"name": key, "value": str(props[key]),
                                          "type": "QString"})
    _data_defined(layer, {DD_KEYS[k]: e for k, e in dd.items()})


def _data_defined(parent: ET.Element, exprs: dict[str, str]) -> None:
    wrap = ET.SubElement(ET.SubElement(parent, "data_defined_properties"), "Option",
                         {"type": "Map"})
    ET.SubElement(wrap, "Option", {"name": "name", "value": "", "type": "QString"})
    if exprs:
        props = ET.SubElement(wrap, "Option", {"name": "properties", "type": "Map"})
        for key in sorted(exprs):
            prop = ET.SubElement(props, "Option", {"name": key, "type": "Map"})
            ET.SubElement(prop, "Option", {"name": "active", "value": "true", "type": "bool"})
            ET.SubElement(prop, "Option", {"name": "expression", "value": exprs[key],
                                           "type": "QString"})
            ET.SubElement(prop, "Option", {"name": "type", "value": "3", "type": "int"})
    else:
        ET.SubElement(wrap, "Option", {"name": "properties"})
    ET.SubElement(wrap, "Option", {"name": "type", "value": "collection", "type": "QString"})


def _labeling_element(field: str, geometry: str, show: str | None = None) -> ET.Element:
    el = ET.Element("labeling", {"type": "simple"})
    settings = ET.SubElement(el, "settings", {"calloutType": "simple"})
    size = "7" if geometry == "polygon" else "8"
    color = LABEL_MUTED if geometry == "polygon" else LABEL_INK
    text = ET.SubElement(settings, "text-style", {
        "fieldName": field, "isExpression": "0", "fontSize": size, "fontSizeUnit": "Point",
        "textColor": color, "textOpacity": "1", "fontWeight": "50", "fontItalic": "0",
        "namedStyle": "", "blendMode": "0", "multilineHeight": "1", "capitalization": "0",
        "allowHtml": "0", "textOrientation": "horizontal", "useSubstitutions": "0",
        "fontLetterSpacing": "0", "fontWordSpacing": "0", "fontKerning": "1",
        "fontUnderline": "0", "fontStrikeout": "0",
    })
    ET.SubElement(text, "families")
    ET.SubElement(text, "text-buffer", {
        "bufferDraw": "1", "bufferSize": "0.7", "bufferSizeUnits": "MM",
        "bufferColor": "255,255,255,255", "bufferOpacity": "0.85", "bufferNoFill": "1",
        "bufferJoinStyle": "128", "bufferBlendMode": "0",
    })
    ET.SubElement(settings, "text-format", {"multilineAlign": "3", "wrapChar": "",
                                            "autoWrapLength": "0", "plussign": "0",
                                            "formatNumbers": "0", "decimals": "3"})
    placement = {
        "point": {"placement": "6", "dist": "1", "predefinedPositionOrder":
                  "TR,TL,BR,BL,R,L,TSR,BSR", "placementFlags": "10", "quadOffset": "4"},
        "line": {"placement": "2", "dist": "1", "placementFlags": "10",
                 "repeatDistance": "0"},
        "polygon": {"placement": "1", "dist": "0", "centroidInside": "1",
                    "centroidWhole": "0", "fitInPolygonOnly": "0", "placementFlags": "10",
                    "polygonPlacementFlags": "2"},
    }[geometry]
    ET.SubElement(settings, "placement", {**placement, "distUnits": "MM",
                                          "offsetUnits": "MM", "priority": "5",
                                          "xOffset": "0", "yOffset": "0",
                                          "rotationAngle": "0", "preserveRotation": "1"})
    ET.SubElement(settings, "rendering", {
        "drawLabels": "1", "obstacle": "1", "obstacleFactor": "1", "obstacleType": "1",
        "displayAll": "0", "upsidedownLabels": "0", "labelPerPart": "0", "mergeLines": "0",
        "limitNumLabels": "0", "maxNumLabels": "2000", "minFeatureSize": "0",
        "scaleVisibility": "0", "scaleMin": "0", "scaleMax": "0", "fontLimitPixelSize": "0",
        "fontMinPixelSize": "3", "fontMaxPixelSize": "10000", "zIndex": "0",
        "unplacedVisibility": "0",
    })
    if show:  # a data-defined "Show" property: label only where it is true
        dd = ET.SubElement(settings, "dd_properties")
        wrap = ET.SubElement(dd, "Option", {"type": "Map"})
        ET.SubElement(wrap, "Option", {"name": "name", "value": "", "type": "QString"})
        props = ET.SubElement(wrap, "Option", {"name": "properties", "type": "Map"})
        prop = ET.SubElement(props, "Option", {"name": "Show", "type": "Map"})
        ET.SubElement(prop, "Option", {"name": "active", "value": "true", "type": "bool"})
        ET.SubElement(prop, "Option", {"name": "expression", "value": show, "type": "QString"})
        ET.SubElement(prop, "Option", {"name": "type", "value": "3", "type": "int"})
        ET.SubElement(wrap, "Option", {"name": "type", "value": "collection",
                                       "type": "QString"})
    return el
