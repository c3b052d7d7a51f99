from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length

from ..auth.forms import new_password_fields
from ..i18n import time_zones

LOCALE_CHOICES = [
    SelectChoice("", _l("The language of my browser")),
    SelectChoice("en", "English"),
    SelectChoice("de", "Deutsch"),
    SelectChoice("fr", "Français"),
    SelectChoice("it", "Italiano"),
]


class PrivacyForm(FlaskForm):
    agree = BooleanField(
        _l("I have read this privacy notice."),
        validators=[DataRequired(_l("Tick the box to confirm you have read the notice."))],
    )
    next = HiddenField()


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Your name, as others see it"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES, default="")


class TimeZoneForm(FlaskForm):
    time_zone = SelectField(_l("Time zone"), choices=[])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone.choices = [(zone, zone.replace("_", " ")) for zone in time_zones()]


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    password, password_again = new_password_fields()


NOTIFY_CHOICES = [
    SelectChoice("immediate", _l("An e-mail for each submission")),
    SelectChoice("digest", _l("One e-mail a day listing them")),
    SelectChoice("off", _l("No e-mail")),
]


class NotificationsForm(FlaskForm):
    notify_submissions = SelectField(
        _l("Responses submitted to the actions I lead"), choices=NOTIFY_CHOICES
    )
