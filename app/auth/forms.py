from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ..services.people.accounts import MIN_PASSWORD_LENGTH, password_problem


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


def _password_rules(_form: FlaskForm, field: PasswordField) -> None:
    """The rules of ``users.password_problem``, with translatable messages."""
    value = field.data or ""
    if len(value) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _l("The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
        )
    if password_problem(value):
        raise ValidationError(_l("The password must not start or end with spaces."))


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    """A new password, typed twice."""
    return (
        PasswordField(
            _l("New password"),
            validators=[
                DataRequired(_l("Choose a password.")),
                Length(
                    max=1024, message=_l("The password is too long (at most 1,024 characters).")
                ),
                _password_rules,
            ],
            render_kw={"autocomplete": "new-password"},
        ),
        PasswordField(
            _l("New password again"),
            validators=[
                DataRequired(_l("Type the password a second time.")),
                EqualTo("password", _l("The two passwords are not the same: type them again.")),
            ],
            render_kw={"autocomplete": "new-password"},
        ),
    )


class AcceptInvitationForm(FlaskForm):
    display_name = StringField(
        _l("Your name, as others will see it"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    password, password_again = new_password_fields()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )


class ResetPasswordForm(FlaskForm):
    password, password_again = new_password_fields()
