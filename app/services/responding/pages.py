"""Saving one page of a respondent's answers: what each answer was when the page was
loaded (digests), and a three-way merge when a colleague saved in the meantime, so nothing
is overwritten silently. Plain functions, no request inside."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ...definitions import answers as codec
from ...models import Response, User
from . import responses as response_service

# --- digests: what a question's answer was when a page was loaded ----------------------


def answer_digest(value: Any, other_text: str | None = None) -> str:
    """A short fingerprint of one answer (value and "other" text); empty answers share one."""
    if value in (None, "", [], {}):
        value, other_text = None, None
    canonical = json.dumps([value, other_text or None], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def page_digests(
    codes: Iterable[str], values: Mapping[str, Any], other: Mapping[str, str]
) -> dict[str, str]:
    return {code: answer_digest(values.get(code), other.get(code)) for code in codes}


def encode_digests(digests: Mapping[str, str]) -> str:
    return ",".join(f"{code}:{digest}" for code, digest in digests.items())


def decode_digests(text: str | None) -> dict[str, str]:
    """Read the ``base`` field back; anything malformed is ignored (treated as unknown)."""
    result: dict[str, str] = {}
    for part in (text or "")[:20000].split(","):
        code, _, digest = part.partition(":")
        if code and len(digest) == 16 and digest.isalnum():
            result[code] = digest
    return result


# --- saving one page -----------------------------------------------------------------


@dataclass
class Difference:
    """A question both this person and a colleague changed, differently."""

    code: str
    mine: Any
    mine_other: str | None
    theirs: Any
    theirs_other: str | None


@dataclass
class PageSave:
    """What happened to a page of answers."""

    saved: bool
    lock: int  # the response's lock_version now
    values: dict[str, Any]  # the answers as stored now (or as they would have been)
    other: dict[str, str]
    digests: dict[str, str]  # the page's answers as stored now: the next save's base
    differences: list[Difference] = field(default_factory=list)
    conflict: response_service.ConflictError | None = None  # someone saved in between
    # Questions the colleague changed and this page did not: their answer is kept, so a
    # page shown again must show it (or keep its old base, when it cannot: autosave).
    merged_theirs: list[str] = field(default_factory=list)


def _error_codes(parsed: codec.Parsed) -> set[str]:
    return {name.split("__")[0] for name in parsed.errors}


def _page_value(parsed: codec.Parsed, code: str) -> tuple[Any, str | None]:
    return parsed.values.get(code), parsed.other.get(code)


def _drop(parsed: codec.Parsed, codes: Iterable[str]) -> None:
    """Forget the page's answers to ``codes``: the stored answers stay."""
    for code in codes:
        parsed.answered.discard(code)
        parsed.cleared.discard(code)
        parsed.values.pop(code, None)
        parsed.other.pop(code, None)


def merge_page(
    stored: Mapping[str, Any], stored_other: Mapping[str, str], parsed: codec.Parsed
) -> tuple[dict[str, Any], dict[str, str]]:
    """Stored answers updated with the page's (answers with format errors keep their
    stored value)."""
    keep = _error_codes(parsed)
    page = codec.Parsed(
        values=parsed.values,
        other=parsed.other,
        answered=parsed.answered - keep,
        cleared=parsed.cleared - keep,
    )
    values = codec.merge(stored, page)
    other = dict(stored_other)
    for code in page.answered:
        if code in parsed.other:
            other[code] = parsed.other[code]
        else:
            other.pop(code, None)
    return values, other


def save_page(
    session: Session,
    response: Response,
    parsed: codec.Parsed,
    *,
    user: User | None,
    expected_lock: int,
    base: Mapping[str, str],
    take_theirs: Iterable[str] = (),
) -> PageSave:
    """Save a page's answers on top of the stored ones.

    ``base`` holds the digests of the page's answers as they were when the page was
    loaded. When a colleague saved since (the lock moved on), each of the page's
    questions is merged three ways: unchanged here -> the colleague's answer stays;
    unchanged by the colleague -> this page's answer is saved; changed by both,
    differently -> a Difference, and nothing at all is saved. ``take_theirs`` lists
    questions whose stored answer this person chose to keep over their own.
    """
    page_codes = sorted(parsed.answered)
    _drop(parsed, set(take_theirs) & parsed.answered)
    stored, stored_other = response_service.stored_values(session, response)
    # An answer this page did not change never replaces the stored one, even when the
    # lock matches (an autosave after a merge still shows the colleague's old value).
    unchanged = _unchanged_here(parsed, base, stored, stored_other)
    _drop(parsed, unchanged)
    values, other = merge_page(stored, stored_other, parsed)
    try:
        lock = response_service.save_answers(
            session,
            response,
            values,
            other,
            user=user,
            expected_lock=expected_lock,
            stored=(stored, stored_other),
        )
    except response_service.ConflictError as conflict:
        outcome = _merge_after_conflict(session, response, parsed, user, base, conflict, page_codes)
        outcome.merged_theirs = sorted(set(outcome.merged_theirs) | set(unchanged))
        return outcome
    return PageSave(
        True, lock, values, other, page_digests(page_codes, values, other), merged_theirs=unchanged
    )


def _unchanged_here(
    parsed: codec.Parsed,
    base: Mapping[str, str],
    stored: Mapping[str, Any],
    stored_other: Mapping[str, str],
) -> list[str]:
    """Questions whose page answer is the one loaded while the stored one differs."""
    return [
        code
        for code in sorted(parsed.answered - _error_codes(parsed))
        if code in base
        and answer_digest(*_page_value(parsed, code)) == base[code]
        and answer_digest(stored.get(code), stored_other.get(code)) != base[code]
    ]


def _merge_after_conflict(
    session: Session,
    response: Response,
    parsed: codec.Parsed,
    user: User | None,
    base: Mapping[str, str],
    conflict: response_service.ConflictError,
    codes: list[str],
    attempts: int = 3,
) -> PageSave:
    stored, stored_other = response_service.stored_values(session, response)
    differences: list[Difference] = []
    theirs_kept: list[str] = []
    for code in sorted(parsed.answered - _error_codes(parsed)):
        mine, mine_other = _page_value(parsed, code)
        theirs, theirs_other = stored.get(code), stored_other.get(code)
        mine_digest = answer_digest(mine, mine_other)
        theirs_digest = answer_digest(theirs, theirs_other)
        if mine_digest == theirs_digest or base.get(code) == theirs_digest:
            continue  # the same answer, or the colleague did not change it: save mine
        if base.get(code) == mine_digest:
            theirs_kept.append(code)  # not changed here: the colleague's answer stays
            continue
        differences.append(Difference(code, mine, mine_other, theirs, theirs_other))
    digests = page_digests(codes, stored, stored_other)
    if differences:
        # The next save of this page resolves them: its base is what is stored now.
        return PageSave(
            False,
            conflict.current_lock,
            stored,
            stored_other,
            digests,
            differences,
            conflict,
            merged_theirs=theirs_kept,
        )
    _drop(parsed, theirs_kept)
    values, other = merge_page(stored, stored_other, parsed)
    try:
        lock = response_service.save_answers(
            session, response, values, other, user=user, expected_lock=conflict.current_lock
        )
    except response_service.ConflictError as again:  # yet another save in between
        if attempts <= 1:
            raise
        return _merge_after_conflict(
            session, response, parsed, user, base, again, codes, attempts - 1
        )
    return PageSave(
        True,
        lock,
        values,
        other,
        page_digests(codes, values, other),
        conflict=conflict,
        merged_theirs=theirs_kept,
    )
