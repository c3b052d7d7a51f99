"""Forms shared across blueprints."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from .countries import country_groups


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change state (logout, publish)."""


def country_choices(
    lang: str, blank: str, codes: Iterable[str] | None = None
) -> list[SelectChoice]:
    """A country select's choices: ``blank`` first, then the EU Member States and the other
    countries, each group by name in ``lang``; ``codes``: only these (the countries in use)."""
    eu, rest = country_groups(lang, only=codes)
    choices = [SelectChoice("", blank)]
    for group, label in ((eu, _l("EU Member States")), (rest, _l("Other countries"))):
        choices += [SelectChoice(code, name, optgroup=str(label)) for code, name in group]
    return choices
