"""The normalised definition: what a published version stores and everything reads.

``normalise`` turns a validated file into a plain dict where every text is a
``{lang: text}`` mapping and every optional key has its default; ``Definition`` wraps it
with the lookups the form, the answers and the exports need; ``to_yaml`` writes it back.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import yaml

from ..i18n import as_translations, pick

TEXT_KEYS = ("title", "introduction", "intro", "label", "help", "unit")
DEFAULT_MAX_LENGTH = {"short_text": 200, "long_text": 5000}
# The most a respondent's page may send (config RESPOND_MAX_CONTENT_LENGTH, which must not
# be lower): a section whose answers could need more is refused by the check.
PAGE_BYTES_LIMIT = 8 * 1024 * 1024
OTHER_TEXT_MAX_LENGTH = 500  # the "other, please specify" box
_BYTES_PER_CHAR = 12  # 4 bytes of UTF-8, each sent as %XX
_FIELD_BYTES = 256  # a field's name, an option's code, separators


def largest_post_bytes(section: dict[str, Any]) -> int:
    """An upper bound of the bytes a section page sends when every answer keeps to its
    limits (texts at their maximum length in 4-byte characters, every option chosen),
    with the page's own fields (security token, lock, digests) on top."""
    total = 4096
    for q in section.get("questions", []):
        qtype = q.get("type")
        total += _FIELD_BYTES * (
            2 + len(q.get("options", [])) * 2 + len(q.get("items", [])) + 1  # digests
        )
        if qtype in DEFAULT_MAX_LENGTH:
            total += int(q.get("max_length", DEFAULT_MAX_LENGTH[qtype])) * _BYTES_PER_CHAR
        elif qtype == "number":
            total += 64 * _BYTES_PER_CHAR
        if q.get("other"):
            total += OTHER_TEXT_MAX_LENGTH * _BYTES_PER_CHAR
    return total


def _text(value: Any) -> dict[str, str] | None:
    return as_translations(value) if value is not None else None


def _condition(cond: dict[str, Any]) -> dict[str, Any]:
    for combinator in ("all", "any"):
        if combinator in cond:
            return {combinator: [_condition(c) for c in cond[combinator]]}
    result: dict[str, Any] = {"question": cond["question"]}
    for key in ("equals", "not_equals"):
        if key in cond:
            result[key] = str(cond[key])
    if "any_of" in cond:
        result["any_of"] = [str(v) for v in cond["any_of"]]
    if "answered" in cond:
        result["answered"] = bool(cond["answered"])
    return result


def _question(q: dict[str, Any]) -> dict[str, Any]:
    qtype = q["type"]
    out: dict[str, Any] = {
        "code": q["code"],
        "type": qtype,
        "label": _text(q["label"]),
        "required": bool(q.get("required", False)),
    }
    if "help" in q:
        out["help"] = _text(q["help"])
    if "show_if" in q:
        out["show_if"] = _condition(q["show_if"])
    if "themes" in q:
        out["themes"] = {k: float(v) for k, v in q["themes"].items()}
    if qtype in ("single_choice", "multiple_choice", "ranking"):
        out["options"] = [
            {
                "code": str(o["code"]),
                "label": _text(o["label"]),
                **({"score": float(o["score"])} if "score" in o else {}),
            }
            for o in q["options"]
        ]
    if qtype in ("single_choice", "multiple_choice"):
        out["other"] = bool(q.get("other", False))
    if qtype == "multiple_choice":
        for key in ("min", "max"):
            if key in q:
                out[key] = int(q[key])
    if qtype in ("likert", "matrix"):
        out["points"] = int(q["points"])
        out["dont_know"] = bool(q.get("dont_know", False))
        if "labels" in q:
            out["labels"] = {"low": _text(q["labels"]["low"]), "high": _text(q["labels"]["high"])}
        if "point_labels" in q:
            out["point_labels"] = [_text(t) for t in q["point_labels"]]
    if qtype == "matrix":
        out["items"] = [
            {
                "code": str(i["code"]),
                "label": _text(i["label"]),
                "themes": {k: float(v) for k, v in i.get("themes", {}).items()},
            }
            for i in q["items"]
        ]
    if qtype == "number":
        out["integer"] = bool(q.get("integer", True))
        for key in ("min", "max"):
            if key in q:
                out[key] = int(q[key]) if out["integer"] else float(q[key])
        if "unit" in q:
            out["unit"] = _text(q["unit"])
        if "scoring" in q:
            out["scoring"] = {"min": float(q["scoring"]["min"]), "max": float(q["scoring"]["max"])}
    if qtype in ("short_text", "long_text"):
        out["max_length"] = int(q.get("max_length", DEFAULT_MAX_LENGTH[qtype]))
    if qtype == "date":
        for key in ("min", "max"):
            if key in q:
                out[key] = str(q[key])
    return out


def normalise(data: dict[str, Any]) -> dict[str, Any]:
    """The canonical form of a validated definition (stable: same input, same output)."""
    return {
        "action": int(data["action"]),
        "code": data["code"],
        "title": _text(data["title"]),
        "introduction": _text(data.get("introduction")) or {},
        "sections": [
            {
                "code": s["code"],
                "title": _text(s["title"]),
                "intro": _text(s.get("intro")) or {},
                **({"show_if": _condition(s["show_if"])} if "show_if" in s else {}),
                "questions": [_question(q) for q in s["questions"]],
            }
            for s in data["sections"]
        ],
    }


def checksum(definition: dict[str, Any]) -> str:
    canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- writing back ---------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Denormalise texts: an English-only mapping becomes a plain string again."""
    if (
        isinstance(value, dict)
        and set(value) <= {"en", "de", "fr", "it"}
        and value
        and all(isinstance(v, str) for v in value.values())
    ):
        return value["en"] if set(value) == {"en"} else dict(value)
    if isinstance(value, dict):
        return {
            k: _plain(v)
            for k, v in value.items()
            if not (k in ("intro", "introduction") and v == {})
        }
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _drop_defaults(q: dict[str, Any]) -> dict[str, Any]:
    out = dict(q)
    for key, default in (("required", False), ("other", False), ("dont_know", False)):
        if out.get(key) == default:
            out.pop(key, None)
    if out.get("type") == "number" and out.get("integer") is True:
        out.pop("integer")
    if (
        out.get("type") in DEFAULT_MAX_LENGTH
        and out.get("max_length") == DEFAULT_MAX_LENGTH[out["type"]]
    ):
        out.pop("max_length")
    return out


try:  # libyaml's emitter where PyYAML was built with it: the same text, several times faster
    from yaml import CSafeDumper as _SafeDumper
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeDumper as _SafeDumper  # type: ignore[assignment]


class _Dumper(_SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # definition files take no aliases: a repeated object is written out


def _str_representer(dumper: yaml.representer.SafeRepresenter, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    if data in ("yes", "no", "on", "off", "y", "n", "true", "false", "null", "~") or data.isdigit():
        style = '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_representer)


def to_yaml(definition: dict[str, Any]) -> str:
    """Write a normalised definition back as a definition file (import round-trips)."""
    data = {
        "action": definition["action"],
        "code": definition["code"],
        "title": definition["title"],
        "introduction": definition.get("introduction") or None,
        "sections": [
            {
                **{k: v for k, v in s.items() if k != "questions"},
                "questions": [_drop_defaults(q) for q in s["questions"]],
            }
            for s in definition["sections"]
        ],
    }
    if data["introduction"] is None:
        data.pop("introduction")
    header = "# Tympanum questionnaire definition (see docs/questionnaire-format.md)\n"
    return header + yaml.dump(
        _plain(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )


# --- reading --------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionRef:
    section: dict[str, Any]
    question: dict[str, Any]
    position: int  # across the questionnaire, from 0


class Definition:
    """Lookups over a normalised definition."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @cached_property
    def refs(self) -> list[QuestionRef]:
        refs: list[QuestionRef] = []
        for section in self.data["sections"]:
            for question in section["questions"]:
                refs.append(QuestionRef(section, question, len(refs)))
        return refs

    @cached_property
    def by_code(self) -> dict[str, dict[str, Any]]:
        return {ref.question["code"]: ref.question for ref in self.refs}

    @property
    def sections(self) -> list[dict[str, Any]]:
        sections: list[dict[str, Any]] = self.data["sections"]
        return sections

    def questions(self) -> Iterator[dict[str, Any]]:
        for ref in self.refs:
            yield ref.question

    def section_of(self, code: str) -> dict[str, Any]:
        for ref in self.refs:
            if ref.question["code"] == code:
                return ref.section
        raise KeyError(code)

    def title(self, lang: str = "en") -> str:
        return pick(self.data["title"], lang)


def text(value: Any, lang: str = "en") -> str:
    """A definition text in ``lang`` with English fallback."""
    return pick(value, lang)


class _DefinitionCache:
    """Parsed definitions of stored versions, per process: a version's definition is
    read from the database and wrapped once, not on every page. Keyed by the version's
    id and checksum, so a draft edited in place is read again."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[int, str], Definition] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version: Any) -> Definition:
        key = (version.id, version.checksum)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        found = Definition(version.definition)
        with self._lock:
            self._entries[key] = found
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return found


definitions = _DefinitionCache()


def definition_of(version: Any) -> Definition:
    """The ``Definition`` of a stored ``QuestionnaireVersion`` (cached; treat as read-only)."""
    if version.id is None or not version.checksum:
        return Definition(version.definition)  # not flushed yet
    return definitions.get(version)


def part_to_yaml(part: Any) -> str:
    """One section or question written as it would appear in a definition file."""
    return yaml.dump(_plain(part), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096)
