"""Invite many respondents from a CSV file: read, check every row, report, then invite
all of them or none. Their invitations are written to the outbox in the same
transaction, so nothing is sent unless every row was right.

The header names the columns ``email``, ``name``, ``organisation`` (an existing one, by
name), optionally ``actions`` (numbers such as "1 4"; by default the organisation's)
and ``language`` (en, de, fr, it or their names; by default English). The file rules
(size, encoding, separators) are the organisation import's.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Action, Organisation, Role, User, normalise_email
from .. import audit
from ..mailing import messages
from . import invitations
from .accounts import get_by_email
from .organisation_import import _delimiter, _fold, _parse_actions, decode
from .organisations import actions_by_number, normalise_name

MAX_ROWS = 1000
COLUMNS = {
    "email": "email",
    "e mail": "email",
    "email address": "email",
    "e mail address": "email",
    "name": "name",
    "display name": "name",
    "full name": "name",
    "organisation": "organisation",
    "organization": "organisation",
    "organisation name": "organisation",
    "actions": "actions",
    "language": "language",
    "lang": "language",
}
REQUIRED = ("email", "name", "organisation")
LANGUAGES = {
    "en": "en", "english": "en",
    "de": "de", "german": "de", "deutsch": "de",
    "fr": "fr", "french": "fr", "français": "fr", "francais": "fr",
    "it": "it", "italian": "it", "italiano": "it",
}  # fmt: skip


@dataclass
class InviteRow:
    number: int  # in the file; the header is row 1
    email: str
    name: str = ""
    organisation: Organisation | None = None
    action_numbers: list[int] = field(default_factory=list)
    language: str = "en"
    existing: bool = False  # an account in use: its actions are added, no link
    problems: list[str] = field(default_factory=list)


@dataclass
class InviteReport:
    filename: str = ""
    file_errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    rows: list[InviteRow] = field(default_factory=list)

    @property
    def invalid_rows(self) -> list[InviteRow]:
        return [row for row in self.rows if row.problems]

    @property
    def can_invite(self) -> bool:
        return not self.file_errors and bool(self.rows) and not self.invalid_rows


def read(session: Session, raw: bytes, filename: str = "") -> InviteReport:
    """Read and check a whole file against the database; writes nothing."""
    report = InviteReport(filename=filename)
    text, problem = decode(raw)
    if problem:
        report.file_errors.append(problem)
        return report
    assert text is not None
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as error:
        report.file_errors.append(f"The file is not valid CSV ({error}): export it again.")
        return report
    if not text.strip() or not records:
        report.file_errors.append(
            "The file is empty: it needs a header row (email, name, organisation) and one "
            "row per person."
        )
        return report
    columns = _read_header(records[0], report)
    if report.file_errors:
        return report
    rows = [(n, cells) for n, cells in enumerate(records[1:], 2) if any(c.strip() for c in cells)]
    if len(rows) > MAX_ROWS:
        report.file_errors.append(
            f"The file has {len(rows)} people; at most {MAX_ROWS} can be invited at once: "
            "split it into smaller files."
        )
        return report
    organisations = {
        o.name.lower(): o
        for o in session.scalars(select(Organisation).where(Organisation.active.is_(True)))
    }
    seen: dict[str, int] = {}
    for number, cells in rows:
        row = _read_row(session, number, cells, columns, organisations)
        if row.email in seen:
            row.problems.append(
                f"The address also appears on row {seen[row.email]}: invite each person once."
            )
        seen.setdefault(row.email, number)
        report.rows.append(row)
    if not report.rows:
        report.file_errors.append("The file has a header row but nobody below it.")
    return report


def _read_header(cells: list[str], report: InviteReport) -> dict[str, int]:
    columns: dict[str, int] = {}
    for position, cell in enumerate(cells):
        key = COLUMNS.get(_fold(cell).replace("-", " "))
        if key is None:
            if cell.strip():
                report.notices.append(f"The column “{cell.strip()}” is not used and is ignored.")
            continue
        if key in columns:
            report.file_errors.append(f"The header names the column “{key}” twice: keep one.")
        columns[key] = position
    missing = [key for key in REQUIRED if key not in columns]
    if missing:
        report.file_errors.append(
            "The first row must be the header naming the columns email, name and "
            f"organisation (optionally actions, language); missing: {', '.join(missing)}."
        )
    return columns


def _read_row(
    session: Session,
    number: int,
    cells: list[str],
    columns: dict[str, int],
    organisations: dict[str, Organisation],
) -> InviteRow:
    def cell(key: str) -> str:
        position = columns.get(key)
        return cells[position].strip() if position is not None and position < len(cells) else ""

    email = normalise_email(cell("email"))
    row = InviteRow(number=number, email=email, name=normalise_name(cell("name"))[:120])
    local, _, domain = email.partition("@")
    if not email:
        row.problems.append("The e-mail address is empty.")
    elif not local or "." not in domain or len(email) > 254 or " " in email:
        row.problems.append(f"“{email}” is not an e-mail address: write it like name@example.org.")
    if not row.name:
        row.problems.append("The name is empty: write the person's name.")
    org_name = normalise_name(cell("organisation"))
    row.organisation = organisations.get(org_name.lower())
    if row.organisation is None:
        row.problems.append(
            f"There is no active organisation named “{org_name}”: create or import it first, "
            "or correct the name."
            if org_name
            else "The organisation is empty: respondents answer for an organisation."
        )
    numbers, problem = _parse_actions(cell("actions"))
    if problem:
        row.problems.append(problem)
    row.action_numbers = numbers
    language = cell("language")
    if language:
        code = LANGUAGES.get(_fold(language))
        if code is None:
            row.problems.append(f"The language “{language}” is unknown: use en, de, fr or it.")
        else:
            row.language = code
    if not row.problems and row.organisation is not None:
        existing = get_by_email(session, email)
        if existing is not None:
            if existing.role != Role.RESPONDENT or (
                row.organisation is None or existing.organisation_id != row.organisation.id
            ):
                row.problems.append(
                    f"An account for {email} exists already with another role or organisation: "
                    "leave this person out, or change their account first."
                )
            elif not existing.active and existing.password_hash:
                row.problems.append(f"The account for {email} is deactivated: reactivate it first.")
            row.existing = existing.password_hash is not None
    return row


def invite_all(
    session: Session, report: InviteReport, *, by: User, lifetime: timedelta, ip: str = ""
) -> list[User]:
    """Invite every row of a valid report and write their invitations to the outbox (the
    caller commits or rolls back: all or nothing); each invitation is audited, and the
    import once (``invitations.imported``)."""
    if not report.can_invite:
        raise ValueError("the file has problems; nobody may be invited")
    actions = {a.number: a for a in actions_by_number(session, range(1, 12))}
    invited = []
    for row in report.rows:
        assert row.organisation is not None
        chosen: list[Action] = [actions[n] for n in row.action_numbers if n in actions]
        user, raw = invitations.invite(
            session,
            email=row.email,
            display_name=row.name,
            role=Role.RESPONDENT,
            organisation=row.organisation,
            actions=chosen,
            invited_by=by,
            lifetime=lifetime,
            ip=ip,
            locale=row.language,
        )
        listed = chosen or list(row.organisation.actions)
        messages.invitation(session, user, by, raw, listed, lifetime.days)
        invited.append(user)
    audit.record(
        session,
        "invitations.imported",
        user=by,
        ip=ip,
        count=len(invited),
        filename=report.filename[:200],
    )
    return invited
