"""Card order inside groups (a prioritisation sort) in a real headless Chromium against the real app.

A participant ranks the cards of a category with the keyboard alone, hears every move in the
live region, submits, and the stored positions are the order chosen; a mouse drop between two
cards inserts the card there; axe finds nothing on the ordered board.
"""

from __future__ import annotations

import pytest
from selenium.webdriver import ActionChains, Keys
from selenium.webdriver.common.by import By

from cardsort import store
from tests.app.test_board_browser import (
    axe_violations,
    cards_in,
    focus_is,
    group_zone,
    press,
    tab_to,
    wait_for_board,
    wait_for_draft,
    wait_for_text,
    wait_until,
)

pytestmark = pytest.mark.browser

ORDER_SPEC = {"name": "Bank", "kind": "closed", "language": "en",
              "cards": ["Opening hours", "Invoices", "Refunds", "Contact", "Fees"],
              "categories": ["Billing", "Help"],
              "settings": {"randomize": False, "order_within_groups": True}}
# Billing holds every card, Opening hours third: Invoices, Refunds, Opening hours, Contact, Fees.
DRAFT = {"groups": [{"id": "k1", "label": "Billing", "category_id": "k1", "cards": ["c2", "c3", "c1", "c4", "c5"]}],
         "unsorted": [], "stage": "sorting"}


def live_text(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, ".csb-live").text


def test_keyboard_ordering_is_announced_and_stored(app_server, browser):
    study = app_server.add_study(ORDER_SPEC)
    store.save_draft(app_server.engine, study.id, "rank1", DRAFT)
    browser.get(app_server.participant_url(study, "rank1"))
    wait_for_board(browser)
    assert "put the most important card first" in browser.find_element(By.CSS_SELECTOR, ".csb").text
    billing = group_zone(browser, "Billing")
    assert billing.find_element(By.CSS_SELECTOR, ".csb-cards").tag_name == "ol"
    assert [n.text for n in billing.find_elements(By.CSS_SELECTOR, ".csb-rank")] == ["1", "2", "3", "4", "5"]

    # Open Opening hours: its "Move to" list has focus; Tab past Move to "Move up".
    tab_to(browser, "button", text="Opening hours")
    press(browser, Keys.ENTER)
    assert focus_is(browser, "select", label='Move "Opening hours" to')
    press(browser, Keys.TAB, Keys.TAB)
    assert focus_is(browser, "button", text='Move up: "Opening hours"')
    press(browser, Keys.ENTER)
    wait_until(browser, lambda d: live_text(d) == '"Opening hours" moved to position 2 of 5 in "Billing".')
    # The card stays open and the focus on the button: Enter again moves it again.
    assert focus_is(browser, "button", text='Move up: "Opening hours"')
    press(browser, Keys.ENTER)
    wait_until(browser, lambda d: live_text(d) == '"Opening hours" moved to position 1 of 5 in "Billing".')
    assert focus_is(browser, "button", text='Move up: "Opening hours"')
    assert browser.switch_to.active_element.get_attribute("aria-disabled") == "true"
    press(browser, Keys.ENTER)  # already first: said so, nothing moves
    wait_until(browser, lambda d: live_text(d) == '"Opening hours" is already first in "Billing".')
    assert cards_in(browser, group_zone(browser, "Billing")) == [
        "Opening hours", "Invoices", "Refunds", "Contact", "Fees"]
    press(browser, Keys.ESCAPE)
    assert focus_is(browser, "button", text="Opening hours")

    # Fees (last) one place down is refused; one place up puts it fourth.
    tab_to(browser, "button", text="Fees")
    press(browser, Keys.ENTER)
    tab_to(browser, "button", text='Move down: "Fees"', limit=5)
    press(browser, Keys.ENTER)
    wait_until(browser, lambda d: live_text(d) == '"Fees" is already last in "Billing".')
    ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
    assert focus_is(browser, "button", text='Move up: "Fees"')
    press(browser, Keys.ENTER)
    wait_until(browser, lambda d: live_text(d) == '"Fees" moved to position 4 of 5 in "Billing".')
    expected = ["c1", "c2", "c3", "c5", "c4"]
    wait_for_draft(browser, app_server, study, "rank1", lambda s: s["groups"][0]["cards"] == expected)

    tab_to(browser, "button", text="I am done sorting")
    press(browser, Keys.ENTER)
    wait_for_text(browser, "A few last questions")
    tab_to(browser, "button", text="Submit my sort")
    press(browser, Keys.ENTER)
    wait_for_text(browser, "Thank you!")

    (sort,) = store.load_sorts(app_server.engine, study.id)
    assert [(g.category_id, g.cards) for g in sort.groups] == [("k1", tuple(expected))]
    with app_server.engine.connect() as conn:
        rows = conn.execute(store.placements.select()
                            .where(store.placements.c.sort_id.in_(
                                store.sorts.select().with_only_columns(store.sorts.c.id)
                                .where(store.sorts.c.study_id == study.id)))
                            .order_by(store.placements.c.position)).all()
    assert [(r.card_id, r.position) for r in rows] == [(c, i) for i, c in enumerate(expected)]


def test_a_drop_between_two_cards_inserts_the_card_there(app_server, browser):
    study = app_server.add_study(ORDER_SPEC)
    store.save_draft(app_server.engine, study.id, "rank2", DRAFT)
    browser.get(app_server.participant_url(study, "rank2"))
    wait_for_board(browser)
    billing = group_zone(browser, "Billing")
    handle = billing.find_element(By.CSS_SELECTOR, "[data-drag='c5']")  # Fees, last
    refunds = billing.find_element(By.CSS_SELECTOR, "[data-card='c3']")  # second
    # Drop on the upper half of Refunds: Fees goes before it, second of five.
    (ActionChains(browser).click_and_hold(handle).move_by_offset(5, -10)
     .move_to_element_with_offset(refunds, 0, -refunds.size["height"] // 4).release().perform())
    wait_until(browser, lambda d: cards_in(d, group_zone(d, "Billing")) == [
        "Invoices", "Fees", "Refunds", "Opening hours", "Contact"])
    assert live_text(browser) == '"Fees" moved to position 2 of 5 in "Billing".'
    assert browser.find_elements(By.CSS_SELECTOR, ".csb-insert-before, .csb-insert-after, .csb-ghost") == []
    wait_for_draft(browser, app_server, study, "rank2",
                   lambda s: s["groups"][0]["cards"] == ["c2", "c5", "c3", "c1", "c4"])

    # A drop from another group lands where it is dropped too: Invoices to Help, then back below Contact.
    help_zone = group_zone(browser, "Help")
    handle = group_zone(browser, "Billing").find_element(By.CSS_SELECTOR, "[data-drag='c2']")
    (ActionChains(browser).click_and_hold(handle).move_by_offset(5, 10)
     .move_to_element(help_zone).move_by_offset(0, 5).release().perform())
    wait_until(browser, lambda d: cards_in(d, group_zone(d, "Help")) == ["Invoices"])
    assert live_text(browser) == '"Invoices" moved to position 1 of 1 in "Help".'
    contact = group_zone(browser, "Billing").find_element(By.CSS_SELECTOR, "[data-card='c4']")
    handle = group_zone(browser, "Help").find_element(By.CSS_SELECTOR, "[data-drag='c2']")
    (ActionChains(browser).click_and_hold(handle).move_by_offset(5, 10)
     .move_to_element_with_offset(contact, 0, contact.size["height"] // 4).release().perform())
    wait_until(browser, lambda d: cards_in(d, group_zone(d, "Billing")) == [
        "Fees", "Refunds", "Opening hours", "Contact", "Invoices"])


def test_no_axe_violations_on_the_ordered_board(app_server, browser):
    study = app_server.add_study(ORDER_SPEC)
    store.save_draft(app_server.engine, study.id, "rank3", {**DRAFT, "groups": [
        {"id": "k1", "label": "Billing", "category_id": "k1", "cards": ["c2", "c3", "c1"]}], "unsorted": ["c4", "c5"]})
    browser.get(app_server.participant_url(study, "rank3"))
    wait_for_board(browser)
    seen = {"ordered board": axe_violations(browser)}
    # An open first card: "Move up" is aria-disabled, "Move down" is not.
    browser.find_element(By.XPATH, "//button[@class='csb-card-button'][.='Invoices']").click()
    assert browser.find_element(By.CSS_SELECTOR, "[data-focus='up:c2']").get_attribute("aria-disabled") == "true"
    assert browser.find_element(By.CSS_SELECTOR, "[data-focus='down:c2']").get_attribute("aria-disabled") is None
    seen["ordered board, a card open"] = axe_violations(browser)
    # An unsorted card has no order to change.
    browser.find_element(By.XPATH, "//button[@class='csb-card-button'][.='Contact']").click()
    assert browser.find_elements(By.CSS_SELECTOR, "[data-focus='up:c4']") == []
    assert seen == {page: [] for page in seen}


def test_researcher_sets_the_order_and_reads_average_positions_without_axe_violations(app_server, browser, tmp_path):
    from cardsort.model import Group, Sort
    from cardsort.report import load_report, render
    from tests.app.test_researcher_browser import go, open_tabs, sign_in_by_keyboard, violations

    study = app_server.add_study({**ORDER_SPEC, "kind": "hybrid"})
    store.import_sorts(app_server.engine, study.id, [
        Sort("p1", (Group("Billing", ("c2", "c3", "c1"), "k1"), Group("Help", ("c4", "c5"), "k2"))),
        Sort("p2", (Group("Billing", ("c3", "c2", "c5"), "k1"), Group("Mine", ("c1", "c4")))),
    ])
    sign_in_by_keyboard(browser, app_server.url)
    go(browser, f"/studies?study={study.id}", "Participant link")
    assert "Participants order the cards inside each group" in browser.find_element(By.TAG_NAME, "body").text
    found = {"studies": violations(browser)}
    go(browser, f"/results?study={study.id}", "Participants completed")
    for name in open_tabs(browser):
        if name == "Placement matrix":
            panel = browser.find_element(By.CSS_SELECTOR, '[role="tabpanel"]:not([hidden])').text
            assert "Average position inside each category" in panel
            assert "1.50 (n = 2)" in panel and "3.00 (n = 1)" in panel  # Invoices in Billing 1st, 2nd; Fees 3rd
            found[name] = violations(browser)
    # The stakeholder report's section, in the same browser.
    page = tmp_path / "report.html"
    page.write_text(render(load_report(app_server.engine, study.id), "html"), encoding="utf-8")
    browser.get(page.as_uri())
    wait_for_text(browser, "Card order inside categories")
    found["report"] = violations(browser)
    assert {tab: v for tab, v in found.items() if v} == {}
