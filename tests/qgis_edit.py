"""Edit a GeoPackage the way an analyst does in QGIS: through a layer's edit buffer.

Runs on the system interpreter that has PyQGIS (Debian ``python3-qgis``)::

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_edit.py x.gpkg EDITS.json

``EDITS.json`` is a list of edits, each on one table and feature (found by ``id``):
``{"table": "deposits", "id": "mes-aynak", "move": [lon, lat]}`` moves a point,
``{"table": "rail", "id": "...", "move_vertex": [index, lon, lat]}`` moves a vertex,
``{"table": "deposits", "id": "hajigak", "set": {"name": "Haji Gak"}}`` changes
attributes, ``{"table": "deposits", "add": {...attributes...}, "at": [lon, lat]}``
adds a feature. Every layer is edited in its edit buffer and committed; the script
prints ``ok`` or exits non-zero with QGIS's commit errors. Kept free of geoatlas imports.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="qgis-runtime-"))

from qgis.core import (
    QgsApplication,
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsVectorLayer,
)


def main() -> int:
    gpkg, edits_file = sys.argv[1], sys.argv[2]
    with open(edits_file, encoding="utf-8") as fh:
        edits = json.load(fh)
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    layers = {}
    try:
        for edit in edits:
            table = edit["table"]
            if table not in layers:
                layer = QgsVectorLayer(f"{gpkg}|layername={table}", table, "ogr")
                if not layer.isValid():
                    err = layer.error()
                    print(f"cannot open {table}: {err.summary()}", file=sys.stderr)
                    return 2
                layer.startEditing()
                layers[table] = layer
            layer = layers[table]
            if "add" in edit:
                feature = QgsFeature(layer.fields())
                for name, value in edit["add"].items():
                    feature.setAttribute(name, value)
                lon, lat = edit["at"]
                feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(lon, lat)))
                layer.addFeature(feature)
                continue
            matches = [f for f in layer.getFeatures() if f["id"] == edit["id"]]
            if len(matches) != 1:
                print(f"{table}: {len(matches)} features with id {edit['id']}", file=sys.stderr)
                return 2
            fid = matches[0].id()
            if "move" in edit:
                lon, lat = edit["move"]
                layer.changeGeometry(fid, QgsGeometry.fromPointXY(QgsPointXY(lon, lat)))
            if "move_vertex" in edit:
                index, lon, lat = edit["move_vertex"]
                layer.moveVertex(lon, lat, fid, index)
            for name, value in edit.get("set", {}).items():
                layer.changeAttributeValue(fid, layer.fields().indexOf(name), value)
        for table, layer in layers.items():
            if not layer.commitChanges():
                print(f"{table}: {layer.commitErrors()}", file=sys.stderr)
                return 3
    finally:
        layer = None
        layers.clear()  # closes the GeoPackage (and checkpoints its WAL) before we leave
    print("ok", flush=True)
    return 0


if __name__ == "__main__":
    # leave without QgsApplication.exitQgis(): tearing down with layers alive segfaults
    # PyQGIS 3.22; the edits are committed (and the GeoPackage closed) by then
    code = main()
    sys.stdout.flush()
    os._exit(code)
