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

The parts: :mod:`~geoatlas.recipe.model` (the allowed keys and the validated
dataclasses), :mod:`~geoatlas.recipe.source` (reading the TOML, the line of every key),
:mod:`~geoatlas.recipe.load` (finding, loading and validating whole recipes),
:mod:`~geoatlas.recipe.layers` (``[[layers]]`` and ``[[overlays]]``),
:mod:`~geoatlas.recipe.styletable` (``[layers.style]`` and colours),
:mod:`~geoatlas.recipe.settings` (the map-wide keys and ``[static]``) and
:mod:`~geoatlas.recipe.values` (checks every table shares); story ``[[chapters]]`` are
:mod:`geoatlas.chapters`. This module is their public face.

Examples
--------
>>> sorted(RECIPE_KEYS)[:3]
['as_of', 'basemaps', 'chapters']
"""

from __future__ import annotations

from .load import check_recipes, load_recipe, parse_recipe, recipe_names
from .model import (
    BASEMAPS,
    CONTROLS,
    LAYER_KEYS,
    OVERLAY_KEYS,
    RECIPE_KEYS,
    STATIC_KEYS,
    LayerSpec,
    OverlaySpec,
    Recipe,
    StaticSpec,
)
from .source import key_lines
from .styletable import check_color

__all__ = [
    "BASEMAPS",
    "CONTROLS",
    "LAYER_KEYS",
    "OVERLAY_KEYS",
    "RECIPE_KEYS",
    "STATIC_KEYS",
    "LayerSpec",
    "OverlaySpec",
    "Recipe",
    "StaticSpec",
    "check_color",
    "check_recipes",
    "key_lines",
    "load_recipe",
    "parse_recipe",
    "recipe_names",
]
