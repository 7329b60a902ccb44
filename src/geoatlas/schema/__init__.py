"""Column specifications of every workspace file, and the cell-level validation.

The specs are declarative: one :class:`Table` per file, one :class:`Column` per column.
:func:`check_rows` turns raw CSV rows into :class:`~geoatlas.errors.Problem` records,
all of them at once, each naming the file and the line. The parts:
:mod:`~geoatlas.schema.tables` (the specs), :mod:`~geoatlas.schema.cells` (parsing
numbers, dates, lists and axes), :mod:`~geoatlas.schema.checks` (header and row
validation), :mod:`~geoatlas.schema.labels` (column labels people read) and
:mod:`~geoatlas.schema.vocabularies` (the words in force for a workspace); this module
is their public face.

Examples
--------
>>> TABLES["deposits"].path
'layers/deposits.csv'
>>> [c.name for c in TABLES["trade"].columns][:4]
['id', 'reporter', 'partner', 'period']
>>> parse_date("2017-11")
(datetime.date(2017, 11, 1), 'month')
"""

from __future__ import annotations

from .cells import parse_axis, parse_date, parse_number, split_list
from .checks import check_header, check_rows
from .labels import FIELD_LABELS, field_label
from .tables import (
    ASSET_LAYERS,
    COMMODITIES,
    DATE_PRECISIONS,
    EVENT_KINDS,
    FREE_TEXT_COLUMNS,
    ID_RE,
    ISO3_RE,
    LOCATION_QUALITIES,
    MODES,
    NON_SPATIAL,
    PLACE_KINDS,
    REQUIRED_TABLES,
    SOURCE_KINDS,
    SPATIAL,
    STATUSES,
    SUBJECT_LAYERS,
    TABLES,
    Column,
    Table,
)
from .vocabularies import choices_of, vocabulary, workspace_vocabularies

__all__ = [
    "ASSET_LAYERS",
    "COMMODITIES",
    "DATE_PRECISIONS",
    "EVENT_KINDS",
    "FIELD_LABELS",
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
    "check_header",
    "check_rows",
    "choices_of",
    "field_label",
    "parse_axis",
    "parse_date",
    "parse_number",
    "split_list",
    "vocabulary",
    "workspace_vocabularies",
]
