"""Answers kept when a page could not be saved (expired session or security token):
stored server-side under the SHA-256 of a random token, until the person is logged in
again, back on the page, and saves it (or discards it). Plain functions, no request."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ...definitions.model import Definition
from ...models import FormStash, utcnow

STASH_DAYS = 7
MAX_VALUES_PER_FIELD = 50
MAX_VALUE_LENGTH = 25_000
KEPT_FIELDS = ("lock_version", "base")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def field_names(defn: Definition, section: Mapping[str, Any]) -> set[str]:
    """Every form field a section's questions can post."""
    names: set[str] = set()
    for q in section["questions"]:
        code = q["code"]
        names.update({code, f"{code}__other"})
        names.update(f"{code}__{item['code']}" for item in q.get("items", []))
        if q["type"] == "ranking":
            names.update(f"{code}__rank__{o['code']}" for o in q["options"])
        names.add(f"resolve__{code}")
    return names


def keep_fields(
    defn: Definition, section: Mapping[str, Any], form: Iterable[tuple[str, list[str]]]
) -> dict[str, list[str]]:
    """The posted fields worth keeping: the section's answers (bounded), lock and base."""
    allowed = field_names(defn, section) | set(KEPT_FIELDS)
    kept: dict[str, list[str]] = {}
    for name, values in form:
        if name in allowed:
            kept[name] = [str(v)[:MAX_VALUE_LENGTH] for v in values[:MAX_VALUES_PER_FIELD]]
    return kept


def save(
    session: Session,
    token: str | None,
    *,
    user_id: int | None,
    action_number: int,
    section_code: str,
    payload: dict[str, list[str]],
    lock_version: int | None,
) -> str:
    """Keep ``payload``; reuses the stash of ``token`` when it exists. Returns the token."""
    purge_expired(session)
    stash = find(session, token) if token else None
    if stash is None:
        token = secrets.token_urlsafe(32)
        stash = FormStash(token_hash=_hash(token))
        session.add(stash)
    stash.user_id = user_id
    stash.action_number = action_number
    stash.section_code = section_code
    stash.payload = payload
    stash.lock_version = lock_version
    stash.created_at = utcnow()
    stash.expires_at = stash.created_at + timedelta(days=STASH_DAYS)
    session.flush()
    assert token is not None
    return token


def find(session: Session, token: str | None) -> FormStash | None:
    if not token or len(token) > 100:
        return None
    return session.scalar(
        select(FormStash).where(
            FormStash.token_hash == _hash(token), FormStash.expires_at > utcnow()
        )
    )


def may_restore(stash: FormStash, user_id: int) -> bool:
    """A stash bound to a person is theirs alone; an unbound one (the session was gone
    entirely) goes to whoever logs in on that browser and may answer for the action."""
    return stash.user_id is None or stash.user_id == user_id


def discard(session: Session, stash: FormStash) -> None:
    session.delete(stash)


def purge_expired(session: Session) -> None:
    session.execute(delete(FormStash).where(FormStash.expires_at <= utcnow()))
