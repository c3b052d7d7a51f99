"""From the aggregation's dataclasses to what the templates show: charts and labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

from ..definitions import answers as codec
from ..definitions.model import text
from ..services.aggregation import Bin, Breakdown, Stat, ThemeInfo, ThemeScore
from . import charts

# Dimensions whose groups are the framework's (all shown, even without data).
FIXED_GROUPS = ("action", "perspective", "pillar")


def bar_row(label: str, stat: Stat) -> charts.BarRow:
    return charts.BarRow(label, stat.score, stat.n, stat.ci_low, stat.ci_high)


def theme_bars(scores: Sequence[ThemeScore], title: str) -> Markup:
    return charts.score_bars(
        [bar_row(f"{s.theme.position}. {s.theme.title}", s.stat) for s in scores], title
    )


def breakdown_rows(bd: Breakdown, theme_key: str) -> list[tuple[Any, Stat]]:
    """The groups to show for one theme: all framework groups, other groups with data."""
    rows = bd.for_theme(theme_key)
    if bd.by in FIXED_GROUPS:
        return rows
    return [(group, stat) for group, stat in rows if stat.n]


def breakdown_bars(bd: Breakdown, theme_key: str, title: str) -> Markup:
    return charts.score_bars(
        [bar_row(group.label, stat) for group, stat in breakdown_rows(bd, theme_key)], title
    )


def perspective_heatmap(bd: Breakdown, title: str) -> Markup:
    """Themes (rows) by perspectives (columns)."""
    return charts.heatmap(
        [f"{t.position}. {t.title}" for t in bd.themes],
        [g.label for g in bd.groups],
        [[_cell(bd.cell(g.key, t.key)) for g in bd.groups] for t in bd.themes],
        title,
    )


def _cell(stat: Stat) -> charts.Cell:
    return charts.Cell(stat.score, stat.n)


def facade(
    scores: Sequence[ThemeScore], bd: Breakdown, kinds: dict[str, str], title: str
) -> Markup:
    """The Greek facade: ``kinds`` maps pillar keys to "pillar" or "step"."""
    themes: list[ThemeInfo] = bd.themes
    numbers = [str(t.position) for t in themes]

    def column(group: Any) -> charts.Column:
        return charts.Column(
            group.short, group.label, [_cell(bd.cell(group.key, t.key)) for t in themes]
        )

    pillars = [column(g) for g in bd.groups if kinds.get(g.key) == "pillar"]
    # Steps are drawn top-down: step b (governance) rests on step a (funding).
    steps = [column(g) for g in bd.groups if kinds.get(g.key) == "step"][::-1]
    return charts.facade(numbers, [_cell(s.stat) for s in scores], pillars, steps, title)


def histogram(bins: Sequence[Bin], title: str) -> Markup:
    return charts.histogram([(b.label, b.count) for b in bins], title)


def display_value(
    spec: dict[str, Any], item: str, value: str, other_text: str | None, lang: str
) -> str:
    """A stored answer (one row) in words: option labels, scale points, yes/no..."""
    qtype = spec.get("type")
    if qtype == "matrix":
        return codec.point_label(spec, value, lang)
    if qtype in ("multiple_choice", "ranking"):
        return codec.display(spec, [v for v in value.split(";") if v], other_text, lang)
    return codec.display(spec, value, other_text, lang)


def item_label(spec: dict[str, Any], item: str, lang: str) -> str:
    for entry in spec.get("items", []):
        if entry["code"] == item:
            return text(entry["label"], lang)
    return item


def stat_sentence(stat: Stat) -> str:
    """'62.5 (95% interval 51.0 to 74.0, n = 24)' for a score and its uncertainty."""
    if stat.score is None:
        return _("no data")
    if stat.ci_low is None:
        return _("%(score)s (n = %(n)s)", score=charts.fmt(stat.score), n=stat.n)
    return _(
        "%(score)s (95%% interval %(low)s to %(high)s, n = %(n)s)",
        score=charts.fmt(stat.score),
        low=charts.fmt(stat.ci_low),
        high=charts.fmt(stat.ci_high),
        n=stat.n,
    )
