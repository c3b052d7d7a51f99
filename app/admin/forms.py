"""Forms of the administration pages. Filter forms are GET forms without CSRF (they
change nothing); every form that changes something is a FlaskForm with CSRF."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import ORG_KIND_LABELS, SIZE_BAND_LABELS, Role
from ..services.people.organisations import NAME_MAX

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.COORDINATOR: _l("Coordinator (reads everything, changes nothing)"),
    Role.LEADER: _l("Action leader"),
    Role.RESPONDENT: _l("Respondent"),
}
NOT_LISTED = _l("Choose one of the options listed.")
ACTIONS_NOT_LISTED = _l("Choose actions from the list (1 to 11).")
DATE_MESSAGE = _l("Enter the date as year-month-day, e.g. 2026-03-31.")


def options(pairs, optgroup=None) -> list[SelectChoice]:
    """(value, label) pairs as select choices."""
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]


ACTIVE_CHOICES = options(
    [("", _l("Active and inactive")), ("yes", _l("Active")), ("no", _l("Inactive"))]
)
ROLE_CHOICES = options((r.value, label) for r, label in ROLE_LABELS.items())


class ListedSelectField(SelectField):
    """A select whose tampered or stale value gets a message a person understands."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_choice_message", NOT_LISTED)
        kwargs.setdefault("invalid_value_message", NOT_LISTED)
        super().__init__(*args, **kwargs)


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for a multiple choice (rendered by the choice_group macro)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_choice_message", ACTIONS_NOT_LISTED)
        kwargs.setdefault("invalid_value_message", ACTIONS_NOT_LISTED)
        super().__init__(*args, **kwargs)


def kind_choices() -> list[SelectChoice]:
    return options((kind.value, _l(label)) for kind, label in ORG_KIND_LABELS.items())


def size_choices() -> list[SelectChoice]:
    return options(
        [("", _l("None (not a city)"))]
        + [(band.value, _l(label)) for band, label in SIZE_BAND_LABELS.items()]
    )


class OrganisationForm(FlaskForm):
    """Field-level checks only; the rules (unique name, size band for cities only, a real
    country) are the service's, see ``organisations.problems_with``."""

    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter the organisation's name.")),
            Length(max=NAME_MAX, message=_l("The name is too long: at most 200 characters.")),
        ],
        render_kw={"autocomplete": "off"},
    )
    kind = ListedSelectField(
        _l("Kind"),
        choices=lambda: options([("", _l("Choose the kind"))]) + kind_choices(),
        validators=[DataRequired(_l("Choose the kind of organisation."))],
    )
    country = ListedSelectField(
        _l("Country"),
        validators=[DataRequired(_l("Choose the country."))],
        validate_choice=False,  # checked against pycountry by the service
    )
    size_band = ListedSelectField(_l("City size band"), choices=size_choices)
    actions = MultiCheckboxField(_l("Actions the organisation is asked about"), coerce=int)
    active = BooleanField(_l("Active (takes part in the consultation)"), default=True)


class OrganisationFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Name contains"), validators=[Optional(), Length(max=200)])
    kind = ListedSelectField(_l("Kind"), validators=[Optional()])
    country = ListedSelectField(_l("Country"), validators=[Optional()])
    active = ListedSelectField(_l("Status"), choices=ACTIVE_CHOICES, validators=[Optional()])


class ImportUploadForm(FlaskForm):
    file = FileField(
        _l("CSV file"), validators=[FileRequired(_l("Choose the CSV file to import."))]
    )


class ImportConfirmForm(FlaskForm):
    payload = HiddenField(validators=[DataRequired()])


class UserAccessForm(FlaskForm):
    role = ListedSelectField(_l("Role"), choices=ROLE_CHOICES)
    organisation = ListedSelectField(_l("Organisation"), coerce=str, validate_choice=True)
    actions = MultiCheckboxField(_l("Actions this leader leads"), coerce=int)
    may_publish = BooleanField(_l("May publish the drafts of the actions they lead"))


class UserFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Name or e-mail contains"), validators=[Optional(), Length(max=254)])
    role = ListedSelectField(
        _l("Role"),
        choices=options([("", _l("All roles"))]) + ROLE_CHOICES,
        validators=[Optional()],
    )
    organisation = ListedSelectField(_l("Organisation"), validators=[Optional()])
    active = ListedSelectField(_l("Status"), choices=ACTIVE_CHOICES, validators=[Optional()])


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    event = ListedSelectField(_l("Event"), validators=[Optional()])
    actor = StringField(_l("Actor (e-mail contains)"), validators=[Optional(), Length(max=254)])
    object_type = ListedSelectField(_l("Object type"), validators=[Optional()])
    object_id = StringField(_l("Object id"), validators=[Optional(), Length(max=64)])
    date_from = DateField(
        _l("From (UTC)"), validators=[Optional()], invalid_value_message=DATE_MESSAGE
    )
    date_to = DateField(
        _l("To (UTC, inclusive)"), validators=[Optional()], invalid_value_message=DATE_MESSAGE
    )
    ip = StringField(_l("IP address (or its beginning)"), validators=[Optional(), Length(max=64)])

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date: swap them."))
