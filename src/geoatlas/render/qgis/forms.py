"""Attribute forms: field labels (aliases), explicit widgets and display expressions.

Every field gets its widget set explicitly, so QGIS never guesses one. A guessed
widget is what made Mes Aynak's form log "Missing Relation in configuration": the id
fields of contracts and events point at several layers (``asset_layer`` + ``asset_id``)
and QGIS's default for a field used by a relation is a relation-reference widget with
no relation configured. Here:

- enumerations of the schema (status, commodity, location quality, kinds) are value
  maps showing words, storing the codes;
- dates that are all full ISO dates get a date widget, partial dates (``2007``,
  ``2017-11``) stay text, shown as written;
- everything else, the polymorphic ids included, is a plain text widget; the links
  between tables are the project's (polymorphic) relations, shown as nested forms.

Examples
--------
>>> field_label("deposits", "contract_value_usd")
'contract value (USD)'
>>> display_expression("contracts", ["id", "company", "awarded"])[:22]
'concat(coalesce("compa'
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from ... import schema
from .common import option_map
from .expr import field

_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DERIVED_ENUMS = {
    "status": schema.STATUSES,
    "primary_commodity": schema.COMMODITIES,
    "location_quality": schema.LOCATION_QUALITIES,
}
"""Columns the atlas derives (not in the CSV schema) that still take a fixed vocabulary."""


def field_label(table: str, name: str) -> str:
    """The label people read for field ``name`` of ``table`` (QGIS alias, legend, tips).

    The schema's (:func:`geoatlas.schema.field_label`): the column's own label, else the
    name with words for underscores and the unit in brackets.

    Examples
    --------
    >>> field_label("belts", "half_width_km"), field_label("x", "source_ids")
    ('half-width (km)', 'sources')
    """
    return schema.field_label(str(name), table)


def value_label(value: str, field: str | None = None) -> str:
    """A code of a vocabulary as words, as the legends say it (the style spec's wording).

    Examples
    --------
    >>> value_label("rare_earths"), value_label("under_construction", "status")
    ('rare earths', 'under construction')
    """
    from ...style import human_label

    kind = ("status" if field == "status" else
            "commodity" if field in ("primary_commodity", "commodities") else None)
    return human_label(str(value), kind)


def _column(table: str, name: str):
    spec = schema.TABLES.get(table)
    if spec is None:
        return None
    try:
        return spec.column(name)
    except KeyError:
        return None


def widget(table: str, name: str, values=None) -> tuple[str, dict]:
    """The editor widget of one field: ``(type, config)``.

    Parameters
    ----------
    table : str
        The workspace layer or table the field comes from (``deposits``, ``events``...).
    name : str
        The field.
    values : iterable, optional
        The field's values (decides between a date widget and text for dates).

    Examples
    --------
    >>> widget("rail", "status")[0], widget("events", "subject_id")[0]
    ('ValueMap', 'TextEdit')
    """
    col = _column(table, name)
    choices = col.choices if col is not None and col.kind == "enum" else DERIVED_ENUMS.get(name)
    if name == "status":
        choices = schema.vocabulary("statuses")  # with the workspace's own words
    elif name == "primary_commodity":
        choices = schema.vocabulary("commodities")
    if choices:
        present = [str(v) for v in (values if values is not None else [])
                   if isinstance(v, str) and v]
        words = list(dict.fromkeys([*choices, *present]))  # never a value shown in red
        return "ValueMap", {"map": [{value_label(c, name): c} for c in words]}
    if col is not None and col.kind == "date":
        cells = [str(v) for v in (values if values is not None else []) if v not in (None, "")]
        cells = [c for c in cells if c.lower() not in ("nan", "none", "nat")]
        if cells and all(_FULL_DATE.match(c) for c in cells):
            return "DateTime", {"allow_null": True, "calendar_popup": True,
                                "display_format": "yyyy-MM-dd", "field_format": "yyyy-MM-dd",
                                "field_iso_format": False}
    multiline = name in ("notes", "description", "value_meaning", "estimate_meaning")
    return "TextEdit", {"IsMultiline": multiline, "UseHtml": False}


_DISPLAY = {
    "contracts": ("company", "awarded"),
    "events": ("date", "description"),  # concat(date, ': ', description)
    "sources": ("title", "published"),
    "trade": ("measure", "period_label"),
}


def display_expression(table: str, fields) -> str:
    """How a feature is named in lists, nested forms and identify results (not its id).

    Examples
    --------
    >>> display_expression("deposits", ["id", "name"])
    '"name"'
    >>> print(display_expression("events", ["id", "date", "description"]))
    concat(coalesce("date", ''), ': ', coalesce("description", "id"))
    """
    fields = list(fields)
    first, second = _DISPLAY.get(table, ("name", None))
    if first not in fields:
        first = "name" if "name" in fields else "title" if "title" in fields else None
    if first is None:
        return field("id") if "id" in fields else field(fields[0])
    if second and second in fields:
        if table == "events":
            return (f"concat(coalesce({field(first)}, ''), ': ', "
                    f"coalesce({field(second)}, {field('id')}))")
        return (f"concat(coalesce({field(first)}, {field('id')}), "
                f"coalesce(', ' || left({field(second)}, 4), ''))")
    return field(first)


def form_elements(table: str, frame, fields) -> list[ET.Element]:
    """``<fieldConfiguration>``, ``<aliases>`` and the form settings of one layer.

    Parameters
    ----------
    table : str
        The workspace layer or table the rows come from.
    frame : pandas.DataFrame
        The rows (for the date widget decision).
    fields : sequence of str
        The field names as written to the GeoPackage (without ``fid``).
    """
    config = ET.Element("fieldConfiguration")
    aliases = ET.Element("aliases")
    all_fields = ["fid", *fields]
    for i, name in enumerate(all_fields):
        el = ET.SubElement(config, "field", {"name": name, "configurationFlags": "None"})
        if name == "fid":
            kind, cfg = "Hidden", {}
        else:
            kind, cfg = widget(table, name, frame[name].tolist() if name in frame else None)
        edit = ET.SubElement(el, "editWidget", {"type": kind})
        option_map(ET.SubElement(edit, "config"), cfg)
        ET.SubElement(aliases, "alias", {
            "field": name, "index": str(i),
            "name": "" if name == "fid" else field_label(table, name)})
    editform = ET.Element("editform", {"tolerant": "1"})
    layout = ET.Element("editorlayout")
    layout.text = "generatedlayout"
    display = ET.Element("previewExpression")
    display.text = display_expression(table, fields)
    return [config, aliases, editform, layout, display]
