"""Hostile input against every route of the app: never a 500.

Routes are discovered from the URL map and forms from the pages, so a new form is fuzzed
without anyone having to remember it. Values (``tests/hostile.py``): very long strings,
every Unicode plane, NUL bytes, wrong types, days at both ends of the calendar and just
past them, unknown, duplicated and missing fields, JSON bodies of every shape with a
valid CSRF header, hostile YAML in file fields; and headers naming another host (Host,
X-Forwarded-Host, Forwarded), which must never end up in a page or a redirect.
HOSTILE_EXAMPLES sets the number of generated requests in all (2,000 by default; .ci/run
sets 10,000 for each database).

Attack classes once found by hand get a fuzzer of their own below (dates, JSON bodies);
the spreadsheet and YAML classes are fuzzed in tests/test_hostile_values.py.
"""

from __future__ import annotations

import io
import os
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

from app.services.people import api_tokens
from tests.export_helpers import golden_responses
from tests.hostile import any_day, hostile_text, hostile_yaml, json_body

TOTAL_EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "2000"))
_NAME_RE = re.compile(r'name="([^"]+)"')
_FORM_RE = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
_FILE_RE = re.compile(r'<input\b[^>]*\btype="file"[^>]*>')
_DATE_NAME = re.compile(r"date|submitted_|since|until|deadline")
# Logging out (one session or all) would leave the rest of a run anonymous.
SKIP = {"static", "auth.logout", "account.end_session", "account.end_all_sessions"}
EVIL = "evil.example"
# Mostly none: the other hostile values need the request to reach the views.
hostile_headers = st.sampled_from(
    [
        {},
        {},
        {},
        {},
        {"Host": EVIL},
        {"Host": f"localhost.{EVIL}"},
        {"X-Forwarded-Host": EVIL},
        {"Forwarded": f"host={EVIL};proto=https"},
        {"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https", "X-Forwarded-Port": "443"},
    ]
)
QUERY_NAMES = ["q", "page", "next", "lang", "state", "sort", "action", "x", "format", "layout"]
QUERY_NAMES += ["date_from", "date_to", "submitted_from", "submitted_to"]
FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)


def routes(app, methods):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP or not (rule.methods & methods):
            continue
        yield rule


def build_url(rule, data) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):  # the app's own is a subclass
            values[name] = data.draw(st.sampled_from([1, 2, 3, 0, 999999]))
        else:
            values[name] = quote(data.draw(st.text(min_size=1, max_size=30)), safe="")
    url = rule.rule
    for name, value in values.items():
        url = re.sub(rf"<(?:[a-z]+:)?{name}>", str(value), url)
    return url


class Page:
    """What a page offers to send: its field names, file fields and GET forms."""

    def __init__(self, html: str = "") -> None:
        self.names = sorted(set(_NAME_RE.findall(html)) - {"csrf_token"})
        self.files = sorted(
            {_NAME_RE.search(tag).group(1) for tag in _FILE_RE.findall(html)}  # type: ignore[union-attr]
        )
        self.get_forms: list[tuple[str, list[str]]] = []
        for attrs, body in _FORM_RE.findall(html):
            if 'method="post"' not in attrs.lower():
                action = re.search(r'action="([^"]*)"', attrs)
                names = sorted(set(_NAME_RE.findall(body)))
                self.get_forms.append((action.group(1) if action else "", names))


_PAGES: dict[str, Page] = {}


def page_of(client, url) -> Page:
    if url not in _PAGES:
        response = client.get(url)
        ok = response.status_code == 200 and "text/html" in response.content_type
        _PAGES[url] = Page(response.get_data(as_text=True) if ok else "")
    return _PAGES[url]


def fuzz(app, client, data, methods, token):
    rules = list(routes(app, methods))
    rule = data.draw(st.sampled_from(rules))
    url = build_url(rule, data)
    headers = data.draw(hostile_headers)
    if "POST" in rule.methods and "POST" in methods:
        page = page_of(client, url)
        names = page.names or ["field"]
        if data.draw(st.integers(0, 4)) == 0:  # a JSON body, with a valid CSRF header
            body = data.draw(json_body(names))
            json_headers = {**headers, "X-CSRFToken": token, "Content-Type": "application/json"}
            response = client.post(url, data=body, headers=json_headers)
        else:
            chosen = data.draw(
                st.lists(st.sampled_from(names + ["unknown", "csrf_token__x"]), max_size=8)
            )
            form = [(name, data.draw(hostile_text)) for name in chosen]  # duplicates allowed
            for name in page.files:
                content = data.draw(hostile_yaml).encode("utf-8")
                form.append(
                    (name, (io.BytesIO(content), data.draw(st.sampled_from(["a.yaml", "a"]))))
                )
            form.append(("csrf_token", token))
            response = client.post(url, data=MultiDict(form), headers=headers)
    else:
        own = [name for _action, names in page_of(client, url).get_forms for name in names]
        query = data.draw(
            st.dictionaries(st.sampled_from(QUERY_NAMES + own), hostile_text, max_size=4)
        )
        response = client.get(url, query_string=query, headers=headers)
    assert response.status_code < 500, (rule.rule, url, response.status_code)
    assert_no_foreign_host(response, (rule.rule, url, headers))
    if "Host" in headers:
        assert response.status_code == 400, (rule.rule, url, headers, response.status_code)


def assert_no_foreign_host(response, where) -> None:
    """A host the client named is never written into a link, a redirect or a page."""
    assert EVIL not in response.headers.get("Location", ""), where
    assert EVIL.encode() not in response.get_data(), where


def _examples(share: float) -> int:
    return max(50, int(TOTAL_EXAMPLES * share))


@pytest.mark.parametrize("who", [None, "admin", "respondent_a"])
def test_no_route_answers_500(app, client, login_as, who):
    if who:
        login_as(who)
    share = {None: 0.25, "admin": 0.4, "respondent_a": 0.2}[who]

    token = client.csrf_token("/")
    _PAGES.clear()

    @settings(FUZZ, max_examples=_examples(share))
    @given(data=st.data())
    def run(data):
        fuzz(app, client, data, {"GET", "POST"}, token)

    run()


# --- attack classes once found by hand -------------------------------------------------


def date_targets(app, client) -> dict[str, list[str]]:
    """Every GET form's target and its date fields, found on the pages, plus the
    downloads and API lists that take the same filters without a form of their own."""
    targets: dict[str, list[str]] = {
        "/admin/audit.csv": ["date_from", "date_to"],
        "/results/report.csv": ["date_from", "date_to"],
        "/api/v1/actions/1/responses": ["submitted_from", "submitted_to"],
    }
    for rule in routes(app, {"GET"}):
        if not all(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            continue
        url = re.sub(r"<(?:int:)?[a-z_]+>", "1", rule.rule)
        for action, names in page_of(client, url).get_forms:
            dates = [name for name in names if _DATE_NAME.search(name)]
            if dates:
                targets[action or url] = sorted(set(targets.get(action or url, []) + dates))
    return targets


def test_any_day_in_any_date_filter_gives_a_result_or_a_400(app, client, db, users, login_as):
    """An end date of 9999-12-31 was a 500 on every date filter (issue 14)."""
    golden_responses()
    _token, secret = api_tokens.create_token(db.session, users["admin"], "fuzz")
    db.session.commit()
    login_as("admin")
    _PAGES.clear()
    targets = date_targets(app, client)
    assert {"/results/", "/review/", "/admin/audit", "/actions/1/exports/download"} <= set(targets)
    bearer = {"Authorization": f"Bearer {secret}"}

    @settings(FUZZ, max_examples=_examples(0.1))
    @given(data=st.data())
    def run(data):
        url = data.draw(st.sampled_from(sorted(targets)))
        query = data.draw(st.dictionaries(st.sampled_from(targets[url]), any_day, min_size=1))
        response = client.get(url, query_string=query, headers=bearer)
        assert response.status_code in (200, 400), (url, query, response.status_code)
        response.get_data()  # a download is read to its end: it must not stop half-way

    run()


@pytest.mark.parametrize("who", [None, "admin", "respondent_a"])
def test_any_json_body_to_any_form_is_a_400(app, client, login_as, who):
    """A JSON body that was not an object of text gave a 500 on /login,
    /password/forgot, /respond/<n>/autosave and every form (issue 14)."""
    if who:
        login_as(who)
    token = client.csrf_token("/")
    _PAGES.clear()

    @settings(FUZZ, max_examples=_examples(0.05))
    @given(data=st.data())
    def run(data):
        rule = data.draw(st.sampled_from(list(routes(app, {"POST"}))))
        url = build_url(rule, data)
        body = data.draw(json_body(page_of(client, url).names))
        headers = {"X-CSRFToken": token, "Content-Type": "application/json"}
        response = client.post(url, data=body, headers=headers)
        assert response.status_code in (400, 429), (url, body, response.status_code)
        assert response.status_code == 429 or "not as JSON" in response.get_data(as_text=True)

    run()


HUGE = "9" * 400


@pytest.mark.parametrize(
    "url",
    [
        "/admin/audit",
        "/admin/users",
        "/admin/organisations",
        "/review/",
        "/results/report",
        "/results/themes/broader_understanding",
    ],
)
@pytest.mark.parametrize("page", [HUGE, f"-{HUGE}", "0", "1e9", "2"])
def test_any_page_number_shows_a_page(client, login_as, url, page):
    """?page= past every integer type a database has (found by the fuzzer: SQLite
    refused the OFFSET, a 500) gives a page, empty past the end, never an error."""
    login_as("admin")
    response = client.get(url, query_string={"page": page})
    assert response.status_code == 200, (url, page, response.status_code)


def example_url(rule) -> str:
    """``rule`` with every argument filled in (ids 1, other values "x")."""
    url = rule.rule
    for name, converter in rule._converters.items():
        value = "1" if isinstance(converter, IntegerConverter) else "x"
        url = re.sub(rf"<(?:[a-z]+:)?{name}>", value, url)
    return url


@pytest.mark.parametrize("host", [EVIL, f"{EVIL}:443", f"localhost.{EVIL}", ""])
def test_every_route_refuses_a_foreign_host(app, client, host):
    """Reset-link poisoning (security issue 14): a request naming a host the site does not
    answer to gets the 400 page on every route, whatever its method, and nothing it
    names comes back."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & {"GET", "POST"}):
            url = example_url(rule)
            response = client.open(url, method=method, headers={"Host": host})
            assert response.status_code == 400, (method, url, response.status_code)
            if host:
                assert_no_foreign_host(response, (method, url))


def test_no_route_follows_x_forwarded_host_behind_a_proxy(app, users, login_as):
    """Behind a trusted proxy (TRUSTED_PROXIES=1) X-Forwarded-Host is the client's, passed
    on: no page or redirect, logged in or not, may point at the host it names."""
    from app import create_app
    from app.extensions import db
    from config import TestingConfig
    from tests.conftest import Client, login

    behind = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        TRUSTED_PROXIES=1,
    )
    behind.test_client_class = Client
    forged = {"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https", "X-Forwarded-Port": "443"}
    try:
        for who in (None, "admin"):
            client = behind.test_client()
            if who:
                assert login(client, users[who].email).status_code == 302
            for rule in routes(behind, {"GET"}):
                url = example_url(rule)
                response = client.get(url, headers=forged)
                assert response.status_code < 500, (url, response.status_code)
                assert_no_foreign_host(response, (who, url))
    finally:
        with behind.app_context():
            db.engine.dispose()  # its own pool: close it, or PostgreSQL connections leak
