"""What incoming requests may carry, decided before any view, form or service sees them.

No text column can hold a NUL (PostgreSQL refuses it outright), and no person types one,
so it is dropped from every submitted key and value in one place. Forms take form fields
(as a browser sends them), never a JSON body: see ``refuse_json_body``.
"""

from __future__ import annotations

from typing import Any

from flask import Request, current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items


def _clean(value: Any) -> Any:
    return value.replace("\x00", "") if isinstance(value, str) else value


class NulFreeMultiDict(ImmutableMultiDict):
    def __init__(self, mapping: Any = None) -> None:
        if mapping is not None:
            mapping = [(_clean(key), _clean(value)) for key, value in iter_multi_items(mapping)]
        super().__init__(mapping)


RESPOND_PREFIX = "/respond/"


class CleanRequest(Request):
    """NUL-free fields; respondents' pages take up to ``RESPOND_MAX_CONTENT_LENGTH``,
    above the largest page whose answers respect their limits
    (``definitions.answers.largest_post_bytes``), where other forms keep the app's limits.
    Decided here rather than in a view: the CSRF check reads the form before any view."""

    parameter_storage_class = NulFreeMultiDict

    def _respondent_limit(self) -> int | None:
        if current_app and self.method == "POST" and self.path.startswith(RESPOND_PREFIX):
            return int(current_app.config["RESPOND_MAX_CONTENT_LENGTH"])
        return None

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and (limit := self._respondent_limit()):
            return limit
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @property
    def max_form_memory_size(self) -> int | None:
        if self._max_form_memory_size is None and (limit := self._respondent_limit()):
            return limit
        return super().max_form_memory_size

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._max_form_memory_size = value


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
