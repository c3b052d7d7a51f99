"""Incoming form fields and query parameters without NUL bytes.

No text column can hold a NUL (PostgreSQL refuses it outright), and no person types one,
so it is dropped from every submitted key and value in one place, before any view, form
or service sees them.
"""

from __future__ import annotations

from typing import Any

from flask import Request, request
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items


def _clean(value: Any) -> Any:
    return value.replace("\x00", "") if isinstance(value, str) else value


class NulFreeMultiDict(ImmutableMultiDict):
    def __init__(self, mapping: Any = None) -> None:
        if mapping is not None:
            mapping = [(_clean(key), _clean(value)) for key, value in iter_multi_items(mapping)]
        super().__init__(mapping)


class CleanRequest(Request):
    parameter_storage_class = NulFreeMultiDict


MAX_PAGE = 100_000  # far past any list's end; keeps OFFSET within every database's range


def page_number() -> int:
    """The list page asked for with ?page=N: 1 to MAX_PAGE; anything else gives page 1
    (a page past the end of a list shows it empty)."""
    return min(MAX_PAGE, max(1, request.args.get("page", 1, type=int) or 1))
