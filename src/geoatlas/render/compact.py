"""The compact web encoding of big layers: typed arrays drawn on a canvas, not GeoJSON.

A layer of more than :data:`AUTO_THRESHOLD` features (or one whose recipe entry says
``compact = true``) is not written as GeoJSON with a pre-built popup per feature: that
costs about 300 bytes a point before any attribute. Instead it becomes a handful of
*sections*, each a typed array (byte-shuffled, gzip-compressed, base64) or a JSON list:

* **geometry** -- coordinates quantized to :data:`~geoatlas.render.typedarrays.QUANT`
  units per degree (1e-5 deg, about 1 m), features sorted along a Morton (Z-order)
  curve, then delta-encoded, so neighbours differ by a few units and compress to a byte
  or two. Lines and polygons are
  kept at several levels of detail, one per band of zoom levels (:data:`LEVELS`),
  simplified to half a screen pixel of that band; polygons that tile the plane are
  simplified as a *coverage* (:func:`shapely.coverage_simplify`), so neighbouring
  provinces keep sharing exactly the same border and no sliver opens between them.
* **attributes** -- one column per field the recipe shows (popup, tooltip, label, the
  name, the location quality badge and the sources); text columns dictionary-encoded
  (the distinct display strings once, a small integer per feature), numbers as scaled
  integers (or float64 when no exact decimal scaling exists).
* **style** -- the distinct :class:`~geoatlas.style.Symbol` values of the layer, from
  the same style spec as every other renderer, and one index into them per feature.

The browser runtime (``assets/geoatlas-compact.js``) decodes the sections with
``DecompressionStream`` (no network, no library), draws the features on a canvas layer of
its own, finds the feature under the mouse through a grid index, and builds popups and
tooltips with DOM nodes and ``textContent`` only, so attribute text is never parsed as
HTML. Compact layers show attributes and sources in their popups, not contracts or
dated events, and they do not follow the time control (they show the latest status).

The packing of the arrays themselves is :mod:`geoatlas.render.typedarrays`; what a
compact layer costs in the page is measured by :mod:`geoatlas.render.websize`.

Examples
--------
>>> kind_of(np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]))
'polygon'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from ..citations import UNQUOTED_COLUMN, UNQUOTED_HINT
from ..errors import OutputError
from ..schema import field_label, split_list
from .typedarrays import QUANT, Sections, quantize, scaled_ints, section_array, spatial_order
from .webformat import QUALITY_BADGES, is_missing, layer_entry, style_json, text_value

__all__ = [
    "AUTO_THRESHOLD",
    "LEVELS",
    "LINE",
    "PIXEL_TOLERANCE",
    "POINT",
    "POLYGON",
    "Encoded",
    "decode_field",
    "decode_points",
    "decode_shapes",
    "display_text",
    "encode",
    "kind_of",
    "layer_spec",
    "level_tolerances",
    "simplify_level",
    "wanted",
]


AUTO_THRESHOLD = 5000
"""Layers with more features than this are encoded compactly unless the recipe says no."""
LEVELS = ((0, 5), (6, 8), (9, 11))
"""Levels of detail of lines and polygons: ``(first zoom drawn, zoom simplified for)``;
each level is simplified to :data:`PIXEL_TOLERANCE` of a pixel at its zoom."""
PIXEL_TOLERANCE = 0.5
POINT, LINE, POLYGON = "point", "line", "polygon"
"""The geometry families a compact layer can hold (its ``kind``)."""
_TYPE_IDS = {POINT: {0, 4}, LINE: {1, 2, 5}, POLYGON: {3, 6}}


# -- choosing --------------------------------------------------------------------------
def kind_of(geoms: np.ndarray) -> str | None:
    """``"point"``, ``"line"`` or ``"polygon"`` when every geometry is of that family.

    >>> kind_of(np.array([shapely.Point(0, 0), shapely.MultiPoint([(1, 1)])]))
    'point'
    >>> kind_of(np.array([shapely.Point(0, 0), shapely.box(0, 0, 1, 1)])) is None
    True
    """
    ids = set(np.unique(shapely.get_type_id(geoms)).tolist())
    for kind, allowed in _TYPE_IDS.items():
        if ids and ids <= allowed:
            return kind
    return None


def wanted(prepared) -> bool:
    """Whether a prepared layer is drawn compactly.

    The recipe's ``compact`` key decides when set; otherwise layers of more than
    :data:`AUTO_THRESHOLD` features whose geometries are of one family (points, lines or
    polygons) are compact. ``compact = true`` on a layer mixing families is an error.
    """
    flag = getattr(prepared.spec, "compact", None)
    if flag is False:
        return False
    if flag is None and len(prepared.frame) <= AUTO_THRESHOLD:
        return False
    if kind_of(prepared.frame.geometry.to_numpy()) is None:
        if flag:
            raise OutputError(f"layer '{prepared.spec.layer}' mixes points, lines and polygons: "
                              "it cannot be encoded compactly; split it or set compact = false")
        return False
    return True


# -- attributes ------------------------------------------------------------------------
def display_text(field: str, value, link_fields=(), layer: str | None = None) -> str:
    """One attribute value as the plain text a popup shows (the web popup's rules).

    >>> display_text("contract_value_usd", 3e9), display_text("status", "under_construction")
    ('$3 bn', 'under construction')
    >>> display_text("commodities", "copper;gold", layer="deposits"), display_text("n", 4.0)
    ('copper, gold', '4')
    >>> display_text("notes", "a; b")
    'a; b'
    """
    if field in link_fields:
        return "" if is_missing(value) else str(value)
    return text_value(layer or "", field, value)


def _field(sections: Sections, name: str, series: pd.Series, link_fields,
           layer: str | None = None) -> dict:
    """Encode one column as a field description (its data in ``sections``)."""
    key = f"f:{name}"
    meta = {"name": name, "label": field_label(name, layer), "link": name in link_fields}
    numeric = (pd.api.types.is_numeric_dtype(series.dtype)
               and not pd.api.types.is_bool_dtype(series.dtype) and name not in link_fields)
    if numeric:
        values = series.to_numpy(dtype=float, na_value=np.nan)
        meta["fmt"] = "money" if name.endswith("_usd") or name == "value_usd" else "num"
        scaled = scaled_ints(values)
        if scaled is not None:
            meta.update(type="int", scale=scaled[1], data=sections.add(key, scaled[0]))
        else:
            meta.update(type="f64", data=sections.add(key, values))
        return meta
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    shown = [display_text(name, v, link_fields, layer) for v in uniques]
    shown.append("")  # the code of missing values
    codes = np.where(codes < 0, len(shown) - 1, codes)
    meta.update(type="dict", values=sections.add(key + ":values", shown),
                data=sections.add(key, codes))
    return meta


def _attributes(sections: Sections, prepared, recipe, frame, atlas) -> dict:
    spec = prepared.spec
    cols = [c for c in frame.columns if c != frame.geometry.name]
    wanted_fields: list[str] = []
    title = "name" if "name" in cols else None
    for f in [*([title] if title else []), *spec.popup, *spec.tooltip,
              *([spec.label] if spec.label else [])]:
        if f in cols and f not in wanted_fields:
            wanted_fields.append(f)
    extra = [c for c in ("location_quality", "source_ids", UNQUOTED_COLUMN) if c in cols]
    fields = []
    index = {}
    for f in [*wanted_fields, *[c for c in extra if c not in wanted_fields]]:
        index[f] = len(fields)
        fields.append(_field(sections, f, frame[f], recipe.link_fields, spec.layer))
    if title is None:  # the popup title falls back to the feature id
        ids = pd.Series(frame.index.astype(str), index=frame.index)
        index["\0id"] = len(fields)
        fields.append(_field(sections, "id", ids, ()))
        title_i = index["\0id"]
    else:
        title_i = index[title]
    out = {
        "fields": fields,
        "title": title_i,
        # the location quality shows once, as the badge under the title
        "popup": [index[f] for f in spec.popup if f in index
                  and f not in ("name", "location_quality")],
        "tooltip": [index[f] for f in spec.tooltip if f in index],
        "label": index.get(spec.label) if spec.label else None,
        "quality": index.get("location_quality"),
        "badges": QUALITY_BADGES,
        "sources": None,
    }
    if "source_ids" in index:
        out["sources"] = _sources(sections, fields, index, frame, atlas)
    return out


def _sources(sections: Sections, fields: list, index: dict, frame, atlas) -> dict:
    """The cited documents of a layer's rows, and its ``source_ids`` as plain id lists."""
    ids = sorted({s for v in frame["source_ids"].dropna().unique() for s in split_list(v)})
    table = atlas["sources"].set_index("id", drop=False) if "sources" in atlas else None
    known = {}
    for sid in ids:
        if table is not None and sid in table.index:
            s = table.loc[sid]
            # never the file name: readers get title, publisher and date
            known[sid] = [str(s[c] or "") for c in ("title", "publisher", "published")]
            known[sid] += ["", str(s["url"] or "")]
    raw = frame["source_ids"]
    # the sources a row cites without a supporting quote are marked "unquoted"
    sources = {"field": index["source_ids"], "table": known,
               "unquoted": index.get(UNQUOTED_COLUMN),
               "unquotedTitle": UNQUOTED_HINT}
    fields[index["source_ids"]]["values"] = sections.add(
        "f:source_ids:values",
        [";".join(split_list(v)) if isinstance(v, str) else "" for v in
         pd.factorize(raw, use_na_sentinel=True)[1]] + [""])
    return sources


# -- geometry --------------------------------------------------------------------------
def _point_xy(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if (shapely.get_type_id(geoms) == 0).all():
        return shapely.get_x(geoms), shapely.get_y(geoms)
    c = shapely.centroid(geoms)
    return shapely.get_x(c), shapely.get_y(c)


def level_tolerances(frame_bounds, simplify_m: float | None = None) -> list[float]:
    """Simplification tolerance in degrees of each of :data:`LEVELS`.

    Half a pixel of the level's zoom, in Web Mercator at the middle latitude of the data;
    ``simplify_m`` (metres) sets the finest tolerance (coarser levels never go finer).

    >>> [round(t, 5) for t in level_tolerances((60, 30, 70, 40))]
    [0.018, 0.00225, 0.00028]
    """
    mid = math.radians((frame_bounds[1] + frame_bounds[3]) / 2)
    tols = [PIXEL_TOLERANCE * 360 / (256 * 2**z) * math.cos(mid) for _, z in LEVELS]
    if simplify_m is not None:
        finest = simplify_m / 111_320.0
        tols = [max(t, finest) for t in tols[:-1]] + [finest]
    return tols


def simplify_level(geoms: np.ndarray, kind: str, tolerance: float,
                   coverage: bool) -> np.ndarray:
    """Simplify for one level of detail, then snap to the quantization grid.

    Polygons that form a valid coverage are simplified together, so shared borders stay
    shared; other polygons keep their topology one by one; lines keep their end points
    (network junctions). Vertices are rounded to ``1 / QUANT`` degree; identical vertices
    round identically, so a border shared before is shared after. A polygon that the
    rounding made invalid is repaired with :func:`shapely.make_valid`.
    """
    if tolerance > 0:
        if kind == POLYGON and coverage:
            geoms = shapely.coverage_simplify(geoms, tolerance)
        else:
            geoms = shapely.simplify(geoms, tolerance, preserve_topology=kind == POLYGON)
    out = shapely.transform(geoms, lambda xy: np.round(xy * QUANT) / QUANT)
    if kind == POLYGON:
        bad = np.flatnonzero(~shapely.is_valid(out))
        for i in bad:
            fixed = shapely.make_valid(out[i])
            polys = [p for p in shapely.get_parts(fixed) if p.geom_type == "Polygon"]
            out[i] = shapely.multipolygons(polys) if len(polys) > 1 else (
                polys[0] if polys else geoms[i])
        out = shapely.orient_polygons(out)
    return out


def _encode_shapes(sections: Sections, prefix: str, geoms: np.ndarray, kind: str) -> dict:
    _, coords, offsets = shapely.to_ragged_array(geoms)
    q = quantize(coords)
    n = len(geoms)
    if kind == LINE:
        coord_off = offsets[0]
        part_off = offsets[1] if len(offsets) > 1 else np.arange(n + 1)
        ring_off = None
    else:
        coord_off = offsets[0]
        ring_off = offsets[1]
        part_off = offsets[2] if len(offsets) > 2 else np.arange(n + 1)
    out = {
        "x": sections.add(prefix + "x", q[:, 0], delta=True),
        "y": sections.add(prefix + "y", q[:, 1], delta=True),
        "coords": sections.add(prefix + "nc", np.diff(coord_off)),
        "parts": sections.add(prefix + "np", np.diff(part_off)),
        "rings": sections.add(prefix + "nr", np.diff(ring_off)) if ring_off is not None else None,
        "vertices": len(q),
    }
    return out


# -- the layer spec --------------------------------------------------------------------
@dataclass
class Encoded:
    """A compact layer: the spec handed to the page and the feature order used."""

    spec: dict
    order: np.ndarray
    """``order[k]`` is the row of the prepared frame drawn as feature ``k``."""


def encode(prepared, recipe, atlas) -> Encoded:
    """Encode a prepared layer compactly (see the module description).

    Parameters
    ----------
    prepared : geoatlas.render.prepare.PreparedLayer
        The layer: its recipe entry, rows and one symbol per row.
    recipe : geoatlas.recipe.Recipe
        The recipe (for its link fields).
    atlas : geoatlas.Atlas
        For the sources table.

    Returns
    -------
    Encoded
        ``spec`` is the JSON-able ``compact`` member of the layer spec.
    """
    frame = prepared.frame
    geoms = frame.geometry.to_numpy()
    kind = kind_of(geoms) or POINT
    sections = Sections({})
    if kind == POINT:
        x, y = _point_xy(geoms)
    else:
        b = shapely.bounds(geoms)
        x, y = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    order = spatial_order(x, y)
    frame = frame.iloc[order]
    codes, table = _symbol_codes(prepared.symbols)
    codes = codes[order]
    spec = {
        "kind": kind, "n": len(frame), "q": QUANT,
        "bbox": [float(v) for v in frame.total_bounds] if len(frame) else [0, 0, 0, 0],
        "symbols": [style_json(s) for s in table],
        "sym": sections.add("sym", codes) if len(table) > 1 else None,
    }
    if kind == POINT:
        spec["geometry"] = {"x": sections.add("x", quantize(x[order]), delta=True),
                            "y": sections.add("y", quantize(y[order]), delta=True)}
    else:
        ordered = geoms[order]
        coverage = kind == POLYGON and bool(shapely.coverage_is_valid(ordered))
        levels = []
        for (minzoom, _), tol in zip(LEVELS, level_tolerances(frame.total_bounds,
                                                               prepared.spec.simplify)):
            shapes = simplify_level(ordered, kind, tol, coverage)
            level = _encode_shapes(sections, f"L{minzoom}:", shapes, kind)
            level.update(minzoom=minzoom, tolerance=tol)
            levels.append(level)
        spec["levels"] = levels
        spec["coverage"] = coverage
    spec.update(_attributes(sections, prepared, recipe, frame, atlas))
    spec["sections"] = sections.items
    return Encoded(spec, order)


def _symbol_codes(symbols) -> tuple[np.ndarray, list]:
    """Per-feature index into the distinct symbols (equal symbols share one entry)."""
    if not len(symbols):
        return np.zeros(0, dtype=np.int64), []
    ids = pd.factorize(np.fromiter((id(s) for s in symbols), dtype=np.int64,
                                   count=len(symbols)))[0]
    by_id = [symbols[p] for p in np.unique(ids, return_index=True)[1]]
    table: list = []
    remap = np.zeros(len(by_id), dtype=np.int64)
    seen: dict = {}
    for k, sym in enumerate(by_id):
        if sym not in seen:
            seen[sym] = len(table)
            table.append(sym)
        remap[k] = seen[sym]
    return remap[ids], table


def layer_spec(key: str, prepared, recipe, atlas, legend_html: str) -> dict:
    """The runtime's spec of a compact layer (same outer keys as a GeoJSON layer)."""
    return layer_entry(key, prepared.spec, legend_html, label=bool(prepared.spec.label),
                       compact=encode(prepared, recipe, atlas).spec)


# -- decoding (the page does this in JavaScript; Python does it for tests) ------------
def decode_points(spec: dict) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of the features of a compact point layer, in drawing order."""
    g = spec["geometry"]
    return section_array(spec, g["x"]) / spec["q"], section_array(spec, g["y"]) / spec["q"]


def decode_shapes(spec: dict, level: int = -1) -> np.ndarray:
    """The shapely geometries of one level of a compact line or polygon layer."""
    lv = spec["levels"][level]
    q = spec["q"]
    xy = np.c_[section_array(spec, lv["x"]), section_array(spec, lv["y"])] / q
    nc = section_array(spec, lv["coords"])
    n_parts = section_array(spec, lv["parts"])
    if spec["kind"] == LINE:
        offsets = (np.r_[0, np.cumsum(nc)], np.r_[0, np.cumsum(n_parts)])
        return shapely.from_ragged_array(shapely.GeometryType.MULTILINESTRING, xy, offsets)
    nr = section_array(spec, lv["rings"])
    offsets = (np.r_[0, np.cumsum(nc)], np.r_[0, np.cumsum(nr)], np.r_[0, np.cumsum(n_parts)])
    return shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, xy, offsets)


def decode_field(spec: dict, name: str) -> list:
    """The display values of field ``name`` per feature (text as shown, numbers as numbers)."""
    meta = next(f for f in spec["fields"] if f["name"] == name)
    data = section_array(spec, meta["data"])
    if meta["type"] == "dict":
        values = section_array(spec, meta["values"])
        return [values[c] for c in data]
    if meta["type"] == "int":
        k = meta["scale"]
        out = data / 10.0**k if k >= 0 else data * 10.0**-k
        return [None if d == -(2**31) else v for d, v in zip(data, out)]
    return [None if math.isnan(v) else v for v in data]


