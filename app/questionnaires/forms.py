"""Forms of the questionnaire administration (admins only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional, Regexp


class UploadForm(FlaskForm):
    file = FileField(
        _l("Definition file (YAML)"),
        validators=[
            FileRequired(_l("Choose a definition file to upload.")),
            FileAllowed(["yaml", "yml"], _l("Upload a .yaml or .yml definition file.")),
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
