"""Validate a questionnaire definition: the JSON Schema and the rules a schema cannot
express, all at once (a schema error never hides a dangling condition). Every error names
the file, the line, the path and what to do."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .loader import MAX_CHARS, TOO_LONG, Loaded, LoadError, join, load_own_text, load_text
from .model import PAGE_BYTES_LIMIT, largest_post_bytes, normalise
from .schema import (
    LANGUAGES,
    QUESTION_TYPES,
    THEME_KEYS,
    TYPE_KEYS,
    build_schema,
)

# Names the form uses for itself: a question code may not take them.
RESERVED_CODES = frozenset({"csrf_token", "lock_version", "nav", "section", "other", "action"})
TEXT_TYPES = frozenset({"short_text", "long_text"})
MAX_LENGTH_LIMIT = {"short_text": 500, "long_text": 20000}
_VALIDATOR = Draft202012Validator(build_schema())


@dataclass(frozen=True)
class DefinitionError:
    path: str
    message: str
    line: int | None = None
    file: str = ""

    def __str__(self) -> str:
        where = self.file or "<definition>"
        if self.line:
            where += f":{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


@dataclass
class ValidationResult:
    definition: dict[str, Any] | None  # normalised, when valid
    errors: list[DefinitionError]
    source: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_file(path: str | Path) -> ValidationResult:
    path = Path(path)
    try:
        too_long = path.stat().st_size > 4 * MAX_CHARS  # more characters than allowed, surely
        text = "" if too_long else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return ValidationResult(
            None, [DefinitionError("", f"cannot read the file: {error}", None, str(path))]
        )
    if too_long:
        return ValidationResult(None, [DefinitionError("", TOO_LONG, None, str(path))])
    return validate_text(text, str(path))


def validate_text(text: str, filename: str = "", *, own: bool = False) -> ValidationResult:
    """Validate a definition file's text. ``own``: the text is ``to_yaml``'s, written by
    the app from a definition dict (the builder's save), parsed by ``load_own_text``."""
    try:
        loaded = load_own_text(text) if own else load_text(text)
    except LoadError as error:
        return ValidationResult(None, [DefinitionError("", str(error), error.line, filename)], text)
    errors = validate_data(loaded.data, loaded)
    errors = [DefinitionError(e.path, e.message, e.line, filename) for e in errors]
    definition = normalise(loaded.data) if not errors else None
    return ValidationResult(definition, errors, text)


def validate_data(data: Any, loaded: Loaded | None = None) -> list[DefinitionError]:
    loaded = loaded or Loaded(data)
    if not isinstance(data, dict):
        return [
            DefinitionError(
                "", "the file must be a mapping with action, code, title and sections", 1
            )
        ]
    errors = [_schema_error(error) for error in _VALIDATOR.iter_errors(data)]
    errors = _dedupe(errors + _Semantic(data).run())
    return sorted(
        (DefinitionError(e.path, e.message, loaded.line_of(e.path)) for e in errors),
        key=lambda e: (e.line or 0, e.path),
    )


def _dedupe(errors: list[DefinitionError]) -> list[DefinitionError]:
    seen: set[tuple[str, str]] = set()
    result = []
    for error in errors:
        if (error.path, error.message) not in seen:
            seen.add((error.path, error.message))
            result.append(error)
    return result


def _path(error: ValidationError) -> str:
    path = ""
    for part in error.absolute_path:
        path = join(path, part)
    return path


def _wanted(error: ValidationError) -> Any:
    """What the failed schema keyword asked for (jsonschema types it as possibly unset)."""
    return error.validator_value


def _schema_error(error: ValidationError) -> DefinitionError:
    """Turn a jsonschema error into a message that says what to do."""
    path = _path(error)
    instance = error.instance
    kind = error.validator
    last = path.rsplit(".", 1)[-1]
    if kind == "required":
        missing = [k for k in _wanted(error) if not isinstance(instance, dict) or k not in instance]
        what = ", ".join(f"'{k}'" for k in missing)
        return DefinitionError(path, f"{what} is missing: add it")
    if kind == "additionalProperties" or (
        kind == "enum"
        and error.relative_schema_path
        and "propertyNames" in error.relative_schema_path
    ):
        extra = _unknown_keys(error)
        return DefinitionError(path, extra)
    if kind == "enum" and last == "type":
        return DefinitionError(
            path, f"'{instance}' is not a question type; use one of: {', '.join(QUESTION_TYPES)}"
        )
    if kind == "oneOf" and isinstance(_wanted(error), list) and _is_text_schema(error):
        return DefinitionError(path, _text_problem(instance))
    if kind == "oneOf":
        return DefinitionError(
            path,
            "a condition is {question: CODE, equals|not_equals|any_of|answered: VALUE}, "
            "or {all: [conditions]}, or {any: [conditions]}",
        )
    if kind in ("minimum", "maximum") and last == "score":
        return DefinitionError(
            path, f"the score {instance} is outside 0..1: use a number from 0 to 1"
        )
    if kind in ("minimum", "maximum") and last == "points":
        return DefinitionError(path, f"a scale needs 3 to 11 points, not {instance}")
    if kind in ("minimum", "maximum") and last == "action":
        return DefinitionError(path, f"the action number must be 1 to 11, not {instance}")
    if kind == "exclusiveMinimum":
        return DefinitionError(
            path, f"the weight {instance} must be a positive number (e.g. 0.5, 1, 2)"
        )
    if kind == "pattern":
        allowed = "a-z, 0-9 and _" + (
            ", starting with a letter" if "[a-z]" in _wanted(error)[:6] else ""
        )
        return DefinitionError(
            path, f"the code '{instance}' may only contain {allowed} (lower case)"
        )
    if kind == "minItems":
        return DefinitionError(path, f"needs at least {_wanted(error)} entries")
    if kind == "type":
        wanted = _wanted(error)
        wanted = " or ".join(wanted) if isinstance(wanted, list) else wanted
        return DefinitionError(
            path, f"should be {_article(wanted)}, not {type(instance).__name__} {instance!r}"
        )
    if kind in ("maxLength", "minLength"):
        return DefinitionError(
            path,
            "is empty" if kind == "minLength" else f"is longer than {_wanted(error)} characters",
        )
    if kind in ("minProperties", "maxProperties") and last == "themes":
        return DefinitionError(path, "list at least one theme with its weight, or remove 'themes'")
    return DefinitionError(path, error.message)


def _article(name: str) -> str:
    names = {
        "string": "a text",
        "integer": "a whole number",
        "number": "a number",
        "boolean": "true or false",
        "object": "a mapping",
        "array": "a list",
    }
    return " or ".join(names.get(part, part) for part in name.split(" or "))


def _is_text_schema(error: ValidationError) -> bool:
    return any(isinstance(s, dict) and s.get("type") == "string" for s in _wanted(error))


def _text_problem(value: Any) -> str:
    if isinstance(value, dict):
        unknown = [k for k in value if k not in LANGUAGES]
        if unknown:
            return f"unknown language '{unknown[0]}': use {', '.join(LANGUAGES)}"
        if "en" not in value:
            return "the English text is missing: add 'en: ...' (other languages fall back to it)"
        return "every language's text must be a non-empty string"
    if value == "" or value is None:
        return "the text is empty: write it, or remove the key"
    return "should be a text, or a mapping of language to text (en required)"


def _unknown_keys(error: ValidationError) -> str:
    instance: Any = error.instance
    schema: Any = error.schema
    if isinstance(_wanted(error), list) or error.validator == "enum":
        # propertyNames: the offending name is the instance itself
        name = instance
        allowed = _wanted(error)
        if set(allowed) == set(THEME_KEYS):
            return f"unknown theme '{name}'; use one of: {', '.join(THEME_KEYS)}"
        return f"unknown key '{name}' here; allowed: {', '.join(allowed)}"
    allowed = list(schema.get("properties", {}))
    extra = [k for k in instance if k not in allowed]
    return f"unknown key '{extra[0] if extra else '?'}'; allowed: {', '.join(allowed)}"


class _Semantic:
    """Checks on a structurally valid definition."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.errors: list[DefinitionError] = []
        self.questions: dict[str, tuple[int, dict[str, Any], str]] = {}  # code -> (order, q, path)

    def add(self, path: str, message: str) -> None:
        self.errors.append(DefinitionError(path, message))

    def run(self) -> list[DefinitionError]:
        """Every meaning check on whatever parts are well formed: a part the schema
        refuses is skipped here (its schema error says why), the rest still checked."""
        section_codes: dict[str, str] = {}
        order = 0
        for s_index, section in enumerate(_list(self.data.get("sections"))):
            if not isinstance(section, dict):
                continue
            s_path = join(join("", "sections"), s_index)
            code = section.get("code")
            if isinstance(code, str) and code in section_codes:
                self.add(
                    join(s_path, "code"),
                    f"the section code '{code}' is used twice (also at {section_codes[code]})",
                )
            if isinstance(code, str):
                section_codes.setdefault(code, s_path)
            if "show_if" in section:
                self.guarded(
                    self.condition,
                    section["show_if"],
                    join(s_path, "show_if"),
                    before=order,
                    who="this section",
                )
            for q_index, question in enumerate(_list(section.get("questions"))):
                q_path = join(join(s_path, "questions"), q_index)
                if not isinstance(question, dict) or not isinstance(question.get("code"), str):
                    pass
                elif question.get("type") in QUESTION_TYPES:
                    self.question(question, q_path, order)
                else:  # known by its code, so conditions on it are not reported as dangling
                    self.questions.setdefault(question["code"], (order, question, q_path))
                order += 1
            if (size := largest_post_bytes(section)) > PAGE_BYTES_LIMIT:
                self.add(
                    s_path,
                    f"this section's answers could need {size / 1048576:.1f} MB, more than a "
                    f"page may send ({PAGE_BYTES_LIMIT / 1048576:.0f} MB): split it into "
                    "sections or lower its texts' max_length",
                )
        return self.errors

    def guarded(self, check: Any, *args: Any, **kwargs: Any) -> None:
        """Run one check; a part too malformed to check is the schema's to report."""
        try:
            check(*args, **kwargs)
        except (KeyError, TypeError, AttributeError, ValueError, IndexError):
            pass

    def question(self, q: dict[str, Any], path: str, order: int) -> None:
        code, qtype = q["code"], q["type"]
        if code in self.questions:
            self.add(
                join(path, "code"),
                f"the question code '{code}' is used twice (also at {self.questions[code][2]}); codes must be unique in the file",
            )
        elif code in RESERVED_CODES or "__" in code:
            self.add(
                join(path, "code"),
                f"'{code}' cannot be a question code (reserved word or '__'); choose another",
            )
        if "show_if" in q:
            self.guarded(
                self.condition,
                q["show_if"],
                join(path, "show_if"),
                before=order,
                who=f"question '{code}'",
                own=code,
            )
        self.questions.setdefault(code, (order, q, path))
        self.guarded(getattr(self, f"check_{qtype}", lambda *_: None), q, path)
        self.guarded(self.themes_rule, q, path)

    # --- per type -----------------------------------------------------------------
    def options_unique(
        self, options: list[dict[str, Any]], path: str, what: str = "option"
    ) -> None:
        seen: set[str] = set()
        for index, option in enumerate(options):
            code = option["code"]
            if code in seen:
                self.add(
                    join(join(path, what + "s"), index),
                    f"the {what} code '{code}' is used twice in this question",
                )
            if code == "other" and what == "option":
                self.add(
                    join(join(join(path, "options"), index), "code"),
                    "'other' is reserved: use 'other: true' on the question for an 'Other, please specify' choice",
                )
            seen.add(code)

    def check_single_choice(self, q: dict[str, Any], path: str) -> None:
        self.options_unique(q["options"], path)

    def check_multiple_choice(self, q: dict[str, Any], path: str) -> None:
        self.options_unique(q["options"], path)
        count = len(q["options"]) + (1 if q.get("other") else 0)
        low, high = q.get("min"), q.get("max")
        for key, value in (("min", low), ("max", high)):
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 0 or value > count
            ):
                self.add(
                    join(path, key),
                    f"'{key}' must be a whole number from 0 to {count} (the number of choices)",
                )
        if isinstance(low, int) and isinstance(high, int) and low > high:
            self.add(join(path, "min"), f"'min' ({low}) is larger than 'max' ({high})")

    def scale(self, q: dict[str, Any], path: str) -> None:
        if "labels" in q and "point_labels" in q:
            self.add(
                join(path, "point_labels"),
                "give either 'labels' (both ends) or 'point_labels' (one per point), not both",
            )
        if "point_labels" in q and len(q["point_labels"]) != q["points"]:
            self.add(
                join(path, "point_labels"),
                f"{len(q['point_labels'])} labels for {q['points']} points: give exactly one label per point",
            )

    def check_likert(self, q: dict[str, Any], path: str) -> None:
        self.scale(q, path)

    def check_matrix(self, q: dict[str, Any], path: str) -> None:
        self.scale(q, path)
        self.options_unique(q["items"], path, what="item")
        if "themes" in q:
            self.add(
                join(path, "themes"),
                "a matrix carries 'themes' on each item, not on the question: move them to the items",
            )
        for index, item in enumerate(q["items"]):
            if "themes" not in item:
                self.add(
                    join(join(path, "items"), index),
                    f"the item '{item['code']}' has no 'themes': every matrix item is scored, so say which themes it feeds",
                )

    def check_number(self, q: dict[str, Any], path: str) -> None:
        integer = q.get("integer", True)
        for key in ("min", "max"):
            value = q.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.add(join(path, key), f"'{key}' must be a number")
            elif integer and not float(value).is_integer():
                self.add(
                    join(path, key),
                    f"'{key}' must be a whole number for an integer question (or set 'integer: false')",
                )
        low, high = q.get("min"), q.get("max")
        if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
            self.add(join(path, "min"), f"'min' ({low}) is larger than 'max' ({high})")
        scoring = q.get("scoring")
        if scoring and scoring["min"] == scoring["max"]:
            self.add(
                join(path, "scoring"),
                f"the scoring range needs two different ends (got {scoring['min']} twice); "
                "min > max scores lower numbers higher",
            )

    def check_short_text(self, q: dict[str, Any], path: str) -> None:
        limit = MAX_LENGTH_LIMIT[q["type"]]
        if q.get("max_length", 0) > limit:
            self.add(
                join(path, "max_length"), f"'max_length' can be at most {limit} for {q['type']}"
            )

    check_long_text = check_short_text

    def check_ranking(self, q: dict[str, Any], path: str) -> None:
        self.options_unique(q["options"], path)
        if len(q["options"]) > 10:
            self.add(
                join(path, "options"), f"a ranking takes 2 to 10 options, not {len(q['options'])}"
            )
        for index, option in enumerate(q["options"]):
            if "score" in option:
                self.add(
                    join(join(join(path, "options"), index), "score"),
                    "ranking options are not scored: remove 'score'",
                )

    def check_date(self, q: dict[str, Any], path: str) -> None:
        for key in ("min", "max"):
            value = q.get(key)
            if value is None:
                continue
            try:
                dt.date.fromisoformat(str(value))
            except ValueError:
                self.add(
                    join(path, key), f"'{key}' must be a date written YYYY-MM-DD, not {value!r}"
                )

    # --- themes and scoring --------------------------------------------------------
    def themes_rule(self, q: dict[str, Any], path: str) -> None:
        qtype = q["type"]
        if qtype == "matrix":
            return
        scorable = is_scorable(q)
        if scorable and "themes" not in q:
            self.add(
                path,
                f"the {qtype} question '{q['code']}' is scored but has no 'themes': add e.g. 'themes: {{broader_understanding: 1}}'",
            )
        if "themes" in q and not scorable and qtype not in TEXT_TYPES:
            hint = (
                " (give its options a 'score' from 0 to 1)"
                if qtype in ("single_choice", "multiple_choice")
                else ""
            )
            if qtype == "number":
                hint = " (add 'scoring: {min: a, max: b}')"
            self.add(
                join(path, "themes"),
                f"this {qtype} question has 'themes' but no score to feed them{hint}; or remove 'themes'",
            )

    # --- conditions ----------------------------------------------------------------
    def condition(
        self, cond: dict[str, Any], path: str, before: int, who: str, own: str = ""
    ) -> None:
        for combinator in ("all", "any"):
            if combinator in cond:
                for index, sub in enumerate(cond[combinator]):
                    self.condition(sub, join(join(path, combinator), index), before, who, own)
                return
        target = cond["question"]
        if target == own:
            self.add(join(path, "question"), f"{who} cannot depend on itself")
            return
        if target not in self.questions:
            later = self._later(target)
            if later:
                self.add(
                    join(path, "question"),
                    f"{who} depends on '{target}', which comes later; a condition can only refer to an earlier question",
                )
            else:
                self.add(
                    join(path, "question"),
                    f"{who} depends on '{target}', but there is no question with that code",
                )
            return
        order, q, _ = self.questions[target]
        if order >= before:
            self.add(join(path, "question"), f"{who} cannot depend on itself")
            return
        for key in ("equals", "not_equals", "any_of"):
            if key not in cond:
                continue
            values = cond[key] if key == "any_of" else [cond[key]]
            for value in values:
                problem = _value_problem(q, value)
                if problem:
                    self.add(join(path, key), problem)

    def _later(self, code: str) -> bool:
        for section in _list(self.data.get("sections")):
            for question in _list(section.get("questions") if isinstance(section, dict) else None):
                if isinstance(question, dict) and question.get("code") == code:
                    return True
        return False


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def is_scorable(q: dict[str, Any]) -> bool:
    qtype = q["type"]
    if qtype in ("likert", "matrix", "yes_no"):
        return True
    if qtype == "number":
        return "scoring" in q
    if qtype in ("single_choice", "multiple_choice"):
        return any(option.get("score") is not None for option in q["options"])
    return False


def _value_problem(q: dict[str, Any], value: Any) -> str | None:
    """Why ``value`` can never be an answer to ``q`` (None when it can)."""
    qtype = q["type"]
    if qtype in ("single_choice", "multiple_choice", "ranking"):
        codes = [str(o["code"]) for o in q["options"]] + (["other"] if q.get("other") else [])
        if str(value) not in codes:
            return (
                f"'{value}' is not an option of '{q['code']}'; its options are: {', '.join(codes)}"
            )
    elif qtype == "yes_no":
        if str(value) not in ("yes", "no"):
            return f"a yes/no question is answered 'yes' or 'no', not {value!r}"
    elif qtype in ("likert",):
        if str(value) == "dk" and q.get("dont_know"):
            return None
        if (
            isinstance(value, bool)
            or not str(value).isdigit()
            or not 1 <= int(value) <= q["points"]
        ):
            return f"'{q['code']}' is answered with a point from 1 to {q['points']}, not {value!r}"
    elif qtype == "matrix":
        return f"'{q['code']}' is a matrix: conditions can only test whether it is answered"
    return None


__all__ = [
    "TYPE_KEYS",
    "DefinitionError",
    "ValidationResult",
    "is_scorable",
    "validate_data",
    "validate_file",
    "validate_text",
]
