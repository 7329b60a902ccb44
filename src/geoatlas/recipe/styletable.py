"""A recipe layer's ``[layers.style]`` table: its keys, colours and values, then the style.

Only the keys of :data:`geoatlas.style.ALLOWED_KEYS` are allowed; colours must be ones
every renderer draws the same (``#rrggbb`` or a CSS name, :func:`check_color`); sizes,
weights and opacities must be numbers in range and size classes must ascend, with one
size and label per class. A table that passes becomes the layer's
:class:`~geoatlas.style.LayerStyle` (the one style spec every renderer reads), with the
colours the workspace's ``geoatlas.toml`` declares under the recipe's own palette.

Examples
--------
>>> from geoatlas.recipe.source import Problems
>>> errs = Problems("maps/m.toml", None)
>>> check_style({"opacity": 2, "color": "#b87333"}, ("layers", 0, "style"), "[[layers]] #1",
...             errs)
False
>>> [p.message for p in errs.items]
['[[layers]] #1: style.opacity must be a number from 0 to 1, not 2']
"""

from __future__ import annotations

import re

from ..errors import did_you_mean
from ..style import ALLOWED_KEYS as STYLE_KEYS
from ..style import LayerStyle
from .source import Problems
from .values import check_field, is_number, workspace_config

__all__ = ["check_color", "check_style", "layer_style", "style_table"]


_HEX = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")


def style_table(entry: dict, path: tuple, label: str, fields: list,
                errs: Problems) -> tuple[dict, bool]:
    """The ``style`` table of layer entry ``entry`` (at ``path``), checked.

    Returns the table (a copy, without field keys that are not text) and whether its
    values can make a style; every problem is recorded in ``errs``.
    """
    style = entry.get("style", {})
    if not isinstance(style, dict):
        errs.add((*path, "style"), f"{label}: 'style' must be a table")
        style = {}
    style = dict(style)
    spath = (*path, "style")
    for key in style:
        if key not in STYLE_KEYS:
            errs.add((*spath, key), f"{label}: unknown style key '{key}'; "
                                    f"allowed: {', '.join(STYLE_KEYS)}")
    for key in ("color_by", "size_by", "dash_by", "label"):
        if style.get(key) is not None and not isinstance(style[key], str):
            errs.add((*spath, key), f"{label}: style.{key} must be a field name")
            style.pop(key)
        else:
            check_field(style.get(key), f"style.{key}", (*spath, key), fields, label, errs)
    return style, check_style(style, spath, label, errs)


def check_color(value) -> str | None:
    """Why ``value`` is not a colour every renderer draws the same, or ``None`` if it is.

    Colours are ``#rgb``, ``#rrggbb`` (with an optional alpha digit pair) or a CSS
    colour name, which the browser, matplotlib and QGIS all know.

    >>> check_color("#b87333") is None, check_color("steelblue") is None
    (True, True)
    >>> check_color("#12345g")
    "'#12345g' is not a colour: use #rrggbb or a CSS colour name"
    """
    if isinstance(value, str) and _HEX.fullmatch(value):
        return None
    if isinstance(value, str) and value.isascii() and value.isalpha():
        from matplotlib.colors import CSS4_COLORS  # the CSS names; only for a named colour

        if value.lower() in CSS4_COLORS:
            return None
        hint = did_you_mean(value.lower(), CSS4_COLORS, n=1, quote=True)
        return f"'{value}' is not a colour{hint}: use #rrggbb or a CSS colour name"
    return f"{value!r} is not a colour: use #rrggbb or a CSS colour name"


_NUMBERS = {"weight": (0, 100), "opacity": (0, 1), "fill_opacity": (0, 1), "radius": (0, 200)}


def check_style(style: dict, path: tuple, label: str, errs: Problems) -> bool:
    """Check the values of a style table; ``False`` if it cannot be used."""
    before = len(errs.items)
    for key in ("color", "fill"):
        if key in style and (why := check_color(style[key])):
            errs.add((*path, key), f"{label}: style.{key}: {why}")
    palette = style.get("palette", {})
    if not isinstance(palette, dict):
        errs.add((*path, "palette"), f"{label}: style.palette must be a table of "
                                     "value = colour")
    else:
        for value, colour in palette.items():
            if why := check_color(colour):
                errs.add((*path, "palette", value), f"{label}: style.palette.{value}: {why}")
    for key, (low, high) in _NUMBERS.items():
        if key in style and not (is_number(style[key]) and low <= style[key] <= high):
            errs.add((*path, key), f"{label}: style.{key} must be a number from {low} to "
                                   f"{high}, not {style[key]!r}")
    for key in ("size_classes", "sizes"):
        if key in style and not (isinstance(style[key], list)
                                 and all(is_number(v) for v in style[key])):
            errs.add((*path, key), f"{label}: style.{key} must be an array of numbers, "
                                   f"not {style[key]!r}")
    if "size_labels" in style and not (isinstance(style["size_labels"], list) and all(
            isinstance(v, str) for v in style["size_labels"])):
        errs.add((*path, "size_labels"), f"{label}: style.size_labels must be an array of text")
    classes = style.get("size_classes")
    if len(errs.items) == before and isinstance(classes, list):
        if classes != sorted(classes):
            errs.add((*path, "size_classes"), f"{label}: style.size_classes must ascend, "
                                              f"not {classes!r}")
        for key in ("sizes", "size_labels"):
            if key in style and len(style[key]) != len(classes):
                errs.add((*path, key), f"{label}: style.{key} needs one entry per size class "
                                       f"({len(classes)}), not {len(style[key])}")
    if "mark_quality" in style and not isinstance(style["mark_quality"], bool):
        errs.add((*path, "mark_quality"), f"{label}: style.mark_quality must be true or false")
    return len(errs.items) == before


def layer_style(name: str, geom: str, style: dict, atlas, path: tuple, label: str,
                errs: Problems) -> LayerStyle | None:
    """The :class:`~geoatlas.style.LayerStyle` of a checked style table, or ``None``.

    ``geom`` is the layer's geometry kind (``point``, ``line`` or ``polygon``); a style
    the spec refuses is recorded as a problem at ``path``.
    """
    style_spec = {k: v for k, v in style.items() if k in STYLE_KEYS}
    declared = workspace_config(atlas).palette(style_spec.get("color_by"))
    if declared:  # geoatlas.toml colours, under the recipe's own palette
        style_spec["palette"] = {**declared, **dict(style_spec.get("palette") or {})}
    try:
        return LayerStyle.from_dict(name, geom, style_spec)
    except (TypeError, ValueError) as exc:
        errs.add(path, f"{label}: bad style: {exc}")
    return None
