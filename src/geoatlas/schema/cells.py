"""The one reading of cell text: numbers, partial dates, ``;`` lists and waypoint axes.

Every CSV cell is text; these parsers turn it into values strictly and say, in an
error message meant for the person who typed the cell, what to write instead (no
thousands separators, no units, no NaN, a real date). The checks, the workspace
loader, the joins and the renderers all read cells through them, so a value means the
same thing everywhere.

Examples
--------
>>> parse_date("2017-11")
(datetime.date(2017, 11, 1), 'month')
>>> parse_number("3e9"), split_list("copper;gold")
(3000000000.0, ['copper', 'gold'])
"""

from __future__ import annotations

import datetime as dt
import math
import re

__all__ = ["parse_axis", "parse_date", "parse_number", "split_list"]

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def parse_date(text: str) -> tuple[dt.date, str]:
    """Parse an ISO 8601 date that may be partial.

    Returns the first day of the period and its precision.

    Examples
    --------
    >>> parse_date("2024-11-23")
    (datetime.date(2024, 11, 23), 'day')
    >>> parse_date("2016")
    (datetime.date(2016, 1, 1), 'year')
    """
    m = _DATE_RE.match(text.strip())
    if not m:
        raise ValueError(f"'{text}' is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = m.group(1), m.group(2), m.group(3)
    try:
        if day:
            return dt.date(int(year), int(month), int(day)), "day"
        if month:
            return dt.date(int(year), int(month), 1), "month"
        return dt.date(int(year), 1, 1), "year"
    except ValueError as exc:
        raise ValueError(f"'{text}' is not a real date ({exc})") from None


def parse_number(text: str) -> float:
    """Parse a number cell strictly: the one parser of every numeric column.

    Accepted: ASCII digits with an optional sign, decimal point and exponent
    (``3000000000``, ``3e9``, ``-12.5``, ``0.25``). Rejected with a message that says what
    to write instead: thousands separators (``1,000``), underscores (``3_000_000_000``),
    units, spaces inside, non-ASCII digits, ``nan``, ``inf`` and values too large for a
    float (``1e400``). Nothing becomes NaN or infinity silently.

    Examples
    --------
    >>> parse_number("3e9"), parse_number("-12.5"), parse_number(" 3000000000 ")
    (3000000000.0, -12.5, 3000000000.0)
    >>> for bad in ("3_000_000_000", "1,000", "1e400", "nan"):
    ...     try:
    ...         parse_number(bad)
    ...     except ValueError as exc:
    ...         print(str(exc).split(": ")[0], "|", str(exc).rpartition("(")[2])
    '3_000_000_000' is not a number | no underscores)
    '1,000' is not a number | a decimal comma? write a point: 34.2691; no thousands separators)
    '1e400' is too large for a number (the limit is about 1.8e308) | the limit is about 1.8e308)
    'nan' is not a number | NaN and infinity are not numbers here; leave the cell empty if unknown)
    """
    stripped = text.strip()
    if not _NUMBER_RE.fullmatch(stripped):
        raise ValueError(f"'{text}' is not a number: write digits only, e.g. 3000000000 or "
                         f"3e9{_number_hint(stripped)}")
    value = float(stripped)
    if not math.isfinite(value):
        raise ValueError(f"'{text}' is too large for a number (the limit is about 1.8e308)")
    return value


def _number_hint(text: str) -> str:
    low = text.lower()
    if low.lstrip("+-") in ("nan", "inf", "infinity"):
        return " (NaN and infinity are not numbers here; leave the cell empty if unknown)"
    if "_" in text:
        return " (no underscores)"
    if re.fullmatch(r"[+-]?\d+,\d+", text, re.ASCII):
        return " (a decimal comma? write a point: 34.2691; no thousands separators)"
    if "," in text:
        return " (no thousands separators)"
    if any(ch.isdigit() and not ch.isascii() for ch in text):
        return " (ASCII digits 0-9 only)"
    if re.match(r"[+-]?[\d.]+", text, re.ASCII):
        return " (no units or trailing text)"
    return ""


def split_list(text) -> list[str]:
    """Split a semicolon-separated cell into stripped, non-empty items (None/NaN: none).

    >>> split_list(" copper; gold ;")
    ['copper', 'gold']
    >>> split_list(float("nan"))
    []
    """
    if not isinstance(text, str):
        return []
    return [item.strip() for item in text.split(";") if item.strip()]


def parse_axis(text: str) -> list[tuple[float, float]]:
    """Parse ``'lon lat;lon lat'`` waypoints.

    >>> parse_axis("62.2 34.3; 69.1 35.2")
    [(62.2, 34.3), (69.1, 35.2)]
    """
    points = []
    for item in split_list(text):
        parts = item.replace(",", " ").split()
        if len(parts) != 2:
            raise ValueError(f"waypoint '{item}' is not 'lon lat'")
        lon, lat = parse_number(parts[0]), parse_number(parts[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(f"waypoint '{item}' is out of range (lon -180..180, lat -90..90)")
        points.append((lon, lat))
    if len(points) < 2:
        raise ValueError("an axis needs at least two waypoints 'lon lat;lon lat'")
    return points
