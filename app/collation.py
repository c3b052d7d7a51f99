"""Names in the order their readers expect: "City of Évora" among the E's, not after
"City of Zamość"; "Óbidos" among the O's, not last. The Unicode Collation Algorithm with
its default table (DUCET, by pyuca): CLDR's root order, which is the standard order of
every language the interface speaks (English, German, French and Italian tailor none of
it). A language that does tailor it (Spanish "ñ", Swedish "å") would need ICU (PyICU).

Ground floor: no domain knowledge; services and views sort with ``sort_key``, and page
through rows whose order involves names with ``collated_page``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select
from sqlalchemy.orm import Session

T = TypeVar("T")


@lru_cache(maxsize=1)
def _collator() -> Any:
    import pyuca  # reads its table (DUCET, 0.3 s) once per process, when first needed

    return pyuca.Collator()


@lru_cache(maxsize=65536)
def sort_key(text: str | None) -> tuple[int, ...]:
    """The collation key of ``text``: compare these, not the strings."""
    return _collator().sort_key((text or "").strip())


def collated(
    items: Iterable[T], key: Callable[[T], str | None] = str, reverse: bool = False
) -> list[T]:
    """``items`` sorted by the name ``key`` gives them, in collation order."""
    return sorted(items, key=lambda item: sort_key(key(item)), reverse=reverse)


# --- pages of rows in collation order -------------------------------------------------


class _SortedPagination(Pagination):
    """A page of rows already put in order in Python (Flask-SQLAlchemy's pagination, with
    its page links, over a list of ids instead of a query)."""

    def _query_items(self) -> list[Any]:
        ids = self._query_args["ids"][self._query_offset : self._query_offset + self.per_page]
        return self._query_args["load"](ids)

    def _query_count(self) -> int:
        return len(self._query_args["ids"])


def _value_key(value: Any) -> tuple[Any, ...]:
    """Text by collation, other values as they compare; None last."""
    if value is None:
        return (1,)
    if isinstance(value, str) and not hasattr(value, "value"):  # names, not enum codes
        return (0, sort_key(value))
    return (0, value)


def collated_page(
    session: Session,
    stmt: Select,
    id_column: Any,
    keys: Sequence[Any],
    *,
    descending: bool = False,
    page: int = 1,
    per_page: int = 50,
) -> Pagination:
    """One page of the rows of ``stmt`` ordered by the columns ``keys`` (text ones by
    collation), then ``id_column``: the keys of every matching row are read (a few
    thousand rows at most: organisations, people, responses), sorted here, and only the
    page's rows loaded. A page past the end is empty."""
    rows = list(session.execute(stmt.with_only_columns(id_column, *keys).order_by(None)))
    rows.sort(key=lambda row: tuple(_value_key(v) for v in row[1:]) + (row[0],), reverse=descending)
    ids = [row[0] for row in rows]

    def load(page_ids: list[Any]) -> list[Any]:
        if not page_ids:
            return []
        found = {
            getattr(item, id_column.key): item
            for item in session.scalars(stmt.where(id_column.in_(page_ids)).order_by(None)).unique()
        }
        return [found[i] for i in page_ids if i in found]

    return _SortedPagination(
        page=max(1, page), per_page=per_page, max_per_page=None, error_out=False, ids=ids, load=load
    )
