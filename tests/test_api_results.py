"""/api/v1/results/themes: the CLI's JSON over the API, with each role's scope."""

from __future__ import annotations

from app.services.people import api_tokens
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


def test_leaders_see_the_results_of_their_actions_only(client, db, users, answered):  # noqa: F811
    q2 = support.publish(db.session, support.definition(2, [support_likert()], code="t02"))
    for index, country in enumerate(["FR", "FR", "FR", "NL"]):
        org = support.organisation(db.session, f"Second {index}", "city", country, "small")
        support.respond(db.session, q2, org, {"agree": "4"})
    db.session.commit()
    headers = token_for(db, users)("leader2")
    body = client.get(URL + "?by=action,country", headers=headers).get_json()
    broader = body["data"][0]
    assert body["scope"] == {"actions": [2], "min_organisations": 3}
    assert broader["n"] == 4 and broader["score"] == 75.0  # action 2's four, nothing else
    assert [g["group"] for g in broader["by_action"]] == ["2"]
    countries = {g["group"]: g for g in broader["by_country"]}
    # Action 1's DE and IT are not counted; NL, one organisation, is not named: "Other".
    assert set(countries) == {"FR", "_other"}
    # "Other" is one organisation: hidden, and FR with it (else 4 - 3 gives it away).
    for hidden in countries.values():
        assert hidden["suppressed"] is True
        assert [hidden[k] for k in ("score", "n", "sd", "ci_low", "ci_high")] == [None] * 5
    admin = client.get(URL + "?by=country", headers=token_for(db, users)("admin")).get_json()
    assert admin["scope"] == {"actions": None, "min_organisations": None}
    assert admin["data"][0]["n"] == 7
    assert not any(g["suppressed"] for g in admin["data"][0]["by_country"])


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
