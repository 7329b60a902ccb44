"""geoatlas: curated, cited geographic data turned into maps analysts trust and share.

Examples
--------
>>> import geoatlas
>>> atlas = geoatlas.open()            # the default workspace   # doctest: +SKIP
>>> atlas.layers                                                  # doctest: +SKIP
['countries', 'provinces', 'places', 'deposits', 'belts', 'rail', 'corridors']
>>> atlas.deposits.loc["mes-aynak", "province"]                   # doctest: +SKIP
'Logar'

Importing this package stays light: renderers (folium, matplotlib, rasterio) load only
when a map is built.
"""

from .atlas import Atlas, open
from .errors import (
    DataError,
    GeoatlasError,
    OutputError,
    Problem,
    QueryError,
    RecipeError,
    ValidationError,
    WorkspaceError,
)

__version__ = "0.1.0"

__all__ = [
    "Atlas",
    "DataError",
    "GeoatlasError",
    "OutputError",
    "Problem",
    "QueryError",
    "RecipeError",
    "ValidationError",
    "WorkspaceError",
    "__version__",
    "open",
]
