"""Published results snapshots: the public figures as they stood when an admin published
them, stored once and never changed (a later snapshot replaces it on the public pages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import JSONType, UTCDateTime, utcnow
from .people import User


class SnapshotImmutableError(Exception):
    """A published snapshot was about to be changed."""


class ResultsSnapshot(Model):
    """The public results "as of" ``published_at``: a title and an introduction per
    language, and the figures (``figures``: JSON text, per language, computed for the
    public audience: small cells hidden, consented quotes only)."""

    __tablename__ = "results_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[dict] = mapped_column(JSONType)  # {lang: text}
    introduction: Mapped[dict] = mapped_column(JSONType)  # {lang: text}
    min_orgs: Mapped[int] = mapped_column(Integer)  # the threshold the figures were hidden at
    figures: Mapped[str] = mapped_column(Text, deferred=True)

    published_by: Mapped[User | None] = relationship()


@event.listens_for(ResultsSnapshot, "before_update")
def _refuse_changes(_mapper: Any, _connection: Any, target: ResultsSnapshot) -> None:
    raise SnapshotImmutableError(f"results snapshot {target.id} is published: it never changes")
