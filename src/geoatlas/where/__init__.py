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

The parts: :mod:`~geoatlas.where.syntax` (text to tree), :mod:`~geoatlas.where.tree`
(the nodes), :mod:`~geoatlas.where.fields` (a frame's fields and kinds; unknown names and
values) and :mod:`~geoatlas.where.evaluate` (tree to a boolean Series); this module is
their public face.

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

from .evaluate import mask, select
from .fields import check, field_choices
from .syntax import parse
from .tree import And, Compare, Field, In, IsNull, Literal, Not, Or, field_names

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
    "field_choices",
    "field_names",
    "mask",
    "parse",
    "select",
]
