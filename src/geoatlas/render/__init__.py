"""Renderers: each turns a recipe's prepared layers into one kind of output.

Every renderer reads the same :class:`~geoatlas.render.prepare.PreparedLayer` list, so
the style spec is applied once and shared by the web map, the static map and QGIS.
"""
