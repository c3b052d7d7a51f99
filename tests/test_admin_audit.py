"""The audit log page (filters, pages, escaping) and its CSV export (streamed, audited,
safe from formula injection); the reusable csv_safe helpers."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.models import AuditEntry
from app.services import audit
from app.services.audit import AuditFilters, query
from app.services.exports.csv_safe import SafeWriter, csv_rows, safe_cell

FORMULA = "=cmd|' /C calc'!A0"


def add_entry(db, event, *, at, actor="", object_type="", object_id="", ip="", **details):
    entry = audit.record(
        db.session,
        event,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        ip=ip,
        **details,
    )
    entry.created_at = at
    return entry


@pytest.fixture
def log(db, users):
    """A small log: entries over three days, two actors, two addresses."""
    add_entry(
        db,
        "organisation.created",
        at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        actor="admin@example.org",
        object_type="organisation",
        object_id="1",
        ip="10.0.0.5",
        name="City A",
    )
    add_entry(
        db,
        "user.role_changed",
        at=datetime(2026, 3, 2, 23, 59, tzinfo=UTC),
        actor="admin@example.org",
        object_type="user",
        object_id="5",
        ip="10.0.0.6",
        **{"from": "respondent", "to": "leader"},
    )
    add_entry(
        db,
        "login.failure",
        at=datetime(2026, 3, 3, 0, 0, tzinfo=UTC),
        actor=FORMULA,
        ip="192.168.1.9",
        reason=FORMULA,
    )
    db.session.commit()


def events_listed(client, query_string=""):
    html = client.get(f"/admin/audit{query_string}").get_data(as_text=True)
    return re.findall(r'<li class="audit-entry" data-event="([^"]*)">', html)


def test_newest_first_and_filters(client, login_as, log):
    login_as("coordinator")  # login.success is the newest entry
    assert events_listed(client)[:4] == [
        "login.success",
        "login.failure",
        "user.role_changed",
        "organisation.created",
    ]
    assert events_listed(client, "?event=user.role_changed") == ["user.role_changed"]
    assert events_listed(client, "?actor=ADMIN%40example&date_to=2026-03-03") == [
        "user.role_changed",
        "organisation.created",
    ]
    assert events_listed(client, "?object_type=organisation&object_id=1") == [
        "organisation.created"
    ]
    assert events_listed(client, "?object_type=user&object_id=1") == []
    # Dates are whole UTC days, both ends included.
    assert events_listed(client, "?date_from=2026-03-02&date_to=2026-03-02") == [
        "user.role_changed"
    ]
    assert events_listed(client, "?date_from=2026-03-03&date_to=2026-03-03") == ["login.failure"]
    assert events_listed(client, "?ip=10.0.0.") == ["user.role_changed", "organisation.created"]
    assert events_listed(client, "?ip=10.0.0.5") == ["organisation.created"]


def test_bad_filters_are_explained_not_applied(client, login_as, log):
    login_as("admin")
    html = client.get("/admin/audit?date_from=yesterday&event=nope").get_data(as_text=True)
    assert "Enter the date as year-month-day, e.g. 2026-03-31." in html
    assert "Choose one of the options listed." in html
    assert "organisation.created" in html
    html = client.get("/admin/audit?date_from=2026-03-05&date_to=2026-03-01").get_data(as_text=True)
    assert "The end date is before the start date: swap them." in html


def test_event_select_lists_the_events_present(client, login_as, log):
    login_as("admin")
    html = client.get("/admin/audit").get_data(as_text=True)
    for event, name in (
        ("login.failure", "Failed login"),
        ("organisation.created", "Organisation created"),
        ("user.role_changed", "Role changed"),
    ):
        assert f'<option value="{event}">{name}</option>' in html


def test_details_are_json_and_escaped(client, login_as, db, log):
    add_entry(db, "x.test", at=datetime(2026, 3, 4, tzinfo=UTC), note="<b>hi</b>", n=1)
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/audit?event=x.test").get_data(as_text=True)
    assert "&#34;note&#34;: &#34;&lt;b&gt;hi&lt;/b&gt;&#34;" in html
    assert "<b>hi</b>" not in html


def test_pages_of_100(client, login_as, db, users):
    for n in range(120):
        add_entry(db, "bulk.event", at=datetime(2026, 1, 1, tzinfo=UTC), object_id=str(n))
    db.session.commit()
    login_as("admin")
    first = client.get("/admin/audit?event=bulk.event").get_data(as_text=True)
    assert "Showing 1–100 of 120" in first
    second = client.get("/admin/audit?event=bulk.event&page=2").get_data(as_text=True)
    assert "Showing 101–120 of 120" in second
    assert 'href="/admin/audit?page=1&amp;event=bulk.event"' in second


def read_csv(response):
    text = response.get_data(as_text=True)
    response.close()
    assert text.startswith("\ufeff")  # Excel reads the file as UTF-8
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_export_is_filtered_safe_and_audited(client, login_as, db, log):
    login_as("coordinator")
    response = client.get("/admin/audit.csv?ip=192.168.")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment; filename=tympanum-audit-" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert len(rows) == 1
    (row,) = rows
    assert row["event"] == "login.failure"
    assert row["actor"] == "'" + FORMULA  # a spreadsheet shows it as text
    assert row["ip"] == "192.168.1.9" and row["time_utc"] == "2026-03-03 00:00:00"
    assert row["details"] == '{"reason":"=cmd|\' /C calc\'!A0"}'  # JSON: starts with {
    exported = db.session.scalars(
        select(AuditEntry).where(AuditEntry.event == "audit.exported")
    ).all()
    assert len(exported) == 1
    assert exported[0].details == {"filters": {"ip": "192.168."}}
    assert exported[0].actor == "coordinator@example.org"


def test_csv_export_of_a_login_with_a_formula_as_e_mail(client, login_as, db, users):
    """The real attack: anyone can type a formula into the login form's e-mail field."""
    client.post_form("/login", {"email": '=HYPERLINK("http://x")', "password": "nope"})
    login_as("admin")
    rows = read_csv(client.get("/admin/audit.csv?event=login.failure"))
    assert [r["actor"] for r in rows] == ['\'=hyperlink("http://x")']


def test_csv_export_without_filters_contains_everything(client, login_as, db, log):
    login_as("admin")
    rows = read_csv(client.get("/admin/audit.csv"))
    assert [r["event"] for r in rows][-3:] == [
        "login.failure",
        "user.role_changed",
        "organisation.created",
    ]
    assert rows[0]["event"] == "audit.exported"  # recorded before the export ran
    assert list(rows[0]) == [
        "id",
        "time_utc",
        "actor",
        "user_id",
        "event",
        "object_type",
        "object_id",
        "ip",
        "details",
    ]


def test_filter_query_builder(db, log):
    filters = AuditFilters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 1))
    assert [e.event for e in db.session.scalars(query(filters))] == ["organisation.created"]
    assert AuditFilters(actor="x", date_to=date(2026, 1, 2)).as_dict() == {
        "actor": "x",
        "date_to": "2026-01-02",
    }


# --- csv_safe ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+49 30 1234", "'+49 30 1234"),
        ("-5", "-5"),  # a plain number stays a number, even as text
        ("-5+cmd", "'-5+cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        (FORMULA, "'" + FORMULA),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-5, "-5"),  # numbers are not text
        (2.5, "2.5"),
        (True, "true"),
        (datetime(2026, 1, 2, 3, 4, tzinfo=UTC), "2026-01-02T03:04:00+00:00"),
        ({"b": 1, "a": "=x"}, '{"a":"=x","b":1}'),
        (["=x"], '["=x"]'),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_csv_rows_and_safe_writer_round_trip():
    rows = [["=1+1", 3, None], ["line\nbreak", "-x", "ok"]]
    text = "".join(csv_rows(rows, ["a", "=b", "c"]))
    assert list(csv.reader(io.StringIO(text))) == [
        ["a", "'=b", "c"],
        ["'=1+1", "3", ""],
        ["line\nbreak", "'-x", "ok"],
    ]
    assert "".join(csv_rows([], ["only", "header"], bom=True)) == "\ufeffonly,header\r\n"
    buffer = io.StringIO()
    SafeWriter(buffer, delimiter=";").writerows([["@x", "y"]])
    assert buffer.getvalue() == "'@x;y\r\n"
