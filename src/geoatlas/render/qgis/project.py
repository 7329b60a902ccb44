"""The ``.qgs`` project: layers, groups, relations, themes, bookmarks, time, layout.

The project references ``./<name>.gpkg`` by relative path and holds, besides the
layers in the recipe's groups and drawing order:

- the project CRS (the static map's: the recipe's ``[static] crs`` or the Lambert
  conformal conic fitted to its extent; see docs/qgis.md for why it stays custom);
- per layer: renderer, labels with halos, map tip, metadata (title, abstract,
  attribution, the cited documents as links), field aliases, explicit widgets and a
  display expression;
- polymorphic relations from deposits, rail, corridors and contracts to the contracts
  and events that name them by layer *and* id, and from every layer and table to the
  documents it cites (through ``citations``);
- map themes (the recipe's view, and the status-over-time view), spatial bookmarks
  (the map extent and its key features), the temporal controller's range over the
  ``*_periods`` layers, the recipe's online basemaps as XYZ layers (unchecked), and a
  print layout (see :mod:`.layout`).
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree as ET

from pyproj import CRS

from ..prepare import PreparedLayer
from .common import QGIS_VERSION, WKB, GpkgTable, layer_id, recipe_theme_name, serialize, srs
from .expr import literal
from .forms import display_expression, form_elements
from .gpkg import CITATIONS, key_of
from .rasters import maplayer as raster_maplayer
from .symbols import label_field, style_elements

__all__ = [
    "POLYMORPHIC",
    "XYZ_IDS",
    "bookmarks",
    "crs_name",
    "layer_name_expression",
    "polymorphic_relations",
    "project_crs",
    "project_xml",
    "temporal_element",
    "themes",
    "time_settings",
    "xyz_layers",
]


POLYMORPHIC = (
    # (id, table, layer column, id column, title)
    ("contracts_of", "contracts", "asset_layer", "asset_id", "Contracts"),
    ("events_of", "events", "subject_layer", "subject_id", "Events"),
    ("citations_of", CITATIONS, "layer", "feature_id", "Cited documents"),
)
"""Tables whose rows point at a row of one of several layers: (layer name, id)."""
XYZ_IDS = "geoatlas_xyz_"


def project_crs(recipe, layers: Sequence[PreparedLayer]) -> CRS:
    """The project CRS: the static map's (:func:`geoatlas.render.mapframe.map_crs`).

    The recipe's ``[static] crs``, else the Lambert conformal conic fitted to its
    extent; docs/qgis.md says why no registered CRS replaces it.

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
    from ..mapframe import map_frame

    return map_frame(list(layers), recipe).crs


def crs_name(recipe, crs: CRS) -> str:
    """What QGIS shows for the project CRS (its own name when registered)."""
    if crs.to_epsg():
        return crs.name
    from ...geometry import describe_crs

    return describe_crs(crs) if "conformal" in describe_crs(crs).lower() else (
        f"Lambert conformal conic for {recipe.name}")


def project_xml(recipe, layers: Sequence[PreparedLayer], tables: Sequence[GpkgTable],
                atlas=None, rasters=(), chapter_themes: bool = False) -> str:
    """The ``.qgs`` document of a recipe (see the module docstring for what it holds).

    Parameters
    ----------
    recipe : geoatlas.recipe.Recipe
        The recipe: title, description, layers, groups, visibility.
    layers : sequence of PreparedLayer
        The prepared layers, in drawing order (first = bottom).
    tables : sequence of GpkgTable
        What :func:`~.gpkg.write_geopackage` wrote.
    atlas : geoatlas.Atlas, optional
        The workspace: the documents cited (metadata links, attribution).
    rasters : sequence of RasterProduct
        Raster products written beside the project (see :mod:`.rasters`).
    chapter_themes : bool
        A story's project: one map theme per chapter, instead of the recipe's views.

    Returns
    -------
    str
        The project XML.
    """
    from ..mapframe import map_frame
    from . import layout as layout_mod
    from .meta import layer_metadata

    frame = map_frame(list(layers), recipe)  # the static map's CRS and projected bounds
    crs, lonlat, box = frame.crs, frame.extent, frame.bounds
    name = crs_name(recipe, crs)
    source = f"./{recipe.name}.gpkg"
    recipe_tables = [t for t in tables if t.kind == "recipe"]
    basemap = [t for t in tables if t.kind == "basemap"]
    history = [t for t in tables if t.kind == "history"]
    attributes = [t for t in tables if not t.spatial]
    xyz = xyz_layers(recipe)
    root = _project_root(recipe, srs(crs, name))
    top_first = list(reversed(recipe_tables))
    root.append(_layer_tree(top_first, history, basemap, attributes, xyz, source, rasters))
    ET.SubElement(root, "relations").extend(_plain_relations(tables))
    root.append(polymorphic_relations(tables))
    root.append(_map_canvas(box, srs(crs, name)))
    root.append(_project_layers(tables, source, xyz, rasters,
                                lambda t: layer_metadata(atlas, recipe, t)))
    order = ET.SubElement(root, "layerorder")
    for lid in _drawing_order(top_first, history, basemap, xyz, rasters):
        ET.SubElement(order, "layer", {"id": lid})
    root.append(_properties())
    root.append(themes(recipe, top_first, history, basemap, chapter_themes))
    root.append(_project_metadata(recipe))
    root.append(layout_mod.layouts(atlas, recipe, layers, tables, crs, box))
    root.append(bookmarks(recipe, layers, lonlat))
    root.append(_view_settings(box, srs(crs, name)))
    root.append(time_settings(history, recipe))
    return serialize(root)


def _project_root(recipe, crs_el: ET.Element) -> ET.Element:
    """The ``<qgis>`` element with the project's title, settings and CRS."""
    root = ET.Element("qgis", {"projectname": recipe.title, "version": QGIS_VERSION,
                               "saveUser": "", "saveUserFull": "", "saveDateTime": ""})
    ET.SubElement(root, "homePath", {"path": ""})
    ET.SubElement(root, "title").text = recipe.title
    ET.SubElement(root, "autotransaction", {"active": "0"})
    ET.SubElement(root, "evaluateDefaultValues", {"active": "0"})
    ET.SubElement(root, "trust", {"active": "0"})
    ET.SubElement(root, "projectCrs").append(crs_el)
    return root


def _map_canvas(box, crs_el: ET.Element) -> ET.Element:
    """The main canvas: the map's projected bounds in its CRS."""
    canvas = ET.Element("mapcanvas", {"name": "theMapCanvas", "annotationsVisible": "1"})
    ET.SubElement(canvas, "units").text = "meters"
    _extent(ET.SubElement(canvas, "extent"), box)
    ET.SubElement(canvas, "rotation").text = "0"
    ET.SubElement(canvas, "destinationsrs").append(crs_el)
    ET.SubElement(canvas, "rendermaptile").text = "0"
    return canvas


def _project_layers(tables: Sequence[GpkgTable], source: str, xyz, rasters,
                    metadata) -> ET.Element:
    """``<projectlayers>``: the GeoPackage tables, the online tiles, the rasters."""
    layers_el = ET.Element("projectlayers")
    for t in tables:
        layers_el.append(_maplayer(t, source, metadata(t)))
    for title, url, credit in xyz:
        layers_el.append(_xyz_layer(title, url, credit))
    for product in rasters:
        layers_el.append(raster_maplayer(product, srs(CRS.from_wkt(product.crs_wkt))))
    return layers_el


def _project_metadata(recipe) -> ET.Element:
    """``<projectMetadata>``: identifier, title, abstract and rights from the recipe."""
    meta = ET.Element("projectMetadata")
    for tag, text in (("identifier", recipe.name), ("parentidentifier", ""), ("language", "en"),
                      ("type", "dataset"), ("title", recipe.title),
                      ("abstract", recipe.description or recipe.subtitle)):
        ET.SubElement(meta, tag).text = text
    ET.SubElement(meta, "links")
    ET.SubElement(meta, "rights").text = recipe.credits
    return meta


def _view_settings(box, crs_el: ET.Element) -> ET.Element:
    """``<ProjectViewSettings>``: the extent QGIS opens on."""
    view = ET.Element("ProjectViewSettings", {"UseProjectScales": "0", "rotation": "0"})
    ET.SubElement(view, "Scales")
    default = ET.SubElement(view, "DefaultViewExtent", {
        "xmin": _coord(box[0]), "ymin": _coord(box[1]), "xmax": _coord(box[2]),
        "ymax": _coord(box[3])})
    default.append(crs_el)
    return view


def _coord(x: float) -> str:
    return f"{x:.3f}"


def _extent(parent: ET.Element, box) -> None:
    for tag, value in zip(("xmin", "ymin", "xmax", "ymax"), box):
        ET.SubElement(parent, tag).text = _coord(value)





def xyz_layers(recipe) -> list[tuple[str, str, str]]:
    """``(title, url, credit)`` of the recipe's online basemaps (XYZ tiles)."""
    if not recipe.basemaps:
        return []
    from ...style import TILES

    out = []
    for name in recipe.basemaps:
        if name in TILES:
            url, credit = TILES[name]
            credit = credit.replace("&copy;", "©")
            out.append((name, url.replace("{s}", "a"), credit))
    return out


def _xyz_id(title: str) -> str:
    return XYZ_IDS + "".join(c if c.isalnum() else "_" for c in title.lower())


def _drawing_order(top_first, history, basemap, xyz, rasters=()) -> list[str]:
    return ([layer_id(t.table) for t in top_first] + [layer_id(t.table) for t in history]
            + [p.layer_id for p in rasters]
            + [layer_id(t.table) for t in basemap] + [_xyz_id(x[0]) for x in xyz])


def _tree_layer(parent: ET.Element, lid: str, name: str, source: str, provider: str,
                visible: bool, expanded: bool) -> None:
    node = ET.SubElement(parent, "layer-tree-layer", {
        "id": lid, "name": name, "source": source, "providerKey": provider,
        "checked": "Qt::Checked" if visible else "Qt::Unchecked",
        "expanded": "1" if expanded else "0", "legend_exp": "",
        "patch_size": "-1,-1", "legend_split_behavior": "0"})
    ET.SubElement(ET.SubElement(node, "customproperties"), "Option")


def _group(parent: ET.Element, name: str, expanded: bool = True) -> ET.Element:
    group = ET.SubElement(parent, "layer-tree-group", {
        "name": name, "checked": "Qt::Checked", "expanded": "1" if expanded else "0"})
    ET.SubElement(ET.SubElement(group, "customproperties"), "Option")
    return group


def _layer_tree(top_first, history, basemap, attributes, xyz, source,
                rasters=()) -> ET.Element:
    """The layer tree: the recipe's groups, periods, basemaps and tables.

    Groups are ordered by their top-most layer; a custom order keeps the drawing order.
    """
    root = ET.Element("layer-tree-group")
    ET.SubElement(ET.SubElement(root, "customproperties"), "Option")
    groups: dict[str, list[GpkgTable]] = {}
    for t in top_first:
        groups.setdefault(t.layer.spec.group, []).append(t)
    for name, members in groups.items():
        group = _group(root, name)
        for t in members:
            _tree_layer(group, layer_id(t.table), t.title, f"{source}|layername={t.table}",
                        "ogr", t.layer.spec.visible, True)
    for product in rasters:
        group = next((g for g in root.findall("layer-tree-group")
                      if g.get("name") == product.group), None)
        if group is None:
            group = _group(root, product.group)
        _tree_layer(group, product.layer_id, product.title, f"./{product.path.name}",
                    "gdal", product.visible, False)
    if history:
        group = _group(root, "Status over time", expanded=False)
        for t in history:
            _tree_layer(group, layer_id(t.table), t.title, f"{source}|layername={t.table}",
                        "ogr", False, True)
    if basemap or xyz:
        group = _group(root, "Basemap")
        for t in basemap:
            # always on: the land under the map, as on the web and print maps (a recipe's
            # own, half-transparent countries layer lay over the sea colour alone)
            _tree_layer(group, layer_id(t.table), t.title, f"{source}|layername={t.table}",
                        "ogr", True, False)
        for title, url, _ in xyz:
            _tree_layer(group, _xyz_id(title), title, _xyz_source(url), "wms", False, False)
    if attributes:
        group = _group(root, "Tables", expanded=False)
        for t in attributes:
            _tree_layer(group, layer_id(t.table), t.title, f"{source}|layername={t.table}",
                        "ogr", True, False)
    custom = ET.SubElement(root, "custom-order", {"enabled": "1"})
    for lid in _drawing_order(top_first, history, basemap, xyz, rasters):
        ET.SubElement(custom, "item").text = lid
    return root


def _xyz_source(url: str) -> str:
    from urllib.parse import quote

    return f"type=xyz&url={quote(url, safe=':/{}')}&zmax=19&zmin=0"


def _parents(tables: Sequence[GpkgTable], child: str) -> list[GpkgTable]:
    """Tables whose rows the polymorphic ``child`` rows point at (and do, at least once)."""
    rows = next((t.frame for t in tables if t.table == child), None)
    if rows is None:
        return []
    spec = next(p for p in POLYMORPHIC if p[1] == child)
    named = set(rows[spec[2]].dropna().astype(str)) if spec[2] in rows else set()
    out = []
    for t in tables:
        if t.kind not in ("recipe", "table") or t.table in (child, "sources", CITATIONS):
            continue
        key = key_of(t.source)
        if key not in t.fields or t.source not in named:
            continue
        ids = set((t.layer.frame if t.layer is not None else t.frame)[key].astype(str))
        mine = rows[rows[spec[2]].astype(str) == t.source][spec[3]].astype(str)
        if ids & set(mine):
            out.append(t)
    return out


def layer_name_expression(parents: Sequence[GpkgTable]) -> str:
    """The expression that names a referenced layer as the child rows do (its source).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> layer_name_expression([NS(table="rail_2", source="rail")])
    "CASE WHEN @layer_id = 'geoatlas_rail_2' THEN 'rail' END"
    """
    whens = " ".join(f"WHEN @layer_id = {literal(layer_id(t.table))} THEN {literal(t.source)}"
                     for t in parents)
    return f"CASE {whens} END"


def polymorphic_relations(tables: Sequence[GpkgTable]) -> ET.Element:
    """``<polymorphicRelations>``: each child table to every layer its rows point at."""
    el = ET.Element("polymorphicRelations")
    present = {t.table for t in tables}
    for rel_id, child, layer_col, id_col, title in POLYMORPHIC:
        if child not in present:
            continue
        parents = _parents(tables, child)
        by_key: dict[str, list[GpkgTable]] = {}
        for t in parents:
            by_key.setdefault(key_of(t.source), []).append(t)
        for key, group in by_key.items():  # one relation per referenced key column
            rel = ET.SubElement(el, "relation", {
                "id": rel_id if key == "id" else f"{rel_id}_by_{key}", "name": title,
                "referencingLayer": layer_id(child), "referencedLayerField": layer_col,
                "referencedLayerExpression": layer_name_expression(group),
                "referencedLayerIds": ",".join(layer_id(t.table) for t in group),
                "relationStrength": "Association"})
            ET.SubElement(rel, "fieldRef", {"referencingField": id_col, "referencedField": key})
    return el


def _plain_relations(tables: Sequence[GpkgTable]) -> list[ET.Element]:
    """Citations to the document they cite (``source_id`` -> ``sources.id``)."""
    present = {t.table for t in tables}
    if not {CITATIONS, "sources"} <= present:
        return []
    rel = ET.Element("relation", {
        "id": "sources_citations", "name": "Cited by",
        "referencingLayer": layer_id(CITATIONS), "referencedLayer": layer_id("sources"),
        "strength": "Association"})
    ET.SubElement(rel, "fieldRef", {"referencingField": "source_id", "referencedField": "id"})
    return [rel]


def _maplayer(t: GpkgTable, source: str, metadata: list[ET.Element]) -> ET.Element:
    geometry, wkb = ("No geometry", "NoGeometry")
    if t.spatial:
        geometry = WKB[t.geometry][0]
        wkb = t.wkb_type
    label = t.layer is not None and label_field(t.layer) is not None
    el = ET.Element("maplayer", {
        "type": "vector", "geometry": geometry, "wkbType": wkb,
        "labelsEnabled": "1" if label else "0", "hasScaleBasedVisibilityFlag": "0",
        "minScale": "100000000", "maxScale": "0", "readOnly": "0",
        "styleCategories": "AllStyleCategories"})
    ET.SubElement(el, "id").text = layer_id(t.table)
    ET.SubElement(el, "datasource").text = f"{source}|layername={t.table}"
    ET.SubElement(el, "layername").text = t.title
    if t.spatial:
        ET.SubElement(el, "srs").append(srs(CRS.from_epsg(4326)))
    el.extend(metadata)
    ET.SubElement(el, "provider", {"encoding": "UTF-8"}).text = "ogr"
    manager = ET.SubElement(el, "map-layer-style-manager", {"current": "default"})
    ET.SubElement(manager, "map-layer-style", {"name": "default"})
    if t.layer is not None:
        el.extend(style_elements(t.layer))
        el.extend(form_elements(t.source, t.layer.frame, t.fields))
    else:
        el.extend(form_elements(t.source, t.frame, t.fields))
        if t.table == CITATIONS:
            # a citation is named by the document it cites (its quote is a field)
            display = el.find("previewExpression")
            display.text = ("coalesce(attribute(get_feature('geoatlas_sources', 'id', "
                            "\"source_id\"), 'title'), \"source_id\")")
        elif display_expression(t.source, t.fields) is None:  # pragma: no cover
            pass
    if t.kind == "history":
        el.append(temporal_element())
    return el


def temporal_element() -> ET.Element:
    """Temporal properties of a periods layer: features valid from start to end field."""
    el = ET.Element("temporal", {
        "enabled": "1", "mode": "2", "startField": "valid_from", "endField": "valid_to",
        "limitMode": "0", "accumulate": "0", "fixedDuration": "0", "durationField": "",
        "durationUnit": "min", "startExpression": "", "endExpression": ""})
    rng = ET.SubElement(el, "fixedRange")
    ET.SubElement(rng, "start")
    ET.SubElement(rng, "end")
    return el


def _xyz_layer(title: str, url: str, credit: str) -> ET.Element:
    el = ET.Element("maplayer", {"type": "raster", "hasScaleBasedVisibilityFlag": "0",
                                 "minScale": "1e+08", "maxScale": "0",
                                 "styleCategories": "AllStyleCategories"})
    ET.SubElement(el, "id").text = _xyz_id(title)
    ET.SubElement(el, "datasource").text = _xyz_source(url)
    ET.SubElement(el, "layername").text = title
    ET.SubElement(el, "srs").append(srs(CRS.from_epsg(3857)))
    meta = ET.SubElement(el, "resourceMetadata")
    ET.SubElement(meta, "title").text = f"{title} (online tiles)"
    ET.SubElement(meta, "abstract").text = (
        f"Online {title} tiles: needs a network connection; off by default. {credit}")
    ET.SubElement(el, "attribution", {"href": ""}).text = credit
    ET.SubElement(el, "provider").text = "wms"
    pipe = ET.SubElement(el, "pipe")
    ET.SubElement(pipe, "rasterrenderer", {"type": "singlebandcolordata", "band": "1",
                                           "opacity": "1", "alphaBand": "-1"})
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


def themes(recipe, top_first, history, basemap, chapter_themes=False) -> ET.Element:
    """Map themes: the recipe's view, and (with status periods) the view over time.

    "Status over time" swaps the recipe's status layers for their periods, which the
    temporal controller filters. A recipe with ``as_of`` names its view after the date.
    With ``chapter_themes`` (a story recipe's build) there is one theme per chapter
    instead, named ``"<n>. <title>"`` and showing the chapter's layers.
    """
    el = ET.Element("visibility-presets")
    for name, visible in (_chapter_views(recipe, top_first) if chapter_themes
                          else _views(recipe, top_first, history, basemap)):
        preset = ET.SubElement(el, "visibility-preset", {
            "name": name, "has-expanded-info": "1", "has-checked-group-info": "1"})
        for lid in visible:
            ET.SubElement(preset, "layer", {"id": lid, "visible": "1", "style": "default",
                                            "expanded": "1"})
        ET.SubElement(preset, "checked-group-nodes")
        ET.SubElement(preset, "expanded-group-nodes")
    return el


def _views(recipe, top_first, history, basemap) -> list[tuple[str, list[str]]]:
    replaced = {t.table.removesuffix("_periods") for t in history}
    base = [layer_id(t.table) for t in basemap]
    views = [(recipe_theme_name(recipe),
              [layer_id(t.table) for t in top_first if t.layer.spec.visible] + base)]
    if history:
        views.append(("Status over time", [
            layer_id(t.table) for t in top_first
            if t.layer.spec.visible and t.table not in replaced]
            + [layer_id(t.table) for t in history] + base))
    return views


def _chapter_views(recipe, top_first) -> list[tuple[str, list[str]]]:
    ids: dict[str, list[str]] = {}
    for t in reversed(top_first):  # recipe order
        ids.setdefault(t.layer.spec.layer, []).append(layer_id(t.table))
    return [(f"{n}. {ch.title}", [i for name in ch.layers for i in ids.get(name, [])])
            for n, ch in enumerate(recipe.chapters, start=1)]


def bookmarks(recipe, layers: Sequence[PreparedLayer], lonlat, n: int = 6) -> ET.Element:
    """Spatial bookmarks: the map's extent, then its key features.

    Key features are those with the largest contracted value (else the labelled ones),
    at most ``n``, each with a box of about 1° around it.
    """
    el = ET.Element("Bookmarks")
    marks = [(f"{recipe.title}: map extent", "Maps", tuple(lonlat))]
    for p in reversed(list(layers)):
        frame = p.frame
        if not len(frame) or "name" not in frame:
            continue
        if "contract_value_usd" in frame and frame["contract_value_usd"].notna().any():
            frame = frame[frame["contract_value_usd"].notna()].sort_values(
                "contract_value_usd", ascending=False, kind="stable")
        elif label_field(p) is None:
            continue
        for name, geom in zip(frame["name"].head(n), frame.geometry.head(n)):
            if geom is None or geom.is_empty:
                continue
            x0, y0, x1, y1 = geom.bounds
            pad = 0.5
            marks.append((str(name), p.spec.title, (x0 - pad, y0 - pad, x1 + pad, y1 + pad)))
        if len(marks) > 1:
            break
    for i, (name, group, (x0, y0, x1, y1)) in enumerate(marks):
        b = ET.SubElement(el, "Bookmark", {
            "id": f"geoatlas-bookmark-{i}", "name": name, "group": group,
            "extent": f"POLYGON(({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}))"})
        b.append(srs(CRS.from_epsg(4326)))
    return el


def time_settings(history: Sequence[GpkgTable], recipe) -> ET.Element:
    """The project's time range: the first recorded status change to today's data."""
    el = ET.Element("ProjectTimeSettings", {"timeStep": "1", "timeStepUnit": "mon",
                                            "frameRate": "1",
                                            "cumulativeTemporalRange": "0"})
    starts = []
    for t in history:
        frame = t.layer.frame
        starts += [v for v in frame["valid_from"].dropna()]
        starts += [v for v in frame["valid_to"].dropna()]
    if starts:
        rng = ET.SubElement(el, "TemporalRange")
        ET.SubElement(rng, "start").text = min(starts).strftime("%Y-%m-01T00:00:00Z")
        last = max(starts)
        ET.SubElement(rng, "end").text = f"{last.year + 1}-01-01T00:00:00Z"
    return el
