"""Questionnaires, their immutable published versions, questions, options and weights.

A definition file (YAML) is parsed and validated by ``app.definitions``; importing it
creates a draft ``QuestionnaireVersion`` whose questions, options and theme weights are
rows here. Publishing freezes the version: responses point at the version they answer.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import JSONType, UTCDateTime, enum_values, utcnow
from .framework import Action, Theme


class VersionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"  # superseded by a newer published version


class Questionnaire(Model):
    """The questionnaire of one action; its content lives in versions."""

    __tablename__ = "questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), unique=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    deadline: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    action: Mapped[Action] = relationship(lazy="joined")
    versions: Mapped[list[QuestionnaireVersion]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireVersion.number"
    )


class QuestionnaireVersion(Model):
    """One numbered version of a questionnaire: a draft until published, then frozen."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("questionnaire_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[VersionStatus] = mapped_column(
        Enum(VersionStatus, native_enum=False, length=20, values_callable=enum_values),
        default=VersionStatus.DRAFT,
    )
    title: Mapped[str] = mapped_column(String(300))
    # The validated definition, normalised (every text a {lang: text} mapping). Loaded
    # only when read: pages take the parsed form from ``definitions.model.definition_of``.
    definition: Mapped[dict] = mapped_column(JSONType, deferred=True)
    source: Mapped[str] = mapped_column(Text, default="", deferred=True)  # the YAML as imported
    checksum: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The builder's: every write to a draft checks and raises the revision (two editors
    # never overwrite each other); ``problems`` counts the validator's findings on the
    # saved draft (a draft with problems is kept, but cannot be published).
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    problems: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")
    questions: Mapped[list[Question]] = relationship(
        back_populates="version", order_by="Question.position", cascade="all, delete-orphan"
    )

    @property
    def is_frozen(self) -> bool:
        return self.status != VersionStatus.DRAFT


class Question(Model):
    """A question of one version; ``spec`` holds its full normalised definition."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)  # order across the whole questionnaire
    section_code: Mapped[str] = mapped_column(String(64))
    section_position: Mapped[int] = mapped_column(Integer)
    qtype: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    points: Mapped[int | None] = mapped_column(Integer)  # likert and matrix scale size
    score_min: Mapped[float | None] = mapped_column(Float)  # number scoring range
    score_max: Mapped[float | None] = mapped_column(Float)
    spec: Mapped[dict] = mapped_column(JSONType)

    version: Mapped[QuestionnaireVersion] = relationship(back_populates="questions")
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question", order_by="QuestionOption.position", cascade="all, delete-orphan"
    )
    weights: Mapped[list[ThemeWeight]] = relationship(
        back_populates="question", cascade="all, delete-orphan"
    )


class QuestionOption(Model):
    """An answer option (kind "option") or a matrix row (kind "item") of a question."""

    __tablename__ = "question_options"
    __table_args__ = (UniqueConstraint("question_id", "kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10), default="option")
    code: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    label: Mapped[dict] = mapped_column(JSONType)  # {lang: text}

    question: Mapped[Question] = relationship(back_populates="options")


class ThemeWeight(Model):
    """How strongly a question (or one matrix item, ``item`` != "") feeds a theme."""

    __tablename__ = "theme_weights"
    __table_args__ = (UniqueConstraint("question_id", "item", "theme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    item: Mapped[str] = mapped_column(String(64), default="")
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"), index=True)
    weight: Mapped[float] = mapped_column(Float)

    question: Mapped[Question] = relationship(back_populates="weights")
    theme: Mapped[Theme] = relationship(lazy="joined")
