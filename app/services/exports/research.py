"""The researchers' extract (issue 18): an action's accepted responses, one row each,
suppressed and pseudonymised, as CSV and as SPSS (.sav) / Stata (.dta) files with the
codebook's labels, made only when an admin approves it (the view records who, for whom
and why in the audit log).

What leaves the platform:
- no organisation name, response id, reference or timestamp: a stable pseudonym per
  organisation (an HMAC of its id under the app's secret: the same organisation gets the
  same pseudonym in every extract, and it cannot be reversed without the secret);
- kind of organisation, country and city size band only where at least ``min_orgs``
  organisations of the extract share the value, else "other" (small groups recoded, the
  disclosure threshold of the public);
- free texts (open questions and "other, please say" answers) only from organisations
  that agreed to be quoted (``Response.quote_consent``), else empty;
- coded answers as numbers with the codebook's labels as value labels (SPSS, Stata),
  and the column labels (the questions' texts), in the language asked for (English,
  German, French or Italian; English where a text lacks that language).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ...i18n import N_, pick, translate
from ...models import Action, QuoteConsent, Response
from .catalogue import LEADING_COLUMNS, Catalogue, answer_labels
from .csv_safe import csv_rows
from .layouts import wide_rows
from .options import ExportOptions, Filters
from .reading import iter_records

TEXT_TYPES = ("short_text", "long_text")
CODED_TYPES = ("single_choice", "likert", "matrix", "yes_no")
SMALL = "other"  # what a value held by too few organisations becomes
QUASI = ("organisation_kind", "country", "city_size_band")
DONT_KNOW = -1
# The leading columns' labels (translated into the extract's language).
LEADING_LABELS = {
    "organisation": N_("Organisation (pseudonym)"),
    "organisation_kind": N_("Kind of organisation"),
    "country": N_("Country (ISO 3166-1)"),
    "city_size_band": N_("City size band"),
    "questionnaire_version": N_("Questionnaire version"),
}


@dataclass
class Extract:
    """The extract's columns and rows (numbers where coded), column labels and value
    labels (column -> {number: label})."""

    columns: list[str]
    rows: list[list[Any]]
    column_labels: dict[str, str]
    value_labels: dict[str, dict[int, str]]

    def csv(self) -> str:
        return "".join(csv_rows([self.columns, *self.rows], lineterminator="\r\n"))

    def spss(self) -> bytes:
        return self._write("sav")

    def stata(self) -> bytes:
        return self._write("dta")

    def _write(self, kind: str) -> bytes:
        import pandas as pd  # heavy: only for the statistics formats
        import pyreadstat

        frame = pd.DataFrame(self.rows, columns=self.columns)
        for column in self.value_labels:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, f"extract.{kind}")
            labels: dict[str, str | None] = {c: self.column_labels.get(c, "") for c in self.columns}
            values = {c: {float(k): v for k, v in m.items()} for c, m in self.value_labels.items()}
            if kind == "sav":
                pyreadstat.write_sav(
                    frame, path, column_labels=labels, variable_value_labels=values
                )
            else:
                pyreadstat.write_dta(
                    frame,
                    path,
                    column_labels=[(labels[c] or "")[:80] for c in self.columns],
                    variable_value_labels=values,
                    version=15,
                )
            with open(path, "rb") as handle:
                return handle.read()


def pseudonym(organisation_id: int, secret: str) -> str:
    """A stable, irreversible pseudonym for an organisation: ``ORG-`` and 10 hex digits."""
    digest = hmac.new(secret.encode(), f"organisation:{organisation_id}".encode(), hashlib.sha256)
    return f"ORG-{digest.hexdigest()[:10]}"


def _codes(spec: dict[str, Any], lang: str) -> dict[str, tuple[int, str]]:
    """A coded question's stored values -> (number, label)."""
    labels = answer_labels(spec, lang)
    qtype = spec["type"]
    if qtype in ("likert", "matrix"):
        return {v: (DONT_KNOW if v == "dk" else int(v), label) for v, label in labels.items()}
    if qtype == "yes_no":
        return {"yes": (1, labels["yes"]), "no": (0, labels["no"])}
    return {value: (index, label) for index, (value, label) in enumerate(labels.items(), 1)}


def researcher_extract(
    session: Session,
    action: Action,
    catalogue: Catalogue,
    *,
    secret: str,
    min_orgs: int,
    lang: str = "en",
) -> Extract:
    """The suppressed, pseudonymised extract of ``action``'s accepted responses, its
    column and value labels in ``lang``."""
    meta = {
        rid: (org, consent)
        for rid, org, consent in session.execute(
            select(Response.id, Response.organisation_id, Response.quote_consent).where(
                Response.questionnaire_id == catalogue.questionnaire_id
            )
        )
    }
    records = iter_records(cast(Engine, session.get_bind()), catalogue.questionnaire_id, Filters())
    wide = wide_rows(catalogue, records, ExportOptions(), typed=False)
    header = next(wide)
    index = {name: i for i, name in enumerate(header)}
    text_columns: set[str] = set()
    coded: dict[str, dict[str, tuple[int, str]]] = {}
    column_labels = {column: translate(label, lang) for column, label in LEADING_LABELS.items()}
    for info in catalogue.questions:
        label = pick(info.spec.get("label"), lang)
        for column in info.columns(False):
            column_labels[column] = label
            if column.endswith("__other") or info.qtype in TEXT_TYPES:
                text_columns.add(column)
            elif info.qtype in CODED_TYPES:
                coded[column] = _codes(info.spec, lang)
        if info.qtype == "matrix":
            for item, item_label in info.items:
                column_labels[f"{info.code}__{item}"] = f"{label}: {pick(item_label, lang) or item}"
    kept = ["organisation", *QUASI, "questionnaire_version"]
    columns = kept + [c for c in header[len(LEADING_COLUMNS) :]]
    rows: list[list[Any]] = []
    orgs: list[int] = []
    for row in wide:
        rid = int(row[index["response_id"]])
        org, consent = meta[rid]
        quotable = consent in (QuoteConsent.NAMED, QuoteConsent.ANONYMOUS)
        out: list[Any] = [pseudonym(org, secret)]
        out += [row[index[c]] for c in kept[1:]]
        for column in columns[len(kept) :]:
            value = row[index[column]]
            if column in text_columns and not quotable:
                value = ""
            elif column in coded and value != "":
                value = coded[column].get(value, (None, ""))[0]
            out.append(value)
        rows.append(out)
        orgs.append(org)
    _recode_small(rows, orgs, [kept.index(c) for c in QUASI], min_orgs)
    value_labels = {
        column: {number: label for number, label in mapping.values()}
        for column, mapping in coded.items()
    }
    return Extract(columns, rows, column_labels, value_labels)


def _recode_small(rows: list[list[Any]], orgs: Sequence[int], positions: list[int], k: int) -> None:
    """Values of a quasi-identifier held by fewer than ``k`` organisations become "other"."""
    for position in positions:
        holders: dict[Any, set[int]] = {}
        for row, org in zip(rows, orgs, strict=True):
            holders.setdefault(row[position], set()).add(org)
        small = {value for value, who in holders.items() if value != "" and len(who) < k}
        for row in rows:
            if row[position] in small:
                row[position] = SMALL


def csv_bytes(extract: Extract) -> bytes:
    return ("\ufeff" + extract.csv()).encode()
