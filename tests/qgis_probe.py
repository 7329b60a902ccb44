"""Open a geoatlas .qgz and its GeoPackage in real QGIS (PyQGIS) and report what QGIS sees.

Runs on the system interpreter that has PyQGIS (Debian ``python3-qgis``), not in the
venv::

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_probe.py out/x.qgz \\
        --gpkg out/x.gpkg --tables deposits,rail --layout-pdf /tmp/x.pdf \\
        --layout-png /tmp/x.png --dates 2010-01-01,2025-01-01 \\
        --form geoatlas_deposits:mes-aynak

It prints one JSON document: the project (title, CRS, layer tree, custom order,
relations), every project layer (validity, feature count, renderer, categories and, per
feature, the symbol values QGIS evaluates: static properties overridden by the
data-defined expressions), the GeoPackage's layers opened directly (which must come up
with their default style) and the relations GDAL reads from it, the project's print
layouts (items, texts, legend labels; exported to PDF/PNG), map themes, bookmarks, layer
metadata, the time slider's feature counts at given dates, and one feature's attribute
form opened as the desktop opens it (log messages, widgets, related records). With
``--tips CASES.json`` it instead fills map-tip templates for the hypothesis test.
The test (tests/test_qgis.py) compares all of it with the style spec; this script only
observes. Kept free of geoatlas imports: the system Python does not have them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="qgis-runtime-"))

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsDateTimeRange,
    QgsExpression,
    QgsExpressionContext,
    QgsExpressionContextUtils,
    QgsFeatureRequest,
    QgsLayerTreeGroup,
    QgsLayerTreeLayer,
    QgsLayoutExporter,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsProject,
    QgsRenderContext,
    QgsSymbolLayer,
    QgsSymbolLayerUtils,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsVectorLayerTemporalContext,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QTime

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
    out["halo"] = False
    if out["labels"]:
        labeling = layer.labeling()  # keep each object: temporaries crash PyQGIS 3.22
        if labeling.type() == "simple":
            settings = labeling.settings()
            text_format = settings.format()
            buffer = text_format.buffer()
            out["halo"] = bool(buffer.enabled())
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


def describe_cartography(project: QgsProject) -> dict:
    """Layouts (items, PDF/PNG export), themes, bookmarks, metadata, legend labels."""
    out: dict = {"themes": project.mapThemeCollection().mapThemes(),
                 "bookmarks": [b.name() for b in project.bookmarkManager().bookmarks()]}
    layouts = []
    for layout in project.layoutManager().printLayouts():
        kinds: dict = {}
        for item in layout.items():
            name = type(item).__name__
            kinds[name] = kinds.get(name, 0) + 1
        texts = [i.currentText() for i in layout.items() if isinstance(i, QgsLayoutItemLabel)]
        legend_labels = []
        for item in layout.items():
            if isinstance(item, QgsLayoutItemLegend):
                model = item.model()
                for node in model.rootGroup().findLayers():
                    legend_labels.append(node.name())
                    for lnode in model.layerLegendNodes(node):
                        legend_labels.append(str(lnode.data(0) or ""))
        boxes = {}  # item id -> [x, y, width, height] on the page, mm
        for item in layout.items():
            if isinstance(item, QgsLayoutItemLegend):
                item.adjustBoxSize()
            if getattr(item, "id", None) and item.id():
                r = item.sceneBoundingRect()
                boxes[item.id()] = [r.x(), r.y(), r.width(), r.height()]
                if isinstance(item, QgsLayoutItemMap):
                    e = item.extent()
                    boxes[item.id() + ":extent"] = [e.xMinimum(), e.yMinimum(),
                                                    e.xMaximum(), e.yMaximum()]
        page = layout.pageCollection().page(0).pageSize()
        layouts.append({"name": layout.name(), "items": kinds, "texts": texts,
                        "legend_labels": legend_labels, "boxes": boxes,
                        "page": [page.width(), page.height()],
                        "crs": project.crs().toWkt()})
    out["layouts"] = layouts
    meta = {}
    for lyr in project.mapLayers().values():
        m = lyr.metadata()
        meta[lyr.id()] = {"title": m.title(), "abstract": m.abstract(),
                          "attribution": lyr.attribution(), "links": len(m.links()),
                          "type": lyr.type(), "provider": lyr.providerType(),
                          "valid": lyr.isValid(),
                          "raster_renderer": (lyr.renderer().type() if lyr.type() == 1
                                              and lyr.renderer() is not None else None),
                          "visible": project.layerTreeRoot().findLayer(lyr.id())
                          .itemVisibilityChecked()}
    out["metadata"] = meta
    return out


def export_layout(project: QgsProject, pdf: str | None, png: str | None) -> dict:
    """Export the first print layout to PDF and PNG as the user would."""
    layouts = project.layoutManager().printLayouts()
    if not layouts:
        return {"ok": False}
    exporter = QgsLayoutExporter(layouts[0])
    out = {"ok": True}
    if pdf:
        result = exporter.exportToPdf(pdf, QgsLayoutExporter.PdfExportSettings())
        out["pdf"] = {"path": pdf, "ok": result == QgsLayoutExporter.Success}
    if png:
        settings = QgsLayoutExporter.ImageExportSettings()
        settings.dpi = 110
        result = exporter.exportToImage(png, settings)
        out["png"] = {"path": png, "ok": result == QgsLayoutExporter.Success}
    return out


def temporal_counts(project: QgsProject, dates: list[str]) -> dict:
    """Features each temporal layer shows on each date (the time slider's filter)."""
    out = {}
    for lyr in project.mapLayers().values():
        if not isinstance(lyr, QgsVectorLayer):
            continue
        props = lyr.temporalProperties()
        if not props.isActive():
            continue
        counts = {}
        for day in dates:
            y, m, d = (int(v) for v in day.split("-"))
            start = QDateTime(QDate(y, m, d), QTime(0, 0))
            rng = QgsDateTimeRange(start, start.addSecs(86399))
            ctx = QgsVectorLayerTemporalContext()
            ctx.setLayer(lyr)
            expr = props.createFilterString(ctx, rng)
            request = QgsFeatureRequest().setFilterExpression(expr) if expr else QgsFeatureRequest()
            counts[day] = sum(1 for _ in lyr.getFeatures(request))
        out[lyr.id()] = {"counts": counts, "start": props.startField(), "end": props.endField()}
    return out


def describe_form(project: QgsProject, layer_id: str, feature_id: str) -> dict:
    """Open a feature's attribute form as the desktop does; log messages and children."""
    from qgis.gui import QgsAttributeEditorContext, QgsAttributeForm, QgsGui
    from qgis.PyQt.QtWidgets import QLabel

    layer = project.mapLayer(layer_id)
    if layer is None:
        return {"found": False}
    feature = next(layer.getFeatures(QgsFeatureRequest().setFilterExpression(
        f"\"id\" = '{feature_id}'")), None)
    if feature is None:
        return {"found": False}
    QgsGui.editorWidgetRegistry().initEditors()  # as the desktop does at start
    messages = []

    def record(message, tag, level):
        messages.append({"message": message, "tag": tag, "level": int(level)})

    QgsApplication.messageLog().messageReceived.connect(record)
    context = QgsAttributeEditorContext()
    form = QgsAttributeForm(layer, feature, context)
    form.show()
    QgsApplication.processEvents()
    labels = [w.text() for w in form.findChildren(QLabel)]
    form.hide()
    QgsApplication.processEvents()
    QgsApplication.messageLog().messageReceived.disconnect(record)

    def related(parent_layer, parent):
        rows = []
        for rel in project.relationManager().referencedRelations(parent_layer):
            child = rel.referencingLayer()
            ctx = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(child))
            display = QgsExpression(child.displayExpression())
            for f in rel.getRelatedFeatures(parent):
                ctx.setFeature(f)
                rows.append({"relation": rel.id(), "child": child.id(),
                             "id": f["id"] if "id" in f.fields().names() else None,
                             "display": str(display.evaluate(ctx)), "feature": f})
        return rows

    children = related(layer, feature)
    grandchildren = []
    for row in children:
        if row["child"].endswith("contracts"):
            grandchildren += related(project.mapLayer(row["child"]), row["feature"])
    clean = [{k: v for k, v in r.items() if k != "feature"} for r in children + grandchildren]
    return {"found": True, "messages": messages, "labels": labels, "related": clean,
            "display": str(QgsExpression(layer.displayExpression()).evaluate(
                _feature_context(layer, feature)))}


def _feature_context(layer, feature):
    ctx = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
    ctx.setFeature(feature)
    return ctx


def map_tip(project: QgsProject, layer_id: str, feature_id: str) -> str | None:
    """A feature's map tip as QGIS fills it in (View > Show Map Tips)."""
    layer = project.mapLayer(layer_id)
    for feature in layer.getFeatures():
        if feature["id"] == feature_id:
            return QgsExpression.replaceExpressionText(layer.mapTipTemplate(),
                                                       _feature_context(layer, feature))
    return None


def gdal_relationships(gpkg: str) -> dict:
    """What GDAL reads from the GeoPackage alone: its relationships."""
    from osgeo import gdal

    ds = gdal.OpenEx(gpkg, gdal.OF_VECTOR)
    names = list(ds.GetRelationshipNames() or [])
    out = {}
    for name in names:
        rel = ds.GetRelationship(name)
        out[name] = {"left": rel.GetLeftTableName(), "right": rel.GetRightTableName(),
                     "mapping": rel.GetMappingTableName()}
    return {"gdal": gdal.__version__, "relationships": out}


def evaluate_tips(path: str) -> list[str]:
    """Each case's map tip, as QGIS fills it in for a feature with the case's values."""
    from qgis.core import QgsFeature, QgsField
    from qgis.PyQt.QtCore import QVariant

    with open(path, encoding="utf-8") as fh:
        cases = json.load(fh)
    out = []
    for case in cases:
        layer = QgsVectorLayer("None", "tips", "memory")
        layer.dataProvider().addAttributes([QgsField(n, QVariant.String)
                                            for n in case["names"]])
        layer.updateFields()
        feature = QgsFeature(layer.fields())
        feature.setAttributes(case["values"])
        ctx = _feature_context(layer, feature)
        out.append(QgsExpression.replaceExpressionText(case["tip"], ctx))
    return out


def main(argv: list[str]) -> int:
    """Probe a project (and its GeoPackage) and print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?")
    parser.add_argument("--tips", help="JSON cases: evaluate map tips on memory layers")
    parser.add_argument("--gpkg", help="GeoPackage whose layers to open directly")
    parser.add_argument("--tables", default="", help="comma-separated tables of --gpkg")
    parser.add_argument("--layout-pdf", help="export the project's print layout to this PDF")
    parser.add_argument("--layout-png", help="export the project's print layout to this PNG")
    parser.add_argument("--dates", default="", help="comma-separated dates for time counts")
    parser.add_argument("--form", default="", help="LAYER_ID:FEATURE_ID form to open")
    parser.add_argument("--tip", default="", help="LAYER_ID:FEATURE_ID map tip to fill in")
    args = parser.parse_args(argv)

    app = QgsApplication([], True)  # GUI: forms are widgets
    QgsApplication.setPrefixPath("/usr", True)
    app.initQgis()
    report: dict = {"qgis_version": Qgis.QGIS_VERSION}
    if args.tips:
        report["tips"] = evaluate_tips(args.tips)
        json.dump(report, sys.stdout)
        sys.stdout.flush()
        os._exit(0)
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
        report["cartography"] = describe_cartography(project)
        report["layout_export"] = export_layout(project, args.layout_pdf, args.layout_png)
        report["temporal"] = temporal_counts(project, [d for d in args.dates.split(",") if d])
        if args.form:
            report["form"] = describe_form(project, *args.form.split(":", 1))
        if args.tip:
            report["tip"] = map_tip(project, *args.tip.split(":", 1))
        if args.gpkg:
            direct = []
            for table in [t for t in args.tables.split(",") if t]:
                lyr = QgsVectorLayer(f"{args.gpkg}|layername={table}", table, "ogr")
                direct.append(describe_layer(lyr, features=False))
            report["gpkg_layers"] = direct
            report["gdal"] = gdal_relationships(args.gpkg)
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
