"""The shareable web map: one self-contained, offline, deterministic Folium HTML file.

Every feature's popup and tooltip are built here as escaped HTML (:mod:`geoatlas.htmlsafe`),
styled from the recipe's style spec (:mod:`geoatlas.style`), and handed to a small
Leaflet runtime (``assets/geoatlas.js``) with the controls: grouped layers, legend, search,
time control, scale, fullscreen and cursor coordinates.

Examples
--------
>>> import geoatlas
>>> m = geoatlas.open().map("afghanistan-minerals")     # doctest: +SKIP
>>> m.save("minerals.html")                             # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import ClassVar

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from .. import htmlsafe
from ..schema import STATUSES, split_list
from ..style import BASEMAP, BASEMAP_WIDTHS, LegendEntry, Symbol, compact_number, dash_css
from . import compact
from .offline import inline_head
from .prepare import PreparedLayer, extent, prepare

COORD_DECIMALS = 5  # ~1 m at these latitudes
TILES = {
    "OpenStreetMap": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                      "&copy; OpenStreetMap contributors"),
    "CartoDB positron": ("https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
                         "&copy; OpenStreetMap contributors &copy; CARTO"),
    "OpenTopoMap": ("https://{s}.tile.opentopomap.org/{z}/{x}/{y}.png",
                    "&copy; OpenStreetMap contributors, SRTM | &copy; OpenTopoMap (CC-BY-SA)"),
}


class OfflineMap(folium.Map):
    """A folium Map that links nothing from the network: assets are inlined instead."""

    default_js: ClassVar[list] = []
    default_css: ClassVar[list] = []


class _Runtime(MacroElement):
    """The script that starts the geoatlas runtime on the map with the map's spec."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var geoatlas_{{ this._parent.get_name() }} = new GeoAtlas("
        "{{ this._parent.get_name() }}, {{ this.spec_json }});"
        "{% endmacro %}"
    )

    def __init__(self, spec: dict):
        super().__init__()
        self._name = "GeoAtlasRuntime"
        self.spec = spec
        self.spec_json = htmlsafe.script_json(spec)


def make_map(atlas, recipe, layers: list[PreparedLayer] | None = None) -> folium.Map:
    """Build the folium Map of ``recipe`` (it displays inline in Jupyter)."""
    layers = layers if layers is not None else prepare(atlas, recipe)
    minx, miny, maxx, maxy = extent(layers, recipe)
    m = OfflineMap(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=5, tiles=None,
                   prefer_canvas=True, control_scale=False)
    m.get_root().header.add_child(Element(inline_head()), name="geoatlas_assets")
    m.get_root().title = htmlsafe.text(recipe.title)  # folium inserts it raw
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    m.add_child(_Runtime(map_spec(atlas, recipe, layers)))
    _stable_ids(m)
    return m


def render_html(atlas, recipe, layers: list[PreparedLayer] | None = None) -> str:
    """The map as one HTML string (deterministic: same input, same bytes)."""
    html = make_map(atlas, recipe, layers).get_root().render()
    return html.rstrip() + "\n"


def write(atlas, recipe, layers, folder: Path, **options) -> list[Path]:
    """Write ``<name>.html`` into ``folder``; return its path.

    Logs the bytes of every layer and enforces the recipe's ``max_html_mb``
    (:func:`geoatlas.render.compact.check_size` raises, explaining what would fit).
    """
    path = Path(folder) / f"{recipe.name}.html"
    layers = layers if layers is not None else prepare(atlas, recipe)
    m = make_map(atlas, recipe, layers)
    html = m.get_root().render().rstrip() + "\n"
    data = html.encode("utf-8")
    runtime = next(c for c in m._children.values() if isinstance(c, _Runtime))
    compact.check_size(recipe, layers, runtime.spec, len(data), atlas)
    path.write_bytes(data)
    return [path]


def _stable_ids(m: folium.Map) -> None:
    """Replace folium's random element ids by ones derived from position in the tree."""
    counter = 0

    def walk(el):
        nonlocal counter
        el._id = f"{counter:04d}"
        counter += 1
        for child in list(el._children.values()):
            walk(child)

    walk(m.get_root())
    m._id = "geoatlas"


# -- the spec handed to the runtime ----------------------------------------------------
def map_spec(atlas, recipe, layers: list[PreparedLayer]) -> dict:
    """Everything the runtime needs, as plain JSON-able data (HTML pre-escaped)."""
    ctx = _PopupContext(atlas, recipe)
    spec_layers = []
    if recipe.overlays:  # raster products, drawn under the vector layers
        from . import overlay

        world = atlas.as_of(recipe.as_of) if recipe.as_of else atlas
        bounds = extent(layers, recipe)
        spec_layers += [overlay.overlay_spec(f"R{j}", world, ov, bounds)
                        for j, ov in enumerate(recipe.overlays)]
    for i, prepared in enumerate(layers):
        spec_layers.append(_layer_spec(f"L{i}", prepared, ctx, atlas))
    months = _timeline_months(atlas, layers)
    start = recipe.as_of.isoformat() if recipe.as_of else None
    return {
        "title": recipe.title,
        "header_html": _header_html(recipe),
        "credits_html": htmlsafe.text(recipe.credits or atlas.basemap_credit)
        + " | Leaflet",
        "controls": list(recipe.controls),
        "basemap": _basemap(atlas, extent(layers, recipe)),
        "palette": {**BASEMAP, "widths": BASEMAP_WIDTHS},  # the style spec's basemap colours
        "tiles": [{"name": b, "url": TILES[b][0], "attribution": TILES[b][1]}
                  for b in recipe.basemaps],
        "layers": spec_layers,
        "timeline": {"months": months, "start": start} if months else None,
    }


def _header_html(recipe) -> str:
    parts = [f"<h1>{htmlsafe.text(recipe.title)}</h1>"]
    if recipe.subtitle:
        parts.append(f"<p>{htmlsafe.text(recipe.subtitle)}</p>")
    if recipe.description:
        parts.append(f"<details><summary>About this map</summary>"
                     f"<p>{htmlsafe.text(recipe.description)}</p></details>")
    return "".join(parts)


def _timeline_months(atlas, layers: list[PreparedLayer]) -> list[str]:
    dates = []
    for p in layers:
        if not p.spec.timeline:
            continue
        for layer in ("contracts", p.spec.layer):
            for hist in atlas.catalog.histories.get(layer, {}).values():
                dates += [t.date for t in hist if t.date is not None]
    if not dates:
        return []
    first = min(dates)
    last = max(max(dates), dt.date.today())
    months = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def _basemap(atlas, bounds) -> dict:
    """The offline basemap: every country, plus the provinces of the countries in view.

    Simplified for the screen (0.01° ≈ 1 km, topology kept per feature) and rounded to
    3 decimals: it is a backdrop; the recipe's own layers carry full precision.
    """
    from ..basemap import for_screen

    provinces = atlas["provinces"] if "provinces" in atlas.layers else None
    countries, near = for_screen(atlas["countries"],
                                 provinces if provinces is not None
                                 else atlas["countries"].iloc[:0], bounds)
    features = [
        {"type": "Feature", "properties": {"n": str(name), "k": "c"}, "geometry": _geojson(g, 3)}
        for name, g in zip(countries["name"], countries.geometry)
    ]
    if provinces is not None:
        provinces = near
        outlines = provinces.geometry.boundary.to_numpy()
        features += [
            {"type": "Feature", "properties": {"n": str(name), "k": "p"},
             "geometry": _geojson(g, 3)}
            for name, g in zip(provinces["name"], outlines)
        ]
    return {"type": "FeatureCollection", "features": features}


def _geojson(geom, decimals: int = COORD_DECIMALS) -> dict:
    rounded = shapely.transform(geom, lambda xy: np.round(xy, decimals))
    return shapely.geometry.mapping(rounded)


def _style_json(sym: Symbol) -> dict:
    return {
        "c": sym.color, "f": sym.fill, "w": sym.weight, "o": sym.opacity,
        "fo": sym.fill_opacity, "r": sym.radius, "d": dash_css(sym.dash, sym.weight),
    }


def _layer_spec(key: str, prepared: PreparedLayer, ctx: _PopupContext, atlas) -> dict:
    spec, frame = prepared.spec, prepared.frame
    if compact.wanted(prepared):  # big layers: typed arrays, drawn on a canvas
        return compact.layer_spec(key, prepared, ctx.recipe, atlas,
                                  _legend_html(spec.title, prepared.legend))
    hist = atlas.catalog.histories.get(spec.layer, {}) if spec.timeline else {}
    statuses_in_history = sorted({t.status for h in hist.values() for t in h},
                                 key=STATUSES.index)
    by_status = {}
    if hist and "status" in frame:
        for status in statuses_in_history:
            by_status[status] = spec.style.symbols(frame.assign(status=status))
    legend_frame = frame
    if by_status:
        legend_frame = pd.concat([frame.assign(status=s) for s in by_status])
    features = []
    for i, (ident, row) in enumerate(frame.iterrows()):
        props = {
            "i": str(ident),
            "y": _style_json(prepared.symbols[i]),
            "p": ctx.popup(prepared, ident, row),
        }
        if "name" in row and isinstance(row["name"], str):
            props["n"] = row["name"]
            alts = split_list(row.get("alt_names", "") or "") if "alt_names" in row else []
            props["s"] = " ".join([row["name"], *alts])
        tip = [ctx.value(spec.layer, f, row.get(f)) for f in spec.tooltip if f in row]
        if tip:
            props["t"] = " · ".join(t for t in tip if t)
        if spec.label and spec.label in row:
            props["l"] = htmlsafe.text(row[spec.label])
        if str(ident) in hist:
            h = hist[str(ident)]
            props["h"] = [[t.date.isoformat() if t.date else None, t.status] for t in h]
            props["ys"] = {s: _style_json(by_status[s][i]) for s in {t.status for t in h}
                           if s in by_status}
        features.append({"type": "Feature", "properties": props,
                         "geometry": _geojson(row.geometry)})
    return {
        "id": key,
        "title": spec.title,
        "group": spec.group,
        "visible": spec.visible,
        "label": bool(spec.label),
        "timeline": bool(hist),
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
    rows = [f"<h4>{htmlsafe.text(title)}</h4>"]
    for e in entries:
        rows.append(f'<div class="ga-legend-row">{_swatch(e)}'
                    f"<span>{htmlsafe.text(e.label or title)}</span></div>")
    return "".join(rows)


# -- popups ------------------------------------------------------------------------------
QUALITY_BADGES = {
    "approximate": "approximate location",
    "admin_area": "only the province is known",
    "schematic": "schematic geometry (straight between known places)",
}


class _PopupContext:
    """Lookups shared by every popup of a map: contracts, events, sources."""

    def __init__(self, atlas, recipe):
        self.recipe = recipe
        self.contracts = atlas["contracts"]
        self.events = atlas["events"]
        self.sources = atlas["sources"].set_index("id", drop=False)
        self.histories = atlas.catalog.histories

    def value(self, layer: str, field: str, value) -> str:
        """One attribute value as escaped HTML (links only for declared link fields)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        if isinstance(value, dt.date):
            return value.isoformat()
        if field in self.recipe.link_fields:
            return htmlsafe.link(str(value))
        if field.endswith("_usd") or field == "value_usd":
            return htmlsafe.text(money(value))
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and ";" in value:
            value = ", ".join(split_list(value))
        if field == "status" and isinstance(value, str):
            value = value.replace("_", " ")
        return htmlsafe.text(value)

    def popup(self, prepared: PreparedLayer, ident, row) -> str:
        """The popup of one feature: attributes, contracts, timeline, sources."""
        spec = prepared.spec
        layer = spec.layer
        name = row.get("name", ident)
        out = [f'<div class="ga-popup"><h3>{htmlsafe.text(name)}</h3>']
        quality = row.get("location_quality")
        if quality in QUALITY_BADGES:
            out.append(f'<span class="ga-q">{QUALITY_BADGES[quality]}</span>')
        rows = []
        for field in spec.popup:
            if field == "name" or field not in row:
                continue
            if field == "status" and str(ident) in self.histories.get(layer, {}):
                h = self.histories[layer][str(ident)]
                shown = self._status_span(h, row.get("status"))
            else:
                shown = self.value(layer, field, row.get(field))
            if shown:
                rows.append(f"<tr><th>{htmlsafe.text(field.replace('_', ' '))}</th>"
                            f"<td>{shown}</td></tr>")
        if rows:
            out.append("<table>" + "".join(rows) + "</table>")
        source_ids = split_list(row.get("source_ids", "") or "")
        contract_ids = split_list(row.get("contract_ids", "") or "") if spec.contracts else []
        if contract_ids:
            out.append("<h4>Contracts</h4><ul>")
            for cid in contract_ids:
                match = self.contracts[self.contracts["id"] == cid]
                if match.empty:
                    continue
                c = match.iloc[0]
                out.append("<li>" + self._contract(c) + "</li>")
                source_ids += split_list(c["source_ids"])
            out.append("</ul>")
        events = self._events(layer, str(ident), contract_ids)
        if len(events):
            out.append("<h4>Timeline</h4><ul>")
            for e in events.itertuples(index=False):
                when = htmlsafe.text(e.date or "date unknown")
                out.append(f"<li>{when}: {htmlsafe.text(e.description)}"
                           f"{self._cite(e.source_ids)}</li>")
                source_ids += split_list(e.source_ids)
            out.append("</ul>")
        if source_ids:
            out.append("<h4>Sources</h4><ol>")
            for sid in dict.fromkeys(source_ids):
                out.append(f"<li>{self._source(sid)}</li>")
            out.append("</ol>")
        if str(ident) in self.histories.get(layer, {}) or contract_ids:
            out.append('<p class="ga-when"></p>')
        out.append("</div>")
        return "".join(out)

    def _status_span(self, history, fallback) -> str:
        data = [[t.date.isoformat() if t.date else None, t.status] for t in history]
        shown = htmlsafe.text((fallback or "").replace("_", " "))
        status = htmlsafe.text(fallback or "none")
        return f'<span data-h="{htmlsafe.attr_json(data)}" data-status="{status}">{shown}</span>'

    def _contract(self, c) -> str:
        parts = [f"<b>{htmlsafe.text(c['company'])}</b>"]
        if c.get("company_country"):
            parts.append(f" ({htmlsafe.text(', '.join(split_list(c['company_country'])))})")
        figure = contract_value_text(c)
        if figure:
            parts.append(f": {htmlsafe.text(figure)}")
        if c.get("awarded"):
            parts.append(f"; {htmlsafe.text(c['awarded'])}")
        h = self.histories.get("contracts", {}).get(c["id"], [])
        parts.append(f"; status {self._status_span(h, c.get('status'))}")
        parts.append(self._cite(c["source_ids"]))
        return "".join(parts)

    def _events(self, layer: str, ident: str, contract_ids: list[str]) -> pd.DataFrame:
        ev = self.events
        mask = (ev["subject_layer"] == layer) & (ev["subject_id"] == ident)
        if contract_ids:
            mask |= (ev["subject_layer"] == "contracts") & ev["subject_id"].isin(contract_ids)
        sel = ev[mask]
        order = sel["date"].fillna("").map(lambda d: d or "9999")
        return sel.assign(_o=order).sort_values("_o", kind="stable")

    def _cite(self, source_ids: str) -> str:
        ids = split_list(source_ids or "")
        if not ids:
            return ""
        return f' <small>[{htmlsafe.text(", ".join(ids))}]</small>'

    def _source(self, sid: str) -> str:
        if sid not in self.sources.index:
            return htmlsafe.text(sid)
        s = self.sources.loc[sid]
        bits = [f"<b>{htmlsafe.text(s['title'])}</b>"]
        meta = ", ".join(htmlsafe.text(v) for v in (s["publisher"], s["published"]) if v)
        if meta:
            bits.append(f" — {meta}")
        if s["file"]:
            bits.append(f" <small>({htmlsafe.text(s['file'])})</small>")
        if s["url"] and "url" in self.recipe.link_fields:
            bits.append(f" {htmlsafe.link(s['url'], 'link')}")
        bits.append(f" <small>[{htmlsafe.text(sid)}]</small>")
        return "".join(bits)


def money(value) -> str:
    """Format a USD amount compactly.

    >>> money(3e9), money(150e6), money(805000)
    ('$3 bn', '$150 m', '$805 k')
    """
    return "$" + compact_number(value)


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
