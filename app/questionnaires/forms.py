"""Forms of the questionnaire administration (admins only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField
from wtforms.validators import DataRequired, Optional


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
