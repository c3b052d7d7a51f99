"""The questions of a questionnaire across all its published versions, and the wide
table's columns: one set of columns per question code, stable across versions.

Question codes are the union over every published (or archived) version, in
questionnaire order: the newest version's order, with codes that only older versions
have placed after the code that preceded them there. A question's columns follow its
newest definition; options, items and ranks are the union over the versions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...countries import country_name
from ...definitions.answers import option_label, point_label, word
from ...models import (
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Theme,
    ThemeWeight,
    VersionStatus,
)

LEADING_COLUMNS = (
    "response_id",
    "reference",
    "organisation",
    "organisation_kind",
    "country",
    "city_size_band",
    "state",
    "submitted_at",
    "accepted_at",
    "questionnaire_version",
)

# place(row, item, value, other_text): writes one stored answer into a wide row.
Placer = Callable[[list[Any], str, str, str | None], None]


@dataclass
class QuestionColumns:
    """One question code across the versions that have it."""

    code: str
    spec: dict[str, Any]  # the newest version's definition of the question
    section: dict[str, Any]  # the newest version's section (code, title, show_if)
    versions: list[int] = field(default_factory=list)
    options: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    items: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    has_other: bool = False
    ranks: int = 0
    # option -> version -> its score there (None: offered without a score)
    option_scores: dict[str, dict[int, float | None]] = field(default_factory=dict)
    # item ("" for the question) -> theme key -> weight, from the newest version
    weights: dict[str, dict[str, float]] = field(default_factory=dict)
    # version -> item -> theme key -> weight (for the codebook's per-version rows)
    version_weights: dict[int, dict[str, dict[str, float]]] = field(default_factory=dict)

    @property
    def qtype(self) -> str:
        return str(self.spec["type"])

    def columns(self, indicators: bool) -> list[str]:
        code, qtype = self.code, self.qtype
        if qtype == "matrix":
            return [f"{code}__{item}" for item, _ in self.items]
        if qtype == "ranking":
            return [f"{code}__rank{n}" for n in range(1, self.ranks + 1)]
        result = [code]
        if qtype == "multiple_choice" and indicators:
            result += [f"{code}__{option}" for option, _ in self.options]
        if qtype in ("single_choice", "multiple_choice") and self.has_other:
            result.append(f"{code}__other")
        return result


@dataclass
class QuestionRef:
    """One question row of one version, as answers point at it."""

    info: QuestionColumns
    spec: dict[str, Any]
    position: int
    version: int


@dataclass
class Catalogue:
    """Plain values only (no ORM objects), so streaming never touches the session."""

    questionnaire_id: int
    questionnaire_code: str
    questions: list[QuestionColumns]  # in questionnaire order
    by_id: dict[int, QuestionRef]
    versions: list[int]

    def header(self, indicators: bool) -> list[str]:
        columns = list(LEADING_COLUMNS)
        for info in self.questions:
            columns += info.columns(indicators)
        return columns

    def typed_columns(self, indicators: bool, labels: bool) -> dict[int, str]:
        """Index -> "number" or "date" for the wide columns a spreadsheet should get as
        numbers and dates (typed XLSX cells): ids and versions, number answers, scale
        and matrix points (when written as codes: "dk" stays text), 0/1 option columns,
        and date answers."""
        kinds: dict[str, str] = {}
        for info in self.questions:
            qtype = info.qtype
            if qtype == "number" or (qtype in ("likert", "matrix") and not labels):
                kinds.update(dict.fromkeys(info.columns(indicators), "number"))
            elif qtype == "date":
                kinds[info.code] = "date"
            elif qtype == "multiple_choice" and indicators:
                kinds.update({f"{info.code}__{option}": "number" for option, _ in info.options})
        header = self.header(indicators)
        typed = {0: "number", len(LEADING_COLUMNS) - 1: "number"}
        typed.update({i: kinds[name] for i, name in enumerate(header) if name in kinds})
        return typed


def merge_in_order(target: list[str], codes: Iterable[str]) -> None:
    """Add ``codes`` missing from ``target``, each after the code that precedes it in
    ``codes`` (or first), so every version's relative order is kept where it can be."""
    previous: str | None = None
    for code in codes:
        if code not in target:
            target.insert(target.index(previous) + 1 if previous is not None else 0, code)
        previous = code


def load_catalogue(session: Session, questionnaire: Questionnaire) -> Catalogue:
    versions = list(
        session.scalars(
            select(QuestionnaireVersion)
            .where(
                QuestionnaireVersion.questionnaire_id == questionnaire.id,
                QuestionnaireVersion.status != VersionStatus.DRAFT,
            )
            .order_by(QuestionnaireVersion.number.desc())
        )
    )
    rows = session.execute(
        select(Question, QuestionnaireVersion.number)
        .join(Question.version)
        .where(Question.version_id.in_([v.id for v in versions]))
        .order_by(QuestionnaireVersion.number.desc(), Question.position)
    ).all()
    sections = {
        (v.number, s["code"]): {k: s.get(k) for k in ("code", "title", "show_if")}
        for v in versions
        for s in v.definition["sections"]
    }
    order: list[str] = []
    infos: dict[str, QuestionColumns] = {}
    by_id: dict[int, QuestionRef] = {}
    newest_ids: dict[int, QuestionColumns] = {}
    for number in [v.number for v in versions]:
        questions = [q for q, n in rows if n == number]
        merge_in_order(order, [q.code for q in questions])
        for question in questions:
            spec = question.spec
            info = infos.get(question.code)
            if info is None:
                info = infos[question.code] = QuestionColumns(
                    code=question.code,
                    spec=spec,
                    section=sections[(number, question.section_code)],
                )
                newest_ids[question.id] = info
            info.versions.insert(0, number)
            _merge_choices(info, spec, number)
            by_id[question.id] = QuestionRef(info, spec, question.position, number)
    _load_weights(session, newest_ids, by_id)
    return Catalogue(
        questionnaire_id=questionnaire.id,
        questionnaire_code=questionnaire.code,
        questions=[infos[code] for code in order],
        by_id=by_id,
        versions=sorted(v.number for v in versions),
    )


def _merge_choices(info: QuestionColumns, spec: dict[str, Any], version: int) -> None:
    for key, target in (("options", info.options), ("items", info.items)):
        known = [code for code, _ in target]
        entries = {e["code"]: e["label"] for e in spec.get(key, [])}
        merge_in_order(known, list(entries))
        labels = dict(target)
        target[:] = [(code, labels.get(code) or entries[code]) for code in known]
    for option in spec.get("options", []):
        info.option_scores.setdefault(option["code"], {})[version] = option.get("score")
    info.has_other = info.has_other or bool(spec.get("other"))
    if spec["type"] == "ranking":
        info.ranks = max(info.ranks, len(spec["options"]))


def _load_weights(
    session: Session, newest_ids: dict[int, QuestionColumns], by_id: dict[int, QuestionRef]
) -> None:
    if not by_id:
        return
    rows = session.execute(
        select(ThemeWeight.question_id, ThemeWeight.item, Theme.key, ThemeWeight.weight)
        .join(Theme, Theme.id == ThemeWeight.theme_id)
        .where(ThemeWeight.question_id.in_(list(by_id)))
        .order_by(Theme.position)
    )
    for question_id, item, key, weight in rows:
        ref = by_id[question_id]
        ref.info.version_weights.setdefault(ref.version, {}).setdefault(item, {})[key] = weight
        if question_id in newest_ids:
            newest_ids[question_id].weights.setdefault(item, {})[key] = weight


# --- placing answers into wide rows ------------------------------------------------------


def answer_labels(spec: dict[str, Any], lang: str) -> dict[str, str]:
    """Stored value -> label, for the types whose values are codes."""
    qtype = spec["type"]
    if qtype in ("single_choice", "multiple_choice", "ranking"):
        labels = {o["code"]: option_label(spec, o["code"], lang) for o in spec["options"]}
        labels["other"] = word("other", lang)
        return labels
    if qtype in ("likert", "matrix"):
        points = [str(p) for p in range(1, spec["points"] + 1)] + ["dk"]
        return {p: point_label(spec, p, lang) for p in points}
    if qtype == "yes_no":
        return {"yes": word("yes", lang), "no": word("no", lang)}
    return {}


def make_placer(
    ref: QuestionRef, index: dict[str, int], *, labels: bool, lang: str, indicators: bool
) -> Placer:
    """The function that writes this question's stored answers into a wide row."""
    info, spec = ref.info, ref.spec
    code, qtype = info.code, info.qtype
    names = answer_labels(spec, lang) if labels else {}
    other_col = index.get(f"{code}__other")
    if spec["type"] != qtype:  # the type changed between versions: keep the raw value
        first = index[info.columns(indicators)[0]]

        def place_raw(row: list[Any], item: str, value: str, other: str | None) -> None:
            row[first] = f"{item}: {value}" if item else value

        return place_raw

    def show(value: str) -> str:
        return names.get(value, value) if labels else value

    if qtype == "matrix":
        columns = {item: index[f"{code}__{item}"] for item, _ in info.items}

        def place_matrix(row: list[Any], item: str, value: str, other: str | None) -> None:
            if item in columns:
                row[columns[item]] = show(value)

        return place_matrix
    if qtype == "ranking":
        ranks = [index[f"{code}__rank{n}"] for n in range(1, info.ranks + 1)]

        def place_ranking(row: list[Any], item: str, value: str, other: str | None) -> None:
            for column, option in zip(ranks, value.split(";"), strict=False):
                row[column] = show(option)

        return place_ranking
    main = index[code]
    if qtype == "multiple_choice":
        # 0/1 for the options this version offered; options it lacked stay empty.
        offered = {o["code"] for o in spec["options"]}
        flags = (
            [
                (option, index[f"{code}__{option}"])
                for option, _ in info.options
                if option in offered
            ]
            if indicators
            else []
        )

        def place_multiple(row: list[Any], item: str, value: str, other: str | None) -> None:
            chosen = value.split(";")
            row[main] = "; ".join(show(c) for c in chosen) if labels else value
            for option, column in flags:
                row[column] = "1" if option in chosen else "0"
            if other_col is not None and other:
                row[other_col] = other

        return place_multiple
    if qtype == "country" and labels:

        def place_country(row: list[Any], item: str, value: str, other: str | None) -> None:
            row[main] = country_name(value, lang)

        return place_country

    def place_value(row: list[Any], item: str, value: str, other: str | None) -> None:
        row[main] = names.get(value, value) if names else value
        if other_col is not None and other:
            row[other_col] = other

    return place_value


def placers(
    catalogue: Catalogue, *, labels: bool, lang: str, indicators: bool
) -> dict[int, Placer]:
    index = {name: i for i, name in enumerate(catalogue.header(indicators))}
    return {
        qid: make_placer(ref, index, labels=labels, lang=lang, indicators=indicators)
        for qid, ref in catalogue.by_id.items()
    }
