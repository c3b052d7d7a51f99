"""The respondent's experience in a real browser: filling in across sections with a
conditional question appearing, autosave, a colleague continuing and submitting, a narrow
German run, and an accessibility scan (axe-core) of every respondent page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def log_in(page: Page, server, name: str, lang: str = "en") -> None:
    page.goto(server(f"/login?lang={lang}"))
    page.fill("#email", f"{name}@example.org")
    page.fill("#password", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/respond/$"))


def log_out(page: Page) -> None:
    page.locator(".nav-user button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/login"))


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_fill_in_across_sections_then_a_colleague_continues_and_submits(
    live_server, new_page, shot
):
    page = new_page()
    log_in(page, live_server, "respondent_a")
    expect(page).to_have_title("My questionnaires – Tympanum")
    shot(page, "01-home")
    page.get_by_role("link", name=re.compile(r"^Start")).first.click()
    expect(page.locator("h1")).to_have_text("Sharing economy and short-term rentals (example)")
    shot(page, "02-overview")
    page.locator(".actions-row").get_by_role("link", name="Start").click()

    # Section 1: radios, a Likert scale, a country.
    expect(page).to_have_title(re.compile(r"^Section 1 of 2: Your organisation"))
    other_box = page.locator("#f-org_role__other")
    expect(other_box).to_be_hidden()  # shown only for "Other"
    page.get_by_label("Other", exact=True).check()
    expect(other_box).to_be_visible()
    page.get_by_label("We lead this action").check()
    page.locator("label[for=f-org_relevance-4]").click()
    page.select_option("#f-org_country", "DE")
    shot(page, "03-section-1")
    page.get_by_role("button", name="Next").last.click()

    # Section 2: a conditional question appears as soon as it applies (no reload).
    expect(page).to_have_title(re.compile(r"^Section 2 of 3: Current practice"))
    since = page.locator("#q-regulation_since")
    measures = page.locator("#q-measures")
    nights = page.locator("#q-caps_nights")
    expect(since).to_be_hidden()
    expect(measures).to_be_hidden()
    page.get_by_label("Yes", exact=True).check()
    expect(since).to_be_visible()
    expect(measures).to_be_visible()
    expect(nights).to_be_hidden()
    page.get_by_label("Caps on nights per year").check()
    expect(nights).to_be_visible()
    page.fill("#f-caps_nights", "60")
    page.fill("#f-regulation_since", "2019-05-01")
    page.fill("#f-rentals_share", "12,5")
    page.locator("label[for=f-effects__housing-4]").click()
    page.locator("label[for=f-effects__heritage-dk]").click()
    page.get_by_label("Platforms share them").check()
    # Autosave: a few seconds after typing stops, the live region says so.
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=15_000)
    shot(page, "04-section-2-autosaved")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flash-success")).to_contain_text("Your draft was saved.")
    assert page.errors == []
    log_out(page)

    # A colleague of the same organisation sees the shared draft and continues.
    colleague = new_page()
    log_in(colleague, live_server, "colleague_a")
    card = colleague.locator(".questionnaire-card").first
    expect(card).to_contain_text("Draft")
    expect(card).to_contain_text("by Respondent A")
    card.get_by_role("link", name=re.compile(r"^Continue")).click()
    colleague.locator(".actions-row").get_by_role("link", name="Continue").click()
    # The first section still to do is "What you need" (sections 1 and 2 are complete).
    expect(colleague).to_have_title(re.compile(r"^Section 3 of 3: What you need"))
    expect(colleague.locator(".section-nav-item.state-done")).to_have_count(2)
    # Ranking with the up/down buttons the script adds.
    colleague.get_by_role("button", name="Move up: Better funding").click()
    colleague.get_by_role("button", name="Move up: Better funding").click()
    expect(colleague.locator("#f-priorities__rank__funding")).to_have_value("1")
    expect(colleague.locator("#f-priorities__rank__regulation")).to_have_value("2")
    expect(colleague.locator("#f-priorities__rank__knowledge")).to_have_value("3")
    expect(colleague.locator(".rank-item").first).to_contain_text("Better funding")
    colleague.fill("#f-example_name", "Registration in Lisbon")
    colleague.fill("#f-recommendations", "Share data across cities.")
    expect(colleague.locator("#f-recommendations-count")).to_have_text("1975 characters left.")
    shot(colleague, "05-section-3-colleague")
    colleague.get_by_role("button", name="Review answers").click()

    expect(colleague).to_have_title("Review your answers – Action 1 – Tympanum")
    expect(colleague.locator(".error-summary")).to_have_count(0)
    expect(colleague.locator("#a-caps_nights")).to_contain_text("60 nights")
    expect(colleague.locator("#a-priorities")).to_contain_text("1. Better funding")
    shot(colleague, "06-review")
    colleague.get_by_role("button", name="Submit the answers").click()

    expect(colleague).to_have_title(re.compile(r"^Receipt T01-"))
    reference = colleague.locator(".receipt-reference .reference").inner_text()
    assert re.fullmatch(r"T01-[A-Z0-9]{6}", reference)
    expect(colleague.locator("main")).to_contain_text("Registration in Lisbon")
    expect(colleague.get_by_role("button", name="Print or save as PDF")).to_be_visible()
    shot(colleague, "07-receipt")
    colleague.emulate_media(media="print")
    shot(colleague, "08-receipt-print")
    colleague.emulate_media(media="screen")
    assert colleague.errors == []

    # The first respondent now sees it submitted and read-only.
    log_in(page, live_server, "respondent_a")
    expect(page.locator(".questionnaire-card").first).to_contain_text("Submitted")
    page.goto(live_server("/respond/1/section/practice"))
    expect(page).to_have_url(re.compile(r"/respond/1/$"))
    expect(page.locator("main")).to_contain_text("It can no longer be changed")
    shot(page, "09-read-only")


def test_narrow_german_run(live_server, new_page, shot):
    page = new_page(width=360, height=740, lang="de")
    log_in(page, live_server, "respondent_b", lang="de")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("h1")).to_have_text("Meine Fragebögen")
    assert no_horizontal_scroll(page)
    shot(page, "10-de-360-home")
    page.goto(live_server("/respond/1/section/organisation"))
    expect(page).to_have_title(
        "Abschnitt 1 von 2: Ihre Organisation und diese Maßnahme – Maßnahme 1 – Tympanum"
    )
    page.get_by_label("We contribute to this action").check()
    page.locator("label[for=f-org_relevance-5]").click()
    page.select_option("#f-org_country", label="Italien")
    assert no_horizontal_scroll(page)
    shot(page, "11-de-360-section-1")
    page.get_by_role("button", name="Weiter").last.click()

    expect(page).to_have_title(re.compile(r"^Abschnitt 2 von 3"))
    page.get_by_label("Ja", exact=True).check()
    expect(page.locator("#q-measures")).to_be_visible()
    page.get_by_label("Registration scheme").check()
    page.fill("#f-rentals_share", "viel")  # not a number: an error, kept as typed
    # the matrix reflows to one fieldset per row, each with its legend
    expect(page.locator(".matrix-row legend").first).to_be_visible()
    page.locator("label[for=f-effects__housing-2]").click()
    page.locator("label[for=f-effects__heritage-3]").click()
    assert no_horizontal_scroll(page)
    shot(page, "12-de-360-section-2")
    page.get_by_role("button", name="Weiter").last.click()

    # the error summary is focused, links to the field, and the typed value is kept
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Geben Sie eine Zahl von 0 bis 100 ein")
    expect(page.locator("#f-rentals_share")).to_have_value("viel")
    assert no_horizontal_scroll(page)
    shot(page, "13-de-360-errors")
    summary.get_by_role("link").first.click()
    expect(page.locator("#f-rentals_share")).to_be_focused()
    page.fill("#f-rentals_share", "7")
    page.get_by_role("button", name="Weiter").last.click()

    expect(page).to_have_title(re.compile(r"^Abschnitt 3 von 3"))
    for option, rank in (("regulation", "1"), ("funding", "2"), ("knowledge", "3")):
        page.select_option(f"#f-priorities__rank__{option}", rank)
    assert no_horizontal_scroll(page)
    shot(page, "14-de-360-section-3")
    page.get_by_role("button", name="Antworten prüfen").click()
    expect(page.locator("h1")).to_have_text("Ihre Antworten prüfen")
    assert no_horizontal_scroll(page)
    shot(page, "15-de-360-review")
    page.get_by_role("button", name="Antworten absenden").click()
    expect(page.locator("h1")).to_have_text("Vielen Dank: Ihre Antworten wurden abgesendet")
    expect(page.locator("main")).to_contain_text("Italien")
    assert no_horizontal_scroll(page)
    shot(page, "16-de-360-receipt")
    assert page.errors == []


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id} (${v.impact}): ${v.help} -> ` +
              v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""


def scan(page: Page, axe_source: str) -> list[str]:
    page.evaluate(axe_source)  # evaluated by the DevTools protocol: the CSP stays on
    return page.evaluate(AXE_RUN)


def test_accessibility_of_every_respondent_page(live_server, new_page, shot, axe_source):
    page = new_page()
    findings: dict[str, list[str]] = {}

    def check(name: str) -> None:
        shot(page, f"axe-{name}")
        violations = scan(page, axe_source)
        if violations:
            findings[name] = violations

    page.goto(live_server("/login"))
    check("login")
    log_in(page, live_server, "respondent_a")
    check("home")
    page.goto(live_server("/respond/1/"))
    check("overview")
    page.goto(live_server("/respond/1/section/organisation"))
    check("section-1")
    page.get_by_label("We lead this action").check()
    page.locator("label[for=f-org_relevance-3]").click()
    page.get_by_role("button", name="Next").last.click()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Caps on nights per year").check()
    check("section-2")
    page.fill("#f-caps_nights", "400")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check("section-2-errors")
    page.goto(live_server("/respond/1/section/needs"))
    check("section-3")
    page.goto(live_server("/respond/1/review"))
    check("review-incomplete")

    # a colleague saves the same question meanwhile: the conflict page
    page.goto(live_server("/respond/1/section/organisation"))
    colleague = new_page()
    log_in(colleague, live_server, "colleague_a")
    colleague.goto(live_server("/respond/1/section/organisation"))
    colleague.get_by_label("We contribute to this action").check()
    colleague.select_option("#f-org_country", "FR")
    colleague.get_by_role("button", name="Save draft").click()
    expect(colleague.locator(".flash-success")).to_be_visible()
    page.select_option("#f-org_country", "DE")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".notice-conflict")).to_be_visible()
    expect(page.locator(".notice-conflict")).to_be_focused()
    check("conflict")
    page.get_by_role("button", name="Save with these choices").click()

    for section, fill in (
        ("practice", lambda: page.fill("#f-caps_nights", "90")),
        ("needs", lambda: None),
    ):
        page.goto(live_server(f"/respond/1/section/{section}"))
        fill()
        page.get_by_role("button", name="Save draft").click()
    page.goto(live_server("/respond/1/review"))
    check("review-complete")
    page.get_by_role("button", name="Submit the answers").click()
    check("receipt")
    page.goto(live_server("/respond/1/"))
    check("read-only")
    page.goto(live_server("/respond/1/?lang=fr"))
    check("read-only-fr")
    assert not findings, "serious or critical accessibility violations:\n" + "\n".join(
        f"{name}: {v}" for name, found in findings.items() for v in found
    )
