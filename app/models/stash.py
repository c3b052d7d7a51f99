"""Answers kept when a save could not happen (expired session or security token)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .base import JSONType, UTCDateTime, utcnow


class FormStash(Model):
    """A posted questionnaire page that could not be saved, kept until the person is
    logged in again and back on the page. Found by the SHA-256 of a random token held in
    a cookie; bound to the user when the (expired) session still said who it was."""

    __tablename__ = "form_stashes"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    action_number: Mapped[int] = mapped_column(Integer)
    section_code: Mapped[str] = mapped_column(String(64))
    # The posted fields that belong to the questionnaire: {name: [values]}.
    payload: Mapped[dict] = mapped_column(JSONType)
    lock_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
