"""XLSForm workbooks (issue 15): the 11 shipped questionnaires (and the example) go to
XLSForm and back unchanged; a workbook from another tool maps what corresponds and
reports the rest by row; the CLI and the management pages read and write them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from app.definitions.validate import validate_file
from app.definitions.xlsform import from_xlsform, parse_relevant, to_xlsform, validate_xlsform
from app.services.questionnaires import versions as qservice
from tests.review_helpers import audit_events, publish_example

SHIPPED = sorted(Path("app/definitions/questionnaires").glob("action_*.yaml"))
FILES = [*SHIPPED, Path("docs/example-questionnaire.yaml")]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_round_trip(path):
    original = validate_file(path)
    assert original.ok
    content, _report = to_xlsform(original.definition)
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["survey", "choices", "settings"]
    types = {str(row[0].value).split()[0] for row in workbook["survey"].iter_rows(min_row=2)}
    assert {"begin_group", "end_group"} <= types
    assert types <= {
        "begin_group", "end_group", "select_one", "select_multiple", "rank", "integer",
        "decimal", "text", "date", "select_one_from_file",
    }  # fmt: skip
    back, report = validate_xlsform(content, path.name)
    assert back.ok, [str(e) for e in back.errors]
    assert report.problems == []
    assert back.definition == original.definition


def test_all_shipped_questionnaires_are_covered():
    assert len(SHIPPED) == 11


def test_what_maps_in_the_example():
    content, report = to_xlsform(validate_file("docs/example-questionnaire.yaml").definition)
    survey = {
        row[1].value: row
        for row in load_workbook(io.BytesIO(content))["survey"].iter_rows(min_row=2)
    }
    header = [c.value for c in next(load_workbook(io.BytesIO(content))["survey"].iter_rows())]
    column = {name: header.index(name) for name in header}
    assert survey["org_role"][0].value == "select_one org_role or_other"
    assert survey["measures"][0].value == "select_multiple measures or_other"
    assert survey["measures"][column["constraint"]].value == (
        "count-selected(.) >= 1 and count-selected(.) <= 3"
    )
    assert survey["caps_nights"][column["relevant"]].value == (
        "(${has_regulation} = 'yes' and (selected(${measures}, 'caps')))"
    )
    assert survey["priorities"][0].value == "rank priorities"
    assert survey["has_regulation"][0].value == "select_one yes_no"
    assert survey["org_relevance"][column["appearance"]].value == "likert"
    assert survey["org_relevance"][column["label::Deutsch (de)"]].value.startswith("Wie relevant")
    rows = [
        (r[0].value, r[1].value) for r in load_workbook(io.BytesIO(content))["survey"].iter_rows()
    ]
    assert ("begin_group", "effects") in rows  # a matrix: a table-list group
    assert ("select_one likert_effects", "effects__housing") in rows
    assert any("matrix" in note for note in report.notes)


def test_relevant_expressions_read_back():
    assert parse_relevant("${a} = 'x' and (${b} != '' or not(selected(${c}, 'y')))") == {
        "all": [
            {"question": "a", "equals": "x"},
            {"any": [{"question": "b", "answered": True}, {"question": "c", "not_equals": "y"}]},
        ]
    }
    with pytest.raises(ValueError):
        parse_relevant("${age} > 18")


def _kobo_workbook(extra_rows=()) -> bytes:
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey.append(
        [
            "type",
            "name",
            "label::English (en)",
            "label::Deutsch (de)",
            "required",
            "relevant",
            "constraint",
            "appearance",
        ]
    )
    survey.append(["start", "start"])
    survey.append(["begin group", "about", "About you", "Über Sie"])
    survey.append(["select_one sector", "sector", "Your sector?", "Ihr Sektor?", "yes"])
    survey.append(
        ["select_multiple topics", "topics", "Topics?", "Themen?", "", "${sector} = 'public'"]
    )
    survey.append(["integer", "staff", "Staff?", "Personal?", "", "", ". >= 0 and . <= 1000"])
    survey.append(["text", "story", "Tell us", "Erzählen Sie", "", "", "", "multiline"])
    survey.append(["note", "thanks", "Thank you"])
    for row in extra_rows:
        survey.append(row)
    survey.append(["end group", "about"])
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", "label::English (en)"])
    for list_name, name in (
        ("sector", "public"),
        ("sector", "private"),
        ("topics", "heritage"),
        ("topics", "tourism"),
    ):
        choices.append([list_name, name, name.capitalize()])
    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append(["A Kobo form", "kobo_form"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_workbook_from_another_tool():
    data, report = from_xlsform(_kobo_workbook(), action=3)
    assert report.problems == []
    assert data["action"] == 3 and data["code"] == "kobo_form"
    [section] = data["sections"]
    types = {q["code"]: q["type"] for q in section["questions"]}
    assert types == {
        "sector": "single_choice",
        "topics": "multiple_choice",
        "staff": "number",
        "story": "long_text",
    }
    staff = section["questions"][2]
    assert (staff["min"], staff["max"]) == (0, 1000)
    assert section["questions"][1]["show_if"] == {"question": "sector", "equals": "public"}
    assert section["questions"][0]["label"] == {"en": "Your sector?", "de": "Ihr Sektor?"}
    assert "survey row 2: start (metadata ODK records) ignored" in report.notes
    assert "survey row 8: note 'thanks' ignored" in report.notes
    result, _ = validate_xlsform(_kobo_workbook(), "kobo.xlsx", action=3)
    assert result.ok, [str(e) for e in result.errors]


def test_what_has_no_equivalent_is_reported_by_row():
    content = _kobo_workbook(
        [
            ["geopoint", "where", "Where?"],
            ["integer", "age", "Age?", "", "", "${staff} > 18"],
        ]
    )
    result, report = validate_xlsform(content, "kobo.xlsx", action=3)
    assert not result.ok
    messages = [str(e) for e in result.errors]
    assert any("survey row 9: type 'geopoint' (where) has no equivalent" in m for m in messages)
    assert any("survey row 10: relevant '${staff} > 18' has no equivalent" in m for m in messages)


def test_cli_export_and_import_xlsform(runner, db, tmp_path):
    publish_example(1)
    target = tmp_path / "a01.xlsx"
    result = runner.invoke(
        args=["questionnaires", "export", "1", "--format", "xlsform", "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "(XLSForm)" in result.output
    workbook = load_workbook(target)
    survey = workbook["survey"]
    header = [c.value for c in survey[1]]
    label = header.index("label::English (en)")
    for row in survey.iter_rows(min_row=2):
        if row[1].value == "has_regulation":
            row[label].value = "Do you regulate holiday rentals?"
    workbook.save(target)
    result = runner.invoke(args=["questionnaires", "import", str(target)])
    assert result.exit_code == 0, result.output
    assert "draft version 2 created" in result.output
    diff = runner.invoke(args=["questionnaires", "diff", "1"]).output
    assert '"Do you regulate short-term rentals?" -> "Do you regulate holiday rentals?"' in diff
    assert (
        runner.invoke(args=["questionnaires", "export", "1", "--format", "xlsform"]).exit_code == 2
    )


def test_download_and_upload_xlsform_in_the_browser(client, login_as, db, users):
    publish_example(1)
    login_as("coordinator")
    response = client.get("/questionnaires/1/v1.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="a01_example_v1.xlsx"'
    content = response.get_data()
    login_as("admin")
    workbook = load_workbook(io.BytesIO(content))
    workbook["survey"].append(["note", "bye", "Goodbye"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client.post_form(
        "/questionnaires/upload",
        {"file": (io.BytesIO(buffer.getvalue()), "a01.xlsx")},
        page="/questionnaires/upload",
        content_type="multipart/form-data",
    )
    # the note row is outside any group: reported, and nothing else changed
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing changed" in follow
    assert "note &#39;bye&#39; ignored" in follow
    questionnaire = qservice.questionnaire_for_action(db.session, 1)
    assert len(questionnaire.versions) == 1
    assert audit_events("questionnaire.uploaded") == []
