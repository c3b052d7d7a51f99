"""Date filters at the ends of the calendar: any day from 0001-01-01 to 9999-12-31 gives a
result, everywhere a date filter is taken (results pages, review queue, audit log and its
CSV, API, export form and download, CLI), and one outside it a clear 400 or field error.

An end date of 9999-12-31 was a 500 (``OverflowError``: the day after it is past what a
datetime holds) on every page, and cut an export download off after its headers.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from app.days import day_end, day_start, parse_day, within_days
from app.models import AuditEntry
from app.services import audit
from app.services.people import api_tokens
from tests.export_helpers import golden_responses

FIRST, LAST = "0001-01-01", "9999-12-31"
ACCEPTED = ["T01-GOLD01", "T01-GOLD02"]  # golden_responses: submitted 2026-11-02 and 11-10


@pytest.fixture
def data(db, users):
    return golden_responses()


# --- the one helper ----------------------------------------------------------------------


def test_day_bounds_reach_both_ends_of_the_calendar():
    assert day_start(date.min) == datetime(1, 1, 1, tzinfo=UTC)
    assert day_end(date(2026, 12, 31)) == datetime(2027, 1, 1, tzinfo=UTC)
    assert day_end(date.max) is None  # nothing comes after it: no end bound
    assert len(within_days(AuditEntry.created_at, date.min, date.max)) == 1
    assert within_days(AuditEntry.created_at) == []


@pytest.mark.parametrize("text", [FIRST, LAST, "2024-02-29"])
def test_parse_day_takes_every_iso_day(text):
    assert parse_day(text).isoformat() == text


@pytest.mark.parametrize(
    "text",
    ["0000-12-31", "10000-01-01", "2026-02-30", "2026-1-1", "20261127", "２０２６-01-01", ""],
)
def test_parse_day_refuses_anything_else(text):
    with pytest.raises(ValueError):
        parse_day(text)


EDGE_TIMES = [
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(1, 1, 1, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(1970, 1, 1, tzinfo=UTC),
    datetime(2026, 11, 27, 12, tzinfo=UTC),
    datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(9999, 12, 31, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]
edge_days = st.one_of(
    st.dates(),
    st.sampled_from([date.min, date(1, 1, 2), date(9999, 12, 30), date.max, date(2026, 11, 27)]),
)


def test_any_range_of_days_selects_exactly_its_timestamps(db):
    """The database agrees with the calendar for any pair of days, at the edges too."""
    for moment in EDGE_TIMES:
        db.session.add(AuditEntry(event="edge", created_at=moment, object_id=moment.isoformat()))
    db.session.commit()

    @settings(
        max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(first=st.none() | edge_days, last=st.none() | edge_days)
    def check(first, last):
        filters = audit.AuditFilters(event="edge", date_from=first, date_to=last)
        found = {entry.object_id for entry in db.session.scalars(audit.query(filters))}
        expected = {
            m.isoformat()
            for m in EDGE_TIMES
            if (first is None or m.date() >= first) and (last is None or m.date() <= last)
        }
        assert found == expected, (first, last)

    check()


# --- every consumer ---------------------------------------------------------------------

PAGES = [
    "/results/?date_to={d}",
    "/results/?date_from={d}",
    "/results/perspectives?date_to={d}",
    "/results/pillars?date_to={d}",
    "/results/themes/resilience?date_to={d}",
    "/results/report?date_to={d}",
    "/review/?state=all&submitted_to={d}",
    "/review/?state=all&submitted_from={d}",
    "/admin/audit?date_to={d}",
    "/admin/audit?date_from={d}",
    "/actions/1/exports?submitted_to={d}",
]


@pytest.mark.parametrize("day", [FIRST, LAST])
@pytest.mark.parametrize("url", PAGES)
def test_pages_take_the_first_and_last_day(client, login_as, data, url, day):
    login_as("admin")
    response = client.get(url.format(d=day))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


def test_results_up_to_the_last_day_count_everything(client, login_as, data):
    login_as("admin")
    everything = client.get("/results/report.csv").get_data(as_text=True)
    assert client.get(f"/results/report.csv?date_from={FIRST}&date_to={LAST}").status_code == 200
    assert client.get(f"/results/report.csv?date_to={LAST}").get_data(as_text=True) == everything
    nothing = client.get(f"/results/report.csv?date_to={FIRST}").get_data(as_text=True)
    assert ",overall,,,,0," in nothing and nothing != everything


def test_review_queue_up_to_the_last_day_lists_everything(client, login_as, data):
    login_as("admin")
    html = client.get(f"/review/?state=all&submitted_to={LAST}").get_data(as_text=True)
    assert all(reference in html for reference in [*ACCEPTED, "T01-GOLD03"])
    html = client.get(f"/review/?state=all&submitted_to={FIRST}").get_data(as_text=True)
    assert not any(reference in html for reference in [*ACCEPTED, "T01-GOLD03"])


def test_audit_csv_up_to_the_last_day_is_complete(client, login_as, data, db):
    db.session.add(AuditEntry(event="edge.last", created_at=EDGE_TIMES[-1]))
    db.session.add(AuditEntry(event="edge.first", created_at=EDGE_TIMES[0]))
    db.session.commit()
    login_as("admin")
    response = client.get(f"/admin/audit.csv?date_from={FIRST}&date_to={LAST}")
    assert response.status_code == 200
    events = [row["event"] for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))]
    assert {"edge.last", "edge.first"} <= set(events) and len(events) > 2  # logins, too
    response = client.get(f"/admin/audit.csv?date_to={FIRST}")
    events = [row["event"] for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))]
    assert events == ["edge.first"]


def _csv_references(response) -> list[str]:
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return [row["reference"] for row in csv.DictReader(io.StringIO(text))]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"submitted_to={LAST}", ACCEPTED),
        (f"submitted_from={FIRST}&submitted_to={LAST}", ACCEPTED),
        (f"submitted_from={LAST}", []),
        (f"submitted_to={FIRST}", []),
    ],
)
def test_export_download_is_complete_at_the_ends_of_the_calendar(
    client, login_as, data, query, expected
):
    """The download used to send its headers, then stop at the first row (OverflowError
    inside the stream); now the filter is applied like any other."""
    login_as("admin")
    response = client.get(f"/actions/1/exports/download?layout=wide&{query}")
    assert response.status_code == 200
    assert _csv_references(response) == expected
    workbook = client.get(f"/actions/1/exports/download?format=xlsx&{query}")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.get_data()), read_only=True)["responses"]
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("reference")
    assert [row[column] for row in rows[1:]] == expected


@pytest.mark.parametrize("day", ["10000-01-01", "0000-12-31", "9999-12-32"])
def test_a_day_outside_the_calendar_is_a_field_error(client, login_as, data, day):
    login_as("admin")
    response = client.get(f"/actions/1/exports/download?submitted_to={day}")
    assert response.status_code == 400
    assert "Not a valid date value." in response.get_data(as_text=True)
    assert client.get(f"/results/?date_to={day}").status_code == 200  # shown, then ignored
    assert client.get(f"/admin/audit?date_to={day}").status_code == 200


@pytest.fixture
def bearer(db, users):
    _token, secret = api_tokens.create_token(db.session, users["admin"], "dates")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"submitted_to={LAST}", ACCEPTED),
        (f"submitted_from={FIRST}", ACCEPTED),
        (f"submitted_from={LAST}&submitted_to={LAST}", []),
        (f"submitted_to={FIRST}", []),
    ],
)
def test_api_takes_the_first_and_last_day(client, data, bearer, query, expected):
    response = client.get(f"/api/v1/actions/1/responses?{query}", headers=bearer)
    assert response.status_code == 200, response.get_json()
    assert [r["reference"] for r in response.get_json()["data"]] == expected


@pytest.mark.parametrize("day", ["10000-01-01", "0000-12-31", "2026-02-30", "2026-W01-1"])
def test_api_refuses_a_day_outside_the_calendar_with_400(client, data, bearer, day):
    response = client.get(f"/api/v1/actions/1/responses?submitted_to={day}", headers=bearer)
    assert response.status_code == 400
    assert response.get_json()["message"] == (
        "submitted_to must be a date written YYYY-MM-DD, e.g. 2026-11-27."
    )


def test_cli_takes_the_first_and_last_day(runner, data):
    result = runner.invoke(args=["export", "responses", "--action", "1", "--to", LAST])
    assert result.exit_code == 0, result.output
    assert [
        row["reference"] for row in csv.DictReader(io.StringIO(result.output.lstrip("\ufeff")))
    ] == ACCEPTED
    result = runner.invoke(
        args=["export", "responses", "--action", "1", "--from", LAST, "--to", LAST]
    )
    assert result.exit_code == 0 and result.output.count("\n") == 1  # the header only
    result = runner.invoke(
        args=["results", "themes", "--since", FIRST, "--until", LAST, "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert ",overall,,,62.5,2," in result.output


@pytest.mark.parametrize("option", ["--from", "--to"])
def test_cli_refuses_a_day_outside_the_calendar(runner, data, option):
    result = runner.invoke(args=["export", "responses", "--action", "1", option, "10000-01-01"])
    assert result.exit_code == 2
    assert "'10000-01-01' is not a date written YYYY-MM-DD" in result.output
    result = runner.invoke(args=["results", "themes", "--until", "2026-02-30"])
    assert result.exit_code == 2 and "is not a date written YYYY-MM-DD" in result.output
