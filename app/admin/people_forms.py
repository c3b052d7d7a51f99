"""Forms of the people pages (invitations, erasure)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .. import authz
from ..models import Action, Organisation, Role, User

ROLE_LABELS = {
    Role.RESPONDENT: _l("Respondent: answers for an organisation"),
    Role.LEADER: _l("Action leader: reviews and exports the actions they lead"),
    Role.COORDINATOR: _l("Coordinator: reads everything, changes nothing"),
    Role.ADMIN: _l("Administrator: everything"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class InviteForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Enter the e-mail address of the person to invite.")),
            Email(_l("Enter an e-mail address like name@example.org."), check_deliverability=False),
            Length(max=254),
        ],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
    display_name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Enter the person's name.")), Length(max=120)],
        render_kw={"autocomplete": "off"},
    )
    role = RadioField(_l("Role"))
    organisation = SelectField(_l("Organisation"), coerce=int)
    actions = MultiCheckboxField(_l("Actions"), coerce=int)
    # Sent by the buttons shown when the address has an invitation pending already.
    pending = StringField(validators=[Optional(), AnyOf(["resend", "change"])])
    language = SelectField(
        _l("Language of the invitation"),
        choices=[
            SelectChoice("en", "English"),
            SelectChoice("de", "Deutsch"),
            SelectChoice("fr", "Français"),
            SelectChoice("it", "Italiano"),
        ],
        default="en",
    )

    @classmethod
    def for_inviter(
        cls, inviter: User, organisations: list[Organisation], actions: list[Action]
    ) -> InviteForm:
        """The form with the choices ``inviter`` has: leaders invite respondents only,
        for the actions they lead (``actions`` is already narrowed to those)."""
        form = cls()
        roles = [role for role in ROLE_LABELS if role in authz.invitable_roles(inviter)]
        form.role.choices = [SelectChoice(r.value, ROLE_LABELS[r]) for r in roles]
        form.organisation.choices = [SelectChoice("0", _l("No organisation"))] + [
            SelectChoice(str(o.id), o.name) for o in organisations
        ]
        form.actions.choices = [
            SelectChoice(str(a.id), f"{a.number}. {a.short_title}") for a in actions
        ]
        if form.role.data is None:
            form.role.data = Role.RESPONDENT.value
        return form


class ConfirmEraseForm(FlaskForm):
    confirm_email = EmailField(
        _l("Type the account's e-mail address to confirm"),
        validators=[DataRequired(_l("Type the e-mail address to confirm the erasure."))],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
