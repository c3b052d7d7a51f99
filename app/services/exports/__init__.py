"""Exports of an action's responses: wide, long and codebook CSV, and the XLSX workbook.

Everything streams: responses are read in chunks (``reading``), turned into rows
(``layouts``, over the question ``catalogue``) and written out as they come
(``writers``, every text cell through ``csv_safe``), so memory does not grow with the
number of responses; ``options`` is what an export is asked for. Plain functions: the
caller checks access (``app.authz.can_export_action``) and writes the audit entry.
The results' theme figures as CSV, JSON and text tables are ``figures``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import IO, Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ...models import Action, utcnow
from ..questionnaires.versions import questionnaire_for_action
from .catalogue import Catalogue, load_catalogue
from .layouts import CODEBOOK_COLUMNS, codebook_rows, iso, long_rows, wide_rows
from .options import (
    DELIMITERS,
    LANGUAGES,
    ExportOptionError,
    ExportOptions,
    Filters,
    Format,
    Layout,
    StateFilter,
)
from .reading import count_responses, iter_records
from .writers import XlsxWriter, csv_chunks

__all__ = [
    "CSV_MIMETYPE",
    "XLSX_MIMETYPE",
    "DELIMITERS",
    "LANGUAGES",
    "ExportOptionError",
    "ExportOptions",
    "Filters",
    "Format",
    "Layout",
    "StateFilter",
    "count",
    "csv_stream",
    "filename",
    "load_catalogue",
    "questionnaire_for_action",
    "action_label",
    "prepare",
    "write_xlsx",
    "xlsx_stream",
]

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Progress = Callable[[int], None]


def filename(action_number: int, options: ExportOptions, today: date) -> str:
    """``tympanum-action-01-wide-2026-11-27.csv``; the workbook has no layout in its name."""
    if options.format == Format.XLSX:
        return f"tympanum-action-{action_number:02d}-{today.isoformat()}.xlsx"
    return f"tympanum-action-{action_number:02d}-{options.layout.value}-{today.isoformat()}.csv"


def count(engine: Engine, questionnaire_id: int, filters: Filters) -> int:
    """How many responses the filters select (for progress bars)."""
    with engine.connect() as plain:
        conn = plain.execution_options(sqlite_deferred=True)
        with conn.begin():
            return count_responses(conn, questionnaire_id, filters)


def csv_stream(
    engine: Engine,
    catalogue: Catalogue,
    options: ExportOptions,
    *,
    progress: Progress | None = None,
) -> Iterator[bytes]:
    """The CSV of ``options.layout`` as byte chunks."""
    if options.layout == Layout.CODEBOOK:
        rows: Iterator[list[Any]] = codebook_rows(catalogue, options)
    else:
        records = iter_records(
            engine, catalogue.questionnaire_id, options.filters, progress=progress
        )
        if options.layout == Layout.WIDE:
            rows = wide_rows(catalogue, records, options, typed=False)
        else:
            rows = long_rows(catalogue, records, options)
    return csv_chunks(rows, delimiter=options.delimiter, bom=options.bom)


def action_label(action: Action) -> str:
    return f"{action.number} – {action.title}"


def about_rows(
    action: str,
    catalogue: Catalogue,
    options: ExportOptions,
    *,
    exported_at: datetime,
    exported_by: str,
    responses: int,
) -> list[list[Any]]:
    filters = options.filters.describe()
    return [
        ["field", "value"],
        ["action", action],
        ["questionnaire", catalogue.questionnaire_code],
        ["versions", ", ".join(str(v) for v in catalogue.versions)],
        ["exported_at", iso(exported_at)],
        ["exported_by", exported_by],
        ["responses", responses],
        ["state", filters["state"]],
        ["submitted_from", filters["submitted_from"] or ""],
        ["submitted_to", filters["submitted_to"] or ""],
        ["organisation_kind", filters["org_kind"] or ""],
        ["country", filters["country"] or ""],
        ["answers", "labels" if options.labels else "codes"],
        ["headers", "labels" if options.label_headers else "codes"],
        ["language", options.lang],
        ["option_columns", "yes" if options.indicators else "no"],
    ]


def write_xlsx(
    engine: Engine,
    catalogue: Catalogue,
    options: ExportOptions,
    target: str | IO[bytes],
    *,
    action: str,
    exported_by: str,
    exported_at: datetime | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the workbook (sheets responses, codebook, about); returns the response count."""
    exported_at = exported_at or utcnow()
    writer = XlsxWriter()
    records = iter_records(engine, catalogue.questionnaire_id, options.filters, progress=progress)
    responses = writer.sheet(
        "responses",
        wide_rows(catalogue, records, options, typed=True),
        typed=catalogue.typed_columns(options.indicators, options.labels),
    )
    # The score column: option and point scores as numbers (a range stays text).
    writer.sheet(
        "codebook",
        codebook_rows(catalogue, options),
        typed={CODEBOOK_COLUMNS.index("score"): "number"},
    )
    writer.sheet(
        "about",
        about_rows(
            action,
            catalogue,
            options,
            exported_at=exported_at,
            exported_by=exported_by,
            responses=responses,
        ),
    )
    writer.save(target)
    return responses


def xlsx_stream(
    engine: Engine,
    catalogue: Catalogue,
    options: ExportOptions,
    *,
    action: str,
    exported_by: str,
    chunk_size: int = 64 * 1024,
) -> Iterator[bytes]:
    """The workbook as byte chunks. A ZIP is only complete at its end, so it is built in
    a temporary file (write-only mode keeps memory flat) and then sent."""
    with tempfile.TemporaryFile() as handle:
        write_xlsx(engine, catalogue, options, handle, action=action, exported_by=exported_by)
        handle.seek(0)
        while chunk := handle.read(chunk_size):
            yield chunk


def prepare(session: Session, action: Action) -> Catalogue | None:
    """The catalogue of the action's questionnaire; None when it has none yet."""
    questionnaire = questionnaire_for_action(session, action.number)
    if questionnaire is None:
        return None
    return load_catalogue(session, questionnaire)
