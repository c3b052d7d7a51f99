"""The SVG charts are accessible and safe, and the CSV export cannot run formulas."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from app.results import charts
from app.services.exports.figures import to_csv

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))  # well-formed XML, or this raises


def accessible(root: ET.Element) -> tuple[str, str]:
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert set(root.get("aria-labelledby").split()) == {title.get("id"), desc.get("id")}
    assert all(el.get("style") is None for el in root.iter())
    return title.text, desc.text


def test_bars_say_their_numbers():
    rows = [
        charts.BarRow("Resilience", 62.5, 40, 55.1, 69.9),
        charts.BarRow("Identity", None, 0),
        charts.BarRow("Inclusion", 12.0, 1),
    ]
    root = parse(charts.score_bars(rows, "Theme scores"))
    title, desc = accessible(root)
    assert title == "Theme scores"
    assert "Resilience: 62.5 (n 40, 95% interval 55.1 to 69.9)" in desc
    assert "Identity: no data" in desc and "Inclusion: 12.0 (n 1)" in desc
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "62.5" in texts and "no data" in texts and "Resilience" in texts


def test_labels_are_escaped():
    markup = str(charts.score_bars([charts.BarRow("<script>alert(1)</script>", 50, 3)], "<b>"))
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    parse(markup)


def test_heatmap_and_facade_and_histogram_are_accessible():
    cells = [
        [charts.Cell(10.0, 5), charts.Cell(None, 0)],
        [charts.Cell(95.0, 8), charts.Cell(50, 2)],
    ]
    _, desc = accessible(parse(charts.heatmap(["Theme A", "Theme B"], ["P", "Q"], cells, "H")))
    assert "Theme A, Q: no data" in desc and "Theme B, P: 95.0 (n 8)" in desc
    column = charts.Column("1", "Tourism", [charts.Cell(40.0, 3)] * 5)
    facade = charts.facade(
        ["1", "2", "3", "4", "5"], [charts.Cell(50.0, 9)] * 5, [column] * 5, [column] * 2, "F"
    )
    _, desc = accessible(parse(facade))
    assert "pillar 1, theme 5: 40.0 (n 3)" in desc and "tympanum" in desc
    _, desc = accessible(parse(charts.histogram([("0–10", 3), ("10–20", 0)], "D")))
    assert "0–10: 3" in desc
    accessible(parse(charts.scale_legend("Scale")))


def test_suppressed_figures_are_never_drawn():
    """Disclosure control: no bar, no colour, no number for a hidden cell; its words in
    the picture and in the text alternative."""
    rows = [
        charts.BarRow("Germany", 62.5, 40, 55.1, 69.9),
        charts.BarRow("Italy", None, 0, suppressed=True),
    ]
    root = parse(charts.score_bars(rows, "By country", hidden="weniger als 3"))
    _, desc = accessible(root)
    assert "Italy: weniger als 3" in desc and "Germany: 62.5" in desc
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == charts.BAR]
    assert len(bars) == 1  # Germany's
    assert "weniger als 3" in [t.text for t in root.iter(f"{SVG}text")]

    hidden = charts.Cell(None, 0, suppressed=True)
    cells = [[charts.Cell(10.0, 5), hidden]]
    root = parse(charts.heatmap(["Theme A"], ["P", "Q"], cells, "H", hidden="fewer than 3"))
    _, desc = accessible(root)
    assert "Theme A, Q: fewer than 3" in desc
    fills = [r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("height") == "52"]
    assert fills[0] == charts.scale_colour(10.0) and fills[1].startswith("url(#hidden-")
    assert [t.text for t in root.iter(f"{SVG}text")][-2:] == ["fewer", "than 3"]

    column = charts.Column("1", "Tourism", [hidden] * 5)
    facade = charts.facade(
        ["1", "2", "3", "4", "5"], [hidden] * 5, [column], [column], "F", hidden="fewer than 3"
    )
    root = parse(facade)
    _, desc = accessible(root)
    assert "pillar 1, theme 5: fewer than 3" in desc and "theme 1 overall: fewer than 3" in desc
    assert not any(r.get("fill") in charts.SCALE for r in root.iter(f"{SVG}rect"))

    root = parse(charts.histogram([("0–10", 5), ("10–20", None)], "D", hidden="fewer than 3"))
    _, desc = accessible(root)
    assert "10–20: fewer than 3" in desc
    assert len([r for r in root.iter(f"{SVG}rect") if r.get("fill") == charts.BAR]) == 1


@pytest.mark.parametrize("score", [0, 5, 15, 25, 35, 45, 55, 65, 75, 85, 95, 100, None])
def test_text_in_cells_has_enough_contrast(score):
    background = charts.scale_colour(score)
    assert charts.contrast(charts.text_on(background), background) >= 4.5


def test_palette_is_ordered_and_diverging():
    assert charts.scale_colour(0) == charts.SCALE[0]
    assert charts.scale_colour(100) == charts.SCALE[-1]
    assert charts.scale_colour(49.9) != charts.scale_colour(50.0)
    assert len(set(charts.SCALE)) == len(charts.SCALE)


def test_ids_are_unique_across_charts():
    a, b = str(charts.histogram([("x", 1)], "A")), str(charts.histogram([("x", 1)], "B"))
    ids_a, ids_b = set(re.findall(r'id="([^"]+)"', a)), set(re.findall(r'id="([^"]+)"', b))
    assert ids_a and not ids_a & ids_b


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+cmd", "'+cmd"),
        ("-x", "'-x"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        (-2.5, "-2.5"),
        (None, ""),
    ],
)
def test_csv_cells_are_formula_safe(cell, expected):
    """Labels come from definitions and organisations' data: a formula never runs."""
    assert to_csv([[cell, "x"]]) == f"{expected},x\r\n"


def test_to_csv_quotes_and_protects():
    text = to_csv([["a", "=1+1", 3.5], ['He said "hi", then left', "", None]])
    assert text.splitlines() == ["a,'=1+1,3.5", '"He said ""hi"", then left",,']
