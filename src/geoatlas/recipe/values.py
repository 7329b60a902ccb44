"""Checks of single recipe values that every table of a recipe shares.

Whether a value is a finite number, an array of text, a table with only allowed keys
(an unknown key's message suggests the closest allowed one and lists them all), a
``where`` expression that parses and selects from its layer; and the workspace's
``geoatlas.toml`` settings a recipe falls back on. Each check records its problem in a
:class:`~geoatlas.recipe.source.Problems` and never raises, so a recipe's problems are
listed all at once.

Examples
--------
>>> from geoatlas.recipe.source import Problems
>>> errs = Problems("maps/m.toml", None)
>>> unknown({"titel": "x"}, {"title": "map title"}, (), "", errs)
>>> strings({"controls": "legend"}, "controls", (), errs)
()
>>> [p.message for p in errs.items]
["unknown key 'titel' (did you mean 'title'?); allowed: title", \
"'controls' must be an array of text values, not 'legend'"]
>>> is_number(3e9), is_number(float("nan")), is_number(True)
(True, False, False)
"""

from __future__ import annotations

import math

from .. import where as where_language
from ..errors import WhereError, did_you_mean
from .source import Problems

__all__ = ["check_field", "check_where", "is_number", "strings", "unknown", "workspace_config"]


def is_number(value) -> bool:
    """Whether ``value`` is a finite int or float (not a bool)."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def strings(data: dict, key: str, default, errs: Problems, path: tuple = ()) -> tuple:
    """``data[key]`` (else ``default``) as a tuple of text; ``()`` and a problem if not."""
    value = data.get(key, default)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    errs.add((*path, key), f"'{key}' must be an array of text values, not {value!r}")
    return ()


def unknown(data: dict, allowed: dict, path: tuple, label: str, errs: Problems) -> None:
    """Record every key of table ``data`` (at ``path``) that ``allowed`` does not list."""
    head = f"{label}: " if label else ""
    for key in data:
        if key not in allowed:
            errs.add((*path, key), f"{head}unknown key '{key}'"
                                   f"{did_you_mean(key, allowed, n=1, quote=True)}; "
                                   f"allowed: {', '.join(allowed)}")


def check_field(value, key: str, path: tuple, fields: list, label: str,
                errs: Problems) -> None:
    """Record ``value`` (given as ``key``, at ``path``) if it is not one of ``fields``."""
    if value is not None and value not in fields:
        errs.add(path, f"{label}: unknown field '{value}' in '{key}'"
                       f"{did_you_mean(str(value), fields, n=1, quote=True)}; "
                       f"fields: {', '.join(fields)}")


def check_where(text, frame, path: tuple, label: str, layer: str, errs: Problems) -> None:
    """Record why ``text`` is not a where expression selecting from ``frame``, if it is not.

    With ``frame=None`` only the syntax is checked; ``layer`` names the vocabularies.
    """
    if text is None:
        return
    if not isinstance(text, str):
        errs.add(path, f"{label}: 'where' must be text, not {text!r}")
        return
    if not text.strip():
        return
    try:
        expr = where_language.parse(text)
        if frame is not None:
            where_language.mask(expr, frame, text, vocab=where_language.field_choices(layer))
    except WhereError as exc:
        errs.add(path, f"{label}: 'where' = {text!r}: {exc}")


def workspace_config(atlas):
    """The atlas's ``geoatlas.toml`` settings (empty ones for a bare catalog)."""
    from ..config import WorkspaceConfig

    return getattr(getattr(atlas, "catalog", None), "config", None) or WorkspaceConfig()
