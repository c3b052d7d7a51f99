"""Languages: texts that may be a plain English string or a mapping of language to text,
the request's language, and its message catalogues looked up once per request.

The ground floor of translation: models, definitions, services and views import it;
it imports nothing of the app's but the extension singletons.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
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


@contextmanager
def in_language(locale: str) -> Iterator[None]:
    """Texts in ``locale`` for a while, inside a request too (an e-mail to someone who
    reads another language than the page's, a respondent's copy in German): gettext,
    the templates' _() and Babel's dates and numbers. The request's cached catalogue is
    put aside and restored after."""
    from flask_babel import force_locale

    environ = request.environ if has_request_context() else {}
    saved = environ.pop("tympanum.translations", None)
    try:
        with force_locale(locale):
            yield
    finally:
        environ.pop("tympanum.translations", None)
        if saved is not None:
            environ["tympanum.translations"] = saved


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


@lru_cache(maxsize=8)
def _app_catalogue(lang: str) -> Any:
    from pathlib import Path

    from babel import support

    return support.Translations.load(str(Path(__file__).parent / "translations"), [lang])


def translate(message: str, lang: str) -> str:
    """A message of the app's catalogues in ``lang``, outside any request (exports in the
    language asked for, whatever the page's)."""
    return message if lang == "en" else _app_catalogue(lang).ugettext(message)


# --- dates and times: one format, in the reader's time zone --------------------------

DEFAULT_TIME_ZONE = "Europe/Brussels"
# English pages write dates the European way (6 Dec 2026, 14:05), not the American one.
_DATE_LOCALES = {"en": "en_GB"}


@lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    """The zones one may choose: Europe's first, then UTC and the rest of the world's."""
    import pytz

    zones = [zone for zone in pytz.common_timezones if "/" in zone]
    europe = [zone for zone in zones if zone.startswith("Europe/")]
    return (*europe, "UTC", *[zone for zone in zones if not zone.startswith("Europe/")])


def select_timezone() -> str:
    """The logged-in user's time zone (a setting on their account page), else the default."""
    if has_request_context() and current_user and current_user.is_authenticated:
        return getattr(current_user, "time_zone", None) or DEFAULT_TIME_ZONE
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_TIME_ZONE


def _date_locale() -> Any:
    """The Babel locale dates are written in: the page's language (en: the European way).
    Parsed once per language (Babel parses a locale name on every call otherwise)."""
    from flask_babel import get_locale

    lang = str(get_locale() or "en")
    return _babel_locale(_DATE_LOCALES.get(lang, lang))


@lru_cache(maxsize=16)
def _babel_locale(name: str) -> Any:
    from babel import Locale

    return Locale.parse(name)


def format_moment(moment: datetime, *, zone: bool = True) -> str:
    """A timestamp as the page's language writes it, in the reader's time zone, the zone
    shown: "6 Dec 2026, 02:12 CET", "06.12.2026, 02:12 MEZ", "6 déc. 2026, 02:12 UTC+01:00"."""
    from babel import dates
    from flask_babel import get_timezone

    tz, locale = get_timezone(), _date_locale()
    local = moment.astimezone(tz)
    text = (
        str(dates.get_datetime_format("medium", locale=locale))
        .replace("'", "")
        .replace("{1}", dates.format_date(local.date(), "medium", locale=locale))
        .replace("{0}", dates.format_time(local, "short", tzinfo=tz, locale=locale))
    )
    return f"{text} {zone_name(moment)}" if zone else text


def format_clock(moment: datetime) -> str:
    """A time of day, in the reader's time zone, the zone shown: "14:05 CET"."""
    from babel import dates
    from flask_babel import get_timezone

    tz = get_timezone()
    clock = dates.format_time(moment.astimezone(tz), "short", tzinfo=tz, locale=_date_locale())
    return f"{clock} {zone_name(moment)}"


def zone_name(moment: datetime) -> str:
    """The reader's zone at ``moment``: its short name where the language has one (CET,
    MEZ), else its offset (UTC+01:00)."""
    from babel import dates
    from flask_babel import get_timezone

    tz, locale = get_timezone(), _date_locale()
    local = moment.astimezone(tz)
    # The name depends only on the zone, the language and the offset in force (summer
    # time or not) and the year: worked out once each (Babel takes about 0.2 ms a time).
    key = (str(tz), str(locale), local.year, local.utcoffset(), local.dst())
    name = _ZONE_NAMES.get(key)
    if name is None:
        name = dates.format_time(moment, "z", tzinfo=tz, locale=locale)
        if not name.isalpha():
            name = dates.format_time(moment, "ZZZZ", tzinfo=tz, locale=locale)
        if len(_ZONE_NAMES) < 4096:  # bounded: zones x languages x offsets
            _ZONE_NAMES[key] = name
    return name


_ZONE_NAMES: dict[tuple[Any, ...], str] = {}


def format_day(value: date | datetime) -> str:
    """A day as the page's language writes it (6 Dec 2026); a timestamp's day in the
    reader's time zone."""
    from babel import dates
    from flask_babel import get_timezone

    if isinstance(value, datetime):
        value = value.astimezone(get_timezone()).date()
    return dates.format_date(value, "medium", locale=_date_locale())


def format_day_long(value: date) -> str:
    """A day in full words (6 December 2026), as the page's language writes it."""
    from babel import dates

    return dates.format_date(value, "long", locale=_date_locale())


def when(moment: Any) -> Markup:
    """A timestamp as <time>, written for the reader (``format_moment``)."""
    if moment is None:
        return Markup("")
    return Markup('<time datetime="{}">{}</time>').format(moment.isoformat(), format_moment(moment))


def day(value: Any) -> Markup:
    """A day (or a timestamp's day) as <time>, written for the reader (``format_day``)."""
    if value is None:
        return Markup("")
    return Markup('<time datetime="{}">{}</time>').format(value.isoformat(), format_day(value))


def init_app(app: Flask) -> None:
    """Flask-Babel with the locale and time-zone selectors, the fast catalogues and the
    ``when`` and ``day`` filters."""
    from .extensions import babel

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    _install_fast_gettext(app)
    app.add_template_filter(when, "when")
    app.add_template_filter(day, "day")
