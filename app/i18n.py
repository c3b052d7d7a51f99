"""Texts that may be a plain English string or a mapping of language to text."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "de", "fr", "it")


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
