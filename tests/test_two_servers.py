"""Two app servers on one database behave as one (issue 21): a session signed by one is
read by the other and ended by either; a results cache on one server sees a change made
through the other at once. (Rate limits across processes: tests/test_auth_throttle.py;
scheduled jobs run once across workers: tests/test_mail_schedule.py; the real two-server
topology behind HAProxy: bench/bench_topology.py.)"""

from __future__ import annotations

import re

import pytest

from app import create_app
from config import TestingConfig
from tests.conftest import PASSWORD, Client
from tests.respond_support import fill_all
from tests.test_records_copy import submit


@pytest.fixture
def second(app):
    """Server 2: its own app (own caches, own connection pool), the same database."""
    other = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    other.test_client_class = Client
    yield other
    with other.app_context():
        from app.extensions import db

        db.engine.dispose()


def _login(client, email: str) -> None:
    response = client.post_form("/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 302


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_session_from_one_server_is_read_and_ended_by_the_other(app, second, users):
    one, two = app.test_client(), second.test_client()
    _login(one, users["admin"].email)
    two.set_cookie("session", _cookie(one))
    assert two.get("/account").status_code == 200  # server 2 knows the session
    assert two.post_form("/logout", {}, page="/account").status_code == 302
    assert one.get("/account").status_code == 302  # ended on server 1 too


def _answered(html: str) -> str:
    """The dashboard's progress bar of action 1: "N of M organisations have answered"."""
    match = re.search(r'aria-label="Action 1: (\d+ of \d+) organisations have answered"', html)
    assert match, "no progress bar for action 1 on the dashboard"
    return match.group(1)


def test_a_change_through_one_server_shows_at_once_on_the_other(
    app,
    second,
    users,
    questionnaire,
):
    admin_on_two = second.test_client()
    _login(admin_on_two, users["admin"].email)
    before = admin_on_two.get("/").get_data(as_text=True)
    cache = second.extensions["tympanum_results_cache"]
    hits = cache.hits
    again = admin_on_two.get("/").get_data(as_text=True)
    assert cache.hits > hits  # served from server 2's own cache
    assert _answered(before) == _answered(again)

    respondent_on_one = app.test_client()
    _login(respondent_on_one, users["respondent_a"].email)
    fill_all(respondent_on_one)
    submit(respondent_on_one)

    after = admin_on_two.get("/").get_data(as_text=True)
    assert (_answered(before), _answered(after)) == ("0 of 2", "1 of 2")


def test_the_check_fails_when_a_server_trusts_its_own_cache(
    app,
    second,
    users,
    questionnaire,
    monkeypatch,
):
    """The test above can fail: with the data version frozen (a cache that does not look
    at the database), server 2 keeps showing what it had."""
    from app.services.responding import participation

    monkeypatch.setattr(participation, "data_version", lambda session: ("frozen",))
    admin_on_two = second.test_client()
    _login(admin_on_two, users["admin"].email)
    before = _answered(admin_on_two.get("/").get_data(as_text=True))
    respondent_on_one = app.test_client()
    _login(respondent_on_one, users["respondent_a"].email)
    fill_all(respondent_on_one)
    submit(respondent_on_one)
    assert _answered(admin_on_two.get("/").get_data(as_text=True)) == before == "0 of 2"
