"""Golden files of each layout on a fixed set of responses, read back the way people
read exports: Python's csv module in the Excel dialect, and openpyxl for the workbook.

The golden files (tests/golden/) were reviewed by eye. To rewrite them after a deliberate
change: UPDATE_GOLDEN=1 pytest tests/test_exports_layouts.py, then review the diff.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.services import exports
from tests.conftest import action
from tests.export_helpers import INJECTION, golden_responses

GOLDEN = Path(__file__).parent / "golden"

CASES = {
    "wide.csv": dict(layout="wide", indicators=True, filters=exports.Filters(state="all")),
    "wide-labels-de-semicolon.csv": dict(
        layout="wide",
        labels=True,
        lang="de",
        delimiter=";",
        bom=False,
        filters=exports.Filters(state="all"),
    ),
    "long.csv": dict(layout="long", filters=exports.Filters(state="all")),
    "codebook.csv": dict(layout="codebook", indicators=True),
}


@pytest.fixture
def catalogue(db):
    golden_responses()
    return exports.prepare(db.session, action(1))


def export_bytes(db, catalogue, **options) -> bytes:
    return b"".join(exports.csv_stream(db.engine, catalogue, exports.ExportOptions(**options)))


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(db, catalogue, name):
    data = export_bytes(db, catalogue, **CASES[name])
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_bytes(data)
    assert data == path.read_bytes(), f"{name} differs from the golden file"


def read_csv(data: bytes, delimiter: str = ",") -> list[dict[str, str]]:
    text = data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), dialect="excel", delimiter=delimiter))


def test_wide_csv_reads_back_in_the_excel_dialect(db, catalogue):
    data = export_bytes(db, catalogue, **CASES["wide.csv"])
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = read_csv(data)
    assert [r["reference"] for r in rows] == ["T01-GOLD01", "T01-GOLD02", "T01-GOLD03"]
    first, second, third = rows
    # Leading columns.
    assert first["organisation"] == "Stadt A" and first["organisation_kind"] == "city"
    assert first["submitted_at"] == "2026-11-02T09:30:00Z" and first["questionnaire_version"] == "1"
    assert second["organisation"] == "Περιφέρεια Β" and second["city_size_band"] == ""
    # Multiple choice: codes joined by ;, 0/1 per option, "other" text in its own column.
    assert first["measures"] == "caps;other"
    assert (first["measures__caps"], first["measures__zoning"]) == ("1", "0")
    assert first["measures__licences"] == ""  # the option did not exist in version 1
    assert first["measures__other"] == "Ζώνες — Зоны 🏛"
    # Matrix: one column per item; ranking: one column per rank.
    assert (first["effects__housing"], first["effects__heritage"]) == ("4", "dk")
    assert [first[f"priorities__rank{n}"] for n in (1, 2, 3)] == [
        "knowledge",
        "regulation",
        "funding",
    ]
    # Questions of one version only: empty cells in the other.
    assert first["visitors"] == "" and second["visitors"] == "1200"
    assert first["data_source"] == "platforms" and second["data_source"] == ""
    # Hidden questions are empty, even though an answer was sent for them.
    assert second["has_regulation"] == "no" and second["measures"] == ""
    assert third["priorities__rank1"] == "" and third["recommendations"] == ""
    # Newlines and quotes survive; formulas are neutralised.
    assert (
        first["recommendations"]
        == 'Line one, with a comma\nLine two with "quotes"\nΕλλάδα · Москва 🏛'
    )
    assert first["example_name"] == "'" + INJECTION
    assert first["org_role__other"] == "'+49 30 1234"
    assert second["org_role__other"] == "'-minus first"
    assert second["example_name"] == "'@SUM(A1:A9)"
    assert second["recommendations"].startswith("'\tTab first")
    assert third["measures__other"] == "'\rCarriage return first"
    # Plain numbers are not touched.
    assert first["rentals_share"] == "12.5"


def test_semicolon_labels_in_german(db, catalogue):
    data = export_bytes(db, catalogue, **CASES["wide-labels-de-semicolon.csv"])
    assert not data.startswith(b"\xef\xbb\xbf")
    first = read_csv(data, delimiter=";")[0]
    assert first["has_regulation"] == "Ja"
    assert first["org_role"] == "Andere"
    assert first["effects__heritage"] == "Weiß nicht / nicht zutreffend"
    assert first["org_country"] == "Deutschland"  # country names in the label language
    # Every coded column is labelled, not only the answers.
    assert first["organisation_kind"] == "Stadt oder Metropolregion"
    assert first["country"] == "Deutschland" and first["state"] == "angenommen"
    assert first["city_size_band"].startswith("Groß")


def test_label_headers_keep_each_code_in_brackets(db, catalogue):
    data = export_bytes(db, catalogue, layout="wide", label_headers=True, indicators=True)
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    codes = catalogue.header(True)
    assert len(header) == len(codes)
    assert all(label.endswith(f" [{code}]") for label, code in zip(header, codes, strict=True))
    assert header[3] == "Kind of organisation [organisation_kind]"
    assert header[codes.index("effects__heritage")].startswith(
        "How strongly do short-term rentals affect"
    )
    assert " – " in header[codes.index("effects__heritage")]  # question – item
    german = export_bytes(db, catalogue, layout="wide", label_headers=True, lang="de")
    assert "Art der Organisation [organisation_kind]" in german.decode("utf-8-sig")


def test_default_filter_is_accepted_and_drafts_never_appear(db, catalogue):
    accepted = read_csv(export_bytes(db, catalogue, layout="wide"))
    assert [r["reference"] for r in accepted] == ["T01-GOLD01", "T01-GOLD02"]
    submitted = read_csv(
        export_bytes(db, catalogue, layout="wide", filters=exports.Filters(state="submitted"))
    )
    assert [r["reference"] for r in submitted] == ["T01-GOLD01", "T01-GOLD02", "T01-GOLD03"]
    long_rows = read_csv(
        export_bytes(db, catalogue, layout="long", filters=exports.Filters(state="all"))
    )
    assert "draft only" not in {r["value"] for r in long_rows}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (dict(country="gr"), ["T01-GOLD02"]),
        (dict(org_kind="city"), ["T01-GOLD01", "T01-GOLD03"]),
        (
            dict(submitted_from=__import__("datetime").date(2026, 11, 10)),
            ["T01-GOLD02", "T01-GOLD03"],
        ),
        (
            dict(submitted_to=__import__("datetime").date(2026, 11, 10)),
            ["T01-GOLD01", "T01-GOLD02"],
        ),
    ],
)
def test_filters(db, catalogue, filters, expected):
    rows = read_csv(
        export_bytes(db, catalogue, layout="wide", filters=exports.Filters(state="all", **filters))
    )
    assert [r["reference"] for r in rows] == expected


def test_xlsx_workbook(db, catalogue, tmp_path):
    path = tmp_path / "export.xlsx"
    options = exports.ExportOptions(format="xlsx", filters=exports.Filters(state="all"))
    count = exports.write_xlsx(
        db.engine, catalogue, options, str(path), action="1 – Test", exported_by="tester"
    )
    assert count == 3
    workbook = load_workbook(path, read_only=True)
    try:
        assert workbook.sheetnames == ["responses", "codebook", "about"]
        rows = list(workbook["responses"].iter_rows(values_only=True))
        header = rows[0]
        first = dict(zip(header, rows[1], strict=True))
        second = dict(zip(header, rows[2], strict=True))
        assert first["response_id"] == 1 and first["questionnaire_version"] == 1
        assert first["submitted_at"].isoformat() == "2026-11-02T09:30:00"
        assert first["rentals_share"] == 12.5 and second["visitors"] == 1200
        assert first["example_name"] == "'" + INJECTION  # text, not a formula
        assert first["org_role__other"] == "'+49 30 1234"
        assert second["example_name"] == "'@SUM(A1:A9)"
        assert first["recommendations"].splitlines()[2] == "Ελλάδα · Москва 🏛"
        assert first["measures__other"] == "Ζώνες — Зоны 🏛"
        codebook = list(workbook["codebook"].iter_rows(values_only=True))
        assert codebook[0][:3] == ("question", "kind", "code")
        about = dict(workbook["about"].iter_rows(min_row=2, values_only=True))
        assert about["responses"] == 3 and about["state"] == "all"
        assert about["exported_by"] == "tester" and about["action"] == "1 – Test"
    finally:
        workbook.close()
    # No cell anywhere holds a formula.
    workbook = load_workbook(path)
    try:
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                assert all(cell.data_type != "f" for cell in row)
    finally:
        workbook.close()


def test_codebook_lists_conditions_scores_and_weights(db, catalogue):
    rows = read_csv(export_bytes(db, catalogue, layout="codebook"))
    by_key = {(r["question"], r["kind"], r["code"]): r for r in rows}
    caps = by_key[("caps_nights", "question", "caps_nights")]
    assert caps["conditions"] == "(has_regulation = yes AND measures in (caps))"
    assert by_key[("measures", "option", "zoning")]["score"] == "0.5"
    assert by_key[("rentals_share", "question", "rentals_share")]["score"] == "min=40; max=0"
    heritage = by_key[("effects", "item", "heritage")]
    assert heritage["theme_weights"] == "broader_understanding=0.5; resilience=1"
    assert by_key[("visitors", "question", "visitors")]["versions"] == "2"
    assert by_key[("data_source", "question", "data_source")]["versions"] == "1"


def test_theme_scores_can_be_recomputed_from_the_exports_alone(db, catalogue):
    """Every input to scoring is in the codebook (docs/scoring.md): the wide CSV and the
    codebook CSV give back the stored s(r, t) of every response."""
    assert_recomputable(db, catalogue)


def test_changed_weights_in_a_later_version_are_in_the_codebook(db, users):
    """Version 2 weights a question and a table row otherwise: "weights" rows name the
    versions whose weights differ from the question's row, and the scores of both
    versions still come back from the exports."""
    from app.definitions.validate import validate_text
    from app.models import OrgKind
    from app.services.questionnaires import versions as qservice
    from tests.export_helpers import make_response, org, publish_example, version_two_yaml

    first = publish_example()
    city = org("Stadt W", OrgKind.CITY, "DE")
    answers = {
        "org_role": "action_leader",
        "org_relevance": "3",
        "org_country": "DE",
        "has_regulation": "no",
        "rentals_share": "10",
        "effects": {"housing": "2", "heritage": "5"},
    }
    make_response(first, city, answers, reference="T01-WEIGH1")
    changed = (
        version_two_yaml()
        .replace(
            "        themes: {social_inclusion: 1}\n      - code: visitors",
            "        themes: {resilience: 2, social_inclusion: 1}\n      - code: visitors",
        )
        .replace(
            "{code: housing, label: Housing prices, themes: {social_inclusion: 1}}",
            "{code: housing, label: Housing prices, themes: {identity_democracy: 1}}",
        )
    )
    result = validate_text(changed)
    assert result.ok, result.errors
    outcome = qservice.import_definition(db.session, result)
    qservice.publish(db.session, outcome.version.questionnaire)
    db.session.commit()
    make_response(first, org("Stadt X", OrgKind.CITY, "FR"), answers, reference="T01-WEIGH2")
    catalogue = exports.prepare(db.session, action(1))
    book = read_csv(export_bytes(db, catalogue, layout="codebook"))
    weights = {(r["question"], r["code"]): r for r in book if r["kind"] == "weights"}
    assert weights[("rentals_share", "")]["theme_weights"] == "social_inclusion=1"
    assert weights[("rentals_share", "")]["versions"] == "1"
    assert weights[("effects", "housing")]["theme_weights"] == "social_inclusion=1"
    assert_recomputable(db, catalogue)


def assert_recomputable(db, catalogue):
    from sqlalchemy import select

    from app.models import Response, ResponseThemeScore, Theme

    book = read_csv(export_bytes(db, catalogue, layout="codebook"))
    wide = read_csv(
        export_bytes(db, catalogue, layout="wide", filters=exports.Filters(state="all"))
    )
    questions = {r["code"]: r for r in book if r["kind"] == "question"}
    scores: dict[tuple[str, str], dict[str, float]] = {}  # (question, version) -> option
    # (wide column, version) -> theme -> weight; the question's or item's row is every
    # version's but those a "weights" row names.
    weights: dict[tuple[str, str], dict[str, float]] = {}

    def parse(text):
        return {k: float(w) for k, w in (p.split("=") for p in text.split("; ") if p)}

    for r in book:
        if r["kind"] in ("option", "point") and r["score"]:
            for version in r["versions"].split(";"):
                scores.setdefault((r["question"], version), {})[r["code"]] = float(r["score"])
    for kind in ("question", "item", "weights"):  # the per-version rows last: they win
        for r in book:
            if r["kind"] != kind or not (r["theme_weights"] or kind == "weights"):
                continue
            sub = r["code"] if kind == "item" or (kind == "weights" and r["code"]) else ""
            column = f"{r['question']}__{sub}" if sub else r["question"]
            for version in (
                questions[r["question"]]["versions"].split(";")
                if kind != "weights"
                else r["versions"].split(";")
            ):
                weights[(column, version)] = parse(r["theme_weights"])

    def value(column: str, answer: str, version: str) -> float | None:
        code = column.split("__")[0]
        spec, table = questions[code], scores.get((code, version), {})
        if not answer:
            return None
        if spec["type"] == "number":
            if not spec["score"]:
                return None
            low, high = (float(p.split("=")[1]) for p in spec["score"].split("; "))
            return min(max((float(answer) - low) / (high - low), 0.0), 1.0)
        if spec["type"] == "yes_no":
            return {"yes": 1.0, "no": 0.0}[answer]
        if spec["type"] == "multiple_choice":
            total = sum(table.values())
            return sum(table.get(c, 0.0) for c in answer.split(";")) / total if total else None
        return table.get(answer)

    expected = {}
    for row in wide:
        version = row["questionnaire_version"]
        sums: dict[str, list[float]] = {}
        for (column, for_version), theme_weights in weights.items():
            if for_version != version:
                continue
            v = value(column, row[column], version)
            for theme, w in theme_weights.items():
                if v is not None:
                    sums.setdefault(theme, [0.0, 0.0])
                    sums[theme][0] += w * v
                    sums[theme][1] += w
        for theme, (num, den) in sums.items():
            expected[(row["reference"], theme)] = num / den
    stored = {
        (ref, key): score
        for ref, key, score in db.session.execute(
            select(Response.reference, Theme.key, ResponseThemeScore.score)
            .join(Response, Response.id == ResponseThemeScore.response_id)
            .join(Theme, Theme.id == ResponseThemeScore.theme_id)
            .where(Response.reference.in_([r["reference"] for r in wide]))
        )
    }
    assert expected.keys() == stored.keys() and stored
    for key, score in stored.items():
        assert expected[key] == pytest.approx(score), key


@pytest.mark.parametrize(
    ("labels", "indicators", "label_headers"),
    [(False, False, False), (False, True, False), (True, False, True), (True, True, False)],
)
def test_xlsx_cells_are_numbers_and_dates_a_spreadsheet_can_compute_with(
    db, catalogue, tmp_path, labels, indicators, label_headers
):
    import datetime

    path = tmp_path / "typed.xlsx"
    options = exports.ExportOptions(
        format="xlsx",
        labels=labels,
        indicators=indicators,
        label_headers=label_headers,
        filters=exports.Filters(state="all"),
    )
    exports.write_xlsx(db.engine, catalogue, options, str(path), action="1", exported_by="t")
    workbook = load_workbook(path, read_only=True)
    try:
        rows = list(workbook["responses"].iter_rows(values_only=True))
        first, second = (dict(zip(catalogue.header(indicators), r, strict=True)) for r in rows[1:3])
        assert first["regulation_since"] == datetime.datetime(2019, 5, 1)  # a date cell
        assert first["rentals_share"] == 12.5 and second["visitors"] == 1200
        if labels:
            assert first["effects__housing"] == "4 – Strongly"  # labels stay text
        else:
            assert first["effects__housing"] == 4 and second["effects__heritage"] == 3
            assert first["org_relevance"] == 4
            assert first["effects__heritage"] == "dk"  # "don't know" is no number
        if indicators:
            assert first["measures__caps"] == 1 and first["measures__zoning"] == 0
        codebook = list(workbook["codebook"].iter_rows(values_only=True))
        scores = {(r[0], r[2]): r[8] for r in codebook[1:]}
        assert scores[("measures", "zoning")] == 0.5
        assert scores[("rentals_share", "rentals_share")] == "min=40; max=0"
    finally:
        workbook.close()


def test_long_table_in_labels_mode_labels_the_question_and_the_item(db, catalogue):
    rows = read_csv(
        export_bytes(
            db,
            catalogue,
            layout="long",
            labels=True,
            lang="de",
            filters=exports.Filters(state="all"),
        )
    )
    housing = next(r for r in rows if r["item_or_option"] == "Housing prices")
    assert housing["question"].startswith("How strongly do short-term rentals affect")
    assert housing["value"] == "4"  # the code stays beside its label
    assert any(r["item_or_option"] == "Andere" for r in rows)  # "other", in German
    codes = read_csv(
        export_bytes(db, catalogue, layout="long", filters=exports.Filters(state="all"))
    )
    assert {r["question"] for r in codes} >= {"effects", "measures"}
