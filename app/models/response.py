"""Responses (one per organisation and questionnaire version), answers and reviews."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import UTCDateTime, enum_values, utcnow
from .people import Organisation, User
from .questionnaire import Question, Questionnaire, QuestionnaireVersion


class ResponseState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # back with the respondents for revision; editable like a draft
    ACCEPTED = "accepted"
    REJECTED = "rejected"


EDITABLE_STATES = frozenset({ResponseState.DRAFT, ResponseState.RETURNED})


class Response(Model):
    """An organisation's answers to one questionnaire version, shared by its respondents."""

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("organisation_id", "version_id"),
        Index("ix_responses_questionnaire_state", "questionnaire_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    state: Mapped[ResponseState] = mapped_column(
        Enum(ResponseState, native_enum=False, length=20, values_callable=enum_values),
        default=ResponseState.DRAFT,
    )
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    # Optimistic locking: every save increments it; a save based on an older value conflicts.
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(Text)  # overall reviewer comment / reason

    questionnaire: Mapped[Questionnaire] = relationship()
    version: Mapped[QuestionnaireVersion] = relationship()
    organisation: Mapped[Organisation] = relationship()
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )
    events: Mapped[list[ResponseEvent]] = relationship(
        back_populates="response", order_by="ResponseEvent.id", cascade="all, delete-orphan"
    )
    comments: Mapped[list[ReviewComment]] = relationship(
        back_populates="response", order_by="ReviewComment.id", cascade="all, delete-orphan"
    )

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES


class Answer(Model):
    """One answer: a question's value, or one matrix item's value (``item`` != "").

    ``value`` is the canonical text form (option code, Likert point, "dk" for don't know,
    ISO date, ``;``-joined codes for multiple choice and ranking). ``score`` is the
    answer's 0..1 value under the scoring model, computed when the answer is saved
    (versions are immutable, so it never goes stale); NULL when the answer has none.
    """

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id", "item"),
        # The results read only valued answers, in response order: a partial covering
        # index lets both databases aggregate from the index alone (docs/scoring.md).
        Index(
            "ix_answers_scored",
            "response_id",
            "question_id",
            "item",
            "score",
            sqlite_where=text("score IS NOT NULL"),
            postgresql_where=text("score IS NOT NULL"),
        ),
        # Per-question figures (a theme's provenance, quotes, counts of a question's
        # answers) read the answers to given questions from this index alone.
        Index("ix_answers_question", "question_id", "item", "response_id", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    item: Mapped[str] = mapped_column(String(64), default="")
    value: Mapped[str] = mapped_column(Text)
    other_text: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float)

    response: Mapped[Response] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()


class ResponseThemeScore(Model):
    """A response's score s(r, t) on one theme, the weighted mean of its valued answers
    (docs/scoring.md). Derived data: ``app.services.results.scoring`` recomputes a response's rows
    in SQL whenever its answers change, and nothing else writes them. A response without
    a valued answer weighted to a theme has no row for it (undefined, not zero)."""

    __tablename__ = "response_theme_scores"
    __table_args__ = (
        # The theme pages read one theme's scores alone, in response order (covering).
        Index("ix_response_theme_scores_theme", "theme_id", "response_id", "score"),
        {"sqlite_with_rowid": False},  # rows stored in primary-key order (covering)
    )

    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"), primary_key=True)
    score: Mapped[float] = mapped_column(Float)


class ResponseEvent(Model):
    """A state transition of a response: who, when, from, to and why."""

    __tablename__ = "response_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    response: Mapped[Response] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()


class ReviewComment(Model):
    """A reviewer's comment on a whole response (question_code None) or on one question."""

    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    question_code: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    response: Mapped[Response] = relationship(back_populates="comments")
    user: Mapped[User | None] = relationship()


__all__ = [
    "Answer",
    "Response",
    "ResponseEvent",
    "ResponseState",
    "ResponseThemeScore",
    "ReviewComment",
]
