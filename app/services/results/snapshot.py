"""Published results snapshots (issue 18): the public's figures computed once, when an
admin publishes, stored as JSON and never changed; the public pages read them back.

What is stored is what the public may see and nothing else: every figure is computed by
``aggregation`` for the public audience (``authz.public_audience``: cells of fewer than
``DISCLOSURE_MIN_ORGS_PUBLIC`` organisations hidden, with their complements, before any
figure leaves that module) and the quotes are those of organisations that agreed
(``evidence.quotable``). The payload holds the figures once per language (the labels
differ), so reading a page is a JSON parse (cached per process: snapshots never change).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select, update

from ...models import MailKind, MailStatus, OutboxMail, Pillar, ResultsSnapshot, User, utcnow
from ..mailing import outbox
from .aggregation import (
    DIMENSIONS,
    Bin,
    Breakdown,
    Filters,
    Group,
    Stat,
    ThemeInfo,
    ThemeScore,
    distribution,
    figures,
)
from .cache import ReadOnlyView, ResultCache
from .disclosure import Audience
from .evidence import Quote, counted_responses, selected_quotes
from .report import Report, report_from

LANGUAGES = ("en", "de", "fr", "it")
QUOTES_PER_THEME = 6
FORMAT = 1  # the payload's layout; a reader refuses others


@dataclass(frozen=True)
class PublicFigures:
    """One language's figures of a snapshot, as the results presenters take them."""

    scores: list[ThemeScore]
    breakdowns: dict[str, Breakdown]
    pillar_kinds: dict[str, str]
    bins: dict[str, list[Bin]]
    quotes: dict[str, list[Quote]]
    counted: int

    def theme(self, key: str) -> ThemeScore | None:
        return next((s for s in self.scores if s.theme.key == key), None)

    def report(self) -> Report:
        return report_from(
            self.scores,
            self.breakdowns["action"],
            self.breakdowns["perspective"],
            lambda key: self.quotes.get(key, [])[:3],
        )


# --- computing and storing -------------------------------------------------------------


def compute(session: Any, audience: Audience, lang: str, cache: Any = None) -> dict[str, Any]:
    """One language's public figures as JSON-ready data. ``cache``: rows to reuse across
    languages (the statements are the same; only the labels differ)."""
    if not audience.published or not audience.suppresses:
        raise ValueError("a snapshot is computed for the public audience only")
    filters = Filters(audience=audience)
    scores, breakdowns = figures(session, filters, DIMENSIONS, lang, cache=cache)
    kinds = dict(session.execute(select(Pillar.key, Pillar.kind)).all())
    return {
        "themes": [asdict(s.theme) for s in scores],
        "overall": {s.theme.key: asdict(s.stat) for s in scores},
        "breakdowns": {
            by: {
                "groups": [asdict(g) for g in bd.groups],
                "cells": [[grp, theme, asdict(stat)] for (grp, theme), stat in bd.cells.items()],
            }
            for by, bd in breakdowns.items()
        },
        "pillar_kinds": kinds,
        "bins": {
            s.theme.key: [
                asdict(b) for b in distribution(session, filters, s.theme.id, cache=cache)
            ]
            for s in scores
        },
        "quotes": {
            s.theme.key: [
                {**asdict(q), "submitted_at": None}  # when: not published
                for q in selected_quotes(
                    session, filters, s.theme.key, lang, QUOTES_PER_THEME, cache=cache
                )
            ]
            for s in scores
        },
        "counted": counted_responses(session, filters, cache=cache),
    }


def publish(
    session: Any,
    audience: Audience,
    *,
    title: dict[str, str],
    introduction: dict[str, str],
    user: User | None,
) -> ResultsSnapshot:
    """Compute the public figures in every language and store them as a new snapshot,
    which replaces the previous one on the public pages. The caller commits."""
    rows = ReadOnlyView(ResultCache(ttl_seconds=3600))  # one read of the data, 4 languages
    payload = {
        "format": FORMAT,
        "min_orgs": audience.min_orgs,
        "languages": {lang: compute(session, audience, lang, rows) for lang in LANGUAGES},
    }
    snapshot = ResultsSnapshot(
        published_by_id=user.id if user else None,
        title={k: v.strip() for k, v in title.items() if v and v.strip()},
        introduction={k: v.strip() for k, v in introduction.items() if v and v.strip()},
        min_orgs=audience.min_orgs,
        figures=json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True),
    )
    session.add(snapshot)
    session.flush()
    return snapshot


# --- publishing in the background -------------------------------------------------------
# Computing a snapshot takes 10 to 50 s at 100k responses: too long for a web request. The
# publish page queues a job in the outbox (``MailKind.PUBLISH_RESULTS``), which the worker
# (``flask worker``) claims with a lease like any message and runs; ``flask results
# publish`` still publishes at once.


def request_publication(
    session: Any,
    audience: Audience,
    *,
    title: dict[str, str],
    introduction: dict[str, str],
    user: User | None,
    ip: str = "",
) -> OutboxMail:
    """Queue a publication for the worker (``run_publication``). The caller commits."""
    return outbox.enqueue(
        session,
        kind=MailKind.PUBLISH_RESULTS,
        to="",
        subject="Publish the results",
        body="",
        user=user,
        payload={
            "title": title,
            "introduction": introduction,
            "min_orgs": audience.min_orgs,
            "ip": ip,
        },
    )


def publication_job(session: Any) -> OutboxMail | None:
    """The latest publication asked for on the publish page (queued, running, done or
    failed), or None."""
    job: OutboxMail | None = session.scalar(
        select(OutboxMail)
        .where(OutboxMail.kind == MailKind.PUBLISH_RESULTS)
        .order_by(OutboxMail.id.desc())
        .limit(1)
    )
    return job


def in_progress(job: OutboxMail | None) -> bool:
    return job is not None and job.status in (MailStatus.PENDING, MailStatus.SENDING)


def run_publication(session: Any, job: OutboxMail, worker: str) -> ResultsSnapshot | None:
    """Publish the snapshot ``job`` asks for, as ``worker``, which holds its lease. The
    snapshot and the job's completion are one transaction (the caller commits), and the
    job is marked done only if ``worker`` still holds it: a worker whose lease ran out
    while it computed, and whose job another worker took over, gets None (the caller
    rolls back), so a publication is stored once however many workers run."""
    payload = job.payload
    user = session.get(User, job.user_id) if job.user_id is not None else None
    snapshot = publish(
        session,
        Audience(None, int(payload["min_orgs"]), published=True),
        title=dict(payload.get("title") or {}),
        introduction=dict(payload.get("introduction") or {}),
        user=user,
    )
    done = session.execute(
        update(OutboxMail)
        .where(
            OutboxMail.id == job.id,
            OutboxMail.status == MailStatus.SENDING,
            OutboxMail.leased_by == worker,
        )
        .values(status=MailStatus.SENT, sent_at=utcnow(), lease_until=None, last_error="")
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return None
    return snapshot


def current(session: Any) -> ResultsSnapshot | None:
    """The snapshot the public pages show: the latest published."""
    found: ResultsSnapshot | None = session.scalar(
        select(ResultsSnapshot).order_by(ResultsSnapshot.id.desc()).limit(1)
    )
    return found


def history(session: Any) -> list[ResultsSnapshot]:
    """Every snapshot, newest first (without their figures)."""
    return list(session.scalars(select(ResultsSnapshot).order_by(ResultsSnapshot.id.desc())))


# --- reading back ------------------------------------------------------------------------

_LOADED: OrderedDict[tuple[int, str], PublicFigures] = OrderedDict()
_KEEP = 16


def public_figures(snapshot: ResultsSnapshot, lang: str) -> PublicFigures:
    """A snapshot's figures in ``lang`` (English if it has no such language), parsed once
    per process: a snapshot never changes."""
    lang = lang if lang in LANGUAGES else "en"
    key = (snapshot.id, lang)
    found = _LOADED.get(key)
    if found is None:
        payload = json.loads(snapshot.figures)
        if payload.get("format") != FORMAT:
            raise ValueError(f"snapshot {snapshot.id}: unknown format {payload.get('format')}")
        found = _LOADED[key] = _parse(payload["languages"][lang])
        while len(_LOADED) > _KEEP:
            _LOADED.popitem(last=False)
    return found


def raw_figures(snapshot: ResultsSnapshot, lang: str = "en") -> dict[str, Any]:
    """A snapshot's stored figures in ``lang`` as JSON data (the open-data files)."""
    languages: dict[str, dict[str, Any]] = json.loads(snapshot.figures)["languages"]
    return languages[lang if lang in LANGUAGES else "en"]


def _parse(data: dict[str, Any]) -> PublicFigures:
    themes = [ThemeInfo(**t) for t in data["themes"]]
    scores = [ThemeScore(t, Stat(**data["overall"][t.key])) for t in themes]
    breakdowns = {
        by: Breakdown(
            by=by,
            groups=[Group(**g) for g in bd["groups"]],
            themes=themes,
            cells={(grp, theme): Stat(**stat) for grp, theme, stat in bd["cells"]},
        )
        for by, bd in data["breakdowns"].items()
    }
    return PublicFigures(
        scores=scores,
        breakdowns=breakdowns,
        pillar_kinds=data["pillar_kinds"],
        bins={key: [Bin(**b) for b in bins] for key, bins in data["bins"].items()},
        quotes={key: [Quote(**q) for q in quotes] for key, quotes in data["quotes"].items()},
        counted=int(data["counted"]),
    )
