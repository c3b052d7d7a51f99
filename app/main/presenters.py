"""What the organisers' dashboard shows: the service's figures as rows, percentages,
ages and small server-drawn SVG charts (no script, no inline style: the CSP allows
neither)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from markupsafe import Markup, escape

from ..countries import EU_MEMBER_STATES
from ..models import ResponseState
from ..services.responding.participation import (
    NOT_STARTED,
    ActionProgress,
    Breakdown,
    Dashboard,
    weekly,
)

# The states in the order of a response's life, as the progress bar stacks them.
STATES = (
    NOT_STARTED,
    ResponseState.DRAFT.value,
    ResponseState.SUBMITTED.value,
    ResponseState.RETURNED.value,
    ResponseState.ACCEPTED.value,
    ResponseState.REJECTED.value,
)


def percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def age_days(moment: datetime | None, now: datetime) -> int | None:
    return None if moment is None else max(0, (now - moment).days)


def progress_bar(row: ActionProgress, label: str) -> Markup:
    """A bar of the organisations asked, split by the state of their response."""
    if not row.invited:
        return Markup("")
    parts, x = [], 0.0
    for state in STATES:
        width = 100 * row.count(state) / row.invited
        if width:
            parts.append(
                f'<rect class="seg seg-{state}" x="{x:.2f}" y="0" width="{width:.2f}" height="10"/>'
            )
            x += width
    return Markup(  # noqa: S704 - numbers and escaped labels only  # nosec B704
        '<svg class="progress-bar" viewBox="0 0 100 10" preserveAspectRatio="none" '
        f'role="img" aria-label="{escape(label)}">{"".join(parts)}</svg>'
    )


def rate_bar(rate: float | None) -> Markup:
    """A thin bar for a response rate (0..1)."""
    width = 100 * (rate or 0)
    return Markup(  # noqa: S704 - numbers and escaped labels only  # nosec B704
        '<svg class="rate-bar" viewBox="0 0 100 6" preserveAspectRatio="none" aria-hidden="true">'
        '<rect class="rate-track" x="0" y="0" width="100" height="6"/>'
        f'<rect class="rate-fill" x="0" y="0" width="{width:.2f}" height="6"/></svg>'
    )


@dataclass
class Timeline:
    number: int
    weeks: list[tuple[date, int, int]]  # Monday, that week's submissions, cumulative
    invited: int
    deadline: date | None
    svg: Markup


def timeline(
    row: ActionProgress, days: list[tuple[date, int]], today: date, label: str
) -> Timeline:
    """Cumulative submissions by week against the organisations asked, with the deadline
    drawn as a vertical line."""
    weeks = weekly(days)
    deadline = row.deadline.day if row.deadline else None
    return Timeline(
        row.action.number,
        weeks,
        row.invited,
        deadline,
        _chart(weeks, row.invited, deadline, today, label),
    )


def _chart(
    weeks: list[tuple[date, int, int]], invited: int, deadline: date | None, today: date, label: str
) -> Markup:
    width, height, pad = 240.0, 92.0, 4.0
    axis = 14.0  # room under the plot for the first and last day
    if not weeks:
        return Markup("")
    start = weeks[0][0]
    end = max(weeks[-1][0] + timedelta(days=7), deadline or start, today)
    span = max((end - start).days, 7)
    top = max(invited, weeks[-1][2], 1)

    def x(day: date) -> float:
        return pad + (width - 2 * pad) * (day - start).days / span

    def y(value: int) -> float:
        return height - axis - pad - (height - axis - 2 * pad) * value / top

    points = [f"{x(start):.1f},{y(0):.1f}"]
    for monday, _count, total in weeks:
        points.append(f"{x(monday + timedelta(days=7)):.1f},{y(total):.1f}")
    parts = [
        f'<line class="chart-target" x1="{pad}" y1="{y(invited):.1f}" x2="{width - pad}" y2="{y(invited):.1f}"/>',
        f'<polyline class="chart-line" points="{" ".join(points)}"/>',
    ]
    base = height - axis
    if deadline is not None:
        dx = x(deadline + timedelta(days=1))
        parts.append(
            f'<line class="chart-deadline" x1="{dx:.1f}" y1="{pad}" x2="{dx:.1f}" y2="{base:.1f}"/>'
        )
    tx = x(today)
    parts += [
        f'<line class="chart-axis" x1="{pad}" y1="{base:.1f}" x2="{width - pad}" y2="{base:.1f}"/>',
        f'<line class="chart-today" x1="{tx:.1f}" y1="{base:.1f}" x2="{tx:.1f}" y2="{base - 6:.1f}"/>',
        f'<text class="chart-tick" x="{pad}" y="{height - 2:.1f}">{start.isoformat()}</text>',
        f'<text class="chart-tick" x="{width - pad}" y="{height - 2:.1f}" '
        f'text-anchor="end">{end.isoformat()}</text>',
    ]
    return Markup(  # noqa: S704 - numbers and escaped labels only  # nosec B704
        f'<svg class="timeline" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="{escape(label)}">{"".join(parts)}</svg>'
    )


def silent_countries(by_country: list[Breakdown]) -> tuple[list[str], list[str]]:
    """(countries asked but without any submission yet, EU Member States with nobody
    asked at all), as country codes."""
    asked = {b.key for b in by_country}
    silent = sorted(b.key for b in by_country if b.key and not b.answered)
    nobody = sorted(EU_MEMBER_STATES - asked)
    return silent, nobody


def totals(board: Dashboard) -> dict[str, int | None]:
    return {
        "invited": board.invited,
        "answered": board.answered,
        "rate": percent(board.answered, board.invited),
        "waiting": board.waiting,
        "not_started": board.total(NOT_STARTED),
        "draft": board.total(ResponseState.DRAFT.value),
    }
