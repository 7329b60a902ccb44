"""Story chapters of a recipe (``[[chapters]]``): validated against the atlas.

A chapter is a short text tied to a view of the map::

    [[chapters]]
    title = "2007: Mes Aynak goes to China"
    text = "The **MCC–JCL** consortium wins the copper rights."   # Markdown subset
    features = ["deposits:mes-aynak"]     # the view: the extent of these features ...
    center = [69.3, 34.3]                 # ... or a centre [lon, lat] and a zoom
    zoom = 8
    layers = ["deposits", "rail"]         # recipe layers shown (default: all)
    as_of = "2008-12-31"                  # statuses as of this date (default: latest)
    rows = ["contracts:mes-aynak-mcc-jcl", "events:mes-aynak-awarded-2007"]
    sources = ["efsas-2023"]              # each must be cited by one of the rows

``rows`` are the data rows the text rests on; ``sources`` the documents listed under
the chapter. Every source must be one that a cited row cites, so that each claim can be
traced from the story to a row and from the row to its document.

Examples
--------
>>> sorted(CHAPTER_KEYS)[:4]
['as_of', 'center', 'features', 'layers']
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .timeline import to_date

CHAPTER_KEYS = {
    "title": "chapter heading (required)",
    "text": "the chapter's text: paragraphs, **bold**, *italic*, [links](https://...), - lists",
    "features": "the view: 'layer:id' features whose extent the map flies to",
    "center": "the view: [lon, lat] (with zoom)",
    "zoom": "the view: zoom level 1-18 (with center, or a cap for features)",
    "layers": "recipe layers shown in this chapter (default: all)",
    "as_of": "ISO date: statuses as of this date (default: the recipe's, else latest)",
    "rows": "'table:id' data rows the text rests on",
    "sources": "source ids listed under the chapter (each cited by one of the rows)",
}


@dataclass(frozen=True)
class Chapter:
    """One validated story chapter."""

    title: str
    text: str
    features: tuple[tuple[str, str], ...]
    center: tuple[float, float] | None
    zoom: int | None
    layers: tuple[str, ...]
    as_of: dt.date | None
    rows: tuple[tuple[str, str], ...]
    sources: tuple[str, ...]


def parse_chapters(entries, shown: str, atlas, layer_names, errors: list[str],
                   unknown) -> tuple[Chapter, ...]:
    """Validate ``[[chapters]]`` entries; append every problem to ``errors``.

    ``unknown(data, allowed, where, errors)`` reports unknown keys (the recipe's helper);
    ``layer_names`` are the recipe's layers.
    """
    if entries is None:
        return ()
    if not isinstance(entries, list):
        errors.append(f"{shown}: 'chapters' must be an array of [[chapters]] tables")
        return ()
    out = []
    for i, entry in enumerate(entries, start=1):
        where = f"{shown}: [[chapters]] #{i}"
        if not isinstance(entry, dict):
            errors.append(f"{where}: must be a table")
            continue
        n = len(errors)
        unknown(entry, CHAPTER_KEYS, where, errors)
        chapter = _chapter(entry, where, atlas, set(layer_names), errors)
        if chapter is not None and len(errors) == n:
            out.append(chapter)
    return tuple(out)


def _strings(entry, key, where, errors) -> list[str]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(f"{where}: '{key}' must be a list of strings")
        return []
    return value


def _refs(entry, key, where, atlas, errors) -> list[tuple[str, str]]:
    out = []
    for ref in _strings(entry, key, where, errors):
        name, sep, ident = ref.partition(":")
        if not sep or not ident:
            errors.append(f"{where}: '{key}' entry {ref!r} must be 'layer:id'")
            continue
        if name not in atlas.layers and name not in atlas.tables:
            errors.append(f"{where}: '{key}' entry {ref!r}: unknown layer or table '{name}'; "
                          f"known: {', '.join([*atlas.layers, *atlas.tables])}")
            continue
        frame = atlas[name]
        ids = set(frame["id"]) if "id" in frame else set(frame.index)
        if ident not in ids:
            errors.append(f"{where}: '{key}' entry {ref!r}: no {name} row has id '{ident}'")
            continue
        out.append((name, ident))
    return out


def _chapter(entry, where, atlas, layer_names, errors) -> Chapter | None:
    title = entry.get("title")
    if not isinstance(title, str) or not title.strip():
        errors.append(f"{where}: 'title' is required (a string)")
        return None
    text = entry.get("text", "")
    if not isinstance(text, str):
        errors.append(f"{where}: 'text' must be a string")
        text = ""
    features = _refs(entry, "features", where, atlas, errors)
    rows = _refs(entry, "rows", where, atlas, errors)
    center = entry.get("center")
    if center is not None:
        if not (isinstance(center, list) and len(center) == 2
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in center)
                and -180 <= center[0] <= 180 and -90 <= center[1] <= 90):
            errors.append(f"{where}: 'center' must be [lon, lat] in degrees")
            center = None
        else:
            center = (float(center[0]), float(center[1]))
    zoom = entry.get("zoom")
    if zoom is not None and (isinstance(zoom, bool) or not isinstance(zoom, int)
                             or not 1 <= zoom <= 18):
        errors.append(f"{where}: 'zoom' must be a whole number from 1 to 18")
        zoom = None
    if center is not None and zoom is None:
        errors.append(f"{where}: 'center' needs a 'zoom'")
    if center is None and not features:
        errors.append(f"{where}: give the view: 'features' (a list of 'layer:id') "
                      "or 'center' and 'zoom'")
    layers = _strings(entry, "layers", where, errors) if "layers" in entry else sorted(layer_names)
    for name in layers:
        if name not in layer_names:
            errors.append(f"{where}: 'layers': '{name}' is not a layer of this recipe; "
                          f"layers: {', '.join(sorted(layer_names))}")
    as_of = None
    if entry.get("as_of") is not None:
        try:
            as_of = to_date(str(entry["as_of"]))
        except ValueError as exc:
            errors.append(f"{where}: 'as_of': {exc}")
    sources = _strings(entry, "sources", where, errors)
    known = set(atlas["sources"]["id"]) if "sources" in atlas.tables else set()
    cited = set()
    for name, ident in rows:
        frame = atlas[name]
        row = frame[frame["id"] == ident].iloc[0] if "id" in frame else frame.loc[ident]
        cited.update(s.strip() for s in str(row.get("source_ids", "") or "").split(";"))
    for sid in sources:
        if sid not in known:
            errors.append(f"{where}: 'sources': unknown source id '{sid}'")
        elif sid not in cited:
            errors.append(f"{where}: 'sources': '{sid}' is not cited by any of the chapter's "
                          "'rows'; cite the row the claim rests on")
    if not rows:
        errors.append(f"{where}: 'rows' is required: the data rows ('table:id') the text "
                      "rests on")
    return Chapter(title=title.strip(), text=text, features=tuple(features),
                   center=center, zoom=zoom, layers=tuple(layers), as_of=as_of,
                   rows=tuple(rows), sources=tuple(sources))
