"""How style values read as words: legend labels, field names, numbers, map labels.

>>> human_label("under_construction", "status"), compact_number(3e9)
('under construction', '3 bn')
"""

from __future__ import annotations

from .palette import COMMODITY_LABELS, STATUS_LABELS

__all__ = [
    "compact_number",
    "field_words",
    "human_label",
    "short_label",
]


def human_label(value: str, kind: str | None = None) -> str:
    """The legend wording of a category value: never a raw id or snake_case word.

    Parameters
    ----------
    value : str
        The value (``"rare_earths"``, ``"under_construction"``, ``"lapis-lazuli"``).
    kind : str, optional
        ``"status"`` or ``"commodity"`` to use that vocabulary's wording.

    Returns
    -------
    str

    Examples
    --------
    >>> human_label("rare_earths"), human_label("under_construction", "status")
    ('rare earths', 'under construction')
    >>> human_label("cpec-afghanistan-extension")
    'cpec afghanistan extension'
    """
    value = str(value)
    words = STATUS_LABELS if kind == "status" else COMMODITY_LABELS if kind else {}
    if value in words:
        return words[value]
    if value in COMMODITY_LABELS:
        return COMMODITY_LABELS[value]
    return " ".join(value.replace("_", " ").replace("-", " ").split())


def field_words(name: str) -> str:
    """A field name as words for running text: no underscores, no unit suffix.

    >>> field_words("contract_value_usd"), field_words("length_km")
    ('contract value', 'length')
    """
    words = str(name).split("_")
    if len(words) > 1 and words[-1] in ("usd", "km", "km2", "pct", "t", "m"):
        words = words[:-1]
    return " ".join(w for w in words if w)


def compact_number(x: float) -> str:
    """Write a large number compactly, to three significant digits.

    >>> compact_number(3e9), compact_number(150e6), compact_number(805000), compact_number(12)
    ('3 bn', '150 m', '805 k', '12')
    """
    x = float(x)
    for size, suffix in ((1e12, " tn"), (1e9, " bn"), (1e6, " m"), (1e3, " k")):
        if abs(x) >= size:
            return f"{x / size:,.3g}{suffix}"
    return f"{x:,.3g}"


def short_label(text: str, limit: int = 24) -> str:
    """A map label, the same on the web and static maps.

    A long name loses its trailing parenthesis ("Mes Aynak (Logar)" is short enough).

    >>> short_label("Khanneshin carbonatite (Helmand rare earths/uranium)")
    'Khanneshin carbonatite'
    """
    text = " ".join(str(text).split())
    if len(text) > limit and text.endswith(")") and " (" in text:
        head = text[: text.rindex(" (")].strip()
        if head:
            return head
    return text
