"""What one questionnaire version changes against another, as data: every question,
section and questionnaire text added, removed or changed, with the old and the new value
of each change (a text per language, an option, a score, a theme weight, a condition,
the type, "required", the section a question sits in).

Questions and sections are matched by code (a question keeps its identity across
versions by its code), so a relabelled question is one changed question, never a removed
one and an added one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...definitions.model import Definition

LANGS = ("en", "de", "fr", "it")
# Keys compared as texts ({lang: text}), one change per language.
_TEXT_KEYS = ("label", "help", "unit", "title", "intro", "introduction")
# Question keys compared on their own (options, items, themes) or not at all (code).
_QUOTED = (*_TEXT_KEYS, "scale label", "point label")
_OWN_KEYS = ("code", "options", "items", "themes", "labels", "point_labels", "show_if")


@dataclass(frozen=True)
class Change:
    """One difference: ``field`` is the format's key ("label", "score", "weight",
    "option", ...); ``target`` the option, item or theme it concerns ("" for the
    question itself); ``lang`` the language of a text. ``old`` None: added; ``new``
    None: removed."""

    field: str
    old: Any
    new: Any
    target: str = ""
    lang: str = ""

    @property
    def kind(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"

    def text(self) -> str:
        """One line: ``option yes label [de]: "Ja" -> "Jawohl"``."""
        where = " ".join(p for p in (self.field, self.target) if p)
        if self.target.startswith(("option ", "item ")):  # "option yes label", "item a weight x"
            owner, _, rest = self.target.partition(" ")
            code, _, theme = rest.partition(" ")
            where = " ".join(p for p in (owner, code, self.field, theme) if p)
        if self.lang:
            where += f" [{self.lang}]"
        quote = self.field in _QUOTED
        if self.kind == "added":
            return f"{where} added: {_show(self.new, quote)}"
        if self.kind == "removed":
            return f"{where} removed (was {_show(self.old, quote)})"
        return f"{where}: {_show(self.old, quote)} -> {_show(self.new, quote)}"


@dataclass
class Entry:
    """A question, a section or the questionnaire itself, with its changes."""

    kind: str  # "question", "section", "questionnaire"
    code: str
    status: str  # "added", "removed", "changed"
    label: dict[str, str]  # the newest label (or title) known
    section: str = ""  # a question's section (in the newer version when it exists)
    qtype: str = ""
    changes: list[Change] = field(default_factory=list)


@dataclass
class Diff:
    questions: list[Entry] = field(default_factory=list)
    sections: list[Entry] = field(default_factory=list)
    questionnaire: Entry | None = None

    @property
    def added(self) -> list[str]:
        return [e.code for e in self.questions if e.status == "added"]

    @property
    def removed(self) -> list[str]:
        return [e.code for e in self.questions if e.status == "removed"]

    @property
    def changed(self) -> dict[str, list[str]]:
        return {
            e.code: [c.text() for c in e.changes] for e in self.questions if e.status == "changed"
        }

    @property
    def entries(self) -> list[Entry]:
        head = [self.questionnaire] if self.questionnaire else []
        return head + self.sections + self.questions

    @property
    def empty(self) -> bool:
        return not self.entries

    def counts(self) -> dict[str, int]:
        counts = {"added": 0, "removed": 0, "changed": 0}
        for entry in self.questions:
            counts[entry.status] += 1
        return counts

    def lines(self) -> list[str]:
        """The diff as text: one line per entry, then one indented line per change."""
        sign = {"added": "+", "removed": "-", "changed": "~"}
        out: list[str] = []
        for entry in self.entries:
            name = entry.kind if entry.kind == "questionnaire" else f"{entry.kind} {entry.code}"
            head = f"{sign[entry.status]} {name}"
            if entry.status != "changed" and entry.label:
                head += f": {_show(entry.label.get('en') or next(iter(entry.label.values())))}"
            out.append(head)
            out += [f"    {change.text()}" for change in entry.changes]
        return out


def _show(value: Any, quote: bool = True) -> str:
    if isinstance(value, str) and quote:
        return '"' + value.replace("\n", " ") + '"'
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict) and set(value) <= set(LANGS):
        return _show(value.get("en", ""))
    return str(value)


def condition_text(cond: dict[str, Any] | None) -> str | None:
    """A condition as one line (``org_role = action_leader and size answered``)."""
    if not cond:
        return None
    for combinator, word in (("all", " and "), ("any", " or ")):
        if combinator in cond:
            parts = [condition_text(c) or "" for c in cond[combinator]]
            return "(" + word.join(parts) + ")"
    code = cond["question"]
    if "equals" in cond:
        return f"{code} = {cond['equals']}"
    if "not_equals" in cond:
        return f"{code} != {cond['not_equals']}"
    if "any_of" in cond:
        return f"{code} in {', '.join(cond['any_of'])}"
    if "answered" in cond:
        return f"{code} {'answered' if cond['answered'] else 'not answered'}"
    return str(code) if code is not None else None


def _texts(name: str, old: Any, new: Any, target: str = "") -> list[Change]:
    old, new = old or {}, new or {}
    changes = []
    for lang in [*LANGS, *sorted((set(old) | set(new)) - set(LANGS))]:
        before, after = old.get(lang) or None, new.get(lang) or None
        if before != after:
            changes.append(Change(name, before, after, target, lang))
    return changes


def _weights(old: dict[str, float], new: dict[str, float], target: str = "") -> list[Change]:
    changes = []
    for theme in [*old, *(k for k in new if k not in old)]:
        if old.get(theme) != new.get(theme):
            where = f"{target} {theme}".strip()
            changes.append(Change("weight", old.get(theme), new.get(theme), where))
    return changes


def _choices(kind: str, old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[Change]:
    """Options (or matrix items) by code: added, removed, relabelled, rescored, reweighted."""
    old_by = {o["code"]: o for o in old}
    new_by = {o["code"]: o for o in new}
    changes = []
    for code, o in new_by.items():
        if code not in old_by:
            changes.append(Change(kind, None, _label_with_score(o), code))
    for code, o in old_by.items():
        if code not in new_by:
            changes.append(Change(kind, _label_with_score(o), None, code))
    for code in [c for c in new_by if c in old_by]:
        a, b = old_by[code], new_by[code]
        changes += _texts("label", a.get("label"), b.get("label"), f"{kind} {code}")
        if a.get("score") != b.get("score"):
            changes.append(Change("score", a.get("score"), b.get("score"), f"{kind} {code}"))
        changes += _weights(a.get("themes") or {}, b.get("themes") or {}, f"{kind} {code}")
    kept_old = [c for c in old_by if c in new_by]
    kept_new = [c for c in new_by if c in old_by]
    if kept_old != kept_new:
        changes.append(Change(f"{kind} order", " ".join(kept_old), " ".join(kept_new)))
    return changes


def _label_with_score(option: dict[str, Any]) -> str:
    label = (option.get("label") or {}).get("en", option["code"])
    return f"{label} (score {_show(option['score'])})" if option.get("score") is not None else label


def _question_changes(a: dict[str, Any], b: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    for key in ("type", "required"):
        if a.get(key) != b.get(key):
            changes.append(Change(key, a.get(key), b.get(key)))
    changes += _texts("label", a.get("label"), b.get("label"))
    changes += _texts("help", a.get("help"), b.get("help"))
    changes += _choices("option", a.get("options", []), b.get("options", []))
    changes += _choices("item", a.get("items", []), b.get("items", []))
    changes += _weights(a.get("themes") or {}, b.get("themes") or {})
    before, after = condition_text(a.get("show_if")), condition_text(b.get("show_if"))
    if before != after:
        changes.append(Change("show_if", before, after))
    for end in ("low", "high"):
        changes += _texts(
            "scale label", (a.get("labels") or {}).get(end), (b.get("labels") or {}).get(end), end
        )
    old_points, new_points = a.get("point_labels") or [], b.get("point_labels") or []
    for index in range(max(len(old_points), len(new_points))):
        changes += _texts(
            "point label",
            old_points[index] if index < len(old_points) else None,
            new_points[index] if index < len(new_points) else None,
            str(index + 1),
        )
    rest = sorted((set(a) | set(b)) - set(_OWN_KEYS) - {"type", "required", "label", "help"})
    for key in rest:
        if key in _TEXT_KEYS:
            changes += _texts(key, a.get(key), b.get(key))
        elif a.get(key) != b.get(key):
            changes.append(Change(key, _setting(a.get(key)), _setting(b.get(key))))
    return changes


def _setting(value: Any) -> Any:
    if isinstance(value, dict):  # scoring: {min, max}
        return ", ".join(f"{k} {_show(v)}" for k, v in value.items())
    return value


def diff_definitions(old: dict[str, Any], new: dict[str, Any]) -> Diff:
    """Everything ``new`` changes against ``old`` (two normalised definitions)."""
    result = Diff()
    old_defn, new_defn = Definition(old), Definition(new)
    old_q, new_q = old_defn.by_code, new_defn.by_code
    for ref in new_defn.refs:
        code, q = ref.question["code"], ref.question
        entry = Entry(
            "question", code, "added", q.get("label") or {}, ref.section["code"], q["type"]
        )
        if code not in old_q:
            entry.changes = [Change("type", None, q["type"])]
            result.questions.append(entry)
            continue
        entry.status = "changed"
        entry.changes = _question_changes(old_q[code], q)
        before = old_defn.section_of(code)["code"]
        if before != ref.section["code"]:
            entry.changes.append(Change("section", before, ref.section["code"]))
        if entry.changes:
            result.questions.append(entry)
    for ref in old_defn.refs:
        code, q = ref.question["code"], ref.question
        if code not in new_q:
            result.questions.append(
                Entry(
                    "question",
                    code,
                    "removed",
                    q.get("label") or {},
                    ref.section["code"],
                    q["type"],
                )
            )
    old_s = {s["code"]: s for s in old["sections"]}
    new_s = {s["code"]: s for s in new["sections"]}
    for code, section in new_s.items():
        entry = Entry("section", code, "added", section.get("title") or {})
        if code in old_s:
            before = old_s[code]
            entry.status = "changed"
            entry.changes = _texts("title", before.get("title"), section.get("title"))
            entry.changes += _texts("intro", before.get("intro"), section.get("intro"))
            cond_before = condition_text(before.get("show_if"))
            cond_after = condition_text(section.get("show_if"))
            if cond_before != cond_after:
                entry.changes.append(Change("show_if", cond_before, cond_after))
        if entry.status == "added" or entry.changes:
            result.sections.append(entry)
    for code, section in old_s.items():
        if code not in new_s:
            result.sections.append(Entry("section", code, "removed", section.get("title") or {}))
    if [c for c in old_s if c in new_s] != [c for c in new_s if c in old_s]:
        result.sections.append(
            Entry(
                "section",
                "*",
                "changed",
                {},
                changes=[
                    Change(
                        "section order",
                        " ".join(c for c in old_s if c in new_s),
                        " ".join(c for c in new_s if c in old_s),
                    )
                ],
            )
        )
    top = _texts("title", old.get("title"), new.get("title"))
    top += _texts("introduction", old.get("introduction"), new.get("introduction"))
    if top:
        result.questionnaire = Entry(
            "questionnaire", new["code"], "changed", new.get("title") or {}, changes=top
        )
    return result
