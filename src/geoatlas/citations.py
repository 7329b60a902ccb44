r"""Citations that prove themselves: every quote is checked against its document's text.

``layers/citations.csv`` holds one row per (table, row id, source id) with the sentence
of that source the row rests on. A table of citations, rather than a ``quote`` column on
each layer, because a row cites several documents and each needs its own sentence; and
the layer files keep their shape. When the cited source has a ``file`` and that file is
present (``sources/`` in the workspace, or ``../shared/sources/`` beside it), the quote
must occur in its text after :func:`normalize` (case, whitespace and line breaks, curly
and straight quotes, dashes, Markdown escapes and emphasis). A cited source with no
quote is a *reference, unquoted*: :func:`mark_unquoted` lists those per row in the
``unquoted_sources`` column so that maps can show the citation as weaker.

Examples
--------
>>> normalize("China  “momentarily”\nimports — Afghan\\$ goods")
'china "momentarily" imports - afghan$ goods'
>>> quote_found("Ghazni Province is believed", "... *Ghazni   Province* is\nbelieved to be ...")
True
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import schema
from .errors import Problem

__all__ = ["UNQUOTED_COLUMN", "UNQUOTED_HINT", "check", "document_path", "mark_unquoted",
           "normalize", "quote_found"]

UNQUOTED_COLUMN = "unquoted_sources"
"""Column added to every layer and table citing sources: the cited source ids that have
no supporting quote in ``citations.csv`` (semicolon-separated; empty = all quoted)."""
UNQUOTED_HINT = "No supporting sentence recorded; the reference is cited as a whole"
"""What every map says (tooltip of its "unquoted" mark) of a source cited without a quote."""
CITATIONS = "layers/citations.csv"
_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-", "\u00a0": " ",
})
_MARKUP = re.compile(r"\\(?=[^\w\s])|[*_]{1,3}(?=\w|\s|$)|(?<=\w)[*_]{1,3}")


def normalize(text: str) -> str:
    r"""Fold ``text`` for quote matching.

    Unicode NFKC; curly quotes, primes and backticks to straight quotes; every dash to
    ``-``; Markdown backslash escapes and ``*``/``_`` emphasis dropped; whitespace and
    line breaks collapsed to one space; case folded.

    >>> normalize("  A\u2013B\n  “c” ")
    'a-b "c"'
    """
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = _MARKUP.sub("", text)
    return " ".join(text.split()).casefold()


def quote_found(quote: str, document: str) -> bool:
    """True if ``quote`` occurs in ``document`` once both are :func:`normalize`-d."""
    return normalize(quote) in normalize(document)


def document_path(root: Path, file: str) -> Path | None:
    """Where the text of a source ``file`` is: ``sources/`` or ``../shared/sources/``.

    Only plain file names are looked up (no folders), so a cell cannot point outside.
    """
    if not file or Path(file).name != file or file in (".", ".."):
        return None
    for folder in (root / "sources", root.parent / "shared" / "sources"):
        candidate = folder / file
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=32)
def _normalized_text(path: Path, mtime: float) -> str:
    return normalize(path.read_text(encoding="utf-8", errors="replace"))


def check(root: Path, frames: Mapping[str, pd.DataFrame]) -> list[Problem]:
    """Every problem of ``citations.csv``: unknown rows, uncited sources, quotes not found.

    ``frames`` are the workspace's tables as read (by table name); the citations frame
    carries its CSV line numbers in ``attrs["lines"]``.
    """
    cites = frames.get("citations")
    if cites is None or cites.empty:
        return []
    lines = cites.attrs.get("lines") or [None] * len(cites)
    sources = frames["sources"].set_index("id", drop=False) if "sources" in frames else None
    cited = {
        name: dict(zip(frame["id"], frame["source_ids"]))
        for name, frame in frames.items()
        if "id" in frame and "source_ids" in frame
    }
    problems = []
    for line, row in zip(lines, cites.itertuples(index=False)):
        table, rid, sid, quote = row.table, row.row_id, row.source_id, row.quote or ""
        if table not in cited:
            continue  # the enum check already reported it
        if rid not in cited[table]:
            problems.append(Problem(CITATIONS, f"row_id '{rid}' is not an id in "
                                    f"{schema.TABLES[table].path}", line=line))
            continue
        if sid not in schema.split_list(cited[table][rid]):
            problems.append(Problem(
                CITATIONS, f"{table} row '{rid}' does not cite '{sid}' in its source_ids; "
                "add it there or remove this citation", line=line))
            continue
        if not quote or sources is None or sid not in sources.index:
            continue
        file = sources.loc[sid, "file"]
        path = document_path(root, file) if isinstance(file, str) else None
        if path is None:
            continue  # the document is not here: the quote cannot be checked
        if normalize(quote) not in _normalized_text(path, path.stat().st_mtime):
            shown = quote if len(quote) <= 90 else quote[:87] + "..."
            problems.append(Problem(
                CITATIONS, f"quote for {table} row '{rid}' not found in {file} "
                f"(source '{sid}'): \"{shown}\"; copy the sentence exactly as the "
                "document prints it", line=line))
    return problems


def mark_unquoted(frames: Mapping[str, pd.DataFrame], citations: pd.DataFrame) -> None:
    """Add :data:`UNQUOTED_COLUMN` to every frame with ``id`` and ``source_ids`` (in place).

    >>> f = pd.DataFrame({"id": ["a"], "source_ids": ["doc;ref"]})
    >>> c = pd.DataFrame({"table": ["deposits"], "row_id": ["a"], "source_id": ["doc"],
    ...                   "quote": ["It is there."]})
    >>> mark_unquoted({"deposits": f}, c)
    >>> f.loc[0, "unquoted_sources"]
    'ref'
    """
    quoted = {
        (t, r, s) for t, r, s, q in zip(citations["table"], citations["row_id"],
                                        citations["source_id"], citations["quote"])
        if isinstance(q, str) and q.strip()
    }
    for name, frame in frames.items():
        if name in ("sources", "citations") or "id" not in frame or "source_ids" not in frame:
            continue
        frame[UNQUOTED_COLUMN] = [
            ";".join(s for s in schema.split_list(ids) if (name, str(rid), s) not in quoted)
            for rid, ids in zip(frame["id"], frame["source_ids"])
        ]
