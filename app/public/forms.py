"""The admin's form to publish a results snapshot: a title and an introduction in each
of the interface's languages (English required)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "it": "Italiano"}


class PublishForm(FlaskForm):
    title_en = StringField(_l("Title (English)"), validators=[DataRequired(), Length(max=200)])
    title_de = StringField(_l("Title (German)"), validators=[Optional(), Length(max=200)])
    title_fr = StringField(_l("Title (French)"), validators=[Optional(), Length(max=200)])
    title_it = StringField(_l("Title (Italian)"), validators=[Optional(), Length(max=200)])
    introduction_en = TextAreaField(
        _l("Introduction (English)"), validators=[DataRequired(), Length(max=5000)]
    )
    introduction_de = TextAreaField(
        _l("Introduction (German)"), validators=[Optional(), Length(max=5000)]
    )
    introduction_fr = TextAreaField(
        _l("Introduction (French)"), validators=[Optional(), Length(max=5000)]
    )
    introduction_it = TextAreaField(
        _l("Introduction (Italian)"), validators=[Optional(), Length(max=5000)]
    )

    def texts(self, field: str) -> dict[str, str]:
        """{lang: text} of the ``title`` or ``introduction`` fields."""
        return {lang: self[f"{field}_{lang}"].data or "" for lang in LANGUAGE_NAMES}
