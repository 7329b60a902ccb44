"""The fields a where expression reads: how a frame's columns read, and the checks on them.

A field is a column of the frame (never its geometry) or its index by the index's name;
a blank text cell reads as null, like NaN, and each column reads as one kind (text,
number, date, true/false) that a literal must match. An expression naming a field the
frame does not have, or comparing a text field with a value no row holds (nor its
layer's vocabularies, :func:`field_choices`), is an error that suggests the closest real
name or value — a typo never silently selects nothing.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"status": ["operating", ""], "km": [1.0, 2.0]})
>>> field_list(df), value_kind(df["km"]), column(df, "status").isna().tolist()
(['status', 'km'], 'number', [False, True])
>>> unknown_value("status", column(df, "status"), "operatnig", {})
"no feature has status 'operatnig' (did you mean 'operating'?); values of status: operating"
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import pandas as pd

from ..errors import WhereError, did_you_mean, listing
from .syntax import caret
from .tree import Expr, Field, operands

__all__ = [
    "KIND_WORDS",
    "check",
    "column",
    "field_choices",
    "field_list",
    "has_field",
    "unknown_value",
    "value_kind",
]


def field_list(frame: pd.DataFrame) -> list[str]:
    """The names of the fields of ``frame``: its columns but the geometry."""
    geom = getattr(frame, "_geometry_column_name", None)
    return [str(c) for c in frame.columns if c != geom]


def column(frame: pd.DataFrame, name: str) -> pd.Series:
    """The field ``name``; an empty text cell (a blank CSV cell) is a null, like NaN."""
    if name in frame.columns and name != getattr(frame, "_geometry_column_name", None):
        col = frame[name]
        if isinstance(col, pd.DataFrame):  # duplicated column name
            col = col.iloc[:, 0]
    else:
        col = pd.Series(frame.index, index=frame.index, name=name)  # the index, by its name
    if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
            or pd.api.types.is_datetime64_any_dtype(col)):
        blank = col.eq("").to_numpy(dtype=bool, na_value=False)
        if blank.any():
            col = col.mask(blank)
    return col


def has_field(frame: pd.DataFrame, name: str) -> bool:
    """Whether ``name`` is a field of ``frame`` (a column, or the index by its name)."""
    return name in field_list(frame) or (frame.index.name is not None
                                      and name == str(frame.index.name))


def value_kind(series: pd.Series) -> str:
    """The kind of a field's values: ``text``, ``number``, ``date`` or ``bool``."""
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    if not pd.api.types.is_object_dtype(series):  # str, category: text
        return "text"
    values = series.dropna()
    if len(values) and isinstance(values.iloc[0], dt.date) and values.map(
            lambda v: isinstance(v, dt.date)).all():  # a column of date objects
        return "date"
    return "text"


KIND_WORDS = {"text": "text", "number": "a number", "date": "a date",
               "bool": "true/false"}
"""How messages name each kind."""


# -- names and values the frame does not have ---------------------------------------------
def unknown_value(name: str, series: pd.Series, value: str,
                  vocab: Mapping[str, Iterable[str]]) -> str | None:
    """Why text ``value`` matches nothing in field ``name`` (``series``), or ``None``.

    A value is known when a row holds it or the field's vocabulary (``vocab[name]``)
    allows it; only text fields are checked.
    """
    if value_kind(series) != "text":
        return None
    present = {str(v) for v in pd.unique(series.dropna())}
    allowed = present | {str(v) for v in vocab.get(name, ())}
    if value in allowed:
        return None
    shown = sorted(present) or ["(none: the field is empty)"]
    return (f"no feature has {name} {value!r}"
            f"{did_you_mean(value, allowed, quote=True)}; "
            f"values of {name}: {listing(shown, 30)}")


def check(expr: Expr, frame: pd.DataFrame, text: str = "", what: str = "where") -> None:
    """Raise :class:`WhereError` if ``expr`` reads a field that ``frame`` does not have.

    The message names every unknown field, suggests the closest real one, lists the
    fields, and points at the first unknown field's column.

    >>> from geoatlas.where import parse
    >>> df = pd.DataFrame({"status": ["operating"]})
    >>> check(parse("stauts == 'x'"), df, "stauts == 'x'")
    Traceback (most recent call last):
    ...
    geoatlas.errors.WhereError: where expression names unknown field(s) stauts (did you \
mean status?) (quote text values: status == 'operating'); fields: status
      stauts == 'x'
      ^
    """
    unknown = [o for o in operands(expr) if isinstance(o, Field) and not has_field(frame, o.name)]
    if not unknown:
        return
    fields = field_list(frame)
    names = list(dict.fromkeys(o.name for o in unknown))
    text = text or ""
    pointer = f"\n{caret(text, unknown[0].pos)}" if text else ""
    raise WhereError(
        f"{what} expression names unknown field(s) {', '.join(names)}"
        f"{did_you_mean(names[0], fields)} (quote text values: status == 'operating'); "
        f"fields: {', '.join(fields)}{pointer}",
        expression=text, column=unknown[0].pos + 1)


def field_choices(layer: str) -> dict[str, tuple[str, ...]]:
    """The values each field of atlas layer ``layer`` may hold, by the schema's vocabularies.

    A value from these is never an "unknown value", even where no feature holds it now
    (``status == 'operating'`` as of a year before anything operated).

    >>> "operating" in field_choices("rail")["status"]
    True
    """
    from .. import schema

    out: dict[str, tuple[str, ...]] = {}
    table = schema.TABLES.get(layer)
    if table is not None:
        for col in (*table.columns, *table.optional_columns):
            if col.choices:
                out[col.name] = tuple(col.choices)
    if layer in schema.SUBJECT_LAYERS:
        out.setdefault("status", tuple(schema.STATUSES))
    if "commodities" in out:
        out.setdefault("primary_commodity", out["commodities"])
    return out
