"""Hostile input to the save endpoints: never a 500, and nothing stored that the
questionnaire definition forbids."""

from __future__ import annotations

import random

from werkzeug.datastructures import MultiDict

from app.definitions import answers as codec
from app.services.responding import responses as rservice
from tests.respond_support import ORIGIN, SECTION1, response_of, section_url

FIELDS = [
    "org_role", "org_role__other", "org_relevance", "org_country", "has_regulation",
    "regulation_since", "measures", "measures__other", "caps_nights", "rentals_share",
    "effects__housing", "effects__heritage", "effects__nowhere", "data_source", "priorities",
    "priorities__rank__funding", "priorities__rank__regulation", "priorities__rank__knowledge",
    "example_name", "recommendations", "lock_version", "base", "section", "nav", "goto",
    "resolve__has_regulation", "resolve__org_role", "unknown_field", "csrf_token_x",
]  # fmt: skip
JUNK = [
    "", " ", "\x00", "yes\x00no", "a" * 100_000, "x" * 25_000, "-1", "0", "1e309", "NaN",
    "99999999999999999999999", "12,5", "1 234,5", "caps", "platforms", "other", "dk",
    "regulation", "funding", "DE", "ZZ", "de", "2020-02-30", "2020-01-01T00:00", "9999-12-31",
    "<script>alert(1)</script>", "'; DROP TABLE answers; --", "\u202e\u0000\ufeff",
    "organisation", "practice", "needs", "__review", "../../etc/passwd", "org_role:zzzz",
    "has_regulation:0123456789abcdef,org_role:", "theirs", "mine", "🙂" * 300,
]  # fmt: skip
SECTIONS = ["organisation", "practice", "needs", "nowhere"]


def _junk_form(rng: random.Random) -> MultiDict:
    form = MultiDict()
    for name in rng.sample(FIELDS, rng.randint(0, len(FIELDS))):
        for _ in range(rng.choice([1, 1, 1, 2, 5])):
            form.add(name, rng.choice(JUNK))
    return form


def _assert_everything_stored_is_allowed(db, org) -> None:
    response = response_of(db, org)
    if response is None:
        return
    defn = rservice.definition_of(response)
    values, other = rservice.stored_values(db.session, response)
    visible = codec.visible_codes(defn, values)
    assert set(values) <= visible, f"hidden answers stored: {set(values) - visible}"
    codes = list(values)
    again = codec.parse_form(
        defn, MultiDict(_flatten(codec.to_form(defn, codes, values, other))), codes
    )
    assert again.errors == {}, again.errors
    assert again.values == values
    for text in other.values():
        assert "\x00" not in text and len(text) <= 500


def _flatten(raw: dict) -> list[tuple[str, str]]:
    pairs = []
    for name, value in raw.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, item))
    return pairs


def test_random_junk_never_breaks_the_save_endpoints(
    db, client, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    rng = random.Random(20261127)
    token = client.csrf_token(section_url("organisation"))
    for round_number in range(60):
        form = _junk_form(rng)
        form["csrf_token"] = token
        if round_number % 3 == 0:
            url = "/respond/1/autosave"
        else:
            url = section_url(rng.choice(SECTIONS))
        response = client.post(url, data=form, headers=ORIGIN)
        assert response.status_code < 500, (url, form, response.get_data(as_text=True)[:500])
        assert response.status_code in (200, 302, 400, 404, 409, 422), response.status_code
        _assert_everything_stored_is_allowed(db, orgs["A"])


def test_targeted_junk_is_refused_or_dropped(db, client, users, orgs, questionnaire, login_as):
    login_as("respondent_a")
    token = client.csrf_token(section_url("organisation"))
    client.post(
        section_url("organisation"),
        data={**SECTION1, "csrf_token": token, "lock_version": "0"},
        headers=ORIGIN,
    )
    lock = str(response_of(db, orgs["A"]).lock_version)
    form = MultiDict(
        [
            ("csrf_token", token),
            ("lock_version", lock),
            ("has_regulation", "no"),
            ("measures", "caps"),  # a hidden question
            ("caps_nights", "12"),  # a hidden question
            ("data_source", "caps"),  # an option of another question
            ("rentals_share", "5\x00"),  # NUL bytes are dropped, the number kept
            ("effects__housing", "7"),  # out of range
            ("effects__castle", "3"),  # not an item
            ("org_country", "FR"),  # a question of another page
            ("unknown", "value"),
        ]
    )
    response = client.post(section_url("practice"), data=form, headers=ORIGIN)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose one of the options listed." in html
    assert "Choose a point from 1 to 5 for this row." in html
    values = rservice.stored_values(db.session, response_of(db, orgs["A"]))[0]
    assert values["has_regulation"] == "no" and values["rentals_share"] == "5"
    assert values["org_country"] == "DE"  # other pages are not touched
    assert not {"measures", "caps_nights", "data_source", "effects"} & set(values)
    _assert_everything_stored_is_allowed(db, orgs["A"])


def test_oversized_and_binary_posts(client, users, questionnaire, login_as):
    login_as("respondent_a")
    token = client.csrf_token(section_url("needs"))
    response = client.post(
        section_url("needs"),
        data={"csrf_token": token, "recommendations": "x" * 9_000_000},
        headers=ORIGIN,
    )
    # Over the respondents' limit: back to the section with a message, not a dead end.
    assert response.status_code == 303 and response.headers["Location"] == section_url("needs")
    response = client.post(
        section_url("needs"),
        data=b"\x00\xff\xfe" * 1000,
        headers={**ORIGIN, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code in (302, 400)
