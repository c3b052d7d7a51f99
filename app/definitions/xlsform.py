"""XLSForm workbooks (the survey/choices/settings sheets of ODK and KoboToolbox) to and
from the definition format.

What corresponds is mapped both ways: sections are groups; select_one, select_multiple
(with ``or_other``), rank, integer, decimal, text (``multiline``: long text) and date are
their own types; yes/no is ``select_one yes_no``; a likert scale is a ``select_one`` of
points with the ``likert`` appearance; a matrix is a ``table-list`` group of such rows;
a country is ``select_one_from_file countries.csv``; ``show_if`` is ``relevant``;
ranges and lengths are ``constraint``; texts in each language are ``label::English
(en)`` and the like. What XLSForm has no place for (option scores, theme weights, the
scoring range, units, the action) travels in extra columns (``score``, ``themes``,
``scoring``, ``unit::...``) and settings (``action``) that ODK and KoboToolbox ignore, so
export then import is a round trip. Anything of a workbook without an equivalent is
reported by sheet and row, never dropped silently."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from openpyxl import Workbook, load_workbook

from .model import Definition
from .validate import DefinitionError, ValidationResult, validate_text

LANGS = ("en", "de", "fr", "it")
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "it": "Italiano"}
COUNTRIES_FILE = "countries.csv"
YES_NO = "yes_no"
# Question types of the metadata XLSForm records by itself: nothing to ask, ignored.
METADATA_TYPES = {
    "start", "end", "today", "deviceid", "username", "simserial", "subscriberid",
    "phonenumber", "audit", "start-geopoint", "background-audio",
}  # fmt: skip
SURVEY_COLUMNS = (
    "type", "name", *(f"label::{LANGUAGE_NAMES[c]} ({c})" for c in LANGS),
    *(f"hint::{LANGUAGE_NAMES[c]} ({c})" for c in LANGS), "required", "relevant",
    "appearance", "constraint", "themes", "scoring", *(f"unit::{LANGUAGE_NAMES[c]} ({c})" for c in LANGS),
)  # fmt: skip
CHOICE_COLUMNS = (
    "list_name",
    "name",
    *(f"label::{LANGUAGE_NAMES[c]} ({c})" for c in LANGS),
    "score",
)
YES_NO_WORDS = {
    "yes": {"en": "Yes", "de": "Ja", "fr": "Oui", "it": "Sì"},
    "no": {"en": "No", "de": "Nein", "fr": "Non", "it": "No"},
}
DONT_KNOW = {"en": "Don't know", "de": "Weiß nicht", "fr": "Je ne sais pas", "it": "Non so"}


class XLSFormError(ValueError):
    """A workbook that cannot be read at all (not an XLSX file, no survey sheet)."""


@dataclass
class Report:
    """What an export or import could not map: ``problems`` stop an import,
    ``notes`` are told (rows ignored, columns kept only for Tympanum)."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --- export ---------------------------------------------------------------------------


def _texts(prefix: str, value: dict[str, str] | None) -> dict[str, str]:
    return {f"{prefix}::{LANGUAGE_NAMES[c]} ({c})": (value or {}).get(c, "") for c in LANGS}


def _quote(value: str) -> str:
    return "'" + str(value).replace("'", "") + "'"


def relevant(cond: dict[str, Any], defn: Definition) -> str:
    """A ``show_if`` condition as an XLSForm ``relevant`` expression."""
    for combinator, word in (("all", " and "), ("any", " or ")):
        if combinator in cond:
            return "(" + word.join(relevant(c, defn) for c in cond[combinator]) + ")"
    code = cond["question"]
    ref = "${" + code + "}"
    many = defn.by_code.get(code, {}).get("type") in ("multiple_choice", "ranking")
    if "answered" in cond:
        return f"{ref} != ''" if cond["answered"] else f"{ref} = ''"
    if "any_of" in cond:
        return "(" + " or ".join(f"selected({ref}, {_quote(v)})" for v in cond["any_of"]) + ")"
    if "equals" in cond:
        value = _quote(cond["equals"])
        return f"selected({ref}, {value})" if many else f"{ref} = {value}"
    value = _quote(cond["not_equals"])
    return f"not(selected({ref}, {value}))" if many else f"{ref} != {value}"


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _constraint(q: dict[str, Any]) -> str:
    parts = []
    qtype = q["type"]
    if qtype == "number":
        if "min" in q:
            parts.append(f". >= {_number(q['min'])}")
        if "max" in q:
            parts.append(f". <= {_number(q['max'])}")
    elif qtype == "date":
        if "min" in q:
            parts.append(f". >= date('{q['min']}')")
        if "max" in q:
            parts.append(f". <= date('{q['max']}')")
    elif qtype == "multiple_choice":
        if "min" in q:
            parts.append(f"count-selected(.) >= {q['min']}")
        if "max" in q:
            parts.append(f"count-selected(.) <= {q['max']}")
    elif qtype in ("short_text", "long_text"):
        parts.append(f"string-length(.) <= {q['max_length']}")
    return " and ".join(parts)


def _themes(themes: dict[str, float] | None) -> str:
    return " ".join(f"{k}:{_number(v)}" for k, v in (themes or {}).items())


def _scale(q: dict[str, Any], list_name: str) -> list[dict[str, Any]]:
    """The choices of a likert (or matrix) scale: its points, then "don't know"."""
    rows = []
    for point in range(1, q["points"] + 1):
        label = {"en": str(point)}
        if q.get("point_labels"):
            label = q["point_labels"][point - 1]
        elif q.get("labels") and point == 1:
            label = q["labels"]["low"]
        elif q.get("labels") and point == q["points"]:
            label = q["labels"]["high"]
        rows.append({"list_name": list_name, "name": str(point), **_texts("label", label)})
    if q.get("dont_know"):
        rows.append({"list_name": list_name, "name": "dk", **_texts("label", DONT_KNOW)})
    return rows


def _question_rows(
    q: dict[str, Any], defn: Definition, choices: list[dict[str, Any]], report: Report
) -> list[dict[str, Any]]:
    qtype, code = q["type"], q["code"]
    row: dict[str, Any] = {
        "name": code,
        **_texts("label", q["label"]),
        **_texts("hint", q.get("help")),
        "required": "yes" if q.get("required") else "",
        "relevant": relevant(q["show_if"], defn) if q.get("show_if") else "",
        "constraint": _constraint(q),
        "themes": _themes(q.get("themes")),
    }
    other = " or_other" if q.get("other") else ""
    if qtype in ("single_choice", "multiple_choice", "ranking"):
        kind = {"single_choice": "select_one", "multiple_choice": "select_multiple"}.get(
            qtype, "rank"
        )
        row["type"] = f"{kind} {code}{other}"
        for option in q["options"]:
            choices.append(
                {
                    "list_name": code,
                    "name": option["code"],
                    **_texts("label", option["label"]),
                    "score": _number(option["score"]) if "score" in option else "",
                }
            )
    elif qtype == "yes_no":
        row["type"] = f"select_one {YES_NO}"
    elif qtype == "likert":
        row["type"] = f"select_one likert_{code}"
        row["appearance"] = "likert"
        choices.extend(_scale(q, f"likert_{code}"))
    elif qtype == "matrix":
        row["type"] = "begin_group"
        row["appearance"] = "table-list"
        choices.extend(_scale(q, f"likert_{code}"))
        items = [
            {
                "type": f"select_one likert_{code}",
                "name": f"{code}__{item['code']}",
                **_texts("label", item["label"]),
                "appearance": "likert",
                "themes": _themes(item.get("themes")),
            }
            for item in q["items"]
        ]
        report.notes.append(
            f"question {code}: a matrix, exported as a table-list group of likert rows"
        )
        return [row, *items, {"type": "end_group", "name": code}]
    elif qtype == "number":
        row["type"] = "integer" if q.get("integer", True) else "decimal"
        row.update(_texts("unit", q.get("unit")))
        if "scoring" in q:
            row["scoring"] = f"{_number(q['scoring']['min'])} {_number(q['scoring']['max'])}"
    elif qtype in ("short_text", "long_text"):
        row["type"] = "text"
        row["appearance"] = "multiline" if qtype == "long_text" else ""
    elif qtype == "date":
        row["type"] = "date"
    elif qtype == "country":
        row["type"] = f"select_one_from_file {COUNTRIES_FILE}"
        report.notes.append(
            f"question {code}: a country, exported as select_one_from_file {COUNTRIES_FILE} "
            "(ODK needs that file beside the form)"
        )
    else:  # pragma: no cover - every type of the format is above
        raise ValueError(f"no XLSForm type for {qtype}")
    return [row]


def to_xlsform(definition: dict[str, Any]) -> tuple[bytes, Report]:
    """A normalised definition as an XLSForm workbook (bytes), with what it could not
    express in XLSForm's own terms."""
    defn = Definition(definition)
    report = Report()
    survey: list[dict[str, Any]] = []
    choices: list[dict[str, Any]] = []
    if any(q["type"] == "yes_no" for q in defn.questions()):
        choices += [
            {"list_name": YES_NO, "name": word, **_texts("label", YES_NO_WORDS[word])}
            for word in ("yes", "no")
        ]
    for section in definition["sections"]:
        survey.append(
            {
                "type": "begin_group",
                "name": section["code"],
                **_texts("label", section["title"]),
                **_texts("hint", section.get("intro")),
                "relevant": relevant(section["show_if"], defn) if section.get("show_if") else "",
            }
        )
        for q in section["questions"]:
            survey += _question_rows(q, defn, choices, report)
        survey.append({"type": "end_group", "name": section["code"]})
    workbook = Workbook()
    sheet = workbook.create_sheet("survey", 0)
    workbook.remove(workbook.worksheets[1])  # the default empty sheet
    _write(sheet, SURVEY_COLUMNS, survey)
    _write(workbook.create_sheet("choices"), CHOICE_COLUMNS, choices)
    settings = {
        "form_title": definition["title"].get("en", ""),
        "form_id": definition["code"],
        "default_language": "English (en)",
        "action": definition["action"],
        **_texts("title", definition["title"]),
        **_texts("introduction", definition.get("introduction")),
    }
    _write(workbook.create_sheet("settings"), tuple(settings), [settings])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), report


def _write(sheet: Any, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    used = [c for c in columns if any(row.get(c) not in (None, "") for row in rows)]
    sheet.append(used)
    for row in rows:
        sheet.append([_cell(row.get(c, "")) for c in used])


def _cell(value: Any) -> Any:
    # Formulas never: a label starting with "=" stays text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and value[1:2] != " ":
        return "'" + value if value[:1] == "=" else value
    return value


# --- import ---------------------------------------------------------------------------

_HEADER_LANG = re.compile(r"^(?P<key>[a-z_]+)::(?P<name>.*?)(?:\s*\((?P<code>[a-z]{2})\))?$")
_LANG_BY_NAME = {name.lower(): code for code, name in LANGUAGE_NAMES.items()} | {
    "french": "fr", "german": "de", "italian": "it", "francais": "fr", "italiano": "it",
}  # fmt: skip


@dataclass
class _Row:
    sheet: str
    number: int  # as the spreadsheet numbers it (the header is row 1)
    cells: dict[str, Any]

    def get(self, key: str) -> str:
        value = self.cells.get(key)
        return "" if value is None else str(value).strip()

    def texts(self, key: str) -> dict[str, str]:
        return {lang: text for lang, text in self.cells.get(f"{key}::", {}).items() if text}

    @property
    def where(self) -> str:
        return f"{self.sheet} row {self.number}"


def _read_sheet(workbook: Any, name: str, report: Report) -> list[_Row]:
    if name not in workbook.sheetnames:
        return []
    rows = list(workbook[name].iter_rows(values_only=True))
    if not rows:
        return []
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    out = []
    for index, values in enumerate(rows[1:], start=2):
        cells: dict[str, Any] = {}
        for column, value in zip(header, values, strict=False):
            if not column or value is None or str(value).strip() == "":
                continue
            text = str(value).strip()
            if text.startswith("'="):
                text = text[1:]
            match = _HEADER_LANG.match(column)
            if match:
                lang = match["code"] or _LANG_BY_NAME.get(match["name"].strip().lower())
                if lang not in LANGS:
                    report.notes.append(
                        f"{name} row {index}: column {column!r}: a language Tympanum does not "
                        "offer (English, German, French, Italian); not imported"
                    )
                    continue
                cells.setdefault(f"{match['key']}::", {})[lang] = text
            elif column in ("label", "hint", "title", "introduction", "unit"):
                cells.setdefault(f"{column}::", {}).setdefault("en", text)
            else:
                cells[column] = text
        if cells:
            out.append(_Row(name, index, cells))
    return out


class _Parser:
    """``relevant`` expressions, as ``relevant()`` writes them, back to conditions."""

    TOKEN = re.compile(
        r"\s*(?:(?P<ref>\$\{[A-Za-z_][A-Za-z0-9_.-]*\})|(?P<str>'[^']*'|\"[^\"]*\")"
        r"|(?P<op>!=|=)|(?P<word>and|or|not|selected)\b|(?P<punct>[(),]))"
    )

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        text = text.strip()
        while position < len(text):
            match = self.TOKEN.match(text, position)
            if match is None or match.end() == position:
                raise ValueError(f"cannot read {text[position : position + 20]!r}")
            kind = match.lastgroup or ""
            value = match.group(kind)
            self.tokens.append((kind, value))
            position = match.end()
        self.index = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.index] if self.index < len(self.tokens) else ("", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if value is not None and token[1] != value:
            raise ValueError(f"expected {value!r}, found {token[1] or 'the end'!r}")
        self.index += 1
        return token

    def parse(self) -> dict[str, Any]:
        cond = self.either()
        if self.index != len(self.tokens):
            raise ValueError(f"unexpected {self.peek()[1]!r}")
        return cond

    def either(self) -> dict[str, Any]:
        terms = [self.both()]
        while self.peek() == ("word", "or"):
            self.take()
            terms.append(self.both())
        if len(terms) == 1:
            return terms[0]
        picked = [t.get("_selected") for t in terms]
        if all(picked) and len({t["question"] for t in terms}) == 1:
            return {"question": terms[0]["question"], "any_of": picked}
        return {"any": [_plain(t) for t in terms]}

    def both(self) -> dict[str, Any]:
        terms = [self.unary()]
        while self.peek() == ("word", "and"):
            self.take()
            terms.append(self.unary())
        return terms[0] if len(terms) == 1 else {"all": [_plain(t) for t in terms]}

    def unary(self) -> dict[str, Any]:
        kind, value = self.peek()
        if value == "(":
            self.take()
            inner = self.either()
            self.take(")")
            if "_selected" in inner:  # "(selected(...))": an any_of of one value
                return {"question": inner["question"], "any_of": [inner["_selected"]]}
            return inner
        if value == "not":
            self.take()
            self.take("(")
            inner = self.either()
            self.take(")")
            if "_selected" not in inner:
                raise ValueError("not(...) is read only around selected(...)")
            return {"question": inner["question"], "not_equals": inner["_selected"]}
        if value == "selected":
            self.take()
            self.take("(")
            ref = self._ref()
            self.take(",")
            literal = self._string()
            self.take(")")
            return {"question": ref, "equals": literal, "_selected": literal}
        ref = self._ref()
        op = self.take()
        if op[0] != "op":
            raise ValueError(f"expected = or != after ${{{ref}}}")
        literal = self._string()
        if literal == "":
            return {"question": ref, "answered": op[1] == "!="}
        return {"question": ref, "equals" if op[1] == "=" else "not_equals": literal}

    def _ref(self) -> str:
        kind, value = self.take()
        if kind != "ref":
            raise ValueError(f"expected a ${{question}}, found {value or 'the end'!r}")
        return value[2:-1]

    def _string(self) -> str:
        kind, value = self.take()
        if kind != "str":
            raise ValueError(f"expected a quoted value, found {value or 'the end'!r}")
        return value[1:-1]


def _plain(cond: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in cond.items() if k != "_selected"}


def parse_relevant(text: str) -> dict[str, Any]:
    """An XLSForm ``relevant`` expression as a ``show_if`` condition (ValueError when it
    uses what conditions cannot say: arithmetic, functions other than selected...)."""
    return _plain(_Parser(text).parse())


_CONSTRAINT = re.compile(
    r"^(?:(?P<count>count-selected\(\.\))|(?P<length>string-length\(\.\))|\.)\s*"
    r"(?P<op><=|>=)\s*(?:date\('(?P<date>[0-9-]+)'\)|(?P<number>-?[0-9.]+))$"
)


def _number_value(text: str) -> int | float:
    number = float(text)
    return int(number) if number.is_integer() and "." not in text else number


def _read_constraint(row: _Row, out: dict[str, Any], report: Report) -> None:
    text = row.get("constraint")
    if not text:
        return
    for part in re.split(r"\s+and\s+", text):
        match = _CONSTRAINT.match(part.strip())
        if match is None:
            report.notes.append(
                f"{row.where}: constraint {part.strip()!r} has no equivalent; not imported"
            )
            continue
        key = "min" if match["op"] == ">=" else "max"
        if match["length"]:
            if key == "max":
                out["max_length"] = int(float(match["number"]))
            continue
        out[key] = match["date"] or _number_value(match["number"] or "0")


def _weights(text: str, row: _Row, report: Report) -> dict[str, float]:
    weights: dict[str, float] = {}
    for part in text.split():
        key, _, value = part.partition(":")
        try:
            weights[key] = _number_value(value)
        except ValueError:
            report.problems.append(f"{row.where}: theme weight {part!r} is not KEY:NUMBER")
    return weights


def _is_scale(rows: list[_Row]) -> bool:
    names = [r.get("name") for r in rows if r.get("name") != "dk"]
    return bool(names) and names == [str(n) for n in range(1, len(names) + 1)]


def _scale_settings(out: dict[str, Any], scale: list[_Row]) -> None:
    points = [r for r in scale if r.get("name") != "dk"]
    out["points"] = len(points)
    if any(r.get("name") == "dk" for r in scale):
        out["dont_know"] = True
    labels = [r.texts("label") for r in points]
    plain = [labels[i] == {"en": str(i + 1)} for i in range(len(labels))]
    if all(plain):
        return
    if all(plain[1:-1]) and len(points) > 1:
        out["labels"] = {"low": labels[0], "high": labels[-1]}
    else:
        out["point_labels"] = labels


def _text_or_plain(texts: dict[str, str]) -> Any:
    return texts["en"] if set(texts) == {"en"} else texts


class _Importer:
    def __init__(self, workbook: Any) -> None:
        self.report = Report()
        self.survey = _read_sheet(workbook, "survey", self.report)
        self.choices: dict[str, list[_Row]] = {}
        for row in _read_sheet(workbook, "choices", self.report):
            self.choices.setdefault(row.get("list_name"), []).append(row)
        settings = _read_sheet(workbook, "settings", self.report)
        self.settings = settings[0] if settings else _Row("settings", 2, {})

    def condition(self, row: _Row) -> dict[str, Any] | None:
        text = row.get("relevant")
        if not text:
            return None
        try:
            return parse_relevant(text)
        except ValueError as error:
            self.report.problems.append(
                f"{row.where}: relevant {text!r} has no equivalent condition ({error})"
            )
            return None

    def common(self, row: _Row, qtype: str) -> dict[str, Any]:
        q: dict[str, Any] = {"code": row.get("name"), "type": qtype}
        label = row.texts("label")
        q["label"] = _text_or_plain(label) if label else row.get("name")
        if row.texts("hint"):
            q["help"] = _text_or_plain(row.texts("hint"))
        if row.get("required").lower() in ("yes", "true", "true()", "1"):
            q["required"] = True
        cond = self.condition(row)
        if cond is not None:
            q["show_if"] = cond
        if row.get("themes"):
            q["themes"] = _weights(row.get("themes"), row, self.report)
        return q

    def options(self, list_name: str, row: _Row) -> list[dict[str, Any]]:
        options = []
        for choice in self.choices.get(list_name, []):
            option: dict[str, Any] = {
                "code": choice.get("name"),
                "label": _text_or_plain(choice.texts("label") or {"en": choice.get("name")}),
            }
            if choice.get("score"):
                try:
                    option["score"] = _number_value(choice.get("score"))
                except ValueError:
                    self.report.problems.append(f"{choice.where}: score is not a number")
            options.append(option)
        if not options:
            self.report.problems.append(
                f"{row.where}: the choice list {list_name!r} is empty or missing"
            )
        return options

    def question(self, row: _Row) -> dict[str, Any] | None:
        words = row.get("type").split()
        kind = words[0] if words else ""
        other = words[-1] == "or_other" if len(words) > 2 else False
        list_name = words[1] if len(words) > 1 else ""
        if kind in ("select_one", "select_multiple", "rank") and not list_name:
            self.report.problems.append(f"{row.where}: {kind} names no choice list")
            return None
        if kind == "select_one" and list_name == YES_NO:
            return self.common(row, "yes_no")
        if (
            kind == "select_one"
            and row.get("appearance") == "likert"
            and _is_scale(self.choices.get(list_name, []))
        ):
            q = self.common(row, "likert")
            _scale_settings(q, self.choices[list_name])
            return q
        if kind in ("select_one", "select_multiple", "rank"):
            qtype = {"select_one": "single_choice", "select_multiple": "multiple_choice"}.get(
                kind, "ranking"
            )
            q = self.common(row, qtype)
            q["options"] = self.options(list_name, row)
            if other:
                q["other"] = True
            if qtype == "multiple_choice":
                _read_constraint(row, q, self.report)
            return q
        if kind in ("integer", "decimal"):
            q = self.common(row, "number")
            if kind == "decimal":
                q["integer"] = False
            _read_constraint(row, q, self.report)
            if row.texts("unit"):
                q["unit"] = _text_or_plain(row.texts("unit"))
            if row.get("scoring"):
                low, _, high = row.get("scoring").partition(" ")
                q["scoring"] = {"min": _number_value(low), "max": _number_value(high)}
            return q
        if kind == "text":
            q = self.common(
                row, "long_text" if "multiline" in row.get("appearance") else "short_text"
            )
            _read_constraint(row, q, self.report)
            return q
        if kind == "date":
            q = self.common(row, "date")
            _read_constraint(row, q, self.report)
            return q
        if kind == "select_one_from_file" and list_name == COUNTRIES_FILE:
            return self.common(row, "country")
        if kind in METADATA_TYPES:
            self.report.notes.append(f"{row.where}: {kind} (metadata ODK records) ignored")
            return None
        self.report.problems.append(
            f"{row.where}: type {row.get('type')!r} ({row.get('name') or 'no name'}) has no "
            "equivalent in Tympanum's questionnaire format"
        )
        return None

    def matrix(self, head: _Row, rows: list[_Row]) -> dict[str, Any] | None:
        q = self.common(head, "matrix")
        lists = {r.get("type").split()[-1] for r in rows}
        if (
            not rows
            or len(lists) != 1
            or not all(r.get("type").startswith("select_one ") for r in rows)
        ):
            self.report.problems.append(
                f"{head.where}: a table-list group is read as a matrix only when every row is "
                "a select_one of the same scale"
            )
            return None
        scale = self.choices.get(lists.pop(), [])
        _scale_settings(q, scale)
        prefix = head.get("name") + "__"
        q["items"] = [
            {
                "code": r.get("name").removeprefix(prefix),
                "label": _text_or_plain(r.texts("label") or {"en": r.get("name")}),
                **(
                    {"themes": _weights(r.get("themes"), r, self.report)} if r.get("themes") else {}
                ),
            }
            for r in rows
        ]
        return q

    def run(self) -> dict[str, Any]:
        sections: list[dict[str, Any]] = []
        loose: dict[str, Any] | None = None
        stack: list[tuple[_Row, list[_Row]]] = []
        for row in self.survey:
            kind = row.get("type").replace(" ", "_").lower()
            if kind == "begin_group" or kind == "begin_repeat":
                if kind == "begin_repeat":
                    self.report.problems.append(f"{row.where}: repeats have no equivalent")
                stack.append((row, []))
                continue
            if kind in ("end_group", "end_repeat"):
                if not stack:
                    self.report.problems.append(f"{row.where}: end_group without begin_group")
                    continue
                head, rows = stack.pop()
                if stack:  # a group inside a section: a matrix
                    if head.get("appearance") == "table-list":
                        q = self.matrix(head, rows)
                        if q is not None:
                            stack[-1][1].append(_Row("", 0, {"_question": q}))
                    else:
                        self.report.problems.append(
                            f"{head.where}: a group inside a group has no equivalent "
                            "(only a table-list group, read as a matrix)"
                        )
                    continue
                section: dict[str, Any] = {
                    "code": head.get("name"),
                    "title": _text_or_plain(head.texts("label") or {"en": head.get("name")}),
                    "questions": [r.cells["_question"] for r in rows if "_question" in r.cells],
                }
                if head.texts("hint"):
                    section["intro"] = _text_or_plain(head.texts("hint"))
                cond = self.condition(head)
                if cond is not None:
                    section["show_if"] = cond
                sections.append(section)
                continue
            if stack and stack[-1][0].get("appearance") == "table-list" and len(stack) > 1:
                stack[-1][1].append(row)
                continue
            q = self.question(row) if kind not in ("note", "calculate") else None
            if kind in ("note", "calculate"):
                self.report.notes.append(f"{row.where}: {kind} {row.get('name')!r} ignored")
            if q is None:
                continue
            if stack:
                stack[-1][1].append(_Row("", 0, {"_question": q}))
            else:
                if loose is None:
                    loose = {"code": "main", "title": "Questions", "questions": []}
                    sections.append(loose)
                    self.report.notes.append(
                        f"{row.where}: questions outside any group go to a section 'main'"
                    )
                loose["questions"].append(q)
        if stack:
            self.report.problems.append(f"{stack[-1][0].where}: begin_group without end_group")
        settings = self.settings
        title = settings.texts("title") or {"en": settings.get("form_title")}
        data: dict[str, Any] = {
            "action": _number_value(settings.get("action")) if settings.get("action") else None,
            "code": settings.get("form_id"),
            "title": _text_or_plain(title),
        }
        if settings.texts("introduction"):
            data["introduction"] = _text_or_plain(settings.texts("introduction"))
        data["sections"] = sections
        return data


def from_xlsform(content: bytes, action: int | None = None) -> tuple[dict[str, Any], Report]:
    """A workbook as definition data (to validate as any definition file), with what
    could not be mapped. ``action``: the action it is for, when the settings sheet
    does not say."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is no workbook
        raise XLSFormError(f"not an XLSX workbook ({type(error).__name__})") from error
    if "survey" not in workbook.sheetnames:
        raise XLSFormError("the workbook has no 'survey' sheet")
    importer = _Importer(workbook)
    data = importer.run()
    if data["action"] is None:
        data["action"] = action
    if data["action"] is None:
        importer.report.problems.append(
            "settings: no 'action' column: say which action the questionnaire is for"
        )
    return data, importer.report


def validate_xlsform(
    content: bytes, filename: str, action: int | None = None
) -> tuple[ValidationResult, Report]:
    """Read a workbook and validate it as a definition: what it cannot map and what the
    validator finds are all errors (nothing is imported while there are any)."""
    try:
        data, report = from_xlsform(content, action)
    except XLSFormError as error:
        return ValidationResult(None, [DefinitionError("", str(error), file=filename)]), Report()
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    result = validate_text(text, filename)
    if report.problems:
        problems = [DefinitionError("", problem, file=filename) for problem in report.problems]
        result = ValidationResult(None, problems + result.errors, text)
    return result, report
