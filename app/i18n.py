"""Languages: texts that may be a plain English string or a mapping of language to text,
the request's language, and its message catalogues looked up once per request.

The ground floor of translation: models, definitions, services and views import it;
it imports nothing of the app's but the extension singletons.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import Flask, current_app, has_request_context, request, session
from flask_login import current_user
from markupsafe import Markup

LANGUAGES = ("en", "de", "fr", "it")
# Each language named in itself, for the language switcher and the export form.
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "it": "Italiano"}


def N_(message: str) -> str:  # noqa: N802 - the usual name of the gettext no-op marker
    """Mark a message for extraction (``make messages``); it is translated where shown."""
    return message


def as_translations(value: Any) -> dict[str, str]:
    """Normalise a text to ``{lang: text}``; a plain string is English."""
    if value is None:
        return {}
    if isinstance(value, str):
        return {"en": value}
    return {lang: str(text) for lang, text in dict(value).items() if text is not None}


def pick(value: Any, lang: str = "en") -> str:
    """The text in ``lang``, falling back to English (then to any language)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.get(lang) or value.get("en") or next(iter(value.values()), "")


# --- the request's language and catalogues ---------------------------------------------


def select_locale() -> str:
    """The language from ?lang=, then the session, the user's choice, the browser."""
    languages = current_app.config["LANGUAGES"]
    wanted = request.args.get("lang", "")
    if wanted in languages:
        session["lang"] = wanted
        return wanted
    if session.get("lang") in languages:
        return session["lang"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or "en"


def _request_translations() -> Any:
    """The request's message catalogue, looked up once per request: flask-babel finds it
    again on every call (context, domain, locale), which was a tenth of a page's time
    with fifty texts on it."""
    from flask_babel import get_translations

    if not has_request_context():
        return get_translations()
    environ = request.environ
    translations = environ.get("tympanum.translations")
    if translations is None:
        translations = environ["tympanum.translations"] = get_translations()
    return translations


@lru_cache(maxsize=16)
def _wtforms_catalogue(locale: str) -> Any:
    from babel import support
    from wtforms.i18n import messages_path

    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsTranslations:
    """WTForms' own messages ("This field is required.") in the request's language, from
    a catalogue read once per process: Flask-WTF reads the .mo file again on every
    request that builds a form (a tenth of an autosave's time). Flask-WTF takes it from
    ``request.wtforms_translations``."""

    def ugettext(self, string: str) -> str:
        return _wtforms_request_catalogue().ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_request_catalogue().ungettext(singular, plural, n)


def _wtforms_request_catalogue() -> Any:
    environ = request.environ
    catalogue = environ.get("tympanum.wtforms_translations")
    if catalogue is None:
        from flask_babel import get_locale

        catalogue = _wtforms_catalogue(str(get_locale() or "en"))
        environ["tympanum.wtforms_translations"] = catalogue
    return catalogue


_WTFORMS_TRANSLATIONS = _WTFormsTranslations()


def _install_fast_gettext(app: Flask) -> None:
    """Templates' _() and ngettext() on the per-request catalogue (same behaviour as
    flask-babel's: newstyle gettext, autoescaped placeholders); WTForms' messages from a
    per-process catalogue."""

    @app.before_request
    def _wtforms_translations() -> None:
        request.wtforms_translations = _WTFORMS_TRANSLATIONS  # type: ignore[attr-defined]

    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _request_translations().ugettext(s),
        ngettext=lambda s, p, n: _request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _request_translations().unpgettext(c, s, p, n),
    )


def when(moment: Any) -> Markup:
    """A timestamp as <time>, in UTC; the script shows it in the reader's time zone."""
    if moment is None:
        return Markup("")
    from flask_babel import format_datetime

    label = format_datetime(moment, "medium") + " UTC"
    return Markup('<time datetime="{}" data-localize>{}</time>').format(moment.isoformat(), label)


def init_app(app: Flask) -> None:
    """Flask-Babel with the locale selector, the fast catalogues and the ``when`` filter."""
    from .extensions import babel

    babel.init_app(app, locale_selector=select_locale)
    _install_fast_gettext(app)
    app.add_template_filter(when, "when")
