"""The vocabularies in force while a workspace loads: the packaged words and its own.

A workspace may add words to a vocabulary (commodities, statuses) in its
``geoatlas.toml``; :func:`workspace_vocabularies` sets them for the duration of a load
(a context variable, so concurrent loads do not mix), and :func:`vocabulary` and
:func:`choices_of` are how every check reads the words allowed at that moment.

Examples
--------
>>> from geoatlas.schema import TABLES
>>> choices_of(TABLES["deposits"].column("commodities"))[:2]
('copper', 'iron')
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from .. import vocab
from .tables import COMMODITIES, STATUSES, Column

__all__ = ["choices_of", "vocabulary", "workspace_vocabularies"]


_WORKSPACE_VOCABULARIES: ContextVar[Mapping[str, tuple[str, ...]] | None] = ContextVar(
    "geoatlas_workspace_vocabularies", default=None)


def vocabulary(name: str) -> tuple[str, ...]:
    """The words of vocabulary ``name`` (``commodities`` or ``statuses``) in force.

    The packaged words, then those the workspace being loaded declares in its
    ``geoatlas.toml`` (see :func:`workspace_vocabularies`). Every check calls this.

    >>> "scandium" in vocabulary("commodities")
    False
    >>> with workspace_vocabularies({"commodities": ("scandium",)}):
    ...     vocabulary("commodities")[-1]
    'scandium'
    """
    if name not in ("commodities", "statuses"):
        raise KeyError(f"no workspace vocabulary '{name}'; known: commodities, statuses")
    return vocab.vocabulary(name, (_WORKSPACE_VOCABULARIES.get() or {}).get(name, ()))


@contextmanager
def workspace_vocabularies(extra: Mapping[str, Iterable[str]]) -> Iterator[None]:
    """Within the block, :func:`vocabulary` includes a workspace's extra words."""
    token = _WORKSPACE_VOCABULARIES.set({k: tuple(v) for k, v in extra.items()})
    try:
        yield
    finally:
        _WORKSPACE_VOCABULARIES.reset(token)


def choices_of(col: Column) -> tuple[str, ...]:
    """The allowed values of a column: its vocabulary in force, else its fixed choices."""
    if col.choices == COMMODITIES:
        return vocabulary("commodities")
    if col.choices == STATUSES:
        return vocabulary("statuses")
    return col.choices
