"""Import organisations from a CSV file: read, validate every row, report, then create all
of them or none.

The file has a header row naming the columns ``name``, ``kind``, ``country`` and
``city size band`` (optionally ``actions``: numbers such as "1 4 11"). Commas or
semicolons separate cells; UTF-8 with or without a byte-order mark. Values may be
written the way people write them: "Member State", "Germany" or "DE", "Small".
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from sqlalchemy.orm import Session

from ...countries import parse_country
from ...models import ORG_KIND_LABELS, SIZE_BAND_LABELS, Organisation, OrgKind, SizeBand, User
from .. import audit
from .organisations import (
    NAME_MAX,
    OrgInput,
    actions_by_number,
    apply_input,
    existing_names,
    normalise_name,
)

MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000
SKIP_EXISTING = "already exists, will be skipped"

# Header spellings (folded: lower case, runs of space/_/- as one space) -> column key.
COLUMNS = {
    "name": "name",
    "organisation": "name",
    "organisation name": "name",
    "organization": "name",
    "organization name": "name",
    "kind": "kind",
    "type": "kind",
    "country": "country",
    "country code": "country",
    "city size band": "size_band",
    "size band": "size_band",
    "city size": "size_band",
    "size": "size_band",
    "actions": "actions",
}
REQUIRED = ("name", "kind", "country", "size_band")
COLUMN_TITLES = {
    "name": "name",
    "kind": "kind",
    "country": "country",
    "size_band": "city size band",
    "actions": "actions",
}
KIND_ALIASES = {
    "metropolitan area": OrgKind.CITY,
    "municipality": OrgKind.CITY,
    "town": OrgKind.CITY,
    "state": OrgKind.MEMBER_STATE,
    "ministry": OrgKind.MEMBER_STATE,
    "eu institution": OrgKind.EU_BODY,
    "eu": OrgKind.EU_BODY,
    "network": OrgKind.NGO,
    "research centre": OrgKind.UNIVERSITY,
    "research center": OrgKind.UNIVERSITY,
    "private sector": OrgKind.PRIVATE,
    "company": OrgKind.PRIVATE,
}


def _fold(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", (text or "").strip().casefold()).strip()


_Enum = TypeVar("_Enum", bound=StrEnum)


def _spellings(
    labels: Mapping[_Enum, str], aliases: Mapping[str, _Enum] | None = None
) -> dict[str, str]:
    result: dict[str, str] = {}
    for member, label in labels.items():
        result[_fold(member.value)] = member.value
        result[_fold(label)] = member.value
        result[_fold(label.split(" (")[0])] = member.value  # "Small (under 50,000)" -> small
    for alias, member in (aliases or {}).items():
        result[_fold(alias)] = member.value
    return result


KIND_SPELLINGS = _spellings(ORG_KIND_LABELS, KIND_ALIASES)
SIZE_SPELLINGS = _spellings(SIZE_BAND_LABELS, {"metro": SizeBand.METROPOLITAN})


@dataclass
class ImportRow:
    """One data row: its row number in the file (the header is row 1), what was read,
    what is wrong with it (each message says how to fix it) and whether it is skipped."""

    number: int
    name: str
    data: OrgInput | None = None
    problems: list[str] = field(default_factory=list)
    skip_reason: str = ""


@dataclass
class ImportReport:
    filename: str = ""
    file_errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    rows: list[ImportRow] = field(default_factory=list)
    empty_rows: int = 0

    @property
    def invalid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.problems]

    @property
    def skipped_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.skip_reason and not row.problems]

    @property
    def new_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if not row.problems and not row.skip_reason]

    @property
    def is_valid(self) -> bool:
        return not self.file_errors and not self.invalid_rows

    @property
    def can_import(self) -> bool:
        return self.is_valid and bool(self.new_rows)

    def lines(self) -> list[str]:
        """The report as text lines (for the CLI)."""
        out = [f"Error: {message}" for message in self.file_errors]
        out += [f"Note: {message}" for message in self.notices]
        for row in self.rows:
            out += [f"Row {row.number} ({row.name or 'no name'}): {p}" for p in row.problems]
            if row.skip_reason and not row.problems:
                out.append(f"Row {row.number} ({row.name}): {row.skip_reason}.")
        if self.empty_rows:
            out.append(f"Note: {self.empty_rows} empty row(s) ignored.")
        return out


def decode(raw: bytes) -> tuple[str | None, str | None]:
    """(text, None) or (None, what is wrong): UTF-8, with or without a byte-order mark."""
    if len(raw) > MAX_BYTES:
        return None, (
            f"The file is larger than {MAX_BYTES // 1024 // 1024} MB: split it into smaller "
            "files and import them one after the other."
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, (
            "The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8” "
            "and upload it again."
        )
    if "\x00" in text:
        return None, "The file contains binary data, not CSV text: export it as CSV."
    return text, None


def read(session: Session, raw: bytes, filename: str = "") -> ImportReport:
    """Read and check a whole file against the database; writes nothing."""
    report = ImportReport(filename=filename)
    text, problem = decode(raw)
    if problem:
        report.file_errors.append(problem)
        return report
    assert text is not None
    if not text.strip():
        report.file_errors.append(
            "The file is empty: it needs a header row (name, kind, country, city size band) "
            "and one row per organisation."
        )
        return report
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as error:
        report.file_errors.append(f"The file is not valid CSV ({error}): export it again as CSV.")
        return report
    columns = _read_header(records[0], report)
    if report.file_errors:
        return report
    data_rows = records[1:]
    if len(data_rows) > MAX_ROWS:
        report.file_errors.append(
            f"The file has {len(data_rows)} rows; at most {MAX_ROWS} can be imported at once: "
            "split it into smaller files."
        )
        return report
    for index, cells in enumerate(data_rows, start=2):
        if not any(cell.strip() for cell in cells):
            report.empty_rows += 1
            continue
        report.rows.append(_read_row(index, cells, columns, len(records[0])))
    if not report.rows:
        report.file_errors.append("The file has a header row but no organisations below it.")
        return report
    _check_names(session, report)
    return report


def _delimiter(text: str) -> str:
    header = text.splitlines()[0] if text else ""
    return ";" if header.count(";") > header.count(",") else ","


def _read_header(cells: list[str], report: ImportReport) -> dict[str, int]:
    columns: dict[str, int] = {}
    for position, cell in enumerate(cells):
        key = COLUMNS.get(_fold(cell))
        if key is None:
            if cell.strip():
                report.notices.append(f"The column “{cell.strip()}” is not used and is ignored.")
            continue
        if key in columns:
            report.file_errors.append(
                f"The header names the column “{COLUMN_TITLES[key]}” twice: keep one of them."
            )
        columns[key] = position
    missing = [COLUMN_TITLES[key] for key in REQUIRED if key not in columns]
    if missing:
        report.file_errors.append(
            "The first row must be the header naming the columns name, kind, country and "
            f"city size band; missing: {', '.join(missing)}. Add a header row, or correct "
            "its spelling."
        )
    return columns


def _read_row(
    number: int, cells: list[str], columns: dict[str, int], header_cells: int
) -> ImportRow:
    def cell(key: str) -> str:
        position = columns.get(key)
        return cells[position].strip() if position is not None and position < len(cells) else ""

    name = normalise_name(cell("name"))
    row = ImportRow(number=number, name=name)
    if any(extra.strip() for extra in cells[header_cells:]):
        row.problems.append(
            f"The row has {len(cells)} cells but the header has {header_cells}: a value that "
            "contains the separator (comma or semicolon) must be in double quotes."
        )
    if not name:
        row.problems.append("The name is empty: every organisation needs a name.")
    elif len(name) > NAME_MAX:
        row.problems.append(f"The name is longer than {NAME_MAX} characters: shorten it.")

    kind_text = cell("kind")
    kind = KIND_SPELLINGS.get(_fold(kind_text))
    if kind is None:
        allowed = ", ".join(f"{k.value} ({label})" for k, label in ORG_KIND_LABELS.items())
        what = f"The kind “{kind_text}” is unknown" if kind_text else "The kind is empty"
        row.problems.append(f"{what}: use one of {allowed}.")

    country_text = cell("country")
    country = parse_country(country_text)
    if country is None:
        what = (
            f"The country “{country_text}” is not an ISO 3166 country"
            if country_text
            else "The country is empty"
        )
        row.problems.append(
            f"{what}: write a two-letter code such as DE or a name such as Germany."
        )

    size_text = cell("size_band")
    size = SIZE_SPELLINGS.get(_fold(size_text)) if size_text else None
    allowed_sizes = ", ".join(s.value for s in SizeBand)
    if size_text and size is None:
        row.problems.append(
            f"The city size band “{size_text}” is unknown: use one of {allowed_sizes}."
        )
    elif kind == OrgKind.CITY and size is None:
        row.problems.append(f"The city size band is empty: cities need one of {allowed_sizes}.")
    elif kind is not None and kind != OrgKind.CITY and size is not None:
        row.problems.append(
            f"A city size band is given for a {kind}: only cities have one; leave it empty."
        )

    numbers, problem = _parse_actions(cell("actions"))
    if problem:
        row.problems.append(problem)
    if not row.problems and kind is not None and country is not None:
        row.data = OrgInput(
            name=name, kind=kind, country=country, size_band=size, action_numbers=numbers
        )
    return row


def _parse_actions(text: str) -> tuple[list[int], str | None]:
    parts = [p for p in re.split(r"[\s,;|/]+", text) if p]
    numbers = []
    for part in parts:
        if not part.isdigit() or not 1 <= int(part) <= 11:
            return [], (
                f"The action “{part}” is unknown: write action numbers 1 to 11 separated by "
                "spaces, e.g. “1 4 11”."
            )
        numbers.append(int(part))
    return sorted(set(numbers)), None


def _check_names(session: Session, report: ImportReport) -> None:
    """Duplicates within the file are errors; names already in the database are skipped."""
    existing = existing_names(session)
    first_seen: dict[str, int] = {}
    for row in report.rows:
        key = row.name.lower()
        if not key:
            continue
        if key in first_seen:
            row.problems.append(
                f"The name also appears on row {first_seen[key]}: each organisation may appear "
                "once; remove one of the rows."
            )
            row.data = None
            continue
        first_seen[key] = row.number
        if key in existing:
            row.skip_reason = SKIP_EXISTING


def commit(
    session: Session,
    report: ImportReport,
    *,
    by: User | None = None,
    actor: str | None = None,
    ip: str = "",
    progress: Callable[[int], object] | None = None,
) -> list[Organisation]:
    """Create every new organisation of a valid report (the caller commits, or rolls
    back: all or nothing) and audit "organisations.imported" once with the count."""
    if not report.is_valid:
        raise ValueError("the import has invalid rows; nothing may be created")
    created = []
    actions = {a.number: a for a in actions_by_number(session, range(1, 12))}
    for row in report.new_rows:
        assert row.data is not None
        org = Organisation(active=True)
        apply_input(session, org, row.data, actions)
        session.add(org)
        created.append(org)
        if progress:
            progress(1)
    session.flush()
    audit.record(
        session,
        "organisations.imported",
        user=by,
        actor=actor,
        ip=ip,
        count=len(created),
        skipped=len(report.skipped_rows),
        filename=report.filename[:200],
    )
    return created
