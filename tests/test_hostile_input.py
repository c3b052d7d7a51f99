"""Hostile input against every route of the app: never a 500.

Routes are discovered from the URL map, so a new form is fuzzed without anyone having to
remember it. Values: very long strings, every Unicode plane, NUL bytes, wrong types,
unknown and duplicated fields, missing fields. HOSTILE_EXAMPLES sets the number of
generated requests in all (2,000 by default; .ci/run sets 10,000 for each database).
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

TOTAL_EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "2000"))
_NAME_RE = re.compile(r'name="([^"]+)"')
SKIP = {"static", "auth.logout"}

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
    if "POST" in rule.methods and "POST" in methods:
        names = fields_of(client, url) or ["field"]
        chosen = data.draw(
            st.lists(st.sampled_from(names + ["unknown", "csrf_token__x"]), max_size=8)
        )
        form = [(name, data.draw(hostile_text)) for name in chosen]  # duplicates allowed
        form.append(("csrf_token", token))
        response = client.post(url, data=MultiDict(form))
    else:
        query = data.draw(
            st.dictionaries(
                st.sampled_from(["q", "page", "next", "lang", "state", "sort", "action", "x"]),
                hostile_text,
                max_size=4,
            )
        )
        response = client.get(url, query_string=query)
    assert response.status_code < 500, (rule.rule, url, response.status_code)


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
