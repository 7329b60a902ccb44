"""geoatlas: curated, cited geographic data turned into maps analysts trust and share.

Examples
--------
>>> import geoatlas
>>> atlas = geoatlas.open()            # the default workspace
>>> atlas.layers
['countries', 'provinces', 'places', 'deposits', 'belts', 'rail', 'corridors', 'pipelines']
>>> atlas.deposits.loc["mes-aynak", "province"]
'Logar'

Importing this package stays light (a few milliseconds): numpy, pandas and geopandas load
when a workspace is opened, renderers (folium, matplotlib, rasterio) when a map is built.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path as _Path
from typing import TYPE_CHECKING

from .errors import (
    DataError,
    GeoatlasDeprecationWarning,
    GeoatlasError,
    ImportRefused,
    OutputError,
    Problem,
    QueryError,
    RecipeError,
    ValidationError,
    WhereError,
    WorkspaceError,
)
from .vocab import vocabulary

if TYPE_CHECKING:  # pragma: no cover
    from .atlas import Atlas

__version__ = "0.1.0"


def open(path: str | _Path | None = None, as_of: str | _dt.date | None = None) -> Atlas:
    """Load a workspace (default: the nearest one, else the repository's) as an :class:`Atlas`.

    Raises :class:`~geoatlas.errors.ValidationError` listing every data problem.
    """
    from .atlas import open as _open

    return _open(path, as_of)


def plan_import(gpkg: str | _Path, workspace: str | _Path | None = None,
                allow_delete: bool = False):
    """Edits made to a built GeoPackage, ready to write back (:mod:`geoatlas.importer`).

    ``plan.summary()`` and ``plan.diff()`` tell what would change, ``plan.write()`` writes
    the changed CSV rows; an invalid edit raises :class:`ImportRefused`.
    """
    from .importer import plan_import as _plan_import

    return _plan_import(gpkg, workspace, allow_delete)


def init_workspace(path: str | _Path, bbox=None, countries=None, basemap=None,
                   provinces=None, name: str | None = None) -> _Path:
    """Create a working workspace for a region (what ``geoatlas init`` does).

    See :func:`geoatlas.scaffold.init_workspace` for the parameters.
    """
    from .scaffold import init_workspace as _init

    return _init(path, bbox=bbox, countries=countries, basemap=basemap,
                 provinces=provinces, name=name)


def map(gdf, name: str = "layer", style=None, sources=None, title: str | None = None,
        tooltip=None, popup=None, out: str | _Path | None = None):
    """A one-off offline web map of a GeoDataFrame, styled by the atlas's style spec.

    Like ``GeoDataFrame.explore()``, but one self-contained HTML file (``out=``) on the
    offline world basemap; see :func:`geoatlas.quickmap.quick_map` for the parameters.
    """
    from .quickmap import quick_map

    return quick_map(gdf, name=name, style=style, sources=sources, title=title,
                     tooltip=tooltip, popup=popup, out=out)


def __getattr__(name: str):
    """Load :class:`Atlas` (and with it pandas and geopandas) on first use."""
    if name == "Atlas":
        from .atlas import Atlas

        return Atlas
    raise AttributeError(f"module 'geoatlas' has no attribute '{name}'")

__all__ = [
    "Atlas",
    "DataError",
    "GeoatlasDeprecationWarning",
    "GeoatlasError",
    "ImportRefused",
    "OutputError",
    "Problem",
    "QueryError",
    "RecipeError",
    "ValidationError",
    "WhereError",
    "WorkspaceError",
    "__version__",
    "init_workspace",
    "map",
    "open",
    "plan_import",
    "vocabulary",
]
