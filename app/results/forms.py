"""The results filter form: a GET form (it changes nothing, so it carries no CSRF token)."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectField
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from ..forms import country_choices
from ..models import ORG_KIND_LABELS, SIZE_BAND_LABELS
from ..services.results.aggregation import NO_SIZE, Filters
from ..services.results.disclosure import Audience


class FilterForm(Form):
    """Which responses the figures count. Invalid values are reported and ignored."""

    state = SelectField(
        _l("Responses counted"),
        choices=[
            SelectChoice("accepted", _l("Accepted only")),
            SelectChoice("submitted", _l("Accepted and submitted")),
        ],
        default="accepted",
    )
    kind = SelectField(
        _l("Kind of organisation"),
        choices=[SelectChoice("", _l("All kinds"))]
        + [SelectChoice(k.value, v) for k, v in ORG_KIND_LABELS.items()],
        default="",
    )
    country = SelectField(
        _l("Country"), choices=[SelectChoice("", _l("All countries"))], default=""
    )
    size = SelectField(
        _l("City size"),
        choices=[SelectChoice("", _l("All sizes"))]
        + [SelectChoice(k.value, v) for k, v in SIZE_BAND_LABELS.items()]
        + [SelectChoice(NO_SIZE, _l("Not a city"))],
        default="",
    )
    date_from = DateField(_l("Submitted from"), validators=[Optional()])
    date_to = DateField(_l("Submitted until"), validators=[Optional()])
    as_of = DateField(
        _l("As of (accepted by)"),
        validators=[Optional()],
        description=_l("Only responses accepted by the end of this day (UTC) count."),
    )

    def __init__(self, formdata: Any, countries: list[str], audience: Audience) -> None:
        super().__init__(formdata)
        self.audience = audience
        self.country.choices = country_choices(
            str(get_locale() or "en"), str(_l("All countries")), countries
        )

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date: swap them."))

    def filters(self) -> Filters:
        """The filters from the fields that are valid (call ``validate`` first), for the
        form's audience."""

        def ok(field: Any) -> bool:
            return not field.errors

        return Filters(
            self.audience,
            include_submitted=ok(self.state) and self.state.data == "submitted",
            kinds=(self.kind.data,) if ok(self.kind) and self.kind.data else (),
            countries=(self.country.data,) if ok(self.country) and self.country.data else (),
            sizes=(self.size.data,) if ok(self.size) and self.size.data else (),
            submitted_from=self.date_from.data if ok(self.date_from) else None,
            submitted_to=self.date_to.data if ok(self.date_to) else None,
            as_of=self.as_of.data if ok(self.as_of) else None,
        )

    def query_args(self) -> dict[str, str]:
        """The valid, non-default filter values, to carry over in links."""
        args = {}
        for name in ("state", "kind", "country", "size", "date_from", "date_to", "as_of"):
            field = getattr(self, name)
            if field.errors or not field.data or (name == "state" and field.data == "accepted"):
                continue
            args[name] = field.data.isoformat() if hasattr(field.data, "isoformat") else field.data
        return args
