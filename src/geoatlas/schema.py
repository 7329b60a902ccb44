"""Column specifications of every workspace file, and the cell-level validation.

The specs are declarative: one :class:`Table` per file, one :class:`Column` per column.
:func:`check_rows` turns raw CSV rows into :class:`~geoatlas.errors.Problem` records,
all of them at once, each naming the file and the line.

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

import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from . import vocab
from .errors import Problem
from .textcheck import BIDI_CONTROLS, bad_characters

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
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
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


def parse_date(text: str) -> tuple[dt.date, str]:
    """Parse an ISO 8601 date that may be partial.

    Returns the first day of the period and its precision.

    Examples
    --------
    >>> parse_date("2024-11-23")
    (datetime.date(2024, 11, 23), 'day')
    >>> parse_date("2016")
    (datetime.date(2016, 1, 1), 'year')
    """
    m = _DATE_RE.match(text.strip())
    if not m:
        raise ValueError(f"'{text}' is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = m.group(1), m.group(2), m.group(3)
    try:
        if day:
            return dt.date(int(year), int(month), int(day)), "day"
        if month:
            return dt.date(int(year), int(month), 1), "month"
        return dt.date(int(year), 1, 1), "year"
    except ValueError as exc:
        raise ValueError(f"'{text}' is not a real date ({exc})") from None


def parse_number(text: str) -> float:
    """Parse a number cell strictly: the one parser of every numeric column.

    Accepted: ASCII digits with an optional sign, decimal point and exponent
    (``3000000000``, ``3e9``, ``-12.5``, ``0.25``). Rejected with a message that says what
    to write instead: thousands separators (``1,000``), underscores (``3_000_000_000``),
    units, spaces inside, non-ASCII digits, ``nan``, ``inf`` and values too large for a
    float (``1e400``). Nothing becomes NaN or infinity silently.

    Examples
    --------
    >>> parse_number("3e9"), parse_number("-12.5"), parse_number(" 3000000000 ")
    (3000000000.0, -12.5, 3000000000.0)
    >>> for bad in ("3_000_000_000", "1,000", "1e400", "nan"):
    ...     try:
    ...         parse_number(bad)
    ...     except ValueError as exc:
    ...         print(str(exc).split(": ")[0], "|", str(exc).rpartition("(")[2])
    '3_000_000_000' is not a number | no underscores)
    '1,000' is not a number | a decimal comma? write a point: 34.2691; no thousands separators)
    '1e400' is too large for a number (the limit is about 1.8e308) | the limit is about 1.8e308)
    'nan' is not a number | NaN and infinity are not numbers here; leave the cell empty if unknown)
    """
    stripped = text.strip()
    if not _NUMBER_RE.fullmatch(stripped):
        raise ValueError(f"'{text}' is not a number: write digits only, e.g. 3000000000 or "
                         f"3e9{_number_hint(stripped)}")
    value = float(stripped)
    if not math.isfinite(value):
        raise ValueError(f"'{text}' is too large for a number (the limit is about 1.8e308)")
    return value


def _number_hint(text: str) -> str:
    low = text.lower()
    if low.lstrip("+-") in ("nan", "inf", "infinity"):
        return " (NaN and infinity are not numbers here; leave the cell empty if unknown)"
    if "_" in text:
        return " (no underscores)"
    if re.fullmatch(r"[+-]?\d+,\d+", text, re.ASCII):
        return " (a decimal comma? write a point: 34.2691; no thousands separators)"
    if "," in text:
        return " (no thousands separators)"
    if any(ch.isdigit() and not ch.isascii() for ch in text):
        return " (ASCII digits 0-9 only)"
    if re.match(r"[+-]?[\d.]+", text, re.ASCII):
        return " (no units or trailing text)"
    return ""


def split_list(text) -> list[str]:
    """Split a semicolon-separated cell into stripped, non-empty items (None/NaN: none).

    >>> split_list(" copper; gold ;")
    ['copper', 'gold']
    >>> split_list(float("nan"))
    []
    """
    if not isinstance(text, str):
        return []
    return [item.strip() for item in text.split(";") if item.strip()]


def parse_axis(text: str) -> list[tuple[float, float]]:
    """Parse ``'lon lat;lon lat'`` waypoints.

    >>> parse_axis("62.2 34.3; 69.1 35.2")
    [(62.2, 34.3), (69.1, 35.2)]
    """
    points = []
    for item in split_list(text):
        parts = item.replace(",", " ").split()
        if len(parts) != 2:
            raise ValueError(f"waypoint '{item}' is not 'lon lat'")
        lon, lat = parse_number(parts[0]), parse_number(parts[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(f"waypoint '{item}' is out of range (lon -180..180, lat -90..90)")
        points.append((lon, lat))
    if len(points) < 2:
        raise ValueError("an axis needs at least two waypoints 'lon lat;lon lat'")
    return points


def check_header(table: Table, path: str, header: list[str]) -> list[Problem]:
    """Report missing and unknown columns of ``header`` against ``table``."""
    problems = []
    known = {c.name for c in (*table.columns, *table.optional_columns)}
    missing = [c for c in table.column_names if c not in header]
    if missing:
        problems.append(
            Problem(path, f"missing column(s) {', '.join(missing)}; "
                    f"expected: {', '.join(table.column_names)}", line=1)
        )
    unknown = [h for h in header if h not in known]
    if unknown:
        renames = _renames(unknown, [c for c in table.column_names if c not in header])
        problems.append(
            Problem(path, f"unknown column(s) {', '.join(unknown)}; "
                    f"{renames}allowed: {', '.join(sorted(known))}", line=1)
        )
    for h in header:
        bad = bad_characters(h)
        if bad:
            problems.append(Problem(path, f"column name {h!r} contains {bad}; remove it",
                                    line=1))
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        problems.append(Problem(path, f"duplicate column(s) {', '.join(dupes)}", line=1))
    return problems


_SYNONYMS = {"latitude": "lat", "longitude": "lon", "long": "lon", "lng": "lon", "y": "lat",
             "x": "lon"}


def _renames(unknown: list[str], missing: list[str]) -> str:
    """Suggest renames of unknown columns that mean a missing one (synonym or spelling).

    >>> _renames(["latitude", "longitude"], ["lat", "lon"])
    'rename latitude -> lat, longitude -> lon; '
    """
    from .errors import closest

    pairs = []
    for name in unknown:
        guess = _SYNONYMS.get(name.lower())
        if guess not in missing:
            close = closest(name, missing, n=1)
            guess = close[0] if close else None
        if guess:
            pairs.append(f"{name} -> {guess}")
    return f"rename {', '.join(pairs)}; " if pairs else ""


def check_rows(
    table: Table, path: str, rows: Iterable[tuple[int, dict[str, str]]]
) -> Iterator[Problem]:
    """Yield every cell-level problem of ``rows`` (``(line, {column: text})`` pairs).

    Fast on 100k rows: one regex screens a whole row for control characters, and the
    verdict on a repeated value of a vocabulary column (country, commodity, source ids,
    ...) is computed once.
    """
    columns = [c for c in (*table.columns, *table.optional_columns)]
    seen_ids: dict[str, int] = {}
    verdicts: dict[tuple[str, str], str | None] = {}
    for line, row in rows:
        if _SUSPECT.search("".join(row.values())):
            for name, cell in row.items():
                bad = bad_characters(cell or "", free_text=name in FREE_TEXT_COLUMNS)
                if bad:
                    yield Problem(path, f"'{name}' contains {bad}; remove it (control and "
                                        "bidi characters are not allowed)", line=line)
        for col in columns:
            text = row.get(col.name)
            if text is None:
                continue
            text = text.strip()
            if not text:
                if col.required:
                    yield Problem(path, f"'{col.name}' is empty; it is required", line=line)
                continue
            if col.kind == "text" and not col.choices:
                continue  # free text: nothing more to check
            if col.kind in _REPEATED_KINDS:
                key = (col.name, text)
                if key not in verdicts:
                    verdicts[key] = _check_cell(col, text)
                message = verdicts[key]
            else:
                message = _check_cell(col, text)
            if message:
                yield Problem(path, message, line=line)
        ident = (row.get("id") or "").strip()
        if ident:
            if ident in seen_ids:
                yield Problem(
                    path, f"duplicate id '{ident}' (first on line {seen_ids[ident]})", line=line
                )
            else:
                seen_ids[ident] = line
        yield from _check_row(table, path, line, row)


_REPEATED_KINDS = ("enum", "list", "ids", "iso3", "iso3_list", "date", "url")
_SUSPECT = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}]")


def _check_cell(col: Column, text: str) -> str | None:
    name = col.name
    kind = col.kind
    if kind == "id" and not ID_RE.match(text):
        return f"'{name}' = '{text}' is not a lowercase kebab-case slug (e.g. 'mes-aynak')"
    if kind == "number":
        try:
            parse_number(text)
        except ValueError as exc:
            return f"'{name}': {exc}"
    if kind in ("lat", "lon"):
        try:
            value = parse_number(text)
        except ValueError as exc:
            return f"'{name}': {exc}"
        limit = 90 if kind == "lat" else 180
        if not -limit <= value <= limit:
            return f"'{name}' = {value} is out of range (-{limit}..{limit})"
    if kind == "date":
        try:
            parse_date(text)
        except ValueError as exc:
            return f"'{name}': {exc}"
    choices = choices_of(col)
    if kind == "enum" and text not in choices:
        return f"'{name}' = '{text}' is not one of: {', '.join(choices)}"
    if kind == "list" and choices:
        bad = [v for v in split_list(text) if v not in choices]
        if bad:
            return (f"'{name}' has unknown value(s) {', '.join(bad)}; "
                    f"allowed: {', '.join(choices)}")
    if kind == "ids":
        bad = [v for v in split_list(text) if not ID_RE.match(v)]
        if bad:
            return f"'{name}' has id(s) that are not kebab-case slugs: {', '.join(bad)}"
    if kind == "iso3" and not ISO3_RE.match(text):
        return f"'{name}' = '{text}' is not an ISO 3166-1 alpha-3 code (e.g. AFG)"
    if kind == "iso3_list":
        bad = [v for v in split_list(text) if not ISO3_RE.match(v)]
        if bad:
            return f"'{name}' has value(s) that are not ISO3 codes: {', '.join(bad)}"
    if kind == "axis":
        try:
            parse_axis(text)
        except ValueError as exc:
            return f"'{name}': {exc}"
    if kind == "url" and not re.match(r"^https?://\S+$", text):
        return f"'{name}' = '{text}' is not an http(s) URL"
    return None


def _check_row(table: Table, path: str, line: int, row: dict[str, str]) -> Iterator[Problem]:
    """Row-level rules that involve more than one cell."""
    if "date_precision" in row:
        date_col = next(
            (c for c in ("date", "opened", "awarded", "published") if c in row), None
        )
        if date_col is not None:
            text = (row.get(date_col) or "").strip()
            prec = (row.get("date_precision") or "").strip()
            if text and prec and prec != "unknown":
                try:
                    _, actual = parse_date(text)
                except ValueError:
                    actual = None
                if actual and actual != prec:
                    yield Problem(
                        path,
                        f"'{date_col}' = '{text}' has precision '{actual}' but "
                        f"date_precision says '{prec}'",
                        line=line,
                    )
            if not text and prec and prec != "unknown":
                yield Problem(
                    path,
                    f"date_precision is '{prec}' but '{date_col}' is empty "
                    "(use 'unknown' for undated facts)",
                    line=line,
                )
    if table.name == "contracts":
        lo, hi = row.get("value_min_usd", "").strip(), row.get("value_max_usd", "").strip()
        try:
            if lo and hi and parse_number(lo) > parse_number(hi):
                yield Problem(path, f"value_min_usd {lo} is above value_max_usd {hi}", line=line)
        except ValueError:
            pass
    if table.name in ("rail", "corridors", "pipelines"):
        nodes = split_list(row.get("nodes", ""))
        if nodes and len(nodes) < 2:
            yield Problem(path, "'nodes' needs at least two place ids", line=line)


FIELD_LABELS = {
    "alt_names": "also known as",
    "coord_source": "coordinates from",
    "source_ids": "sources",
    "location_quality": "location",
    "iso3": "country",
    "company_country": "company country",
    "members": "member countries",
    "status_since": "status since",
    "status_note": "status note",
    "n_contracts": "contracts",
    "contract_ids": "contracts",
    "primary_commodity": "main commodity",
    "date_precision": "date precision",
    "half_width_km": "half-width (km)",
    "subject_layer": "about (layer)",
    "subject_id": "about",
    "as_printed": "as printed",
}
"""People's labels of columns, including those the joins add (``companies``...)."""

_UNIT_SUFFIXES = (("_usd", " (USD)"), ("_km", " (km)"), ("_mt", " (Mt)"))


def field_label(field: str, table: str | None = None) -> str:
    """The label people read for a column: ``contract_value_usd`` -> ``contract value (USD)``.

    The column spec's ``label`` wins, then :data:`FIELD_LABELS`, then a rule: a unit
    suffix becomes the unit in parentheses and underscores become spaces.

    Examples
    --------
    >>> field_label("contract_value_usd"), field_label("length_km")
    ('contract value (USD)', 'length (km)')
    >>> field_label("alt_names", "places"), field_label("status")
    ('also known as', 'status')
    """
    if table in TABLES:
        try:
            label = TABLES[table].column(field).label
        except KeyError:
            label = ""
        if label:
            return label
    if field in FIELD_LABELS:
        return FIELD_LABELS[field]
    for suffix, unit in _UNIT_SUFFIXES:
        if field.endswith(suffix) and len(field) > len(suffix):
            return field[: -len(suffix)].replace("_", " ") + unit
    return field.replace("_", " ")


# -- vocabularies a workspace may extend (geoatlas.toml) -------------------------------
_WORKSPACE_VOCABULARIES: ContextVar[Mapping[str, tuple[str, ...]] | None] = ContextVar(
    "geoatlas_workspace_vocabularies", default=None)


def vocabulary(name: str) -> tuple[str, ...]:
    """The words of vocabulary ``name`` (``commodities`` or ``statuses``) in force.

    The packaged words, then those the workspace being loaded declares in its
    ``geoatlas.toml`` (see :func:`workspace_vocabularies`). Every check calls this.

    >>> "scandium" in vocabulary("commodities")
    False
    >>> with workspace_vocabularies({"commodities": ("scandium",)}):
    ...     vocabulary("commodities")[-1]
    'scandium'
    """
    base = {"commodities": COMMODITIES, "statuses": STATUSES}[name]
    extra = (_WORKSPACE_VOCABULARIES.get() or {}).get(name, ())
    return base + tuple(w for w in extra if w not in base)


@contextmanager
def workspace_vocabularies(extra: Mapping[str, Iterable[str]]) -> Iterator[None]:
    """Within the block, :func:`vocabulary` includes a workspace's extra words."""
    token = _WORKSPACE_VOCABULARIES.set({k: tuple(v) for k, v in extra.items()})
    try:
        yield
    finally:
        _WORKSPACE_VOCABULARIES.reset(token)


def choices_of(col: Column) -> tuple[str, ...]:
    """The allowed values of a column: its vocabulary in force, else its fixed choices."""
    if col.choices == COMMODITIES:
        return vocabulary("commodities")
    if col.choices == STATUSES:
        return vocabulary("statuses")
    return col.choices
