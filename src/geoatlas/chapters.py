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


def parse_chapters(entries, atlas, layer_names, add, unknown) -> tuple[Chapter, ...]:
    """Validate ``[[chapters]]`` entries, reporting every problem through ``add``.

    ``add(path, message)`` records a problem at a TOML key path (``("chapters", 0,
    "zoom")``: the recipe's helper finds its line); ``unknown(entry, allowed, path,
    label)`` reports unknown keys; ``layer_names`` are the recipe's layers.
    """
    if entries is None:
        return ()
    if not isinstance(entries, list):
        add(("chapters",), "'chapters' must be an array of [[chapters]] tables")
        return ()
    out = []
    for i, entry in enumerate(entries, start=1):
        path, label = ("chapters", i - 1), f"[[chapters]] #{i}"
        if not isinstance(entry, dict):
            add(path, f"{label}: must be a table")
            continue
        found: list[bool] = []

        def report(key, message, path=path, label=label, found=found):
            found.append(True)
            add((*path, key) if key else path, f"{label}: {message}")

        unknown(entry, CHAPTER_KEYS, path, label)
        chapter = _chapter(entry, atlas, set(layer_names), report)
        if chapter is not None and not found and all(k in CHAPTER_KEYS for k in entry):
            out.append(chapter)
    return tuple(out)


def _strings(entry, key, report) -> list[str]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        report(key, f"'{key}' must be a list of strings")
        return []
    return value


def _refs(entry, key, atlas, report) -> list[tuple[str, str]]:
    out = []
    for ref in _strings(entry, key, report):
        name, sep, ident = ref.partition(":")
        if not sep or not ident:
            report(key, f"'{key}' entry {ref!r} must be 'layer:id'")
            continue
        if name not in atlas.layers and name not in atlas.tables:
            report(key, f"'{key}' entry {ref!r}: unknown layer or table '{name}'; "
                        f"known: {', '.join([*atlas.layers, *atlas.tables])}")
            continue
        frame = atlas[name]
        ids = set(frame["id"]) if "id" in frame else set(frame.index)
        if ident not in ids:
            report(key, f"'{key}' entry {ref!r}: no {name} row has id '{ident}'")
            continue
        out.append((name, ident))
    return out


def _chapter(entry, atlas, layer_names, report) -> Chapter | None:
    title = entry.get("title")
    if not isinstance(title, str) or not title.strip():
        report("title", "'title' is required (a string)")
        return None
    text = entry.get("text", "")
    if not isinstance(text, str):
        report("text", "'text' must be a string")
        text = ""
    features = _refs(entry, "features", atlas, report)
    rows = _refs(entry, "rows", atlas, report)
    center = entry.get("center")
    if center is not None:
        if not (isinstance(center, list) and len(center) == 2
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in center)
                and -180 <= center[0] <= 180 and -90 <= center[1] <= 90):
            report("center", "'center' must be [lon, lat] in degrees")
            center = None
        else:
            center = (float(center[0]), float(center[1]))
    zoom = entry.get("zoom")
    if zoom is not None and (isinstance(zoom, bool) or not isinstance(zoom, int)
                             or not 1 <= zoom <= 18):
        report("zoom", "'zoom' must be a whole number from 1 to 18")
        zoom = None
    if center is not None and zoom is None:
        report("center", "'center' needs a 'zoom'")
    if center is None and not features:
        report(None, "give the view: 'features' (a list of 'layer:id') or 'center' and 'zoom'")
    layers = _strings(entry, "layers", report) if "layers" in entry else sorted(layer_names)
    for name in layers:
        if name not in layer_names:
            report("layers", f"'layers': '{name}' is not a layer of this recipe; "
                             f"layers: {', '.join(sorted(layer_names))}")
    as_of = None
    if entry.get("as_of") is not None:
        try:
            as_of = to_date(str(entry["as_of"]))
        except ValueError as exc:
            report("as_of", f"'as_of': {exc}")
    sources = _strings(entry, "sources", report)
    known = set(atlas["sources"]["id"]) if "sources" in atlas.tables else set()
    cited = set()
    for name, ident in rows:
        frame = atlas[name]
        row = frame[frame["id"] == ident].iloc[0] if "id" in frame else frame.loc[ident]
        cited.update(s.strip() for s in str(row.get("source_ids", "") or "").split(";"))
    for sid in sources:
        if sid not in known:
            report("sources", f"'sources': unknown source id '{sid}'")
        elif sid not in cited:
            report("sources", f"'sources': '{sid}' is not cited by any of the chapter's "
                              "'rows'; cite the row the claim rests on")
    if not rows:
        report("rows", "'rows' is required: the data rows ('table:id') the text rests on")
    return Chapter(title=title.strip(), text=text, features=tuple(features),
                   center=center, zoom=zoom, layers=tuple(layers), as_of=as_of,
                   rows=tuple(rows), sources=tuple(sources))
