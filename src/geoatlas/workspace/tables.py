"""Read ``layers/*.csv`` into DataFrames and check every cross-reference between them.

Each table is read as text with its CSV line numbers (:mod:`geoatlas.readers`), checked
cell by cell against :mod:`geoatlas.schema`, and typed (numbers as floats, bad dates
left out of timelines). :func:`check_references` then checks that every id a cell
refers to exists, naming the closest known id when one is near.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..errors import Problem
from ..readers import read_csv
from .report import ProblemLog, hint

__all__ = ["check_references", "read_table"]


def read_table(root: Path, table: schema.Table, log: ProblemLog) -> pd.DataFrame:
    """One table of the workspace as text cells (numbers as floats), by CSV line.

    A missing file gives an empty frame (a problem when the table is required); the
    line of each row id goes to ``log.lines``, the lines of all rows to
    ``frame.attrs["lines"]`` (for tables without ids).
    """
    file = root / table.path
    names = [c.name for c in table.columns]
    if not file.exists():
        if table.name in schema.REQUIRED_TABLES:
            log.problems.append(Problem(table.path, "missing; this file is required"))
        log.lines[table.name] = {}
        return pd.DataFrame(columns=names, dtype=object)
    raw = read_csv(file, table.path)
    log.problems.extend(raw.problems)
    if raw.header:
        log.problems.extend(schema.check_header(table, table.path, raw.header))
        log.problems.extend(schema.check_rows(table, table.path, raw.rows))
    columns = names + [c.name for c in table.optional_columns if c.name in raw.header]
    cells = [row for _, row in raw.rows]  # column by column: fast on 100k rows
    frame = pd.DataFrame({c: pd.Series([(r.get(c) or "").strip() for r in cells],
                                       dtype=object) for c in columns}, columns=columns)
    for col in table.columns:
        if col.kind in ("number", "lat", "lon"):  # bad numbers were reported by check_rows
            frame[col.name] = frame[col.name].map(_number_or_nan).astype(float)
        elif col.kind == "date":  # unparseable dates were reported; keep them out of timelines
            frame[col.name] = frame[col.name].map(lambda v: v if _is_date(v) else "")
    frame.attrs["lines"] = _Lines(line for line, _ in raw.rows)  # for rows without an id
    lines: dict[str, int] = {}
    for line, row in raw.rows:
        lines.setdefault((row.get("id") or "").strip(), line)
    log.lines[table.name] = lines
    return frame


def check_references(frames: dict[str, pd.DataFrame], log: ProblemLog) -> None:
    """Every id a cell refers to must exist in the table it refers to."""
    ids = {name: set(frame["id"]) for name, frame in frames.items() if "id" in frame}
    for name, table in schema.TABLES.items():
        frame = frames[name]
        for col in table.columns:
            if not col.ref or col.name not in frame:
                continue
            known = ids.get(col.ref, set())
            keys = frame["id"] if "id" in frame else [None] * len(frame)
            lines = frame.attrs.get("lines") or [None] * len(frame)
            verdicts: dict[str, list[str]] = {}  # a cell value repeats: decide it once
            for ident, line, text in zip(keys, lines, frame[col.name]):
                bad = verdicts.get(text)
                if bad is None:
                    values = schema.split_list(text) if col.kind == "ids" else [text]
                    bad = verdicts[text] = [v for v in values if v and v not in known]
                if bad:
                    message = (f"'{col.name}' refers to unknown {col.ref} id(s) "
                               f"{', '.join(bad)}{hint(bad[0], known)}")
                    if ident is None:  # a table without ids (citations): by line
                        log.problems.append(Problem(table.path, message, line=line))
                    else:
                        log.problem(name, message, ident)
    _check_polymorphic(frames, log, "contracts", "asset_layer", "asset_id")
    _check_polymorphic(frames, log, "events", "subject_layer", "subject_id")


def _check_polymorphic(frames: dict[str, pd.DataFrame], log: ProblemLog, name: str,
                       layer_col: str, id_col: str) -> None:
    """Ids in a (layer, id) pair of columns: an ISO3 for countries, else an id of that layer."""
    frame = frames[name]
    for ident, layer, target in zip(frame["id"], frame[layer_col], frame[id_col]):
        if not layer or not target:
            continue
        if layer == "countries":
            if not schema.ISO3_RE.match(target):
                log.problem(name, f"'{id_col}' = '{target}' must be an ISO3 code when "
                                  f"{layer_col} is countries", ident)
            continue
        known = set(frames[layer]["id"]) if layer in frames else set()
        if target not in known:
            log.problem(
                name,
                f"'{id_col}' = '{target}' is not an id in {schema.TABLES[layer].path}"
                f"{hint(target, known)}",
                ident,
            )


class _Lines(list):
    """CSV line numbers kept in ``DataFrame.attrs``: never deep-copied.

    pandas deep-copies ``attrs`` after every operation on a frame; a plain list of 100k
    line numbers made each column access O(rows) and ``check`` minutes long.
    """

    def __deepcopy__(self, memo):
        return self


def _number_or_nan(text: str) -> float:
    """A number cell through the one strict parser; empty or bad (already reported): NaN."""
    if not text:
        return np.nan
    try:
        return schema.parse_number(text)
    except ValueError:
        return np.nan


def _is_date(text: str) -> bool:
    try:
        schema.parse_date(text)
    except ValueError:
        return False
    return True
