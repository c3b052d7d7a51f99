"""The questionnaire builder in a real browser (issue 15): an admin builds a questionnaire
from empty with plain forms (a conditional section, German labels, theme weights), sees a
problem and fixes it, previews it in German with its conditions live, publishes it, and
a respondent answers it; every builder page scanned with axe, and usable at 375 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

from .test_respondent_browser import no_horizontal_scroll, scan

pytestmark = pytest.mark.browser


def log_in(page: Page, server, name: str) -> None:
    page.goto(server("/login"))
    page.fill("#email", f"{name}@example.org")
    page.fill("#password", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def test_admin_builds_previews_and_publishes_a_questionnaire(
    live_server, new_page, shot, axe_source
):
    page = new_page()
    findings: dict[str, list[str]] = {}

    def check(name: str) -> None:
        shot(page, f"builder-{name}")
        if violations := scan(page, axe_source):
            findings[name] = violations

    log_in(page, live_server, "admin")
    page.goto(live_server("/questionnaires/1/builder"))
    check("start")
    page.get_by_label("an empty questionnaire").check()
    page.get_by_role("button", name="Start the draft").click()
    expect(page.locator(".error-summary")).to_contain_text("needs at least 1 entries")

    page.fill("#new-section-title", "About you")
    page.get_by_role("button", name="Add a section").click()
    page.select_option("#add-about_you-type", "yes_no")
    page.fill("#add-about_you-label", "Do you run a library?")
    page.get_by_role("button", name="Add the question").click()
    expect(page).to_have_url(re.compile(r"/builder/questions/do_you_run_a_library$"))
    # scored but no theme weight yet: a problem, shown beside the themes and in the summary
    expect(page.locator(".error-summary")).to_contain_text("is scored but has no 'themes'")
    check("question-with-problem")
    page.fill("#f-code", "runs_library")
    page.fill("#f-label-de", "Betreiben Sie eine Bibliothek?")
    page.fill("#f-themes-social_inclusion", "2")
    page.get_by_role("button", name="Save the question").click()
    expect(page.locator(".flash, .flash-success, [role=status]").first).to_contain_text("Saved")
    expect(page.locator(".error-summary")).to_have_count(0)

    page.goto(live_server("/questionnaires/1/builder"))
    page.fill("#new-section-title", "Your library")
    page.get_by_role("button", name="Add a section").click()
    page.select_option("#add-your_library-type", "single_choice")
    page.fill("#add-your_library-label", "How big is it?")
    page.locator("#section-your_library").get_by_role("button", name="Add the question").click()
    page.fill("#f-options-0-label-en", "Small")
    page.fill("#f-options-0-label-de", "Klein")
    page.fill("#f-options-1-label-en", "Large")
    page.fill("#f-options-1-label-de", "Groß")
    page.fill("#f-label-de", "Wie groß ist sie?")
    page.get_by_role("button", name="Save the question").click()
    expect(page.locator(".error-summary")).to_have_count(0)

    # the second section only for those who run a library: chosen from lists
    page.goto(live_server("/questionnaires/1/builder/sections/your_library"))
    page.select_option("#f-show_if-0-question", "runs_library")
    page.select_option("#f-show_if-0-value", "runs_library=yes")
    check("section")
    page.get_by_role("button", name="Save the section").click()
    page.goto(live_server("/questionnaires/1/builder"))
    expect(page.locator("#section-your_library .condition")).to_contain_text("runs_library is")
    expect(page.locator(".builder-status")).to_contain_text("no problems")
    check("overview")

    page.goto(live_server("/questionnaires/1/builder/preview?lang=de"))
    expect(page.locator("main")).to_contain_text("Betreiben Sie eine Bibliothek?")
    big = page.locator("#q-how_big_is_it")
    expect(big).to_be_hidden()  # the section's condition, live
    page.get_by_label("Ja", exact=True).check()
    expect(big).to_be_visible()
    check("preview-de")

    narrow = new_page(width=375, height=800)
    log_in(narrow, live_server, "admin")
    for url in ("/questionnaires/1/builder", "/questionnaires/1/builder/questions/runs_library"):
        narrow.goto(live_server(url))
        assert no_horizontal_scroll(narrow), url
    shot(narrow, "builder-375-question")

    page.goto(live_server("/questionnaires/1/manage"))
    page.get_by_label("I have checked the preview and the changes; publish this draft").check()
    page.get_by_role("button", name=re.compile("Publish version")).click()
    expect(page.locator("main")).to_contain_text("is published")

    respondent = new_page()
    log_in(respondent, live_server, "respondent_a")
    respondent.goto(live_server("/respond/1/section/about_you"))
    expect(respondent.locator("main")).to_contain_text("Do you run a library?")
    assert page.errors == [] and respondent.errors == []
    assert not findings, findings
