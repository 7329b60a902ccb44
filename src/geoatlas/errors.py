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

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "DataError",
    "GeoatlasError",
    "OutputError",
    "Problem",
    "QueryError",
    "RecipeError",
    "ValidationError",
    "WorkspaceError",
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


class RecipeError(GeoatlasError, ValueError):
    """A map recipe (``maps/*.toml``) is wrong: unknown key, layer or field."""


class QueryError(GeoatlasError, ValueError):
    """A spatial query names an unknown layer, field or id, or cannot be parsed."""


class OutputError(GeoatlasError, OSError):
    """An output could not be written (it is left untouched, never half-written)."""
