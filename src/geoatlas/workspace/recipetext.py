"""Recipes as text: control and bidi characters in ``maps/*.toml``, raw or as TOML escapes.

The recipe loader (:mod:`geoatlas.recipe`) checks what a recipe means; this scan, part of
``geoatlas check``, makes sure no hidden character reaches a title, legend or popup.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import Problem
from ..textcheck import bad_characters, first_bad_line

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["scan_recipes"]


def scan_recipes(root: Path) -> list[Problem]:
    """Control/bidi characters in ``maps/*.toml``, raw or written as TOML escapes."""
    import json

    problems = []
    for file in sorted((root / "maps").glob("*.toml")):
        shown = f"maps/{file.name}"
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(shown, f"cannot read as UTF-8 text: {exc}"))
            continue
        found = first_bad_line(text)
        if found:
            problems.append(Problem(shown, f"contains {found[1]}; remove it", line=found[0]))
            continue
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue  # the recipe check reports the syntax error
        for key, value in _strings(data):
            bad = bad_characters(value, free_text=key.endswith(("description", ".text")))
            if bad:
                problems.append(Problem(shown, f"{key} = {json.dumps(value)} contains {bad} "
                                               "(written as an escape); remove it"))
    return problems


def _strings(data, prefix: str = ""):
    """Every string in parsed TOML, with a dotted key path (``layers[1].title``)."""
    if isinstance(data, str):
        yield prefix, data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from _strings(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(data, list):
        for i, v in enumerate(data, start=1):
            yield from _strings(v, f"{prefix}[{i}]")
