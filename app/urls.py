"""URL helpers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter

BIGGEST_ID = 2**63 - 1


class BoundedIntConverter(IntegerConverter):
    """``<int:id>`` that answers 404 for numbers no database column can hold, instead of
    an overflow error deep in the driver."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", BIGGEST_ID)
        super().__init__(map, *args, **kwargs)


def is_safe_next(target: str | None) -> bool:
    """Only local paths may be redirect targets after login (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
