"""Importing organisations from CSV: preview with a per-row report, all-or-nothing import,
the signed hand-over between the steps, and the CLI."""

from __future__ import annotations

import html as html_lib
import io
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.models import AuditEntry, Organisation, OrgKind, SizeBand
from app.services.people import organisation_import

IMPORT = "/admin/organisations/import"

BAD_FILE = (
    "name,kind,country,city size band\n"
    "Stadt Köln,castle,DE,large\n"  # row 2: unknown kind
    "Ville de Nantes,city,Atlantis,medium\n"  # row 3: bad country
    "Comune di Lecce,city,IT,\n"  # row 4: city without size band
    "Regione Puglia,region,IT,small\n"  # row 5: size band for a region
    ",,,\n"  # row 6: empty, ignored
    "Stadt Köln,city,DE,large\n"  # row 7: duplicate of row 2
    "city a,city,DE,medium\n"  # row 8: exists already (City A): skipped
    "Gemeente Delft,city,NL,tiny\n"  # row 9: unknown size band
    ",ngo,BE,\n"  # row 10: no name
    "Roma, Capitale,city,IT,metropolitan\n"  # row 11: unquoted comma
)
GOOD_FILE = (
    "name,kind,country,city size band,actions\n"
    "Stadt Köln,city,DE,large,1 4\n"
    "Ministère de la Culture,Member State,France,,\n"
    "Regione Puglia,Region,Italia,,11\n"
    "Europa Nostra,NGO,nl,,\n"
    "\n"
    "CITY A,city,DE,medium,\n"
)


def upload(client, content, filename="orgs.csv"):
    """Post a file the way a browser does. The body is built in memory: Werkzeug's test
    builder would spool a large one to a temporary file that it never closes."""
    raw = content.encode("utf-8") if isinstance(content, str) else content
    fields = {"csrf_token": client.csrf_token(IMPORT)}
    if raw is not None:
        fields["file"] = FileStorage(io.BytesIO(raw), filename=filename)
    boundary, body = encode_multipart(fields)
    return client.post(IMPORT, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def payload_of(html):
    match = re.search(r'name="payload" type="hidden" value="([^"]+)"', html)
    return html_lib.unescape(match.group(1)) if match else None


def org_count(db):
    return db.session.scalar(select(func.count(Organisation.id)))


def test_preview_of_a_bad_file_reports_every_problem_and_writes_nothing(client, login_as, db, orgs):
    login_as("admin")
    response = upload(client, BAD_FILE)
    assert response.status_code == 200
    page = html_lib.unescape(response.get_data(as_text=True))
    expected = [
        (2, "The kind “castle” is unknown: use one of city (City or metropolitan area), "),
        (3, "The country “Atlantis” is not an ISO 3166 country: write a two-letter code"),
        (4, "The city size band is empty: cities need one of small, medium, large, metropolitan."),
        (5, "A city size band is given for a region: only cities have one; leave it empty."),
        (7, "The name also appears on row 2: each organisation may appear once"),
        (9, "The city size band “tiny” is unknown: use one of small, medium, large, metropolitan."),
        (10, "The name is empty: every organisation needs a name."),
        (11, "The row has 5 cells but the header has 4: a value that contains the separator"),
    ]
    for row, message in expected:
        assert message in page, (row, message)
        assert re.search(rf'<td class="num">{row}</td>.*?{re.escape(message)}', page, re.S), row
    assert "member_state (Member State)" in page  # the allowed kinds are listed
    assert re.search(r'<td class="num">8</td><td>city a</td><td>Already exists, will be', page)
    assert "1 empty row ignored" in page and "8 rows with problems" in page
    assert "Nothing can be imported until every row is correct" in page
    assert payload_of(page) is None and "/import/commit" not in page  # no import button
    assert org_count(db) == 2
    assert (
        db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.event.like("org%")))
        == 0
    )


def test_a_good_file_is_previewed_then_imported_all_at_once(client, login_as, db, orgs):
    login_as("admin")
    preview = upload(client, GOOD_FILE).get_data(as_text=True)
    assert org_count(db) == 2  # the preview writes nothing
    assert "Import 4 organisations" in preview
    assert "Already exists, will be skipped." in preview  # CITY A
    payload = payload_of(preview)
    assert payload

    response = client.post_form(f"{IMPORT}/commit", {"payload": payload}, page=IMPORT)
    assert response.status_code == 302
    assert org_count(db) == 6
    koeln = db.session.scalar(select(Organisation).where(Organisation.name == "Stadt Köln"))
    assert koeln.kind == OrgKind.CITY and koeln.size_band == SizeBand.LARGE
    assert [a.number for a in koeln.actions] == [1, 4]
    ministry = db.session.scalar(select(Organisation).where(Organisation.country == "FR"))
    assert ministry.kind == OrgKind.MEMBER_STATE and ministry.size_band is None
    region = db.session.scalar(select(Organisation).where(Organisation.name == "Regione Puglia"))
    assert region.country == "IT" and [a.number for a in region.actions] == [11]
    (entry,) = db.session.scalars(
        select(AuditEntry).where(AuditEntry.event == "organisations.imported")
    ).all()
    assert entry.details == {"count": 4, "skipped": 1, "filename": "orgs.csv"}
    assert entry.actor == "admin@example.org"
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "4 organisations imported. 1 skipped: they already existed." in listing

    # The same payload again: everything exists now, nothing more is created.
    again = client.post_form(f"{IMPORT}/commit", {"payload": payload}, page=IMPORT)
    assert again.status_code == 200
    assert "Something changed since the preview" in again.get_data(as_text=True)
    assert org_count(db) == 6


def test_semicolons_and_a_byte_order_mark(client, login_as, db, orgs):
    login_as("admin")
    text = (
        "\ufeffName;Kind;Country;City size band\n"
        "Gemeente Delft;City;Netherlands;Small (under 50,000)\n"
    )
    page = upload(client, text).get_data(as_text=True)
    assert "Import 1 organisation" in page
    client.post_form(f"{IMPORT}/commit", {"payload": payload_of(page)}, page=IMPORT)
    delft = db.session.scalar(select(Organisation).where(Organisation.name == "Gemeente Delft"))
    assert delft.country == "NL" and delft.size_band == SizeBand.SMALL


def test_a_tampered_payload_is_refused(client, login_as, db, orgs):
    login_as("admin")
    page = upload(client, GOOD_FILE).get_data(as_text=True)
    payload = payload_of(page)
    forged = payload[:-3] + ("AAA" if not payload.endswith("AAA") else "BBB")
    response = client.post_form(f"{IMPORT}/commit", {"payload": forged}, page=IMPORT)
    assert response.status_code == 302
    assert "Upload the file again" in client.get(IMPORT).get_data(as_text=True)
    assert org_count(db) == 2


def test_import_is_all_or_nothing_when_the_database_refuses(
    client, login_as, db, orgs, monkeypatch
):
    """A failure half-way (here: the last row) leaves none of the rows behind."""
    login_as("admin")
    page = upload(client, GOOD_FILE).get_data(as_text=True)
    original = organisation_import.apply_input
    calls = []

    def failing(session, org, data, actions=None):
        calls.append(data.name)
        if len(calls) == 4:
            raise RuntimeError("disk full")
        return original(session, org, data, actions)

    monkeypatch.setattr(organisation_import, "apply_input", failing)
    response = client.post_form(f"{IMPORT}/commit", {"payload": payload_of(page)}, page=IMPORT)
    assert response.status_code == 500
    assert len(calls) == 4 and org_count(db) == 2
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.event == "organisations.imported")
        )
        == 0
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"\xff\xfeN\x00a\x00", "The file is not UTF-8 text"),
        (b"name;kind\nX;city\n", "missing: country, city size band"),
        (b"Stadt Koeln,city,DE,large\n", "The first row must be the header"),
        (b"name,kind,country,city size band\n", "has a header row but no organisations"),
        (b"name,name,kind,country,size\nA,B,city,DE,small\n", "names the column “name” twice"),
        (b"x" * (organisation_import.MAX_BYTES + 1), "The file is larger than 1 MB"),
        (
            b"name,kind,country,size\n" + b"A,ngo,DE,\n" * (organisation_import.MAX_ROWS + 1),
            "at most 5000 can be imported at once",
        ),
    ],
)
def test_file_problems_are_explained(client, login_as, db, orgs, content, message):
    login_as("admin")
    response = upload(client, content, "bad.csv")
    page = html_lib.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "The file cannot be imported" in page and message in page
    assert payload_of(page) is None and org_count(db) == 2


def test_upload_without_a_file(client, login_as):
    login_as("admin")
    page = upload(client, None).get_data(as_text=True)
    assert "Choose the CSV file to import." in page


def test_unknown_columns_are_ignored_with_a_note(db, orgs):
    report = organisation_import.read(
        db.session, b"name,kind,country,size band,notes\nX,ngo,DE,,call back\n"
    )
    assert report.can_import and report.notices == [
        "The column “notes” is not used and is ignored."
    ]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Member State", "member_state"),
        ("member-state", "member_state"),
        ("EU body", "eu_body"),
        ("University or research centre", "university"),
        ("town", "city"),
    ],
)
def test_kinds_written_by_people(db, cell, expected):
    size = "small" if expected == "city" else ""
    report = organisation_import.read(
        db.session, f"name,kind,country,size band\nX,{cell},DE,{size}\n".encode()
    )
    assert report.rows[0].data.kind == expected


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("DE", "DE"),
        ("deu", "DE"),
        ("Germany", "DE"),
        ("Deutschland", "DE"),
        ("EL", "GR"),
        ("UK", "GB"),
        ("Czech Republic", "CZ"),
        ("The Netherlands", "NL"),
        ("Allemagne", "DE"),
    ],
)
def test_countries_written_by_people(db, cell, code):
    report = organisation_import.read(
        db.session, f"name,kind,country,size band\nX,ngo,{cell},\n".encode()
    )
    assert report.rows[0].data.country == code


# --- CLI -----------------------------------------------------------------------------


def test_cli_import_dry_run_then_real(runner, db, orgs, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text(GOOD_FILE, encoding="utf-8")
    result = runner.invoke(args=["organisations", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Dry run: 4 organisation(s) would be imported, 1 skipped." in result.output
    assert "Row 7 (CITY A): already exists, will be skipped." in result.output
    assert org_count(db) == 2

    result = runner.invoke(args=["organisations", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 4 organisation(s); 1 skipped (already exist)." in result.output
    assert org_count(db) == 6
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.event == "organisations.imported")
    )
    assert entry.actor == "cli" and entry.details["count"] == 4

    listing = runner.invoke(args=["organisations", "list"])
    assert listing.exit_code == 0
    assert re.search(r"Stadt Köln\s+city\s+DE\s+large\s+1,4\s+active", listing.output)


def test_cli_import_of_a_bad_file_exits_1_with_the_report(runner, db, orgs, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_FILE, encoding="utf-8")
    result = runner.invoke(args=["organisations", "import", str(path)])
    assert result.exit_code == 1
    assert "Row 2 (Stadt Köln): The kind “castle” is unknown" in result.output
    assert "Row 10 (no name): The name is empty" in result.output
    assert "Nothing imported: 8 row(s) with problems." in result.output
    assert "Traceback" not in result.output
    assert org_count(db) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["organisations", "import"], "Missing argument 'FILE'"),
        (["organisations", "import", "/nonexistent/orgs.csv"], "does not exist"),
        (["organisations", "import", "/tmp"], "is a directory"),
        (["organisations", "import", "x.csv", "--force"], "No such option '--force'"),
    ],
)
def test_cli_usage_errors_exit_2(runner, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_cli_list_when_empty(runner, db):
    assert "No organisations yet." in runner.invoke(args=["organisations", "list"]).output
