"""The three tables, as generators of rows: wide (one row per response), long (one row
per answer) and the codebook (one row per question, option, item and scale point)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from ...definitions.answers import point_label, word
from ...definitions.model import text
from ...definitions.validate import is_scorable
from .catalogue import (
    LEADING_COLUMNS,
    Catalogue,
    QuestionColumns,
    answer_labels,
    country_name,
    placers,
)
from .options import ExportOptions
from .reading import Record

LONG_COLUMNS = (
    "response_id",
    "organisation",
    "question",
    "item_or_option",
    "value",
    "label",
    "other_text",
)
CODEBOOK_COLUMNS = (
    "question",
    "kind",
    "code",
    "text",
    "type",
    "section",
    "required",
    "conditions",
    "score",
    "theme_weights",
    "versions",
    "wide_columns",
)


def iso(moment: datetime | None) -> str:
    """UTC timestamps as ``2026-11-27T10:15:00Z``."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def excel_time(moment: datetime | None) -> datetime | None:
    """Excel has no time zones: naive UTC (the header says so)."""
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0) if moment else None


def wide_rows(
    catalogue: Catalogue, records: Iterable[Record], options: ExportOptions, *, typed: bool
) -> Iterator[list[Any]]:
    """The header, then one row per response. ``typed``: ids and times as numbers and
    datetimes (XLSX); otherwise every cell is text (CSV)."""
    header = catalogue.header(options.indicators)
    yield header
    place = placers(
        catalogue, labels=options.labels, lang=options.lang, indicators=options.indicators
    )
    width = len(header) - len(LEADING_COLUMNS)
    convert = excel_time if typed else iso
    for meta, answers in records:
        rid, reference, org, kind, country, size, state, submitted, accepted, version = meta
        row: list[Any] = [
            rid if typed else str(rid),
            reference,
            org,
            str(kind),
            country,
            str(size) if size else "",
            str(state),
            convert(submitted),
            convert(accepted),
            version if typed else str(version),
        ]
        row.extend([""] * width)
        for _rid, qid, item, value, other in answers:
            placer = place.get(qid)
            if placer is not None:
                placer(row, item, value, other)
        yield row


def long_rows(
    catalogue: Catalogue, records: Iterable[Record], options: ExportOptions
) -> Iterator[list[Any]]:
    """The header, then one row per answer (matrix: per item; multiple choice and
    ranking: per chosen option), in questionnaire order within each response."""
    yield list(LONG_COLUMNS)
    lang = options.lang
    refs = catalogue.by_id
    labels = {qid: answer_labels(ref.spec, lang) for qid, ref in refs.items()}
    item_order = {
        qid: {item["code"]: n for n, item in enumerate(ref.spec.get("items", []))}
        for qid, ref in refs.items()
    }
    for meta, answers in records:
        rid, org = str(meta[0]), meta[2]
        known = [a for a in answers if a[1] in refs]
        known.sort(key=lambda a: (refs[a[1]].position, item_order[a[1]].get(a[2], 0)))
        for _rid, qid, item, value, other in known:
            ref = refs[qid]
            qtype, names = ref.spec["type"], labels[qid]
            code = ref.info.code
            if qtype in ("multiple_choice", "ranking"):
                for rank, option in enumerate(value.split(";"), start=1):
                    shown = str(rank) if qtype == "ranking" else option
                    other_text = other if option == "other" else None
                    yield [rid, org, code, option, shown, names.get(option, option), other_text]
            elif qtype == "country":
                yield [rid, org, code, item, value, country_name(value), other]
            elif qtype == "number" and ref.spec.get("unit"):
                yield [rid, org, code, item, value, f"{value} {text(ref.spec['unit'], lang)}", None]
            else:
                yield [rid, org, code, item, value, names.get(value, ""), other]


# --- codebook ---------------------------------------------------------------------------


def condition_text(cond: dict[str, Any] | None) -> str:
    """A ``show_if`` as a readable expression: ``has_regulation = yes AND ...``."""
    if not cond:
        return ""
    for key, joiner in (("all", " AND "), ("any", " OR ")):
        if key in cond:
            parts = [condition_text(c) for c in cond[key]]
            return "(" + joiner.join(parts) + ")" if len(parts) > 1 else parts[0]
    question = cond["question"]
    if "equals" in cond:
        return f"{question} = {cond['equals']}"
    if "not_equals" in cond:
        return f"{question} != {cond['not_equals']}"
    if "any_of" in cond:
        return f"{question} in ({', '.join(cond['any_of'])})"
    return f"{question} {'answered' if cond.get('answered') else 'not answered'}"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _weights(weights: dict[str, float] | None) -> str:
    return "; ".join(f"{key}={_number(w)}" for key, w in (weights or {}).items())


def _question_rows(info: QuestionColumns, options: ExportOptions) -> Iterator[list[str]]:
    spec, lang, code = info.spec, options.lang, info.code
    columns = info.columns(options.indicators)
    conditions = [condition_text(info.section.get("show_if")), condition_text(spec.get("show_if"))]
    weights = info.weights.get("") or (spec.get("themes") if not is_scorable(spec) else None)
    versions = ";".join(str(v) for v in info.versions)
    yield [
        code,
        "question",
        code,
        text(spec["label"], lang),
        info.qtype,
        info.section["code"],
        "yes" if spec.get("required") else "no",
        " AND ".join(c for c in conditions if c),
        "",
        _weights(weights),
        versions,
        ";".join(columns),
    ]

    def row(
        kind: str, sub: str, label: str, score: str = "", themes: str = "", col: str = ""
    ) -> list[str]:
        return [code, kind, sub, label, "", "", "", "", score, themes, versions, col]

    scores = {o["code"]: o.get("score") for o in spec.get("options", [])}
    for option, label in info.options:
        column = f"{code}__{option}" if f"{code}__{option}" in columns else ""
        yield row("option", option, text(label, lang), _number(scores.get(option)), col=column)
    if info.has_other:
        column = f"{code}__other" if f"{code}__other" in columns else ""
        yield row("option", "other", word("other", lang), col=column)
    for item, label in info.items:
        themes = _weights(info.weights.get(item))
        yield row("item", item, text(label, lang), themes=themes, col=f"{code}__{item}")
    if info.qtype in ("likert", "matrix"):
        points = spec["points"]
        for point in range(1, points + 1):
            score = _number((point - 1) / (points - 1))
            yield row("point", str(point), point_label(spec, str(point), lang), score)
        if spec.get("dont_know"):
            yield row("point", "dk", word("dk", lang))
    if info.qtype == "yes_no":
        yield row("option", "yes", word("yes", lang), "1")
        yield row("option", "no", word("no", lang), "0")
    if info.qtype == "ranking":
        for rank in range(1, info.ranks + 1):
            yield row("rank", str(rank), f"Rank {rank}", col=f"{code}__rank{rank}")


def codebook_rows(catalogue: Catalogue, options: ExportOptions) -> Iterator[list[str]]:
    """The header, the leading columns of the wide table, then every question."""
    yield list(CODEBOOK_COLUMNS)
    for column in LEADING_COLUMNS:
        yield [
            "",
            "column",
            column,
            LEADING_DESCRIPTIONS[column],
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            column,
        ]
    for info in catalogue.questions:
        yield from _question_rows(info, options)


LEADING_DESCRIPTIONS = {
    "response_id": "Response number in Tympanum",
    "reference": "Reference shown to the respondents (e.g. T01-ABC234)",
    "organisation": "Name of the responding organisation",
    "organisation_kind": "city, region, member_state, eu_body, ngo, university, private, other",
    "country": "Country of the organisation (ISO 3166-1 alpha-2)",
    "city_size_band": "Cities only: small, medium, large, metropolitan",
    "state": "submitted, returned, accepted or rejected",
    "submitted_at": "When the response was submitted (UTC)",
    "accepted_at": "When a reviewer accepted it (UTC)",
    "questionnaire_version": "The questionnaire version answered",
}
