"""The shareable web map: one self-contained, offline, deterministic HTML file.

No template engine ever sees data. The page is put together here from three kinds of
text: our own fixed markup, data escaped by :mod:`geoatlas.htmlsafe` (popups, legends,
the sources panel: the one HTML boundary), and the map's spec as JSON in a
``<script type="application/json">`` block (:func:`geoatlas.htmlsafe.script_json`),
which the runtime (``assets/geoatlas.js``) reads with ``JSON.parse`` and shows with
``textContent``. Folium and branca are not used to write the page.

The building blocks are public so other pages (a story map) can reuse them:
:func:`basemap_spec`, :func:`layer_spec`, :class:`PopupContext`, :func:`map_spec`,
:func:`page_html`.

Examples
--------
>>> page = page_html({"title": "{{ 7*7 }}", "layers": []}, "{{ 7*7 }}")
>>> '"title":"{{ 7*7 }}"' in page, "<title>&#123;&#123; 7*7 &#125;&#125;</title>" in page
(True, True)
>>> import geoatlas
>>> m = geoatlas.open().map("afghanistan-minerals")     # doctest: +SKIP
>>> m.save("minerals.html")                             # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from .. import htmlsafe, style
from ..citations import UNQUOTED_COLUMN, UNQUOTED_HINT
from ..schema import STATUSES, field_label, split_list
from ..style import LegendEntry, dash_css
from . import compact
from .offline import inline_head
from .prepare import PreparedLayer, extent, prepare
from .webformat import (
    QUALITY_TEXT,
    is_missing,
    money,
    style_json,
    text_value,
)

__all__ = [
    "COORD_DECIMALS",
    "MAP_ID",
    "SPEC_ID",
    "TILES",
    "PopupContext",
    "WebMap",
    "basemap_palette",
    "basemap_spec",
    "contract_value_text",
    "focus_countries",
    "layer_spec",
    "make_map",
    "map_spec",
    "page_html",
    "render_html",
    "style_label_zoom",
    "timeline_dates",
    "write",
]


COORD_DECIMALS = 5  # ~1 m at these latitudes
TILES = {
    "OpenStreetMap": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                      "&copy; OpenStreetMap contributors"),
    "CartoDB positron": ("https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
                         "&copy; OpenStreetMap contributors &copy; CARTO"),
    "OpenTopoMap": ("https://{s}.tile.opentopomap.org/{z}/{x}/{y}.png",
                    "&copy; OpenStreetMap contributors, SRTM | &copy; OpenTopoMap (CC-BY-SA)"),
}
MAP_ID = "geoatlas"
SPEC_ID = "ga-spec"


# -- the page ----------------------------------------------------------------------------
class WebMap:
    """A built web map: its HTML page and the spec inside it.

    Displays inline in Jupyter (an ``<iframe srcdoc>``) and saves as one file.
    """

    def __init__(self, html: str, spec: dict):
        self.html = html
        self.spec = spec

    def render(self) -> str:
        """The page as one string."""
        return self.html

    def save(self, path) -> Path:
        """Write the page to ``path`` (UTF-8); return the path."""
        path = Path(path)
        path.write_bytes(self.html.encode("utf-8"))
        return path

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{htmlsafe.text(self.html)}" style="width:100%;height:600px;'
                f'border:0" sandbox="allow-scripts allow-popups"></iframe>')


def page_html(spec: dict, title: str) -> str:
    """The whole page: fixed markup, inlined assets, and ``spec`` as JSON data.

    ``title`` goes through :func:`geoatlas.htmlsafe.text`; ``spec`` through
    :func:`geoatlas.htmlsafe.script_json`. Nothing is rendered by a template engine.
    """
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{htmlsafe.text(title)}</title>\n{inline_head()}\n</head>\n<body>\n"
        f'<div id="{MAP_ID}" class="ga-map"></div>\n'
        f'<script type="application/json" id="{SPEC_ID}">{htmlsafe.script_json(spec)}</script>\n'
        f'<script>GeoAtlas.start("{MAP_ID}", "{SPEC_ID}");</script>\n</body>\n</html>\n'
    )


def make_map(atlas, recipe, layers: list[PreparedLayer] | None = None) -> WebMap:
    """Build the web map of ``recipe`` (it displays inline in Jupyter)."""
    layers = layers if layers is not None else prepare(atlas, recipe)
    spec = map_spec(atlas, recipe, layers)
    return WebMap(page_html(spec, recipe.title), spec)


def render_html(atlas, recipe, layers: list[PreparedLayer] | None = None) -> str:
    """The map as one HTML string (deterministic: same input, same bytes)."""
    return make_map(atlas, recipe, layers).html


def write(atlas, recipe, layers, folder: Path, **options) -> list[Path]:
    """Write ``<name>.html`` into ``folder``; return its path.

    Logs the bytes of every layer and enforces the recipe's ``max_html_mb``
    (:func:`geoatlas.render.compact.check_size` raises, explaining what would fit).
    """
    path = Path(folder) / f"{recipe.name}.html"
    layers = layers if layers is not None else prepare(atlas, recipe)
    m = make_map(atlas, recipe, layers)
    data = m.html.encode("utf-8")
    compact.check_size(recipe, layers, m.spec, len(data), atlas)
    path.write_bytes(data)
    return [path]


# -- the spec handed to the runtime ----------------------------------------------------
def map_spec(atlas, recipe, layers: list[PreparedLayer]) -> dict:
    """Everything the runtime needs, as plain JSON-able data (HTML pre-escaped)."""
    ctx = PopupContext(atlas, recipe)
    bounds = extent(layers, recipe)
    spec_layers = []
    if recipe.overlays:  # raster products, drawn under the vector layers
        from . import overlay

        world = atlas.as_of(recipe.as_of) if recipe.as_of else atlas
        spec_layers += [overlay.overlay_spec(f"R{j}", world, ov, bounds)
                        for j, ov in enumerate(recipe.overlays)]
    for i, prepared in enumerate(layers):
        spec_layers.append(layer_spec(f"L{i}", prepared, ctx, atlas))
    dates = timeline_dates(atlas, layers)
    start = recipe.as_of.isoformat() if recipe.as_of else None
    minx, miny, maxx, maxy = bounds
    return {
        "title": recipe.title,
        "header_html": _header_html(recipe),
        "attribution_html": _attribution_html(atlas, recipe, ctx),
        "sources_html": ctx.sources_panel_html(),
        "controls": list(recipe.controls),
        "bounds": [[miny, minx], [maxy, maxx]],
        "basemap": basemap_spec(atlas, bounds, focus=focus_countries(layers)),
        "tiles": [{"name": b, "url": TILES[b][0], "attribution": TILES[b][1]}
                  for b in recipe.basemaps],
        "layers": spec_layers,
        "timeline": {"dates": dates, "start": start} if dates else None,
    }


def _header_html(recipe) -> str:
    parts = [f"<h1>{htmlsafe.bdi(recipe.title)}</h1>"]
    if recipe.subtitle:
        parts.append(f'<p class="ga-subtitle">{htmlsafe.bdi(recipe.subtitle)}</p>')
    if recipe.description:
        parts.append(f"<details><summary>About this map</summary>"
                     f"<p>{htmlsafe.bdi(recipe.description)}</p></details>")
    return "".join(parts)


def _attribution_html(atlas, recipe, ctx: PopupContext) -> str:
    """Publishers of the cited documents, compactly, and a link to the sources panel."""
    publishers = sorted({str(p) for p in ctx.cited_sources()["publisher"] if p},
                        key=str.casefold)
    shown = ", ".join(htmlsafe.bdi(_short_publisher(p)) for p in publishers[:4])
    more = f" +{len(publishers) - 4}" if len(publishers) > 4 else ""
    credit = htmlsafe.bdi(recipe.credits or atlas.basemap_credit)
    return ('<a href="#ga-sources" class="ga-sources-link" role="button">Sources</a>: '
            f'<span class="ga-publishers">{shown}{more}</span>'
            f' | <span class="ga-credit" title="{htmlsafe.text(recipe.credits or "")}">'
            f"{credit}</span> | Leaflet")


def _short_publisher(name: str) -> str:
    """A publisher's acronym in parentheses when it has one: ``... (EFSAS)`` -> ``EFSAS``."""
    name = str(name).strip()
    if name.endswith(")") and " (" in name:
        inner = name[name.rindex(" (") + 2:-1].strip()
        if inner:
            return inner
    return name


def timeline_dates(atlas, layers: list[PreparedLayer]) -> list[str]:
    """Every date where a status shown on the map changes (ISO, sorted, unique)."""
    dates: set[dt.date] = set()
    for p in layers:
        if not p.spec.timeline:
            continue
        for layer in ("contracts", p.spec.layer):
            for hist in atlas.catalog.histories.get(layer, {}).values():
                dates.update(t.date for t in hist if t.date is not None)
    return sorted(d.isoformat() for d in dates)


# -- the basemap -------------------------------------------------------------------------
def basemap_palette() -> dict:
    """The basemap colours and line widths of the style spec (:data:`geoatlas.style.BASEMAP`)."""
    return {**style.BASEMAP, "widths": dict(style.BASEMAP_WIDTHS)}


def focus_countries(layers: list[PreparedLayer]) -> list[str]:
    """The ISO3 codes the map is about: the most common country of its features."""
    counts: dict[str, int] = {}
    for p in layers:
        for col in ("country", "iso3"):
            if col in p.frame and p.spec.layer not in ("countries", "provinces"):
                for v in p.frame[col].dropna():
                    counts[v] = counts.get(v, 0) + 1
    if not counts:
        return []
    top = max(counts.values())
    return sorted(k for k, v in counts.items() if v == top)


def basemap_spec(atlas, bounds, focus=()) -> dict:
    """The offline basemap: the world's countries, provinces in view, water, place labels.

    Countries come simplified by scale (:func:`geoatlas.basemap.for_screen`: full detail
    around the map, coarse beyond, never a clip edge) and are marked focus (``f``, the
    countries the map is about), neighbour (``n``, touching them) or other (``c``). The
    provinces in view, lakes and rivers when the basemap has them, and the labels of
    countries and capitals come with them; colours are :func:`basemap_palette`.
    """
    from ..basemap import for_screen

    focus = set(focus)
    empty = atlas["countries"].iloc[:0]
    provinces = atlas["provinces"] if "provinces" in atlas.layers else empty
    countries, near = for_screen(atlas["countries"], provinces, bounds)
    geoms = countries.geometry.to_numpy()
    is_focus = countries["iso3"].isin(focus).to_numpy()
    touching = np.zeros(len(geoms), bool)
    if is_focus.any():
        touching = shapely.intersects(geoms, shapely.buffer(shapely.union_all(geoms[is_focus]),
                                                            0.05))
    features = []
    for g, f, t in zip(geoms, is_focus, touching):
        kind = "f" if f else ("n" if t else "c")
        features.append({"type": "Feature", "properties": {"k": kind},
                         "geometry": _geojson(g, 3)})
    features += [{"type": "Feature", "properties": {"k": "p"}, "geometry": _geojson(g, 3)}
                 for g in near.geometry.boundary.to_numpy()]
    extra = getattr(atlas, "basemap", {}) or {}
    for layer, kind in (("lakes", "w"), ("rivers", "r")):
        water = extra.get(layer)
        if water is not None and len(water):
            features += [{"type": "Feature", "properties": {"k": kind},
                          "geometry": _geojson(g, 3)}
                         for g in shapely.simplify(water.geometry.to_numpy(), 0.01)]
    w, so, e, n = (float(v) for v in atlas["countries"].total_bounds)
    if e - w > 350:  # a world basemap: the sea is everywhere the map can be panned to
        w, so, e, n = -180.0, -90.0, 180.0, 90.0
    sea = [[max(so, -85.06), w], [min(n, 85.06), e]]
    return {"type": "FeatureCollection", "features": features, "palette": basemap_palette(),
            "sea": sea, "labels": _basemap_labels(atlas, extra)}


def _country_zoom(area_km2: float) -> int:
    for zoom, least in ((3, 500_000), (4, 100_000), (5, 20_000)):
        if area_km2 >= least:
            return zoom
    return 6


def _basemap_labels(atlas, extra: dict) -> list[dict]:
    """Country names (from the basemap's label points) and capitals and cities."""
    out = []
    points = extra.get("country_labels")
    if points is None:  # a basemap without label points: a point inside each country
        countries = atlas["countries"]
        points = countries.assign(geometry=countries.geometry.representative_point(),
                                  area_km2=countries.geometry.area * 10_000)
    for iso, name, area, pt in zip(points["iso3"], points["name"], points["area_km2"],
                                   points.geometry):
        if not isinstance(name, str) or pt is None or pt.is_empty:
            continue
        area = float(area) if area == area else 0.0
        out.append({"t": name.upper(), "k": "country", "ll": [round(pt.y, 3), round(pt.x, 3)],
                    "z": max(style_label_zoom("country"), _country_zoom(area)),
                    "p": -1 + min(area / 2e7, 0.99), "id": f"country:{iso}"})
    cities = extra.get("cities")
    places = atlas["places"] if "places" in atlas.layers else None
    kinds = ["city"] if cities is not None else ["capital", "city"]
    rows = []
    if cities is not None:
        rows += [(f"cities:{i}", n, "capital", g) for i, n, g in
                 zip(cities.index, cities["name"], cities.geometry)]
    if places is not None:
        sel = places[places["kind"].isin(kinds)]
        rows += [(f"places:{i}", n, k, g) for i, n, k, g in
                 zip(sel.index, sel["name"], sel["kind"], sel.geometry)]
    for ident, name, kind, g in rows:
        if not isinstance(name, str) or g is None or g.is_empty:
            continue
        out.append({"t": name, "k": kind, "ll": [round(g.y, 5), round(g.x, 5)],
                    "z": style_label_zoom(kind), "p": 20 if kind == "capital" else 8,
                    "id": ident})
    return out


def style_label_zoom(kind: str) -> int:
    """The web zoom from which a label of ``kind`` shows (:data:`geoatlas.style.LABEL_MIN_ZOOM`).

    >>> style_label_zoom("capital") <= style_label_zoom("city")
    True
    """
    return int(style.LABEL_MIN_ZOOM.get(kind, style.LABEL_MIN_ZOOM["feature"]))


def _geojson(geom, decimals: int = COORD_DECIMALS) -> dict:
    rounded = shapely.transform(geom, lambda xy: np.round(xy, decimals))
    return shapely.geometry.mapping(rounded)


# -- feature layers --------------------------------------------------------------------
def _label_anchors(geom) -> list[list[float]]:
    """Where a label may sit, best first: a point; along a line (as the static map tries)."""
    if "LineString" in geom.geom_type:
        line = max(shapely.get_parts(geom), key=lambda g: g.length)
        pts = [line.interpolate(f, normalized=True) for f in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8)]
    elif geom.geom_type == "Point":
        pts = [geom]
    else:
        pts = [geom.representative_point()]
    return [[round(p.y, 5), round(p.x, 5)] for p in pts]


def layer_spec(key: str, prepared: PreparedLayer, ctx: PopupContext, atlas) -> dict:
    """The runtime's spec of one recipe layer: features with style, popup, tooltip, label."""
    spec, frame = prepared.spec, prepared.frame
    legend_html = _legend_html(spec.title, prepared.legend)
    if compact.wanted(prepared):  # big layers: typed arrays, drawn on a canvas
        if "source_ids" in frame:
            ctx.cited.update(dict.fromkeys(
                s for v in frame["source_ids"].dropna().unique() for s in split_list(v)))
        return compact.layer_spec(key, prepared, ctx.recipe, atlas, legend_html)
    hist = ctx.histories_of(spec.layer, frame) if spec.timeline else {}
    statuses_in_history = sorted({t[1] for h in hist.values() for t in h},
                                 key=lambda s: (STATUSES.index(s) if s in STATUSES
                                                else len(STATUSES), s))  # + workspace ones
    by_status = {}
    if hist and "status" in frame:
        for status in statuses_in_history:
            by_status[status] = spec.style.symbols(frame.assign(status=status))
    legend_frame = frame
    if by_status:
        legend_frame = pd.concat([frame.assign(status=s) for s in by_status])
    features = []
    kind = spec.layer
    for i, (ident, row) in enumerate(frame.iterrows()):
        sym = prepared.symbols[i]
        props = {
            "i": str(ident),
            "y": style_json(sym),
            "p": ctx.popup(prepared, ident, row, hist),
        }
        if "name" in row and isinstance(row["name"], str):
            props["n"] = row["name"]
            alts = split_list(row.get("alt_names", "") or "") if "alt_names" in row else []
            props["s"] = " ".join([row["name"], *alts])
        tip = [ctx.value(spec.layer, f, row.get(f)) for f in spec.tooltip if f in row]
        if tip:
            props["t"] = " · ".join(t for t in tip if t)
        if spec.label and spec.label in row and isinstance(row[spec.label], str):
            gt = row.geometry.geom_type
            lkind = "point" if gt.endswith("Point") else ("line" if "Line" in gt else "polygon")
            if kind == "places":
                lkind = str(row.get("kind", "point"))
            props["l"] = style.short_label(row[spec.label])
            props["la"] = _label_anchors(row.geometry)
            props["lk"] = lkind
            props["lz"] = style_label_zoom("feature" if lkind == "point" else lkind)
            props["lp"] = 10 + sym.radius if lkind == "point" else (
                5 if lkind == "line" else (20 if lkind == "capital" else 1))
        if str(ident) in hist:
            h = hist[str(ident)]
            props["h"] = h
            props["ys"] = {s: style_json(by_status[s][i]) for s in {t[1] for t in h}
                           if s in by_status}
        features.append({"type": "Feature", "properties": props,
                         "geometry": _geojson(row.geometry)})
    return {
        "id": key,
        "layer": spec.layer,
        "title": spec.title,
        "group": spec.group,
        "visible": spec.visible,
        "label": bool(spec.label),
        "timeline": bool(hist),
        # features whose existence does not depend on a status (a deposit is there before
        # its first contract) stay on the map at every date; only their status changes
        "keep": spec.layer not in atlas.catalog.histories,
        "legend_html": _legend_html(spec.title, spec.style.legend(legend_frame)),
        "data": {"type": "FeatureCollection", "features": features},
    }


# -- legend --------------------------------------------------------------------------------
def _swatch(entry: LegendEntry) -> str:
    s = entry.symbol
    if s is None:
        return ""
    dash = dash_css(s.dash, max(s.weight, 1.0))
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    if entry.kind == "point":
        r = min(max(s.radius, 2.0), 11.0)
        size = 2 * r + 4
        return (f'<svg width="{size:g}" height="{size:g}" aria-hidden="true">'
                f'<circle cx="{size / 2:g}" cy="{size / 2:g}" r="{r:g}" fill="{s.fill}" '
                f'fill-opacity="{s.fill_opacity:g}" stroke="{s.color}" '
                f'stroke-width="{s.weight:g}"{dash_attr}/></svg>')
    if entry.kind == "line":
        return (f'<svg width="34" height="12" aria-hidden="true"><line x1="1" y1="6" x2="33" '
                f'y2="6" stroke="{s.color}" stroke-opacity="{s.opacity:g}" '
                f'stroke-width="{min(s.weight, 5):g}"{dash_attr}/></svg>')
    return (f'<svg width="22" height="14" aria-hidden="true"><rect x="1" y="1" width="20" '
            f'height="12" fill="{s.fill}" fill-opacity="{s.fill_opacity:g}" stroke="{s.color}" '
            f'stroke-width="{max(s.weight, 1):g}"{dash_attr}/></svg>')


def _legend_html(title: str, entries: list[LegendEntry]) -> str:
    rows = [f"<h4>{htmlsafe.bdi(title)}</h4>"]
    for e in entries:
        rows.append(f'<div class="ga-legend-row">{_swatch(e)}'
                    f"<span>{htmlsafe.bdi(e.label or title)}</span></div>")
    return "".join(rows)


# -- popups ------------------------------------------------------------------------------
UNQUOTED_TITLE = htmlsafe.text(UNQUOTED_HINT)
"""The tooltip of a popup's "unquoted" mark on a source."""
_SUMMARY_FIELDS = ("commodities", "kind", "modes")


class PopupContext:
    """Lookups shared by every popup of a map: contracts, events, sources, countries."""

    def __init__(self, atlas, recipe):
        self.recipe = recipe
        self.contracts = atlas["contracts"]
        self.events = atlas["events"]
        self.sources = atlas["sources"].set_index("id", drop=False)
        self.histories = atlas.catalog.histories
        countries = atlas["countries"] if "countries" in atlas.layers else None
        self.country_names = ({str(k): str(v) for k, v in zip(countries["iso3"],
                                                               countries["name"])}
                              if countries is not None else {})
        self.cited: dict[str, None] = {}
        # (table, row id, source id) -> the sentence that citation rests on
        cites = atlas["citations"] if "citations" in atlas.tables else None
        self.quotes = ({} if cites is None else {
            (str(t), str(r), str(s)): str(q)
            for t, r, s, q in zip(cites["table"], cites["row_id"], cites["source_id"],
                                  cites["quote"])
            if isinstance(q, str) and q.strip()})

    # values ------------------------------------------------------------------------------
    def text_value(self, layer: str, field: str, value) -> str:
        """One attribute value as plain text (see :func:`text_value`)."""
        return text_value(layer, field, value, self.country_names)

    def value(self, layer: str, field: str, value) -> str:
        """One attribute value as escaped HTML (links only for declared link fields)."""
        if field in self.recipe.link_fields and not is_missing(value):
            return htmlsafe.link(str(value))
        return htmlsafe.bdi(self.text_value(layer, field, value))

    # histories -----------------------------------------------------------------------------
    def histories_of(self, layer: str, frame) -> dict[str, list]:
        """``{id: [[date or None, status], ...]}`` of the features that have a history.

        Deposits follow their contracts: the status of a deposit is that of its most
        recently changed contract (as in :mod:`geoatlas.joins`), so its history is the
        merged, date-ordered transitions of its contracts.
        """
        own = self.histories.get(layer, {})
        out = {k: [[t.date.isoformat() if t.date else None, t.status] for t in h]
               for k, h in own.items()}
        if layer == "deposits" and "contract_ids" in frame:
            contracts = self.histories.get("contracts", {})
            for ident, ids in frame["contract_ids"].items():
                merged = [t for cid in split_list(ids) for t in contracts.get(cid, [])]
                if not merged or str(ident) in out:
                    continue
                dated = sorted((t for t in merged if t.date), key=lambda t: t.date)
                undated = [t for t in merged if not t.date]
                out[str(ident)] = ([[t.date.isoformat(), t.status] for t in dated]
                                   + [[None, t.status] for t in undated])
        return out

    # the popup ----------------------------------------------------------------------------
    def popup(self, prepared: PreparedLayer, ident, row, hist: dict | None = None) -> str:
        """A feature's popup, read like a briefing.

        A title; one summary line (what it is, the status as of the chosen date, the
        location quality); the contracts and events as one dated list; the sources as
        titles (linked when they have an http(s) URL); the notes folded.
        """
        spec = prepared.spec
        layer = spec.layer
        name = row.get("name", ident)
        ident = str(ident)
        contract_ids = split_list(row.get("contract_ids", "") or "") if spec.contracts else []
        contracts = [c for cid in contract_ids
                     for _, c in self.contracts[self.contracts["id"] == cid].iterrows()]
        events = self._events(layer, ident, contract_ids)
        # the numbered sources: the feature's own, then its contracts' and events'
        source_ids = split_list(row.get("source_ids", "") or "")
        for c in contracts:
            source_ids += split_list(c["source_ids"])
        for e in events.itertuples(index=False):
            source_ids += split_list(e.source_ids)
        numbers = {sid: k + 1 for k, sid in enumerate(dict.fromkeys(source_ids))}
        citing = [(layer, ident, row.get("source_ids"), row.get(UNQUOTED_COLUMN))]
        citing += [("contracts", str(c["id"]), c["source_ids"], c.get(UNQUOTED_COLUMN))
                   for c in contracts]
        citing += [("events", str(e["id"]), e["source_ids"], e.get(UNQUOTED_COLUMN))
                   for _, e in events.iterrows()]
        self.cited.update(dict.fromkeys(numbers))

        out = [f'<div class="ga-popup"><h3>{htmlsafe.bdi(name)}</h3>']
        summary = []
        for field in _SUMMARY_FIELDS:
            if field in spec.popup and field in row:
                shown = self.value(layer, field, row.get(field))
                if shown:
                    summary.append(f'<span class="ga-what">{shown}</span>')
                break
        if hist is None:
            hist = self.histories_of(layer, row.to_frame().T) if spec.timeline else {}
        if ident in hist:
            summary.append(self._status_span(hist[ident], row.get("status")))
        elif "status" in spec.popup and not is_missing(row.get("status")):
            summary.append(f'<span class="ga-status">{self.value(layer, "status", row["status"])}'
                           "</span>")
        quality = row.get("location_quality")
        if quality in QUALITY_TEXT:
            summary.append(f'<span class="ga-q ga-q-{quality}">{QUALITY_TEXT[quality]}</span>')
        if summary:
            out.append('<p class="ga-summary">' + " · ".join(summary) + "</p>")
        rows = []
        skip = {"name", "status", "location_quality", "notes", *_SUMMARY_FIELDS[:1]}
        summary_field = next((f for f in _SUMMARY_FIELDS if f in spec.popup and f in row), None)
        for field in spec.popup:
            if field in skip or field == summary_field or field not in row:
                continue
            if field == "companies" and contracts:
                continue  # the dated list below names them with their contracts
            shown = self.value(layer, field, row.get(field))
            if shown:
                rows.append(f"<tr><th>{htmlsafe.text(field_label(field, layer))}</th>"
                            f"<td>{shown}</td></tr>")
        if rows:
            out.append("<table>" + "".join(rows) + "</table>")
        dated = [(self._contract_date(c), "c", self._contract(c, numbers)) for c in contracts]
        for e in events.itertuples(index=False):
            text = f"{htmlsafe.bdi(e.description)}{self._cite(e.source_ids, numbers)}"
            dated.append((e.date or "", "e", text))
        if dated:
            dated.sort(key=lambda t: (t[0] or "9999", t[1]))
            out.append("<h4>Contracts and events</h4><ul class=\"ga-dated\">")
            for when, _, text in dated:
                out.append(f'<li><span class="ga-date">{htmlsafe.text(when or "undated")}'
                           f"</span> {text}</li>")
            out.append("</ul>")
        if numbers:
            out.append('<h4>Sources</h4><ol class="ga-sources">')
            out += [f"<li>{self.source_html(sid)}{self._support(sid, citing)}</li>"
                    for sid in numbers]
            out.append("</ol>")
        notes = row.get("notes")
        if "notes" in spec.popup and not is_missing(notes):
            shown = self.value(layer, "notes", notes)
            out.append(f'<details class="ga-notes"><summary>Notes</summary><p>{shown}</p>'
                       "</details>")
        out.append("</div>")
        return "".join(out)

    def _status_span(self, history: list, fallback) -> str:
        shown = htmlsafe.text((fallback or "").replace("_", " "))
        status = htmlsafe.text(fallback or "none")
        return (f'<span class="ga-status" data-h="{htmlsafe.attr_json(history)}" '
                f'data-status="{status}">{shown}</span>'
                '<span class="ga-asof"></span>')

    def _contract_date(self, c) -> str:
        awarded = c.get("awarded")
        return "" if is_missing(awarded) else str(awarded)[:10]

    def _contract(self, c, numbers: dict) -> str:
        parts = [f"<b>{htmlsafe.bdi(c['company'])}</b>"]
        if not is_missing(c.get("company_country")):
            where = self.text_value("contracts", "company_country", c["company_country"])
            parts.append(f" ({htmlsafe.bdi(where)})")
        figure = contract_value_text(c)
        if figure:
            parts.append(f": {htmlsafe.bdi(figure)}")
        h = self.histories.get("contracts", {}).get(c["id"], [])
        data = [[t.date.isoformat() if t.date else None, t.status] for t in h]
        parts.append(f"; status {self._status_span(data, c.get('status'))}")
        parts.append(self._cite(c["source_ids"], numbers))
        return "".join(parts)

    def _events(self, layer: str, ident: str, contract_ids: list[str]) -> pd.DataFrame:
        ev = self.events
        mask = (ev["subject_layer"] == layer) & (ev["subject_id"] == ident)
        if contract_ids:
            mask |= (ev["subject_layer"] == "contracts") & ev["subject_id"].isin(contract_ids)
        sel = ev[mask]
        order = sel["date"].fillna("").map(lambda d: d or "9999")
        return sel.assign(_o=order).sort_values("_o", kind="stable")

    def _cite(self, source_ids: str, numbers: dict) -> str:
        ids = [numbers[s] for s in split_list(source_ids or "") if s in numbers]
        if not ids:
            return ""
        return f' <sup class="ga-cite">[{", ".join(map(str, ids))}]</sup>'

    def _support(self, sid: str, citing: list) -> str:
        """How a popup's source is backed: its quotes (folded), or an "unquoted" mark.

        ``citing`` lists ``(table, id, source_ids, unquoted_sources)`` of the rows of the
        popup. A source is marked unquoted when every row that cites it does so without a
        supporting sentence (per the ``unquoted_sources`` column); otherwise the quoted
        sentences are shown, escaped and isolated, in a folded ``details``.
        """
        rows = [(t, r, u) for t, r, ids, u in citing if sid in split_list(ids or "")]
        quotes = list(dict.fromkeys(self.quotes[(t, r, sid)] for t, r, _ in rows
                                    if (t, r, sid) in self.quotes))
        if quotes:
            shown = "</li><li>".join(f"“{htmlsafe.bdi(q)}”" for q in quotes)
            return (f' <details class="ga-quote"><summary>quote</summary>'
                    f"<ul><li>{shown}</li></ul></details>")
        if rows and all(isinstance(u, str) and sid in split_list(u) for _, _, u in rows):
            return f' <span class="ga-unquoted" title="{UNQUOTED_TITLE}">unquoted</span>'
        return ""

    # sources --------------------------------------------------------------------------------
    def source_html(self, sid: str, full: bool = False) -> str:
        """A cited document: its title (a link when it has an http(s) URL), publisher, date.

        Never its file name: a reader cannot open ``000_0ef2….txt``. ``full`` adds the
        author and the URL written out (the sources panel).
        """
        if sid not in self.sources.index:
            return htmlsafe.bdi(sid)
        s = self.sources.loc[sid]
        url = s.get("url")
        title = (htmlsafe.link(str(url), str(s["title"])) if htmlsafe.is_http_url(url)
                 else f"<b>{htmlsafe.bdi(s['title'])}</b>")
        meta = [htmlsafe.bdi(s[c]) for c in (("author",) if full else ()) + ("publisher",)
                if not is_missing(s.get(c))]
        published = s.get("published")
        meta.append(htmlsafe.text(published) if not is_missing(published) else "undated")
        out = f"{title} — {', '.join(meta)}"
        if full and htmlsafe.is_http_url(url):
            out += f' <span class="ga-url">{htmlsafe.link(str(url))}</span>'
        return out

    def cited_sources(self) -> pd.DataFrame:
        """The rows of ``sources`` cited by the popups built so far (all when none yet)."""
        ids = [s for s in self.cited if s in self.sources.index]
        return self.sources.loc[ids] if ids else self.sources.iloc[0:0]

    def sources_panel_html(self) -> str:
        """Every document cited on the map, in full, for the in-page sources panel."""
        table = self.cited_sources()
        order = sorted(table.index, key=lambda s: (str(table.loc[s, "title"]).casefold(), s))
        items = "".join(f'<li id="ga-src-{htmlsafe.text(s)}">{self.source_html(s, full=True)}'
                        "</li>" for s in order)
        return (f"<h2>Sources</h2><p>{len(order)} documents are cited on this map.</p>"
                f"<ol>{items}</ol>")


def contract_value_text(c) -> str:
    """A contract's figure with its meaning, e.g. ``'$3 bn (total investment, 2008)'``."""
    def num(key):
        v = c.get(key)
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

    value, lo, hi = num("value_usd"), num("value_min_usd"), num("value_max_usd")
    if value is not None:
        text = money(value)
    elif lo is not None and hi is not None:
        text = f"{money(lo)}–{money(hi)}"
    elif lo is not None or hi is not None:
        text = money(lo if lo is not None else hi)
    else:
        return ""
    extra = [str(c.get("value_meaning") or "")]
    year = num("value_year")
    if year is not None:
        extra.append(f"{int(year)} USD")
    extra = [e for e in extra if e]
    return f"{text} ({'; '.join(extra)})" if extra else text
