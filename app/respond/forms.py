"""Forms of the respondent's pages. The answers themselves are read by the answer codec
(``app.definitions.answers.parse_form``); these forms carry CSRF and the page's state."""

from flask_wtf import FlaskForm
from wtforms import HiddenField


class PageForm(FlaskForm):
    """One page of a questionnaire: the lock_version and answer digests it was loaded
    with (optimistic locking) and its section."""

    lock_version = HiddenField()
    base = HiddenField()
    section = HiddenField()


class SubmitForm(FlaskForm):
    """Submit the response as reviewed (the lock says which answers were reviewed)."""

    lock_version = HiddenField()


def as_int(value: str | None, default: int = 0) -> int:
    try:
        number = int(value or "")
    except ValueError:
        return default
    return number if 0 <= number < 2**31 else default
