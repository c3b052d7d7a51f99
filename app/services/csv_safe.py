"""CSV that is safe to open in a spreadsheet: no formula injection.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some,
a tab or carriage return) as a formula, so a value typed by a user such as
``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` could act when an administrator opens an
export. Every text cell starting with one of those characters is prefixed with ``'``,
which spreadsheets show as text. Numbers are not text and are written as they are, and
so is text that is just a plain number (``-12``, ``+3.5``: a number answer stored as
text): it cannot carry a formula and must stay a number in the spreadsheet.

One rule for every export (audit log, responses CSV and XLSX, results CSV).

Use ``safe_cell`` for one value, ``csv_rows`` to stream lines (e.g. from a Flask
``stream_with_context`` generator) and ``SafeWriter`` to write to an open file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TRIGGERS = frozenset(FORMULA_STARTS)
BOM = "\ufeff"  # lets Excel recognise UTF-8
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def needs_neutralising(text: str) -> bool:
    return bool(text) and text[0] in TRIGGERS and not _PLAIN_NUMBER.fullmatch(text)


def neutralise(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a
    formula; anything that is not a string is returned as it is (for XLSX cells)."""
    if type(value) is str and needs_neutralising(value):
        return "'" + value
    return value


def neutralise_row(row: list[Any]) -> list[Any]:
    """Every cell of ``row`` through ``neutralise`` (the hot path of the exports)."""
    triggers, number = TRIGGERS, _PLAIN_NUMBER.fullmatch
    return [
        "'" + c if type(c) is str and c and c[0] in triggers and not number(c) else c for c in row
    ]


def safe_cell(value: Any) -> str:
    """The text to write for ``value``: None as "", numbers as they are, dates in ISO
    8601, dicts and lists as compact JSON; text starting like a formula gets a ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list | tuple):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    else:
        text = str(value)
    return "'" + text if needs_neutralising(text) else text


class SafeWriter:
    """A ``csv.writer`` whose every cell goes through ``safe_cell``."""

    def __init__(self, stream: TextIO, **fmtparams: Any) -> None:
        self._writer = csv.writer(stream, **fmtparams)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_rows(
    rows: Iterable[Iterable[Any]],
    header: Iterable[str] | None = None,
    *,
    bom: bool = False,
    **fmtparams: Any,
) -> Iterator[str]:
    """Yield the CSV text line by line (header first), for streaming responses."""
    buffer = io.StringIO()
    writer = SafeWriter(buffer, **fmtparams)
    if bom:
        yield BOM
    if header is not None:
        writer.writerow(header)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()
