"""Dates and times: one format everywhere (Babel, the page's language), in the reader's
time zone (a setting on the account page, Europe/Brussels by default), the zone shown."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from app.i18n import format_day, format_moment

MOMENT = datetime(2026, 12, 6, 1, 12, tzinfo=UTC)  # winter: Brussels is UTC+1
SUMMER = datetime(2026, 7, 6, 1, 12, tzinfo=UTC)  # summer: UTC+2


@pytest.mark.parametrize(
    ("lang", "zone", "expected"),
    [
        ("en", "Europe/Brussels", "6 Dec 2026, 02:12 CET"),
        ("de", "Europe/Brussels", "06.12.2026, 02:12 MEZ"),
        ("it", "Europe/Lisbon", "6 dic 2026, 01:12 WET"),
        ("fr", "Europe/Helsinki", "6 déc. 2026, 03:12 UTC+02:00"),
        ("en", "America/New_York", "5 Dec 2026, 20:12 GMT-05:00"),
    ],
)
def test_a_moment_in_the_readers_language_and_zone(app, users, db, lang, zone, expected):
    users["admin"].time_zone = zone
    db.session.commit()
    with app.test_request_context(f"/?lang={lang}"):
        from flask_login import login_user

        login_user(users["admin"])
        assert format_moment(MOMENT) == expected


def test_summer_time_and_days(app, users):
    with app.test_request_context("/?lang=en"):
        from flask_login import login_user

        login_user(users["admin"])  # Europe/Brussels by default
        assert format_moment(SUMMER) == "6 Jul 2026, 03:12 CEST"
        assert format_day(date(2026, 3, 1)) == "1 Mar 2026"
        # a timestamp's day is the reader's: 23:30 UTC is already the next day in Brussels
        assert format_day(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "1 Jan 2027"


def test_new_accounts_default_to_brussels(users):
    assert users["leader1"].time_zone == "Europe/Brussels"


def test_pages_show_the_readers_zone_and_it_can_be_changed(client, login_as, users, db):
    users["respondent_b"].created_at = MOMENT
    db.session.commit()
    login_as("admin")
    page = f"/admin/users/{users['respondent_b'].id}"
    html = client.get(page).get_data(as_text=True)
    assert '<time datetime="2026-12-06T01:12:00+00:00">6 Dec 2026, 02:12 CET</time>' in html
    assert "(UTC)" not in html

    response = client.post_form(
        "/account/time-zone", {"time_zone": "Europe/Helsinki"}, page="/account"
    )
    assert response.status_code == 302
    assert users["admin"].time_zone == "Europe/Helsinki"
    assert "6 Dec 2026, 03:12 EET" in client.get(page).get_data(as_text=True)
    account = client.get("/account").get_data(as_text=True)
    assert re.search(
        r'<option (selected value="Europe/Helsinki"|value="Europe/Helsinki" selected)', account
    )


def test_an_unknown_zone_is_refused(client, login_as, users):
    login_as("respondent_a")
    response = client.post_form(
        "/account/time-zone", {"time_zone": "Mars/Olympus"}, page="/account"
    )
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert users["respondent_a"].time_zone == "Europe/Brussels"
