"""Apply a recipe to an atlas: the features, symbols and legend of each recipe layer.

Examples
--------
>>> import geoatlas
>>> from geoatlas.recipe import load_recipe
>>> atlas = geoatlas.open()
>>> layers = prepare(atlas, load_recipe(atlas, "afghanistan-minerals"))
>>> [p.spec.layer for p in layers]
['provinces', 'belts', 'rail', 'places', 'deposits']
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd

from ..recipe import LayerSpec, Recipe
from ..style import LegendEntry, Symbol
from ..where import select

__all__ = ["PreparedLayer", "extent", "prepare"]


@dataclass
class PreparedLayer:
    """One recipe layer, ready to draw: its rows, a symbol per row, its legend."""

    spec: LayerSpec
    frame: gpd.GeoDataFrame
    symbols: list[Symbol]
    legend: list[LegendEntry]

    @property
    def name(self) -> str:
        """The layer name."""
        return self.spec.layer


def prepare(atlas, recipe: Recipe) -> list[PreparedLayer]:
    """Select, filter (``where``, ``as_of``) and symbolise every layer of ``recipe``."""
    world = atlas.as_of(recipe.as_of) if recipe.as_of else atlas
    out = []
    for spec in recipe.layers:
        frame = world[spec.layer]
        if spec.where:  # checked with its values by the recipe; here maybe as of a date
            frame = select(frame, spec.where, "where", values=False)
        frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
        out.append(PreparedLayer(spec, frame, spec.style.symbols(frame), spec.style.legend(frame)))
    return out


def extent(layers: list[PreparedLayer], recipe: Recipe) -> tuple[float, float, float, float]:
    """The recipe's extent, or the bounds of its non-reference layers (lon/lat)."""
    if recipe.extent:
        return recipe.extent
    frames = [p.frame for p in layers if p.spec.layer not in ("countries", "provinces")
              and len(p.frame)]
    frames = frames or [p.frame for p in layers if len(p.frame)]
    minx = min(f.total_bounds[0] for f in frames)
    miny = min(f.total_bounds[1] for f in frames)
    maxx = max(f.total_bounds[2] for f in frames)
    maxy = max(f.total_bounds[3] for f in frames)
    padx, pady = (maxx - minx) * 0.05, (maxy - miny) * 0.05
    return (minx - padx, miny - pady, maxx + padx, maxy + pady)
