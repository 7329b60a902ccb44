"""A recipe's map-wide settings: controls, basemaps, links, extent, date, size and print.

The keys outside ``[[layers]]``: which controls and online basemaps the web map shows,
which fields become links, the extent (``"fit"`` or a lon/lat box), the date statuses
are shown as of, the HTML size budget, and the ``[static]`` print options (formats,
dpi, page size, projection, labelled layers; the projection defaults to the
workspace's ``geoatlas.toml``). Each function checks one setting, records its problems
and returns the value the :class:`~geoatlas.recipe.model.Recipe` holds (the default
where the setting is unusable).

Examples
--------
>>> from geoatlas.recipe.source import Problems
>>> errs = Problems("maps/m.toml", None)
>>> extent({"extent": [60, 29, 75, 39]}, errs), controls({"controls": ["legend"]}, errs)
((60.0, 29.0, 75.0, 39.0), ('legend',))
>>> extent({"extent": [75, 29, 60, 39]}, errs) is None, errs.items[0].message[:30]
(True, "'extent' [75.0, 29.0, 60.0, 39")
"""

from __future__ import annotations

import datetime as dt

from ..errors import did_you_mean
from ..formats import A4_LANDSCAPE_IN, STATIC_FORMATS
from ..timeline import to_date
from .model import BASEMAPS, CONTROLS, STATIC_KEYS, StaticSpec
from .source import Problems
from .values import is_number, strings, unknown, workspace_config

__all__ = [
    "as_of",
    "basemaps",
    "controls",
    "extent",
    "link_fields",
    "max_html_mb",
    "static_spec",
]


def controls(data: dict, errs: Problems) -> tuple[str, ...]:
    """The web map's controls (default: all of :data:`~geoatlas.recipe.model.CONTROLS`)."""
    chosen = strings(data, "controls", CONTROLS, errs)
    for c in chosen:
        if c not in CONTROLS:
            hint = did_you_mean(c, CONTROLS, n=1, quote=True)
            errs.add(("controls",), f"unknown control '{c}'{hint}; "
                                    f"allowed: {', '.join(CONTROLS)}")
    return chosen


def basemaps(data: dict, errs: Problems) -> tuple[str, ...]:
    """The extra online tile layers (default: none)."""
    chosen = strings(data, "basemaps", (), errs)
    for b in chosen:
        if b not in BASEMAPS:
            errs.add(("basemaps",), f"unknown basemap '{b}'; allowed: {', '.join(BASEMAPS)}")
    return chosen


def link_fields(data: dict, atlas, errs: Problems) -> tuple[str, ...]:
    """The fields whose http(s) values become links; each must be a field of a layer."""
    fields = strings(data, "link_fields", (), errs)
    entries = data.get("layers")
    entries = entries if isinstance(entries, list) else []
    names = [e.get("layer") for e in entries if isinstance(e, dict)]
    names = [n for n in names if isinstance(n, str) and n in atlas.layers]
    known = sorted({str(c) for n in names for c in atlas[n].columns if c != "geometry"})
    for f in fields:
        if names and f not in known:
            errs.add(("link_fields",), f"link_fields: no layer of this map has a field '{f}'"
                                       f"{did_you_mean(f, known, n=1, quote=True)}")
    return fields


def extent(data: dict, errs: Problems) -> tuple[float, float, float, float] | None:
    """The ``[min_lon, min_lat, max_lon, max_lat]`` box, or ``None`` to fit the data."""
    box = data.get("extent", "fit")
    if box == "fit":
        box = None
    elif not (isinstance(box, list) and len(box) == 4
              and all(is_number(v) for v in box)):
        errs.add(("extent",), "'extent' must be \"fit\" or [min_lon, min_lat, max_lon, max_lat]")
        box = None
    else:
        box = tuple(float(v) for v in box)
        if not (-180 <= box[0] < box[2] <= 180 and -90 <= box[1] < box[3] <= 90):
            errs.add(("extent",), f"'extent' {list(box)} is not [min_lon, min_lat, max_lon, "
                                  "max_lat] with min < max, lon in -180..180, lat in -90..90")
            box = None
    return box


def as_of(data: dict, errs: Problems) -> dt.date | None:
    """The date statuses are shown as of, or ``None`` for the latest."""
    day = None
    if data.get("as_of"):
        try:
            day = to_date(str(data["as_of"]))
        except ValueError as exc:
            errs.add(("as_of",), f"'as_of': {exc}")
    return day


def max_html_mb(data: dict, errs: Problems) -> float | None:
    """The HTML size budget in megabytes, or ``None`` for no limit."""
    max_mb = data.get("max_html_mb")
    if max_mb is not None and (not is_number(max_mb) or max_mb <= 0):
        errs.add(("max_html_mb",), f"'max_html_mb' must be a number of megabytes > 0, "
                                   f"not {max_mb!r}")
        max_mb = None
    return float(max_mb) if max_mb is not None else None


def static_spec(data: dict, atlas, errs: Problems) -> StaticSpec:
    """The ``[static]`` print options; the projection defaults to ``geoatlas.toml``'s."""
    static_data = data.get("static", {})
    if not isinstance(static_data, dict):
        errs.add(("static",), "[static] must be a table")
        static_data = {}
    if "crs" not in static_data and workspace_config(atlas).static_crs:
        static_data = {**static_data, "crs": workspace_config(atlas).static_crs}  # toml
    return _static_spec(static_data, atlas, errs)


def _static_spec(data: dict, atlas, errs: Problems) -> StaticSpec:
    path = ("static",)
    unknown(data, STATIC_KEYS, path, "[static]", errs)
    formats = strings(data, "formats", STATIC_FORMATS, errs, path)
    for f in formats:
        if f not in STATIC_FORMATS:
            errs.add((*path, "formats"), f"[static] unknown format '{f}'; "
                                         "allowed: png, svg, pdf")
    labels = strings(data, "labels", (), errs, path)
    for name in labels:
        if name not in atlas.layers:
            errs.add((*path, "labels"), f"[static] labels: unknown layer '{name}'")
    size = data.get("size", A4_LANDSCAPE_IN)
    if not (isinstance(size, (list, tuple)) and len(size) == 2
            and all(is_number(v) and 0 < v <= 200 for v in size)):
        errs.add((*path, "size"), f"[static] size must be [width, height] in inches, "
                                  f"not {size!r}")
        size = A4_LANDSCAPE_IN
    dpi = data.get("dpi", 200)
    if not (isinstance(dpi, int) and not isinstance(dpi, bool) and 50 <= dpi <= 1200):
        errs.add((*path, "dpi"), f"[static] dpi must be a whole number from 50 to 1200, "
                                 f"not {dpi!r}")
        dpi = 200
    crs = data.get("crs")
    from ..geometry import projected_crs_problem  # pyproj only when a recipe is checked

    if crs is not None and (why := projected_crs_problem(crs)):
        errs.add((*path, "crs"), f"[static] crs: {why}")
    return StaticSpec(formats=formats, dpi=int(dpi), crs=crs, size=tuple(size), labels=labels)
