"""A story recipe's print pages: the whole map, then one page per chapter.

For a recipe with ``[[chapters]]``, :func:`write_chapters` writes the recipe's static
maps as usual and ``<name>-chapter-<n>.png`` (and the recipe's other static formats)
for each chapter: the chapter's layers, view and date, with the chapter title as
subtitle, drawn from a per-chapter copy of the recipe (:func:`chapter_recipes`).

Examples
--------
>>> [round(v, 2) for v in chapter_extent(None, (69.3, 34.3), 7)]  # 9.9° x 5.8° at zoom 7
[64.36, 31.4, 74.24, 37.2]
>>> chapter_extent((69.0, 34.0, 70.0, 35.0), None, None)     # features: bounds, padded
(68.7, 33.7, 70.3, 35.3)
>>> [round(v, 2) for v in chapter_extent((69.2, 34.4, 69.2, 34.4), None, 7)]  # at least zoom 7
[64.26, 31.5, 74.14, 37.3]
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

from ..prepare import prepare

__all__ = ["MAX_SPAN", "PAGE_PX", "chapter_extent", "chapter_recipes", "write_chapters"]


PAGE_PX = (900, 640)
"""The screen a chapter's centre/zoom view is imagined on, to give a page its extent."""
MAX_SPAN = (60.0, 30.0)
"""Widest page extent in degrees (lon, lat): the static renderer fails on wider ones."""


def chapter_extent(bounds, center, zoom) -> tuple[float, float, float, float]:
    """The lon/lat extent of a chapter's view.

    Its features' bounds, padded, and no smaller than what a web map of :data:`PAGE_PX`
    shows around them at the chapter's ``zoom`` (a single deposit is seen in its
    region, as the story page shows it, not on a 50 km sheet); without features, the
    area that web map shows at ``center`` and ``zoom``.
    """
    if bounds is None:
        return _zoom_box(center, zoom)
    minx, miny, maxx, maxy = bounds
    padx = max((maxx - minx) * 0.15, 0.3)
    pady = max((maxy - miny) * 0.15, 0.3)
    padded = (minx - padx, miny - pady, maxx + padx, maxy + pady)
    if zoom is None:
        return padded
    view = _zoom_box(((minx + maxx) / 2, (miny + maxy) / 2), zoom)
    return (min(padded[0], view[0]), min(padded[1], view[1]),
            max(padded[2], view[2]), max(padded[3], view[3]))


def _zoom_box(center, zoom) -> tuple[float, float, float, float]:
    lon, lat = center
    width = min(PAGE_PX[0] / (256 * 2 ** zoom) * 360, MAX_SPAN[0])
    height = min(PAGE_PX[1] / (256 * 2 ** zoom) * 360 * math.cos(math.radians(lat)),
                 MAX_SPAN[1])
    south, north = max(lat - height / 2, -80.0), min(lat + height / 2, 80.0)
    return (lon - width / 2, south, lon + width / 2, north)


def chapter_recipes(atlas, recipe) -> list:
    """One plain recipe per chapter: its layers, extent, date and title."""
    out = []
    for n, ch in enumerate(recipe.chapters, start=1):
        bounds = None
        if ch.features:
            boxes = [atlas[name].loc[[ident]].total_bounds for name, ident in ch.features]
            bounds = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                      max(b[2] for b in boxes), max(b[3] for b in boxes))
        out.append(dataclasses.replace(
            recipe, name=f"{recipe.name}-chapter-{n}", subtitle=f"{n}. {ch.title}",
            extent=chapter_extent(bounds, ch.center, ch.zoom),
            as_of=ch.as_of or recipe.as_of, chapters=(), overlays=(),
            layers=tuple(s for s in recipe.layers if s.layer in ch.layers)))
    return out


def write_chapters(atlas, recipe, layers, folder, **options) -> list[Path]:
    """The recipe's static maps, then one page per chapter."""
    from . import write

    written = write(atlas, recipe, layers, folder, **options)
    for page in chapter_recipes(atlas, recipe):
        written += write(atlas, page, prepare(atlas, page), folder, **options)
    return written
