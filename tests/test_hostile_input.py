"""Hostile input against every route of the app: never a 500.

Routes are discovered from the URL map, so a new form is fuzzed without anyone having to
remember it. Values: very long strings, every Unicode plane, NUL bytes, wrong types,
unknown and duplicated fields, missing fields; and headers naming another host (Host,
X-Forwarded-Host, Forwarded), which must never end up in a page or a redirect.
HOSTILE_EXAMPLES sets the number of generated requests in all (2,000 by default;
.ci/run sets 10,000 for each database).
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

TOTAL_EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "2000"))
_NAME_RE = re.compile(r'name="([^"]+)"')
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

hostile_text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.text(
        st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF, exclude_categories=("Cs",)),
        max_size=10,
    ),
    st.sampled_from(
        [
            "\x00",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "=cmd|' /C calc'!A0",
            "../../etc/passwd",
            "%00",
            "9" * 400,
            "-1",
            "1e309",
            "NaN",
            "true",
            "[]",
            "{}",
        ]
    ),
    st.just("x" * 100_000),
)


def routes(app, methods):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP or not (rule.methods & methods):
            continue
        yield rule


def build_url(rule, data) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if type(converter).__name__ == "IntegerConverter":
            values[name] = data.draw(st.sampled_from([1, 2, 3, 0, 999999]))
        else:
            values[name] = quote(data.draw(st.text(min_size=1, max_size=30)), safe="")
    url = rule.rule
    for name, value in values.items():
        url = re.sub(rf"<(?:[a-z]+:)?{name}>", str(value), url)
    return url


_FIELDS: dict[str, list[str]] = {}


def fields_of(client, url) -> list[str]:
    if url not in _FIELDS:
        _FIELDS[url] = _read_fields(client, url)
    return _FIELDS[url]


def _read_fields(client, url) -> list[str]:
    response = client.get(url)
    if response.status_code != 200 or "text/html" not in response.content_type:
        return []
    return sorted(set(_NAME_RE.findall(response.get_data(as_text=True))) - {"csrf_token"})


def fuzz(app, client, data, methods, token):
    rules = list(routes(app, methods))
    rule = data.draw(st.sampled_from(rules))
    url = build_url(rule, data)
    headers = data.draw(hostile_headers)
    if "POST" in rule.methods and "POST" in methods:
        names = fields_of(client, url) or ["field"]
        chosen = data.draw(
            st.lists(st.sampled_from(names + ["unknown", "csrf_token__x"]), max_size=8)
        )
        form = [(name, data.draw(hostile_text)) for name in chosen]  # duplicates allowed
        form.append(("csrf_token", token))
        response = client.post(url, data=MultiDict(form), headers=headers)
    else:
        query = data.draw(
            st.dictionaries(
                st.sampled_from(["q", "page", "next", "lang", "state", "sort", "action", "x"]),
                hostile_text,
                max_size=4,
            )
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
    share = {None: 0.3, "admin": 0.45, "respondent_a": 0.25}[who]

    token = client.csrf_token("/")
    _FIELDS.clear()

    @settings(
        max_examples=_examples(share),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(data=st.data())
    def run(data):
        fuzz(app, client, data, {"GET", "POST"}, token)

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
