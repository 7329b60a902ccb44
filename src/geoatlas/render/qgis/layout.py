"""The print layout of a recipe: the static map's sheet, as a QGIS layout.

One A4 landscape page, as the static map: title and subtitle, the map (following the
recipe's map theme, in the project CRS), its legend in one column beside it, and on the
map a scale bar, a north arrow pointing to true north and an inset locating the map in
the wider region, each in the corner where it covers the least data (the static map's
rule, :func:`geoatlas.render.mapframe.furniture_corners`), then the attribution
(credits, projection, cited publishers). Positions are millimetres on the page.

Every text that comes from the workspace is put into the label as one QGIS string
literal (``[% '…' %]``, spelled without ``%``): a layout label evaluates ``[% %]``
blocks, so text written plainly could run an expression.

Examples
--------
>>> label_text("50% [% 1+1 %]")
"[% '50' || char(37) || ' [' || char(37) || ' 1+1 ' || char(37) || ']' %]"
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from xml.etree import ElementTree as ET

from pyproj import CRS

from ...geometry import WGS84, transformer
from ...style import BASEMAP
from ..mapframe import furniture_corners
from ..prepare import PreparedLayer
from .common import GpkgTable, layer_id, recipe_theme_name, srs
from .expr import tip_literal
from .symbols import rgba

__all__ = [
    "FONT",
    "GLOBE_SPAN",
    "INSET_SIZE",
    "MAP_BOX",
    "MARGIN",
    "MAX_LEGEND_ROWS",
    "NORTH_SVG",
    "PAD",
    "PAGE",
    "SIDE_W",
    "SIDE_X",
    "TYPES",
    "attribution",
    "fit",
    "label_text",
    "layouts",
    "legend_rows",
    "nice",
    "sea_color",
]


PAGE = (297.0, 210.0)
MARGIN = 10.0
MAP_BOX = (10.0, 25.0, 200.0, 158.0)  # x, y, width, height
SIDE_X = 216.0
SIDE_W = PAGE[0] - SIDE_X - MARGIN
INSET_SIZE = (60.0, 40.0)
"""Width and height of the locator inset, drawn in a corner of the map."""
PAD = 3.0
"""Space between the map's frame and the furniture in its corners."""
FONT = "DejaVu Sans"
GLOBE_SPAN = 40.0
"""A map wider or taller than this (degrees) is located on a globe in its inset."""
MAX_LEGEND_ROWS = 40
"""Above this many rows the legend takes two columns (one column fills the panel's
height; two may run wider than the panel where labels are long)."""
TYPES = {"page": 65638, "map": 65639, "picture": 65640, "label": 65641, "legend": 65642,
         "scalebar": 65646}
INK, PAPER = BASEMAP["ink"], BASEMAP["halo"]
"""The layout's text and north arrow: the print map's ink."""
NORTH_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 60" width="40" height="60">'
    f'<path d="M20 2 L34 44 L20 36 L6 44 Z" fill="{INK}" stroke="{INK}" '
    'stroke-width="1.5" stroke-linejoin="round"/>'
    f'<path d="M20 2 L20 36 L6 44 Z" fill="{PAPER}" stroke="{INK}" '
    'stroke-width="1.5" stroke-linejoin="round"/>'
    '<text x="20" y="58" font-family="DejaVu Sans" font-size="14" font-weight="bold" '
    f'text-anchor="middle" fill="{INK}">N</text></svg>'
)


def label_text(text: str) -> str:
    """A layout label text showing ``text`` literally (one string-literal expression)."""
    return f"[% {tip_literal(text)} %]"


def _uuid(name: str) -> str:
    """A stable item uuid (layouts link items by uuid; stable keeps builds identical)."""
    import hashlib

    h = hashlib.sha1(name.encode()).hexdigest()
    return "{" + f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}" + "}"


def _item(parent: ET.Element, kind: str, key: str, box, z: int, **attrs) -> ET.Element:
    x, y, w, h = box
    el = ET.SubElement(parent, "LayoutItem", {
        "type": str(TYPES[kind]), "uuid": _uuid(key), "templateUuid": _uuid(key),
        "id": key, "position": f"{x:g},{y:g},mm", "positionOnPage": f"{x:g},{y:g},mm",
        "size": f"{w:g},{h:g},mm", "zValue": str(z), "visibility": "1",
        "referencePoint": "0", "itemRotation": "0", "opacity": "1", "blendMode": "0",
        "frame": "false", "background": "false", "positionLock": "false",
        "excludeFromExports": "0", "groupUuid": "", "outlineWidthM": "0.3,mm",
        "frameJoinStyle": "miter", **attrs})
    ET.SubElement(el, "FrameColor", {"red": "60", "green": "60", "blue": "60", "alpha": "255"})
    ET.SubElement(el, "BackgroundColor", {"red": "255", "green": "255", "blue": "255",
                                          "alpha": "255"})
    return el


def _font(size: float, bold: bool = False) -> str:
    return f"{FONT},{size:g},-1,5,{75 if bold else 50},0,0,0,0,0"


def _label(parent, key, box, text, size, bold=False, z=10, color=None,
           halign=1, valign=32) -> ET.Element:
    el = _item(parent, "label", key, box, z, labelText=label_text(text), htmlState="0",
               marginX="0", marginY="0", halign=str(halign), valign=str(valign))
    ET.SubElement(el, "LabelFont", {"description": _font(size, bold), "style": ""})
    _color(el, "FontColor", color or _rgb(INK))
    return el


def _color(parent: ET.Element, tag: str, rgb: tuple[int, int, int]) -> ET.Element:
    """A layout colour element (``red``, ``green``, ``blue``, opaque)."""
    r, g, b = rgb
    return ET.SubElement(parent, tag, {"red": str(r), "green": str(g), "blue": str(b),
                                       "alpha": "255"})


def fit(box, width: float, height: float) -> tuple[float, float, float, float]:
    """Grow a projected ``box`` to the aspect of a ``width`` x ``height`` item.

    Examples
    --------
    >>> fit((0, 0, 10, 10), 20, 10)
    (-5.0, 0, 15.0, 10)
    """
    xmin, ymin, xmax, ymax = box
    w, h = xmax - xmin, ymax - ymin
    want = width / height
    if w / h < want:
        grow = (h * want - w) / 2
        return (xmin - grow, ymin, xmax + grow, ymax)
    grow = (w / want - h) / 2
    return (xmin, ymin - grow, xmax, ymax + grow)


def nice(value: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above ``value``.

    Examples
    --------
    >>> nice(370), nice(0.9)
    (200.0, 0.5)
    """
    import math

    step = 10 ** math.floor(math.log10(max(value, 1e-9)))
    return float(max(m * step for m in (1, 2, 5) if m * step <= value))


def _map(parent, key, box, extent, z, theme=None, layer_set=(), overview_of=None,
         crs=None):
    el = _item(parent, "map", key, box, z, mapRotation="0", isTemporal="0",
               keepLayerSet="true" if layer_set else "false", drawCanvasItems="true",
               mapFlags="0", labelMargin="0,mm",
               followPreset="true" if theme else "false", followPresetName=theme or "",
               frame="true", background="true")
    r, g, b = _rgb(sea_color())
    bg = el.find("BackgroundColor")
    bg.attrib.update({"red": str(r), "green": str(g), "blue": str(b)})
    if crs is not None:  # a map item in another CRS than the project's

        ET.SubElement(el, "crs").append(srs(crs))
    xmin, ymin, xmax, ymax = extent
    ET.SubElement(el, "Extent", {"xmin": repr(xmin), "ymin": repr(ymin),
                                 "xmax": repr(xmax), "ymax": repr(ymax)})
    layers = ET.SubElement(el, "LayerSet")
    for lid, name, source in layer_set:
        ET.SubElement(layers, "Layer", {"source": source, "provider": "ogr",
                                        "name": name}).text = lid
    if overview_of:
        ET.SubElement(el, "ComposerMapOverview", {
            "name": "Map extent", "show": "1", "frameMap": _uuid(overview_of),
            "uuid": _uuid(f"{key}-overview"), "position": "3", "centered": "0",
            "inverted": "0", "blendMode": "0"})
    return el


def legend_rows(tables: Sequence[GpkgTable]) -> int:
    """How many rows the legend of these layers has (titles, categories, size classes)."""
    from .symbols import renderer_plan

    rows = 0
    for t in tables:
        attr, cats = renderer_plan(t.layer)
        rows += 1 + (len(cats) if attr else 0)
        style = t.layer.spec.style
        if style.geometry == "point" and style.size_by:
            rows += len(style.size_legend()) + 1
    return rows


def sea_color() -> str:
    """The sea behind the map frames, from the style spec's basemap palette."""
    from ...style import BASEMAP

    return BASEMAP["sea"]


def _rgb(color: str) -> tuple[int, int, int]:
    r, g, b, _ = (int(v) for v in rgba(color).split(","))
    return r, g, b


def _legend(parent, tables: Sequence[GpkgTable], source: str, box, z) -> ET.Element:
    columns = 2 if legend_rows(tables) > MAX_LEGEND_ROWS else 1
    el = _item(parent, "legend", "legend", box, z, title="Legend", map_uuid=_uuid("map"),
               resizeToContents="1", symbolWidth="5", symbolHeight="3",
               columnCount=str(columns), splitLayer="1" if columns > 1 else "0",
               equalColumnWidth="0", wrapChar="", lineSpacing="1", boxSpace="1.5",
               columnSpace="2", fontColor=INK, legendFilterByAtlas="0",
               rasterBorder="0", symbolAlignment="1", titleAlignment="1", background="true")
    styles = ET.SubElement(el, "styles")
    for name, size, bold, top in (("title", 9, True, 0), ("group", 7.5, True, 2.5),
                                  ("subgroup", 7, True, 2), ("symbol", 6.5, False, 1.2),
                                  ("symbolLabel", 6.5, False, 1.2)):
        st = ET.SubElement(styles, "style", {"name": name, "marginTop": f"{top:g}",
                                             "marginBottom": "1.5" if name == "title" else "0",
                                             "indent": "0", "alignment": "1"})
        ET.SubElement(st, "styleFont", {"description": _font(size, bold), "style": ""})
    tree = ET.SubElement(el, "layer-tree-group")
    ET.SubElement(ET.SubElement(tree, "customproperties"), "Option")
    for t in tables:
        node = ET.SubElement(tree, "layer-tree-layer", {
            "id": layer_id(t.table), "name": t.title, "providerKey": "ogr",
            "source": f"{source}|layername={t.table}", "checked": "Qt::Checked",
            "expanded": "1", "legend_exp": "", "patch_size": "-1,-1",
            "legend_split_behavior": "0"})
        ET.SubElement(ET.SubElement(node, "customproperties"), "Option")
    return el


REFERENCE_POINTS = {"upper left": 0, "upper right": 2, "lower left": 6, "lower right": 8}
"""QGIS's item reference points: a scale bar sized by QGIS grows away from its corner."""


def _scalebar(parent, box, z, km_per_segment: float, corner: str) -> ET.Element:
    x, y, w, h = box
    ref = REFERENCE_POINTS[corner]  # keep the bar's own corner where planned
    px = x + w if "right" in corner else x
    py = y + h if "lower" in corner else y
    el = _item(parent, "scalebar", "scalebar", box, z, style="Single Box", unitType="km",
               unitLabel="km", numUnitsPerSegment=f"{km_per_segment:g}",
               numMapUnitsPerScaleBarUnit="1", numSegments="2", numSegmentsLeft="0",
               numSubdivisions="1", segmentSizeMode="0", height="1.6", labelBarSpace="1.5",
               boxContentSpace="1", alignment="0", mapUuid=_uuid("map"),
               outlineWidth="0.25", lineJoinStyle="miter", lineCapStyle="square",
               background="true")
    el.attrib.update({"referencePoint": str(ref), "position": f"{px:g},{py:g},mm",
                      "positionOnPage": f"{px:g},{py:g},mm"})
    text = ET.SubElement(el, "text-style", {"fontFamily": FONT, "fontSize": "6.5",
                                            "fontSizeUnit": "Point", "fontWeight": "50",
                                            "textColor": rgba(INK), "textOpacity": "1"})
    ET.SubElement(text, "text-buffer", {"bufferDraw": "1", "bufferSize": "0.6",
                                        "bufferSizeUnits": "MM",
                                        "bufferColor": "255,255,255,255"})
    _color(el, "fillColor", _rgb(INK))
    _color(el, "fillColor2", _rgb(PAPER))
    _color(el, "strokeColor", _rgb(INK))
    return el


def attribution(atlas, recipe, layers: Sequence[PreparedLayer], crs) -> str:
    """The credit lines under the map: credits, projection and cited publishers."""
    from ...geometry import describe_crs
    from ..credits import cited_sources

    credits = (recipe.credits or "").strip()
    info = getattr(atlas, "basemap_info", {}) or {}
    source = info.get("source_short") or "basemap"
    if atlas is not None and source.lower() not in credits.lower():
        credits = f"{atlas.basemap_credit} {credits}".strip()  # as the static map does
    lines = [credits] if credits else []
    lines.append(f"Projection: {describe_crs(crs)}.")
    if atlas is not None:
        cited = cited_sources(atlas, list(layers))
        if cited:
            from .meta import short_list

            lines.append("Sources: " + short_list(cited, limit=12) + ".")
    notes = []
    for p in layers:
        q = p.frame["location_quality"] if "location_quality" in p.frame else None
        if q is not None and (q == "schematic").any():
            notes.append(f"{p.spec.title}: some lines are schematic")
        if q is not None and q.isin(["approximate", "admin_area"]).any():
            notes.append(f"{p.spec.title}: some locations are approximate")
    if notes:
        lines.append("; ".join(notes) + " (hollow, dotted or faded symbols).")
    return "\n".join(lines)


def layouts(atlas, recipe, layers: Sequence[PreparedLayer], tables: Sequence[GpkgTable],
            crs, box) -> ET.Element:
    """``<Layouts>`` with the recipe's print layout (see the module docstring)."""
    source = f"./{recipe.name}.gpkg"
    root = ET.Element("Layouts")
    lay = ET.SubElement(root, "Layout", {"name": recipe.title, "units": "mm",
                                         "printResolution": "300", "worldFileMap": ""})
    pages = ET.SubElement(lay, "PageCollection")
    _item(pages, "page", "page", (0, 0, *PAGE), 0, background="true")
    ET.SubElement(pages, "GuideCollection", {"visible": "1"})

    _label(lay, "title", (MARGIN, 7, PAGE[0] - 2 * MARGIN, 9), recipe.title, 15, bold=True)
    if recipe.subtitle:
        _label(lay, "subtitle", (MARGIN, 16.5, PAGE[0] - 2 * MARGIN, 6), recipe.subtitle,
               9, color=(80, 80, 80))
    _, y, w, h = MAP_BOX
    main = fit(box, w, h)
    _map(lay, "map", MAP_BOX, main, 1, theme=recipe_theme_name(recipe))

    shown = [t for t in tables if t.kind == "recipe" and t.layer.spec.visible]
    _legend(lay, list(reversed(shown)), source, (SIDE_X, y, SIDE_W, h), 5)

    corners = furniture_corners(main, _data_xy(shown, crs),
                                (INSET_SIZE[0] / w, INSET_SIZE[1] / h))
    width_km = (main[2] - main[0]) / 1000
    scale_box = _corner_box(corners.scale, 60, 8)
    _scalebar(lay, scale_box, 6, nice(width_km / 6), corners.scale)
    north_box = (_stacked(scale_box, corners.scale, 8, 12) if corners.north_stacks
                 else _corner_box(corners.north, 8, 12))
    svg = base64.b64encode(NORTH_SVG.encode()).decode()
    _item(lay, "picture", "north-arrow", north_box, 7,
          file=f"base64:{svg}", mode="0", northMode="1", northOffset="0",
          mapUuid=_uuid("map"), pictureRotation="0", resizeMode="0", anchorPoint="4",
          pictureWidth="8", pictureHeight="12", svgFillColor="255,255,255,255",
          svgBorderColor="0,0,0,255", svgBorderWidth="0.2")

    basemap = [t for t in tables if t.kind == "basemap"]
    if basemap:
        _inset(lay, basemap[0], source, box, crs, _corner_box(corners.inset, *INSET_SIZE))
    _label(lay, "attribution", (MARGIN, y + h + 2, PAGE[0] - 2 * MARGIN,
                                PAGE[1] - (y + h + 2) - 3),
           attribution(atlas, recipe, layers, crs), 6, color=(70, 70, 70), valign=32)
    ET.SubElement(lay, "Atlas", {"enabled": "0", "coverageLayer": "", "hideCoverage": "0",
                                 "filenamePattern": "'output_'||@atlas_featurenumber",
                                 "pageNameExpression": "", "sortFeatures": "0",
                                 "filterFeatures": "0"})
    return root


def _inset(lay, base: GpkgTable, source: str, box, crs, where) -> None:
    """The locator inset: the basemap around the map, or the globe for a wide map."""
    _, _, iw, ih = where
    lon0, lat0, lon1, lat1 = _lonlat(box, crs)
    layer_set = [(layer_id(base.table), base.title, f"{source}|layername={base.table}")]
    if max(lon1 - lon0, lat1 - lat0) > GLOBE_SPAN:
        # a wide map: locate it on the globe (a conic's corners fan out too far)
        globe = CRS.from_proj4(f"+proj=ortho +lat_0={(lat0 + lat1) / 2:.2f} "
                               f"+lon_0={(lon0 + lon1) / 2:.2f} +datum=WGS84 +units=m")
        r = 6.5e6
        _map(lay, "inset", where, fit((-r, -r, r, r), iw, ih), 8, layer_set=layer_set,
             overview_of="map", crs=globe)
    else:
        padx, pady = (lon1 - lon0) * 0.6, (lat1 - lat0) * 0.6
        wide = transformer(WGS84, crs).transform_bounds(
            lon0 - padx, lat0 - pady, lon1 + padx, lat1 + pady, densify_pts=51)
        _map(lay, "inset", where, fit(wide, iw, ih), 8, layer_set=layer_set,
             overview_of="map")


def _corner_box(corner: str, width: float, height: float) -> tuple[float, float, float, float]:
    """An item's box in ``corner`` of the map, :data:`PAD` inside its frame (mm).

    >>> _corner_box("lower left", 60, 8)
    (13.0, 172.0, 60, 8)
    """
    x, y, w, h = MAP_BOX
    left = x + PAD if "left" in corner else x + w - width - PAD
    top = y + PAD if "upper" in corner else y + h - height - PAD
    return (left, top, width, height)


def _stacked(box, corner: str, width: float, height: float) -> tuple[float, float, float, float]:
    """A box of ``width`` x ``height`` stacked on ``box`` towards the map's inside.

    >>> _stacked((137.0, 28.0, 60, 8), "upper right", 8, 12)
    (189.0, 37.0, 8, 12)
    """
    x, y, w, h = box
    left = x if "left" in corner else x + w - width
    top = y + h + 1 if "upper" in corner else y - height - 1
    return (left, top, width, height)


def _data_xy(shown: Sequence[GpkgTable], crs):
    """The projected vertices of the recipe's thematic features, to keep furniture off."""
    import numpy as np
    import shapely

    t = transformer(WGS84, crs)
    parts = [shapely.get_coordinates(s.layer.frame.geometry.dropna().to_numpy())
             for s in shown if s.layer.name not in ("countries", "provinces")]
    xy = np.concatenate(parts) if parts else np.empty((0, 2))
    if not len(xy):
        return xy
    x, y = t.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _lonlat(box, crs) -> tuple[float, float, float, float]:
    return transformer(crs, WGS84).transform_bounds(*box, densify_pts=51)
