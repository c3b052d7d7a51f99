"""Results as of submission (issue 17): a response records its organisation's name,
kind, country and city size when submitted; the results, exports and API count it so,
and "as of" a day reproduces the figures of the responses accepted by then."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, update

from app.extensions import db as _db
from app.models import OrgKind, Response, ResponseState, SizeBand
from app.services import exports
from app.services.people import api_tokens
from app.services.people import organisations as org_service
from app.services.responding import responses as rservice
from app.services.results import aggregation, disclosure
from tests import results_support as support
from tests.test_migrations import empty_app  # noqa: F401 (fixture)
from tests.test_results_scoring import LIKERT


def themes_json(runner, *args) -> list[dict]:
    _db.session.commit()  # the command opens its own read-only transaction
    result = runner.invoke(args=["results", "themes", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def by_size(data: list[dict], theme: int = 0) -> dict[str, int]:
    return {g["group"]: g["n"] for g in data[theme]["by_size"] if g["n"]}


def move_to_metropolitan(session, org) -> None:
    data = org_service.OrgInput(
        name=org.name,
        kind=org.kind.value,
        country=org.country,
        size_band="metropolitan",
        action_numbers=[a.number for a in org.actions],
    )
    org_service.update(session, org, data)


def test_the_leipzig_scenario_keeps_the_figures(db, runner):
    q1 = support.publish(db.session, support.definition(1, [LIKERT]))
    leipzig = support.organisation(db.session, "Leipzig", "city", "DE", "large", actions=(1,))
    response = support.respond(db.session, q1, leipzig, {"agree": "5"})
    db.session.commit()
    before = themes_json(runner, "--by", "size")
    assert by_size(before) == {"large": 1}

    move_to_metropolitan(db.session, leipzig)
    leipzig.name = "Stadt Leipzig"
    db.session.commit()

    assert themes_json(runner, "--by", "size") == before  # figures unchanged
    recorded = db.session.get(Response, response.id)
    assert (recorded.org_name, recorded.org_size_band) == ("Leipzig", SizeBand.LARGE)
    assert (recorded.org_kind, recorded.org_country) == (OrgKind.CITY, "DE")
    filters = aggregation.Filters(disclosure.FULL_ACCESS, sizes=("metropolitan",))
    assert aggregation.theme_scores(db.session, filters)[0].stat.n == 0


def test_a_resubmission_records_the_organisation_again(db, runner):
    q1 = support.publish(db.session, support.definition(1, [LIKERT]))
    leipzig = support.organisation(db.session, "Leipzig", "city", "DE", "large", actions=(1,))
    response = support.respond(db.session, q1, leipzig, {"agree": "5"}, state="returned")
    move_to_metropolitan(db.session, leipzig)
    db.session.flush()
    assert db.session.get(Response, response.id).org_size_band == SizeBand.LARGE
    rservice.submit(db.session, response, user=None)
    rservice.transition(db.session, response, ResponseState.ACCEPTED, user=None)
    db.session.commit()
    assert db.session.get(Response, response.id).org_size_band == SizeBand.METROPOLITAN
    assert by_size(themes_json(runner, "--by", "size")) == {"metropolitan": 1}


def test_a_draft_records_nothing(db):
    q1 = support.publish(db.session, support.definition(1, [LIKERT]))
    org = support.organisation(db.session, "Draft City", actions=(1,))
    response = support.respond(db.session, q1, org, {"agree": "5"}, state="draft")
    assert response.org_name is None and response.org_kind is None


def accepted_on(session, response: Response, day: date) -> None:
    session.execute(
        update(Response)
        .where(Response.id == response.id)
        .values(accepted_at=datetime(day.year, day.month, day.day, 15, tzinfo=UTC))
    )


def test_as_of_reproduces_an_earlier_figure(db, runner, client, users):
    q1 = support.publish(db.session, support.definition(1, [LIKERT]))
    first = support.respond(db.session, q1, support.organisation(db.session, "A"), {"agree": "5"})
    accepted_on(db.session, first, date(2026, 3, 1))
    db.session.commit()
    published = themes_json(runner, "--by", "country")
    assert published[0]["score"] == 100.0 and published[0]["n"] == 1

    later = support.respond(db.session, q1, support.organisation(db.session, "B"), {"agree": "1"})
    accepted_on(db.session, later, date(2026, 3, 5))
    support.respond(  # submitted, not accepted: never counts "as of"
        db.session, q1, support.organisation(db.session, "C"), {"agree": "1"}, state="submitted"
    )
    db.session.commit()
    assert themes_json(runner, "--by", "country")[0]["n"] == 2  # today's figure moved on

    assert themes_json(runner, "--by", "country", "--as-of", "2026-03-01") == published
    assert themes_json(runner, "--as-of", "2026-03-04", "--state", "submitted")[0]["n"] == 1
    assert themes_json(runner, "--as-of", "2026-03-05")[0]["n"] == 2
    _db.session.commit()
    table = runner.invoke(args=["results", "themes", "--as-of", "2026-03-01"]).output
    assert "As of 2026-03-01" in table


def test_exports_and_api_show_the_recorded_organisation(db, client, users, orgs):
    q1 = support.publish(db.session, support.definition(1, [LIKERT]))
    response = support.respond(db.session, q1, orgs["A"], {"agree": "5"})
    orgs["A"].name = "City A renamed"
    orgs["A"].country = "AT"
    _token, secret = api_tokens.create_token(db.session, users["admin"], "script")
    db.session.commit()
    body = client.get(
        f"/api/v1/responses/{response.id}", headers={"Authorization": f"Bearer {secret}"}
    ).get_json()
    assert body["organisation"]["name"] == "City A"
    assert body["organisation"]["country"] == "DE"
    catalogue = exports.prepare(db.session, q1.action)
    options = exports.ExportOptions(layout="wide", filters=exports.Filters(country="DE"))
    csv_text = b"".join(exports.csv_stream(db.engine, catalogue, options)).decode()
    assert "City A," in csv_text and "renamed" not in csv_text


def test_the_report_shows_its_as_of_and_a_link_reproducing_it(db, login_as, orgs):
    q1 = support.publish(db.session, support.definition(1, [LIKERT]))
    response = support.respond(db.session, q1, orgs["A"], {"agree": "5"})
    accepted_on(db.session, response, date(2026, 3, 1))
    db.session.commit()
    client = login_as("coordinator")
    page = client.get("/results/report").get_data(as_text=True)
    today = datetime.now(UTC).date().isoformat()
    assert f"Figures as of {today}." in page
    assert f"/results/report?as_of={today}" in page
    empty = "No counted response scores on this theme yet."
    page = client.get("/results/report?as_of=2026-02-28").get_data(as_text=True)
    assert "As of 2026-02-28: counting the responses accepted" in page
    assert page.count(empty) == 5  # accepted on 1 March: not yet
    page = client.get("/results/report?as_of=2026-03-01").get_data(as_text=True)
    assert page.count(empty) < 5


def test_the_admin_organisation_page_warns_about_future_submissions(db, login_as, orgs):
    page = login_as("admin").get(f"/admin/organisations/{orgs['A'].id}").get_data(as_text=True)
    assert "affects future submissions only" in page


def test_the_migration_backfills_todays_values(empty_app):  # noqa: F811
    upgrade()
    from app.services.questionnaires.framework import seed_framework

    seed_framework(_db.session)
    q1 = support.publish(_db.session, support.definition(1, [LIKERT]))
    org = support.organisation(_db.session, "Leipzig", "city", "DE", "large")
    accepted = support.respond(_db.session, q1, org, {"agree": "5"})
    other = support.organisation(_db.session, "Draft", "ngo", "FR", None)
    draft = support.respond(_db.session, q1, other, {"agree": "1"}, state="draft")
    _db.session.commit()
    ids = (accepted.id, draft.id)
    _db.session.close()
    downgrade(revision="sessions_1")
    upgrade()
    rows = _db.session.execute(
        select(
            Response.id,
            Response.org_name,
            Response.org_kind,
            Response.org_country,
            Response.org_size_band,
        )
        .where(Response.id.in_(ids))
        .order_by(Response.id)
    ).all()
    assert [tuple(r[1:]) for r in rows] == [
        ("Leipzig", OrgKind.CITY, "DE", SizeBand.LARGE),
        (None, None, None, None),
    ]
    _db.session.close()


def test_the_review_page_shows_the_organisation_as_submitted(db, login_as, orgs):
    q1 = support.publish(db.session, support.definition(1, [LIKERT]))
    response = support.respond(db.session, q1, orgs["A"], {"agree": "5"})
    orgs["A"].name = "City A renamed"
    db.session.commit()
    page = login_as("coordinator").get(f"/review/{response.id}").get_data(as_text=True)
    assert "<dd>City A</dd>" in page
    assert "The organisation has been changed since." in page
