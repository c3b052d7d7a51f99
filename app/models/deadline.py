"""A questionnaire's deadline moved for one organisation."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import UTCDateTime, utcnow
from .people import Organisation, User
from .questionnaire import Questionnaire


class DeadlineExtension(Model):
    """Organisation ``organisation_id`` may answer questionnaire ``questionnaire_id``
    until the end of ``until`` (in the questionnaire's time zone) instead of its deadline."""

    __tablename__ = "deadline_extensions"
    __table_args__ = (UniqueConstraint("questionnaire_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE")
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    until: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    questionnaire: Mapped[Questionnaire] = relationship()
    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()
