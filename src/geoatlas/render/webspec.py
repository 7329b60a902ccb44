"""The web map's spec: everything the page's runtime draws, as JSON-able data.

One dictionary per map (:func:`map_spec`): title, header, attribution and sources panel
(HTML, escaped here or in :mod:`geoatlas.render.popup`), the controls, the bounds, the
offline basemap (:mod:`geoatlas.render.webbasemap`), the optional online tiles, the
timeline's dates and one entry per layer (:func:`layer_spec`): GeoJSON features with
their symbol, popup, tooltip, label and status history, or a compact layer
(:mod:`geoatlas.render.compact`), or a raster overlay (:mod:`geoatlas.render.overlay`).
The web page (:mod:`geoatlas.render.web`) and the story page
(:mod:`geoatlas.render.story`) both embed it, so a layer is drawn the same in both.
Publishers are credited through :func:`geoatlas.render.credits.short_publisher`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import shapely

from .. import htmlsafe, style
from ..schema import STATUSES, split_list
from ..style import LegendEntry, dash_css
from . import compact
from .credits import short_publisher
from .mapframe import focus_countries
from .popup import PopupContext
from .prepare import PreparedLayer, extent
from .webbasemap import basemap_spec
from .webformat import geojson, layer_entry, style_json, style_label_zoom

__all__ = ["layer_spec", "map_spec", "timeline_dates"]


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
        "basemap": basemap_spec(atlas, bounds,
                                focus=focus_countries(atlas["countries"], layers)),
        "tiles": [{"name": b, "url": style.TILES[b][0], "attribution": style.TILES[b][1]}
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
    publishers = sorted({short_publisher(str(p)) for p in ctx.cited_sources()["publisher"]
                         if p}, key=str.casefold)
    shown = ", ".join(htmlsafe.bdi(p) for p in publishers[:4])
    more = f" +{len(publishers) - 4}" if len(publishers) > 4 else ""
    credit = htmlsafe.bdi(recipe.credits or atlas.basemap_credit)
    return ('<a href="#ga-sources" class="ga-sources-link" role="button">Sources</a>: '
            f'<span class="ga-publishers">{shown}{more}</span>'
            f' | <span class="ga-credit" title="{htmlsafe.text(recipe.credits or "")}">'
            f"{credit}</span> | Leaflet")


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
    if compact.wanted(prepared):  # big layers: typed arrays, drawn on a canvas
        if "source_ids" in frame:
            ctx.cited.update(dict.fromkeys(
                s for v in frame["source_ids"].dropna().unique() for s in split_list(v)))
        return compact.layer_spec(key, prepared, ctx.recipe, atlas,
                                  _legend_html(spec.title, prepared.legend))
    hist = ctx.histories_of(spec.layer, frame) if spec.timeline else {}
    by_status = _symbols_by_status(spec, frame, hist)
    legend_frame = frame
    if by_status:
        legend_frame = pd.concat([frame.assign(status=s) for s in by_status])
    features = [_feature(prepared, i, ident, row, ctx, hist, by_status)
                for i, (ident, row) in enumerate(frame.iterrows())]
    return layer_entry(
        key, spec, _legend_html(spec.title, spec.style.legend(legend_frame)),
        label=bool(spec.label),
        timeline=bool(hist),
        layer=spec.layer,
        # features whose existence does not depend on a status (a deposit is there before
        # its first contract) stay on the map at every date; only their status changes
        keep=spec.layer not in atlas.catalog.histories,
        data={"type": "FeatureCollection", "features": features},
    )


def _symbols_by_status(spec, frame, hist: dict) -> dict:
    """``{status: symbols}``: every feature's symbol under each status of the histories."""
    statuses_in_history = sorted({t[1] for h in hist.values() for t in h},
                                 key=lambda s: (STATUSES.index(s) if s in STATUSES
                                                else len(STATUSES), s))  # + workspace ones
    by_status = {}
    if hist and "status" in frame:
        for status in statuses_in_history:
            by_status[status] = spec.style.symbols(frame.assign(status=status))
    return by_status


def _feature(prepared: PreparedLayer, i: int, ident, row, ctx: PopupContext, hist: dict,
             by_status: dict) -> dict:
    """Feature ``i`` as GeoJSON: symbol, popup, search text, tooltip, label, history."""
    spec = prepared.spec
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
        props.update(_label(spec, row, sym))
    if str(ident) in hist:
        h = hist[str(ident)]
        props["h"] = h
        props["ys"] = {s: style_json(by_status[s][i]) for s in {t[1] for t in h}
                       if s in by_status}
    return {"type": "Feature", "properties": props, "geometry": geojson(row.geometry)}


def _label(spec, row, sym) -> dict:
    """A feature's label: text, anchors, kind, first zoom and priority (the page's keys)."""
    gt = row.geometry.geom_type
    lkind = "point" if gt.endswith("Point") else ("line" if "Line" in gt else "polygon")
    if spec.layer == "places":
        lkind = str(row.get("kind", "point"))
    return {
        "l": style.short_label(row[spec.label]),
        "la": _label_anchors(row.geometry),
        "lk": lkind,
        "lz": style_label_zoom("feature" if lkind == "point" else lkind),
        "lp": 10 + sym.radius if lkind == "point" else (
            5 if lkind == "line" else (20 if lkind == "capital" else 1)),
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
