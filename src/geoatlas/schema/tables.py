"""Column specifications of every workspace file: one :class:`Table` per file.

The specs are declarative: each table names its file, its geometry kind (point, line,
polygon or none) and one :class:`Column` per column, with the column's kind (id, text,
number, date, enum, list, ...), whether it is required, its allowed words (from
:mod:`geoatlas.vocab`) and the table an id must resolve in. Everything that reads,
checks, labels or scaffolds a workspace file reads these specs; nothing here reads a file.

Examples
--------
>>> TABLES["deposits"].path
'layers/deposits.csv'
>>> TABLES["rail"].column("status").choices[:3]
('rumored', 'proposed', 'announced')
>>> [t for t in SPATIAL if TABLES[t].geometry == "line"]
['rail', 'corridors', 'pipelines']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import vocab

__all__ = [
    "ASSET_LAYERS",
    "COMMODITIES",
    "DATE_PRECISIONS",
    "EVENT_KINDS",
    "FREE_TEXT_COLUMNS",
    "ID_RE",
    "ISO3_RE",
    "LOCATION_QUALITIES",
    "MODES",
    "NON_SPATIAL",
    "PLACE_KINDS",
    "REQUIRED_TABLES",
    "SOURCE_KINDS",
    "SPATIAL",
    "STATUSES",
    "SUBJECT_LAYERS",
    "TABLES",
    "Column",
    "Table",
]


# The vocabularies live in geoatlas.vocab (one accessor, extendable per workspace);
# these names stay for the column specs below and for existing callers.
STATUSES = vocab.STATUSES
LOCATION_QUALITIES = vocab.LOCATION_QUALITIES
DATE_PRECISIONS = vocab.DATE_PRECISIONS
PLACE_KINDS = vocab.PLACE_KINDS
COMMODITIES = vocab.COMMODITIES
EVENT_KINDS = vocab.EVENT_KINDS
SOURCE_KINDS = vocab.SOURCE_KINDS
MODES = vocab.MODES
ASSET_LAYERS = ("deposits", "rail", "corridors", "pipelines", "countries")
SUBJECT_LAYERS = vocab.SUBJECT_LAYERS

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ISO3_RE = re.compile(r"^[A-Z]{3}$")
FREE_TEXT_COLUMNS = ("notes", "description", "value_meaning", "estimate_meaning")
"""Columns where a tab or line break is allowed (pasted paragraphs); nowhere else."""


@dataclass(frozen=True)
class Column:
    """One column of a workspace table.

    ``kind`` is one of ``id``, ``text``, ``number``, ``date``, ``enum``, ``list``,
    ``iso3``, ``iso3_list``, ``lat``, ``lon``, ``ids`` (semicolon list of slugs),
    ``axis`` (``lon lat;lon lat`` waypoints). ``ref`` names the table an id or id list
    must resolve in (checked later, across tables).
    """

    name: str
    kind: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    ref: str | None = None
    doc: str = ""
    label: str = ""
    """What people read for this column (popups, legends, QGIS aliases); see
    :func:`field_label` for the default when empty."""


@dataclass(frozen=True)
class Table:
    """A workspace file: where it lives, its columns and its geometry kind."""

    name: str
    path: str
    columns: tuple[Column, ...]
    geometry: str | None = None  # point | line | polygon | None
    doc: str = ""
    optional_columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        """Names of the required-to-exist columns, in file order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """Return the spec of column ``name``."""
        for c in (*self.columns, *self.optional_columns):
            if c.name == name:
                return c
        raise KeyError(name)


def _c(name: str, kind: str = "text", required: bool = False, **kw) -> Column:
    return Column(name, kind, required, **kw)


_SOURCE_IDS = _c("source_ids", "ids", True, ref="sources", doc="documents backing the row")
_NOTES = _c("notes")
_LOCQ = _c("location_quality", "enum", True, choices=LOCATION_QUALITIES)
_DATE_PREC = _c("date_precision", "enum", False, choices=DATE_PRECISIONS)
_STATUS = _c("status", "enum", True, choices=STATUSES)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "sources",
            "layers/sources.csv",
            (
                _c("id", "id", True),
                _c("title", required=True),
                _c("publisher"),
                _c("author"),
                _c("published", "date"),
                _DATE_PREC,
                _c("file", doc="file name under ../shared/sources/ (or sources/)"),
                _c("url", "url"),
                _c("kind", "enum", True, choices=SOURCE_KINDS),
                _NOTES,
            ),
            doc="one row per document cited anywhere in the workspace",
        ),
        Table(
            "places",
            "geo/places.csv",
            (
                _c("id", "id", True),
                _c("name", required=True),
                _c("alt_names", "list"),
                _c("kind", "enum", True, choices=PLACE_KINDS),
                _c("country", "iso3", True),
                _c("lat", "lat", True),
                _c("lon", "lon", True),
                _LOCQ,
                _c("coord_source", "id", True, ref="sources"),
                _SOURCE_IDS,
                _NOTES,
            ),
            geometry="point",
            doc="gazetteer: every place a layer refers to",
        ),
        Table(
            "deposits",
            "layers/deposits.csv",
            (
                _c("id", "id", True),
                _c("name", required=True),
                _c("alt_names", "list"),
                _c("commodities", "list", True, choices=COMMODITIES, doc="first = primary"),
                _c("province"),
                _c("country", "iso3", True),
                _c("lat", "lat", True),
                _c("lon", "lon", True),
                _LOCQ,
                _c("coord_source", "id", True, ref="sources"),
                _c("estimate_value", "number"),
                _c("estimate_unit"),
                _c("estimate_meaning"),
                _SOURCE_IDS,
                _NOTES,
            ),
            geometry="point",
            doc="mineral and hydrocarbon deposits",
        ),
        Table(
            "belts",
            "layers/belts.csv",
            (
                _c("id", "id", True),
                _c("name", required=True),
                _c("axis", "axis", True, doc="ordered waypoints 'lon lat;lon lat;...'"),
                _c("half_width_km", "number", True),
                _c("commodities", "list", False, choices=COMMODITIES),
                _LOCQ,
                _SOURCE_IDS,
                _NOTES,
            ),
            geometry="polygon",
            doc="mineral belts: an axis buffered geodesically by half_width_km",
            optional_columns=(_c("country", "iso3", doc="clip the belt to this country"),),
        ),
        Table(
            "rail",
            "layers/rail.csv",
            (
                _c("id", "id", True),
                _c("name", required=True),
                _c("route", "id"),
                _c("nodes", "ids", True, ref="places", doc="ordered place ids"),
                _STATUS,
                _c("opened", "date"),
                _DATE_PREC,
                _c("operator"),
                _LOCQ,
                _SOURCE_IDS,
                _NOTES,
            ),
            geometry="line",
            doc="rail links between gazetteer places",
        ),
        Table(
            "corridors",
            "layers/corridors.csv",
            (
                _c("id", "id", True),
                _c("name", required=True),
                _c("nodes", "ids", True, ref="places"),
                _c("members", "iso3_list", True),
                _c("modes", "list", False, choices=MODES),
                _STATUS,
                _c("value_usd", "number"),
                _c("value_year", "number"),
                _c("value_meaning"),
                _LOCQ,
                _SOURCE_IDS,
                _NOTES,
            ),
            geometry="line",
            doc="trade and transport corridors as ordered nodes",
        ),
        Table(
            "pipelines",
            "layers/pipelines.csv",
            (
                _c("id", "id", True),
                _c("name", required=True),
                _c("nodes", "ids", True, ref="places", doc="ordered place ids"),
                _c("members", "iso3_list", True),
                _c("commodities", "list", True, choices=COMMODITIES, doc="what it carries"),
                _STATUS,
                _c("opened", "date"),
                _DATE_PREC,
                _c("operator"),
                _c("length_km_stated", "number", doc="length as a source states it"),
                _c("capacity", doc="capacity as a source states it, with its unit"),
                _LOCQ,
                _SOURCE_IDS,
                _NOTES,
            ),
            geometry="line",
            doc="oil and gas pipelines between gazetteer places, styled by status like rail",
        ),
        Table(
            "citations",
            "layers/citations.csv",
            (
                _c("table", "enum", True, choices=(
                    "places", "deposits", "belts", "rail", "corridors", "pipelines",
                    "contracts", "events", "trade")),
                _c("row_id", "id", True, doc="the id of the cited row in that table"),
                _c("source_id", "id", True, ref="sources", doc="one of the row's source_ids"),
                _c("quote", doc="the sentence of the source the row rests on, verbatim; "
                                "empty = reference, unquoted"),
                _NOTES,
            ),
            doc="the sentence each cited document says it in; checked against the text",
        ),
        Table(
            "contracts",
            "layers/contracts.csv",
            (
                _c("id", "id", True),
                _c("asset_layer", "enum", True, choices=ASSET_LAYERS),
                _c("asset_id", "text", True),
                _c("company", required=True),
                _c("company_country", "iso3_list"),
                _c("partners"),
                _c("awarded", "date"),
                _DATE_PREC,
                _c("value_usd", "number"),
                _c("value_min_usd", "number"),
                _c("value_max_usd", "number"),
                _c("value_year", "number"),
                _c("value_meaning"),
                _STATUS,
                _SOURCE_IDS,
                _NOTES,
            ),
            doc="contracts and investments, each tied to one asset",
        ),
        Table(
            "events",
            "layers/events.csv",
            (
                _c("id", "id", True),
                _c("date", "date"),
                _DATE_PREC,
                _c("subject_layer", "enum", True, choices=SUBJECT_LAYERS),
                _c("subject_id", "text", True, doc="an id of subject_layer, or an ISO3 code "
                                                   "when subject_layer is countries"),
                _c("kind", "enum", True, choices=EVENT_KINDS),
                _c("status", "enum", False, choices=STATUSES),
                _c("description", required=True),
                _SOURCE_IDS,
                _NOTES,
            ),
            doc="dated timeline; status = the subject's status from that date on",
        ),
        Table(
            "trade",
            "layers/trade.csv",
            (
                _c("id", "id", True),
                _c("reporter", "iso3", True),
                _c("partner", "text", True),
                _c("period", required=True),
                _c("period_label"),
                _c("measure", required=True),
                _c("value", "number", True),
                _c("unit", required=True),
                _c("as_printed", required=True, doc="the figure exactly as the source prints it"),
                _SOURCE_IDS,
                _NOTES,
            ),
            doc="trade figures exactly as the sources print them",
        ),
    )
}
"""Every table a workspace may hold, by name."""

SPATIAL = ("places", "deposits", "belts", "rail", "corridors", "pipelines")
NON_SPATIAL = ("contracts", "events", "trade", "sources", "citations")
REQUIRED_TABLES = ("sources", "places")
