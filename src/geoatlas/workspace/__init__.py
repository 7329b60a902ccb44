"""Find a workspace and read ``geo/`` and ``layers/`` into a validated :class:`Catalog`.

A workspace is a folder with ``geo/``, ``layers/`` and ``maps/``. Loading reads every
file, checks it against :mod:`geoatlas.schema`, resolves every cross-reference, builds the
geometries, runs the spatial checks (points inside their country and province) and joins
the attribute tables. Every problem is collected; if there is any, :func:`load` raises
one :class:`~geoatlas.errors.ValidationError` that lists them all.

The modules: :mod:`.find` (where a workspace is), :mod:`.create` (a new, empty one),
:mod:`.catalog` (what loading yields), :mod:`.loader` (the steps in order),
:mod:`.report` (problems placed at file:line), :mod:`.geo` (the basemap),
:mod:`.tables` (the CSVs and their references), :mod:`.features` (geometries per kind),
:mod:`.spatial` (in country, in province), :mod:`.dropins` (files dropped into
``layers/``) and :mod:`.recipetext` (hidden characters in recipes).

Examples
--------
>>> from geoatlas.workspace.find import REPO_ROOT
>>> catalog, problems = validate(REPO_ROOT / "tests" / "fixtures" / "mini")
>>> problems
[]
>>> catalog.layers["deposits"].loc["copper-hill", "province"]
'Logar'
"""

from __future__ import annotations

from .catalog import Catalog
from .create import EXAMPLE_RECIPE, create_workspace
from .dropins import VECTOR_SUFFIXES
from .find import BASEMAP, WORKSPACE_DIRS, find_workspace, is_workspace
from .loader import DATE_COLUMNS, load, validate
from .spatial import COUNTRY_TOLERANCE_KM, normalize_name

__all__ = [
    "BASEMAP",
    "COUNTRY_TOLERANCE_KM",
    "DATE_COLUMNS",
    "EXAMPLE_RECIPE",
    "VECTOR_SUFFIXES",
    "WORKSPACE_DIRS",
    "Catalog",
    "create_workspace",
    "find_workspace",
    "is_workspace",
    "load",
    "normalize_name",
    "validate",
]
