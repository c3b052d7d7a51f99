"""The scoring model in SQL, and the stored theme scores kept in step with the answers.

A response's score on theme t (docs/scoring.md) is the weighted mean of its valued
answers over the questions weighted to t:

    s(r, t) = sum(w(q, t) * v(q)) / sum(w(q, t))

``computed_scores`` is that definition, the one place it is written: ``answers JOIN
theme_weights``, ``GROUP BY response, theme``. The results read a stored copy,
``response_theme_scores`` (one row per response and theme where s is defined), which
``refresh_scores`` recomputes from the answers, in SQL, for the responses whose answers
changed: every path that writes answers calls it (the response service's save, the demo
generator's bulk insert). Published questionnaire versions and their weights never
change, so nothing else can make a stored score stale. Services never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Delete,
    Insert,
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.sql import FromClause

from ...models import Answer, ResponseThemeScore, ThemeWeight

T_ANSWERS = Answer.__table__
T_WEIGHTS = ThemeWeight.__table__
T_SCORES = ResponseThemeScore.__table__

CHUNK = 5000  # response ids per statement (well under every database's parameter limit)


def weighted_answers() -> FromClause:
    """Answers joined to the theme weights of their question (or matrix row)."""
    return T_ANSWERS.join(
        T_WEIGHTS,
        and_(
            T_WEIGHTS.c.question_id == T_ANSWERS.c.question_id,
            T_WEIGHTS.c.item == T_ANSWERS.c.item,
        ),
    )


def valued() -> ColumnElement[bool]:
    """Only answers with a value v count (a "don't know" or a text has none)."""
    return T_ANSWERS.c.score.is_not(None)


def theme_score() -> ColumnElement[Any]:
    """s(r, t) over a group of one response's weighted, valued answers to one theme."""
    return func.sum(T_WEIGHTS.c.weight * T_ANSWERS.c.score) / func.sum(T_WEIGHTS.c.weight)


def computed_scores(*where: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    """SELECT response_id, theme_id, score: s(r, t) computed from the answers, one row per
    response and theme where it is defined, for the answers matching ``where``."""
    return (
        select(
            T_ANSWERS.c.response_id.label("response_id"),
            T_WEIGHTS.c.theme_id.label("theme_id"),
            theme_score().label("score"),
        )
        .select_from(weighted_answers())
        .where(valued(), *where)
        .group_by(T_ANSWERS.c.response_id, T_WEIGHTS.c.theme_id)
    )


@cache
def _refresh_statements() -> tuple[Delete, Insert]:
    """Built once: every save runs them, and building the INSERT ... SELECT cost more
    than running it. The response ids are an expanding parameter, ``ids``."""
    ids: BindParameter[list[int]] = bindparam("ids", expanding=True)
    return (
        delete(T_SCORES).where(T_SCORES.c.response_id.in_(ids)),
        insert(T_SCORES).from_select(
            ["response_id", "theme_id", "score"], computed_scores(T_ANSWERS.c.response_id.in_(ids))
        ),
    )


def refresh_scores(session: Any, response_ids: Iterable[int]) -> None:
    """Recompute the stored theme scores of these responses from their current answers:
    their rows are deleted, then one INSERT ... SELECT per chunk of responses. Call it
    after writing a response's answers, in the same transaction."""
    ids = sorted(set(response_ids))
    remove, recompute = _refresh_statements()
    for start in range(0, len(ids), CHUNK):
        chunk = {"ids": ids[start : start + CHUNK]}
        session.execute(remove, chunk)
        session.execute(recompute, chunk)


def rebuild_scores(session: Any) -> int:
    """Recompute every stored theme score from the answers (a repair after changes made
    outside the app, e.g. by hand in the database); returns the number of rows."""
    session.execute(delete(T_SCORES))
    session.execute(
        insert(T_SCORES).from_select(["response_id", "theme_id", "score"], computed_scores())
    )
    return int(session.scalar(select(func.count()).select_from(T_SCORES)) or 0)


def stale_scores(session: Any) -> int:
    """How many (response, theme) pairs differ between the stored and the computed scores
    (0 when the stored copy is in step; a check for tests and the repair command)."""
    computed = computed_scores().subquery("computed")
    stored = T_SCORES
    pair = and_(
        stored.c.response_id == computed.c.response_id, stored.c.theme_id == computed.c.theme_id
    )
    missing_or_wrong = (
        select(func.count())
        .select_from(computed.outerjoin(stored, pair))
        .where(stored.c.score.is_(None) | (func.abs(stored.c.score - computed.c.score) > 1e-9))
    )
    extra = (
        select(func.count())
        .select_from(stored.outerjoin(computed, pair))
        .where(computed.c.response_id.is_(None))
    )
    return int(session.scalar(missing_or_wrong) or 0) + int(session.scalar(extra) or 0)
