"""The controlled vocabularies of the data model, in one place.

Every word list a workspace file is checked against (commodities, statuses, place and
event kinds, ...) lives here, and :func:`vocabulary` is the one way to read one. A
workspace may extend a vocabulary (its ``geoatlas.toml``); callers pass those extra
words as ``extra`` so that the package's lists stay the single default.

Examples
--------
>>> "silver" in vocabulary("commodities")
True
>>> vocabulary("statuses")[-3:]
('cancelled', 'superseded', 'unknown')
>>> vocabulary("commodities", extra=("bauxite",))[-1]
'bauxite'
>>> vocabulary("colours")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
KeyError: "no vocabulary 'colours'; known: commodities, date_precisions, ..."
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["VOCABULARIES", "vocabulary"]

STATUSES = (
    "rumored",
    "proposed",
    "announced",
    "planned",
    "agreed",
    "signed",
    "under_construction",
    "operating",
    "suspended",
    "terminated",
    "cancelled",
    "superseded",
    "unknown",
)
"""Status words for contracts, rail links, corridors and pipelines, in rough life-cycle
order. ``superseded``: replaced by a later contract or alignment (a dated event says which)."""

COMMODITIES = (
    "copper",
    "iron",
    "lithium",
    "oil",
    "gas",
    "coal",
    "gold",
    "chromite",
    "lapis_lazuli",
    "uranium",
    "rare_earths",
    "talc",
    "marble",
    "gemstones",
    "cobalt",
    "silver",
    "zinc",
    "lead",
    "molybdenum",
    "tungsten",
    "antimony",
    "tin",
    "nickel",
)
"""Commodities a deposit or belt may list (first listed = primary)."""

LOCATION_QUALITIES = ("exact", "approximate", "schematic", "admin_area")
DATE_PRECISIONS = ("day", "month", "year", "unknown")
PLACE_KINDS = (
    "capital",
    "city",
    "town",
    "border_crossing",
    "dry_port",
    "sea_port",
    "rail_station",
    "mountain_pass",
)
EVENT_KINDS = (
    "signed",
    "awarded",
    "agreement",
    "announced",
    "interest",
    "talks",
    "construction_start",
    "first_train",
    "first_cargo",
    "opened",
    "terminated",
    "suspended",
    "cancelled",
    "superseded",
    "visit",
    "aid",
    "trade_measure",
    "diplomatic",
    "other",
)
SOURCE_KINDS = ("policy_paper", "news", "analysis", "reference", "dataset")
MODES = ("rail", "road", "sea", "pipeline")
SUBJECT_LAYERS = ("contracts", "rail", "corridors", "deposits", "pipelines", "countries")
"""Layers an event may be about; ``countries`` takes an ISO3 code as subject id."""

VOCABULARIES: dict[str, tuple[str, ...]] = {
    "commodities": COMMODITIES,
    "date_precisions": DATE_PRECISIONS,
    "event_kinds": EVENT_KINDS,
    "location_qualities": LOCATION_QUALITIES,
    "modes": MODES,
    "place_kinds": PLACE_KINDS,
    "source_kinds": SOURCE_KINDS,
    "statuses": STATUSES,
    "subject_layers": SUBJECT_LAYERS,
}
"""Every vocabulary by name."""


def vocabulary(name: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """Return the words of vocabulary ``name``, followed by any ``extra`` ones not in it.

    Parameters
    ----------
    name : str
        One of the keys of :data:`VOCABULARIES`.
    extra : iterable of str, optional
        Words a workspace adds (e.g. from its ``geoatlas.toml``); duplicates are ignored.

    Examples
    --------
    >>> vocabulary("modes", extra=["rail", "air"])
    ('rail', 'road', 'sea', 'pipeline', 'air')
    """
    try:
        base = VOCABULARIES[name]
    except KeyError:
        known = ", ".join(sorted(VOCABULARIES))
        raise KeyError(f"no vocabulary '{name}'; known: {known}") from None
    return base + tuple(dict.fromkeys(w for w in extra if w not in base))
