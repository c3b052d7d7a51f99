"""Forms of the respondent's pages. The answers themselves are read by the answer codec
(``app.definitions.answers.parse_form``); these forms carry CSRF and the page's state."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..models import QUOTE_CONSENT_LABELS, QuoteConsent


class PageForm(FlaskForm):
    """One page of a questionnaire: the lock_version and answer digests it was loaded
    with (optimistic locking) and its section."""

    lock_version = HiddenField()
    base = HiddenField()
    section = HiddenField()


class SubmitForm(FlaskForm):
    """Submit the response as reviewed (the lock says which answers were reviewed), with
    the organisation's choice whether its answers may be quoted (not quoted unless it
    says so)."""

    lock_version = HiddenField()
    quote_consent = RadioField(
        _l("May the Partnership quote your answers to open questions in its published results?"),
        choices=[SelectChoice(c.value, _l(QUOTE_CONSENT_LABELS[c])) for c in QuoteConsent],
        default=QuoteConsent.NONE.value,
        validators=[Optional()],
    )

    def consent(self) -> QuoteConsent:
        """The choice made; no choice (or an unknown one) is "do not quote"."""
        try:
            return QuoteConsent(self.quote_consent.data)
        except ValueError:
            return QuoteConsent.NONE


def as_int(value: str | None, default: int = 0) -> int:
    try:
        number = int(value or "")
    except ValueError:
        return default
    return number if 0 <= number < 2**31 else default
