r"""Edit a CSV file row by row, keeping every byte that is not edited.

``pandas.to_csv`` would rewrite the whole file (quoting, number formats, line endings);
a diff would then show every line. :class:`CsvText` instead keeps the file as lines,
knows which lines each record spans and the raw text of each cell, and replaces only
the cells that change, quoting a new value only where CSV needs it.

Examples
--------
>>> doc = CsvText('id,name,note\r\na,"Alpha",x\r\nb,Beta,"y, z"\r\n')
>>> doc.set_cell("b", "name", "Beta 2")
>>> doc.append({"id": "c", "name": 'C "q" ', "note": ""})
>>> print(doc.text().replace("\r\n", "|"))
id,name,note|a,"Alpha",x|b,Beta 2,"y, z"|c,"C ""q"" ",|
>>> doc.delete("a")
>>> doc.text().count("\r\n")
3
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass


@dataclass
class Record:
    """One CSV record: the lines it spans and the raw text of each of its cells."""

    lines: list[str]
    raw: list[str]
    cells: list[str]
    ending: str


def quote(value: str) -> str:
    """A cell as CSV text: quoted only where needed, quotes doubled.

    >>> quote("plain"), quote("a, b"), quote(" pad")
    ('plain', '"a, b"', '" pad"')
    >>> quote('say "hi"') == '"say ""hi""' + '"'
    True
    """
    if re.search(r'[,"\r\n]', value) or value != value.strip():
        return '"' + value.replace('"', '""') + '"'
    return value


def split_raw(text: str) -> list[str]:
    """Split one record's text (without its line ending) into raw cells, quotes kept.

    >>> split_raw('a,"b, c",,"d ""e"" f"')
    ['a', '"b, c"', '', '"d ""e"" f"']
    """
    out, i, n = [], 0, len(text)
    while True:
        start = i
        if i < n and text[i] == '"':
            i += 1
            while i < n:
                if text[i] == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        i += 2
                        continue
                    break
                i += 1
            i += 1
        while i < n and text[i] != ",":
            i += 1
        out.append(text[start:i])
        if i >= n:
            return out
        i += 1


class CsvText:
    """A CSV file held as text lines, editable by row id without touching other bytes."""

    def __init__(self, text: str):
        self.bom = text.startswith("\ufeff")
        if self.bom:
            text = text[1:]
        lines = re.findall(r"[^\n]*\n|[^\n]+$", text)
        self.newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
        self.records: list[Record] = []
        reader = csv.reader(iter(lines), strict=True)
        done = 0
        for cells in reader:
            span = lines[done:reader.line_num]
            done = reader.line_num
            body = "".join(span)
            ending = body[len(body.rstrip("\r\n")):]
            raw = split_raw(body[: len(body) - len(ending)]) if cells else []
            if len(raw) != len(cells):
                raw = [quote(c) for c in cells]  # unusual quoting: re-quote this record only
            self.records.append(Record(span, raw, cells, ending))
        self.header = [h.strip() for h in self.records[0].cells] if self.records else []

    # -- queries -----------------------------------------------------------------------
    def index(self, ident: str) -> int | None:
        """Position of the record whose ``id`` cell is ``ident`` (None: absent)."""
        col = self.header.index("id")
        for i, rec in enumerate(self.records[1:], start=1):
            if len(rec.cells) > col and rec.cells[col].strip() == ident:
                return i
        return None

    def row(self, ident: str) -> dict[str, str] | None:
        """The cells of row ``ident`` by column name."""
        i = self.index(ident)
        return None if i is None else dict(zip(self.header, self.records[i].cells))

    def line_of(self, ident: str) -> int | None:
        """1-based line number where row ``ident`` starts."""
        i = self.index(ident)
        if i is None:
            return None
        return 1 + sum(len(r.lines) for r in self.records[:i])

    # -- edits -------------------------------------------------------------------------
    def set_cell(self, ident: str, column: str, value: str) -> None:
        """Replace one cell of row ``ident``; the rest of the record keeps its bytes."""
        i = self.index(ident)
        if i is None:
            raise KeyError(ident)
        rec = self.records[i]
        col = self.header.index(column)
        if rec.cells[col] == value:
            return
        rec.cells[col] = value
        rec.raw[col] = quote(value)
        rec.lines = [",".join(rec.raw) + rec.ending]

    def append(self, values: dict[str, str]) -> None:
        """Add a row at the end (cells in header order, missing ones empty)."""
        if self.records and not self.records[-1].ending:
            self.records[-1].ending = self.newline
            self.records[-1].lines[-1] += self.newline
        cells = [values.get(h, "") or "" for h in self.header]
        raw = [quote(c) for c in cells]
        self.records.append(Record([",".join(raw) + self.newline], raw, cells, self.newline))

    def delete(self, ident: str) -> None:
        """Remove row ``ident`` (all of its lines)."""
        i = self.index(ident)
        if i is None:
            raise KeyError(ident)
        del self.records[i]

    def text(self) -> str:
        """The file's text, as it would be written."""
        body = "".join("".join(r.lines) for r in self.records)
        return ("\ufeff" if self.bom else "") + body
