"""Server-rendered SVG charts: accessible, offline, allowed by the CSP.

Every chart is one ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (the text
alternative, with the numbers), text labels on the picture itself, and colours from
colour-blind-safe palettes: the Okabe-Ito blue for bars and ColorBrewer's diverging
orange-purple scale (PuOr, 10 classes of 10 points) for heatmaps, so scores below and above
the middle of the scale read apart, with the text colour in each cell chosen for contrast
(WCAG ratio of at least 4.5).
Only SVG presentation attributes are used (``fill=``, ``stroke=``), never ``style=``.
The pages show the same numbers in a table beside each chart.

Charts are drawn on a viewBox 360 units wide, the width of a small phone, and scale up
to their container (CSS caps their width), so their text stays legible at 360 px.

A suppressed figure (disclosure control) is never drawn: no bar and no colour, only a
hatched empty place with the words the caller gives (``hidden``, e.g. "fewer than 3"),
in the picture and in its text alternative.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 360
TICKS = (0, 25, 50, 75, 100)  # the score axis of the bar charts
INK = "#1b1f24"
MUTED = "#4a5563"
GRID = "#c9d1db"
BAR = "#0072B2"  # Okabe-Ito blue
WHISKER = "#1b1f24"
EMPTY = "#f4f6f9"
# ColorBrewer PuOr, 10 classes (colour-blind safe): orange below 50, purple above.
SCALE = [
    "#7f3b08",
    "#b35806",
    "#e08214",
    "#fdb863",
    "#fee0b6",
    "#d8daeb",
    "#b2abd2",
    "#6f62a3",  # PuOr's #8073ac, darkened: white text on it reaches 4.5:1
    "#542788",
    "#2d004b",
]

_ids = itertools.count(1)


def _new_id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def _luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_on(background: str) -> str:
    """Ink or white, whichever reads better on ``background``."""
    return INK if contrast(INK, background) >= contrast("#ffffff", background) else "#ffffff"


def scale_colour(score: float | None) -> str:
    """The heatmap colour of a 0..100 score (no data: a pale grey)."""
    if score is None:
        return EMPTY
    index = min(len(SCALE) - 1, max(0, int(score / 100 * len(SCALE))))
    return SCALE[index]


def fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _text(
    x: float,
    y: float,
    content: str,
    *,
    size: int = 12,
    anchor: str = "start",
    fill: str = INK,
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}">{escape(content)}</text>'
    )


def _hatch() -> tuple[str, str]:
    """A hatch pattern for suppressed cells: (its <defs>, its fill reference)."""
    pattern_id = _new_id("hidden")
    defs = (
        f'<defs><pattern id="{pattern_id}" width="6" height="6" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{GRID}" stroke-width="2"/>'
        f"</pattern></defs>"
    )
    return defs, f"url(#{pattern_id})"


def _lines(
    x: float, y: float, content: str, width: int, size: int, *, anchor: str = "middle"
) -> list[str]:
    """``content`` wrapped to ``width`` characters, at most two lines centred on ``y``."""
    lines = wrap(content, width)[:2]
    step = size + 1
    top = y - (len(lines) - 1) * step / 2
    return [
        _text(x, top + k * step, line, size=size, anchor=anchor, weight="600")
        for k, line in enumerate(lines)
    ]


def _svg(height: float, title: str, desc: str, body: list[str], css_class: str) -> Markup:
    title_id, desc_id = _new_id("chart-title"), _new_id("chart-desc")
    return Markup(  # noqa: S704 - every text inside is escaped by _text / escape  # nosec B704 - reviewed: see the comment
        f'<svg class="chart {css_class}" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, sans-serif">'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<desc id="{desc_id}">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def wrap(label: str, width: int) -> list[str]:
    """Split a label into lines of at most ``width`` characters (at spaces)."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


# --- bars with confidence intervals ---------------------------------------------------


@dataclass(frozen=True)
class BarRow:
    label: str
    score: float | None  # 0..100
    n: int
    ci_low: float | None = None
    ci_high: float | None = None
    suppressed: bool = False


def score_bars(
    rows: Sequence[BarRow], title: str, n_label: str = "n", hidden: str = "hidden"
) -> Markup:
    """Horizontal bars on 0..100, one per row, with the 95 % interval as a whisker; a
    suppressed row gets no bar, only ``hidden`` in its hatched track."""
    left, right = 4, WIDTH - 52
    span = right - left
    row_height = 48
    top = 8
    defs, hatch = _hatch()
    body: list[str] = [defs]
    parts: list[str] = []

    def x(value: float) -> float:
        return left + span * max(0.0, min(100.0, value)) / 100

    def grid(bar_y: float) -> str:
        """The gridlines inside one track only (never across the labels above it)."""
        return "".join(
            f'<line x1="{x(tick):.1f}" y1="{bar_y}" x2="{x(tick):.1f}" y2="{bar_y + 16}" '
            f'stroke="{GRID}" stroke-width="0.5"/>'
            for tick in TICKS[1:-1]
        )

    y = top
    for row in rows:
        lines = wrap(row.label, 40)[:2]
        for k, line in enumerate(lines):
            body.append(_text(left, y + 15 + 17 * k, line, size=14, weight="600"))
        bar_y = y + 21 + 17 * (len(lines) - 1)
        y = bar_y + row_height - 21
        if row.suppressed:
            body.append(
                f'<rect x="{left}" y="{bar_y}" width="{span}" height="16" fill="{hatch}" '
                f'stroke="{GRID}" stroke-width="0.5"/>'
            )
            body.append(grid(bar_y))
            body.append(_text(left + 6, bar_y + 13, hidden, size=12, weight="600"))
            parts.append(f"{row.label}: {hidden}")
            continue
        body.append(
            f'<rect x="{left}" y="{bar_y}" width="{span}" height="16" fill="{EMPTY}" '
            f'stroke="{GRID}" stroke-width="0.5"/>'
        )
        body.append(grid(bar_y))
        if row.score is None:
            body.append(_text(left + 6, bar_y + 13, "no data", size=12, fill=MUTED))
            parts.append(f"{row.label}: no data")
            continue
        body.append(
            f'<rect x="{left}" y="{bar_y}" width="{x(row.score) - left:.1f}" height="16" '
            f'fill="{BAR}"/>'
        )
        if row.ci_low is not None and row.ci_high is not None:
            lo, hi, mid = x(row.ci_low), x(row.ci_high), bar_y + 8
            body.append(
                f'<path d="M{lo:.1f} {mid - 5}V{mid + 5}M{lo:.1f} {mid}H{hi:.1f}'
                f'M{hi:.1f} {mid - 5}V{mid + 5}" stroke="{WHISKER}" stroke-width="1.5" '
                f'fill="none"/>'
            )
        body.append(_text(right + 6, bar_y + 13, fmt(row.score), size=14, weight="700"))
        ci = (
            f", 95% interval {fmt(row.ci_low)} to {fmt(row.ci_high)}"
            if row.ci_low is not None
            else ""
        )
        parts.append(f"{row.label}: {fmt(row.score)} ({n_label} {row.n}{ci})")
    axis_y = y + 4
    body.append(
        f'<line x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}" stroke="{GRID}" stroke-width="1"/>'
    )
    for tick in TICKS:
        tx = x(tick)
        body.append(
            f'<line x1="{tx:.1f}" y1="{axis_y - 5}" x2="{tx:.1f}" y2="{axis_y}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(tx, axis_y + 14, str(tick), size=12, anchor="middle", fill=MUTED))
    desc = "Scores from 0 to 100. " + "; ".join(parts) + "."
    return _svg(axis_y + 20, title, desc, body, "chart-bars")


# --- heatmap ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    score: float | None
    n: int
    suppressed: bool = False


def heatmap(
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    cells: Sequence[Sequence[Cell]],
    title: str,
    hidden: str = "hidden",
) -> Markup:
    """A grid of scores, one row per ``row_labels`` entry; numbers printed in the cells
    (``hidden`` in a suppressed one)."""
    label_width = 124
    columns = len(column_labels)
    cell_width = (WIDTH - label_width - 2) / max(columns, 1)
    header = 36
    cell_height = 54
    defs, hatch = _hatch()
    body: list[str] = [defs]
    parts: list[str] = []
    for c, label in enumerate(column_labels):
        cx = label_width + c * cell_width + cell_width / 2
        lines = wrap(label, 11)[:2]
        for k, line in enumerate(lines):
            y = header - 8 - (len(lines) - 1 - k) * 14
            body.append(_text(cx, y, line, size=12, anchor="middle", weight="600"))
    for r, label in enumerate(row_labels):
        y = header + r * cell_height
        lines = wrap(label, 18)[:4]
        for k, line in enumerate(lines):
            ly = y + cell_height / 2 + 4 + (k - (len(lines) - 1) / 2) * 12.5
            body.append(_text(0, ly, line, size=12))
        for c in range(columns):
            cell = cells[r][c]
            x = label_width + c * cell_width
            if cell.suppressed:
                body.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{cell_width - 2:.1f}" '
                    f'height="{cell_height - 2}" fill="{hatch}" stroke="{GRID}" '
                    f'stroke-width="0.5"/>'
                )
                body += _lines(x + (cell_width - 2) / 2, y + cell_height / 2 + 3, hidden, 9, 12)
                parts.append(f"{label}, {column_labels[c]}: {hidden}")
                continue
            fill = scale_colour(cell.score)
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{cell_width - 2:.1f}" '
                f'height="{cell_height - 2}" fill="{fill}" stroke="{GRID}" stroke-width="0.5"/>'
            )
            body.append(
                _text(
                    x + (cell_width - 2) / 2,
                    y + cell_height / 2 + 4,
                    fmt(cell.score) if cell.score is not None else "–",
                    size=15,
                    anchor="middle",
                    fill=text_on(fill),
                    weight="700",
                )
            )
            parts.append(
                f"{label}, {column_labels[c]}: "
                + (f"{fmt(cell.score)} (n {cell.n})" if cell.score is not None else "no data")
            )
    height = header + len(row_labels) * cell_height + 4
    desc = (
        "Scores from 0 to 100: orange below 50, purple above, darker further from 50. "
        + "; ".join(parts)
        + "."
    )
    return _svg(height, title, desc, body, "chart-heatmap")


def scale_legend(title: str) -> Markup:
    """The heatmap colour scale, 0 to 100."""
    body = []
    step = (WIDTH - 8) / len(SCALE)
    for index, colour in enumerate(SCALE):
        body.append(
            f'<rect x="{4 + index * step:.1f}" y="4" width="{step:.1f}" height="14" '
            f'fill="{colour}" stroke="{GRID}" stroke-width="0.5"/>'
        )
    for index in range(0, len(SCALE) + 1, 2):
        value = round(100 * index / len(SCALE))
        anchor = "start" if index == 0 else "end" if index == len(SCALE) else "middle"
        body.append(_text(4 + index * step, 32, str(value), size=12, anchor=anchor, fill=MUTED))
    desc = (
        f"Colour scale in {len(SCALE)} steps of {100 // len(SCALE)} points: dark orange (0) "
        "through pale orange and pale purple (around 50) to dark purple (100)."
    )
    return _svg(38, title, desc, body, "chart-legend")


# --- histogram -------------------------------------------------------------------------


def histogram(bins: Sequence[tuple[str, int | None]], title: str, hidden: str = "hidden") -> Markup:
    """Vertical bars: how many responses score in each band (None: a suppressed band,
    with no bar, only ``hidden`` written upwards)."""
    left, bottom, top = 34, 170, 16
    count = len(bins)
    width = (WIDTH - left - 6) / max(count, 1)
    peak = max((n for _, n in bins if n is not None), default=0) or 1
    body: list[str] = []
    for tick in (0, peak // 2, peak) if peak > 1 else (0, peak):
        y = bottom - (bottom - top) * tick / peak
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - 4}" y2="{y:.1f}" stroke="{GRID}" '
            f'stroke-width="0.5"/>'
        )
        body.append(_text(left - 4, y + 4, str(tick), size=11, anchor="end", fill=MUTED))
    for index, (_label, n) in enumerate(bins):
        x = left + index * width
        if n is None:
            cx, cy = x + width / 2 + 4, bottom - 4
            body.append(
                f'<text x="{cx:.1f}" y="{cy:.1f}" font-size="11" text-anchor="start" '
                f'fill="{INK}" font-weight="600" transform="rotate(-90 {cx:.1f} {cy:.1f})">'
                f"{escape(hidden)}</text>"
            )
            continue
        height = (bottom - top) * n / peak
        body.append(
            f'<rect x="{x + 1:.1f}" y="{bottom - height:.1f}" width="{width - 2:.1f}" '
            f'height="{height:.1f}" fill="{BAR}"/>'
        )
        if n:
            body.append(_text(x + width / 2, bottom - height - 3, str(n), size=10, anchor="middle"))
    for index in range(0, count + 1, 2):
        value = round(100 * index / count)
        anchor = "end" if index == count else "middle"
        body.append(_text(left + index * width, bottom + 15, str(value), size=11, anchor=anchor))
    body.append(_text(WIDTH / 2, bottom + 29, "score", size=11, anchor="middle", fill=MUTED))
    desc = (
        "Responses per score band: "
        + "; ".join(f"{label}: {hidden if n is None else n}" for label, n in bins)
        + "."
    )
    return _svg(bottom + 34, title, desc, body, "chart-histogram")


# --- the Greek facade ------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A pillar or a step of the facade, with its cells for the five themes."""

    label: str  # "1".."5", "a", "b"
    title: str
    cells: Sequence[Cell]


def facade(
    theme_numbers: Sequence[str],
    overall: Sequence[Cell],
    pillars: Sequence[Column],
    steps: Sequence[Column],
    title: str,
    hidden: str = "hidden",
) -> Markup:
    """The Partnership's "Greek facade": the tympanum (the five themes overall) resting
    on five pillars and two steps, each cut into five cells, one per theme (top to
    bottom on pillars, left to right on steps), coloured by score."""
    themes = len(theme_numbers)
    defs, hatch = _hatch()
    body: list[str] = [defs]
    parts: list[str] = []

    def cell_at(x: float, y: float, w: float, h: float, cell: Cell, size: int) -> None:
        """One coloured cell with its score, or a hatched one saying ``hidden``."""
        fill = hatch if cell.suppressed else scale_colour(cell.score)
        body.append(
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{h}" fill="{fill}" '
            f'stroke="{INK}" stroke-width="0.75"/>'
        )
        if cell.suppressed:
            body.extend(_lines(x + w / 2, y + h / 2 + 3, hidden, 8, size - 2))
            return
        body.append(
            _text(
                x + w / 2,
                y + h / 2 + 4,
                fmt(cell.score) if cell.score is not None else "–",
                size=size,
                anchor="middle",
                fill=text_on(fill),
                weight="700",
            )
        )

    # Tympanum: a pediment with the five overall theme scores.
    apex, base = 14, 122
    body.append(
        f'<path d="M8 {base}L{WIDTH / 2} {apex}L{WIDTH - 8} {base}Z" fill="#ffffff" '
        f'stroke="{INK}" stroke-width="2"/>'
    )
    body.append(_text(WIDTH / 2, 64, "the five themes", size=11, anchor="middle", fill=MUTED))
    box = 28
    gap = 5
    start = WIDTH / 2 - (themes * box + (themes - 1) * gap) / 2
    for index, (number, cell) in enumerate(zip(theme_numbers, overall, strict=True)):
        x = start + index * (box + gap)
        fill = hatch if cell.suppressed else scale_colour(cell.score)
        ink = INK if cell.suppressed else text_on(fill)
        body.append(
            f'<rect x="{x:.1f}" y="76" width="{box}" height="{box}" fill="{fill}" '
            f'stroke="{INK}" stroke-width="0.75"/>'
        )
        body.append(_text(x + box / 2, 86, number, size=9, anchor="middle", fill=ink))
        if cell.suppressed:
            body.extend(_lines(x + box / 2, 97, hidden, 6, 7))
        else:
            score = fmt(cell.score) if cell.score is not None else "–"
            body.append(
                _text(x + box / 2, 100, score, size=10, anchor="middle", fill=ink, weight="700")
            )
        parts.append(f"theme {number} overall: {_say(cell, hidden)}")
    body.append(
        f'<rect x="14" y="{base}" width="{WIDTH - 28}" height="10" fill="{INK}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    # Pillars.
    top = base + 26
    cell_height = 30
    pillar_width = 52
    spacing = (WIDTH - 28 - len(pillars) * pillar_width) / max(len(pillars) - 1, 1)
    for p, pillar in enumerate(pillars):
        x = 14 + p * (pillar_width + spacing)
        body.append(
            _text(x + pillar_width / 2, top - 4, f"Pillar {pillar.label}", size=10, anchor="middle")
        )
        for t, cell in enumerate(pillar.cells):
            cell_at(x, top + t * cell_height, pillar_width, cell_height, cell, 11)
            parts.append(f"pillar {pillar.label}, theme {theme_numbers[t]}: {_say(cell, hidden)}")
    # Steps, each wider than the one above.
    y = top + themes * cell_height + 6
    step_height = 28
    for s, step in enumerate(steps):
        inset = 10 - s * 6
        width = WIDTH - 2 * inset
        body.append(
            _text(inset + 2, y + 11, f"Step {step.label}", size=10, anchor="start", fill=MUTED)
        )
        y += 14
        cell_width = width / themes
        for t, cell in enumerate(step.cells):
            cell_at(inset + t * cell_width, y, cell_width, step_height, cell, 11)
            parts.append(f"step {step.label}, theme {theme_numbers[t]}: {_say(cell, hidden)}")
        y += step_height + 4
    desc = (
        "A temple front: the tympanum holds the five themes' overall scores; five pillars "
        "and two steps below hold each theme's score (themes 1 to 5 from top to bottom on "
        "a pillar, from left to right on a step). " + "; ".join(parts) + "."
    )
    return _svg(y + 4, title, desc, body, "chart-facade")


def _say(cell: Cell, hidden: str = "hidden") -> str:
    if cell.suppressed:
        return hidden
    return f"{fmt(cell.score)} (n {cell.n})" if cell.score is not None else "no data"
