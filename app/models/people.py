"""Organisations, users and who is involved in which action."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, Column, Enum, ForeignKey, String, Table, false
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import Model, db
from ..i18n import N_
from ..passwords import hash_password, verify_password
from .base import UTCDateTime, enum_values, utcnow
from .framework import Action


class OrgKind(StrEnum):
    CITY = "city"
    REGION = "region"
    MEMBER_STATE = "member_state"
    EU_BODY = "eu_body"
    NGO = "ngo"
    UNIVERSITY = "university"
    PRIVATE = "private"
    OTHER = "other"


class SizeBand(StrEnum):
    """City size bands by inhabitants (only cities have one)."""

    SMALL = "small"  # under 50,000
    MEDIUM = "medium"  # 50,000 to 250,000
    LARGE = "large"  # 250,000 to 1 million
    METROPOLITAN = "metropolitan"  # over 1 million


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    LEADER = "leader"
    RESPONDENT = "respondent"


# English labels, marked for translation (``app.labels.label`` shows them translated).
ORG_KIND_LABELS = {
    OrgKind.CITY: N_("City or metropolitan area"),
    OrgKind.REGION: N_("Region"),
    OrgKind.MEMBER_STATE: N_("Member State"),
    OrgKind.EU_BODY: N_("EU institution or body"),
    OrgKind.NGO: N_("NGO or network"),
    OrgKind.UNIVERSITY: N_("University or research centre"),
    OrgKind.PRIVATE: N_("Private sector"),
    OrgKind.OTHER: N_("Other"),
}
SIZE_BAND_LABELS = {
    SizeBand.SMALL: N_("Small (under 50,000)"),
    SizeBand.MEDIUM: N_("Medium (50,000 to 250,000)"),
    SizeBand.LARGE: N_("Large (250,000 to 1 million)"),
    SizeBand.METROPOLITAN: N_("Metropolitan (over 1 million)"),
}

# Which actions an organisation is asked to answer.
organisation_actions = Table(
    "organisation_actions",
    db.metadata,
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("action_id", ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True),
)

# The actions a leader leads.
leader_actions = Table(
    "leader_actions",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("action_id", ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True),
)


class Organisation(Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrgKind] = mapped_column(
        Enum(OrgKind, native_enum=False, length=20, values_callable=enum_values)
    )
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    size_band: Mapped[SizeBand | None] = mapped_column(
        Enum(SizeBand, native_enum=False, length=20, values_callable=enum_values)
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actions: Mapped[list[Action]] = relationship(
        secondary=organisation_actions, order_by=Action.number
    )
    users: Mapped[list[User]] = relationship(back_populates="organisation")

    @validates("country")
    def _upper_country(self, _key: str, value: str) -> str:
        return value.strip().upper()

    def __repr__(self) -> str:
        return f"<Organisation {self.name!r}>"


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # always lower case
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=enum_values)
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Leaders: an admin lets them publish the drafts of the actions they lead
    # (authz.can_publish_draft); meaningless for the other roles.
    may_publish: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Leaders: mail on each submission to their actions ("immediate"), one a day
    # ("digest"), or none ("off").
    notify_submissions: Mapped[str] = mapped_column(
        String(10), default="immediate", server_default="immediate"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    privacy_version: Mapped[str | None] = mapped_column(String(40))
    privacy_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str | None] = mapped_column(String(5))
    # An IANA zone name; dates and times are shown in it (app.i18n.select_timezone).
    time_zone: Mapped[str] = mapped_column(
        String(64), default="Europe/Brussels", server_default="Europe/Brussels"
    )

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")
    led_actions: Mapped[list[Action]] = relationship(
        secondary=leader_actions, order_by=Action.number
    )

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return normalise_email(value)

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password, password_method())

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and verify_password(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def led_action_numbers(self) -> set[int]:
        return {action.number for action in self.led_actions}

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


def password_method() -> str:
    """The configured hashing method (Argon2id; tests use a cheaper setting)."""
    return current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else "argon2id"


def normalise_email(value: str) -> str:
    return value.strip().lower()
