"""Logged-in sessions, kept on the server so that one can be ended from anywhere."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import UTCDateTime, utcnow
from .people import User


class UserSession(Model):
    """One login in one browser. The session cookie holds a random secret; only its
    SHA-256 is stored. Logging out deletes the row, so a copy of the cookie stops
    working at once; a row also ends at ``expires_at`` (the session lifetime after the
    login)."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written at most every few minutes, and only by requests that write anyway.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Browser and system ("Firefox, Linux"), to tell one's sessions apart; "" if unknown.
    device: Mapped[str] = mapped_column(String(100), default="")

    user: Mapped[User] = relationship()
