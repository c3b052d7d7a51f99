"""From the aggregation's dataclasses to what the templates show: charts and labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from ..definitions import answers as codec
from ..definitions.model import text
from ..services.results.aggregation import (
    DIMENSION_LABELS,
    Bin,
    Breakdown,
    Stat,
    ThemeInfo,
    ThemeScore,
)
from ..services.results.disclosure import Audience
from ..services.results.evidence import FeedRow
from . import charts

# Dimensions whose groups are the framework's (all shown, even without data).
FIXED_GROUPS = ("action", "perspective", "pillar")


def hidden_label(audience: Audience) -> str:
    """What a suppressed cell says instead of its figures: "fewer than 3"."""
    return _("fewer than %(n)s", n=audience.min_orgs)


def bar_row(label: str, stat: Stat) -> charts.BarRow:
    return charts.BarRow(label, stat.score, stat.n, stat.ci_low, stat.ci_high, stat.suppressed)


def theme_bars(scores: Sequence[ThemeScore], title: str, audience: Audience) -> Markup:
    return charts.score_bars(
        [bar_row(f"{s.theme.position}. {s.theme.title}", s.stat) for s in scores],
        title,
        hidden=hidden_label(audience),
    )


def breakdown_rows(bd: Breakdown, theme_key: str) -> list[tuple[Any, Stat]]:
    """The groups to show for one theme: all framework groups, other groups with data
    (hidden or not)."""
    rows = bd.for_theme(theme_key)
    if bd.by in FIXED_GROUPS:
        return rows
    return [(group, stat) for group, stat in rows if stat.n or stat.suppressed]


def breakdown_bars(bd: Breakdown, theme_key: str, title: str, audience: Audience) -> Markup:
    return charts.score_bars(
        [bar_row(group.label, stat) for group, stat in breakdown_rows(bd, theme_key)],
        title,
        hidden=hidden_label(audience),
    )


def in_sentence(label: str) -> str:
    """A translated label inside a phrase ("By kind of organisation"): lower-cased, except
    in German, which writes every noun with a capital ("Nach Art der Organisation")."""
    locale = get_locale()
    return label if locale is not None and locale.language == "de" else label.lower()


def theme_breakdowns(
    breakdowns: dict[str, Breakdown], theme: ThemeInfo, audience: Audience
) -> list[tuple[str, str, list[tuple[Any, Stat]], Markup]]:
    """Per dimension: its key, its label as used inside a phrase (translated), the rows to
    show and their chart."""
    sections = []
    for by, bd in breakdowns.items():
        label = in_sentence(_(DIMENSION_LABELS[by]))
        title = _("%(theme)s by %(dimension)s", theme=theme.title, dimension=label)
        sections.append(
            (
                by,
                label,
                breakdown_rows(bd, theme.key),
                breakdown_bars(bd, theme.key, title, audience),
            )
        )
    return sections


def perspective_heatmap(bd: Breakdown, title: str, audience: Audience) -> Markup:
    """Themes (rows) by perspectives (columns)."""
    return charts.heatmap(
        [f"{t.position}. {t.title}" for t in bd.themes],
        [g.label for g in bd.groups],
        [[_cell(bd.cell(g.key, t.key)) for g in bd.groups] for t in bd.themes],
        title,
        hidden=hidden_label(audience),
    )


def _cell(stat: Stat) -> charts.Cell:
    return charts.Cell(stat.score, stat.n, stat.suppressed)


def facade(
    scores: Sequence[ThemeScore],
    bd: Breakdown,
    kinds: dict[str, str],
    title: str,
    audience: Audience,
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
    return charts.facade(
        numbers,
        [_cell(s.stat) for s in scores],
        pillars,
        steps,
        title,
        hidden=hidden_label(audience),
    )


def histogram(bins: Sequence[Bin], title: str, audience: Audience) -> Markup:
    return charts.histogram(
        [(b.label, None if b.suppressed else b.count) for b in bins],
        title,
        hidden=hidden_label(audience),
    )


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


@dataclass
class ActionFeeds:
    """The questions of one action that feed a theme, summed up."""

    action: int
    title: str
    rows: list[FeedRow]

    @property
    def summed(self) -> bool:
        """Whether the action's totals may be shown: not under disclosure control (they
        would give hidden questions' figures away)."""
        return all(r.share is not None for r in self.rows)

    @property
    def share(self) -> float:
        return sum(r.share or 0.0 for r in self.rows)

    @property
    def answers(self) -> int:
        return sum(r.n for r in self.rows)

    @property
    def mean(self) -> float | None:
        """The answers' mean value, weighted as in the scores (weight x answers)."""
        mass = sum(r.weight * r.n for r in self.rows if r.mean is not None)
        if not mass:
            return None
        return sum(r.weight * r.n * r.mean for r in self.rows if r.mean is not None) / mass


def feeds_by_action(feeds: Sequence[FeedRow], titles: dict[int, str]) -> list[ActionFeeds]:
    groups: dict[int, ActionFeeds] = {}
    for row in feeds:
        groups.setdefault(row.action, ActionFeeds(row.action, titles.get(row.action, ""), []))
        groups[row.action].rows.append(row)
    return [groups[n] for n in sorted(groups)]


def stat_detail(stat: Stat, audience: Audience) -> str:
    """'95% interval 51.0 to 74.0 · n = 24' (the score itself shown apart)."""
    if stat.suppressed:
        return _("organisations: too few to show their figures")
    if stat.score is None:
        return _("no data")
    if stat.ci_low is None:
        return _("n\u00a0=\u00a0%(n)s", n=stat.n)
    return _(
        "95%% interval %(low)s to %(high)s · n\u00a0=\u00a0%(n)s",
        low=charts.fmt(stat.ci_low),
        high=charts.fmt(stat.ci_high),
        n=stat.n,
    )


def stat_sentence(stat: Stat, audience: Audience) -> str:
    """'62.5 (95% interval 51.0 to 74.0, n = 24)' for a score and its uncertainty."""
    if stat.suppressed:
        return hidden_label(audience)
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


@dataclass
class Summary:
    """A table summing up the answers to one question."""

    headers: list[str]
    rows: list[list[Any]]  # first cell a label, then numbers
    note: str = ""


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.0f}%" if total else "–"


def answer_summary(spec: dict[str, Any], counts: Sequence[Any], lang: str) -> Summary | None:
    """How the answers to a question are spread, in the question's own terms: points per
    matrix row, options in their order, chosen options, first ranks, number ranges."""
    qtype = spec.get("type")
    per_value: dict[str, int] = {}
    for c in counts:
        per_value[c.value] = per_value.get(c.value, 0) + c.count
    total = sum(per_value.values())
    if qtype == "matrix":
        points = [str(p) for p in range(1, spec["points"] + 1)] + (
            ["dk"] if spec.get("dont_know") else []
        )
        table: dict[str, dict[str, int]] = {}
        for c in counts:
            table.setdefault(c.item, {})[c.value] = c.count
        headers = [_("Row")] + [codec.point_label(spec, p, lang) for p in points] + [_("Total")]
        rows = []
        for item in spec.get("items", []):
            cells = table.get(item["code"], {})
            rows.append(
                [text(item["label"], lang)]
                + [cells.get(p, 0) for p in points]
                + [sum(cells.values())]
            )
        return Summary(headers, rows)
    if qtype in ("single_choice", "likert", "yes_no"):
        if qtype == "single_choice":
            order = [o["code"] for o in spec["options"]] + (["other"] if spec.get("other") else [])
        elif qtype == "likert":
            order = [str(p) for p in range(1, spec["points"] + 1)]
            order += ["dk"] if spec.get("dont_know") else []
        else:
            order = ["yes", "no"]
        rows = [
            [
                display_value(spec, "", v, None, lang),
                per_value.get(v, 0),
                _share(per_value.get(v, 0), total),
            ]
            for v in order
        ]
        return Summary([_("Answer"), _("Responses"), _("Share")], rows)
    if qtype in ("multiple_choice", "ranking"):
        chosen: dict[str, int] = {}
        for value, count in per_value.items():
            codes = [c for c in value.split(";") if c]
            for code in codes[:1] if qtype == "ranking" else codes:
                chosen[code] = chosen.get(code, 0) + count
        order = [o["code"] for o in spec["options"]] + (["other"] if spec.get("other") else [])
        rows = [
            [
                codec.option_label(spec, code, lang),
                chosen.get(code, 0),
                _share(chosen.get(code, 0), total),
            ]
            for code in order
        ]
        head = _("Ranked first") if qtype == "ranking" else _("Chosen by")
        note = _("Shares of the %(n)s responses that answered.", n=total)
        return Summary([_("Option"), head, _("Share")], rows, note)
    if qtype == "number" and per_value:
        values = sorted((float(v), n) for v, n in per_value.items() if _is_number(v))
        if not values:
            return None
        expanded_n = sum(n for _v, n in values)
        mean = sum(v * n for v, n in values) / expanded_n
        median = _weighted_median(values, expanded_n)
        return Summary(
            [_("Answers"), _("Lowest"), _("Median"), _("Mean"), _("Highest")],
            [[expanded_n, f"{values[0][0]:g}", f"{median:g}", f"{mean:.1f}", f"{values[-1][0]:g}"]],
        )
    if qtype in ("country", "date") and per_value:
        top = sorted(per_value.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
        rows = [[display_value(spec, "", v, None, lang), n, _share(n, total)] for v, n in top]
        return Summary([_("Answer"), _("Responses"), _("Share")], rows)
    return None


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _weighted_median(values: Sequence[tuple[float, int]], total: int) -> float:
    middle = (total + 1) / 2
    seen = 0
    for value, count in values:
        seen += count
        if seen >= middle:
            return value
    return values[-1][0]
