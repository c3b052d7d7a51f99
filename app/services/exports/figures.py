"""The theme figures as JSON-ready dicts, CSV rows and plain-text tables (CLI and the
report's CSV). CSV goes through ``csv_safe`` (the one formula-injection rule of every
export)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..results.aggregation import DIMENSION_LABELS, Breakdown, Stat, ThemeScore
from .csv_safe import csv_rows

CSV_HEADER = [
    "theme_key",
    "theme",
    "breakdown",
    "group",
    "group_label",
    "score",
    "n",
    "sd",
    "ci_low",
    "ci_high",
    "suppressed",  # true: the figures are hidden (disclosure control) and left empty
]


def to_csv(rows: Iterable[Sequence[Any]]) -> str:
    """The rows as CSV text (CRLF line ends), every cell spreadsheet-safe."""
    return "".join(csv_rows(rows, lineterminator="\r\n"))


def _stat_cells(stat: Stat) -> list[Any]:
    figures = stat.as_dict()
    values = ["" if figures[k] is None else figures[k] for k in CSV_HEADER[5:-1]]
    return [*values, "true" if stat.suppressed else "false"]


def figure_rows(scores: Sequence[ThemeScore], breakdowns: Sequence[Breakdown]) -> list[list[Any]]:
    """CSV rows (header first): each theme overall, then per group of each breakdown."""
    rows: list[list[Any]] = [CSV_HEADER]
    for item in scores:
        theme = item.theme
        rows.append([theme.key, theme.title, "overall", "", "", *_stat_cells(item.stat)])
        for result in breakdowns:
            for group, stat in result.for_theme(theme.key):
                rows.append(
                    [theme.key, theme.title, result.by, group.key, group.label, *_stat_cells(stat)]
                )
    return rows


def figures_json(
    scores: Sequence[ThemeScore], breakdowns: Sequence[Breakdown]
) -> list[dict[str, Any]]:
    """One object per theme: key, title, score, n, sd, ci_low, ci_high, suppressed, and
    per breakdown (``by_action``, ``by_country``, ...) a list of the same per group. A
    suppressed cell has every figure null."""
    result = []
    for item in scores:
        entry: dict[str, Any] = {"key": item.theme.key, "title": item.theme.title}
        entry.update(item.stat.as_dict())
        for bd in breakdowns:
            entry[f"by_{bd.by}"] = [
                {"group": group.key, "label": group.label, **stat.as_dict()}
                for group, stat in bd.for_theme(item.theme.key)
            ]
        result.append(entry)
    return result


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def figures_table(
    scores: Sequence[ThemeScore], breakdowns: Sequence[Breakdown], hidden: str = "hidden"
) -> str:
    """A plain-text table for the terminal; ``hidden`` stands for a suppressed cell's
    figures (e.g. "fewer than 3")."""
    head = f"{'':<46} {'score':>6} {'n':>7} {'sd':>6}  {'95% CI':<13}"
    lines = [head, "-" * len(head)]

    def line(label: str, stat: Stat) -> str:
        if stat.suppressed:
            return f"{label[:46]:<46} {hidden}"
        ci = f"{_fmt(stat.ci_low)}–{_fmt(stat.ci_high)}" if stat.ci_low is not None else "–"
        return f"{label[:46]:<46} {_fmt(stat.score):>6} {stat.n:>7} {_fmt(stat.sd):>6}  {ci:<13}"

    for item in scores:
        lines.append(line(item.theme.title, item.stat))
        for bd in breakdowns:
            lines.append(f"  by {DIMENSION_LABELS[bd.by].lower()}:")
            for group, stat in bd.for_theme(item.theme.key):
                if stat.n or stat.suppressed:
                    lines.append(line(f"    {group.label}", stat))
    return "\n".join(lines)
