"""Forms of the questionnaire builder. Most of a question's fields vary with its type and
its number of options, so they are read by ``builder_input``; every form here carries the
CSRF token and the draft revision the page was built from."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..definitions.schema import QUESTION_TYPES

TYPE_LABELS = {
    "single_choice": _l("One choice"),
    "multiple_choice": _l("Several choices"),
    "likert": _l("Scale (Likert)"),
    "matrix": _l("Matrix of scales"),
    "yes_no": _l("Yes / no"),
    "number": _l("Number"),
    "short_text": _l("Short text"),
    "long_text": _l("Long text"),
    "ranking": _l("Ranking"),
    "country": _l("Country"),
    "date": _l("Date"),
}


class RevisionForm(FlaskForm):
    """Any builder write: the revision of the draft the page showed."""

    revision = HiddenField()

    def revision_number(self) -> int:
        try:
            return int(self.revision.data or "-1")
        except ValueError:
            return -1


class StartForm(FlaskForm):
    source = RadioField(
        _l("Start from"),
        choices=[
            SelectChoice("published", _l("a copy of the published version")),
            SelectChoice("empty", _l("an empty questionnaire")),
            SelectChoice(
                "copy", _l("sections copied from other questionnaires (choose them below)")
            ),
        ],
        default="published",
        validators=[DataRequired(_l("Choose where the draft starts from."))],
    )
    sections = SelectMultipleField(_l("Sections to copy"), choices=[], validate_choice=False)


class AddSectionForm(RevisionForm):
    title = StringField(
        _l("Title of the new section (English)"),
        validators=[DataRequired(_l("Give the section a title.")), Length(max=300)],
    )


class AddQuestionForm(RevisionForm):
    qtype = SelectField(
        _l("Type"),
        choices=[SelectChoice(t, TYPE_LABELS[t]) for t in QUESTION_TYPES],
        default="single_choice",
    )
    label = StringField(
        _l("Question (English)"),
        validators=[DataRequired(_l("Write the question.")), Length(max=1000)],
    )


class MoveForm(RevisionForm):
    """Move up/down, duplicate, remove, or move to another section (``to``)."""

    to = SelectField(_l("Move to section"), choices=[], validate_choice=False)
