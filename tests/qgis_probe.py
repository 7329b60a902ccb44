"""Open a geoatlas .qgz and its GeoPackage in real QGIS (PyQGIS) and report what QGIS sees.

Runs on the system interpreter that has PyQGIS (Debian ``python3-qgis``), not in the
venv::

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_probe.py out/x.qgz \\
        --png out/qgis/x.png

It prints one JSON document: the project (title, CRS, layer tree, custom order,
relations), every project layer (validity, feature count, renderer, categories and, per
feature, the symbol values QGIS evaluates: static properties overridden by the
data-defined expressions), the GeoPackage's layers opened directly (which must come up
with their default style), and the PNG rendered from a print layout of the project.
The test (tests/test_qgis.py) compares all of it with the style spec; this script only
observes. Kept free of geoatlas imports: the system Python does not have them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="qgis-runtime-"))

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsExpressionContext,
    QgsExpressionContextUtils,
    QgsFeatureRequest,
    QgsLayerTreeGroup,
    QgsLayerTreeLayer,
    QgsLayoutExporter,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsLayoutItemScaleBar,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsPrintLayout,
    QgsProject,
    QgsRectangle,
    QgsRenderContext,
    QgsSymbolLayer,
    QgsSymbolLayerUtils,
    QgsUnitTypes,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QFont

DD = {
    "size": QgsSymbolLayer.PropertySize,
    "fill": QgsSymbolLayer.PropertyFillColor,
    "stroke": QgsSymbolLayer.PropertyStrokeColor,
    "stroke_width": QgsSymbolLayer.PropertyStrokeWidth,
    "stroke_style": QgsSymbolLayer.PropertyStrokeStyle,
    "dash": QgsSymbolLayer.PropertyCustomDash,
}


def color(value) -> str:
    """Normalise a QColor or a colour string to QGIS's ``r,g,b,a``."""
    if isinstance(value, str):
        value = QgsSymbolLayerUtils.decodeColor(value)
    return QgsSymbolLayerUtils.encodeColor(value)


def dash(value) -> list[float] | None:
    """A dash pattern (``"a;b"`` or a list) as rounded floats; None for solid."""
    if value is None:
        return None
    if isinstance(value, str):
        value = [float(v) for v in value.split(";") if v.strip()]
    return [round(float(v), 3) for v in value] or None


def evaluated(sl, ctx: QgsExpressionContext) -> dict:
    """The data-defined values of a symbol layer for the feature in ``ctx``."""
    out = {}
    props = sl.dataDefinedProperties()
    for key, prop_key in DD.items():
        prop = props.property(prop_key)
        if prop and prop.isActive():
            value, ok = prop.value(ctx, None)
            out[key] = value if ok and value is not None and str(value) != "NULL" else None
    return out


def symbol_values(symbol, ctx: QgsExpressionContext) -> dict:
    """What one feature looks like: the symbol's static values overridden by its DD ones."""
    layers = [symbol.symbolLayer(i) for i in range(symbol.symbolLayerCount())]
    out: dict = {}
    for sl in layers:
        dd = evaluated(sl, ctx)
        kind = sl.layerType()
        if kind == "SimpleMarker":
            out["size"] = round(float(dd.get("size") or sl.size()), 3)
            out["fill"] = color(dd.get("fill") or sl.color())
            out["stroke"] = color(dd.get("stroke") or sl.strokeColor())
            out["stroke_width"] = round(float(dd.get("stroke_width") or sl.strokeWidth()), 3)
            out["stroke_style"] = (dd.get("stroke_style")
                                   or QgsSymbolLayerUtils.encodePenStyle(sl.strokeStyle()))
            out["units"] = QgsUnitTypes.encodeUnit(sl.sizeUnit())
        elif kind == "SimpleFill":
            out["fill"] = color(dd.get("fill") or sl.color())
        elif kind == "SimpleLine":
            out["stroke"] = color(dd.get("stroke") or sl.color())
            out["stroke_width"] = round(float(dd.get("stroke_width") or sl.width()), 3)
            static = sl.customDashVector() if sl.useCustomDashPattern() else None
            if dd.get("stroke_style") == "solid":  # applied after the dash pattern
                out["dash"] = None
            elif dd.get("dash"):
                out["dash"] = dash(dd["dash"])
            elif "dash" in dd:
                # NULL leaves the pen as the previous feature set it (QGIS mutates it)
                out["dash"] = "undefined: NULL dash without a solid line style"
            else:
                out["dash"] = dash(static)
            out["units"] = QgsUnitTypes.encodeUnit(sl.widthUnit())
    return out


def describe_renderer(layer: QgsVectorLayer) -> dict:
    """Renderer type, attribute and categories (value, label, colour) of a layer."""
    renderer = layer.renderer()
    if renderer is None:
        return {"renderer": None}
    out = {"renderer": renderer.type(), "attr": None, "categories": []}
    if renderer.type() == "categorizedSymbol":
        out["attr"] = renderer.classAttribute()
        for cat in renderer.categories():
            value = cat.value()
            out["categories"].append({
                "value": "" if value is None or str(value) == "NULL" else str(value),
                "label": cat.label(),
                "color": cat.symbol().color().name(),
            })
    return out


def describe_features(layer: QgsVectorLayer) -> list[dict]:
    """Per feature (in fid order): its fid and the symbol values QGIS would draw it with."""
    renderer = layer.renderer().clone()
    ctx = QgsRenderContext()
    exp = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
    ctx.setExpressionContext(exp)
    renderer.startRender(ctx, layer.fields())
    out = []
    request = QgsFeatureRequest()
    request.addOrderBy("$id")
    try:
        for feature in layer.getFeatures(request):
            ctx.expressionContext().setFeature(feature)
            symbol = renderer.symbolForFeature(feature, ctx)
            values = symbol_values(symbol, ctx.expressionContext()) if symbol else None
            out.append({"fid": feature.id(), "values": values})
    finally:
        renderer.stopRender(ctx)
    return sorted(out, key=lambda f: f["fid"])


def describe_layer(layer: QgsVectorLayer, features: bool) -> dict:
    """Validity, counts, geometry, renderer (and per-feature symbols) of one layer."""
    valid = layer.isValid()
    out = {"id": layer.id(), "name": layer.name(), "valid": valid,
           "source": layer.source()}
    if not valid:
        err = layer.error()  # keep the object: summary() on a temporary crashes 3.22
        out["error"] = err.summary()
        return out
    out["feature_count"] = layer.featureCount()
    out["spatial"] = layer.isSpatial()
    out["crs"] = layer.crs().authid()
    out["labels"] = bool(layer.labelsEnabled() and layer.labeling() is not None)
    if layer.isSpatial():
        out.update(describe_renderer(layer))
        if features:
            out["features"] = describe_features(layer)
    return out


def field_pairs(relation) -> list[tuple[str, str]]:
    """(referencing field, referenced field) pairs; PyQGIS returns a dict or a list."""
    pairs = relation.fieldPairs()
    if isinstance(pairs, dict):
        return sorted(pairs.items())
    return [(p.referencingField(), p.referencedField()) for p in pairs]


def describe_tree(project: QgsProject) -> dict:
    """Groups (top to bottom) with their layer ids, visibility and the custom order."""
    root = project.layerTreeRoot()
    groups = []
    for child in root.children():
        if isinstance(child, QgsLayerTreeGroup):
            groups.append({
                "name": child.name(),
                "layers": [{"id": n.layerId(), "visible": n.itemVisibilityChecked()}
                           for n in child.children() if isinstance(n, QgsLayerTreeLayer)],
            })
    return {
        "groups": groups,
        "has_custom_order": root.hasCustomLayerOrder(),
        "layer_order": [lyr.id() for lyr in root.layerOrder()],
    }


def nice_km(km: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above ``km``."""
    step = 10 ** math.floor(math.log10(max(km, 1e-9)))
    return max(m * step for m in (1, 2, 5) if m * step <= km)


def render_layout(project: QgsProject, png: str, dpi: int) -> dict:
    """Render the project through a print layout (title, map, legend, scale bar) to PNG."""
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()
    page = layout.pageCollection().page(0)
    page.setPageSize(QgsLayoutSize(297, 210))

    title = QgsLayoutItemLabel(layout)
    title.setText(project.title())
    title.setFont(QFont("DejaVu Sans", 16))
    title.attemptMove(QgsLayoutPoint(6, 4))
    title.attemptResize(QgsLayoutSize(285, 12))
    layout.addLayoutItem(title)

    extent = project.viewSettings().defaultViewExtent()  # in the project CRS
    width = 205.0
    height = min(172.0, max(60.0, width * extent.height() / max(extent.width(), 1.0)))
    if height == 172.0:
        width = min(205.0, height * extent.width() / max(extent.height(), 1.0))
    map_item = QgsLayoutItemMap(layout)
    map_item.attemptMove(QgsLayoutPoint(6, 18))
    map_item.attemptResize(QgsLayoutSize(width, height))
    map_item.setCrs(project.crs())
    map_item.setFrameEnabled(True)
    layout.addLayoutItem(map_item)
    map_item.setExtent(QgsRectangle(extent))  # zoomToExtent() gives NaN here in 3.22

    legend = QgsLayoutItemLegend(layout)
    legend.setLinkedMap(map_item)
    legend.setAutoUpdateModel(False)
    legend.setTitle("Legend")
    root = legend.model().rootGroup()
    for group in list(root.children()):
        if not isinstance(group, QgsLayerTreeGroup):
            continue
        for node in list(group.children()):
            if isinstance(node, QgsLayerTreeLayer):
                lyr = node.layer()
                if lyr is None or not lyr.isSpatial() or not node.itemVisibilityChecked():
                    group.removeChildNode(node)
        if not group.children():
            root.removeChildNode(group)
    legend.attemptMove(QgsLayoutPoint(215, 18))
    legend.setResizeToContents(True)
    layout.addLayoutItem(legend)
    legend.adjustBoxSize()

    bar = QgsLayoutItemScaleBar(layout)
    bar.setLinkedMap(map_item)
    bar.setStyle("Single Box")
    bar.setUnits(QgsUnitTypes.DistanceKilometers)
    bar.setUnitLabel("km")
    bar.setNumberOfSegments(3)
    bar.setNumberOfSegmentsLeft(0)
    bar.setUnitsPerSegment(nice_km(map_item.extent().width() / 1000 / 8))
    bar.attemptMove(QgsLayoutPoint(8, 18 + height + 3))
    layout.addLayoutItem(bar)

    exporter = QgsLayoutExporter(layout)
    settings = QgsLayoutExporter.ImageExportSettings()
    settings.dpi = dpi
    result = exporter.exportToImage(png, settings)
    return {"path": png, "result": int(result), "ok": result == QgsLayoutExporter.Success,
            "map_extent": [extent.xMinimum(), extent.yMinimum(), extent.xMaximum(),
                           extent.yMaximum()]}


def main(argv: list[str]) -> int:
    """Probe a project (and its GeoPackage) and print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project")
    parser.add_argument("--png", help="render the project to this PNG")
    parser.add_argument("--dpi", type=int, default=110)
    parser.add_argument("--gpkg", help="GeoPackage whose layers to open directly")
    parser.add_argument("--tables", default="", help="comma-separated tables of --gpkg")
    args = parser.parse_args(argv)

    app = QgsApplication([], False)
    QgsApplication.setPrefixPath("/usr", True)
    app.initQgis()
    report: dict = {"qgis_version": Qgis.QGIS_VERSION}
    try:
        project = QgsProject.instance()
        report["read"] = bool(project.read(args.project))
        report["title"] = project.title()
        report["ellipsoid"] = project.ellipsoid()
        crs = project.crs()
        report["crs"] = {"valid": crs.isValid(), "proj": crs.toProj(),
                         "geographic": crs.isGeographic(), "authid": crs.authid()}
        view = project.viewSettings().defaultViewExtent()
        report["default_extent"] = [view.xMinimum(), view.yMinimum(), view.xMaximum(),
                                    view.yMaximum()]
        report["tree"] = describe_tree(project)
        report["layers"] = [describe_layer(lyr, features=True)
                            for lyr in project.mapLayers().values()
                            if isinstance(lyr, QgsVectorLayer)]
        rels = project.relationManager().relations().values()
        report["relations"] = [{
            "id": r.id(), "name": r.name(), "valid": r.isValid(),
            "referencing": r.referencingLayerId(), "referenced": r.referencedLayerId(),
            "pairs": [list(p) for p in field_pairs(r)],
        } for r in rels]
        if args.png:
            report["png"] = render_layout(project, args.png, args.dpi)
        if args.gpkg:
            direct = []
            for table in [t for t in args.tables.split(",") if t]:
                lyr = QgsVectorLayer(f"{args.gpkg}|layername={table}", table, "ogr")
                direct.append(describe_layer(lyr, features=False))
            report["gpkg_layers"] = direct
        project.clear()
    finally:
        json.dump(report, sys.stdout, indent=1, sort_keys=True, default=str)
        sys.stdout.write("\n")
        sys.stdout.flush()
        sys.stderr.flush()
    # PyQGIS 3.22 may crash while tearing down layers and layouts at exit; the report
    # is out, so leave without the teardown.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
