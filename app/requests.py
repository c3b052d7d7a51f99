"""What incoming requests may carry, decided before any view, form or service sees them.

No text column can hold a NUL (PostgreSQL refuses it outright), and no person types one,
so it is dropped from every submitted key and value in one place. Forms take form fields
(as a browser sends them), never a JSON body: see ``refuse_json_body``.
"""

from __future__ import annotations

from typing import Any

from flask import Request, request
from flask_babel import lazy_gettext as _l
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


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def refuse_json_body() -> Any:
    """A JSON body sent to a form (any state-changing request outside the API) gets a 400
    that says to send form fields, in JSON to a script that asks for JSON (the autosave).
    Flask-WTF reads a JSON body as the form's fields: a body that is not an object of
    text values (``[1, 2]``, ``"x"``, ``{"email": [1]}``) broke that with a 500."""
    if request.method in SAFE_METHODS or not request.is_json or request.path.startswith("/api/"):
        return None
    from .errors import render_error

    return render_error(
        400,
        _l(
            "This form takes its fields as a browser sends them (form data), not as JSON. "
            "Reload the page and send the form from it."
        ),
    )
