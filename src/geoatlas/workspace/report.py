"""Where loading records its problems: each one placed at its file and CSV line.

Every step of :mod:`.loader` adds to one :class:`ProblemLog` instead of raising, so a
broken workspace is reported all at once, sorted by file and line.

Examples
--------
>>> log = ProblemLog()
>>> log.lines["deposits"] = {"mes-aynak": 3}
>>> log.problem("deposits", "bad province", "mes-aynak")
>>> str(log.problems[0])
'layers/deposits.csv:3: bad province'
"""

from __future__ import annotations

from .. import schema
from ..errors import Problem, did_you_mean

__all__ = ["ProblemLog", "hint", "problem_order"]


class ProblemLog:
    """The problems found so far, and the CSV line of every row id (table -> id -> line)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.lines: dict[str, dict[str, int]] = {}

    def problem(self, table: str, message: str, ident: str | None = None) -> None:
        """Record a problem about row ``ident`` of ``table`` (by line when known)."""
        path = schema.TABLES[table].path if table in schema.TABLES else table
        line = self.lines.get(table, {}).get(ident) if ident is not None else None
        if line is None and ident is not None:
            self.problems.append(Problem(path, message, feature=ident))
        else:
            self.problems.append(Problem(path, message, line=line))


def problem_order(p: Problem):
    """Sort key of problems: by file, line, feature, then message."""
    return (p.path, p.line or 0, p.feature or "", p.message)


def hint(value: str, known: set[str]) -> str:
    """A "did you mean" suffix for an unknown ``value`` (empty when nothing is close).

    >>> hint("efsas-2032", {"efsas-2023", "idd-2019"})
    ' (did you mean efsas-2023?)'
    """
    return did_you_mean(value, sorted(known))
