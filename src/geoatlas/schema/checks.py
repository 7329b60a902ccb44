"""Checking a workspace file against its spec: every header and cell problem at once.

:func:`check_header` reports missing, unknown (with the rename that was probably
meant), badly named and duplicated columns; :func:`check_rows` yields every cell-level
problem of the rows (empty required cells, malformed ids, numbers, dates, codes and
URLs, words outside a vocabulary, control characters, duplicate ids) and the rules
between cells of one row, each as a :class:`~geoatlas.errors.Problem` naming the file
and the line. Nothing is raised: the caller lists them all.

Examples
--------
>>> from geoatlas.schema import TABLES
>>> table = TABLES["sources"]
>>> header = ["titel" if c == "title" else c for c in table.column_names]
>>> [p.message.split(";")[:2] for p in check_header(table, "layers/sources.csv", header)]
[['missing column(s) title', ' expected: id, title, publisher, author, published, \
date_precision, file, url, kind, notes'], ['unknown column(s) titel', ' rename titel -> title']]
>>> rows = [(2, {"id": "Efsas 2023", "title": "A", "kind": "news"})]
>>> [str(p) for p in check_rows(table, "layers/sources.csv", rows)]
["layers/sources.csv:2: 'id' = 'Efsas 2023' is not a lowercase kebab-case slug (e.g. 'mes-aynak')"]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ..errors import Problem
from ..textcheck import BIDI_CONTROLS, bad_characters
from .cells import parse_axis, parse_date, parse_number, split_list
from .tables import FREE_TEXT_COLUMNS, ID_RE, ISO3_RE, Column, Table
from .vocabularies import choices_of

__all__ = ["check_header", "check_rows"]


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
    from ..errors import closest

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
