"""The export page and downloads: who may export what, streaming, headers, audit, CLI."""

from __future__ import annotations

import csv
import io
import sqlite3
import types

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.models import AuditEntry
from app.services import exports
from tests.conftest import ON_POSTGRES, action
from tests.export_helpers import bulk_responses, golden_responses, publish_example

DOWNLOAD = "/actions/1/exports/download"


@pytest.fixture
def data(db, users):
    return golden_responses()


@pytest.mark.parametrize(
    ("who", "number", "status"),
    [
        ("admin", 1, 200),
        ("admin", 2, 200),
        ("coordinator", 1, 200),
        ("coordinator", 2, 200),
        ("leader1", 1, 200),
        ("leader1", 2, 403),
        ("leader2", 1, 403),
        ("respondent_a", 1, 403),
        ("colleague_a", 2, 403),
    ],
)
def test_who_may_export(login_as, data, who, number, status):
    client = login_as(who)
    assert client.get(f"/actions/{number}/exports").status_code == status
    download = client.get(f"/actions/{number}/exports/download?format=csv")
    # Action 2 has no questionnaire: those who may export it learn that (404).
    assert download.status_code == (404 if (number, status) == (2, 200) else status)
    download.close()


def test_anonymous_is_sent_to_login(client, data):
    response = client.get(DOWNLOAD)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_action_is_404(login_as, data):
    assert login_as("admin").get("/actions/99/exports").status_code == 404


def test_action_without_questionnaire_says_so(login_as, data):
    client = login_as("admin")
    page = client.get("/actions/2/exports").get_data(as_text=True)
    assert "no published questionnaire yet" in page
    assert client.get("/actions/2/exports/download").status_code == 404


def test_home_page_links_to_exports_where_allowed(login_as, data):
    html = login_as("leader1").get("/").get_data(as_text=True)
    assert 'href="/actions/1/exports"' in html
    assert 'href="/actions/2/exports"' not in html
    html = login_as("respondent_a").get("/").get_data(as_text=True)
    assert "/exports" not in html


def test_csv_download_streams_with_headers_and_audit(login_as, data, db):
    client = login_as("leader1")
    response = client.get(
        DOWNLOAD + "?layout=wide&answers=codes&state=all&delimiter=semicolon&format=csv",
        buffered=False,
    )
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="tympanum-action-01-wide-')
    assert disposition.endswith('.csv"')
    chunks = iter(response.response)
    first = next(chunks)  # the header arrives before the rest is read
    assert first.startswith(b"\xef\xbb\xbfresponse_id;reference;")
    rest = b"".join(chunks)
    response.close()
    rows = list(
        csv.reader(io.StringIO((first + rest).decode("utf-8-sig"), newline=""), delimiter=";")
    )
    assert len(rows) == 4
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.event == "export.downloaded"))
    assert entry.actor == "leader1@example.org" and entry.object_type == "action"
    assert entry.details["filters"]["state"] == "all"
    assert entry.details["delimiter"] == ";" and entry.details["layout"] == "wide"


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite write lock")
def test_a_streaming_download_does_not_block_writers(login_as, data, app):
    client = login_as("admin")
    response = client.get(DOWNLOAD + "?state=all", buffered=False)
    chunks = iter(response.response)
    next(chunks)  # the download has started and is still open
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # fails with "database is locked" if held
        other.execute("ROLLBACK")
    finally:
        other.close()
    b"".join(chunks)
    response.close()


def test_xlsx_download_opens_with_openpyxl(login_as, data):
    client = login_as("coordinator")
    response = client.get(DOWNLOAD + "?format=xlsx&state=submitted&answers=labels&lang=de")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == exports.XLSX_MIMETYPE
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    try:
        rows = list(workbook["responses"].iter_rows(values_only=True))
        assert len(rows) == 4 and rows[1][1] == "T01-GOLD01"
        about = dict(workbook["about"].iter_rows(min_row=2, values_only=True))
        assert about["exported_by"] == "coordinator@example.org"
        assert about["answers"] == "labels" and about["language"] == "de"
    finally:
        workbook.close()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("layout=tall", "Not a valid choice"),
        ("submitted_from=2026-11-30&submitted_to=2026-11-01", "on or after the start date"),
        ("submitted_from=yesterday", "Not a valid date value"),
    ],
)
def test_bad_options_show_the_form_with_errors(login_as, data, query, message):
    response = login_as("admin").get(f"{DOWNLOAD}?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_export_page_renders_the_form(login_as, data):
    html = login_as("leader1").get("/actions/1/exports").get_data(as_text=True)
    for name in ("layout", "answers", "lang", "delimiter", "encoding", "state", "country"):
        assert f'name="{name}"' in html
    assert 'value="xlsx"' in html


def test_several_thousand_responses_arrive_in_order_and_completely(db, users):
    questionnaire = publish_example()
    ids = bulk_responses(questionnaire, 2500)
    catalogue = exports.prepare(db.session, action(1))
    stream = exports.csv_stream(
        db.engine, catalogue, exports.ExportOptions(layout="wide"), progress=None
    )
    assert isinstance(stream, types.GeneratorType)
    rows = list(csv.DictReader(io.StringIO(b"".join(stream).decode("utf-8-sig"), newline="")))
    assert [int(r["response_id"]) for r in rows] == ids
    assert [r["recommendations"] for r in rows] == [f"row {n}" for n in range(2500)]
    assert {r["org_role"] for r in rows} == {"action_member"}
    long_stream = exports.csv_stream(db.engine, catalogue, exports.ExportOptions(layout="long"))
    long_rows = list(csv.reader(io.StringIO(b"".join(long_stream).decode("utf-8-sig"), newline="")))
    assert len(long_rows) == 1 + 3 * 2500


def test_reading_happens_in_chunks(db, users, monkeypatch):
    """The first rows come out before the last chunk is read from the database."""
    from app.services.exports import reading

    questionnaire = publish_example()
    bulk_responses(questionnaire, 300)
    catalogue = exports.prepare(db.session, action(1))
    reads = []
    records = reading.iter_records(
        db.engine, catalogue.questionnaire_id, exports.Filters(), chunk=100, progress=reads.append
    )
    first = next(records)
    assert first[0][0] == 1 and reads == []  # one chunk read, nothing reported yet
    rest = list(records)
    assert len(rest) == 299 and sum(reads) == 300


# --- CLI --------------------------------------------------------------------------------


def test_cli_writes_csv_to_stdout(runner, data):
    result = runner.invoke(args=["export", "responses", "--action", "1", "--state", "all"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"), newline="")))
    assert [r["reference"] for r in rows] == ["T01-GOLD01", "T01-GOLD02", "T01-GOLD03"]


def test_cli_writes_xlsx_and_codebook_to_files(runner, data, tmp_path, db):
    target = tmp_path / "out.xlsx"
    result = runner.invoke(
        args=["export", "responses", "--action", "1", "--format", "xlsx", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 2 responses" in result.output
    workbook = load_workbook(target, read_only=True)
    assert workbook.sheetnames == ["responses", "codebook", "about"]
    workbook.close()
    codebook = tmp_path / "codebook.csv"
    result = runner.invoke(
        args=[
            "export",
            "responses",
            "--action",
            "1",
            "--layout",
            "codebook",
            "--lang",
            "de",
            "--delimiter",
            ";",
            "--no-bom",
            "-o",
            str(codebook),
        ]
    )
    assert result.exit_code == 0, result.output
    assert codebook.read_bytes().startswith(b"question;kind;code;")
    events = db.session.scalars(select(AuditEntry).where(AuditEntry.event == "export.downloaded"))
    assert [e.actor for e in events] == ["cli", "cli"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--action", "42"], "No action number 42"),
        (["--action", "2"], "has no questionnaire yet"),
        (["--action", "1", "--format", "xlsx"], "give a file with --output"),
        (["--action", "1", "--layout", "tall"], "Invalid value for '--layout'"),
        (["--action", "1", "--country", "Germany"], "not an ISO 3166-1 alpha-2"),
        (["--action", "1", "--from", "2026-12-01", "--to", "2026-11-01"], "after the"),
        (["--action", "1", "-o", "/nonexistent/dir/x.csv"], "Cannot write"),
    ],
)
def test_cli_errors_are_one_line_with_exit_2(runner, data, args, message):
    result = runner.invoke(args=["export", "responses", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


# --- the count before the download, label headers on the page ---------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "2 responses match these filters."),  # accepted, the default
        ("?state=all", "3 responses match these filters."),
        ("?state=all&org_kind=region", "1 response matches these filters."),
        ("?state=all&country=FR&lang=en", "1 response matches these filters."),
    ],
)
def test_export_page_counts_the_responses_the_filters_select(login_as, data, query, expected):
    html = login_as("leader1").get(f"/actions/1/exports{query}").get_data(as_text=True)
    assert expected in html
    # The count button sends the same form back to this page, without JavaScript.
    assert 'formaction="/actions/1/exports#matching"' in html


def test_export_page_with_bad_filters_says_so_instead_of_a_count(login_as, data):
    response = login_as("admin").get(
        "/actions/1/exports?submitted_from=2026-11-30&submitted_to=2026-11-01"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "on or after the start date" in html and "match these filters" not in html
    assert "Correct the filters above" in html


def test_label_headers_and_labelled_columns_in_the_download(login_as, data):
    client = login_as("admin")
    response = client.get(DOWNLOAD + "?format=csv&answers=labels&headers=labels&state=all")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][3] == "Kind of organisation [organisation_kind]"
    assert rows[1][3] == "City or metropolitan area" and rows[1][6] == "accepted"
    codes = client.get(DOWNLOAD + "?format=csv&state=all").get_data(as_text=True)
    assert codes.lstrip("\ufeff").startswith("response_id,reference,organisation,organisation_kind")
