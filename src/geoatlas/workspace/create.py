"""Create an empty workspace: the folders, header-only CSVs, a first recipe, a basemap copy.

``geoatlas init`` (:mod:`geoatlas.scaffold`) fills one for a region; this module lays
out the bare skeleton every workspace shares.

Examples
--------
>>> print(style_lines({"fill": "#f3efe2", "weight": 0.8})[0])
fill = "#f3efe2"
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from .. import schema
from ..style import STARTER_STYLES
from .find import BASEMAP, REPO_ROOT, WORKSPACE_DIRS

__all__ = ["EXAMPLE_RECIPE", "create_workspace", "style_lines"]


def style_lines(style: Mapping[str, str | float]) -> list[str]:
    """A recipe's ``[layers.style]`` entries as TOML lines, in the mapping's order.

    >>> style_lines({"color": "#8c8c8c", "fill_opacity": 0.2})
    ['color = "#8c8c8c"', 'fill_opacity = 0.2']
    """
    return [f"{key} = {json.dumps(value)}" for key, value in style.items()]


_COUNTRIES_STYLE = "\n".join(style_lines(STARTER_STYLES["countries"]))
EXAMPLE_RECIPE = f"""\
# A first map: every deposit, coloured by its primary commodity.
title = "My atlas"
subtitle = "Deposits by commodity"
extent = "fit"

[[layers]]
layer = "countries"
group = "Reference"
[layers.style]
{_COUNTRIES_STYLE}

[[layers]]
layer = "deposits"
group = "Minerals"
popup = ["name", "commodities", "province", "country", "location_quality", "notes"]
[layers.style]
color_by = "primary_commodity"
"""


def create_workspace(path: str | Path, basemap: str | Path | None = None) -> Path:
    """Create an empty workspace at ``path``: header-only CSVs, a recipe, a basemap copy.

    ``basemap`` is a GeoPackage with ``countries`` and ``provinces`` layers (default: the
    repository's, when geoatlas runs from a source checkout). Existing files are kept.

    >>> import tempfile
    >>> root = create_workspace(tempfile.mkdtemp() + "/ws", basemap=False)
    >>> {"deposits.csv", "sources.csv"} <= {p.name for p in (root / "layers").iterdir()}
    True
    """
    import shutil

    root = Path(path).expanduser().resolve()
    for d in WORKSPACE_DIRS:
        (root / d).mkdir(parents=True, exist_ok=True)
    for table in schema.TABLES.values():
        file = root / table.path
        if not file.exists():
            file.write_text(",".join(table.column_names) + "\n", encoding="utf-8")
    recipe = root / "maps" / "example.toml"
    if not recipe.exists():
        recipe.write_text(EXAMPLE_RECIPE, encoding="utf-8")
    if basemap is None:
        default = REPO_ROOT / BASEMAP
        basemap = default if default.exists() else False
    target = root / BASEMAP
    if basemap and not target.exists():
        shutil.copyfile(basemap, target)
    return root
