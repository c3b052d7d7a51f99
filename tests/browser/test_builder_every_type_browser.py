"""The issue 15 browser test in full: an admin builds a questionnaire from empty with every
question type the format has (app/definitions/schema.py QUESTION_TYPES), a conditional
question and a conditional section, German labels and theme weights; sees a validation
problem and fixes it; previews; publishes through the publish page. A respondent answers
every question and submits; an admin accepts the response on the review page; the
action's CSV export has the answers' columns, and the theme results count the response."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from app.definitions.schema import QUESTION_TYPES

from .test_builder_browser import log_in

pytestmark = pytest.mark.browser

# (section, type, English label -> the proposed code, German label)
QUESTIONS = [
    ("basics", "yes_no", "Library", "Bibliothek"),
    ("basics", "single_choice", "Role", "Rolle"),
    ("basics", "multiple_choice", "Tools", "Werkzeuge"),
    ("basics", "likert", "Relevance", "Relevanz"),
    ("basics", "matrix", "Effects", "Wirkungen"),
    ("basics", "number", "Staff", "Personal"),
    ("basics", "short_text", "Name", "Name"),
    ("basics", "country", "Country", "Land"),
    ("basics", "date", "Since", "Seit"),  # asked only if "library" is yes
    ("details", "long_text", "Story", "Geschichte"),  # its section: only if "library" is yes
    ("details", "ranking", "Priorities", "Prioritäten"),
]


def _add(page: Page, section: str, qtype: str, label: str) -> None:
    page.select_option(f"#add-{section}-type", qtype)
    page.fill(f"#add-{section}-label", label)
    page.locator(f"#section-{section}").get_by_role("button", name="Add the question").click()
    expect(page.locator(f"#q-{label.lower()}")).to_be_focused()


def _saved(page: Page) -> None:
    page.get_by_role("button", name="Save the question").click()
    expect(page.locator(".flash").first).to_contain_text("Saved")


def test_every_type_built_answered_accepted_exported_and_counted(live_server, new_page, shot):
    assert {q[1] for q in QUESTIONS} == set(QUESTION_TYPES)
    page = new_page()
    log_in(page, live_server, "admin")
    page.goto(live_server("/questionnaires/1/builder"))
    page.get_by_label("an empty questionnaire").check()
    page.get_by_role("button", name="Start the draft").click()
    for title in ("Basics", "Details"):
        page.fill("#new-section-title", title)
        page.get_by_role("button", name="Add a section").click()
        expect(page.locator(f"#section-{title.lower()}")).to_be_visible()
    for section, qtype, label, _de in QUESTIONS:
        _add(page, section, qtype, label)

    # Scored questions without theme weights: problems, listed at once; never publishable.
    page.reload()
    expect(page.locator(".builder-status")).not_to_contain_text("no problems")
    shot(page, "builder-every-type-problems")
    page.goto(live_server("/questionnaires/1/builder/questions/library"))
    expect(page.locator(".error-summary")).to_contain_text("is scored but has no 'themes'")

    for _section, qtype, label, de in QUESTIONS:
        code = label.lower()
        page.goto(live_server(f"/questionnaires/1/builder/questions/{code}"))
        page.fill("#f-label-de", de)
        if qtype in ("yes_no", "likert"):
            page.fill("#f-themes-social_inclusion", "2")
        if qtype == "matrix":
            page.fill("#f-items-0-label-de", "Posten 1")
            page.fill("#f-items-0-themes-resilience", "1")
        if qtype in ("single_choice", "multiple_choice", "ranking"):
            page.fill("#f-options-0-label-de", "Option eins")
            page.fill("#f-options-1-label-de", "Option zwei")
        if code == "since":  # the conditional question
            page.select_option("#f-show_if-0-question", "library")
            page.select_option("#f-show_if-0-value", "library=yes")
        _saved(page)
        expect(page.locator(".error-summary")).to_have_count(0)
    page.goto(live_server("/questionnaires/1/builder/sections/details"))
    page.select_option("#f-show_if-0-question", "library")
    page.select_option("#f-show_if-0-value", "library=yes")
    page.get_by_role("button", name="Save the section").click()
    page.goto(live_server("/questionnaires/1/builder"))
    expect(page.locator(".builder-status")).to_contain_text("no problems")
    expect(page.locator("#section-details .condition")).to_contain_text("library is")

    # The preview, in German, its conditions live.
    page.goto(live_server("/questionnaires/1/builder/preview?lang=de"))
    expect(page.locator("main")).to_contain_text("Prioritäten")
    assert page.errors == [], page.errors  # respond.js runs in the preview too
    expect(page.locator("#q-since")).to_be_hidden()
    expect(page.locator("#q-story")).to_be_hidden()
    page.get_by_label("Ja", exact=True).check()
    expect(page.locator("#q-since")).to_be_visible()
    expect(page.locator("#q-story")).to_be_visible()
    shot(page, "builder-every-type-preview-de")

    page.goto(live_server("/questionnaires/1/manage"))
    page.get_by_role("link", name=re.compile("Review and publish version")).click()
    page.get_by_label("I have checked the preview and the changes; publish this draft").check()
    page.get_by_role("button", name=re.compile("Publish version")).click()
    expect(page.locator("main")).to_contain_text("is published")

    # A respondent answers every question and submits.
    respondent = new_page()
    log_in(respondent, live_server, "respondent_a")
    respondent.goto(live_server("/respond/1/section/basics"))
    expect(respondent.locator("#q-since")).to_be_hidden()
    respondent.locator("label[for=f-library-yes]").click()
    expect(respondent.locator("#q-since")).to_be_visible()
    respondent.locator("label[for=f-role-option_1]").click()
    respondent.locator("label[for=f-tools-option_2]").click()
    respondent.locator("label[for=f-relevance-4]").click()
    respondent.locator("label[for=f-effects__item_1-5]").click()
    respondent.fill("#f-staff", "12")
    respondent.fill("#f-name", "Open shelves")
    respondent.select_option("#f-country", "DE")
    respondent.fill("#f-since", "2020-03-01")
    forward = respondent.locator("button.button[name=nav][value=next]")
    forward.click()
    expect(respondent.locator("#q-story")).to_be_visible()
    respondent.fill("#f-story", "It started with one shelf.")
    respondent.get_by_role("button", name="Move up: Option 2").click()  # the ranking
    expect(respondent.locator("#f-priorities__rank__option_2")).to_have_value("1")
    expect(respondent.locator("#f-priorities__rank__option_1")).to_have_value("2")
    expect(forward).to_have_text("Review answers")
    forward.click()
    expect(respondent.locator(".error-summary")).to_have_count(0)
    respondent.get_by_role("button", name="Submit the answers").click()
    expect(respondent).to_have_title(re.compile(r"^Receipt T01-"))
    reference = respondent.locator(".receipt-reference .reference").inner_text()
    assert respondent.errors == []

    # An admin accepts it on the review page.
    page.goto(live_server("/review/"))
    page.locator("tr", has_text=reference).get_by_role("link", name="City A").click()
    expect(page.locator("main")).to_contain_text("Open shelves")
    page.get_by_role("button", name="Accept", exact=True).click()
    expect(page.locator("main")).to_contain_text("ccepted")

    # The action's CSV export, downloaded with the admin's session: the answers' columns.
    csv_response = page.request.get(live_server("/actions/1/exports/download?format=csv"))
    assert csv_response.ok, csv_response.status
    rows = list(csv.DictReader(io.StringIO(csv_response.text())))
    (row,) = [r for r in rows if reference in r.values()]
    for code in ("library", "role", "staff", "name", "country", "since", "story"):
        assert code in row, (code, list(row))
    for code in ("tools", "relevance", "effects", "priorities"):
        assert any(column.startswith(code) and row[column] for column in row), (code, row)
    assert row["library"] == "yes" and row["staff"] == "12" and row["name"] == "Open shelves"
    assert row["since"] == "2020-03-01" and row["story"] == "It started with one shelf."

    # The results count it: resilience from the matrix item (5 of 5), social inclusion
    # from "yes" and 4 of 5, weighted 2 each: (1 * 2 + 0.75 * 2) / 4.
    page.goto(live_server("/results/"))
    expect(page.locator("main")).to_contain_text("1 response counted")
    expect(page.locator("tr", has_text="3. Resilience")).to_contain_text("100.0")
    expect(page.locator("tr", has_text="4. Social inclusion")).to_contain_text("87.5")
    shot(page, "builder-every-type-results")
    assert page.errors == []
