"""The privacy notice: a Markdown file in app/definitions, rendered to safe HTML.

Only the little Markdown the notice needs: headings, paragraphs, "- " lists, **bold**
and [links](https://... or mailto:...). Everything else is escaped.
"""

from __future__ import annotations

import re
from pathlib import Path

from markupsafe import Markup, escape

DEFINITIONS = Path(__file__).resolve().parent.parent / "definitions"
_LINK = re.compile(r"\[([^\]]+)\]\(((?:https://|mailto:)[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_HEADING = re.compile(r"^(#{1,3})\s+(.*)$")


def notice_path(lang: str) -> Path:
    localised = DEFINITIONS / f"privacy_notice.{lang}.md"
    return localised if localised.is_file() else DEFINITIONS / "privacy_notice.md"


def render_notice(lang: str, *, version: str, retention_months: int) -> Markup:
    text = notice_path(lang).read_text(encoding="utf-8")
    text = text.replace("{version}", version).replace("{retention_months}", str(retention_months))
    return render_markdown(text)


def _inline(text: str) -> str:
    html = str(escape(text))
    html = _LINK.sub(r'<a href="\2">\1</a>', html)
    return _BOLD.sub(r"<strong>\1</strong>", html)


def render_markdown(text: str) -> Markup:
    out: list[str] = []
    paragraph: list[str] = []  # raw lines; inline markup may span them
    items: list[list[str]] = []

    def flush() -> None:
        if paragraph:
            out.append("<p>" + _inline(" ".join(paragraph)) + "</p>")
            paragraph.clear()
        if items:
            out.append(
                "<ul>" + "".join(f"<li>{_inline(' '.join(item))}</li>" for item in items) + "</ul>"
            )
            items.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            flush()
        elif heading := _HEADING.match(stripped):
            flush()
            level = len(heading.group(1))
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif stripped.startswith("- "):
            if paragraph:
                flush()
            items.append([stripped[2:]])
        elif items and line.startswith(" "):
            items[-1].append(stripped)
        else:
            if items:
                flush()
            paragraph.append(stripped)
    flush()
    return Markup("\n".join(out))  # noqa: S704 - every piece of text went through escape()  # nosec B704 - reviewed: see the comment
