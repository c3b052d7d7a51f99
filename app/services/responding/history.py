"""Answer history: who changed which answer, when, from what to what.

Every save writes, in its own transaction, one ``AnswerChange`` row per question whose
answer it changed (none when nothing changed), and one audit entry naming those
questions. Values are kept as the question's canonical answer (``[value, other text]``
as JSON, the form ``answers.from_rows`` gives), so they read back in any language.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, String, Text, TextClause, bindparam, func, insert, select
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Session

from ...definitions import answers as answer_codec
from ...definitions.model import Definition, text
from ...models import AnswerChange, Response, User, utcnow
from ...models.base import UTCDateTime
from .. import audit

Rows = Mapping[str, Sequence[answer_codec.Row]]


def encode(defn: Definition, rows: Sequence[answer_codec.Row] | None) -> str | None:
    """A question's stored rows as ``[value, other text]`` JSON; None: no answer."""
    if not rows:
        return None
    values, other = answer_codec.from_rows(defn, rows)
    code = rows[0].question
    return json.dumps([values.get(code), other.get(code)], ensure_ascii=False)


def decode(text: str | None) -> tuple[Any, str | None]:
    """(value, other text) of an encoded answer; (None, None): no answer."""
    if text is None:
        return None, None
    value, other = json.loads(text)
    return value, other


def record_changes(
    session: Session,
    response: Response,
    defn: Definition,
    old: Rows,
    new: Rows,
    changed: Sequence[str],
    user: User | None,
    now: datetime | None = None,
) -> None:
    """Write one history row per changed question and one audit entry for the save."""
    if not changed:
        return
    now = now or utcnow()
    by = user.id if user else None
    rows = [
        {
            "response_id": response.id,
            "question_code": code,
            "old_value": encode(defn, old.get(code)),
            "new_value": encode(defn, new.get(code)),
            "user_id": by,
            "created_at": now,
        }
        for code in changed
    ]
    entry = audit.entry_values(
        "response.saved",
        user=user,
        obj=response,
        at=now,
        reference=response.reference,
        questions=list(changed),
    )
    # Every save that changes answers runs this. On PostgreSQL: one statement, the history
    # rows from arrays (unnest) and the audit entry beside them (a data-modifying WITH),
    # one round trip, its text compiled once (a multi-row VALUES is compiled anew on every
    # call, and psycopg sends an executemany as one statement per row). On SQLite the
    # rows go as an executemany (in C) and the entry on its own.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            _save_record_pg(),
            {
                **entry,
                "response_id": response.id,
                "codes": [row["question_code"] for row in rows],
                "olds": [row["old_value"] for row in rows],
                "news": [row["new_value"] for row in rows],
            },
        )
    else:
        session.execute(_insert(), rows)
        session.execute(audit.insert_entry(), entry)


@cache
def _insert() -> Insert:
    return insert(AnswerChange.__table__)  # Core executemany: no unit-of-work cost


@cache
def _save_record_pg() -> TextClause:
    return sql_text(
        """
        WITH changes AS (
            INSERT INTO answer_changes
                (response_id, question_code, old_value, new_value, user_id, created_at)
            SELECT :response_id, t.code, t.old, t.new, :user_id, :created_at
            FROM unnest(CAST(:codes AS varchar[]), CAST(:olds AS text[]),
                        CAST(:news AS text[])) AS t(code, old, new)
        )
        INSERT INTO audit_entries
            (created_at, user_id, actor, event, object_type, object_id, ip, details)
        VALUES (:created_at, :user_id, :actor, :event, :object_type, :object_id, :ip,
                CAST(:details AS jsonb))
        """
    ).bindparams(
        bindparam("created_at", type_=UTCDateTime()),
        bindparam("details", type_=JSONB()),
        bindparam("codes", type_=ARRAY(String)),
        bindparam("olds", type_=ARRAY(Text)),
        bindparam("news", type_=ARRAY(Text)),
    )


@dataclass(frozen=True)
class Summary:
    """How often a question's answer changed, and the last change."""

    count: int
    last_by: str | None  # display name; None: unknown (a script, or the link was purged)
    last_at: datetime


def summaries(session: Session, response: Response) -> dict[str, Summary]:
    """Per question code: the number of changes and who made the last one, when."""
    last = (
        select(
            AnswerChange.question_code,
            func.count().label("n"),
            func.max(AnswerChange.id).label("last_id"),
        )
        .where(AnswerChange.response_id == response.id)
        .group_by(AnswerChange.question_code)
        .subquery()
    )
    rows = session.execute(
        select(last.c.question_code, last.c.n, AnswerChange.created_at, User.display_name)
        .join(AnswerChange, AnswerChange.id == last.c.last_id)
        .outerjoin(User, User.id == AnswerChange.user_id)
    )
    return {code: Summary(int(n), name, at) for code, n, at, name in rows}


@dataclass(frozen=True)
class Change:
    question_code: str
    old: tuple[Any, str | None]
    new: tuple[Any, str | None]
    by: str | None
    at: datetime


def changes(session: Session, response: Response, code: str | None = None) -> list[Change]:
    """The response's answer changes (one question's with ``code``), newest first."""
    stmt = (
        select(AnswerChange, User.display_name)
        .outerjoin(User, User.id == AnswerChange.user_id)
        .where(AnswerChange.response_id == response.id)
        .order_by(AnswerChange.id.desc())
    )
    if code is not None:
        stmt = stmt.where(AnswerChange.question_code == code)
    return [
        Change(c.question_code, decode(c.old_value), decode(c.new_value), name, c.created_at)
        for c, name in session.execute(stmt)
    ]


@dataclass(frozen=True)
class ChangeView:
    """A change in words, for a page: the question's label and both answers as text."""

    code: str
    label: str
    old: str
    new: str
    by: str | None
    at: datetime


def readable(defn: Definition, items: Sequence[Change], lang: str = "en") -> list[ChangeView]:
    """The changes with question labels and answers in ``lang`` (a question no longer
    in the definition shows its code and raw values)."""
    views = []
    for change in items:
        q = defn.by_code.get(change.question_code)
        if q is None:
            label, old, new = change.question_code, str(change.old[0]), str(change.new[0])
        else:
            label = text(q["label"], lang)
            old, new = (
                answer_codec.display(q, *change.old, lang),
                answer_codec.display(q, *change.new, lang),
            )
        views.append(ChangeView(change.question_code, label, old, new, change.by, change.at))
    return views
