"""Which ``where`` filter selects which side of ``near`` and ``nearest``.

Every query verb returns rows for its *subjects* (``LAYER`` on the command line, the
first argument in Python), and ``where`` filters them: in ``within``, ``intersects`` and
``summarize`` it always has. ``near`` and ``nearest`` also have *counterparts* (``to``),
filtered by ``to_where`` (``--to-where``). Until this release ``where`` filtered the
counterparts there and ``filter`` the subjects; a script's ``where`` must not quietly
start selecting other features, so for one release:

- with ``to_where`` given, ``where`` filters the subjects (the new meaning);
- ``where`` without ``to_where`` keeps its old meaning (the counterparts) and warns,
  saying to write ``to_where`` (:class:`~geoatlas.errors.GeoatlasDeprecationWarning`
  in Python, a ``geoatlas: warning:`` line on the command line);
- ``filter`` still filters the subjects; giving it with the new ``where`` is an error.

:func:`split_filters` applies these rules in one place for the Python API, the dask
engine and the command line.

Examples
--------
>>> sides = split_filters("near", where="kind == 'mine'", to_where="status == 'operating'")
>>> sides.subjects, sides.counterparts, sides.deprecated
("kind == 'mine'", "status == 'operating'", None)
>>> old = split_filters("near", where="status == 'operating'")
>>> old.subjects, old.counterparts
(None, "status == 'operating'")
>>> import textwrap
>>> print(textwrap.fill(old.deprecated, 84))
where= in near() filters the counterparts ('to') for now; in the next release it
will filter the features asked about, as in within() and summarize(). Write
to_where= for the counterparts ('to') (with it, where= already filters the features
asked about).
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass

from .errors import GeoatlasDeprecationWarning, QueryError

__all__ = ["CLI_NAMES", "PYTHON_NAMES", "Sides", "split_filters", "warn_deprecated"]

PYTHON_NAMES = {"where": "where=", "to_where": "to_where=", "filter": "filter=",
                "verb": "{verb}()", "to": "the counterparts ('to')",
                "subjects": "the features asked about", "others": "within() and summarize()"}
"""How :func:`split_filters` names things to a Python caller."""
CLI_NAMES = {"where": "--where", "to_where": "--to-where", "filter": "--filter",
             "verb": "'query {verb}'", "to": "the --to features",
             "subjects": "the features of LAYER", "others": "within and summarize"}
"""How :func:`split_filters` names things on the command line."""


@dataclass(frozen=True)
class Sides:
    """The filters of a two-layer query, each on its side.

    ``subjects_label`` is the name the subjects' filter was given by (``"where"`` or
    ``"filter"``): where-language errors call the expression by it. ``deprecated`` is
    the warning to give when ``where`` kept its old meaning, else None.
    """

    subjects: str | None
    counterparts: str | None
    subjects_label: str = "where"
    deprecated: str | None = None

    def keywords(self) -> dict[str, str | None]:
        """The same filters as unambiguous ``where``/``filter``/``to_where`` keywords.

        >>> Sides("kind == 'mine'", None, "filter").keywords()
        {'where': None, 'filter': "kind == 'mine'", 'to_where': None}
        """
        by_where = self.subjects_label == "where"
        return {"where": self.subjects if by_where else None,
                "filter": None if by_where else self.subjects,
                "to_where": self.counterparts}


def split_filters(verb: str, where: str | None = None, to_where: str | None = None,
                  filter: str | None = None, names: dict[str, str] = PYTHON_NAMES) -> Sides:
    """Sort the filters of ``near``/``nearest`` into subjects and counterparts.

    Parameters
    ----------
    verb : str
        ``"near"`` or ``"nearest"`` (for the messages).
    where, to_where, filter : str, optional
        As given by the caller (None: not given; a blank string is given, and selects
        every feature).
    names : dict
        :data:`PYTHON_NAMES` or :data:`CLI_NAMES`: how messages name the options.

    Returns
    -------
    Sides
        The subjects' and counterparts' filters, and the deprecation message when
        ``where`` kept its old meaning.

    Raises
    ------
    QueryError
        ``where`` (new meaning) and ``filter`` both given: they filter the same side.

    Examples
    --------
    >>> split_filters("nearest", filter="kind == 'mine'").subjects_label
    'filter'
    >>> split_filters("near", where="a == 1", to_where="", filter="b == 2")
    Traceback (most recent call last):
    ...
    geoatlas.errors.QueryError: where= and filter= both filter the features asked about; give one (where=)
    """  # noqa: E501
    if where is not None and to_where is None:  # the old meaning, for one release
        return Sides(filter, where, "filter", _deprecation(verb, names))
    if where is not None and filter is not None:
        raise QueryError(f"{names['where']} and {names['filter']} both filter "
                         f"{names['subjects']}; give one ({names['where']})")
    if where is not None:
        return Sides(where, to_where, "where")
    return Sides(filter, to_where, "filter")


def _deprecation(verb: str, names: dict[str, str]) -> str:
    n = {**names, "verb": names["verb"].format(verb=verb)}
    return (f"{n['where']} in {n['verb']} filters {n['to']} for now; in the next release "
            f"it will filter {n['subjects']}, as in {n['others']}. Write {n['to_where']} "
            f"for {n['to']} (with it, {n['where']} already filters {n['subjects']}).")


def warn_deprecated(sides: Sides) -> None:
    """Issue ``sides.deprecated`` (if any) as a warning pointing at the caller's line.

    The warning names the first frame outside geoatlas, however deep the call came
    from (an :class:`~geoatlas.atlas.Atlas` method, the dask engine).
    """
    if sides.deprecated is None:
        return
    level, frame = 2, sys._getframe(1)  # stacklevel 2 is the frame that called us
    while frame is not None and frame.f_globals.get("__name__", "").startswith("geoatlas."):
        level, frame = level + 1, frame.f_back
    warnings.warn(sides.deprecated, GeoatlasDeprecationWarning, stacklevel=level)
