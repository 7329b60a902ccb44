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
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import OutputError
from .recipe import load_recipe, recipe_names
from .render.prepare import prepare

log = logging.getLogger(__name__)

OUTPUTS = {
    "web": "geoatlas.render.web",
    "static": "geoatlas.render.static",
    "qgis": "geoatlas.render.qgis",
}
"""Output kind -> module with ``write(atlas, recipe, layers, folder, **options)``."""


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
    progress: Callable[..., None] | None = None,
    **options,
) -> list[Path]:
    """Build recipes ``names`` (default: all) into ``out``; return the written paths.

    ``outputs`` picks renderers (default: every available one); ``options`` go to the
    renderers that accept them (e.g. ``formats=("png",)``, ``dpi=300``). ``progress``,
    when given, is called as ``progress("step", recipe=, output=, done=, total=)`` before
    each renderer runs and ``progress("written", path=)`` as each output lands in ``out``.
    """
    report = progress or (lambda event, **info: None)
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
    step, total = 0, len(recipes) * len(outputs)
    for recipe in recipes:
        started = time.perf_counter()
        layers = prepare(atlas, recipe)
        with tempfile.TemporaryDirectory(prefix=f".{recipe.name}-", dir=out) as tmp:
            staging = Path(tmp)
            produced: list[Path] = []
            for kind in outputs:
                report("step", recipe=recipe.name, output=kind, done=step, total=total)
                step += 1
                module = importlib.import_module(OUTPUTS[kind])
                produced += module.write(atlas, recipe, layers, staging, **options)
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
                report("written", path=target)
        log.info("built %s in %.1f s", recipe.name, time.perf_counter() - started)
    return written
