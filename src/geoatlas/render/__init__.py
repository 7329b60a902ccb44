"""Renderers: each turns a recipe's prepared layers into one kind of output.

Every renderer reads the same :class:`~geoatlas.render.prepare.PreparedLayer` list, so
the style spec is applied once and shared by the web map, the static map and QGIS.
The three families — the web page (:mod:`~geoatlas.render.web` and the modules it
draws with), the print map (:mod:`geoatlas.render.static`) and QGIS
(:mod:`geoatlas.render.qgis`) — never import one another; what they share lives in
:mod:`~geoatlas.render.prepare`, :mod:`~geoatlas.render.mapframe` and
:mod:`~geoatlas.render.credits` (``tests/test_architecture.py`` checks it). Each takes
a loaded :class:`~geoatlas.recipe.Recipe`, never a recipe name.
"""

__all__: list[str] = []
