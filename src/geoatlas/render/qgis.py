"""QGIS outputs: a styled GeoPackage and a ``.qgz`` project, from the one style spec.

For a recipe ``<name>`` this writes

``<name>.gpkg``
    Every recipe layer as a feature table (EPSG:4326, one geometry type per table),
    the non-spatial tables (contracts, events, sources, trade) as GeoPackage
    ``attributes`` tables, and a ``layer_styles`` table holding one default QML style
    per feature table, which QGIS applies when the layer is opened from the GeoPackage.
``<name>.qgz``
    A zip holding ``<name>.qgs``: the layers (referencing ``./<name>.gpkg`` by
    relative path) in the recipe's groups and drawing order, each with its renderer and
    labels, the project CRS (the recipe's ``[static] crs`` or the Lambert conformal
    conic fitted to its extent, as the static map uses), the map extent, the title and
    the relations from deposits, rail and corridors to their contracts and events.

The QML is generated from :class:`~geoatlas.style.LayerStyle`: a categorized renderer
on ``color_by`` (else on ``dash_by``), one category per value with the spec's colour,
and data-defined symbol properties for whatever varies inside a category (size classes
of ``size_by``, dashes by status, the hollow/faded look of imprecise locations). The
expressions are tabulated from :meth:`LayerStyle.symbols` itself, so QGIS draws every
feature exactly as the web and static maps do. Sizes are converted from CSS pixels
(96 dpi) to millimetres.

Pitfalls measured in QGIS 3.22 (Debian) shape the output: ``layer_styles`` rows carry
``f_table_schema = ''`` (NULL is listed but never applied); the project repeats every
renderer (a project layer does not take the GeoPackage default); the project CRS is
written in full (WKT and PROJ string) with ``ProjectionsEnabled``; the GeoPackage is
version 1.2 (QGIS 3.22's GDAL 3.6 warns on 1.4).

Examples
--------
>>> import geoatlas
>>> from geoatlas.recipe import load_recipe
>>> from geoatlas.render.prepare import prepare
>>> atlas = geoatlas.open()                                          # doctest: +SKIP
>>> recipe = load_recipe(atlas, "afghanistan-minerals")              # doctest: +SKIP
>>> write(atlas, recipe, prepare(atlas, recipe), "out")              # doctest: +SKIP
[PosixPath('out/afghanistan-minerals.gpkg'), PosixPath('out/afghanistan-minerals.qgz')]
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import os
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd
from pyproj import CRS

from ..export import GPKG_VERSION, ogr_frame
from ..geometry import WGS84, conformal_crs_for, transformer
from ..schema import LOCATION_QUALITIES, STATUSES
from ..style import STATUS_DASHES, LayerStyle, Symbol
from .prepare import PreparedLayer, extent, prepare

QGIS_VERSION = "3.22.16-Białowieża"
"""The QGIS version the files are written for (and tested with)."""
PX_MM = 25.4 / 96
"""Style sizes are CSS pixels (1/96 in); QGIS symbols here use millimetres."""
DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
STYLE_TABLE = "layer_styles"
TABLES = ("contracts", "events", "sources", "trade")
"""Non-spatial tables copied into the GeoPackage as ``attributes`` tables."""
RELATIONS = (
    # (table, layer column, id column, title)
    ("contracts", "asset_layer", "asset_id", "Contracts"),
    ("events", "subject_layer", "subject_id", "Events"),
)
"""Polymorphic references that become project relations, one per referenced layer."""
REFERENCED = {
    "contracts": ("deposits", "rail", "corridors"),
    "events": ("contracts", "deposits", "rail", "corridors"),
}
"""Which layers (and tables) each table's rows may point at (``schema.ASSET_LAYERS``...)."""
NO_VALUE = "#9e9e9e"
LABEL_INK = "40,40,40,255"
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
WKB = {
    "point": ("Point", "Point"),
    "line": ("Line", "LineString"),
    "polygon": ("Polygon", "MultiPolygon"),
}


@dataclass(frozen=True)
class GpkgTable:
    """One feature or attribute table written to the GeoPackage."""

    table: str
    title: str
    geometry_column: str | None
    wkb_type: str  # OGR name: Point, LineString, MultiPolygon, ... or NoGeometry
    layer: PreparedLayer | None = None
    qml: str | None = None


# -- entry point ---------------------------------------------------------------------------
def write(atlas, recipe, layers: Sequence[PreparedLayer] | None, folder,
          **options) -> list[Path]:
    """Write ``<recipe.name>.gpkg`` and ``<recipe.name>.qgz`` into ``folder``.

    Parameters
    ----------
    atlas : geoatlas.Atlas
        The loaded workspace (its non-spatial tables go into the GeoPackage).
    recipe : geoatlas.recipe.Recipe
        The map recipe.
    layers : sequence of PreparedLayer or None
        ``prepare(atlas, recipe)``: the features and symbols of each recipe layer
        (``None``: prepared here).
    folder : str or pathlib.Path
        Where to write (the build's staging folder).
    **options
        Other renderers' options; ignored here.

    Returns
    -------
    list of pathlib.Path
        The GeoPackage and the project.
    """
    if layers is None:
        layers = prepare(atlas, recipe)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    gpkg = folder / f"{recipe.name}.gpkg"
    qgz = folder / f"{recipe.name}.qgz"
    tables = write_geopackage(atlas, recipe, layers, gpkg)
    write_project(recipe, layers, tables, qgz)
    return [gpkg, qgz]


# -- GeoPackage ----------------------------------------------------------------------------
def table_names(layers: Sequence[PreparedLayer]) -> list[str]:
    """GeoPackage table name of each recipe layer: the layer name, suffixed if repeated.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> table_names([NS(name="rail"), NS(name="deposits"), NS(name="rail")])
    ['rail', 'deposits', 'rail_2']
    """
    seen: dict[str, int] = {}
    out = []
    for prepared in layers:
        n = seen.get(prepared.name, 0) + 1
        seen[prepared.name] = n
        out.append(prepared.name if n == 1 else f"{prepared.name}_{n}")
    return out


def write_geopackage(atlas, recipe, layers: Sequence[PreparedLayer], path) -> list[GpkgTable]:
    """Write the recipe's GeoPackage: feature tables, attribute tables, default styles.

    Parameters
    ----------
    atlas : geoatlas.Atlas
        The workspace (for the non-spatial tables).
    recipe : geoatlas.recipe.Recipe
        The recipe (titles, name).
    layers : sequence of PreparedLayer
        The prepared recipe layers.
    path : str or pathlib.Path
        The ``.gpkg`` to create (an existing file is replaced).

    Returns
    -------
    list of GpkgTable
        Every table written, feature tables first, in recipe order.
    """
    import pyogrio

    path = Path(path)
    if path.exists():
        path.unlink()
    written: list[GpkgTable] = []
    first = True
    with _gdal_date():
        for table, prepared in zip(table_names(layers), layers):
            frame = ogr_frame(prepared.frame)
            kind = prepared.spec.style.geometry
            wkb = _wkb_type(frame, kind)
            pyogrio.write_dataframe(
                frame, path, layer=table, driver="GPKG", geometry_type=wkb,
                promote_to_multi=wkb.startswith("Multi"),
                dataset_options={"VERSION": GPKG_VERSION} if first else None,
                layer_options={"IDENTIFIER": _identifier(prepared.spec.title, table, written),
                               "DESCRIPTION": f"{recipe.title}: {prepared.spec.title}"},
            )
            first = False
            geom_col = pyogrio.read_info(path, layer=table)["geometry_name"]
            written.append(GpkgTable(table, prepared.spec.title, geom_col, wkb, prepared,
                                     layer_qml(prepared)))
        world = atlas.as_of(recipe.as_of) if recipe.as_of else atlas  # as prepare() does
        for table in TABLES:
            if table not in world.tables:
                continue
            frame = ogr_frame(world[table])
            pyogrio.write_dataframe(
                frame, path, layer=table, driver="GPKG",
                dataset_options={"VERSION": GPKG_VERSION} if first else None,
                layer_options={"IDENTIFIER": _identifier(table, table, written),
                               "DESCRIPTION": f"geoatlas table {table}"},
            )
            first = False
            written.append(GpkgTable(table, table, None, "NoGeometry"))
        _write_styles(path, written, recipe)
    return written


def _identifier(title: str, table: str, written: Sequence[GpkgTable]) -> str:
    """``gpkg_contents.identifier`` must be unique: the title, else title and table."""
    taken = {t.title for t in written}
    return title if title not in taken else f"{title} ({table})"


def _wkb_type(frame, kind: str) -> str:
    kinds = set(frame.geom_type.dropna()) if len(frame) else set()
    if kind == "polygon":
        return "MultiPolygon"  # belts mix Polygon and MultiPolygon after clipping
    single = WKB[kind][1]
    return f"Multi{single}" if any(k.startswith("Multi") for k in kinds) else single


def _write_styles(path: Path, tables: Sequence[GpkgTable], recipe) -> None:
    """The ``layer_styles`` table, as QGIS 3.22 creates it (QGIS reads it by name)."""
    import pyogrio

    styled = [t for t in tables if t.qml is not None]
    when = pd.Timestamp(_build_time())
    rows = pd.DataFrame({
        "f_table_catalog": ["" for _ in styled],
        "f_table_schema": ["" for _ in styled],  # '' (not NULL): QGIS applies only these
        "f_table_name": [t.table for t in styled],
        "f_geometry_column": [t.geometry_column or "" for t in styled],
        "styleName": [t.title for t in styled],
        "styleQML": [t.qml for t in styled],
        "styleSLD": ["" for _ in styled],
        "useAsDefault": pd.Series([True] * len(styled), dtype=bool),
        "description": [f"geoatlas style of {recipe.name}" for _ in styled],
        "owner": ["" for _ in styled],
        "ui": ["" for _ in styled],
        "update_time": pd.Series([when] * len(styled), dtype="datetime64[ms, UTC]"),
    })
    pyogrio.write_dataframe(rows, path, layer=STYLE_TABLE, driver="GPKG",
                            layer_options={"FID": "id", "DESCRIPTION": "QGIS layer styles"})


def _build_time() -> dt.datetime:
    """A fixed timestamp for reproducible files (``SOURCE_DATE_EPOCH`` when set)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    return dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


@contextlib.contextmanager
def _gdal_date() -> Iterator[None]:
    """Pin GDAL's ``gpkg_contents.last_change`` so that the same input gives the same file."""
    import pyogrio

    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    stamp = _build_time().strftime("%Y-%m-%dT%H:%M:%S.000Z")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": stamp})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})


# -- symbols: the style spec in QGIS terms -------------------------------------------------
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


def _mm(px: float) -> float:
    return round(px * PX_MM, 4)


def _num(x: float) -> str:
    return f"{round(x, 4):g}"


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
        values = [(v, _label(v)) for v, _ in style.categories(frame)]
    elif style.dash_by and style.dash_by in frame:
        attr = style.dash_by
        present = {str(v) for v in frame[attr].dropna() if v != ""}
        order = list(STATUS_DASHES) + list(STATUSES)
        values = [(v, _label(v)) for v in
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


def _field(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return _num(value)
    return "'" + str(value).replace("'", "''") + "'"


def _label(value) -> str:
    return str(value).replace("_", " ")


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
        "labelsEnabled": "1" if _label_field(prepared) else "0",
        "hasScaleBasedVisibilityFlag": "0", "minScale": "100000000", "maxScale": "0",
    })
    for child in _style_elements(prepared):
        root.append(child)
    ET.SubElement(root, "layerGeometryType").text = {"point": "0", "line": "1",
                                                     "polygon": "2"}[prepared.spec.style.geometry]
    return _serialize(root)


def _style_elements(prepared: PreparedLayer) -> list[ET.Element]:
    """Renderer, labeling, preview expression and map tip: shared by QML and project."""
    out = [renderer_element(prepared)]
    label = _label_field(prepared)
    if label:
        out.append(_labeling_element(label, prepared.spec.style.geometry))
    fields = [c for c in prepared.frame.columns if c != prepared.frame.geometry.name]
    preview = ET.Element("previewExpression")
    preview.text = _field("name" if "name" in fields else "id" if "id" in fields else fields[0])
    out.append(preview)
    tip = ET.Element("mapTip")
    tip.text = "<br>".join(
        (f"<b>[% {_field(f)} %]</b>" if i == 0 else f"{html.escape(_label(f))}: [% {_field(f)} %]")
        for i, f in enumerate(prepared.spec.tooltip) if f in fields
    )
    out.append(tip)
    return out


def _label_field(prepared: PreparedLayer) -> str | None:
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
    ET.SubElement(el, "rotation")
    ET.SubElement(el, "sizescale")
    if order_by:
        orderby = ET.SubElement(el, "orderby")
        clause = ET.SubElement(orderby, "orderByClause", {"asc": "0", "nullsFirst": "0"})
        clause.text = _field(style.size_by)  # big symbols first, small ones drawn on top
    return el


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


def _labeling_element(field: str, geometry: str) -> ET.Element:
    el = ET.Element("labeling", {"type": "simple"})
    settings = ET.SubElement(el, "settings", {"calloutType": "simple"})
    size = "7" if geometry == "polygon" else "8"
    color = "110,110,110,255" if geometry == "polygon" else LABEL_INK
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
    return el


def _serialize(root: ET.Element) -> str:
    ET.indent(root, space=" ")
    return DOCTYPE + ET.tostring(root, encoding="unicode") + "\n"


# -- project -------------------------------------------------------------------------------
def project_crs(recipe, layers: Sequence[PreparedLayer]) -> CRS:
    """The project CRS: the recipe's ``[static] crs``, else the fitted conformal conic.

    Parameters
    ----------
    recipe : geoatlas.recipe.Recipe
        The recipe.
    layers : sequence of PreparedLayer
        The prepared layers (their bounds when the extent is ``"fit"``).

    Returns
    -------
    pyproj.CRS
        The CRS the static map is drawn in too.
    """
    code = getattr(recipe.static, "crs", None)
    if code:
        return CRS.from_user_input(int(code) if str(code).isdigit() else code)
    return conformal_crs_for(extent(list(layers), recipe))


def project_xml(recipe, layers: Sequence[PreparedLayer], tables: Sequence[GpkgTable]) -> str:
    """The ``.qgs`` document of a recipe (see the module docstring for what it holds).

    Parameters
    ----------
    recipe : geoatlas.recipe.Recipe
        The recipe: title, description, layers, groups, visibility.
    layers : sequence of PreparedLayer
        The prepared layers, in drawing order (first = bottom).
    tables : sequence of GpkgTable
        What :func:`write_geopackage` wrote.

    Returns
    -------
    str
        The project XML.
    """
    crs = project_crs(recipe, layers)
    crs_name = crs.name if crs.to_epsg() else f"Lambert conformal conic for {recipe.name}"
    lonlat = extent(list(layers), recipe)
    xmin, ymin, xmax, ymax = transformer(WGS84, crs).transform_bounds(*lonlat, densify_pts=101)
    source = f"./{recipe.name}.gpkg"
    features = [t for t in tables if t.layer is not None]
    attributes = [t for t in tables if t.layer is None]
    root = ET.Element("qgis", {"projectname": recipe.title, "version": QGIS_VERSION,
                               "saveUser": "", "saveUserFull": "", "saveDateTime": ""})
    ET.SubElement(root, "homePath", {"path": ""})
    ET.SubElement(root, "title").text = recipe.title
    ET.SubElement(root, "autotransaction", {"active": "0"})
    ET.SubElement(root, "evaluateDefaultValues", {"active": "0"})
    ET.SubElement(root, "trust", {"active": "0"})
    ET.SubElement(root, "projectCrs").append(_srs(crs, crs_name))
    top_first = list(reversed(features))
    root.append(_layer_tree(top_first, attributes, source))
    root.append(_relations(features, attributes))
    ET.SubElement(root, "polymorphicRelations")
    canvas = ET.SubElement(root, "mapcanvas", {"name": "theMapCanvas",
                                               "annotationsVisible": "1"})
    ET.SubElement(canvas, "units").text = "meters"
    _extent(ET.SubElement(canvas, "extent"), (xmin, ymin, xmax, ymax))
    ET.SubElement(canvas, "rotation").text = "0"
    ET.SubElement(canvas, "destinationsrs").append(_srs(crs, crs_name))
    ET.SubElement(canvas, "rendermaptile").text = "0"
    layers_el = ET.SubElement(root, "projectlayers")
    for t in features:
        layers_el.append(_maplayer(t, source))
    for t in attributes:
        layers_el.append(_maplayer(t, source))
    order = ET.SubElement(root, "layerorder")
    for t in top_first:
        ET.SubElement(order, "layer", {"id": layer_id(t.table)})
    root.append(_properties())
    meta = ET.SubElement(root, "projectMetadata")
    for tag, text in (("identifier", recipe.name), ("parentidentifier", ""), ("language", "en"),
                      ("type", "dataset"), ("title", recipe.title),
                      ("abstract", recipe.description or recipe.subtitle)):
        ET.SubElement(meta, tag).text = text
    ET.SubElement(meta, "links")
    ET.SubElement(meta, "rights").text = recipe.credits
    view = ET.SubElement(root, "ProjectViewSettings", {"UseProjectScales": "0",
                                                       "rotation": "0"})
    ET.SubElement(view, "Scales")
    default = ET.SubElement(view, "DefaultViewExtent", {
        "xmin": _coord(xmin), "ymin": _coord(ymin), "xmax": _coord(xmax), "ymax": _coord(ymax)})
    default.append(_srs(crs, crs_name))
    return _serialize(root)


def layer_id(table: str) -> str:
    """The project id of a GeoPackage table's layer.

    QGIS 3.22 discards an id of 10 characters or fewer (and makes up a random one), so
    every id gets a prefix.

    Examples
    --------
    >>> layer_id("rail")
    'geoatlas_rail'
    """
    return f"geoatlas_{table}"


def _coord(x: float) -> str:
    return f"{x:.3f}"


def _extent(parent: ET.Element, box) -> None:
    for tag, value in zip(("xmin", "ymin", "xmax", "ymax"), box):
        ET.SubElement(parent, tag).text = _coord(value)


def _srs(crs: CRS, description: str | None = None) -> ET.Element:
    """A full ``<spatialrefsys>``: QGIS ignores a bare authid for a custom CRS."""
    el = ET.Element("spatialrefsys")
    epsg = crs.to_epsg(min_confidence=100)
    geographic = crs.is_geographic
    with warnings.catch_warnings():  # "you may lose information": the WKT carries it all
        warnings.simplefilter("ignore", UserWarning)
        proj4 = (crs if epsg is None else CRS.from_epsg(epsg)).to_proj4()
    fields = [
        ("wkt", crs.to_wkt()),
        ("proj4", proj4.replace(" +type=crs", "")),
        ("srsid", "3452" if epsg == 4326 else "0"),
        ("srid", str(epsg or 0)),
        ("authid", f"EPSG:{epsg}" if epsg else ""),
        ("description", description or crs.name),
        ("projectionacronym", "longlat" if geographic else _proj_acronym(proj4)),
        ("ellipsoidacronym", "EPSG:7030"),
        ("geographicflag", "true" if geographic else "false"),
    ]
    for tag, text in fields:
        ET.SubElement(el, tag).text = text
    return el


def _proj_acronym(proj4: str) -> str:
    for part in proj4.split():
        if part.startswith("+proj="):
            return part.split("=", 1)[1]
    return ""


def _layer_tree(top_first: Sequence[GpkgTable], attributes: Sequence[GpkgTable],
                source: str) -> ET.Element:
    """The layer tree: groups ordered by their top-most layer, then the tables.

    A custom layer order keeps the recipe's drawing order where groups interleave.
    """
    root = ET.Element("layer-tree-group")
    ET.SubElement(ET.SubElement(root, "customproperties"), "Option")
    groups: dict[str, list[GpkgTable]] = {}
    for t in top_first:
        groups.setdefault(t.layer.spec.group, []).append(t)
    if attributes:
        groups.setdefault("Tables", [])
        groups["Tables"] = groups["Tables"] + list(attributes)
    for name, members in groups.items():
        tables_only = not any(m.layer for m in members)
        group = ET.SubElement(root, "layer-tree-group", {
            "name": name, "checked": "Qt::Checked", "expanded": "0" if tables_only else "1"})
        ET.SubElement(ET.SubElement(group, "customproperties"), "Option")
        for t in members:
            visible = t.layer is None or t.layer.spec.visible
            node = ET.SubElement(group, "layer-tree-layer", {
                "id": layer_id(t.table), "name": t.title,
                "source": f"{source}|layername={t.table}",
                "providerKey": "ogr", "checked": "Qt::Checked" if visible else "Qt::Unchecked",
                "expanded": "1" if t.layer is not None else "0", "legend_exp": "",
                "patch_size": "-1,-1", "legend_split_behavior": "0"})
            ET.SubElement(ET.SubElement(node, "customproperties"), "Option")
    custom = ET.SubElement(root, "custom-order", {"enabled": "1"})
    for t in top_first:
        ET.SubElement(custom, "item").text = layer_id(t.table)
    return root


def _relations(features: Sequence[GpkgTable], attributes: Sequence[GpkgTable]) -> ET.Element:
    """A relation from each referenced layer (or table) to the table rows citing its ids."""
    el = ET.Element("relations")
    present = {t.table for t in attributes}
    parents = [(t.table, t.layer.name, t.title) for t in features if "id" in t.layer.frame]
    if "contracts" in present:
        parents.append(("contracts", "contracts", "contract"))
    for table, _, id_col, title in RELATIONS:
        if table not in present:
            continue
        for parent, name, parent_title in parents:
            if name not in REFERENCED[table] or parent == table:
                continue
            rel = ET.SubElement(el, "relation", {
                "id": f"{parent}_{table}", "name": f"{title} of the {parent_title.lower()}",
                "referencingLayer": layer_id(table), "referencedLayer": layer_id(parent),
                "strength": "Association"})
            ET.SubElement(rel, "fieldRef", {"referencingField": id_col, "referencedField": "id"})
    return el


def _maplayer(t: GpkgTable, source: str) -> ET.Element:
    spatial = t.layer is not None
    geometry, wkb = ("No geometry", "NoGeometry")
    if spatial:
        geometry = WKB[t.layer.spec.style.geometry][0]
        wkb = t.wkb_type
    label = spatial and _label_field(t.layer) is not None
    el = ET.Element("maplayer", {
        "type": "vector", "geometry": geometry, "wkbType": wkb,
        "labelsEnabled": "1" if label else "0", "hasScaleBasedVisibilityFlag": "0",
        "minScale": "100000000", "maxScale": "0", "readOnly": "0",
        "styleCategories": "AllStyleCategories"})
    ET.SubElement(el, "id").text = layer_id(t.table)
    ET.SubElement(el, "datasource").text = f"{source}|layername={t.table}"
    ET.SubElement(el, "layername").text = t.title
    if spatial:
        ET.SubElement(el, "srs").append(_srs(CRS.from_epsg(4326)))
    ET.SubElement(el, "provider", {"encoding": "UTF-8"}).text = "ogr"
    manager = ET.SubElement(el, "map-layer-style-manager", {"current": "default"})
    ET.SubElement(manager, "map-layer-style", {"name": "default"})
    if spatial:
        for child in _style_elements(t.layer):
            el.append(child)
    return el


def _properties() -> ET.Element:
    el = ET.Element("properties")
    for group, entries in (
        ("Measure", [("Ellipsoid", "QString", "EPSG:7030")]),
        ("Paths", [("Absolute", "bool", "false")]),
        ("SpatialRefSys", [("ProjectionsEnabled", "int", "1")]),
    ):
        g = ET.SubElement(el, group)
        for tag, kind, text in entries:
            ET.SubElement(g, tag, {"type": kind}).text = text
    return el


def write_project(recipe, layers: Sequence[PreparedLayer], tables: Sequence[GpkgTable],
                  path) -> Path:
    """Write the ``.qgz`` (a zip holding ``<name>.qgs``), byte-for-byte reproducibly.

    Parameters
    ----------
    recipe : geoatlas.recipe.Recipe
        The recipe.
    layers : sequence of PreparedLayer
        The prepared layers.
    tables : sequence of GpkgTable
        What :func:`write_geopackage` wrote (the project references them).
    path : str or pathlib.Path
        The ``.qgz`` to write.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    info = zipfile.ZipInfo(f"{recipe.name}.qgs", date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    document = project_xml(recipe, layers, tables).encode("utf-8")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(info, document)
    return path
