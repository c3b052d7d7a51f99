"""The result cache: reused while the data is unchanged, recomputed after any change."""

from __future__ import annotations

from sqlalchemy import select

from app.models import Organisation, Response, ResponseState
from app.services import audit
from app.services.responding import responses as rservice
from app.services.results import aggregation as agg
from app.services.results import cache as results_cache
from app.services.results.cache import ReadOnlyView, ResultCache
from app.services.results.disclosure import FULL_ACCESS
from tests import results_support as support
from tests.test_results_scoring import LIKERT


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def score(db, cache) -> tuple[int, float | None]:
    stat = agg.theme_scores(db.session, agg.Filters(FULL_ACCESS), cache=cache)[0].stat
    return stat.n, stat.score


def test_reused_while_unchanged_and_recomputed_after_changes(db):
    q1 = support.publish(db.session, support.definition(1, [LIKERT]))
    org = support.organisation(db.session, "Org 1")
    support.respond(db.session, q1, org, {"agree": "5"})
    db.session.commit()
    clock = Clock()
    cache = ResultCache(ttl_seconds=60, clock=clock)
    assert score(db, cache) == (1, 100.0)
    assert score(db, cache) == (1, 100.0)
    assert (cache.hits, cache.misses) == (1, 1)

    # A new accepted response.
    other = support.organisation(db.session, "Org 2")
    support.respond(db.session, q1, other, {"agree": "1"})
    db.session.commit()
    assert score(db, cache) == (2, 50.0)

    # A review: a submitted response (not counted) is accepted (counted).
    third = support.organisation(db.session, "Org 3")
    pending = support.respond(db.session, q1, third, {"agree": "1"}, state="submitted")
    db.session.commit()
    assert score(db, cache) == (2, 50.0)
    rservice.transition(db.session, pending, ResponseState.ACCEPTED, user=None)
    db.session.commit()
    assert score(db, cache)[0] == 3

    # An organisation edited (audited, as every change in the app is): the figures are
    # computed again, and its submitted response keeps the kind recorded at submission.
    kinds = agg.breakdown(db.session, agg.Filters(FULL_ACCESS), "kind", cache=cache)
    assert kinds.cell("city", "broader_understanding").n == 3
    misses = cache.misses
    edited = db.session.scalar(select(Organisation).where(Organisation.name == "Org 3"))
    edited.kind = "ngo"
    audit.record(db.session, "organisation.updated", actor="test", obj=edited)
    db.session.commit()
    kinds = agg.breakdown(db.session, agg.Filters(FULL_ACCESS), "kind", cache=cache)
    assert cache.misses > misses
    assert kinds.cell("city", "broader_understanding").n == 3


def test_time_limit_and_switch_off(db):
    q1 = support.publish(db.session, support.definition(1, [LIKERT]))
    support.respond(db.session, q1, support.organisation(db.session, "Org"), {"agree": "3"})
    db.session.commit()
    clock = Clock()
    cache = ResultCache(ttl_seconds=10, clock=clock)
    score(db, cache)
    clock.now = 11
    score(db, cache)
    assert cache.misses == 2
    off = ResultCache(ttl_seconds=0)
    score(db, off)
    score(db, off)
    assert (off.hits, off.misses) == (0, 0)


def test_bounded(db):
    cache = ResultCache(ttl_seconds=60, max_entries=2)
    for country in ("DE", "FR", "IT"):
        agg.theme_scores(db.session, agg.Filters(FULL_ACCESS, countries=(country,)), cache=cache)
    assert len(cache._entries) == 2
    assert db.session.scalar(select(Response.id)) is None


def test_a_read_only_view_reads_the_data_version_once(db, monkeypatch):
    q1 = support.publish(db.session, support.definition(1, [LIKERT]))
    support.respond(db.session, q1, support.organisation(db.session, "Org"), {"agree": "5"})
    db.session.commit()
    reads = []
    original = results_cache.data_version
    monkeypatch.setattr(results_cache, "data_version", lambda s: reads.append(1) or original(s))
    cache = ResultCache(ttl_seconds=60)
    page = ReadOnlyView(cache)
    assert score(db, page) == (1, 100.0)
    agg.breakdown(db.session, agg.Filters(FULL_ACCESS), "kind", cache=page)
    assert score(db, page) == (1, 100.0)
    assert (len(reads), cache.hits, cache.misses) == (1, 1, 2)
    # The next page after a change reads the new version and recomputes.
    support.respond(db.session, q1, support.organisation(db.session, "Org 2"), {"agree": "1"})
    db.session.commit()
    assert score(db, ReadOnlyView(cache)) == (2, 50.0)
    assert len(reads) == 2
