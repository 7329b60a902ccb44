"""Credits of the print map: the attribution under it and the sources pages of the PDF.

Under the map, at most three lines: the basemap's credit from its own metadata, the
recipe's credits, the exact projection, and the publishers of the documents cited by
the features shown (:mod:`geoatlas.render.credits`), counted where they do not fit.
After the map, the PDF lists every cited document: publisher, date, title and file.
"""

from __future__ import annotations

import re

from ..credits import cited_documents, publishers
from ..mapframe import PAGE_IN, describe_crs
from .symbols import INK, MUTED
from .text import literal_text, rc_params, wrap_measured

__all__ = ["ATTRIBUTION_PT", "MAX_ATTRIBUTION_LINES", "SOURCES_NOTE", "SOURCES_PT",
           "attribution_lines", "sources_pages"]

ATTRIBUTION_PT = 6.3
MAX_ATTRIBUTION_LINES = 3
SOURCES_NOTE = "Full list of sources: page 2 of the PDF."
SOURCES_PT = 6.4


def attribution_lines(atlas, recipe, shown, crs, width_pt: float, renderer=None,
                      max_lines: int = MAX_ATTRIBUTION_LINES) -> list[str]:
    """The attribution under the map: credits, projection, publishers, pointer to page 2.

    The basemap credit comes from the basemap's own metadata
    (:attr:`geoatlas.Atlas.basemap_credit`); a ``Basemap: ...`` sentence in the recipe's
    credits is replaced by it. Publishers are listed once each; when they
    do not fit in ``max_lines`` the rest are counted. Full titles are on page 2 of the
    PDF (:func:`sources_pages`).

    Returns
    -------
    list of str
        At most ``max_lines`` lines, each at most ``width_pt`` wide.
    """
    credits = " ".join(sentence for sentence in re.split(r"(?<=\.)\s+", recipe.credits.strip())
                       if sentence and not sentence.lower().startswith("basemap:"))
    first = f"{atlas.basemap_credit} {credits} Projection: {describe_crs(crs)}."
    first = " ".join(first.split())
    pubs = publishers(atlas, shown)
    lines = wrap_measured(first, width_pt, ATTRIBUTION_PT, renderer)
    if not pubs:
        return [*lines, "No documents are cited by the features shown."][:max_lines]
    n_docs = len(cited_documents(atlas, shown))
    for k in range(len(pubs), 0, -1):
        rest = len(pubs) - k
        more = f"; and {rest} more" if rest else ""
        second = (f"Sources ({n_docs} documents) by publisher: " + "; ".join(pubs[:k])
                  + more + f". {SOURCES_NOTE}")
        wrapped = wrap_measured(second, width_pt, ATTRIBUTION_PT, renderer)
        if len(lines) + len(wrapped) <= max_lines:
            return lines + wrapped
    return (lines + wrap_measured(f"Sources: {n_docs} documents. {SOURCES_NOTE}", width_pt,
                                  ATTRIBUTION_PT, renderer))[:max_lines]


def sources_pages(atlas, recipe, shown, size=None) -> list:
    """The pages after the map in the PDF: every cited document, title, publisher, date.

    Parameters
    ----------
    atlas : Atlas
        The workspace.
    recipe : Recipe
        The map's recipe (its title heads the list).
    shown : sequence of PreparedLayer
        The layers drawn.
    size : sequence of float, optional
        Page size in inches (default: A4 landscape).

    Returns
    -------
    list of matplotlib.figure.Figure
        One or more pages; their texts carry the gid ``source:<id>``.
    """
    import matplotlib

    docs = cited_documents(atlas, shown)
    w, h = (float(v) for v in (size or PAGE_IN))
    pages = []
    with matplotlib.rc_context(rc_params()):
        col_w_pt = (w - 2 * 0.5 - 0.3) / 2 * 72
        entries = [(str(row.id), wrap_measured(_source_line(row), col_w_pt - 10, SOURCES_PT))
                   for row in docs.itertuples(index=False)]
        line_h = SOURCES_PT * 1.3 / 72
        top, bottom = h - 0.95, 0.4
        cols = _columns(entries, int((top - bottom) / line_h))
        for start in range(0, max(len(cols), 1), 2):
            pages.append(_sources_page(recipe, len(docs), cols[start:start + 2],
                                       2 + start // 2, (w, h), top, line_h))
    return pages


def _source_line(row) -> str:
    """``Publisher, date — Title. File: name.`` for one row of ``sources``."""
    pub = str(getattr(row, "publisher", "") or "").strip()
    date = str(getattr(row, "published", "") or "").strip()
    loc = str(getattr(row, "file", "") or "").strip()
    text = " ".join(str(row.title).split())
    meta = ", ".join(x for x in (pub, date) if x)
    line = f"{meta} — {text}." if meta else f"{text}."
    if loc:
        line += f" File: {loc}."
    return line


def _columns(entries: list, per_col: int) -> list[list]:
    """Entries (id, wrapped lines) flowed into columns of ``per_col`` lines."""
    cols: list[list] = [[]]
    used = 0
    for ident, wrapped in entries:
        need = len(wrapped) + 0.25
        if used + need > per_col and cols[-1]:
            cols.append([])
            used = 0
        cols[-1].append((ident, wrapped))
        used += need
    return cols


def _sources_page(recipe, n_docs: int, cols: list[list], page_no: int, size, top: float,
                  line_h: float):
    """One page of the list of sources: a heading and up to two columns."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    w, h = size
    fig = Figure(figsize=(w, h), dpi=100, facecolor="white")
    FigureCanvasAgg(fig)
    fig.text(0.5 / w, (h - 0.45) / h, f"Sources of the map “{recipe.title}”",
             ha="left", va="top", fontsize=12, fontweight="bold", color=INK)
    fig.text(0.5 / w, (h - 0.72) / h,
             f"Every document cited by the features shown ({n_docs}), by "
             f"publisher: publisher, date — title. Page {page_no}.",
             ha="left", va="top", fontsize=7.5, color=MUTED)
    for c, col in enumerate(cols):
        x = 0.5 + c * ((w - 1.0) / 2 + 0.15)
        y = top
        for ident, wrapped in col:
            fig.text(x / w, y / h, "\n".join(wrapped), ha="left", va="top",
                     fontsize=SOURCES_PT, color=INK, linespacing=1.3,
                     gid=f"source:{ident}")
            y -= (len(wrapped) + 0.25) * line_h
    return literal_text(fig)
