"""A small cache of aggregate query results, valid while the data behind them is unchanged.

The figures change only when a response, a review or an organisation changes, while a
results page runs a dozen aggregate queries (tens to hundreds of milliseconds each at
100,000 responses, over the stored theme scores). Each entry is keyed by the
statement (SQL and parameters) and stored with a *data version*: a cheap query reading
the counts and newest ids/timestamps of the tables any change touches (responses, their
events, the audit log that every change in the app writes to, organisations). A read
whose data version differs recomputes. A time limit bounds what the version cannot see
(e.g. a change made directly in the database). One cache per process; thread-safe.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from ...models import AuditEntry, Organisation, Response, ResponseEvent


def data_version(session: Any) -> tuple[Any, ...]:
    """What changes whenever anything the results count changes (one round trip)."""
    row = session.execute(
        select(
            select(func.count(Response.id)).scalar_subquery(),
            select(func.max(Response.id)).scalar_subquery(),
            select(func.max(Response.updated_at)).scalar_subquery(),
            select(func.max(ResponseEvent.id)).scalar_subquery(),
            select(func.max(AuditEntry.id)).scalar_subquery(),
            select(func.count(Organisation.id)).scalar_subquery(),
            select(func.max(Organisation.id)).scalar_subquery(),
        )
    ).one()
    return tuple(row)


class ResultCache:
    """Rows of aggregate statements, per statement, while the data version holds."""

    def __init__(
        self,
        ttl_seconds: float = 600,
        max_entries: int = 128,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self.clock = clock
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[tuple[str, str], tuple[tuple[Any, ...], float, list[Any]]]
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def rows(self, session: Any, stmt: Any, version: tuple[Any, ...] | None = None) -> list[Any]:
        """The statement's rows, from the cache while the data version is the same.
        ``version``: the data version when the caller has read it already."""
        if self.ttl <= 0:
            return list(session.execute(stmt))
        compiled = stmt.compile(dialect=session.get_bind().dialect)
        key = (str(compiled), repr(sorted(compiled.params.items(), key=lambda kv: kv[0])))
        version = data_version(session) if version is None else version
        now = self.clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == version and entry[1] > now:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[2]
        rows = list(session.execute(stmt))
        with self._lock:
            self.misses += 1
            self._entries[key] = (version, now + self.ttl, rows)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return rows

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class ReadOnlyView:
    """The cache as seen by one read-only unit of work (a results page): the data version
    is read once, at the first statement, instead of once per statement. Only for work
    that writes nothing in between (its own writes would not move the version)."""

    def __init__(self, cache: ResultCache) -> None:
        self.cache = cache
        self.version: tuple[Any, ...] | None = None

    def rows(self, session: Any, stmt: Any) -> list[Any]:
        if self.cache.ttl <= 0:
            return list(session.execute(stmt))
        if self.version is None:
            self.version = data_version(session)
        return self.cache.rows(session, stmt, self.version)
