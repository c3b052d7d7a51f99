"""The JSON API: personal tokens (created once, hashed, revoked), no cookies and no CSRF,
each role sees exactly what it may, cursor pagination, rate limit."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from app.models import ApiToken, AuditEntry
from app.services.people import api_tokens
from tests.export_helpers import bulk_responses, golden_responses

SECRET_RE = re.compile(r'id="new-token">(tymp_[A-Za-z0-9_\-]+)<')


@pytest.fixture
def data(db, users):
    return golden_responses()


@pytest.fixture
def token_for(db, users):
    def make(name: str) -> str:
        _token, secret = api_tokens.create_token(db.session, users[name], f"{name}'s script")
        db.session.commit()
        return secret

    return make


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


# --- the tokens page --------------------------------------------------------------------


def test_create_shows_the_secret_once_and_stores_its_hash(login_as, db, users):
    client = login_as("leader1")
    page = client.post_form("/api-tokens", {"name": "R report"}, page="/api-tokens")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    secret = SECRET_RE.search(html).group(1)
    token = db.session.scalar(select(ApiToken))
    assert token.name == "R report" and token.user_id == users["leader1"].id
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in token.prefix and secret.startswith(token.prefix)
    again = client.get("/api-tokens").get_data(as_text=True)
    assert secret not in again and token.prefix in again  # listed, never shown again
    assert client.get("/api/v1/me", headers=bearer(secret)).json["email"] == ("leader1@example.org")
    events = db.session.scalars(select(AuditEntry.event)).all()
    assert "api_token.created" in events


def test_create_needs_a_name_and_csrf(login_as, db):
    client = login_as("respondent_a")
    response = client.post_form("/api-tokens", {"name": "  "}, page="/api-tokens")
    assert response.status_code == 400 and "Give the token a name" in response.get_data(
        as_text=True
    )
    assert client.post("/api-tokens", data={"name": "no csrf"}).status_code == 400
    assert db.session.scalar(select(ApiToken)) is None


def test_revoke_own_token_only(login_as, db, users, token_for):
    secret = token_for("leader1")
    token = db.session.scalar(select(ApiToken))
    other = login_as("leader2")
    assert other.post_form(f"/api-tokens/{token.id}/revoke", page="/api-tokens").status_code == 404
    assert other.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    owner = login_as("leader1")
    assert owner.post(f"/api-tokens/{token.id}/revoke").status_code == 400  # no CSRF token
    response = owner.post_form(f"/api-tokens/{token.id}/revoke", page="/api-tokens")
    assert response.status_code == 302
    revoked = owner.get("/api/v1/me", headers=bearer(secret))
    assert revoked.status_code == 401
    assert revoked.headers["WWW-Authenticate"].startswith("Bearer")
    assert revoked.json["status"] == 401


def test_tokens_page_needs_login(client):
    response = client.get("/api-tokens")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_nav_links_to_api_tokens(login_as):
    assert 'href="/api-tokens"' in login_as("respondent_b").get(
        "/", follow_redirects=True
    ).get_data(as_text=True)


# --- authentication -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer tymp_unknown",
        "Bearer not-even-a-token",
    ],
)
def test_missing_or_unknown_tokens_get_401_json(client, data, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/actions", headers=headers)
    assert response.status_code == 401
    assert response.is_json and response.json["error"] == "Unauthorized"
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="tympanum"')


def test_inactive_users_tokens_stop_working(client, db, users, token_for):
    secret = token_for("coordinator")
    users["coordinator"].active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_deactivation_revokes_tokens_for_good(client, login_as, db, users, token_for):
    """Security issue 14, item 4: a token refused while its account is inactive came back
    when the account was reactivated. Deactivating revokes it."""
    secret = token_for("coordinator")
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    login_as("admin")
    url = f"/admin/users/{users['coordinator'].id}"
    assert client.post_form(f"{url}/deactivate", {}, page=url).status_code == 302
    assert client.post_form(f"{url}/reactivate", {}, page=url).status_code == 302
    db.session.expire_all()
    assert users["coordinator"].active
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    token = db.session.scalar(select(ApiToken))
    assert token.revoked_at is not None
    login_as("coordinator")
    assert "revoked" in client.get("/api-tokens").get_data(as_text=True)


def test_cli_deactivation_revokes_tokens(client, runner, db, users, token_for):
    secret = token_for("leader2")
    result = runner.invoke(args=["users", "deactivate", "leader2@example.org"])
    assert result.exit_code == 0, result.output
    users["leader2"].active = True  # as a later reactivation would
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_session_cookie_is_ignored(login_as, data):
    client = login_as("admin")  # logged in: the session cookie is set
    assert client.get("/").status_code == 200
    response = client.get("/api/v1/actions")
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers


def test_token_wins_over_cookie(login_as, data, token_for):
    secret = token_for("respondent_b")
    client = login_as("admin")
    me = client.get("/api/v1/me", headers=bearer(secret)).json
    assert me["role"] == "respondent" and me["email"] == "respondent_b@example.org"


def test_no_csrf_needed_and_read_only(client, data, token_for):
    secret = token_for("admin")
    response = client.post("/api/v1/actions", headers=bearer(secret))
    assert response.status_code == 405  # refused as a method, not as a CSRF failure
    assert response.is_json and "GET" in response.headers["Allow"]


def test_last_used_is_recorded(client, db, data, token_for):
    secret = token_for("admin")
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken)).last_used_at is not None


def test_rate_limit_per_token(app, client, data, token_for):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    first, second = token_for("admin"), token_for("coordinator")
    statuses = [client.get("/api/v1/me", headers=bearer(first)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/me", headers=bearer(first))
    assert limited.is_json and limited.json["status"] == 429 and "Retry-After" in limited.headers
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200


# --- what each role sees --------------------------------------------------------------------


def numbers(response) -> list[int]:
    return [a["number"] for a in response.json["data"]]


def test_actions_per_role(client, data, token_for):
    assert numbers(client.get("/api/v1/actions", headers=bearer(token_for("admin")))) == list(
        range(1, 12)
    )
    assert numbers(client.get("/api/v1/actions", headers=bearer(token_for("leader1")))) == [1]
    assert numbers(client.get("/api/v1/actions", headers=bearer(token_for("respondent_a")))) == [
        1,
        2,
    ]
    one = client.get("/api/v1/actions/1", headers=bearer(token_for("coordinator"))).json
    assert one["questionnaire"]["code"] == "a01_example"
    assert one["questionnaire"]["published_version"] == 2


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("leader1", "/api/v1/actions/2", 403),
        ("leader2", "/api/v1/actions/1/responses", 403),
        ("leader2", "/api/v1/actions/1/versions", 403),
        ("admin", "/api/v1/actions/12", 404),
        ("admin", "/api/v1/actions/1/versions/9", 404),
        ("leader1", "/api/v1/responses/9999", 404),
    ],
)
def test_refusals_are_json(client, data, token_for, who, path, status):
    response = client.get(path, headers=bearer(token_for(who)))
    assert response.status_code == status
    assert response.is_json and response.json["status"] == status and response.json["message"]


def test_versions_and_definitions(client, db, data, token_for):
    from app.definitions.validate import validate_text
    from app.services.questionnaires import versions as qservice
    from tests.export_helpers import version_two_yaml  # noqa: F401 - a draft for admins

    qservice.import_definition(
        db.session, validate_text(version_two_yaml().replace("(example)", "(v3)"))
    )
    db.session.commit()
    admin = client.get("/api/v1/actions/1/versions", headers=bearer(token_for("admin"))).json
    assert [(v["number"], v["status"]) for v in admin["data"]] == [
        (1, "archived"),
        (2, "published"),
        (3, "draft"),
    ]
    leader = client.get("/api/v1/actions/1/versions", headers=bearer(token_for("leader1"))).json
    assert [v["number"] for v in leader["data"]] == [1, 2]
    one = client.get("/api/v1/actions/1/versions/2", headers=bearer(token_for("respondent_a")))
    assert one.json["definition"]["code"] == "a01_example"
    hidden = client.get("/api/v1/actions/1/versions/3", headers=bearer(token_for("leader1")))
    assert hidden.status_code == 404


def references(response) -> list[str]:
    return [r["reference"] for r in response.json["data"]]


def test_responses_per_role(client, data, token_for, orgs, users, db):
    from app.models import ResponseState
    from tests.export_helpers import make_response

    # A response of respondent_a's organisation (City A), accepted.
    make_response(
        data,
        orgs["A"],
        {
            "org_role": "action_leader",
            "org_relevance": "3",
            "org_country": "DE",
            "has_regulation": "no",
        },
        state=ResponseState.ACCEPTED,
        reference="T01-CITYA1",
    )
    everyone = ["T01-GOLD01", "T01-GOLD02", "T01-CITYA1"]
    for who in ("admin", "coordinator", "leader1"):
        got = client.get("/api/v1/actions/1/responses", headers=bearer(token_for(who)))
        assert references(got) == everyone, who
    own = client.get(
        "/api/v1/actions/1/responses?state=all", headers=bearer(token_for("respondent_a"))
    )
    assert references(own) == ["T01-CITYA1"]
    none = client.get("/api/v1/actions/1/responses", headers=bearer(token_for("respondent_b")))
    assert references(none) == []
    # One response: visible to its organisation, not to another one's.
    rid = own.json["data"][0]["id"]
    mine = client.get(f"/api/v1/responses/{rid}", headers=bearer(token_for("colleague_a")))
    assert mine.status_code == 200
    assert {a["question"] for a in mine.json["answers"]} >= {"org_role", "has_regulation"}
    theirs = client.get("/api/v1/responses/1", headers=bearer(token_for("respondent_a")))
    assert theirs.status_code == 404
    first = client.get("/api/v1/responses/1", headers=bearer(token_for("leader1"))).json
    answers = {(a["question"], a["item"]): a for a in first["answers"]}
    assert answers[("effects", "heritage")]["value"] == "dk"
    assert answers[("measures", "")]["other_text"] == "Ζώνες — Зоны 🏛"
    assert (
        client.get("/api/v1/responses/1", headers=bearer(token_for("leader2"))).status_code == 404
    )


def test_response_filters(client, data, token_for):
    secret = token_for("admin")
    got = client.get("/api/v1/actions/1/responses?state=all&country=fr", headers=bearer(secret))
    assert references(got) == ["T01-GOLD03"]
    got = client.get(
        "/api/v1/actions/1/responses?state=submitted&submitted_from=2026-11-10",
        headers=bearer(secret),
    )
    assert references(got) == ["T01-GOLD02", "T01-GOLD03"]
    got = client.get("/api/v1/actions/1/responses?org_kind=region", headers=bearer(secret))
    assert references(got) == ["T01-GOLD02"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("state=drafts", "state must be"),
        ("limit=0", "limit must be"),
        ("limit=501", "limit must be"),
        ("submitted_from=2026-13-01", "submitted_from must be a date"),
        ("submitted_from=2026-11-20&submitted_to=2026-11-01", "after"),
        ("org_kind=castle", "org_kind must be"),
        ("country=DEU", "country must be"),
        ("cursor=forged", "cursor is not valid"),
    ],
)
def test_bad_queries_get_400(client, data, token_for, query, message):
    response = client.get(
        f"/api/v1/actions/1/responses?{query}", headers=bearer(token_for("admin"))
    )
    assert response.status_code == 400 and message in response.json["message"]


def test_cursor_pagination_is_complete_and_stable(client, db, data, token_for):
    ids = bulk_responses(data, 45)
    secret = token_for("leader1")
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/actions/1/responses?limit=10" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=bearer(secret)).json
        seen += [r["id"] for r in page["data"]]
        pages += 1
        if pages == 2:  # a response arriving meanwhile lands at the end, once
            ids += bulk_responses(data, 1, start=900)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    golden = [1, 2]  # the two accepted golden responses come first
    assert seen == golden + ids
    assert pages == 5
    again = client.get(
        "/api/v1/actions/1/responses?limit=10&cursor=" + _cursor_after(client, secret),
        headers=bearer(secret),
    ).json
    assert [r["id"] for r in again["data"]] == seen[10:20]  # same cursor, same page


def _cursor_after(client, secret) -> str:
    return client.get("/api/v1/actions/1/responses?limit=10", headers=bearer(secret)).json[
        "next_cursor"
    ]


def test_openapi_document_is_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.1")
    assert "/actions/{number}/responses" in document["paths"]
