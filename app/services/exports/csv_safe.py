"""CSV that is safe to open in a spreadsheet: no formula injection.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some,
a tab or carriage return) as a formula, so a value typed by a user such as
``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` could act when an administrator opens an
export. Spreadsheets are lenient about what counts as that first character: some fold
look-alikes (the fullwidth ``＝＋－＠`` an East Asian keyboard types, small, superscript
and subscript forms, dashes and the minus sign) into the ASCII ones, and some skip
leading spaces, invisible characters and quotes before it. So every text cell is
prefixed with ``'`` (which spreadsheets show as text) when it starts with a tab or a
carriage return, or when its first character after any leading whitespace, control or
invisible formatting characters and quotation marks is one of ``= + - @`` or a
look-alike (``LOOK_ALIKES``). Numbers are not text and are written as they are, and
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
from unicodedata import category

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What a spreadsheet may read as = + - @: every character whose compatibility form (NFKC)
# starts with one of them (fullwidth, small, superscript, subscript), every dash (Unicode
# category Pd), and the minus, plus and equals signs of other blocks.
LOOK_ALIKES = frozenset(
    "\uff1d\ufe66\u207c\u208c\u2a75\u2a76\ua78a\U0001f7f0"  # ＝ ﹦ ⁼ ₌ ⩵ ⩶ ꞊ 🟰
    "\uff0b\ufe62\u207a\u208a\ufb29\u02d6\u2795"  # ＋ ﹢ ⁺ ₊ ﬩ ˖ ➕
    "\uff0d\ufe63\u207b\u208b\u2212\u02d7\u2052\u2796"  # － ﹣ ⁻ ₋ − ˗ ⁒ ➖
    "\u058a\u05be\u1400\u1806\u2010\u2011\u2012\u2013\u2014\u2015\u2e17\u2e1a"  # dashes
    "\u2e3a\u2e3b\u2e40\u2e5d\u301c\u3030\u30a0\ufe31\ufe32\ufe58\U00010ead"
    "\uff20\ufe6b"  # ＠ ﹫
)
TRIGGERS = frozenset(FORMULA_STARTS) | LOOK_ALIKES
# Skipped before the first character that counts, besides whitespace and the invisible
# (control and formatting) characters: quotation marks, but not the apostrophe, which
# makes the rest of the cell text (it is how a cell is neutralised).
QUOTES = frozenset('"\uff02\u201a\u201e')  # " ＂ ‚ „ (and categories Pi, Pf: “ ” « » ‘ ’)
_SKIPPED_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Pi", "Pf"})
BOM = "\ufeff"  # lets Excel recognise UTF-8
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def needs_neutralising(text: str) -> bool:
    """Whether a spreadsheet could take the text ``text`` for a formula (see above)."""
    return bool(text) and not text[0].isalnum() and _starts_like_a_formula(text)


def _starts_like_a_formula(text: str) -> bool:
    if text[0] not in "\t\r":
        for char in text:
            if char in QUOTES or char.isspace() or category(char) in _SKIPPED_CATEGORIES:
                continue
            if char not in TRIGGERS:
                return False
            break
        else:
            return False  # nothing but spaces, quotes and invisible characters
    return not _PLAIN_NUMBER.fullmatch(text)


def neutralise(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a
    formula; anything that is not a string is returned as it is (for XLSX cells)."""
    if type(value) is str and needs_neutralising(value):
        return "'" + value
    return value


def neutralise_row(row: list[Any]) -> list[Any]:
    """Every cell of ``row`` through ``neutralise`` (the hot path of the exports)."""
    formula = _starts_like_a_formula
    return [
        "'" + c if type(c) is str and c and not c[0].isalnum() and formula(c) else c for c in row
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
