"""Where text to tree: the tokenizer and the recursive-descent parser.

A where string is untrusted text, so it is only ever read by this small grammar (see
:mod:`geoatlas.where` for the language): a regular-expression tokenizer and a
recursive-descent parser turn it into the nodes of :mod:`geoatlas.where.tree`, and
anything outside the grammar (code, operators of other languages, unclosed quotes,
nesting deeper than :data:`MAX_DEPTH`, text longer than :data:`MAX_LENGTH`) becomes a
:class:`~geoatlas.errors.WhereError` with a caret under the column where it goes wrong.

Examples
--------
>>> parse("km > 3 and status in ['operating']").items[1].values
(Literal(value='operating', kind='text', pos=22),)
>>> print(caret("km >> 3", 4))
  km >> 3
      ^
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import WhereError
from ..textcheck import BAD_TEXT_RE
from .tree import And, Compare, Expr, Field, In, IsNull, Literal, Not, Operand, Or

__all__ = ["KEYWORDS", "MAX_DEPTH", "MAX_LENGTH", "caret", "date_literal", "parse"]

MAX_LENGTH = 10_000
"""Longest expression accepted (characters)."""
MAX_DEPTH = 64
"""Deepest nesting of parentheses and ``not`` accepted."""
KEYWORDS = ("and", "or", "not", "in", "is", "null", "true", "false")


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


def date_literal(text: str) -> dt.date:
    """The date of an ISO date literal (``YYYY-MM-DD`` or ``YYYY-MM``, the 1st).

    Raises
    ------
    ValueError
        Not a real date; the message is the one a where error shows.

    Examples
    --------
    >>> date_literal("2017-11")
    datetime.date(2017, 11, 1)
    >>> date_literal("2017-02-30")
    Traceback (most recent call last):
    ...
    ValueError: 2017-02-30 is not a date (YYYY-MM-DD or YYYY-MM)
    """
    parts = [int(p) for p in text.split("-")]
    try:
        return dt.date(parts[0], parts[1], parts[2] if len(parts) > 2 else 1)
    except ValueError:
        raise ValueError(f"{text} is not a date (YYYY-MM-DD or YYYY-MM)") from None


def _date(text: str, pos: int) -> dt.date:
    try:
        return date_literal(text)
    except ValueError as exc:
        raise _Syntax(pos, str(exc)) from None


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


def caret(text: str, pos: int) -> str:
    r"""The text on one line (tabs and newlines shown as spaces) and a caret under ``pos``.

    >>> print(caret("a ==\tb", 3))
      a == b
         ^
    """
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
                         f"{caret(text, exc.pos)}", expression=text, column=col) from None
