r"""The one safe filter language of recipes, ``geoatlas query --where`` and the Python API.

A ``where`` string is untrusted text (a colleague's recipe, a stranger's query), so it
never reaches an evaluator: a tokenizer and a recursive-descent parser turn it into a
small tree of the nodes below, and :func:`mask` applies that tree with vectorised
pandas operations. Anything outside this grammar is a :class:`~geoatlas.errors.WhereError`
pointing at the column where it goes wrong::

    expression := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | "(" expression ")" | test
    test       := operand ("==" | "!=" | "<" | "<=" | ">" | ">=") operand
                | operand ["not"] "in" "[" literal ("," literal)* [","] "]"
                | operand "is" ["not"] "null"
    operand    := field | literal
    field      := name | `any text but a backtick`
    literal    := 'text' | "text" | number | date | true | false

Names are letters, digits and ``_`` (not starting with a digit); a field whose name is
anything else (a space, a dot, a keyword) is written in backticks. Text literals take
``\'``, ``\"`` and ``\\`` escapes. Numbers are decimal (``3000000000``, ``3e9``,
``-2.5``); dates are ISO (``2020-06-30``, ``2017-11`` meaning the start of the month).
Keywords (``and or not in is null true false``) are case-insensitive.

Semantics: a missing value (null: NaN, None or an empty text cell) never equals, nor
orders against, anything, so ``status == 'x'`` and ``km > 3`` are false on null rows,
while ``!=`` and ``not in`` are exactly ``not (==)`` and ``not (in)`` and so are true
there; ``is null`` selects them.
Text is compared with text, numbers with numbers, dates with dates (a text field holding
ISO dates is compared as dates); anything else is an error, never a silent empty result.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"status": ["operating", "proposed", None], "km": [5.0, 80.0, 12.0],
...                    "opened": ["2020-06-30", "2011", None]}, index=["a", "b", "c"])
>>> list(select(df, "status == 'operating' or km > 50").index)
['a', 'b']
>>> list(select(df, "status not in ['operating'] and opened is not null").index)
['b']
>>> list(select(df, "opened >= 2015-01-01").index)
['a']
>>> tree = parse("not km > 3 or (status in ['x'])")
>>> tree.items[0].item
Compare(op='>', left=Field(name='km', pos=4), right=Literal(value=3, kind='number', pos=9))
>>> tree.items[1].values
(Literal(value='x', kind='text', pos=26),)
>>> select(df, "status.__class__")  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
...
geoatlas.errors.WhereError: where expression does not parse at column 7 ('.' is not
part of the where language; write a field name with dots in backticks):
  status.__class__
        ^
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Union

import numpy as np
import pandas as pd

from .errors import WhereError, did_you_mean, listing
from .textcheck import BAD_TEXT_RE

__all__ = [
    "And",
    "Compare",
    "Field",
    "In",
    "IsNull",
    "Literal",
    "Not",
    "Or",
    "check",
    "field_names",
    "mask",
    "parse",
    "select",
    "vocabulary",
]

MAX_LENGTH = 10_000
"""Longest expression accepted (characters)."""
MAX_DEPTH = 64
"""Deepest nesting of parentheses and ``not`` accepted."""
KEYWORDS = ("and", "or", "not", "in", "is", "null", "true", "false")


# -- the tree ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """A field (column) of the frame; ``pos`` is the 0-based offset in the text."""

    name: str
    pos: int


@dataclass(frozen=True)
class Literal:
    """A constant: ``kind`` is ``text``, ``number``, ``date`` or ``bool``."""

    value: Any
    kind: str
    pos: int


Operand = Union[Field, Literal]  # noqa: UP007 (a runtime alias: 3.10 has no | here)


@dataclass(frozen=True)
class Compare:
    """``left op right`` with ``op`` one of ``== != < <= > >=``."""

    op: str
    left: Operand
    right: Operand


@dataclass(frozen=True)
class In:
    """``operand [not] in [values]``."""

    operand: Operand
    values: tuple[Literal, ...]
    negated: bool = False


@dataclass(frozen=True)
class IsNull:
    """``operand is [not] null``."""

    operand: Operand
    negated: bool = False


@dataclass(frozen=True)
class Not:
    """``not item``."""

    item: Expr


@dataclass(frozen=True)
class And:
    """``a and b and ...``."""

    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    """``a or b or ...``."""

    items: tuple[Expr, ...]


Expr = Union[Compare, In, IsNull, Not, And, Or]  # noqa: UP007


# -- tokens --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Token:
    kind: str  # name, field, text, number, date, op, kw, end
    value: Any
    pos: int


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<date>[0-9]{4}-[0-9]{2}(?:-[0-9]{2})?)(?![\w.\-])
  | (?P<number>[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)(?![\w.])
  | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
  | (?P<name>[^\W\d]\w*)
""", re.VERBOSE)

_FORBIDDEN = {
    ".": "'.' is not part of the where language; write a field name with dots in backticks",
    "@": "'@' is not part of the where language (no variables)",
    "=": "invalid syntax",
    "&": "'&' is not part of the where language; write and",
    "|": "'|' is not part of the where language; write or",
    "~": "'~' is not part of the where language; write not",
    "!": "'!' is not part of the where language; write not",
}


class _Syntax(Exception):
    def __init__(self, pos: int, reason: str = "invalid syntax"):
        super().__init__(reason)
        self.pos, self.reason = pos, reason


def _quoted(text: str, start: int) -> tuple[str, int]:
    """The text literal opening at ``start``; return ``(value, end)``."""
    quote, out, i = text[start], [], start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if ch == quote:
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise _Syntax(start, f"text opened with {quote} is never closed")


def _date(text: str, pos: int) -> dt.date:
    parts = [int(p) for p in text.split("-")]
    try:
        return dt.date(parts[0], parts[1], parts[2] if len(parts) > 2 else 1)
    except ValueError:
        raise _Syntax(pos, f"{text} is not a date (YYYY-MM-DD or YYYY-MM)") from None


def _number(text: str, pos: int) -> int | float:
    value: int | float
    if re.fullmatch(r"[-+]?[0-9]{1,15}", text):  # exact as an int and as a float
        return int(text)
    value = float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 24 else text[:20] + "..."
        raise _Syntax(pos, f"{shown} is too large a number")
    return value


def _tokens(text: str) -> Iterator[_Token]:
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "'\"":
            value, end = _quoted(text, i)
            yield _Token("text", value, i)
            i = end
            continue
        if ch == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise _Syntax(i, "field name opened with ` is never closed")
            if end == i + 1:
                raise _Syntax(i, "empty field name ``")
            yield _Token("field", text[i + 1:end], i)
            i = end + 1
            continue
        m = _TOKEN.match(text, i)
        if m is None:
            word = re.match(r"[-+]?\.?\d[\w.+-]*", text[i:])  # any digit: '٣' too
            if word:
                raise _Syntax(i, f"{word.group()} is not a number (write 3000000000 or 3e9)")
            raise _Syntax(i, _FORBIDDEN.get(ch, f"{ch!r} is not part of the where language"))
        kind, value = m.lastgroup, m.group()
        if kind == "date":
            yield _Token("date", _date(value, i), i)
        elif kind == "number":
            yield _Token("number", _number(value, i), i)
        elif kind == "op":
            yield _Token("op", value, i)
        elif kind == "name":
            low = value.lower()
            yield _Token("kw", low, i) if low in KEYWORDS else _Token("name", value, i)
        i = m.end()
    yield _Token("end", None, len(text.rstrip()))


# -- the parser ----------------------------------------------------------------------------
class _Parser:
    def __init__(self, text: str):
        self.tokens = list(_tokens(text))
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def accept(self, kind: str, value: Any) -> bool:
        if self.tok.kind == kind and self.tok.value == value:
            self.i += 1
            return True
        return False

    def expect(self, kind: str, value: Any) -> None:
        if not self.accept(kind, value):
            raise _Syntax(self.tok.pos)

    def parse(self) -> Expr:
        expr = self.or_()
        if self.tok.kind != "end":
            raise _Syntax(self.tok.pos)
        return expr

    def or_(self) -> Expr:
        items = [self.and_()]
        while self.accept("kw", "or"):
            items.append(self.and_())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self) -> Expr:
        items = [self.not_()]
        while self.accept("kw", "and"):
            items.append(self.not_())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_(self) -> Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Syntax(self.tok.pos, f"nested deeper than {MAX_DEPTH} levels")
        try:
            if self.accept("kw", "not"):
                return Not(self.not_())
            if self.accept("op", "("):
                expr = self.or_()
                self.expect("op", ")")
                return expr
            return self.test()
        finally:
            self.depth -= 1

    def operand(self) -> Operand:
        tok = self.take()
        if tok.kind in ("name", "field"):
            return Field(tok.value, tok.pos)
        if tok.kind in ("text", "number", "date"):
            return Literal(tok.value, tok.kind, tok.pos)
        if tok.kind == "kw" and tok.value in ("true", "false"):
            return Literal(tok.value == "true", "bool", tok.pos)
        raise _Syntax(tok.pos)

    def literal(self) -> Literal:
        start = self.tok.pos
        item = self.operand()
        if not isinstance(item, Literal):
            raise _Syntax(start, "a list after 'in' holds values (quote text), not fields")
        return item

    def test(self) -> Expr:
        left = self.operand()
        tok = self.tok
        if tok.kind == "op" and tok.value in ("==", "!=", "<", "<=", ">", ">="):
            self.take()
            return Compare(tok.value, left, self.operand())
        negated = self.accept("kw", "not")
        if self.accept("kw", "in"):
            self.expect("op", "[")
            values = [self.literal()]
            while self.accept("op", ","):
                if self.tok.kind == "op" and self.tok.value == "]":
                    break
                values.append(self.literal())
            self.expect("op", "]")
            return In(left, tuple(values), negated)
        if negated:
            raise _Syntax(self.tok.pos)
        if self.accept("kw", "is"):
            negated = self.accept("kw", "not")
            self.expect("kw", "null")
            return IsNull(left, negated)
        raise _Syntax(tok.pos)


def _caret(text: str, pos: int) -> str:
    """The text on one line (tabs and newlines shown as spaces) and a caret under ``pos``."""
    # whitespace, control and bidi characters as spaces: one line, shown as written
    shown = re.sub(rf"\s|{BAD_TEXT_RE}|[\u200e\u200f]", " ", text.rstrip())
    return f"  {shown}\n  {' ' * pos}^"


def parse(text: str, what: str = "where") -> Expr:
    """Parse a where expression into its tree.

    Parameters
    ----------
    text : str
        The expression.
    what : str
        How errors name the expression (``"where"``, ``"--by-where"``, ...).

    Raises
    ------
    WhereError
        The expression is not in the language; the message points at the column.

    Examples
    --------
    >>> parse("kind not in ['sea_port', 'dry_port']").negated
    True
    >>> parse("`opened on` is not null")
    IsNull(operand=Field(name='opened on', pos=0), negated=True)
    >>> parse("__import__('os')")
    Traceback (most recent call last):
    ...
    geoatlas.errors.WhereError: where expression does not parse at column 11 (invalid syntax):
      __import__('os')
                ^
    """
    if not isinstance(text, str):
        raise WhereError(f"{what} expression must be text, not {type(text).__name__}",
                         expression=str(text), column=None)
    if len(text) > MAX_LENGTH:
        raise WhereError(f"{what} expression is {len(text):,} characters long; "
                         f"the limit is {MAX_LENGTH:,}", expression=text[:80], column=None)
    try:
        return _Parser(text).parse()
    except _Syntax as exc:
        col = exc.pos + 1
        raise WhereError(f"{what} expression does not parse at column {col} ({exc.reason}):\n"
                         f"{_caret(text, exc.pos)}", expression=text, column=col) from None


# -- walking the tree ----------------------------------------------------------------------
def _walk(expr: Expr) -> Iterator[Expr]:
    yield expr
    if isinstance(expr, (And, Or)):
        for item in expr.items:
            yield from _walk(item)
    elif isinstance(expr, Not):
        yield from _walk(expr.item)


def _operands(expr: Expr) -> Iterator[Operand]:
    for node in _walk(expr):
        if isinstance(node, Compare):
            yield node.left
            yield node.right
        elif isinstance(node, (In, IsNull)):
            yield node.operand


def field_names(expr: Expr) -> list[str]:
    """The fields an expression reads, in order of first use.

    >>> field_names(parse("b == 1 or a is null or b > 2"))
    ['b', 'a']
    """
    return list(dict.fromkeys(o.name for o in _operands(expr) if isinstance(o, Field)))


# -- columns -------------------------------------------------------------------------------
def _fields(frame: pd.DataFrame) -> list[str]:
    geom = getattr(frame, "_geometry_column_name", None)
    return [str(c) for c in frame.columns if c != geom]


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
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


def _has(frame: pd.DataFrame, name: str) -> bool:
    return name in _fields(frame) or (frame.index.name is not None
                                      and name == str(frame.index.name))


def _kind(series: pd.Series) -> str:
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


_KIND_WORDS = {"text": "text", "number": "a number", "date": "a date",
               "bool": "true/false"}


@dataclass
class _Ctx:
    frame: pd.DataFrame
    text: str
    what: str
    vocab: Mapping[str, Iterable[str]]
    values: bool

    def fail(self, pos: int, message: str) -> WhereError:
        return WhereError(f"{self.what} expression at column {pos + 1} failed: {message}:\n"
                          f"{_caret(self.text, pos)}", expression=self.text, column=pos + 1)


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
            return pd.Timestamp(_date(lit.value + "-01" * (lit.value.count("-") == 0),
                                      lit.pos))
        except _Syntax as exc:
            raise ctx.fail(lit.pos, exc.reason) from None
    raise ctx.fail(lit.pos, f"{_show(lit)} is {_KIND_WORDS[lit.kind]}, not a date "
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
    kind = _kind(series)
    if kind == "date" or (lit.kind == "date" and kind == "text"):
        return _as_dates(series, field, ctx), _date_value(lit, ctx)
    if kind == lit.kind:
        return series, lit.value
    raise ctx.fail(lit.pos, f"field {field.name} holds {_KIND_WORDS[kind]}, "
                            f"{_show(lit)} is {_KIND_WORDS[lit.kind]}{_hint_quote(field, lit)}")


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
            raise ctx.fail(right.pos, f"{_show(left)} is {_KIND_WORDS[left.kind]}, "
                                      f"{_show(right)} is {_KIND_WORDS[right.kind]}")
        return pd.Series(bool(_OPS[op](left.value, right.value)), index=index)
    series = _column(ctx.frame, left.name)
    if isinstance(right, Literal):
        col, value = _pair(left, series, right, ctx)
        if op in ("==", "!=") and right.kind == "text":
            _known_value(left, series, right, ctx)
        return _compare(op, col, value, index, ctx, right.pos)
    other = _column(ctx.frame, right.name)
    ka, kb = _kind(series), _kind(other)
    if ka == "date" or kb == "date":
        series, other = _as_dates(series, left, ctx), _as_dates(other, right, ctx)
    elif ka != kb:
        raise ctx.fail(right.pos, f"field {left.name} holds {_KIND_WORDS[ka]}, "
                                  f"field {right.name} holds {_KIND_WORDS[kb]}")
    return _compare(op, series, other, index, ctx, right.pos)


def _eval_in(node: In, ctx: _Ctx) -> pd.Series:
    index = ctx.frame.index
    if isinstance(node.operand, Literal):
        lit = node.operand
        hit = any(v.kind == lit.kind and v.value == lit.value for v in node.values)
        return pd.Series(hit != node.negated, index=index)
    series = _column(ctx.frame, node.operand.name)
    values = []
    for lit in node.values:
        col, value = _pair(node.operand, series, lit, ctx)
        if lit.kind == "text":
            _known_value(node.operand, series, lit, ctx)
        values.append(value)
    hit = col.isin(values).fillna(False).astype(bool) & col.notna()
    return ~hit if node.negated else hit


def _eval(expr: Expr, ctx: _Ctx) -> pd.Series:
    if isinstance(expr, Compare):
        return _eval_compare(expr, ctx)
    if isinstance(expr, In):
        return _eval_in(expr, ctx)
    if isinstance(expr, IsNull):
        if isinstance(expr.operand, Literal):
            return pd.Series(expr.negated, index=ctx.frame.index)
        null = _column(ctx.frame, expr.operand.name).isna()
        return ~null if expr.negated else null
    if isinstance(expr, Not):
        return ~_eval(expr.item, ctx)
    parts = [_eval(item, ctx) for item in expr.items]
    out = parts[0]
    for part in parts[1:]:
        out = (out & part) if isinstance(expr, And) else (out | part)
    return out


# -- names and values the frame does not have ---------------------------------------------
def _known_value(field: Field, series: pd.Series, lit: Literal, ctx: _Ctx) -> None:
    if not ctx.values or _kind(series) != "text":
        return
    present = {str(v) for v in pd.unique(series.dropna())}
    allowed = present | {str(v) for v in ctx.vocab.get(field.name, ())}
    if lit.value in allowed:
        return
    shown = sorted(present) or ["(none: the field is empty)"]
    raise ctx.fail(lit.pos, f"no feature has {field.name} {lit.value!r}"
                            f"{did_you_mean(lit.value, allowed, quote=True)}; "
                            f"values of {field.name}: {listing(shown, 30)}")


def check(expr: Expr, frame: pd.DataFrame, text: str = "", what: str = "where") -> None:
    """Raise :class:`WhereError` if ``expr`` reads a field that ``frame`` does not have.

    The message names every unknown field, suggests the closest real one, lists the
    fields, and points at the first unknown field's column.

    >>> df = pd.DataFrame({"status": ["operating"]})
    >>> check(parse("stauts == 'x'"), df, "stauts == 'x'")
    Traceback (most recent call last):
    ...
    geoatlas.errors.WhereError: where expression names unknown field(s) stauts (did you \
mean status?) (quote text values: status == 'operating'); fields: status
      stauts == 'x'
      ^
    """
    unknown = [o for o in _operands(expr) if isinstance(o, Field) and not _has(frame, o.name)]
    if not unknown:
        return
    fields = _fields(frame)
    names = list(dict.fromkeys(o.name for o in unknown))
    text = text or ""
    caret = f"\n{_caret(text, unknown[0].pos)}" if text else ""
    raise WhereError(
        f"{what} expression names unknown field(s) {', '.join(names)}"
        f"{did_you_mean(names[0], fields)} (quote text values: status == 'operating'); "
        f"fields: {', '.join(fields)}{caret}",
        expression=text, column=unknown[0].pos + 1)


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


def vocabulary(layer: str) -> dict[str, tuple[str, ...]]:
    """Values the fields of atlas layer ``layer`` may hold by the schema's vocabularies.

    A value from these is never an "unknown value", even where no feature holds it now
    (``status == 'operating'`` as of a year before anything operated).

    >>> "operating" in vocabulary("rail")["status"]
    True
    """
    from . import schema

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
