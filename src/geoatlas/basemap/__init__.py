"""A workspace's reference basemap (``geo/basemap.gpkg``), built for any region on Earth.

The basemap is one GeoPackage (EPSG:4326) with these layers:

``countries``
    The whole world, simplified by scale: full detail inside the region plus a margin,
    coarse (coverage-simplified, so neighbours keep one shared border) elsewhere. No frame
    or zoom ever shows a clip edge. ``kind`` is ``country`` or ``area`` (areas Natural
    Earth keeps apart but that are not countries: Siachen Glacier, the Baykonur lease,
    the UK bases on Cyprus, ...); ``is_country`` says whether it gets a country label.
``provinces``
    Admin-1 units that touch the region (whole, never clipped), when a source has them.
``country_labels``
    One point per country (inside its largest part), with its area for label priority.
``cities``
    Natural Earth populated places (capitals and the largest cities), when available.
``basemap_info``
    A key/value table: source, version, scale, licence, bbox, the credit line.

Renderers: the web map draws ``countries`` simplified again for the screen (0.01°)
and the provinces of the countries in view; the static map and QGIS draw ``countries``
as stored. Everything reads its credit line from :func:`credit`.

The modules, in the order a build uses them: :mod:`.sources` (Natural Earth or the
packaged world), :mod:`.region` (the bbox), :mod:`.shapes` (geometry by scale, and for
the screen), :mod:`.provinces` (admin-1), :mod:`.gazetteer` (ids, cities, label
points), :mod:`.file` (the GeoPackage: info, credit, check, atomic write) and
:mod:`.build` (:func:`build_basemap`, the steps in order).

Examples
--------
>>> parse_bbox("-81,-56,-66,-17")
(-81.0, -56.0, -66.0, -17.0)
>>> credit({"source": "Natural Earth", "scale": "1:10m", "source_version": "v4.1.0",
...         "license": "public domain"})
'Basemap: Natural Earth 1:10m v4.1.0 (public domain).'
"""

from __future__ import annotations

from .build import build_basemap
from .file import check_basemap, credit, read_info
from .region import parse_bbox
from .shapes import for_screen
from .sources import NE_SOURCE, WORLD_ASSET, find_ne_source

__all__ = [
    "NE_SOURCE",
    "WORLD_ASSET",
    "build_basemap",
    "check_basemap",
    "credit",
    "find_ne_source",
    "for_screen",
    "parse_bbox",
    "read_info",
]
