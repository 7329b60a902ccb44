"""The region a basemap is built for: a checked ``W,S,E,N`` box, or the box of countries.

Examples
--------
>>> parse_bbox("-81,-56,-66,-17")
(-81.0, -56.0, -66.0, -17.0)
>>> parse_bbox("10,5,1,2")
Traceback (most recent call last):
...
ValueError: bbox '10,5,1,2': west must be less than east and south less than north
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["parse_bbox", "region_bbox"]


def parse_bbox(text: str | Sequence[float]) -> tuple[float, float, float, float]:
    """Parse ``"W,S,E,N"`` (degrees) into a checked ``(west, south, east, north)`` tuple.

    >>> parse_bbox([28, 76, 36, 81])
    (28.0, 76.0, 36.0, 81.0)
    """
    parts = text.split(",") if isinstance(text, str) else list(text)
    shown = text if isinstance(text, str) else ",".join(str(p) for p in parts)
    try:
        w, s, e, n = (float(p) for p in parts)
    except (TypeError, ValueError):
        raise ValueError(f"bbox '{shown}': give four numbers W,S,E,N in degrees, "
                         "e.g. -81,-56,-66,-17") from None
    if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= 90 and -90 <= n <= 90):
        raise ValueError(f"bbox '{shown}': longitudes must be within -180..180 and "
                         "latitudes within -90..90 (W,S,E,N order)")
    if w >= e or s >= n:
        raise ValueError(f"bbox '{shown}': west must be less than east and south less "
                         "than north")
    return (w, s, e, n)


def region_bbox(countries, iso3: Iterable[str]) -> tuple[float, float, float, float]:
    """The bbox of the given countries.

    Only their large parts count, so that far islands do not stretch it around the globe.
    """
    import numpy as np
    import shapely

    wanted = [c.strip().upper() for c in iso3 if c.strip()]
    known = set(countries["iso3"])
    unknown = [c for c in wanted if c not in known]
    if unknown or not wanted:
        raise ValueError(f"unknown country code(s) {', '.join(unknown) or '(none given)'}; "
                         "give ISO 3166-1 alpha-3 codes such as CHL,PER")
    boxes = []
    for geom in countries[countries["iso3"].isin(wanted)].geometry:
        parts = shapely.get_parts(geom)
        areas = shapely.area(parts)
        keep = parts[areas >= 0.05 * areas.max()]
        boxes.append(shapely.total_bounds(keep))
    b = np.array(boxes)
    return parse_bbox([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])
