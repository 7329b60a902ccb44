"""Which documents a map cites: the sources of the features shown, for every renderer.

A map credits the documents its features rest on: the ``source_ids`` (and
``coord_source``) of every row drawn, looked up in the workspace's ``sources`` table.
The static map's attribution and its sources page, and the QGIS print layout, all list
them from here, with mirrors and reposts credited to their original publisher.

Examples
--------
>>> import pandas as pd
>>> from types import SimpleNamespace
>>> class Atlas(dict):
...     tables = ("sources",)
>>> atlas = Atlas(sources=pd.DataFrame({
...     "id": ["efsas-2023", "wiki-rail"], "title": ["Lapis Lazuli corridor", "Rail"],
...     "publisher": ["EFSAS", "Wikipedia (enwikipedia.net mirror)"],
...     "published": ["2023-05", "2021"]}))
>>> shown = [SimpleNamespace(frame=pd.DataFrame({"source_ids": ["wiki-rail;efsas-2023"]}))]
>>> cited_sources(atlas, shown)
['EFSAS', 'Wikipedia']
>>> cited_sources(atlas, shown, short=False)
['Lapis Lazuli corridor (EFSAS, 2023-05)', 'Rail (Wikipedia (enwikipedia.net mirror), 2021)']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .prepare import PreparedLayer

__all__ = ["cited_documents", "cited_sources", "publisher_name", "publishers", "short_publisher"]

_MIRROR = re.compile(
    r"\s*\((?:[^()]*\b(?:mirrors?|repost(?:ed)?|citing|via|cop(?:y|ies)|stored)\b[^()]*)\)",
    re.IGNORECASE)
"""A parenthesis saying where a copy was read (a mirror, a repost, a stored copy)."""


def publisher_name(publisher: str, title: str = "") -> str:
    """The publisher as credited under a map: mirrors and reposts name the original.

    >>> publisher_name("Wikipedia (enwikipedia.net mirror)")
    'Wikipedia'
    >>> publisher_name("Foreign Policy (reposted by South Asian Monitor)")
    'Foreign Policy'
    >>> publisher_name("", "A very long report title that has no publisher at all, sadly")
    'A very long report title that has no publishe…'
    """
    name = _MIRROR.sub("", str(publisher or "")).strip()
    if not name:
        title = " ".join(str(title).split())
        name = title if len(title) <= 48 else title[:45].rstrip() + "…"
    return name


def short_publisher(publisher: str) -> str:
    """The publisher credited in a few letters: its own acronym, when it gives one.

    Mirrors and reposts name the original (:func:`publisher_name`) first, so a mirror
    is never credited. A trailing parenthesis is taken as the name's acronym only when
    it is one (capitals, no space, the name's first letter); otherwise it says something
    else (an agency carried, an abstract) and stays.

    >>> short_publisher("European Foundation for South Asian Studies (EFSAS)")
    'EFSAS'
    >>> short_publisher("Wikipedia (enwikipedia.net mirror)")
    'Wikipedia'
    >>> short_publisher("Daily News Egypt (AP)"), short_publisher("Geological Society (abstract)")
    ('Daily News Egypt (AP)', 'Geological Society (abstract)')
    """
    name = publisher_name(publisher)
    if name.endswith(")") and " (" in name:
        inner = name[name.rindex(" (") + 2:-1].strip()
        if inner and inner.isupper() and " " not in inner and inner[0] == name[0].upper():
            return inner
    return name


def cited_documents(atlas, shown: Sequence[PreparedLayer]):
    """The rows of ``sources`` cited by the features shown, sorted by publisher and date.

    Parameters
    ----------
    atlas : Atlas
        The workspace (its ``sources`` table).
    shown : sequence of PreparedLayer
        The layers drawn; their rows' ``source_ids`` and ``coord_source`` count.

    Returns
    -------
    pandas.DataFrame
        One row per document (possibly empty).
    """
    import pandas as pd

    ids: set[str] = set()
    for p in shown:
        for col in ("source_ids", "coord_source"):
            if col in p.frame:
                for cell in p.frame[col].dropna():
                    ids.update(x.strip() for x in str(cell).split(";") if x.strip())
    if "sources" not in atlas.tables or not ids:
        return pd.DataFrame(columns=["id", "title", "publisher", "published"])
    src = atlas["sources"]
    src = src[src["id"].isin(ids)].copy()
    src["_pub"] = [publisher_name(p, t) for p, t in zip(src.get("publisher", ""),
                                                        src["title"])]
    src = src.sort_values(["_pub", "published", "title"] if "published" in src
                          else ["_pub", "title"], key=lambda c: c.astype(str).str.casefold())
    return src.drop(columns="_pub")


def publishers(atlas, shown: Sequence[PreparedLayer]) -> list[str]:
    """The publishers of the documents cited, each once, with a count where several.

    Returns
    -------
    list of str
        ``"EFSAS"``, ``"Wikipedia (12)"``, ... sorted case-insensitively.
    """
    docs = cited_documents(atlas, shown)
    counts: dict[str, int] = {}
    for pub, title in zip(docs.get("publisher", [""] * len(docs)), docs["title"]):
        name = publisher_name(pub, title)
        counts[name] = counts.get(name, 0) + 1
    return [f"{n} ({c})" if c > 1 else n
            for n, c in sorted(counts.items(), key=lambda t: (t[0].casefold(), t[0]))]


def cited_sources(atlas, shown: Sequence[PreparedLayer], short: bool = True) -> list[str]:
    """The documents cited by the features shown, one citation each.

    Parameters
    ----------
    atlas : Atlas
        The workspace (its ``sources`` table).
    shown : sequence of PreparedLayer
        The layers drawn.
    short : bool
        The publishers, each once with a count (what the static map credits, see
        :func:`publishers`); otherwise ``Title (Publisher, date)`` per document.

    Returns
    -------
    list of str
    """
    if short:
        return publishers(atlas, shown)
    out = []
    for row in cited_documents(atlas, shown).itertuples(index=False):
        bits = ", ".join(b for b in (str(getattr(row, "publisher", "") or "").strip(),
                                     str(getattr(row, "published", "") or "").strip()) if b)
        title = " ".join(str(row.title).split())
        out.append(f"{title} ({bits})" if bits else title)
    return out
