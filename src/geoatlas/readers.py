r"""Raw file reading: CSV text with line numbers, vector files through pyogrio.

This is the I/O edge of the loader. It never drops or reorders rows: every data row of a
CSV comes back with the line it started on, so later checks can point at it.

Examples
--------
>>> import pathlib, tempfile
>>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
>>> _ = p.write_text('id,name\na,Alpha\nb,"Beta, the second"\n', encoding="utf-8")
>>> raw = read_csv(p, "t.csv")
>>> raw.header, [(line, row["name"]) for line, row in raw.rows]
(['id', 'name'], [(2, 'Alpha'), (3, 'Beta, the second')])
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Problem

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd


__all__ = ["RawTable", "read_csv", "read_vector"]


@dataclass
class RawTable:
    """A CSV file as text: header, rows with their line numbers, and read problems."""

    path: str
    header: list[str] = field(default_factory=list)
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_csv(file: Path, shown_path: str) -> RawTable:
    """Read ``file`` as UTF-8 CSV, recording (not raising) every read problem.

    ``shown_path`` is how the file is named in messages (workspace-relative).
    """
    raw = RawTable(shown_path)
    data = file.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raw.problems.append(
            Problem(
                shown_path,
                f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "save the file as UTF-8",
                line=line,
            )
        )
        return raw
    if not text.strip():
        raw.problems.append(
            Problem(shown_path, "file is empty; it needs at least a header line", line=1)
        )
        return raw
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        raw.header = [h.strip() for h in next(reader)]
        start = reader.line_num + 1
        for cells in reader:
            line = start
            start = reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue  # a blank line is not a row
            if len(cells) != len(raw.header):
                raw.problems.append(
                    Problem(
                        shown_path,
                        f"{len(cells)} cells but the header has {len(raw.header)} "
                        "(a missing or extra comma, or an unquoted comma in a value?)",
                        line=line,
                    )
                )
                continue
            raw.rows.append((line, dict(zip(raw.header, cells))))
    except csv.Error as exc:
        raw.problems.append(
            Problem(shown_path, f"CSV syntax error: {exc}", line=reader.line_num)
        )
    return raw


def read_vector(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a GeoParquet file (pyarrow) or any OGR file (pyogrio's Arrow path).

    Columns arrive from GDAL as Arrow arrays, not feature by feature: a million features
    of a GeoPackage or FlatGeobuf read in about a second.
    """
    import geopandas as gpd

    path = Path(path)
    if path.suffix.lower() == ".parquet":
        return gpd.read_parquet(path)
    return gpd.read_file(path, layer=layer, engine="pyogrio", use_arrow=True)
