"""What people read for a column: ``contract_value_usd`` is "contract value (USD)".

Popups, legends, table headers and QGIS field aliases all name a column through
:func:`field_label`: the column spec's own label, else :data:`FIELD_LABELS` (which also
covers the columns the joins add), else a rule that turns a unit suffix into the unit
in parentheses and underscores into spaces.

Examples
--------
>>> field_label("half_width_km"), field_label("value_year")
('half-width (km)', 'value year')
"""

from __future__ import annotations

from .tables import TABLES

__all__ = ["FIELD_LABELS", "field_label"]


FIELD_LABELS = {
    "alt_names": "also known as",
    "coord_source": "coordinates from",
    "source_ids": "sources",
    "location_quality": "location",
    "iso3": "country",
    "company_country": "company country",
    "members": "member countries",
    "status_since": "status since",
    "status_note": "status note",
    "n_contracts": "contracts",
    "contract_ids": "contracts",
    "primary_commodity": "main commodity",
    "date_precision": "date precision",
    "half_width_km": "half-width (km)",
    "subject_layer": "about (layer)",
    "subject_id": "about",
    "as_printed": "as printed",
}
"""People's labels of columns, including those the joins add (``companies``...)."""

_UNIT_SUFFIXES = (("_usd", " (USD)"), ("_km", " (km)"), ("_mt", " (Mt)"))


def field_label(field: str, table: str | None = None) -> str:
    """The label people read for a column: ``contract_value_usd`` -> ``contract value (USD)``.

    The column spec's ``label`` wins, then :data:`FIELD_LABELS`, then a rule: a unit
    suffix becomes the unit in parentheses and underscores become spaces.

    Examples
    --------
    >>> field_label("contract_value_usd"), field_label("length_km")
    ('contract value (USD)', 'length (km)')
    >>> field_label("alt_names", "places"), field_label("status")
    ('also known as', 'status')
    """
    if table in TABLES:
        try:
            label = TABLES[table].column(field).label
        except KeyError:
            label = ""
        if label:
            return label
    if field in FIELD_LABELS:
        return FIELD_LABELS[field]
    for suffix, unit in _UNIT_SUFFIXES:
        if field.endswith(suffix) and len(field) > len(suffix):
            return field[: -len(suffix)].replace("_", " ") + unit
    return field.replace("_", " ")
