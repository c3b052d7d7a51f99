"""Writing rows out: CSV as a stream of byte chunks, XLSX in openpyxl's write-only mode.

Every text cell goes through ``safe_row`` (formula injection); the csv module quotes
cells holding the delimiter, quotes or line breaks (Excel dialect, CRLF between rows).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from .csv_safe import neutralise as safe_cell
from .csv_safe import neutralise_row as safe_row

FLUSH_BYTES = 64 * 1024
EXCEL_CELL_LIMIT = 32_767


def csv_chunks(
    rows: Iterable[list[Any]], *, delimiter: str = ",", bom: bool = True
) -> Iterator[bytes]:
    """UTF-8 CSV in chunks of about 64 KB; the first chunk (the header) comes at once."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, dialect="excel", delimiter=delimiter)
    if bom:
        buffer.write("\ufeff")
    first = True
    for row in rows:
        writer.writerow(safe_row(row))
        if first or buffer.tell() >= FLUSH_BYTES:
            first = False
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def _date(value: Any) -> Any:
    """An ISO date answer as a date (Excel shows and sorts it as one); else unchanged."""
    if type(value) is not str or not value:
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        return value


def _number(value: Any) -> Any:
    if type(value) is not str or not value:
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def xlsx_cell(value: Any) -> Any:
    """A cell value openpyxl accepts and no spreadsheet runs as a formula."""
    if type(value) is not str:
        return value
    value = safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value[:EXCEL_CELL_LIMIT]


class XlsxWriter:
    """A write-only workbook: sheets are appended row by row and kept on disk."""

    def __init__(self) -> None:
        self.workbook = Workbook(write_only=True)
        self._bold = Font(bold=True)

    def sheet(
        self,
        title: str,
        rows: Iterable[list[Any]],
        typed: Mapping[int, str] | None = None,
    ) -> int:
        """Append ``rows`` (the first is the header) as a sheet; returns the data rows.
        ``typed``: column index -> "number" or "date", for text cells that hold one."""
        convert = {i: _date if kind == "date" else _number for i, kind in (typed or {}).items()}
        sheet = self.workbook.create_sheet(title)
        sheet.freeze_panes = "A2"
        count = -1
        for row in rows:
            if count < 0:
                cells: list[Any] = []
                for name in row:
                    cell = WriteOnlyCell(sheet, value=xlsx_cell(name))
                    cell.font = self._bold
                    cells.append(cell)
                sheet.append(cells)
            else:
                if convert:
                    row = [convert[i](v) if i in convert else v for i, v in enumerate(row)]
                sheet.append([xlsx_cell(v) for v in row])
            count += 1
        return max(count, 0)

    def save(self, target: str | IO[bytes]) -> None:
        self.workbook.save(target)
