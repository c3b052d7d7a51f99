"""The audit log as sentences in the reader's language ("Ada Admin returned response
T01-9NQMAG to City of Leipzig with 2 comments"), the people and things it names as links,
and the full record beside each, for the audit page."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import url_for
from flask_babel import gettext
from markupsafe import Markup, escape

from ..i18n import N_, format_day
from ..models import AuditEntry

# One sentence per event; %(actor)s and %(object)s are filled from the entry, the other
# placeholders from its details (%(organisation)s linked where it can be). An event
# missing here reads "<actor>: <event> <object>"; tests/test_audit_sentences.py checks
# that every event recorded anywhere in app/ has its sentence and its name.
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
    "questionnaire.draft_started": N_("%(actor)s started the draft %(object)s"),
    "questionnaire.draft_edited": N_("%(actor)s edited the draft %(object)s"),
    "questionnaire.deadline_rules": N_("%(actor)s changed the deadline rules of %(object)s"),
    "deadline.extended": N_(
        "%(actor)s extended the deadline of %(object)s for %(organisation)s to %(after)s"
    ),
    "deadline.extension_removed": N_(
        "%(actor)s withdrew the deadline extension of %(organisation)s for %(object)s"
    ),
    "reminders.scheduled": N_("%(actor)s changed the reminder schedule of %(object)s"),
    "response.saved": N_("%(actor)s saved answers in response %(object)s of %(organisation)s"),
    "results.published": N_("%(actor)s published the results"),
    "results.publish_requested": N_("%(actor)s asked for the results to be published"),
    "export.research_extract": N_(
        "%(actor)s downloaded a research extract of %(object)s for %(researcher)s"
    ),
    "password.set": N_("%(actor)s set a new password for %(object)s"),
    "invitation.resent": N_("%(actor)s sent a new invitation link to %(object)s"),
    "invitation.changed": N_(
        "%(actor)s changed the name on the pending invitation of %(object)s (was %(old_name)s)"
    ),
    "invitations.imported": N_("%(actor)s invited %(count)s people from a file"),
    "user.actions_changed": N_("%(actor)s changed the actions of %(object)s"),
    "profile.notices": N_("%(actor)s changed their e-mail notifications"),
    "mail.retried": N_("%(actor)s asked for the message to %(to)s to be sent again"),
}

# The events' names in the audit page's filter, one per event of SENTENCES.
EVENT_NAMES: dict[str, str] = {
    "login.success": N_("Logged in"),
    "login.failure": N_("Failed login"),
    "logout": N_("Logged out"),
    "response.submitted": N_("Response submitted"),
    "response.saved": N_("Answers saved"),
    "review.accepted": N_("Response accepted"),
    "review.returned": N_("Response returned"),
    "review.rejected": N_("Response rejected"),
    "user.created": N_("Account created"),
    "user.deactivated": N_("Account deactivated"),
    "user.reactivated": N_("Account reactivated"),
    "user.erased": N_("Account erased"),
    "user.login_unlocked": N_("Logins unlocked"),
    "user.actions_added": N_("Actions added to an account"),
    "user.actions_changed": N_("Account's actions changed"),
    "user.settings_changed": N_("Account's settings changed"),
    "user.role_changed": N_("Role changed"),
    "user.organisation_changed": N_("Account's organisation changed"),
    "invitation.sent": N_("Invitation sent"),
    "invitation.resent": N_("Invitation sent again"),
    "invitation.changed": N_("Pending invitation changed"),
    "invitation.accepted": N_("Invitation accepted"),
    "invitations.imported": N_("Invitations imported"),
    "password.changed": N_("Password changed"),
    "password.set": N_("Password set (command line)"),
    "password_reset.requested": N_("Password reset requested"),
    "password_reset.done": N_("Password reset"),
    "privacy.accepted": N_("Privacy notice accepted"),
    "profile.updated": N_("Account settings changed"),
    "profile.notices": N_("E-mail notifications changed"),
    "personal_data.downloaded": N_("Personal data downloaded"),
    "personal_data.exported": N_("Personal data exported"),
    "gdpr.purged": N_("Old responses pseudonymised"),
    "session.ended": N_("Login session ended"),
    "sessions.ended_all": N_("Logged out everywhere"),
    "api_token.created": N_("API token created"),
    "api_token.revoked": N_("API token revoked"),
    "organisation.created": N_("Organisation created"),
    "organisation.updated": N_("Organisation changed"),
    "organisation.deactivated": N_("Organisation deactivated"),
    "organisation.reactivated": N_("Organisation reactivated"),
    "organisations.imported": N_("Organisations imported"),
    "questionnaire.imported": N_("Questionnaire imported"),
    "questionnaire.uploaded": N_("Questionnaire uploaded"),
    "questionnaire.draft_started": N_("Questionnaire draft started"),
    "questionnaire.draft_edited": N_("Questionnaire draft edited"),
    "questionnaire.published": N_("Questionnaire published"),
    "questionnaire.opened": N_("Questionnaire opened"),
    "questionnaire.closed": N_("Questionnaire closed"),
    "questionnaire.deadline_set": N_("Deadline set"),
    "questionnaire.deadline_rules": N_("Deadline rules changed"),
    "deadline.extended": N_("Deadline extended"),
    "deadline.extension_removed": N_("Deadline extension withdrawn"),
    "reminders.scheduled": N_("Reminder schedule changed"),
    "reminders.sent": N_("Reminders sent"),
    "mail.retried": N_("Message sent again"),
    "results.published": N_("Results published"),
    "results.publish_requested": N_("Publication of the results requested"),
    "export.downloaded": N_("Export downloaded"),
    "export.research_extract": N_("Research extract downloaded"),
    "audit.exported": N_("Audit log downloaded"),
    "demo.accounts": N_("Demo accounts created"),
    "demo.responses": N_("Demo responses created"),
}


# The kinds of object in the audit page's filter (object_type is the table's name,
# singular).
OBJECT_TYPE_NAMES: dict[str, str] = {
    "user": N_("Account"),
    "organisation": N_("Organisation"),
    "response": N_("Response"),
    "questionnaire": N_("Questionnaire"),
    "questionnaire_version": N_("Questionnaire version"),
    "action": N_("Action"),
    "api_token": N_("API token"),
    "one_time_token": N_("One-time link"),
    "results_snapshot": N_("Published results"),
    "outbox": N_("Message"),
}


def object_type_name(object_type: str) -> str:
    """The kind of object in the request's language (its code when it has none)."""
    name = OBJECT_TYPE_NAMES.get(object_type)
    return gettext(name) if name else object_type


def event_name(event: str) -> str:
    """The event's name in the request's language (its code when it has none)."""
    name = EVENT_NAMES.get(event)
    return gettext(name) if name else event


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


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


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
    if entry.actor == "scheduler":
        return escape(gettext("The scheduled job"))
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


def _detail(value: Any) -> str:
    """A detail as words: a day (``2027-01-20``) as the page's language writes it."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        try:
            return format_day(date.fromisoformat(value))
        except ValueError:
            pass  # not a real day: shown as written
    return str(value)


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
    details = entry.details or {}
    for name in _PLACEHOLDER.findall(template):
        if name not in values:
            values[name] = escape(_detail(details.get(name)))
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
