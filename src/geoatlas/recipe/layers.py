"""A recipe's ``[[layers]]`` and ``[[overlays]]`` entries, checked against the atlas.

Each entry must name a layer the atlas has; the fields it shows (tooltip, popup, label,
the style's ``color_by``...) must be fields of that layer, its ``where`` must parse and
select from it, and its options must be of the right type. An entry with no problem
becomes a :class:`~geoatlas.recipe.model.LayerSpec` (with its
:class:`~geoatlas.style.LayerStyle`) or an :class:`~geoatlas.recipe.model.OverlaySpec`;
an entry with problems records them all and becomes nothing.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> from geoatlas.recipe.source import Problems
>>> class Atlas(dict):
...     layers = ["deposits"]
>>> atlas = Atlas(deposits=gpd.GeoDataFrame({"name": ["Mes Aynak"]},
...                                         geometry=[Point(69.3, 34.3)], crs=4326))
>>> errs = Problems("maps/m.toml", None)
>>> spec = layer_spec({"layer": "deposits", "popup": ["name"]}, ("layers", 0),
...                   "[[layers]] #1", atlas, errs)
>>> spec.title, spec.tooltip, spec.style.geometry
('Deposits', ('name',), 'point')
>>> layer_spec({"layer": "deposit"}, ("layers", 0), "[[layers]] #1", atlas, errs)
>>> errs.items[0].message
"[[layers]] #1: unknown layer 'deposit' (did you mean 'deposits'?); layers: deposits"
"""

from __future__ import annotations

from ..errors import did_you_mean
from .model import LAYER_KEYS, OVERLAY_KEYS, LayerSpec, OverlaySpec
from .source import Problems
from .styletable import layer_style, style_table
from .values import check_field, check_where, is_number, strings, unknown

__all__ = ["layer_spec", "layer_specs", "overlay_spec", "overlay_specs"]


def layer_specs(data: dict, atlas, errs: Problems) -> list[LayerSpec]:
    """The specs of the recipe's ``[[layers]]`` entries that have no problem."""
    entries = data.get("layers")
    if not isinstance(entries, list) or not entries:
        errs.add(("layers",), "'layers' must be a non-empty array of [[layers]] tables")
        entries = []
    specs = []
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            errs.add(("layers", i - 1), f"[[layers]] #{i}: must be a table")
            continue
        spec = layer_spec(entry, ("layers", i - 1), f"[[layers]] #{i}", atlas, errs)
        if spec is not None:
            specs.append(spec)
    return specs


def overlay_specs(data: dict, atlas, errs: Problems) -> tuple[OverlaySpec, ...]:
    """The specs of the recipe's ``[[overlays]]`` entries that have no problem."""
    overlays_data = data.get("overlays") or []
    if not isinstance(overlays_data, list):
        errs.add(("overlays",), "'overlays' must be an array of [[overlays]] tables")
        overlays_data = []
    return tuple(o for i, entry in enumerate(overlays_data, start=1)
                 if (o := overlay_spec(entry, ("overlays", i - 1), f"[[overlays]] #{i}",
                                       atlas, errs)))


def layer_spec(entry: dict, path: tuple, label: str, atlas, errs: Problems
               ) -> LayerSpec | None:
    """The spec of the ``[[layers]]`` entry ``entry`` at ``path``, or ``None``.

    ``label`` (``[[layers]] #2``) starts each message; problems go to ``errs``.
    """
    before = len(errs.items)
    unknown(entry, LAYER_KEYS, path, label, errs)
    name = _layer_name(entry, path, label, atlas, errs)
    if name is None:
        return None
    gdf = atlas[name]
    fields = [c for c in gdf.columns if c != "geometry"]
    label = f"{label} ({name})"
    _check_shown_fields(entry, path, label, fields, errs)
    style, ok = style_table(entry, path, label, fields, errs)
    check_where(entry.get("where"), gdf, (*path, "where"), label, name, errs)
    geom = _geometry_kind(gdf)
    built = None
    if ok:
        built = layer_style(name, geom, style, atlas, (*path, "style"), label, errs)
    _check_options(entry, path, label, errs)
    if built is None or len(errs.items) > before:
        return None
    has_status = "status" in gdf.columns and name in ("rail", "corridors", "deposits", "pipelines")
    compact, simplify = entry.get("compact"), entry.get("simplify")
    return LayerSpec(
        layer=name,
        title=str(entry.get("title", name.replace("_", " ").capitalize())),
        group=str(entry.get("group", "Layers")),
        where=entry.get("where") or None,
        visible=bool(entry.get("visible", True)),
        tooltip=tuple(entry.get("tooltip", ["name"] if "name" in fields else [])),
        popup=tuple(entry.get("popup", [])),
        label=entry.get("label"),
        contracts=bool(entry.get("contracts", True)),
        timeline=bool(entry.get("timeline", has_status)),
        style=built,
        compact=compact if isinstance(compact, bool) else None,
        simplify=float(simplify) if is_number(simplify) else None,
    )


def _layer_name(entry: dict, path: tuple, label: str, atlas, errs: Problems) -> str | None:
    """The entry's ``layer``, if the atlas has it; else record why not."""
    name = entry.get("layer")
    if not name:
        errs.add(path, f"{label}: 'layer' is required")
        return None
    if not isinstance(name, str) or name not in atlas.layers:
        errs.add((*path, "layer"), f"{label}: unknown layer '{name}'"
                                   f"{did_you_mean(str(name), atlas.layers, n=1, quote=True)}; "
                                   f"layers: {', '.join(atlas.layers)}")
        return None
    return name


def _check_shown_fields(entry: dict, path: tuple, label: str, fields: list,
                        errs: Problems) -> None:
    """The fields shown on hover, on click and as a label must be the layer's."""
    for key in ("tooltip", "popup"):
        for f in strings(entry, key, [], errs, path):
            check_field(f, key, (*path, key), fields, label, errs)
    if entry.get("label") is not None and not isinstance(entry["label"], str):
        errs.add((*path, "label"), f"{label}: 'label' must be a field name")
    else:
        check_field(entry.get("label"), "label", (*path, "label"), fields, label, errs)


def _check_options(entry: dict, path: tuple, label: str, errs: Problems) -> None:
    """The entry's flags and texts: compact, simplify, visible, contracts, timeline, ..."""
    compact = entry.get("compact")
    if compact is not None and not isinstance(compact, bool):
        errs.add((*path, "compact"), f"{label}: 'compact' must be true or false, "
                                     f"not {compact!r}")
    simplify = entry.get("simplify")
    if simplify is not None and (not is_number(simplify) or simplify < 0):
        errs.add((*path, "simplify"), f"{label}: 'simplify' must be a distance in metres >= 0, "
                                      f"not {simplify!r}")
    for key in ("visible", "contracts", "timeline"):
        if key in entry and not isinstance(entry[key], bool):
            errs.add((*path, key), f"{label}: '{key}' must be true or false, "
                                   f"not {entry[key]!r}")
    for key in ("title", "group"):
        if key in entry and not isinstance(entry[key], str):
            errs.add((*path, key), f"{label}: '{key}' must be text, not {entry[key]!r}")


def overlay_spec(entry, path: tuple, label: str, atlas, errs: Problems
                 ) -> OverlaySpec | None:
    """The spec of the ``[[overlays]]`` entry ``entry`` at ``path``, or ``None``."""
    if not isinstance(entry, dict):
        errs.add(path, f"{label}: must be a table")
        return None
    unknown(entry, OVERLAY_KEYS, path, label, errs)
    product, layer = entry.get("product"), entry.get("layer")
    if product not in ("distance", "density"):
        errs.add((*path, "product"), f"{label}: 'product' must be distance or density, "
                                     f"not {product!r}")
        return None
    if not isinstance(layer, str) or layer not in atlas.layers:
        errs.add((*path, "layer"), f"{label}: unknown layer {layer!r}; "
                                   f"layers: {', '.join(atlas.layers)}")
        return None
    weight = entry.get("weight")
    if weight is not None and (not isinstance(weight, str)
                               or weight not in atlas[layer].columns):
        errs.add((*path, "weight"), f"{label}: unknown field {weight!r} in 'weight'")
        return None
    numbers = {k: entry[k] for k in ("bandwidth_km", "resolution_km", "max_value", "opacity")
               if k in entry}
    for key, value in numbers.items():
        if not is_number(value) or value <= 0 or (key == "opacity" and value > 1):
            errs.add((*path, key), f"{label}: {key!r} must be a number > 0"
                                   f"{' and <= 1' if key == 'opacity' else ''}, not {value!r}")
            return None
    check_where(entry.get("where"), atlas[layer], (*path, "where"), label, layer, errs)
    for key in ("title", "group"):
        if key in entry and not isinstance(entry[key], str):
            errs.add((*path, key), f"{label}: '{key}' must be text, not {entry[key]!r}")
    if "visible" in entry and not isinstance(entry["visible"], bool):
        errs.add((*path, "visible"), f"{label}: 'visible' must be true or false")
    default_title = (f"Distance to {layer} (km)" if product == "distance"
                     else f"Density of {layer}")
    return OverlaySpec(
        product=product, layer=layer, title=str(entry.get("title", default_title)),
        group=str(entry.get("group", "Analysis")), where=entry.get("where") or None,
        weight=weight, visible=bool(entry.get("visible", False)),
        **{k: float(v) for k, v in numbers.items()},
    )


def _geometry_kind(gdf) -> str:
    """``polygon``, ``line`` or ``point``: what the layer's style draws."""
    import shapely

    ids = set(shapely.get_type_id(gdf.geometry.to_numpy()).tolist()) if len(gdf) else set()
    if ids & {3, 6}:  # Polygon, MultiPolygon
        return "polygon"
    if ids & {1, 2, 5}:  # LineString, LinearRing, MultiLineString
        return "line"
    return "point"
