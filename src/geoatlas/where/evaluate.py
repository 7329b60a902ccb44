"""Applying a where tree to a frame: vectorised pandas operations, never an evaluator.

Each test of the tree becomes one boolean Series over the frame's rows (comparisons,
``in`` lists, ``is null``), and ``not``/``and``/``or`` combine them with ``~``, ``&``
and ``|``. Nulls never equal nor order against anything, while ``!=`` and ``not in``
are exactly ``not (==)`` and ``not (in)``. A literal must be of the field's kind (text
with text, numbers with numbers, dates with dates; a text field holding ISO dates is
compared as dates); anything else is a :class:`~geoatlas.errors.WhereError` with a caret
under the column, never a silent empty result. :func:`select` is the one entry point
the package uses: parse, check the fields, evaluate.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"km": [5.0, None, 80.0]}, index=["a", "b", "c"])
>>> mask(parse("km > 3 and km < 50"), df).tolist()
[True, False, False]
>>> list(select(df, "km != 5").index)
['b', 'c']
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import WhereError
from .fields import KIND_WORDS, check, column, unknown_value, value_kind
from .syntax import caret, date_literal, parse
from .tree import And, Compare, Expr, Field, In, IsNull, Literal, Not

__all__ = ["mask", "select"]


@dataclass
class _Ctx:
    frame: pd.DataFrame
    text: str
    what: str
    vocab: Mapping[str, Iterable[str]]
    values: bool

    def fail(self, pos: int, message: str) -> WhereError:
        return WhereError(f"{self.what} expression at column {pos + 1} failed: {message}:\n"
                          f"{caret(self.text, pos)}", expression=self.text, column=pos + 1)


def _as_dates(series: pd.Series, field: Field, ctx: _Ctx) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        out = series
    else:
        text = series.map(lambda v: v.isoformat() if isinstance(v, dt.date) else v)
        out = pd.to_datetime(text, errors="coerce", format="ISO8601")
        bad = series.notna() & out.isna()
        if bad.any():
            example = series[bad].iloc[0]
            raise ctx.fail(field.pos, f"field {field.name} holds text that is not "
                                      f"an ISO date ({example!r}), so it cannot be compared "
                                      "with a date")
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert(None)
    return out


def _date_value(lit: Literal, ctx: _Ctx) -> pd.Timestamp:
    if lit.kind == "date":
        return pd.Timestamp(lit.value)
    if lit.kind == "text" and re.fullmatch(r"\d{4}(-\d{2}){0,2}", lit.value):
        try:  # an ISO date written as text: '2017', '2017-11', '2017-11-30'
            day = date_literal(lit.value + "-01" * (lit.value.count("-") == 0))
        except ValueError as exc:
            raise ctx.fail(lit.pos, str(exc)) from None
        return pd.Timestamp(day)
    raise ctx.fail(lit.pos, f"{_show(lit)} is {KIND_WORDS[lit.kind]}, not a date "
                            "(write dates as 2020-06-30)")


def _show(lit: Literal) -> str:
    if lit.kind == "text":
        return repr(lit.value)
    if lit.kind == "date":
        return lit.value.isoformat()
    return str(lit.value).lower() if lit.kind == "bool" else str(lit.value)


def _hint_quote(field: Field, lit: Literal) -> str:
    return f"; quote text values ({field.name} == '{lit.value}')" if lit.kind == "number" else ""


def _pair(field: Field, series: pd.Series, lit: Literal, ctx: _Ctx) -> tuple[pd.Series, Any]:
    """The column and the literal, made comparable, or a clear error."""
    kind = value_kind(series)
    if kind == "date" or (lit.kind == "date" and kind == "text"):
        return _as_dates(series, field, ctx), _date_value(lit, ctx)
    if kind == lit.kind:
        return series, lit.value
    raise ctx.fail(lit.pos, f"field {field.name} holds {KIND_WORDS[kind]}, "
                            f"{_show(lit)} is {KIND_WORDS[lit.kind]}{_hint_quote(field, lit)}")


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}
_SWAP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _compare(op: str, left: pd.Series, right: Any, index: pd.Index, ctx: _Ctx,
             pos: int) -> pd.Series:
    """``left op right`` with nulls false (``!=`` is ``not ==``)."""
    if op == "!=":
        return ~_compare("==", left, right, index, ctx, pos)
    try:  # nulls compare false in numpy, datetime and pandas' string columns
        res = _OPS[op](left, right)
        return pd.Series(np.asarray(res.fillna(False) if res.dtype != bool else res,
                                    dtype=bool), index=index)
    except TypeError:  # a Python-object column holding nulls: compare the rest only
        pass
    ok = left.notna()
    if isinstance(right, pd.Series):
        ok &= right.notna()
    out = np.zeros(len(index), dtype=bool)
    if ok.any():
        a = left[ok]
        b = right[ok] if isinstance(right, pd.Series) else right
        try:
            res = _OPS[op](a, b)
        except TypeError as exc:
            raise ctx.fail(pos, f"values of different kinds ({exc})") from None
        out[np.flatnonzero(ok.to_numpy())] = np.asarray(res, dtype=bool)
    return pd.Series(out, index=index)


def _eval_compare(node: Compare, ctx: _Ctx) -> pd.Series:
    index = ctx.frame.index
    left, right, op = node.left, node.right, node.op
    if isinstance(left, Literal) and isinstance(right, Field):
        left, right, op = right, left, _SWAP[op]
    if isinstance(left, Literal):  # literal against literal: a constant
        assert isinstance(right, Literal)
        if left.kind != right.kind:
            raise ctx.fail(right.pos, f"{_show(left)} is {KIND_WORDS[left.kind]}, "
                                      f"{_show(right)} is {KIND_WORDS[right.kind]}")
        return pd.Series(bool(_OPS[op](left.value, right.value)), index=index)
    series = column(ctx.frame, left.name)
    if isinstance(right, Literal):
        col, value = _pair(left, series, right, ctx)
        if op in ("==", "!=") and right.kind == "text":
            _known_value(left, series, right, ctx)
        return _compare(op, col, value, index, ctx, right.pos)
    other = column(ctx.frame, right.name)
    ka, kb = value_kind(series), value_kind(other)
    if ka == "date" or kb == "date":
        series, other = _as_dates(series, left, ctx), _as_dates(other, right, ctx)
    elif ka != kb:
        raise ctx.fail(right.pos, f"field {left.name} holds {KIND_WORDS[ka]}, "
                                  f"field {right.name} holds {KIND_WORDS[kb]}")
    return _compare(op, series, other, index, ctx, right.pos)


def _eval_in(node: In, ctx: _Ctx) -> pd.Series:
    index = ctx.frame.index
    if isinstance(node.operand, Literal):
        lit = node.operand
        hit = any(v.kind == lit.kind and v.value == lit.value for v in node.values)
        return pd.Series(hit != node.negated, index=index)
    series = column(ctx.frame, node.operand.name)
    values = []
    for lit in node.values:
        col, value = _pair(node.operand, series, lit, ctx)
        if lit.kind == "text":
            _known_value(node.operand, series, lit, ctx)
        values.append(value)
    hit = col.isin(values).fillna(False).astype(bool) & col.notna()
    return ~hit if node.negated else hit


def _known_value(field: Field, series: pd.Series, lit: Literal, ctx: _Ctx) -> None:
    if ctx.values and (why := unknown_value(field.name, series, lit.value, ctx.vocab)):
        raise ctx.fail(lit.pos, why)


def _eval(expr: Expr, ctx: _Ctx) -> pd.Series:
    if isinstance(expr, Compare):
        return _eval_compare(expr, ctx)
    if isinstance(expr, In):
        return _eval_in(expr, ctx)
    if isinstance(expr, IsNull):
        if isinstance(expr.operand, Literal):
            return pd.Series(expr.negated, index=ctx.frame.index)
        null = column(ctx.frame, expr.operand.name).isna()
        return ~null if expr.negated else null
    if isinstance(expr, Not):
        return ~_eval(expr.item, ctx)
    parts = [_eval(item, ctx) for item in expr.items]
    out = parts[0]
    for part in parts[1:]:
        out = (out & part) if isinstance(expr, And) else (out | part)
    return out


def mask(expr: Expr, frame: pd.DataFrame, text: str = "", what: str = "where",
         vocab: Mapping[str, Iterable[str]] | None = None, values: bool = True) -> pd.Series:
    """The boolean Series of the rows of ``frame`` matching ``expr`` (vectorised).

    Parameters
    ----------
    expr : Expr
        A tree from :func:`parse`.
    frame : pandas.DataFrame
        The rows to test; fields are its columns (or its index, by the index's name).
    text, what : str
        The expression's text and name, for error messages.
    vocab : mapping of str to iterable of str, optional
        Values a text field may hold besides those present (its vocabulary).
    values : bool
        Whether ``==``/``!=``/``in`` against a text value that no row holds (and that is
        not in ``vocab``) is an error naming the values that exist. Turn it off when
        ``frame`` is one part of a larger whole.

    Examples
    --------
    >>> from geoatlas.where import parse
    >>> df = pd.DataFrame({"status": ["operating", "proposed"]})
    >>> mask(parse("status != 'proposed'"), df).tolist()
    [True, False]
    >>> mask(parse("status == 'operational'"), df, "status == 'operational'")
    Traceback (most recent call last):
    ...
    geoatlas.errors.WhereError: where expression at column 11 failed: no feature has \
status 'operational' (did you mean 'operating'?); values of status: operating, proposed:
      status == 'operational'
                ^
    """
    check(expr, frame, text, what)
    ctx = _Ctx(frame, text, what, vocab or {}, values)
    out = _eval(expr, ctx)
    return out.astype(bool)


def select(frame: pd.DataFrame, text: str | None, what: str = "where",
           vocab: Mapping[str, Iterable[str]] | None = None,
           values: bool = True) -> pd.DataFrame:
    """Rows of ``frame`` matching the where expression ``text`` (``None`` or blank: all).

    See :func:`mask` for the parameters.

    >>> df = pd.DataFrame({"n": [1, 2, 3]})
    >>> select(df, "n >= 2 and not n in [3]")["n"].tolist()
    [2]
    """
    if text is None or not str(text).strip():
        return frame
    expr = parse(text, what)
    return frame[mask(expr, frame, text, what, vocab, values).to_numpy()]
