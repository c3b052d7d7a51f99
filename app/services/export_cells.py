"""Spreadsheet-safe cells: neutralise text that Excel or LibreOffice would run as a formula.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can be
read as a formula (CSV injection, e.g. ``=HYPERLINK(...)`` or ``-2+3+cmd|...``). Such text
is prefixed with ``'``, which both programs show as text. Plain numbers (``-12``,
``+3.5``) are left alone: they cannot carry a formula and must stay numbers.

Shared by the CSV and XLSX exports. (Another branch writes ``app/services/csv_safe.py``
for the same purpose; the two are to be merged into one module.)
"""

from __future__ import annotations

import re
from typing import Any

TRIGGERS = frozenset("=+-@\t\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def needs_neutralising(text: str) -> bool:
    return bool(text) and text[0] in TRIGGERS and not _PLAIN_NUMBER.fullmatch(text)


def safe_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula;
    anything that is not a string is returned as it is."""
    if type(value) is str and value and value[0] in TRIGGERS and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(row: list[Any]) -> list[Any]:
    """Every cell of ``row`` through ``safe_cell`` (the hot path of the exports)."""
    triggers, number = TRIGGERS, _PLAIN_NUMBER.fullmatch
    return [
        "'" + c if type(c) is str and c and c[0] in triggers and not number(c) else c for c in row
    ]
