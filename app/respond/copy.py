"""The respondent's copy of a submitted response: the answers as a PDF (HTML rendered by
WeasyPrint) and as CSV, in a chosen language, with the reference number, version and
submission time. Questions hidden by a condition are left out, as on the receipt.

Used by the respondents' pages (their organisation's response) and the review page (the
reviewers of the action): the views decide who may download; this module only renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Response as HttpResponse
from flask import current_app, render_template
from flask_babel import get_locale

from ..definitions import answers as codec
from ..definitions.model import text
from ..i18n import in_language
from ..labels import numbered_title
from ..models import Response
from ..services.exports.csv_safe import csv_rows
from ..services.responding.responses import definition_of, stored_values

CSV_HEADER = ["reference", "version", "section", "question_code", "question", "answer"]


@dataclass(frozen=True)
class CopyQuestion:
    code: str
    label: str
    answer: str  # "" when not answered


@dataclass(frozen=True)
class CopySection:
    title: str
    questions: list[CopyQuestion]


@dataclass(frozen=True)
class Copy:
    response: Response
    title: str
    organisation: str
    lang: str
    sections: list[CopySection]


def language(wanted: str | None, fallback: str) -> str:
    """``wanted`` if the app offers it, else ``fallback``."""
    languages = current_app.config["LANGUAGES"]
    return wanted if wanted is not None and wanted in languages else fallback


def build(session: Any, response: Response, lang: str) -> Copy:
    """Every visible question of the response with its answer in ``lang``."""
    defn = definition_of(response)
    values, other = stored_values(session, response)
    shown = codec.visible_codes(defn, values)
    sections = []
    for section in defn.sections:
        questions = [
            CopyQuestion(
                q["code"],
                text(q["label"], lang),
                codec.display(q, values.get(q["code"]), other.get(q["code"]), lang),
            )
            for q in section["questions"]
            if q["code"] in shown
        ]
        if questions:
            sections.append(CopySection(text(section["title"], lang), questions))
    with in_language(lang):
        title = numbered_title(response.questionnaire.action.number, defn.title(lang))
    return Copy(
        response=response,
        title=title,
        organisation=response.org_name or response.organisation.name,
        lang=lang,
        sections=sections,
    )


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> Any:
    """WeasyPrint's URL fetcher: the copy is self-contained, so nothing is fetched (no
    file, no network: an answer's text can never make the server read a URL)."""
    raise ValueError(f"the respondent's copy fetches no resource ({url[:40]})")


def pdf(copy: Copy) -> bytes:
    """The copy as a PDF document."""
    import weasyprint  # imported when used: it loads Pango, which the other pages never need

    with in_language(copy.lang):
        html = render_template("respond/copy.html", copy=copy, generated=datetime.now(UTC))
    document = weasyprint.HTML(string=html, url_fetcher=_no_fetching)
    return bytes(document.write_pdf())


def csv_text(copy: Copy) -> str:
    """The copy as CSV: one row per visible question (CRLF, formula-safe, with a BOM)."""
    response = copy.response
    rows = [
        [response.reference, response.version.number, s.title, q.code, q.label, q.answer]
        for s in copy.sections
        for q in s.questions
    ]
    return "".join(csv_rows(rows, CSV_HEADER, bom=True, lineterminator="\r\n"))


def filename(copy: Copy, extension: str) -> str:
    return f"tympanum-{copy.response.reference}-{copy.lang}.{extension}"


def download(session: Any, response: Response, fmt: str, wanted: str | None) -> HttpResponse:
    """The copy as a download (``fmt`` pdf or csv) in ``wanted`` or the page's language."""
    made = build(session, response, language(wanted, str(get_locale() or "en")))
    if fmt == "pdf":
        body: bytes | str = pdf(made)
        mimetype = "application/pdf"
    else:
        body, mimetype = csv_text(made), "text/csv"
    return HttpResponse(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename(made, fmt)}"',
            "Cache-Control": "no-store",
        },
    )
