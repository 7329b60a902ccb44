"""Status of any contract, rail link or corridor as of a date, from dated events.

A subject's history is a list of :class:`Transition` (date, status), built from
``events.csv`` rows that carry a status, plus one implicit transition at the row's own
``awarded``/``opened`` date when the events say nothing about it. Partial dates take
effect from the first day of their period (an event dated ``2017-11`` counts from
1 November 2017). Undated events (precision ``unknown``) are applied after every dated
one in the *current* view, and in an ``as_of`` view only reported in ``status_note``,
because we cannot say whether they had happened by then.

Examples
--------
>>> import datetime as dt
>>> h = [Transition(dt.date(2023, 1, 5), "signed", "e1"), Transition(None, "terminated", "e2")]
>>> status_at(h, None)
('terminated', None, '')
>>> status_at([*h[:1], Transition(dt.date(2025, 6, 17), "terminated", "e3"), h[1]], None)
('terminated', datetime.date(2025, 6, 17), '')
>>> status_at(h, dt.date(2024, 1, 1))
('signed', datetime.date(2023, 1, 5), 'an undated event (e2) reports it terminated')
>>> status_at(h, dt.date(2020, 1, 1))
(None, None, 'not yet: first recorded 2023-01-05')
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from .schema import parse_date

__all__ = ["Transition", "histories", "status_at", "statuses", "to_date"]


@dataclass(frozen=True)
class Transition:
    """From ``date`` on (``None``: undated), the subject's status is ``status``."""

    date: dt.date | None
    status: str
    event_id: str


def to_date(value: str | dt.date | None) -> dt.date | None:
    """Coerce ``'2025-06'``, a date or ``None`` to a date (first day of a period)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return parse_date(str(value))[0]


def histories(
    events: pd.DataFrame, layer: str, subjects: pd.DataFrame, date_column: str | None
) -> dict[str, list[Transition]]:
    """Ordered status transitions of every row of ``subjects`` (a layer or table)."""
    ev = events[(events["subject_layer"] == layer) & (events["status"].fillna("") != "")]
    out: dict[str, list[Transition]] = {str(i): [] for i in subjects["id"]}
    for row in ev.itertuples(index=False):
        if row.subject_id in out:
            out[row.subject_id].append(Transition(to_date(row.date), row.status, row.id))
    for ident, status, when in zip(
        subjects["id"],
        subjects["status"],
        subjects[date_column] if date_column else [None] * len(subjects),
    ):
        hist = out[str(ident)]
        if not hist and status:
            hist.append(Transition(to_date(when), status, f"{ident}:{date_column or 'row'}"))
        # dated first (stable by date), undated last in file order
        hist.sort(key=lambda t: (t.date is None, t.date or dt.date.min))
    return out


def status_at(
    history: list[Transition], as_of: dt.date | None
) -> tuple[str | None, dt.date | None, str]:
    """Return ``(status, since, note)`` of one history as of a date (``None``: now).

    ``status`` is ``None`` when the first recorded transition is after ``as_of``.
    """
    if not history:
        return None, None, "no status recorded"
    if as_of is None:
        last = history[-1]
        since = last.date
        if since is None:  # undated latest: it holds at least since the same status was dated
            for t in reversed(history):
                if t.status != last.status:
                    break
                since = t.date or since
        return last.status, since, ""
    dated = [t for t in history if t.date is not None]
    undated = [t for t in history if t.date is None]
    past = [t for t in dated if t.date <= as_of]
    note = "; ".join(f"an undated event ({t.event_id}) reports it {t.status}" for t in undated)
    if not dated:
        # nothing is dated: the status is timeless, as far as we know
        return history[-1].status, None, note or "undated status"
    if not past:
        return None, None, f"not yet: first recorded {dated[0].date.isoformat()}"
    return past[-1].status, past[-1].date, note


def statuses(
    hist: dict[str, list[Transition]], ids, as_of: dt.date | None
) -> pd.DataFrame:
    """Status, since-date and note for each id, as a DataFrame aligned with ``ids``."""
    rows = [status_at(hist.get(str(i), []), as_of) for i in ids]
    return pd.DataFrame(rows, columns=["status", "status_since", "status_note"])
