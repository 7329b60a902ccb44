"""The :class:`Catalog`: everything a workspace holds, validated, ready for every consumer.

Loading (:mod:`.loader`) produces it; the :class:`~geoatlas.atlas.Atlas`, the renderers
and the query verbs read it. Nothing downstream re-reads the workspace's files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .. import timeline
from ..config import WorkspaceConfig

__all__ = ["Catalog"]


@dataclass
class Catalog:
    """Everything a workspace holds, validated, in EPSG:4326, indexed by id.

    ``layers`` maps names to GeoDataFrames (basemap ``countries`` and ``provinces``,
    ``places``, ``deposits``, ``belts``, ``rail``, ``corridors`` and any OGR file dropped
    into ``layers/``); ``tables`` maps names to plain DataFrames (``contracts``,
    ``events``, ``trade``, ``sources``); ``histories`` holds each subject's status
    transitions, by layer then id; ``lines`` maps table -> id -> CSV line.
    """

    root: Path
    layers: dict[str, gpd.GeoDataFrame]
    tables: dict[str, pd.DataFrame]
    histories: dict[str, dict[str, list[timeline.Transition]]] = field(default_factory=dict)
    lines: dict[str, dict[str, int]] = field(default_factory=dict)
    basemap: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    """Every layer of ``geo/basemap.gpkg`` (``countries``, ``provinces``,
    ``country_labels``, ``cities``, ...), for renderers; see :mod:`geoatlas.basemap`."""
    basemap_info: dict[str, str] = field(default_factory=dict)
    """The basemap's ``basemap_info`` table (source, scale, licence, bbox, credit)."""
    config: WorkspaceConfig = field(default_factory=WorkspaceConfig)
    """What the workspace's ``geoatlas.toml`` declares (vocabularies, defaults, name)."""
    added: dict[str, dict] = field(default_factory=dict)
    """Layers added from Python (:meth:`Atlas.with_layer`): name -> recipe layer entry."""
