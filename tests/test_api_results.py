"""/api/v1/results/themes: the CLI's JSON over the API, with each role's scope."""

from __future__ import annotations

from app.services import api_tokens
from tests import results_support as support
from tests.test_results_cli import KEYS, answered  # noqa: F401 - fixture

URL = "/api/v1/results/themes"


def token_for(db, users):
    def headers(name: str) -> dict[str, str]:
        _token, secret = api_tokens.create_token(db.session, users[name], "results script")
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return headers


def test_admin_gets_the_five_themes(client, db, users, answered):  # noqa: F811
    headers = token_for(db, users)("admin")
    body = client.get(URL, headers=headers).get_json()
    assert [d["key"] for d in body["data"]][0] == "broader_understanding"
    assert all(KEYS <= set(d) for d in body["data"])
    assert body["data"][0]["n"] == 3 and body["data"][0]["score"] == 50.0
    submitted = client.get(URL + "?state=submitted", headers=headers).get_json()
    assert submitted["data"][0]["n"] == 4


def test_breakdowns_and_filters(client, db, users, answered):  # noqa: F811
    headers = token_for(db, users)("coordinator")
    body = client.get(URL + "?by=country,action&country=de", headers=headers).get_json()
    broader = body["data"][0]
    assert broader["n"] == 2
    assert [g["group"] for g in broader["by_country"] if g["n"]] == ["DE"]
    assert body["filters"]["country"] == "DE"


def test_leaders_see_their_actions_in_detail_only(client, db, users, answered):  # noqa: F811
    q2 = support.publish(db.session, support.definition(2, [support_likert()], code="t02"))
    org = support.organisation(db.session, "Second", "city", "FR", "small")
    support.respond(db.session, q2, org, {"agree": "4"})
    db.session.commit()
    body = client.get(URL + "?by=action", headers=token_for(db, users)("leader2")).get_json()
    groups = {g["group"] for g in body["data"][0]["by_action"]}
    assert groups == {"2"}
    assert body["data"][0]["n"] == 4  # the overall picture counts every action


def support_likert():
    from tests.test_results_scoring import LIKERT

    return LIKERT


def test_errors_and_access(client, db, users, answered):  # noqa: F811
    tokens = token_for(db, users)
    assert client.get(URL).status_code == 401
    assert client.get(URL, headers=tokens("respondent_a")).status_code == 403
    for query, message in [
        ("?by=planet", "Unknown breakdown"),
        ("?state=all", "state must be"),
        ("?org_kind=club", "org_kind must be"),
        ("?country=Germany", "two-letter"),
    ]:
        response = client.get(URL + query, headers=tokens("admin"))
        assert response.status_code == 400 and message in response.get_json()["message"]
