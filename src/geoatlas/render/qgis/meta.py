"""Layer metadata: title, abstract, attribution and the cited documents, from the data.

Examples
--------
>>> short_list(["EFSAS 2023", "KSG 2024", "Wikipedia"], limit=2)
'EFSAS 2023; KSG 2024 and 1 more'
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pandas as pd

from ... import schema
from .common import GpkgTable

BASEMAP_ABSTRACT = ("Country outlines under the map ({credit}), cut to a box around the map "
                    "extent. Reference only: borders are not a statement on disputed areas.")
QUALITY_WORDS = {
    "approximate": "approximate locations",
    "schematic": "schematic lines (straight between known places)",
    "admin_area": "locations known only to the province",
}


def short_list(items, limit: int = 6) -> str:
    """``a; b; c and N more``."""
    items = list(items)
    head = "; ".join(items[:limit])
    return head + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _rows(t: GpkgTable) -> pd.DataFrame:
    return t.layer.frame if t.layer is not None else (t.frame if t.frame is not None
                                                      else pd.DataFrame())


def abstract(recipe, t: GpkgTable, atlas=None) -> str:
    """A paragraph saying what the layer holds, how many rows, and how exact it is."""
    if t.kind == "basemap":
        return BASEMAP_ABSTRACT.format(credit=basemap_credit(recipe, atlas))
    if t.abstract:
        return t.abstract
    rows = _rows(t)
    spec = schema.TABLES.get(t.source)
    what = (spec.doc if spec is not None and spec.doc else t.title).rstrip(".")
    what = what[:1].upper() + what[1:]
    text = f"{what}: {len(rows)} rows in the map \"{recipe.title}\"."
    if t.kind == "history":
        text = (f"{what}, one row per feature and status period (valid_from to valid_to, "
                "open-ended when empty), for the temporal controller: the time slider "
                "shows each feature with the status it had on the chosen date.")
    if "location_quality" in rows:
        counts = rows["location_quality"].value_counts()
        notes = [f"{int(counts[q])} {w}" for q, w in QUALITY_WORDS.items() if q in counts]
        if notes:
            text += " Geometry: " + ", ".join(notes) + "."
    if t.layer is not None and t.layer.spec.where:
        text += f" Selection: {t.layer.spec.where}."
    return text


def basemap_credit(recipe, atlas=None) -> str:
    """The basemap's credit line (the workspace's basemap metadata when it has one)."""
    line = getattr(atlas, "basemap_credit", "") if atlas is not None else ""
    if line:
        return line.removeprefix("Basemap:").strip().rstrip(".")
    credit = getattr(recipe, "credits", "") or ""
    for part in credit.split(". "):
        if part.lower().startswith("basemap"):
            return part.split(":", 1)[-1].strip().rstrip(".")
    return "Natural Earth, public domain"


def cited(atlas, t: GpkgTable) -> pd.DataFrame:
    """The ``sources`` rows cited by a table's rows (``source_ids``, ``coord_source``)."""
    if atlas is None or "sources" not in atlas.tables:
        return pd.DataFrame()
    rows = _rows(t)
    ids: set[str] = set()
    for col in ("source_ids", "coord_source"):
        if col in rows:
            for cell in rows[col].dropna():
                ids.update(s.strip() for s in str(cell).split(";") if s.strip())
    src = atlas["sources"]
    return src[src["id"].isin(ids)].sort_values("id", kind="stable")


def layer_metadata(atlas, recipe, t: GpkgTable) -> list[ET.Element]:
    """``<resourceMetadata>`` and ``<attribution>`` of one project layer."""
    meta = ET.Element("resourceMetadata")
    ET.SubElement(meta, "identifier").text = t.table
    ET.SubElement(meta, "parentidentifier").text = recipe.name
    ET.SubElement(meta, "language").text = "en"
    ET.SubElement(meta, "type").text = "dataset"
    ET.SubElement(meta, "title").text = t.title
    ET.SubElement(meta, "abstract").text = abstract(recipe, t, atlas)
    links = ET.SubElement(meta, "links")
    docs = cited(atlas, t)
    publishers = []
    for row in docs.itertuples(index=False):
        url = str(getattr(row, "url", "") or "")
        file = str(getattr(row, "file", "") or "")
        publisher = str(getattr(row, "publisher", "") or "")
        date = str(getattr(row, "published", "") or "")
        ET.SubElement(links, "link", {
            "name": str(row.title), "type": "WWW:LINK" if url else "document",
            "url": url or (f"shared/sources/{file}" if file else ""),
            "description": ", ".join(b for b in (publisher, date, str(row.id)) if b),
            "format": "", "mimeType": "", "size": ""})
        if publisher and publisher not in publishers:
            publishers.append(publisher)
    ET.SubElement(meta, "rights").text = recipe.credits or ""
    if t.kind == "basemap":
        credit = basemap_credit(recipe, atlas)
    elif publishers:
        credit = "Sources: " + short_list(publishers)
    else:
        credit = f"geoatlas: {recipe.title}"
    attribution = ET.Element("attribution", {"href": ""})
    attribution.text = credit
    return [meta, attribution]
