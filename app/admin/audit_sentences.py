"""The audit log as sentences in the reader's language ("Ada Admin returned response
T01-9NQMAG to City of Leipzig with 2 comments"), the people and things it names as links,
and the full record beside each, for the audit page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext
from markupsafe import Markup, escape

from ..i18n import N_
from ..models import AuditEntry

# One sentence per event; %(actor)s and %(object)s are filled from the entry, the other
# placeholders from its details (``_EXTRAS``). An event missing here reads
# "<actor>: <event> <object>".
SENTENCES: dict[str, str] = {
    "login.success": N_("%(actor)s logged in"),
    "login.failure": N_("A login as %(actor)s failed"),
    "logout": N_("%(actor)s logged out"),
    "response.submitted": N_("%(actor)s submitted response %(object)s of %(organisation)s"),
    "review.accepted": N_("%(actor)s accepted response %(object)s of %(organisation)s"),
    "review.returned": N_("%(actor)s returned response %(object)s to %(organisation)s"),
    "review.rejected": N_("%(actor)s rejected response %(object)s of %(organisation)s"),
    "user.created": N_("%(actor)s created the account of %(object)s"),
    "user.deactivated": N_("%(actor)s deactivated the account of %(object)s"),
    "user.reactivated": N_("%(actor)s reactivated the account of %(object)s"),
    "user.erased": N_("%(actor)s erased the account of %(object)s"),
    "user.login_unlocked": N_("%(actor)s unlocked the logins of %(object)s"),
    "user.actions_added": N_("%(actor)s added actions to the account of %(object)s"),
    "user.role_changed": N_("%(actor)s changed the role of %(object)s"),
    "user.organisation_changed": N_("%(actor)s changed the organisation of %(object)s"),
    "user.settings_changed": N_("%(actor)s changed the settings of %(object)s"),
    "invitation.sent": N_("%(actor)s invited %(object)s"),
    "invitation.accepted": N_("%(actor)s accepted their invitation"),
    "password.changed": N_("%(actor)s changed their password"),
    "password_reset.requested": N_("%(actor)s sent a password-reset link to %(object)s"),
    "password_reset.done": N_("%(actor)s chose a new password with a reset link"),
    "privacy.accepted": N_("%(actor)s accepted the privacy notice"),
    "profile.updated": N_("%(actor)s changed their account settings"),
    "personal_data.downloaded": N_("%(actor)s downloaded their personal data"),
    "personal_data.exported": N_("%(actor)s exported the personal data of %(object)s"),
    "gdpr.purged": N_("%(actor)s pseudonymised the responses past their retention period"),
    "session.ended": N_("%(actor)s ended a login session"),
    "sessions.ended_all": N_("%(actor)s logged out everywhere"),
    "api_token.created": N_("%(actor)s created an API token"),
    "api_token.revoked": N_("%(actor)s revoked an API token"),
    "organisation.created": N_("%(actor)s created the organisation %(object)s"),
    "organisation.updated": N_("%(actor)s changed the organisation %(object)s"),
    "organisation.deactivated": N_("%(actor)s deactivated the organisation %(object)s"),
    "organisation.reactivated": N_("%(actor)s reactivated the organisation %(object)s"),
    "organisations.imported": N_("%(actor)s imported organisations from a file"),
    "questionnaire.imported": N_("%(actor)s imported %(object)s"),
    "questionnaire.uploaded": N_("%(actor)s uploaded %(object)s"),
    "questionnaire.published": N_("%(actor)s published %(object)s"),
    "questionnaire.opened": N_("%(actor)s opened %(object)s for answers"),
    "questionnaire.closed": N_("%(actor)s closed %(object)s"),
    "questionnaire.deadline_set": N_("%(actor)s set the deadline of %(object)s"),
    "reminders.sent": N_("%(actor)s sent reminders for %(object)s"),
    "export.downloaded": N_("%(actor)s downloaded an export of %(object)s"),
    "audit.exported": N_("%(actor)s downloaded the audit log"),
    "demo.accounts": N_("%(actor)s created the demo accounts"),
    "demo.responses": N_("%(actor)s created demo responses"),
}


# A review with comments: (one comment, several comments). With at least one comment,
# English, German, French and Italian all take the first form for 1 and the second above.
WITH_COMMENTS: dict[str, tuple[str, str]] = {
    "review.accepted": (
        N_("%(actor)s accepted response %(object)s of %(organisation)s with %(num)s comment"),
        N_("%(actor)s accepted response %(object)s of %(organisation)s with %(num)s comments"),
    ),
    "review.returned": (
        N_("%(actor)s returned response %(object)s to %(organisation)s with %(num)s comment"),
        N_("%(actor)s returned response %(object)s to %(organisation)s with %(num)s comments"),
    ),
    "review.rejected": (
        N_("%(actor)s rejected response %(object)s of %(organisation)s with %(num)s comment"),
        N_("%(actor)s rejected response %(object)s of %(organisation)s with %(num)s comments"),
    ),
}


def _comment_count(entry: AuditEntry) -> int:
    """The comments of a review: the overall one and those on questions."""
    details = entry.details or {}
    return len(details.get("question_comments") or []) + (1 if details.get("comment") else 0)


@dataclass(frozen=True)
class Line:
    """One entry as the audit page shows it."""

    entry: AuditEntry
    sentence: Markup
    details_json: str  # the details, indented, for the full record


def _link(endpoint: str, text: str, **values: Any) -> Markup:
    return Markup('<a href="{}">{}</a>').format(url_for(endpoint, **values), text)


def _actor(entry: AuditEntry, objects: dict[tuple[str, str], Any]) -> Markup:
    user = objects.get(("user", str(entry.user_id))) if entry.user_id is not None else None
    if user is not None:
        return _link("admin.user", user.display_name, user_id=user.id)
    if entry.actor in ("cli", "seed"):
        return escape(gettext("A command-line task"))
    return escape(entry.actor or gettext("Someone"))


def _object(entry: AuditEntry, row: Any) -> Markup:
    """The entry's object as words, linked to its page where it has one."""
    kind, ident = entry.object_type, entry.object_id
    details = entry.details or {}
    if kind == "user":
        name = row.display_name if row is not None else details.get("email") or f"#{ident}"
        return _link("admin.user", name, user_id=int(ident)) if row is not None else escape(name)
    if kind == "organisation":
        name = row.name if row is not None else details.get("name") or f"#{ident}"
        return _link("admin.organisation", name, org_id=row.id) if row is not None else escape(name)
    if kind == "response":
        reference = row.reference if row is not None else details.get("reference") or f"#{ident}"
        if row is None:
            return escape(reference)
        return _link("review.show", reference, response_id=row.id)
    if kind == "questionnaire" and row is not None:
        number = row.action.number
        text = gettext("the questionnaire of action %(number)s", number=number)
        return _link("questionnaires.show", text, number=number)
    if kind == "questionnaire_version" and row is not None:
        number = row.questionnaire.action.number
        text = gettext(
            "version %(version)s of the questionnaire of action %(number)s",
            version=row.number,
            number=number,
        )
        return _link("questionnaires.show", text, number=number, version_number=row.number)
    if kind == "action" and row is not None:
        return _link(
            "actions.show", gettext("action %(number)s", number=row.number), number=row.number
        )
    return escape(f"{kind} {ident}".strip())


def _organisation(entry: AuditEntry, row: Any) -> Markup:
    """The organisation of a response entry: linked when the response is still there."""
    if entry.object_type == "response" and row is not None:
        org = row.organisation
        return _link("admin.organisation", org.name, org_id=org.id)
    return escape((entry.details or {}).get("organisation") or "–")


def sentence(entry: AuditEntry, objects: dict[tuple[str, str], Any]) -> Markup:
    """The entry as one sentence in the request's language, its names as links."""
    row = objects.get((entry.object_type, entry.object_id))
    values = {"actor": _actor(entry, objects), "object": _object(entry, row)}
    template = SENTENCES.get(entry.event)
    count = _comment_count(entry) if entry.event in WITH_COMMENTS else 0
    if count:
        template = WITH_COMMENTS[entry.event][0 if count == 1 else 1]
        values["num"] = escape(count)
    if template is None:
        values["event"] = escape(entry.event)
        return Markup("{actor}: <code>{event}</code> {object}").format(**values)
    if "%(organisation)s" in template:
        values["organisation"] = _organisation(entry, row)
    return escape(gettext(template)) % values


def lines(entries: list[AuditEntry], objects: dict[tuple[str, str], Any]) -> list[Line]:
    return [
        Line(
            entry=entry,
            sentence=sentence(entry, objects),
            details_json=json.dumps(
                entry.details or {}, ensure_ascii=False, indent=2, sort_keys=True
            ),
        )
        for entry in entries
    ]
