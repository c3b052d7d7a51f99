"""Forms of the questionnaire administration (admins only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, Regexp

from ..services.responding.deadlines import time_zone_names


class UploadForm(FlaskForm):
    file = FileField(
        _l("Definition file (YAML) or XLSForm workbook (.xlsx)"),
        validators=[
            FileRequired(_l("Choose a definition file to upload.")),
            FileAllowed(
                ["yaml", "yml", "xlsx"],
                _l("Upload a .yaml or .yml definition file, or an .xlsx XLSForm workbook."),
            ),
        ],
    )


class PublishForm(FlaskForm):
    confirm = BooleanField(
        _l("I have checked the preview and the changes; publish this draft"),
        validators=[DataRequired(_l("Tick the box to confirm you want to publish the draft."))],
    )


class DeadlineForm(FlaskForm):
    deadline = DateField(
        _l("Deadline"),
        validators=[Optional()],
        description=_l("Leave empty for no deadline."),
    )
    # Empty (an older page, a script): the time zone is left as it is.
    time_zone = SelectField(_l("Time zone of the deadline"), choices=[], validators=[Optional()])
    close_at_deadline = BooleanField(_l("Close the questionnaire automatically at the deadline"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone.choices = [("", "")] + [(name, name) for name in time_zone_names()]


class ExtensionForm(FlaskForm):
    """Extend the deadline for one organisation (admins)."""

    organisation = SelectField(
        _l("Organisation"),
        coerce=int,
        choices=[],
        validators=[InputRequired(_l("Choose an organisation."))],
    )
    until = DateField(
        _l("New deadline for this organisation"),
        validators=[InputRequired(_l("Enter a date as YYYY-MM-DD."))],
    )
    next = HiddenField()


class ReminderScheduleForm(FlaskForm):
    days_before = StringField(
        _l("Days before the deadline"),
        validators=[
            Optional(),
            Regexp(
                r"^[\d\s,]*$",
                message=_l("Write numbers of days separated by commas, like 14, 7, 2."),
            ),
        ],
    )
    returned_after = IntegerField(
        _l("Days after a response was returned"),
        validators=[
            Optional(),
            NumberRange(1, 365, _l("Write a number of days from 1 to 365, or leave it empty.")),
        ],
    )
