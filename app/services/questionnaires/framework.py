"""Load the Partnership's framework (themes, perspectives, pillars, actions) idempotently."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...i18n import as_translations
from ...models import Action, Perspective, Pillar, Theme

TRANSLATED_FIELDS = ("title", "short_title", "statement", "description")


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def framework_path() -> Path:
    return Path(str(resources.files("app.definitions") / "framework.yaml"))


def load_framework_file(path: Path | None = None) -> dict[str, Any]:
    with open(path or framework_path(), encoding="utf-8") as handle:
        framework: dict[str, Any] = yaml.safe_load(handle)
    return framework


def _apply(row: Any, data: dict[str, Any], report: SeedReport, label: str, is_new: bool) -> None:
    """Copy plain and translated fields onto ``row``, noting whether anything changed."""
    translations: dict[str, dict[str, str]] = {}
    changed = False
    for name, value in data.items():
        if name in TRANSLATED_FIELDS:
            texts = as_translations(value)
            english = texts.pop("en", "")
            for lang, text in texts.items():
                translations.setdefault(lang, {})[name] = text
            value = english
        if getattr(row, name, None) != value:
            setattr(row, name, value)
            changed = True
    if (row.translations or {}) != translations:
        row.translations = translations
        changed = True
    if is_new:
        report.created.append(label)
    elif changed:
        report.updated.append(label)


def seed_framework(session: Session, data: dict[str, Any] | None = None) -> SeedReport:
    """Create or update the framework rows from ``framework.yaml``; never deletes."""
    data = data or load_framework_file()
    report = SeedReport()

    def upsert(model: type, key: str, fields: dict[str, Any], label: str) -> Any:
        row = session.scalar(select(model).filter_by(key=key))
        is_new = row is None
        if is_new:
            row = model(key=key, translations={})
            session.add(row)
        _apply(row, fields, report, label, is_new)
        return row

    for position, item in enumerate(data["themes"], start=1):
        fields = {k: item.get(k, "") for k in ("title", "statement", "description")}
        upsert(Theme, item["key"], {**fields, "position": position}, f"theme {item['key']}")
    perspectives = {}
    for position, item in enumerate(data["perspectives"], start=1):
        fields = {"title": item["title"], "description": item.get("description", "")}
        perspectives[item["key"]] = upsert(
            Perspective, item["key"], {**fields, "position": position}, f"perspective {item['key']}"
        )
    pillars = {}
    for position, item in enumerate(data["pillars"], start=1):
        fields = {
            "title": item["title"],
            "kind": item["kind"],
            "label": str(item["label"]),
            "description": item.get("description", ""),
            "position": position,
        }
        pillars[item["key"]] = upsert(Pillar, item["key"], fields, f"pillar {item['key']}")
    session.flush()
    for item in data["actions"]:
        action = session.scalar(select(Action).filter_by(number=item["number"]))
        is_new = action is None
        if is_new:
            action = Action(number=item["number"], translations={})
            session.add(action)
        fields = {
            "title": item["title"],
            "short_title": item["short_title"],
            "description": item.get("description", ""),
            "pillar_id": pillars[item["pillar"]].id,
            "perspective_id": perspectives[item["perspective"]].id,
        }
        _apply(action, fields, report, f"action {item['number']}", is_new)
    session.flush()
    return report
