"""Mail waiting to go and mail gone: the outbox, and the scheduled reminders already sent."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .base import JSONType, UTCDateTime, enum_values, utcnow


class MailStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt at next_attempt_at
    SENDING = "sending"  # claimed by a worker until lease_until
    SENT = "sent"  # the SMTP server took it
    LOGGED = "logged"  # mail is not configured: written to the log instead
    FAILED = "failed"  # given up: a permanent SMTP refusal, or too many attempts


class MailKind(StrEnum):
    INVITATION = "invitation"
    ACTIONS_ADDED = "actions_added"
    RESET_REQUEST = "reset_request"  # the forgotten-password form: the worker looks it up
    PASSWORD_RESET = "password_reset"  # noqa: S105  # nosec B105 - a kind of message, not a password
    DECISION = "decision"
    REMINDER = "reminder"
    SUBMISSION = "submission"  # to the action's leaders
    COLLEAGUE = "colleague"  # to the other respondents of the organisation
    DIGEST = "digest"
    # Not a message: a job the worker runs (the outbox's lease makes it run once).
    PUBLISH_RESULTS = "publish_results"  # publish a results snapshot (``results.snapshot``)


class OutboxMail(Model):
    """One e-mail, written in the transaction of the change that causes it and delivered
    by ``flask worker`` (``app/worker.py``). A worker claims a row by setting its lease
    with a conditional UPDATE, so two workers never send the same row at once; a worker
    killed mid-delivery leaves a lease that runs out, and the row is sent again."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MailKind] = mapped_column(
        Enum(MailKind, native_enum=False, length=20, values_callable=enum_values)
    )
    status: Mapped[MailStatus] = mapped_column(
        Enum(MailStatus, native_enum=False, length=10, values_callable=enum_values),
        default=MailStatus.PENDING,
    )
    to_address: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # What the worker needs to prepare a message it writes itself (a reset request).
    payload: Mapped[dict] = mapped_column(JSONType, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leased_by: Mapped[str] = mapped_column(String(64), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<OutboxMail {self.id} {self.kind} {self.status} {self.to_address}>"


class ReminderSchedule(Model):
    """When the scheduled job reminds the organisations that have not submitted a
    questionnaire: days before its deadline, and days after a response was returned."""

    __tablename__ = "reminder_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE"), unique=True
    )
    days_before: Mapped[str] = mapped_column(String(100), default="")  # "14,7,2"
    returned_after_days: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def steps(self) -> list[int]:
        return sorted({int(x) for x in self.days_before.split(",") if x.strip()}, reverse=True)


class ReminderSent(Model):
    """One step of a schedule done for one organisation: the unique constraint is what
    makes the job safe to run twice, or on two servers at once."""

    __tablename__ = "reminders_sent"
    __table_args__ = (
        UniqueConstraint(
            "questionnaire_id", "organisation_id", "step", name="uq_reminders_sent_step"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE")
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[str] = mapped_column(String(40))  # "before:7:<day>", "returned:<event id>"
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DigestItem(Model):
    """A line for a leader's daily digest of submissions, until the digest is sent."""

    __tablename__ = "digest_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    line: Mapped[str] = mapped_column(Text)
    claimed_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
