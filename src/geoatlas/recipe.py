"""Map recipes: ``maps/<name>.toml`` declares one map, validated against the atlas.

Unknown keys, layers and fields are errors whose message lists what is allowed.

A recipe looks like::

    title = "Afghanistan's mineral wealth"
    subtitle = "Deposits, belts and rail"
    extent = "fit"                       # or [min_lon, min_lat, max_lon, max_lat]
    controls = ["layers", "legend", "scale", "search", "fullscreen", "coordinates", "timeline"]

    [[layers]]
    layer = "deposits"
    group = "Minerals"
    popup = ["name", "commodities", "province"]
    [layers.style]
    color_by = "primary_commodity"
    size_by = "contract_value_usd"
    size_classes = [0, 1e9]

Examples
--------
>>> sorted(RECIPE_KEYS)[:3]
['as_of', 'basemaps', 'controls']
"""

from __future__ import annotations

import datetime as dt
import difflib
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import RecipeError
from .style import ALLOWED_KEYS as STYLE_KEYS
from .style import LayerStyle
from .timeline import to_date

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RECIPE_KEYS = {
    "title": "map title",
    "subtitle": "one line under the title",
    "description": "a paragraph shown in the map's info box",
    "credits": "attribution text (basemap, data)",
    "as_of": "ISO date: show statuses as of that date (default: latest)",
    "extent": "'fit' or [min_lon, min_lat, max_lon, max_lat]",
    "basemaps": "extra online tile layers (the offline vector basemap is always there)",
    "controls": "which controls to show",
    "link_fields": "fields whose http(s) values become links",
    "layers": "the layers, in drawing order (first = bottom)",
    "static": "options of the static PNG/SVG/PDF export",
    "max_html_mb": "fail the build if the HTML is larger than this",
    "overlays": "raster products shown as optional web-map layers ([[overlays]])",
}
LAYER_KEYS = {
    "layer": "layer name (required)",
    "title": "name in the layer control and legend",
    "group": "layer-control group",
    "where": "pandas query selecting features, e.g. \"iso3 == 'AFG'\"",
    "visible": "shown when the map opens (default true)",
    "tooltip": "fields shown on hover",
    "popup": "fields shown on click",
    "label": "field drawn as a text label",
    "contracts": "list the feature's contracts in its popup (default true)",
    "timeline": "follow the time control (default: true where statuses exist)",
    "style": "the style table",
    "compact": "compact web encoding: true/false (default: automatic above 5,000 features)",
    "simplify": "lines/polygons in compact form: tolerance in metres of the finest detail",
}
OVERLAY_KEYS = {
    "product": "distance or density",
    "layer": "the layer measured to (distance) or counted (density)",
    "title": "name in the layer control and legend",
    "group": "layer-control group",
    "where": "pandas query selecting the layer's features",
    "weight": "density: numeric field weighting each feature",
    "bandwidth_km": "density: kernel bandwidth (default 50)",
    "resolution_km": "cell size (default 5)",
    "max_value": "value at the dark end of the colour ramp (default: 98th percentile)",
    "opacity": "0..1 (default 0.6)",
    "visible": "shown when the map opens (default false)",
}
STATIC_KEYS = {
    "formats": "any of png, svg, pdf",
    "dpi": "raster resolution of the PNG",
    "crs": "EPSG code of the projection (default: a Lambert conformal fitted to the extent)",
    "size": "[width, height] in inches",
    "labels": "layers whose features get text labels",
}
CONTROLS = ("layers", "legend", "scale", "search", "fullscreen", "coordinates", "timeline")
BASEMAPS = ("OpenStreetMap", "CartoDB positron", "OpenTopoMap")


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a recipe, validated."""

    layer: str
    title: str
    group: str
    where: str | None
    visible: bool
    tooltip: tuple[str, ...]
    popup: tuple[str, ...]
    label: str | None
    contracts: bool
    timeline: bool
    style: LayerStyle
    compact: bool | None = None
    simplify: float | None = None


@dataclass(frozen=True)
class OverlaySpec:
    """A raster product shown as an optional image layer of the web map."""

    product: str
    layer: str
    title: str
    group: str
    where: str | None = None
    weight: str | None = None
    bandwidth_km: float = 50.0
    resolution_km: float = 5.0
    max_value: float | None = None
    opacity: float = 0.6
    visible: bool = False


@dataclass(frozen=True)
class StaticSpec:
    """Options of the static export."""

    formats: tuple[str, ...] = ("png", "svg", "pdf")
    dpi: int = 200
    crs: int | None = None
    size: tuple[float, float] = (11.69, 8.27)
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recipe:
    """A validated map recipe."""

    name: str
    path: Path
    title: str
    subtitle: str
    description: str
    credits: str
    as_of: dt.date | None
    extent: tuple[float, float, float, float] | None
    basemaps: tuple[str, ...]
    controls: tuple[str, ...]
    link_fields: tuple[str, ...]
    layers: tuple[LayerSpec, ...]
    static: StaticSpec
    max_html_mb: float | None
    overlays: tuple[OverlaySpec, ...] = ()


def recipe_names(root: Path) -> list[str]:
    """Names of the recipes in ``root/maps`` (file stems, sorted)."""
    return sorted(p.stem for p in (root / "maps").glob("*.toml"))


def load_recipe(atlas, name: str) -> Recipe:
    """Read and validate ``maps/<name>.toml`` against ``atlas``'s layers and fields."""
    root = atlas.root
    path = root / "maps" / f"{name}.toml"
    if not path.exists():
        names = recipe_names(root)
        known = ", ".join(names) or "none"
        raise RecipeError(f"maps/{name}.toml: no such recipe; recipes: {known}")
    shown = f"maps/{path.name}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RecipeError(f"{shown}: not valid TOML: {exc}") from None
    return parse_recipe(data, name, path, atlas)


def parse_recipe(data: dict, name: str, path: Path, atlas) -> Recipe:
    """Validate a recipe's TOML data; raise :class:`RecipeError` listing every problem."""
    shown = f"maps/{path.name}"
    errors: list[str] = []
    _unknown(data, RECIPE_KEYS, shown, errors)
    if not isinstance(data.get("layers"), list) or not data["layers"]:
        errors.append(f"{shown}: 'layers' must be a non-empty array of [[layers]] tables")
    specs = []
    for i, entry in enumerate(data.get("layers") or [], start=1):
        where = f"{shown}: [[layers]] #{i}"
        if not isinstance(entry, dict):
            errors.append(f"{where}: must be a table")
            continue
        spec = _layer_spec(entry, where, atlas, errors)
        if spec is not None:
            specs.append(spec)
    controls = tuple(data.get("controls", CONTROLS))
    for c in controls:
        if c not in CONTROLS:
            errors.append(f"{shown}: unknown control '{c}'; allowed: {', '.join(CONTROLS)}")
    basemaps = tuple(data.get("basemaps", ()))
    for b in basemaps:
        if b not in BASEMAPS:
            errors.append(f"{shown}: unknown basemap '{b}'; allowed: {', '.join(BASEMAPS)}")
    extent = data.get("extent", "fit")
    if extent == "fit":
        extent = None
    elif not (isinstance(extent, list) and len(extent) == 4
              and all(isinstance(v, (int, float)) for v in extent)):
        errors.append(f"{shown}: 'extent' must be \"fit\" or [min_lon, min_lat, max_lon, max_lat]")
        extent = None
    else:
        extent = tuple(float(v) for v in extent)
    as_of = None
    if data.get("as_of"):
        try:
            as_of = to_date(str(data["as_of"]))
        except ValueError as exc:
            errors.append(f"{shown}: 'as_of': {exc}")
    static = _static_spec(data.get("static", {}), shown, atlas, errors)
    overlays = tuple(o for i, entry in enumerate(data.get("overlays") or [], start=1)
                     if (o := _overlay_spec(entry, f"{shown}: [[overlays]] #{i}", atlas, errors)))
    max_mb = data.get("max_html_mb")
    if max_mb is not None and (isinstance(max_mb, bool) or not isinstance(max_mb, (int, float))
                               or max_mb <= 0):
        errors.append(f"{shown}: 'max_html_mb' must be a number of megabytes > 0, not {max_mb!r}")
        max_mb = None
    if errors:
        raise RecipeError("\n".join(errors))
    return Recipe(
        name=name,
        path=path,
        title=str(data.get("title", name)),
        subtitle=str(data.get("subtitle", "")),
        description=str(data.get("description", "")),
        credits=str(data.get("credits", "")),
        as_of=as_of,
        extent=extent,
        basemaps=basemaps,
        controls=controls,
        link_fields=tuple(data.get("link_fields", ())),
        layers=tuple(specs),
        static=static,
        overlays=overlays,
        max_html_mb=float(max_mb) if max_mb is not None else None,
    )


def _unknown(data: dict, allowed: dict, where: str, errors: list[str]) -> None:
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(key, list(allowed), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            errors.append(f"{where}: unknown key '{key}'{hint}; allowed: {', '.join(allowed)}")


def _layer_spec(entry: dict, where: str, atlas, errors: list[str]) -> LayerSpec | None:
    _unknown(entry, LAYER_KEYS, where, errors)
    name = entry.get("layer")
    if not name:
        errors.append(f"{where}: 'layer' is required")
        return None
    if name not in atlas.layers:
        errors.append(f"{where}: unknown layer '{name}'; layers: {', '.join(atlas.layers)}")
        return None
    gdf = atlas[name]
    fields = [c for c in gdf.columns if c != "geometry"]

    def check_field(value, key):
        if value is not None and value not in fields:
            close = difflib.get_close_matches(str(value), fields, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            errors.append(f"{where} ({name}): unknown field '{value}' in '{key}'{hint}; "
                          f"fields: {', '.join(fields)}")

    for key in ("tooltip", "popup"):
        for f in entry.get(key, []):
            check_field(f, key)
    check_field(entry.get("label"), "label")
    style = dict(entry.get("style", {}))
    for key in style:
        if key not in STYLE_KEYS:
            errors.append(f"{where} ({name}): unknown style key '{key}'; "
                          f"allowed: {', '.join(STYLE_KEYS)}")
    for key in ("color_by", "size_by", "dash_by", "label"):
        check_field(style.get(key), f"style.{key}")
    geom = _geometry_kind(gdf)
    try:
        layer_style = LayerStyle.from_dict(name, geom, {k: v for k, v in style.items()
                                                        if k in STYLE_KEYS})
    except TypeError as exc:
        errors.append(f"{where} ({name}): bad style: {exc}")
        return None
    if entry.get("where"):
        try:
            gdf.query(entry["where"])
        except Exception as exc:  # pandas raises many kinds for a bad expression
            errors.append(f"{where} ({name}): 'where' = {entry['where']!r} does not parse: {exc}")
    has_status = "status" in gdf.columns and name in ("rail", "corridors", "deposits", "pipelines")
    compact = entry.get("compact")
    if compact is not None and not isinstance(compact, bool):
        errors.append(f"{where} ({name}): 'compact' must be true or false, not {compact!r}")
    simplify = entry.get("simplify")
    if simplify is not None and (isinstance(simplify, bool)
                                 or not isinstance(simplify, (int, float)) or simplify < 0):
        errors.append(f"{where} ({name}): 'simplify' must be a distance in metres >= 0, "
                      f"not {simplify!r}")
    return LayerSpec(
        layer=name,
        title=str(entry.get("title", name.replace("_", " ").capitalize())),
        group=str(entry.get("group", "Layers")),
        where=entry.get("where"),
        visible=bool(entry.get("visible", True)),
        tooltip=tuple(entry.get("tooltip", ["name"] if "name" in fields else [])),
        popup=tuple(entry.get("popup", [])),
        label=entry.get("label"),
        contracts=bool(entry.get("contracts", True)),
        timeline=bool(entry.get("timeline", has_status)),
        style=layer_style,
        compact=compact if isinstance(compact, bool) else None,
        simplify=float(simplify) if isinstance(simplify, (int, float)) else None,
    )


def _overlay_spec(entry, where: str, atlas, errors: list[str]) -> OverlaySpec | None:
    if not isinstance(entry, dict):
        errors.append(f"{where}: must be a table")
        return None
    _unknown(entry, OVERLAY_KEYS, where, errors)
    product, layer = entry.get("product"), entry.get("layer")
    if product not in ("distance", "density"):
        errors.append(f"{where}: 'product' must be distance or density, not {product!r}")
        return None
    if layer not in atlas.layers:
        errors.append(f"{where}: unknown layer {layer!r}; layers: {', '.join(atlas.layers)}")
        return None
    weight = entry.get("weight")
    if weight is not None and weight not in atlas[layer].columns:
        errors.append(f"{where}: unknown field {weight!r} in 'weight'")
        return None
    numbers = {k: entry[k] for k in ("bandwidth_km", "resolution_km", "max_value", "opacity")
               if k in entry}
    for key, value in numbers.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            errors.append(f"{where}: {key!r} must be a number > 0, not {value!r}")
            return None
    default_title = (f"Distance to {layer} (km)" if product == "distance"
                     else f"Density of {layer}")
    return OverlaySpec(
        product=product, layer=layer, title=str(entry.get("title", default_title)),
        group=str(entry.get("group", "Analysis")), where=entry.get("where"), weight=weight,
        visible=bool(entry.get("visible", False)),
        **{k: float(v) for k, v in numbers.items()},
    )


def _static_spec(data: dict, shown: str, atlas, errors: list[str]) -> StaticSpec:
    _unknown(data, STATIC_KEYS, f"{shown}: [static]", errors)
    formats = tuple(data.get("formats", ("png", "svg", "pdf")))
    for f in formats:
        if f not in ("png", "svg", "pdf"):
            errors.append(f"{shown}: [static] unknown format '{f}'; allowed: png, svg, pdf")
    labels = tuple(data.get("labels", ()))
    for name in labels:
        if name not in atlas.layers:
            errors.append(f"{shown}: [static] labels: unknown layer '{name}'")
    size = tuple(data.get("size", (11.69, 8.27)))
    return StaticSpec(formats=formats, dpi=int(data.get("dpi", 200)), crs=data.get("crs"),
                      size=size, labels=labels)


def _geometry_kind(gdf) -> str:
    import shapely

    ids = set(shapely.get_type_id(gdf.geometry.to_numpy()).tolist()) if len(gdf) else set()
    if ids & {3, 6}:  # Polygon, MultiPolygon
        return "polygon"
    if ids & {1, 2, 5}:  # LineString, LinearRing, MultiLineString
        return "line"
    return "point"
