"""The recommendation report: per theme, the statement, the score and its uncertainty,
the strongest and weakest actions and perspectives, and a few quotes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .aggregation import Breakdown, Filters, Group, Stat, ThemeInfo, ThemeScore, figures
from .evidence import Quote, selected_quotes

MIN_GROUP_N = 5  # a group is ranked only with at least this many responses


@dataclass
class ThemeReport:
    theme: ThemeInfo
    stat: Stat
    strongest_actions: list[tuple[Group, Stat]] = field(default_factory=list)
    weakest_actions: list[tuple[Group, Stat]] = field(default_factory=list)
    strongest_perspective: tuple[Group, Stat] | None = None
    weakest_perspective: tuple[Group, Stat] | None = None
    quotes: list[Quote] = field(default_factory=list)


@dataclass
class Report:
    themes: list[ThemeReport]
    scores: list[ThemeScore]
    by_action: Breakdown
    by_perspective: Breakdown


def _ends(
    ranked: list[tuple[Group, Stat]], size: int
) -> tuple[list[tuple[Group, Stat]], list[tuple[Group, Stat]]]:
    """The best ``size`` and the worst ``size`` (worst first), never overlapping."""
    if len(ranked) < 2:
        return ranked, []
    k = min(size, len(ranked) // 2)
    return ranked[:k], ranked[-k:][::-1]


def build_report(session: Any, filters: Filters, lang: str = "en", cache: Any = None) -> Report:
    """The report's figures, for the filters' audience: the responses in its scope only,
    the cells it may not see hidden (never ranked)."""
    scores, breakdowns = figures(session, filters, ("action", "perspective"), lang, cache=cache)
    by_action = breakdowns["action"]
    by_perspective = breakdowns["perspective"]
    themes = []
    for item in scores:
        key = item.theme.key
        strongest, weakest = _ends(by_action.ranked(key, MIN_GROUP_N), 2)
        best, worst = _ends(by_perspective.ranked(key, MIN_GROUP_N), 1)
        themes.append(
            ThemeReport(
                theme=item.theme,
                stat=item.stat,
                strongest_actions=strongest,
                weakest_actions=weakest,
                strongest_perspective=best[0] if best else None,
                weakest_perspective=worst[0] if worst else None,
                quotes=selected_quotes(session, filters, key, lang, cache=cache),
            )
        )
    return Report(themes, scores, by_action, by_perspective)
