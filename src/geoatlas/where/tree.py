"""The tree a where expression parses into, and the walks over it.

The nodes are small frozen dataclasses (fields, literals, comparisons, ``in`` lists,
``is null`` tests and the ``not``/``and``/``or`` that combine them); they hold no code,
only what the text said and where (``pos``, the 0-based offset of an operand, for error
carets). :func:`walk` and :func:`operands` visit a tree; :func:`field_names` lists the
fields it reads. The parser (:mod:`geoatlas.where.syntax`) builds these trees and the
evaluator (:mod:`geoatlas.where.evaluate`) applies them.

Examples
--------
>>> tree = Or((Compare(">", Field("km", 0), Literal(3, "number", 5)),
...            IsNull(Field("status", 13))))
>>> [type(node).__name__ for node in walk(tree)]
['Or', 'Compare', 'IsNull']
>>> field_names(tree)
['km', 'status']
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Union

__all__ = [
    "And",
    "Compare",
    "Expr",
    "Field",
    "In",
    "IsNull",
    "Literal",
    "Not",
    "Operand",
    "Or",
    "field_names",
    "operands",
    "walk",
]


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


# -- walking the tree ----------------------------------------------------------------------
def walk(expr: Expr) -> Iterator[Expr]:
    """Every node of ``expr``, depth first, ``expr`` itself first.

    >>> [type(n).__name__ for n in walk(Not(IsNull(Field("a", 4))))]
    ['Not', 'IsNull']
    """
    yield expr
    if isinstance(expr, (And, Or)):
        for item in expr.items:
            yield from walk(item)
    elif isinstance(expr, Not):
        yield from walk(expr.item)


def operands(expr: Expr) -> Iterator[Operand]:
    """Every field and literal the tests of ``expr`` compare, in text order.

    >>> list(operands(In(Field("a", 0), (Literal("x", "text", 7),))))
    [Field(name='a', pos=0)]
    """
    for node in walk(expr):
        if isinstance(node, Compare):
            yield node.left
            yield node.right
        elif isinstance(node, (In, IsNull)):
            yield node.operand


def field_names(expr: Expr) -> list[str]:
    """The fields an expression reads, in order of first use.

    >>> from geoatlas.where import parse
    >>> field_names(parse("b == 1 or a is null or b > 2"))
    ['b', 'a']
    """
    return list(dict.fromkeys(o.name for o in operands(expr) if isinstance(o, Field)))
