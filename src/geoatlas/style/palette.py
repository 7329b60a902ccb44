"""The style spec's values: every colour, dash, width and wording a map is drawn with.

Commodity and status colours, the location-quality wording, the basemap palette (web
and print), raster ramps, the starter recipes' reference styles, online tile layers and
the zoom at which each kind of label appears. Renderers read these names; none holds
a colour of its own.
"""

from __future__ import annotations

__all__ = [
    "BASEMAP",
    "BASEMAP_WIDTHS",
    "COMMODITY_COLORS",
    "COMMODITY_LABELS",
    "FALLBACK_PALETTE",
    "LABEL_MIN_ZOOM",
    "NO_VALUE_COLOR",
    "PRINT_BASEMAP",
    "PRINT_HALOS",
    "PRINT_LABELS",
    "PRINT_PLACES",
    "PRINT_WIDTHS",
    "QUALITY_NOTES",
    "QUALITY_TEXT",
    "RASTER_RAMPS",
    "STARTER_STYLES",
    "STATUS_COLORS",
    "STATUS_DASHES",
    "STATUS_GROUP_LABELS",
    "STATUS_LABELS",
    "TILES",
]


# Default colours per commodity. Chosen by scripts/palette.py from colours that mean
# something (copper, gold, near-black oil, deep-blue lapis lazuli ...): every pair differs
# by CIEDE2000 >= 10 for normal vision and stays apart for deuteranopes and protanopes
# (tests/test_style.py measures both), and every colour reads on the basemap's land.
COMMODITY_COLORS = {
    "copper": "#bb793a",
    "iron": "#7e3b07",
    "lithium": "#2b9e77",
    "oil": "#363637",
    "gas": "#795bcb",
    "coal": "#5a5a5a",
    "gold": "#dfb000",
    "chromite": "#00778b",
    "lapis_lazuli": "#1d2f8f",
    "uranium": "#a9dd5f",
    "rare_earths": "#f43273",
    "talc": "#b5b2ad",
    "marble": "#d4dab8",
    "gemstones": "#cb3e1a",
    "cobalt": "#21699f",
    "silver": "#a3b6c8",
    "zinc": "#6f8fa0",
    "lead": "#4a4a6a",
    "molybdenum": "#597615",
    "tungsten": "#8774a8",
    "antimony": "#c2a5e0",
    "tin": "#6da9aa",
    "nickel": "#2b6d41",
}
COMMODITY_LABELS = {"lapis_lazuli": "lapis lazuli", "rare_earths": "rare earths"}
"""Legend wording of commodities, where replacing ``_`` by a space is not enough."""

STATUS_COLORS = {
    "operating": "#1a9641",
    "under_construction": "#f08c00",
    "signed": "#1f5fa8",
    "agreed": "#56a0d3",
    "planned": "#7b3294",
    "announced": "#c27fd6",
    "proposed": "#9e9ac8",
    "rumored": "#d4c7e6",
    "suspended": "#d7191c",
    "terminated": "#8c0d0d",
    "cancelled": "#969696",
    "superseded": "#a6761d",
    "unknown": "#4d4d4d",
}
"""One colour per status: green runs, orange is being built, blues are committed on
paper, purples are intentions (darker = firmer), reds stopped, grey cancelled, brown
superseded by another plan."""
STATUS_DASHES: dict[str, tuple[float, ...] | None] = {
    "operating": None,
    "under_construction": (4, 2),
    "signed": (1, 2),
    "agreed": (1, 2),
    "planned": (1, 2),
    "announced": (1, 2),
    "proposed": (1, 2),
    "rumored": (1, 3),
    "suspended": (6, 2, 1, 2),
    "terminated": (6, 2, 1, 2),
    "cancelled": (6, 2, 1, 2),
    "superseded": (6, 2, 1, 2),
    "unknown": (2, 2),
}
"""Solid = running; dashed = being built; dotted = on paper; dash-dot = stopped."""
STATUS_LABELS = {
    "under_construction": "under construction",
    "unknown": "status unknown",
    "superseded": "superseded (replaced by another plan)",
}
"""Legend wording of statuses where replacing ``_`` by a space is not enough."""
STATUS_GROUP_LABELS = {
    None: "operating (solid)",
    (4, 2): "under construction (dashed)",
    (1, 2): "signed, agreed, planned, announced or proposed (dotted)",
    (1, 3): "rumored (sparse dots)",
    (6, 2, 1, 2): "suspended, terminated, cancelled or superseded (dash-dot)",
    (2, 2): "status unknown",
}
FALLBACK_PALETTE = (
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666",
)
NO_VALUE_COLOR = "#9e9e9e"
"""Fill of a feature whose ``color_by`` value is empty."""
QUALITY_TEXT = {
    "exact": "exact location",
    "approximate": "approximate location",
    "admin_area": "only the province is known",
    "schematic": "schematic geometry (straight between known places)",
}
"""What each ``location_quality`` means, in words: the web popups' and badges' text."""
QUALITY_NOTES = {
    "exact": "exact location",
    "approximate": "approximate location (dashed outline)",
    "admin_area": "only the province is known (pale, dotted outline)",
    "schematic": "schematic: straight between known places (faded)",
}
"""The same in a legend, which also says how each quality is drawn."""

BASEMAP = {
    "sea": "#dce8f1",
    "land": "#ece9e2",
    "focus": "#fbfaf6",
    "neighbour": "#ece9e2",
    "lakes": "#cfe0ee",
    "rivers": "#8fb3d0",
    "border": "#9a948a",
    "province": "#c9c3b4",
    "label": "#5c5750",
    "country_label": "#8d877a",
    "halo": "#ffffff",
    "graticule": "#9bb3c7",
    "ink": "#1f1f1f",
    "muted": "#5c5c5c",
    "locator_view": "#c0392b",
}
"""THE basemap palette, read by the web map, the static map and the QGIS project.

``focus`` fills the map's own countries (the ones its layers are about), ``neighbour``
every other country (``land`` is the same colour, for renderers with one land fill);
``border`` national borders, ``province`` first-level boundaries; ``label`` and
``country_label`` place and country names, drawn over a ``halo``; ``ink`` and ``muted``
the map furniture (title, legend, scale bar; notes and credits); ``locator_view`` outlines
the map's view on a locator (the web minimap's aiming box, the print inset).
"""
RASTER_RAMPS = {
    # near = bright; far = dark (viridis anchors, reversed)
    "distance": ((253, 231, 37), (94, 201, 98), (33, 145, 140), (59, 82, 139), (68, 1, 84)),
    # low = pale; high = deep red (YlOrRd anchors)
    "density": ((255, 255, 204), (254, 217, 118), (253, 141, 60), (227, 26, 28), (128, 0, 38)),
}
"""Colour ramps of the raster products (RGB anchors, low to high), for every renderer."""
BASEMAP_WIDTHS = {"border": 0.9, "province": 0.5, "rivers": 0.6, "graticule": 0.35}
"""Line widths of the basemap in CSS pixels (print renderers scale them by 0.75)."""
STARTER_STYLES = {
    "countries": {"fill": "#f3efe2", "color": "#7a7a7a", "weight": 0.8},
    "provinces": {"color": "#8c8c8c", "fill": "#f3efe2", "weight": 0.6, "fill_opacity": 0.2},
}
"""The ``[layers.style]`` a new workspace's first recipe gives its reference layers.

A warm paper fill under grey borders, so the layer reads as background; written into
``maps/*.toml`` by :func:`geoatlas.workspace.create_workspace` and ``geoatlas init``
(in this key order), where the analyst may change it like any recipe style.
"""
PRINT_BASEMAP = {
    "frame": "#3d3d3d",
    "graticule_land": "#d6d2c8",
    "locator_focus": "#d9d3c5",
    "locator_border": "#ffffff",
    "globe_rim": "#8d99a6",
    "globe_graticule": "#b8c7d4",
}
"""The print map's colours beside :data:`BASEMAP` (the static map and its locator inset).

``frame`` outlines the map; over land the graticule is ``graticule_land`` (over the sea,
BASEMAP's ``graticule``). On the locator inset the countries under the map's view are
``locator_focus`` (the others BASEMAP's ``land``) with ``locator_border`` outlines, the
view is outlined in BASEMAP's ``locator_view``, and a
globe inset has a ``globe_rim`` and a ``globe_graticule``.
"""
PRINT_WIDTHS = {"frame": 0.8, "inset_frame": 0.6, "graticule": 0.35, "graticule_strong": 0.45,
                "locator_border": 0.3, "locator_view": 1.3, "globe_rim": 0.6,
                "globe_graticule": 0.3}
"""Line widths of the print map's basemap, frames and inset, in points."""
PRINT_PLACES = {"capital_radius": 2.6, "place_radius": 1.8, "capital_dot": 1.6,
                "capital_ring": 0.8, "place_edge": 0.5}
"""Place marks of the print map in points: a capital is a ringed dot (``capital_radius``
with a ``capital_ring`` outline around a ``capital_dot``), another place an ink dot of
``place_radius`` with a white ``place_edge``."""
PRINT_LABELS = {
    "country": {"fontsize": 7, "color": BASEMAP["country_label"], "fontstyle": "italic"},
    "province": {"fontsize": 6.5, "color": BASEMAP["label"], "fontstyle": "italic"},
    "place": {"fontsize": 7.0, "color": BASEMAP["ink"], "fontweight": "bold"},
    "line": {"fontsize": 7.0, "color": BASEMAP["ink"], "fontstyle": "italic"},
    "polygon": {"fontsize": 6.5, "color": BASEMAP["muted"]},
    "feature": {"fontsize": 7.0, "color": BASEMAP["ink"]},
    "graticule": {"fontsize": 6, "color": BASEMAP["muted"]},
}
"""Label text of the print map by kind (matplotlib text properties, sizes in points):
country and province names, places, a recipe layer's lines, areas and points
(``feature``) have a halo of :data:`PRINT_HALOS`; ``graticule`` labels the edges."""
PRINT_HALOS = {"label": 2.4, "country": 2.0, "furniture": 2.2}
"""Widths in points of the BASEMAP ``halo`` behind print labels (country and area names
take the thinner ``country`` one) and behind the scale bar and north arrow texts."""
TILES = {
    "OpenStreetMap": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                      "&copy; OpenStreetMap contributors"),
    "CartoDB positron": ("https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
                         "&copy; OpenStreetMap contributors &copy; CARTO"),
    "OpenTopoMap": ("https://{s}.tile.opentopomap.org/{z}/{x}/{y}.png",
                    "&copy; OpenStreetMap contributors, SRTM | &copy; OpenTopoMap (CC-BY-SA)"),
}
"""The online basemaps a recipe may add (``basemaps = [...]``): name -> (XYZ URL, credit).

Optional extra layers over the offline basemap, for the web map and the QGIS project;
the credit is HTML (``&copy;``) as tile providers ask for it.
"""


LABEL_MIN_ZOOM = {
    "country": 3,
    "capital": 4,
    "city": 6,
    "feature": 5,
    "line": 4,
    "polygon": 7,
    "town": 8,
    "border_crossing": 8,
    "dry_port": 8,
    "sea_port": 7,
    "rail_station": 8,
    "mountain_pass": 8,
}
"""Web-map zoom from which labels of each kind show (feature = a recipe layer's point
labels, line and polygon = its line and area labels; the rest are gazetteer kinds; a
country's own zoom also depends on its area). Labels are then
placed by the same priorities as on the static map: bigger symbols first, lines, then
areas, country names last, and none may overlap another."""
