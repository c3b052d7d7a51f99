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
    # added inline (builder.js): the page stays; its Edit link opens the question
    expect(page.locator("#q-do_you_run_a_library")).to_be_focused()
    page.locator("#q-do_you_run_a_library").get_by_role("link", name="Edit").click()
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
    page.locator("#q-how_big_is_it").get_by_role("link", name="Edit").click()
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
    page.get_by_role("link", name=re.compile("Review and publish version")).click()
    page.get_by_label("I have checked the preview and the changes; publish this draft").check()
    page.get_by_role("button", name=re.compile("Publish version")).click()
    expect(page.locator("main")).to_contain_text("is published")

    respondent = new_page()
    log_in(respondent, live_server, "respondent_a")
    respondent.goto(live_server("/respond/1/section/about_you"))
    expect(respondent.locator("main")).to_contain_text("Do you run a library?")
    assert page.errors == [] and respondent.errors == []
    assert not findings, findings


def _order(page: Page, section: str) -> list[str]:
    return page.locator(f"#section-{section} .builder-question").evaluate_all(
        "items => items.map(item => item.dataset.code)"
    )


def test_drag_to_reorder_add_inline_and_a_conflict(live_server, new_page, shot, axe_source):
    """builder.js: a question dragged by its handle and a question added inline, each
    saved without a full reload (the page's revision follows); a drag on a page another
    editor made stale shows the conflict page."""
    page = new_page()
    log_in(page, live_server, "admin")
    page.goto(live_server("/questionnaires/1/builder"))
    page.get_by_role("button", name="Start the draft").click()
    draft = page.locator("#builder-draft")
    expect(page.locator(".builder-drag-hint")).to_be_visible()
    assert _order(page, "organisation") == ["org_role", "org_relevance", "org_country"]
    revision = int(draft.get_attribute("data-revision") or "0")
    page.evaluate("window.notReloaded = true")

    page.locator("#q-org_country .drag-handle").drag_to(
        page.locator("#q-org_role"), target_position={"x": 20, "y": 2}
    )
    expect(draft.and_(page.locator(f"[data-revision='{revision + 1}']"))).to_have_count(1)
    expect(page.locator("#builder-announce")).to_contain_text("Saved")
    assert _order(page, "organisation") == ["org_country", "org_role", "org_relevance"]
    assert page.evaluate("window.notReloaded") is True
    page.reload()
    assert _order(page, "organisation") == ["org_country", "org_role", "org_relevance"]
    page.evaluate("window.notReloaded = true")

    # inline add: the new question appears in its section and gets the focus
    page.select_option("#add-needs-type", "short_text")
    page.fill("#add-needs-label", "Anything else?")
    page.locator("#section-needs").get_by_role("button", name="Add the question").click()
    expect(page.locator("#q-anything_else")).to_be_focused()
    expect(draft.and_(page.locator(f"[data-revision='{revision + 2}']"))).to_have_count(1)
    assert _order(page, "needs")[-1] == "anything_else"
    assert page.evaluate("window.notReloaded") is True
    shot(page, "builder-after-drag-and-inline-add")
    assert not scan(page, axe_source)

    # a question's options: dragged into a new order, kept when the question is saved
    page.goto(live_server("/questionnaires/1/builder/questions/org_role"))
    first, second = (
        page.locator("#f-options-0-code").input_value(),
        page.locator("#f-options-1-code").input_value(),
    )
    page.locator("#f-options-1 > legend .drag-handle").drag_to(
        page.locator("#f-options-0"), target_position={"x": 20, "y": 4}
    )
    expect(page.locator("#f-options-1-position")).to_have_value("1")
    expect(page.locator("#f-options-0-position")).to_have_value("2")
    expect(page.locator("#f-options-1 > legend")).to_contain_text("Option 1")
    expect(page.locator("#builder-announce")).to_contain_text("save the question")
    shot(page, "builder-options-dragged")
    page.get_by_role("button", name="Save the question").click()
    expect(page.locator(".flash")).to_contain_text("Saved")
    expect(page.locator("#f-options-0-code")).to_have_value(second)
    expect(page.locator("#f-options-1-code")).to_have_value(first)
    page.goto(live_server("/questionnaires/1/builder"))
    page.evaluate("window.notReloaded = true")

    # another editor saves first: this page's next drag is stale -> the conflict page
    other = new_page()
    log_in(other, live_server, "admin")
    other.goto(live_server("/questionnaires/1/builder"))
    other.locator("#section-needs").get_by_role("button", name="Move up").click()
    expect(other.locator(".flash")).to_contain_text("Saved")
    page.locator("#q-anything_else .drag-handle").drag_to(
        page.locator("#q-priorities"), target_position={"x": 20, "y": 2}
    )
    expect(page.locator("main")).to_contain_text("someone else saved this draft")
    assert page.evaluate("window.notReloaded") is None  # a full page load
    assert _order(other, "needs")[-1] == "anything_else"
    assert page.errors == [] and other.errors == []

    # without JavaScript the same page works with plain forms: no handles, full loads
    plain = new_page(javascript=False)
    log_in(plain, live_server, "admin")
    plain.goto(live_server("/questionnaires/1/builder"))
    expect(plain.locator(".drag-handle")).to_have_count(0)
    expect(plain.locator(".builder-drag-hint")).to_be_hidden()
    plain.get_by_role("button", name="Up anything_else", exact=True).click()
    expect(plain.locator(".flash")).to_contain_text("Saved")
    assert _order(plain, "needs")[-2] == "anything_else"
    plain.fill("#add-needs-label", "Without script?")
    plain.locator("#section-needs").get_by_role("button", name="Add the question").click()
    expect(plain).to_have_url(re.compile(r"/builder/questions/without_script$"))
