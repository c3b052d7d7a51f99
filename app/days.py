"""Date filters: the one place where a day typed as text becomes a date, and where
"from day A to day B, both inclusive, in UTC" becomes conditions on a timestamp.

Every filter by date (results, review queue, audit log, exports, API, CLI) ends in
``within_days``. Any day a ``date`` can hold works, 0001-01-01 to 9999-12-31: the end
bound of a range is the start of the day after its last day, and the day after
9999-12-31 is past what a ``datetime`` can hold (an ``OverflowError``, once a 500); a
range ending on that day has no end bound instead, since no timestamp comes later.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(text: str) -> date:
    """The day written ``YYYY-MM-DD`` (0001-01-01 to 9999-12-31); ValueError otherwise."""
    if not _ISO_DAY.fullmatch(text):
        raise ValueError(f"not a date written YYYY-MM-DD: {text!r}")
    return date.fromisoformat(text)


def day_start(day: date) -> datetime:
    """Midnight UTC at the start of ``day``."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def day_end(day: date) -> datetime | None:
    """Midnight UTC at the end of ``day`` (the exclusive end of a range ending on it);
    None for the last day a date can hold, after which no timestamp comes."""
    return None if day >= date.max else day_start(day + timedelta(days=1))


def within_days(
    column: Any, first: date | None = None, last: date | None = None
) -> list[ColumnElement[bool]]:
    """Conditions keeping the UTC timestamp ``column`` within the days ``first`` to
    ``last``, both inclusive; None leaves that side open."""
    conditions: list[ColumnElement[bool]] = []
    if first is not None:
        conditions.append(column >= day_start(first))
    end = day_end(last) if last is not None else None
    if end is not None:
        conditions.append(column < end)
    return conditions
