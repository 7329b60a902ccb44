"""The exception hierarchy: one root, subclasses that are also the matching built-in.

Every error that geoatlas raises on purpose derives from :class:`GeoatlasError`, so
``except geoatlas.GeoatlasError`` catches all of them, while ``except ValueError`` or
``except OSError`` keep working for callers who do not know geoatlas.

Data problems are collected as :class:`Problem` records (file, line or feature, message)
so that validation can report every problem at once instead of stopping at the first.

Examples
--------
>>> p = Problem("layers/deposits.csv", "duplicate id 'mes-aynak' (first on line 2)", line=7)
>>> str(p)
"layers/deposits.csv:7: duplicate id 'mes-aynak' (first on line 2)"
>>> str(Problem("layers/belts.csv", "polygon is invalid", feature="central-belt"))
'layers/belts.csv: feature central-belt: polygon is invalid'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "DataError",
    "GeoatlasDeprecationWarning",
    "GeoatlasError",
    "ImportRefused",
    "OutputError",
    "Problem",
    "QueryError",
    "RecipeError",
    "ValidationError",
    "WhereError",
    "WorkspaceError",
    "closest",
    "did_you_mean",
    "listing",
]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can.

    Parameters
    ----------
    path : str
        The file, relative to the workspace where possible.
    message : str
        What is wrong and, where we know, how to fix it.
    line : int, optional
        1-based line number in a text file.
    feature : str, optional
        Feature id (or index) where a line number does not apply.
    """

    path: str
    message: str
    line: int | None = None
    feature: str | None = None

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.path}:{self.line}: {self.message}"
        if self.feature is not None:
            return f"{self.path}: feature {self.feature}: {self.message}"
        return f"{self.path}: {self.message}"


class GeoatlasError(Exception):
    """Root of every error geoatlas raises on purpose."""


class WorkspaceError(GeoatlasError, FileNotFoundError):
    """The folder is not a workspace, or a required file is missing."""


class DataError(GeoatlasError, ValueError):
    """Input data is wrong. ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem("<data>", problems)]
        self.problems: list[Problem] = list(problems)
        super().__init__(self._summary())

    def _summary(self) -> str:
        shown = [str(p) for p in self.problems[:50]]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more")
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the workspace data:"
        return "\n".join([head, *shown])


class ValidationError(DataError):
    """Validation of a workspace found problems (all of them are in ``problems``)."""


class ImportRefused(DataError):
    """``geoatlas import`` refused an edited GeoPackage; ``problems`` says why (nothing written)."""


class RecipeError(GeoatlasError, ValueError):
    """A map recipe (``maps/*.toml``) is wrong: unknown key, layer or field.

    ``problems`` lists them as :class:`Problem` records (``maps/NAME.toml:LINE: ...``).
    """

    def __init__(self, message: str, problems: Iterable[Problem] = ()):
        super().__init__(message)
        self.problems: list[Problem] = list(problems)


class QueryError(GeoatlasError, ValueError):
    """A spatial query names an unknown layer, field or id, or cannot be parsed."""


class WhereError(QueryError):
    """A ``where`` expression is not in the language, or names unknown fields or values.

    ``expression`` is its text and ``column`` the 1-based column the message points at
    (``None`` when the problem is the whole expression).
    """

    def __init__(self, message: str, expression: str = "", column: int | None = None):
        super().__init__(message)
        self.expression = expression
        self.column = column


class OutputError(GeoatlasError, OSError):
    """An output could not be written (it is left untouched, never half-written)."""


class GeoatlasDeprecationWarning(FutureWarning):
    """A spelling that still works, but changes meaning or goes away in the next release.

    A :class:`FutureWarning`, so Python shows it to people running scripts and
    notebooks (a plain :class:`DeprecationWarning` is hidden outside ``__main__``).
    """


def closest(value: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """The at most ``n`` choices closest to ``value`` (difflib's ratio >= 0.6), best first.

    >>> closest("latitud", ["lat", "latitude", "lon"])
    ['latitude', 'lat']
    """
    return difflib.get_close_matches(str(value), [str(c) for c in choices], n=n)


def did_you_mean(value: str, choices: Iterable[str], *, n: int = 3, quote: bool = False) -> str:
    """A ``" (did you mean ...?)"`` hint naming the choices closest to ``value``, or ``""``.

    The one spelling suggester of the package (difflib's ratio, cut-off 0.6).

    Parameters
    ----------
    value : str
        What the user wrote.
    choices : iterable of str
        What exists.
    n : int
        At most this many suggestions.
    quote : bool
        Quote each suggestion (``'name'``), as messages that quote the wrong value do.

    Examples
    --------
    >>> did_you_mean("rial", ["rail", "roads", "places"])
    ' (did you mean rail?)'
    >>> did_you_mean("operational", ["operating", "proposed"], quote=True)
    " (did you mean 'operating'?)"
    >>> did_you_mean("zzz", ["rail"])
    ''
    """
    shown = [f"'{c}'" if quote else c for c in closest(value, choices, n=n)]
    return f" (did you mean {', '.join(shown)}?)" if shown else ""


def listing(values: Iterable[str], limit: int = 80) -> str:
    """``values`` joined with commas, the first ``limit`` only, saying how many more.

    >>> listing(["a", "b", "c"], limit=2)
    'a, b, ... (1 more)'
    """
    values = [str(v) for v in values]
    shown = ", ".join(values[:limit])
    return shown + (f", ... ({len(values) - limit} more)" if len(values) > limit else "")
