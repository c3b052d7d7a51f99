"""The results pages' finish: gridlines stay inside the bars' tracks (never through the
theme labels), "Filters (some applied)" only when a filter is in force, quotes name the
country rather than its code."""

from __future__ import annotations

import re

import pytest

from app.results import charts
from tests.test_results_pages import data  # noqa: F401 - the fixture


def test_gridlines_stay_inside_the_tracks():
    svg = str(
        charts.score_bars(
            [
                charts.BarRow(
                    "1. A label long enough to wrap onto a second line here", 40.0, 9, 30.0, 50.0
                ),
                charts.BarRow("2. Short", 60.0, 9),
                charts.BarRow("3. Hidden", None, 1, suppressed=True),
            ],
            "Scores",
        )
    )
    labels_y = [float(y) for y in re.findall(r'<text x="4.0" y="([\d.]+)"', svg)]
    assert labels_y, svg
    for y1, y2 in re.findall(
        r'<line x1="[\d.]+" y1="([\d.]+)" x2="[\d.]+" y2="([\d.]+)" stroke="#c9d1db" stroke-width="0.5"',
        svg,
    ):
        top, bottom = float(y1), float(y2)
        assert bottom - top <= 16
        assert not any(y > top and y - 14 < bottom for y in labels_y), "a gridline crosses a label"


@pytest.mark.parametrize(
    ("query", "applied"),
    [
        ("", False),
        ("?lang=en", False),
        ("?page=2&lang=de", False),
        ("?state=accepted", False),
        ("?kind=city", True),
        ("?country=IT&lang=fr", True),
    ],
)
def test_filters_say_applied_only_when_one_is(login_as, data, query, applied):  # noqa: F811
    html = login_as("admin").get(f"/results/{query}").get_data(as_text=True)
    summary = re.search(
        r"<summary>.*?</summary>", html[html.index('class="results-filters') :], re.S
    ).group(0)
    assert ('class="hint"' in summary) is applied, summary


def test_quotes_name_the_country(login_as, data):  # noqa: F811
    html = (
        login_as("admin").get("/results/themes/identity_democracy?lang=de").get_data(as_text=True)
    )
    sources = re.findall(r'<p class="quote-source">(.*?)</p>', html, re.S)
    assert sources and any(", Niederlande · " in source for source in sources), sources
