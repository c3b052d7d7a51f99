"""Forms of the review pages: the queue's filters (GET), bulk acceptance and a decision."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

from ..models import ORG_KIND_LABELS, SIZE_BAND_LABELS, OrgKind, ResponseState, SizeBand
from ..services.responding.review import DECISIONS, MAX_COMMENT_LENGTH, SORTS, QueueFilters

STATE_ALL = "all"
FILTER_FIELDS = (
    "action",
    "state",
    "kind",
    "country",
    "size",
    "submitted_from",
    "submitted_to",
    "sort",
    "order",
)


class QueueFilterForm(FlaskForm):
    """The queue's filters, read from the query string. A search form changes nothing,
    so it carries no CSRF token (state-changing forms always do)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), choices=[], default="")
    state = SelectField(
        _l("State"),
        choices=[SelectChoice(STATE_ALL, _l("All states"))]
        + [SelectChoice(s.value) for s in ResponseState],
        default=ResponseState.SUBMITTED.value,
    )
    kind = SelectField(
        _l("Kind of organisation"),
        choices=[SelectChoice("", _l("All kinds"))]
        + [SelectChoice(k.value, label) for k, label in ORG_KIND_LABELS.items()],
        default="",
    )
    country = SelectField(_l("Country"), choices=[], default="")
    size = SelectField(
        _l("City size"),
        choices=[SelectChoice("", _l("All sizes"))]
        + [SelectChoice(k.value, label) for k, label in SIZE_BAND_LABELS.items()],
        default="",
    )
    submitted_from = DateField(_l("Submitted from"), validators=[Optional()])
    submitted_to = DateField(_l("Submitted until"), validators=[Optional()])
    sort = SelectField(choices=[SelectChoice(key) for key in SORTS], default="submitted")
    order = SelectField(choices=[SelectChoice("desc"), SelectChoice("asc")], default="desc")

    def validate_submitted_to(self, field: DateField) -> None:
        start = self.submitted_from.data
        if field.data and start and field.data < start:
            raise ValidationError(_l("The end date is before the start date: swap them."))

    def valid(self, name: str) -> Any:
        """A field's value, or None when it is empty or invalid (invalid ones are shown)."""
        field = self[name]
        return None if field.errors or field.data in ("", None) else field.data

    def to_filters(self, page: int) -> QueueFilters:
        state, action, kind = self.valid("state"), self.valid("action"), self.valid("kind")
        return QueueFilters(
            action=int(action) if action else None,
            state=None if state in (None, STATE_ALL) else ResponseState(state),
            kind=OrgKind(kind) if kind else None,
            country=self.valid("country"),
            size=SizeBand(self.valid("size")) if self.valid("size") else None,
            submitted_from=self.valid("submitted_from"),
            submitted_to=self.valid("submitted_to"),
            sort=self.valid("sort") or "submitted",
            descending=self.valid("order") != "asc",
            page=page,
        )

    def query(self, **changes: Any) -> dict[str, Any]:
        """The query string of the current view with ``changes``, for links (sort, pages)."""
        args: dict[str, Any] = {}
        for name in FILTER_FIELDS:
            value = self.valid(name)
            if value is not None:
                args[name] = value.isoformat() if isinstance(value, date) else value
        args.update(changes)
        return {key: value for key, value in args.items() if value not in (None, "")}


class BulkAcceptForm(FlaskForm):
    response_ids = SelectMultipleField(coerce=int, validate_choice=False)
    next = HiddenField()


class ReviewForm(FlaskForm):
    """A decision on one response; ``review_form`` adds one comment field per question."""

    decision = HiddenField(
        validators=[
            InputRequired(_l("Choose accept, return or reject.")),
            AnyOf(list(DECISIONS), message=_l("Choose accept, return or reject.")),
        ]
    )
    comment = TextAreaField(
        _l("Overall comment"),
        validators=[
            Optional(),
            Length(
                max=MAX_COMMENT_LENGTH,
                message=_l("Keep comments under %(n)s characters.", n=MAX_COMMENT_LENGTH),
            ),
        ],
    )
    lock_version = HiddenField()


def question_field_name(code: str) -> str:
    return f"qc_{code}"


def review_form(codes: list[str], **kwargs: object) -> ReviewForm:
    """A ReviewForm with a comment field for each question of the response's version."""

    class _ReviewForm(ReviewForm):
        pass

    for code in codes:
        setattr(
            _ReviewForm,
            question_field_name(code),
            TextAreaField(
                _l("Comment on this question"),
                validators=[
                    Optional(),
                    Length(
                        max=MAX_COMMENT_LENGTH,
                        message=_l("Keep comments under %(n)s characters.", n=MAX_COMMENT_LENGTH),
                    ),
                ],
            ),
        )
    return _ReviewForm(**kwargs)
