"""Build recipes into ``out/``: every renderer writes into a staging folder first.

Outputs are moved into place only when every renderer of a recipe has succeeded, so an
interrupted or failed build leaves the previous outputs untouched, never half-written.

Examples
--------
>>> import geoatlas
>>> paths = build(geoatlas.open(), ["afghanistan-minerals"], "out")   # doctest: +SKIP
>>> sorted(p.suffix for p in paths)                                  # doctest: +SKIP
['.gpkg', '.html', '.pdf', '.png', '.qgz', '.svg']
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from .errors import OutputError
from .origin import write_origin
from .recipe import load_recipe, recipe_names
from .render.prepare import prepare

log = logging.getLogger(__name__)

OUTPUTS = {
    "web": "geoatlas.render.web",
    "static": "geoatlas.render.static",
    "qgis": "geoatlas.render.qgis",
}
"""Output kind -> module with ``write(atlas, recipe, layers, folder, **options)``."""


STORY = {
    "web": "geoatlas.render.story",
    "static": "geoatlas.render.story_outputs:write_static",
    "qgis": "geoatlas.render.story_outputs:write_qgis",
}
"""Renderers of a recipe with ``[[chapters]]``: the story page, a page and a QGIS map theme
per chapter (``module`` or ``module:function``; the default function is ``write``)."""


def _writer(kind: str, recipe):
    spec = STORY[kind] if getattr(recipe, "chapters", ()) else OUTPUTS[kind]
    module, _, function = spec.partition(":")
    return getattr(importlib.import_module(module), function or "write")


def available_outputs() -> list[str]:
    """The output kinds whose renderer module is installed in this version."""
    out = []
    for kind, module in OUTPUTS.items():
        if importlib.util.find_spec(module) is not None:
            out.append(kind)
    return out


def build(
    atlas,
    names: Sequence[str] | None = None,
    out: str | Path = "out",
    outputs: Sequence[str] | None = None,
    **options,
) -> list[Path]:
    """Build recipes ``names`` (default: all) into ``out``; return the written paths.

    ``outputs`` picks renderers (default: every available one); ``options`` go to the
    renderers that accept them (e.g. ``formats=("png",)``, ``dpi=300``).
    """
    names = list(names) if names else recipe_names(atlas.root)
    outputs = list(outputs) if outputs else available_outputs()
    unknown = [o for o in outputs if o not in OUTPUTS]
    if unknown:
        raise OutputError(f"unknown output(s) {', '.join(unknown)}; known: {', '.join(OUTPUTS)}")
    recipes = [load_recipe(atlas, n) for n in names]  # validate all before writing anything
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder {out}: {exc}") from exc
    written: list[Path] = []
    for recipe in recipes:
        started = time.perf_counter()
        layers = prepare(atlas, recipe)
        with tempfile.TemporaryDirectory(prefix=f".{recipe.name}-", dir=out) as tmp:
            staging = Path(tmp)
            produced: list[Path] = []
            for kind in outputs:
                produced += _writer(kind, recipe)(atlas, recipe, layers, staging, **options)
            for path in produced:  # what `geoatlas import` needs to bring QGIS edits back
                if path.suffix == ".gpkg":
                    write_origin(atlas, recipe, layers, path)
            for path in produced:
                target = out / path.relative_to(staging)
                target.parent.mkdir(parents=True, exist_ok=True)
                if path.is_dir():
                    if target.exists():
                        shutil.rmtree(target)
                    shutil.move(str(path), str(target))
                else:
                    os.replace(path, target)
                written.append(target)
        log.info("built %s in %.1f s", recipe.name, time.perf_counter() - started)
    return written
