"""The Partnership's framework: themes, perspectives, pillars and the 11 actions."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .base import JSONType


class TranslatedMixin:
    """Rows whose user-facing text is kept per language (English required)."""

    translations: Mapped[dict] = mapped_column(JSONType, default=dict)

    def text(self, field: str, lang: str = "en") -> str:
        per_lang = (self.translations or {}).get(lang, {})
        return per_lang.get(field) or getattr(self, field)


class Theme(TranslatedMixin, Model):
    """One of the five final recommendation themes."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    statement: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<Theme {self.key}>"


class Perspective(TranslatedMixin, Model):
    """Planning, managing or resilience: how an action turns into operations."""

    __tablename__ = "perspectives"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class Pillar(TranslatedMixin, Model):
    """A pillar of the "Greek facade" (kind "pillar") or one of its two common steps."""

    __tablename__ = "pillars"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # "pillar" or "step"
    label: Mapped[str] = mapped_column(String(10))  # "1".."5", "a", "b"
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class Action(TranslatedMixin, Model):
    """One of the Partnership's 11 actions; each has one questionnaire."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(300))
    short_title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    pillar_id: Mapped[int] = mapped_column(ForeignKey("pillars.id"))
    perspective_id: Mapped[int] = mapped_column(ForeignKey("perspectives.id"))

    pillar: Mapped[Pillar] = relationship(lazy="joined")
    perspective: Mapped[Perspective] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Action {self.number}>"
