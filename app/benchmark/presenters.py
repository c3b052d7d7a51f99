"""From the benchmark service's dataclasses to what its page shows: labelled rows."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from ..countries import country_name
from ..labels import label
from ..models import OrgKind, SizeBand
from ..services.results.aggregation import Stat
from ..services.results.benchmark import Benchmark, Comparison


@dataclass(frozen=True)
class Line:
    """One line of a theme's comparison: who, and their score (0..100) or why none."""

    label: str
    score: float | None
    stat: Stat | None  # None: the organisation's own score
    own: bool = False


def comparison_label(comparison: Comparison, lang: str) -> str:
    if comparison.key == "partnership":
        return _("The whole Partnership")
    if comparison.key == "action":
        return _("Everyone who answered action %(n)s", n=comparison.group)
    if comparison.key == "kind":
        return _("Same kind: %(kind)s", kind=label(OrgKind(comparison.group)))
    if comparison.key == "size":
        return _("Cities of the same size: %(size)s", size=label(SizeBand(comparison.group)))
    return _("Same country: %(country)s", country=country_name(comparison.group, lang))


def theme_lines(result: Benchmark, index: int, lang: str) -> list[Line]:
    theme = result.themes[index]
    lines = [Line(_("Your organisation"), theme.own, None, own=True)]
    for comparison in result.comparisons:
        stat = theme.figures[comparison.key]
        lines.append(Line(comparison_label(comparison, lang), stat.score, stat))
    return lines
