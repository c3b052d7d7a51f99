"""The respondent's template filters and globals: questionnaire texts in the page's
language, answers as words, the state of choice and ranking inputs, and the page
script's texts. Registered by the respond blueprint (``bp.app_template_*``)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

from ..definitions import answers as codec
from ..definitions.model import text
from ..i18n import format_day_long
from ..labels import answer_text
from . import bp
from .page import page_lang


@bp.app_template_filter("tr")
def _tr(value: Any) -> str:
    """A questionnaire text in the page's language (English fallback)."""
    return text(value, page_lang())


@bp.app_template_filter("num")
def _num(value: Any) -> str:
    """A bound as people write it: 100, not 100.0."""
    return codec.format_number(Decimal(str(value)))


@bp.app_template_global("answer_word")
def _answer_word(key: str) -> str:
    """Yes, No, Don't know in the page's language."""
    return codec.word(key, page_lang())


@bp.app_template_global("answer_text")
def _answer_text(q: dict[str, Any], value: Any, other_text: str | None = None) -> str:
    return answer_text(q, value, other_text, page_lang())


_CHECKED = Markup(" checked")
_NOT_CHECKED = Markup("")


@bp.app_template_global("checked")
def _checked(raw: Mapping[str, Any], name: str, value: str) -> Markup:
    """' checked' when the choice ``value`` is the one typed (or among those typed)."""
    current = raw.get(name)
    if isinstance(current, str):
        return _CHECKED if current == value else _NOT_CHECKED
    return _CHECKED if current and value in current else _NOT_CHECKED


@bp.app_template_global("point_text")
def _point_text(q: Mapping[str, Any], point: int) -> str:
    """The words of a scale point: its own label, else the low or high end's."""
    if q.get("point_labels"):
        return _tr(q["point_labels"][point - 1])
    labels = q.get("labels") or {}
    if point == 1 and labels.get("low"):
        return _tr(labels["low"])
    if point == q.get("points") and labels.get("high"):
        return _tr(labels["high"])
    return ""


@bp.app_template_global("rank_of")
def _rank_of(q: dict[str, Any], raw: dict[str, Any], option: str) -> str:
    """The rank shown for ``option``: as typed in its select, else from an ordered list."""
    typed = raw.get(f"{q['code']}__rank__{option}")
    if typed:
        return str(typed)
    ordered = raw.get(q["code"])
    if isinstance(ordered, list) and option in ordered:
        return str(ordered.index(option) + 1)
    return ""


@bp.app_template_global("ranked_options")
def _ranked_options(q: dict[str, Any], raw: dict[str, Any]) -> list[dict[str, Any]]:
    """Options in their current rank order (unranked ones last, as defined)."""

    def key(pair: tuple[int, dict[str, Any]]) -> tuple[int, int]:
        rank = _rank_of(q, raw, pair[1]["code"])
        return (int(rank) if rank.isdigit() else 10_000, pair[0])

    return [option for _index, option in sorted(enumerate(q["options"]), key=key)]


@bp.app_template_filter("format_date_long")
def _format_date_long(day: Any) -> str:
    """A deadline in full words (6 December 2026), as the page's language writes it."""
    return format_day_long(day)


@bp.app_template_global("respond_i18n")
def _respond_i18n() -> dict[str, str]:
    """The texts the page script shows, in the page's language."""
    return {
        "saving": _("Saving…"),
        "savedAt": _("Saved at %(time)s."),
        "savedWithErrors": _(
            "Saved at %(time)s, except answers with a problem: press “Save draft” to see them."
        ),
        "merged": _(
            "Saved at %(time)s. A colleague changed answers on this page too: reload it "
            "to see them."
        ),
        "notSaved": _("Not saved: %(reason)s"),
        "offline": _("Not saved: the server cannot be reached. Keep this page open and try again."),
        "logIn": _("Log in again"),
        "reload": _("Reload the page"),
        "moveUp": _("Move up"),
        "moveDown": _("Move down"),
        "moved": _("%(label)s: rank %(rank)s of %(count)s."),
        "charsLeft": _("%(count)s characters left."),
        "charsOver": _("%(count)s characters too many."),
        "leave": _("Your latest answers are not saved yet."),
    }
