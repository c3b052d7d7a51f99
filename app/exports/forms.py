"""The export form. Downloads change nothing, so it is a GET form read from the query
string (a plain WTForms form: no CSRF token in download links)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Form,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..i18n import LANGUAGE_NAMES
from ..models import ORG_KIND_LABELS
from ..services.exports import ExportOptions, Filters


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in pairs]


class ExportForm(Form):
    layout = RadioField(
        _l("Table"),
        choices=choices(
            [
                ("wide", _l("Wide: one row per response")),
                ("long", _l("Long: one row per answer")),
                ("codebook", _l("Codebook: every question and option")),
            ]
        ),
        default="wide",
    )
    answers = RadioField(
        _l("Answers as"),
        choices=choices(
            [("codes", _l("Codes (for R, pandas, SPSS)")), ("labels", _l("Labels (to read)"))]
        ),
        default="codes",
    )
    headers = RadioField(
        _l("Column headers"),
        choices=choices(
            [
                ("codes", _l("Question codes")),
                ("labels", _l("Question texts, each with its code in brackets")),
            ]
        ),
        default="codes",
    )
    lang = SelectField(_l("Label language"), choices=choices(LANGUAGE_NAMES.items()), default="en")
    indicators = BooleanField(_l("Add a 0/1 column per multiple-choice option"))
    delimiter = SelectField(
        _l("Separator (CSV)"),
        choices=choices(
            [
                ("comma", _l("Comma (,)")),
                ("semicolon", _l("Semicolon (;): Excel in German, French, Italian settings")),
            ]
        ),
        default="comma",
    )
    encoding = SelectField(
        _l("Encoding (CSV)"),
        choices=choices(
            [
                ("bom", _l("UTF-8 with BOM (for Excel)")),
                ("plain", _l("UTF-8 without BOM")),
            ]
        ),
        default="bom",
    )
    state = SelectField(
        _l("Responses"),
        choices=choices(
            [
                ("accepted", _l("Accepted")),
                ("submitted", _l("Submitted: awaiting review or accepted")),
                ("all", _l("All but drafts (returned and rejected too)")),
            ]
        ),
        default="accepted",
    )
    submitted_from = DateField(_l("Submitted from"), validators=[Optional()])
    submitted_to = DateField(_l("Submitted until (inclusive)"), validators=[Optional()])
    org_kind = SelectField(
        _l("Kind of organisation"),
        choices=choices([("", _l("Any"))] + [(k.value, v) for k, v in ORG_KIND_LABELS.items()]),
        default="",
    )
    country = SelectField(_l("Country"), choices=choices([("", _l("Any"))]), default="")
    format = SelectField(choices=choices([("csv", "CSV"), ("xlsx", "XLSX")]), default="csv")

    def validate_submitted_to(self, field: DateField) -> None:
        start = self.submitted_from.data
        if start and field.data and field.data < start:
            raise ValidationError(_l("Choose an end date on or after the start date."))

    def filters(self) -> Filters:
        """The validated form's choice of responses."""
        return Filters(
            state=self.state.data,
            submitted_from=self.submitted_from.data,
            submitted_to=self.submitted_to.data,
            org_kind=self.org_kind.data or None,
            country=self.country.data or None,
        )

    def options(self) -> ExportOptions:
        """The validated form as export options."""
        return ExportOptions(
            layout=self.layout.data,
            format=self.format.data,
            labels=self.answers.data == "labels",
            label_headers=self.headers.data == "labels",
            lang=self.lang.data,
            delimiter=";" if self.delimiter.data == "semicolon" else ",",
            bom=self.encoding.data != "plain",
            indicators=bool(self.indicators.data),
            filters=self.filters(),
        )


class ResearchExtractForm(FlaskForm):
    """An admin approves a researcher's extract: who it is for and why (audited)."""

    researcher = StringField(
        _l("Researcher (name and institution)"), validators=[DataRequired(), Length(max=200)]
    )
    purpose = TextAreaField(
        _l("Purpose of the research"), validators=[DataRequired(), Length(max=2000)]
    )
    file_format = RadioField(
        _l("File"),
        choices=choices(
            [("csv", _l("CSV")), ("sav", _l("SPSS (.sav)")), ("dta", _l("Stata (.dta)"))]
        ),
        default="sav",
    )
    lang = SelectField(
        _l("Label language"),
        choices=choices(LANGUAGE_NAMES.items()),
        default="en",
        description=_l("Of the questions' texts and the answers' labels in the file."),
    )
    approve = BooleanField(
        _l("I approve this extract for this researcher and purpose"), validators=[DataRequired()]
    )
