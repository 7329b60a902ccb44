r"""Loading recipes: find ``maps/*.toml``, read one, validate it whole into a :class:`Recipe`.

:func:`load_recipe` reads one recipe by name (never a path outside ``maps/``) and
:func:`parse_recipe` validates its data against the atlas, part by part (the layers,
the map-wide settings, the overlays, the story chapters), raising one
:class:`~geoatlas.errors.RecipeError` that lists every problem as
``maps/NAME.toml:LINE: ...``. :func:`check_recipes` does the same for every recipe
without raising (``geoatlas check``), and without data checks only the syntax, keys and
``where`` grammar.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> tmp = tempfile.TemporaryDirectory()
>>> root = Path(tmp.name)
>>> (root / "maps").mkdir()
>>> _ = (root / "maps" / "m.toml").write_text("titel = 'x'\n[[layers]]\nlayer = 'rail'\n")
>>> recipe_names(root)
['m']
>>> [str(p) for p in check_recipes(root)]  # doctest: +NORMALIZE_WHITESPACE
["maps/m.toml:1: unknown key 'titel' (did you mean 'title'?); allowed: title, subtitle,
description, credits, as_of, extent, basemaps, controls, link_fields, layers, static,
max_html_mb, overlays, chapters"]
>>> tmp.cleanup()
"""

from __future__ import annotations

from pathlib import Path

from ..errors import Problem, RecipeError
from . import settings
from .layers import layer_specs, overlay_specs
from .model import LAYER_KEYS, OVERLAY_KEYS, RECIPE_KEYS, Recipe
from .source import Problems, read
from .values import check_where, unknown

__all__ = ["check_recipes", "load_recipe", "parse_recipe", "recipe_names"]


def recipe_names(root: Path) -> list[str]:
    """Names of the recipes in ``root/maps`` (file stems, sorted)."""
    return sorted(p.stem for p in (root / "maps").glob("*.toml"))


def load_recipe(atlas, name: str) -> Recipe:
    """Read and validate ``maps/<name>.toml`` against ``atlas``'s layers and fields.

    Raises :class:`RecipeError` listing every problem as ``maps/NAME.toml:LINE: ...``.
    """
    root = atlas.root
    path = root / "maps" / f"{name}.toml"
    if not path.exists() or name not in recipe_names(root):  # never read outside maps/
        names = recipe_names(root)
        known = ", ".join(names) or "none"
        raise RecipeError(f"maps/{name}.toml: no such recipe; recipes: {known}")
    text, data = read(path)
    return parse_recipe(data, name, path, atlas, text=text)


def check_recipes(root: Path, atlas=None) -> list[Problem]:
    """Every problem of every recipe in ``root/maps``, none raised.

    With ``atlas=None`` (the data did not load) only what needs no data is checked:
    TOML syntax, keys and the syntax of ``where`` expressions.
    """
    return _check_folder(Path(root), atlas)


def _check_folder(root: Path, atlas) -> list[Problem]:
    problems: list[Problem] = []
    for name in recipe_names(root):
        path = root / "maps" / f"{name}.toml"
        try:
            text, data = read(path)
            if atlas is not None:
                parse_recipe(data, name, path, atlas, text=text)
            else:
                problems += sorted(_syntax_only(data, path, text), key=lambda p: p.line or 0)
        except RecipeError as exc:
            problems += exc.problems or [Problem(f"maps/{path.name}", str(exc))]
    return problems


def parse_recipe(data: dict, name: str, path: Path, atlas, text: str | None = None) -> Recipe:
    """Validate a recipe's TOML data; raise :class:`RecipeError` listing every problem.

    ``text`` (the TOML source) lets each problem name its line.
    """
    errs = Problems(f"maps/{path.name}", text)
    unknown(data, RECIPE_KEYS, (), "", errs)
    for key in ("title", "subtitle", "description", "credits"):
        if key in data and not isinstance(data[key], str):
            errs.add((key,), f"'{key}' must be text, not {data[key]!r}")
    specs = layer_specs(data, atlas, errs)
    controls = settings.controls(data, errs)
    basemaps = settings.basemaps(data, errs)
    link_fields = settings.link_fields(data, atlas, errs)
    extent = settings.extent(data, errs)
    as_of = settings.as_of(data, errs)
    static = settings.static_spec(data, atlas, errs)
    overlays = overlay_specs(data, atlas, errs)
    max_mb = settings.max_html_mb(data, errs)
    chapters = _chapters(data, atlas, specs, errs)
    errs.raise_any()
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
        link_fields=link_fields,
        layers=tuple(specs),
        static=static,
        overlays=overlays,
        chapters=chapters,
        max_html_mb=max_mb,
    )


def _chapters(data: dict, atlas, specs, errs: Problems) -> tuple:
    """Story chapters (``[[chapters]]``), validated by :mod:`geoatlas.chapters`."""
    if "chapters" not in data:
        return ()
    from ..chapters import parse_chapters

    return parse_chapters(data["chapters"], atlas, [s.layer for s in specs], errs.add,
                          lambda entry, keys, path, label: unknown(entry, keys, path, label,
                                                                   errs))



def _syntax_only(data: dict, path: Path, text: str) -> list[Problem]:
    errs = Problems(f"maps/{path.name}", text)
    unknown(data, RECIPE_KEYS, (), "", errs)
    from ..chapters import CHAPTER_KEYS

    for kind, keys in (("layers", LAYER_KEYS), ("overlays", OVERLAY_KEYS),
                       ("chapters", CHAPTER_KEYS)):
        entries = data.get(kind)
        for i, entry in enumerate(entries if isinstance(entries, list) else [], start=1):
            if isinstance(entry, dict):
                label = f"[[{kind}]] #{i}"
                unknown(entry, keys, (kind, i - 1), label, errs)
                check_where(entry.get("where"), None, (kind, i - 1, "where"), label, "", errs)
    return errs.items
