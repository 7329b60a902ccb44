"""The web page's size budget: what every layer costs in the HTML, and ``max_html_mb``.

:func:`check_size` measures the bytes each layer takes in the page's script, logs them,
and enforces a recipe's ``max_html_mb`` with an explanation of what would fit: fewer popup
fields, ``compact = true`` (:mod:`geoatlas.render.compact`), a ``where`` filter, or
coarser simplification.

Examples
--------
>>> layer_bytes({"layers": [{"id": "L0", "title": "<b>"}]})  # "<" takes 6 bytes, escaped
{'L0': 35}
"""

from __future__ import annotations

import json
import logging

from .. import htmlsafe
from ..errors import OutputError
from .compact import POINT, kind_of, layer_spec

__all__ = ["MB", "check_size", "layer_bytes", "size_report"]


log = logging.getLogger(__name__)

MB = 1_000_000


def layer_bytes(spec: dict) -> dict[str, int]:
    """Bytes each layer takes in the page's script (JSON as embedded), by layer id."""
    return {ls["id"]: len(htmlsafe.script_json(ls).encode()) for ls in spec["layers"]}


def _field_bytes(compact: dict) -> dict[str, int]:
    secs = compact["sections"]
    out = {}
    for f in compact["fields"]:
        names = [f["data"], f.get("values")]
        out[f["name"]] = sum(len(secs[n]["b"]) for n in names if n and n in secs)
    return out


def _geometry_bytes(compact: dict) -> list[int]:
    secs = compact["sections"]
    if compact["kind"] == POINT:
        return [sum(len(secs[n]["b"]) for n in compact["geometry"].values())]
    return [sum(len(secs[lv[k]]["b"]) for k in ("x", "y", "coords", "parts", "rings")
                if lv.get(k)) for lv in compact["levels"]]


def size_report(recipe, prepared_layers, spec: dict, html_bytes: int) -> list[str]:
    """One line per layer: its name, features and bytes in the page (largest first)."""
    sizes = layer_bytes(spec)
    lines = []
    for ls, p in sorted(zip(spec["layers"], prepared_layers), key=lambda t: -sizes[t[0]["id"]]):
        how = "compact" if "compact" in ls else "GeoJSON"
        lines.append(f"  {p.spec.layer:<16} {len(p.frame):>9,} features  "
                     f"{sizes[ls['id']] / MB:8.2f} MB  ({how})")
    rest = html_bytes - sum(sizes.values())
    lines.append(f"  {'(page, assets, basemap)':<36}  {rest / MB:8.2f} MB")
    return lines


def check_size(recipe, prepared_layers, spec: dict, html_bytes: int, atlas=None) -> None:
    """Log the bytes of every layer; raise :class:`OutputError` over ``max_html_mb``.

    The error names the layers that are big, what their popup fields and geometry cost,
    and the options that would bring the page under the budget: fewer popup fields,
    ``compact = true``, a ``where`` filter, or coarser simplification.
    """
    report = size_report(recipe, prepared_layers, spec, html_bytes)
    log.info("%s.html: %.2f MB\n%s", recipe.name, html_bytes / MB, "\n".join(report))
    budget = recipe.max_html_mb
    if budget is None or html_bytes <= budget * MB:
        return
    over = html_bytes - budget * MB
    sizes = layer_bytes(spec)
    lines = [f"maps/{recipe.name}.toml: the web map would be {html_bytes / MB:.2f} MB, over "
             f"max_html_mb = {budget:g} (by {over / MB:.2f} MB). Bytes per layer:", *report,
             "Options that would fit:"]
    options = []
    for ls, p in sorted(zip(spec["layers"], prepared_layers), key=lambda t: -sizes[t[0]["id"]]):
        size = sizes[ls["id"]]
        if size < 0.05 * html_bytes:
            continue
        name = p.spec.layer
        n = len(p.frame)
        if "compact" not in ls and n and kind_of(p.frame.geometry.to_numpy()):
            small = len(json.dumps(layer_spec(ls["id"], p, recipe, atlas, "")["compact"]))
            if size - small >= over:
                options.append(f"compact = true on layer '{name}': about {small / MB:.2f} MB "
                               f"instead of {size / MB:.2f} MB")
        if "compact" in ls:
            fields = _field_bytes(ls["compact"])
            shown = [f for f in (*p.spec.popup, *p.spec.tooltip) if f in fields]
            costly = sorted(set(shown), key=lambda f: -fields[f])
            saved, drop = 0, []
            for f in costly:
                drop.append(f)
                saved += fields[f]
                if saved >= over:
                    break
            if drop and saved >= over:
                options.append(f"drop popup/tooltip field(s) {', '.join(drop)} of layer "
                               f"'{name}' (saves {saved / MB:.2f} MB; field costs: "
                               + ", ".join(f"{f} {fields[f] / MB:.2f} MB" for f in costly)
                               + ")")
            geo = _geometry_bytes(ls["compact"])
            if len(geo) > 1 and geo[-1] - geo[-2] >= over:
                tol_m = ls["compact"]["levels"][-2]["tolerance"] * 111_320
                options.append(f"simplify = {tol_m:.0f} (metres) on layer '{name}': its "
                               f"finest detail costs {geo[-1] / MB:.2f} MB")
        keep = int(n * max(0.0, (size - over)) / size) if size else 0
        if keep > 0:
            options.append(f"a 'where' filter keeping at most {keep:,} of the {n:,} features "
                           f"of layer '{name}'")
    if not options:
        options.append("raise max_html_mb, or split the map into several recipes")
    lines += [f"  - {o}" for o in options]
    raise OutputError("\n".join(lines))
