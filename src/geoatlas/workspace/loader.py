"""Load a workspace in one pass: every reader and check in order, into one :class:`Catalog`.

The steps: the basemap (:mod:`.geo`), the tables and their references (:mod:`.tables`),
the geometries per kind (:mod:`.features`), the spatial checks (:mod:`.spatial`), the
dropped-in files (:mod:`.dropins`), the recipes' text (:mod:`.recipetext`), the
citations, the status histories and the joins. Every step adds its problems to one
:class:`~.report.ProblemLog` instead of raising; :func:`load` raises them all at once.

Examples
--------
>>> from geoatlas.workspace.find import REPO_ROOT
>>> catalog = load(REPO_ROOT / "tests" / "fixtures" / "mini")
>>> sorted(catalog.tables)
['citations', 'contracts', 'events', 'sources', 'trade']
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from .. import citations, joins, schema, timeline
from ..config import WorkspaceConfig, read_config
from ..errors import Problem, ValidationError
from .catalog import Catalog
from .dropins import extra_layers
from .features import belt_layer, line_layer, point_layer
from .find import find_workspace
from .geo import read_basemap
from .recipetext import scan_recipes
from .report import ProblemLog, problem_order
from .spatial import check_in_country, check_in_province
from .tables import check_references, read_table

__all__ = ["DATE_COLUMNS", "load", "validate"]

DATE_COLUMNS = {"contracts": "awarded", "rail": "opened", "corridors": None, "pipelines": "opened"}


def load(root: str | Path | None = None) -> Catalog:
    """Load and validate a workspace; raise :class:`ValidationError` listing every problem."""
    catalog, problems = _load(find_workspace(root))
    if problems:
        raise ValidationError(problems)
    return catalog


def validate(root: str | Path | None = None) -> tuple[Catalog | None, list[Problem]]:
    """Load a workspace and return ``(catalog, problems)`` without raising on bad data."""
    return _load(find_workspace(root))


def _load(root: Path) -> tuple[Catalog | None, list[Problem]]:
    config, problems = read_config(root)
    log = ProblemLog()
    log.problems.extend(problems)
    with schema.workspace_vocabularies(config.vocabularies()):
        return _assemble(root, config, log)


def _assemble(root: Path, config: WorkspaceConfig,
              log: ProblemLog) -> tuple[Catalog | None, list[Problem]]:
    basemap, basemap_extras, basemap_info = read_basemap(root, log)
    frames = {table.name: read_table(root, table, log) for table in schema.TABLES.values()}
    check_references(frames, log)
    layers = _built_in_layers(frames, basemap, log)
    layers.update(extra_layers(root, frames["sources"], log))
    log.problems.extend(scan_recipes(root))
    tables = {n: frames[n] for n in schema.NON_SPATIAL}
    log.problems.extend(citations.check(root, frames))
    citations.mark_unquoted({**layers, **tables}, frames["citations"])
    hist = _histories(layers, tables, log)
    joins.attach(layers, tables, hist)
    catalog = Catalog(root, layers, tables, hist, log.lines,
                      basemap={**basemap_extras, **basemap},
                      basemap_info=basemap_info, config=config)
    return catalog, sorted(log.problems, key=problem_order)


def _built_in_layers(frames: dict[str, pd.DataFrame], basemap: dict[str, gpd.GeoDataFrame],
                     log: ProblemLog) -> dict[str, gpd.GeoDataFrame]:
    """The basemap layers and the CSV layers as geometries, checked against the basemap."""
    layers: dict[str, gpd.GeoDataFrame] = dict(basemap)
    layers["places"] = point_layer(frames["places"])
    layers["deposits"] = point_layer(frames["deposits"])
    layers["belts"] = belt_layer(frames["belts"], basemap.get("countries"), log)
    for name in ("rail", "corridors", "pipelines"):
        layers[name] = line_layer(frames[name], layers["places"])
    if "countries" in basemap:
        for name in ("places", "deposits"):
            check_in_country(name, layers[name], basemap["countries"], log)
    if "provinces" in basemap:
        check_in_province(layers["deposits"], basemap["provinces"], log)
    return layers


def _histories(layers, tables,
               log: ProblemLog) -> dict[str, dict[str, list[timeline.Transition]]]:
    """Each subject's status transitions; a status that disagrees with its events is a problem."""
    events = tables["events"]
    hist = {}
    for name, date_col in DATE_COLUMNS.items():
        frame = tables[name] if name in tables else layers[name]
        hist[name] = timeline.histories(events, name, frame, date_col)
        for ident, status in zip(frame["id"], frame["status"]):
            h = hist[name].get(ident)
            implicit = h and h[-1].event_id.startswith(ident + ":")
            if h and status and h[-1].status != status and not implicit:
                log.problem(
                    name,
                    f"status '{status}' disagrees with its latest event "
                    f"({h[-1].event_id}: '{h[-1].status}'); make them agree",
                    ident,
                )
    return hist
