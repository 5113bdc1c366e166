"""The participant page in a real headless Chromium against the real app (see conftest.py).

Covers what only a browser can show: a sort done with the keyboard alone lands in
the database with the exact groups, a mouse drag moves a card, a reload resumes the
autosaved draft, the live region speaks each change, a Persian study is laid out
right-to-left, and axe-core finds nothing on any participant page.
"""

from __future__ import annotations

import time

import pytest
from selenium.webdriver import ActionChains, Keys
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from a11y.browser import cdp
from a11y.engine import load_axe, run_axe, run_options
from cardsort import store
from cardsort.model import Group, Sort

pytestmark = pytest.mark.browser

TIMEOUT = 20
OPEN_SPEC = {"name": "Library website", "kind": "open", "language": "en",
             "cards": [{"label": "Opening hours", "description": "When we are open"},
                       # port 9 (discard) on 127.0.0.1: an image that never loads, but its alt text counts
                       {"label": "Borrowing", "image": "http://127.0.0.1:9/borrowing.png"}, "Wi-Fi"],
             "settings": {"randomize": False}}
HYBRID_SPEC = {"name": "Shop", "kind": "hybrid", "language": "en",
               "cards": ["Returns", "Shipping", "Gift cards"], "categories": ["Help", "Shop"],
               "settings": {"randomize": False}}
PERSIAN_SPEC = {"name": "کتابخانه", "kind": "open", "language": "fa",
                "cards": ["ساعات کاری", "امانت کتاب", "رزرو اتاق"], "settings": {"randomize": False}}


# --- helpers -----------------------------------------------------------------------------------

def wait_until(driver: WebDriver, condition, timeout: float = TIMEOUT):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: condition(d))


def press(driver: WebDriver, *keys: str) -> None:
    """Keys to whatever has focus, as a keyboard user would type them."""
    ActionChains(driver).send_keys(*keys).perform()


_FOCUSED = """
const el = document.activeElement;
if (!el) return null;
const label = el.labels && el.labels.length ? el.labels[0].textContent.trim() : null;
return {tag: el.tagName.toLowerCase(), text: (el.getAttribute('aria-label') || el.innerText || '').trim(), label};
"""


def focus_is(driver: WebDriver, tag: str, text: str | None = None, label: str | None = None) -> bool:
    """Whether the focused element is a ``tag`` with that accessible text (aria-label or text) or label."""
    focused = driver.execute_script(_FOCUSED)
    return bool(focused) and focused["tag"] == tag \
        and (text is None or focused["text"] == text) and (label is None or focused["label"] == label)


def tab_to(driver: WebDriver, tag: str, *, text: str | None = None, label: str | None = None,
           limit: int = 60) -> WebElement:
    """Press Tab until the focused element is ``tag`` with that accessible text or label."""
    for _ in range(limit):
        if focus_is(driver, tag, text, label):
            return driver.switch_to.active_element
        press(driver, Keys.TAB)
    raise AssertionError(f"Tab never reached <{tag}> {text or label!r}")


def wait_for_text(driver: WebDriver, text: str) -> None:
    wait_until(driver, lambda d: text in d.find_element(By.TAG_NAME, "body").text)


def wait_for_board(driver: WebDriver) -> None:
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".csb .csb-cards, .csb .csb-empty"))


def start(driver: WebDriver, url: str) -> None:
    driver.get(url)
    button = wait_until(driver, lambda d: d.find_elements(By.XPATH, "//button[.//p[text()='Start sorting']]"))
    button[0].click()
    wait_for_board(driver)


def cards_in(driver: WebDriver, zone: WebElement) -> list[str]:
    return [b.text for b in zone.find_elements(By.CSS_SELECTOR, ".csb-card-button")]


def group_zone(driver: WebDriver, name: str) -> WebElement:
    for zone in driver.find_elements(By.CSS_SELECTOR, ".csb-group"):
        if zone.find_element(By.CSS_SELECTOR, "h4").text == name:
            return zone
    raise AssertionError(f"no group {name!r}")


def draft_state(app_server, study, pid):
    draft = store.get_draft(app_server.engine, study.id, pid)
    return draft and draft["state"]


def wait_for_draft(driver, app_server, study, pid, predicate):
    """Autosave is debounced: wait until the stored draft satisfies ``predicate``."""
    return wait_until(driver, lambda d: (s := draft_state(app_server, study, pid)) and predicate(s) and s)


def axe_violations(driver: WebDriver) -> list[tuple[str, list]]:
    tags = run_options("wcag22aa")  # wcag2a, wcag2aa, wcag21a, wcag21aa, wcag22aa + best-practice
    assert tags["runOnly"]["values"] == ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa",
                                         "best-practice"]
    result = run_axe(driver, load_axe(), tags)
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]


# --- tests -------------------------------------------------------------------------------------

def test_keyboard_only_open_sort_is_stored_with_the_exact_groups(app_server, browser):
    study = app_server.add_study(OPEN_SPEC)
    browser.get(app_server.participant_url(study, "kb1"))
    wait_until(browser, lambda d: d.find_elements(By.XPATH, "//button[.//p[text()='Start sorting']]"))

    tab_to(browser, "button", text="Start sorting")
    press(browser, Keys.ENTER)
    wait_for_board(browser)
    assert [img.get_attribute("alt") for img in browser.find_elements(By.CSS_SELECTOR, ".csb img")] == ["Borrowing"]

    # Two groups, named in the "new group" field (focus stays there after each).
    tab_to(browser, "input", label="Name of the new group")
    press(browser, "Visit", Keys.ENTER)
    wait_until(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".csb-group")) == 1)
    assert focus_is(browser, "input", label="Name of the new group")
    press(browser, "Borrow", Keys.ENTER)
    wait_until(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".csb-group")) == 2)

    # Opening hours -> Visit: open the card, its "Move to" list has focus, Tab to Move, Enter.
    tab_to(browser, "button", text="Opening hours", limit=30)
    press(browser, Keys.ENTER)
    assert focus_is(browser, "select", label='Move "Opening hours" to')
    assert "When we are open" in browser.find_element(By.CSS_SELECTOR, ".csb-open .csb-panel").text
    assert browser.switch_to.active_element.get_attribute("value") != ""
    press(browser, Keys.TAB)
    assert focus_is(browser, "button", text="Move")
    press(browser, Keys.ENTER)
    # Focus moves on to the next card to sort: Borrowing -> Borrow (second option), Enter on the list.
    assert focus_is(browser, "button", text="Borrowing")
    press(browser, Keys.ENTER, Keys.ARROW_DOWN)
    assert browser.switch_to.active_element.get_attribute("value") == \
        browser.execute_script("return Array.from(arguments[0].options).find(o => o.text === 'Borrow').value",
                               browser.switch_to.active_element)
    press(browser, Keys.ENTER)
    # Wi-Fi -> Visit
    assert focus_is(browser, "button", text="Wi-Fi")
    press(browser, Keys.ENTER, Keys.TAB, Keys.ENTER)
    assert browser.find_element(By.CSS_SELECTOR, ".csb-progress").text == "3 of 3 cards sorted"

    tab_to(browser, "button", text="I am done sorting")
    press(browser, Keys.ENTER)
    wait_for_text(browser, "A few last questions")
    tab_to(browser, "textarea", label="Anything you would like to tell us about the cards or the groups?")
    press(browser, "Easy")
    tab_to(browser, "button", text="Submit my sort")
    press(browser, Keys.ENTER)
    wait_for_text(browser, "Thank you!")

    (sort,) = [s for s in store.load_sorts(app_server.engine, study.id)]
    assert sort.participant_id == "kb1"
    assert [(g.label, g.cards, g.category_id) for g in sort.groups] == [
        ("Visit", ("c1", "c3"), None), ("Borrow", ("c2",), None)]
    assert sort.answers == {"comments": "Easy"}


def test_mouse_drag_moves_a_card_and_reload_resumes(app_server, browser):
    study = app_server.add_study(HYBRID_SPEC)
    start(browser, app_server.participant_url(study, "drag1"))

    handle = browser.find_element(By.CSS_SELECTOR, ".csb-unsorted [data-drag='c2']")
    target = group_zone(browser, "Help")
    (ActionChains(browser).click_and_hold(handle).move_by_offset(20, 10)
     .move_to_element(target).move_by_offset(0, 5).release().perform())
    wait_until(browser, lambda d: cards_in(d, group_zone(d, "Help")) == ["Shipping"])
    unsorted = browser.find_element(By.CSS_SELECTOR, ".csb-unsorted")
    assert cards_in(browser, unsorted) == ["Returns", "Gift cards"]
    assert browser.find_element(By.CSS_SELECTOR, ".csb-live").text == 'Moved "Shipping" to "Help".'
    assert browser.find_elements(By.CSS_SELECTOR, ".csb-ghost") == []

    state = wait_for_draft(browser, app_server, study, "drag1",
                           lambda s: s["groups"][0]["cards"] == ["c2"])
    assert state["unsorted"] == ["c1", "c3"]

    browser.refresh()
    wait_for_board(browser)
    assert cards_in(browser, group_zone(browser, "Help")) == ["Shipping"]
    assert cards_in(browser, browser.find_element(By.CSS_SELECTOR, ".csb-unsorted")) == ["Returns", "Gift cards"]


def centre(driver: WebDriver, el: WebElement) -> tuple[float, float]:
    return tuple(driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2];", el))


def test_touch_drag_from_the_handle_moves_a_card(app_server, browser):
    study = app_server.add_study(HYBRID_SPEC)
    cdp(browser, "Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 1})
    try:
        start(browser, app_server.participant_url(study, "touch1"))
        assert browser.execute_script(
            "return getComputedStyle(document.querySelector('.csb-handle')).touchAction") == "none"
        (x0, y0) = centre(browser, browser.find_element(By.CSS_SELECTOR, ".csb-unsorted [data-drag='c3']"))
        (x1, y1) = centre(browser, group_zone(browser, "Shop"))
        cdp(browser, "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
        for step in range(1, 6):
            cdp(browser, "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [
                {"x": x0 + (x1 - x0) * step / 5, "y": y0 + (y1 - y0) * step / 5}]})
        cdp(browser, "Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        wait_until(browser, lambda d: cards_in(d, group_zone(d, "Shop")) == ["Gift cards"])
        assert browser.find_element(By.CSS_SELECTOR, ".csb-live").text == 'Moved "Gift cards" to "Shop".'
    finally:
        cdp(browser, "Emulation.setTouchEmulationEnabled", {"enabled": False})


def test_live_region_announces_moves_and_new_groups(app_server, browser):
    study = app_server.add_study(HYBRID_SPEC)
    start(browser, app_server.participant_url(study, "live1"))
    live = browser.find_element(By.CSS_SELECTOR, "[aria-live='polite']")
    assert live.get_attribute("role") == "status"

    browser.find_element(By.XPATH, "//button[@class='csb-card-button'][.='Returns']").click()
    select = browser.switch_to.active_element
    browser.execute_script("""
        const s = arguments[0]; s.value = Array.from(s.options).find(o => o.text === 'Shop').value;""", select)
    press(browser, Keys.ENTER)
    wait_until(browser, lambda d: live.text == 'Moved "Returns" to "Shop".')

    # "A new group" from the list creates an unnamed group and puts focus on its name field.
    browser.find_element(By.XPATH, "//button[@class='csb-card-button'][.='Gift cards']").click()
    select = browser.switch_to.active_element
    browser.execute_script("""
        const s = arguments[0]; s.value = '__new';""", select)
    press(browser, Keys.ENTER)
    wait_until(browser, lambda d: live.text == 'Created the group "Unnamed group" with "Gift cards".')
    assert focus_is(browser, "input", label="Group name")
    press(browser, "Presents", Keys.ENTER)
    wait_until(browser, lambda d: live.text == 'Renamed the group to "Presents".')
    assert focus_is(browser, "button", text="Rename group Presents")

    # Escape closes an open card and gives focus back to it.
    browser.find_element(By.XPATH, "//button[@class='csb-card-button'][.='Shipping']").click()
    assert focus_is(browser, "select", label='Move "Shipping" to')
    press(browser, Keys.ESCAPE)
    assert focus_is(browser, "button", text="Shipping")
    assert browser.switch_to.active_element.get_attribute("aria-expanded") == "false"
    assert browser.find_elements(By.CSS_SELECTOR, ".csb-panel:not([hidden])") == []

    # Removing the group sends its card back.
    browser.find_element(By.XPATH, "//button[@aria-label='Remove group Presents']").click()
    wait_until(browser, lambda d: live.text ==
               'Removed the group "Presents"; 1 card went back to the cards to sort.')
    assert cards_in(browser, browser.find_element(By.CSS_SELECTOR, ".csb-unsorted")) == ["Shipping", "Gift cards"]


def test_finishing_right_after_a_move_uses_the_latest_board(app_server, browser):
    # Autosave waits ~500 ms after a move; leaving the board (here: pressing the Streamlit
    # "I am done" button at once) must send the newest board first, or the last move is lost.
    study = app_server.add_study(OPEN_SPEC)
    store.save_draft(app_server.engine, study.id, "fast1", {
        "groups": [{"id": "g-a", "label": "All", "category_id": None, "cards": ["c1", "c2"]}],
        "unsorted": ["c3"], "stage": "sorting"})
    browser.get(app_server.participant_url(study, "fast1"))
    wait_for_board(browser)
    # the board component can render before Streamlit's own button below it
    done = wait_until(browser, lambda d: d.find_elements(By.XPATH, "//button[.//p[text()='I am done sorting']]"))[0]
    browser.find_element(By.XPATH, "//button[@class='csb-card-button'][.='Wi-Fi']").click()
    press(browser, Keys.ENTER)
    done.click()  # within milliseconds of the move, long before the ~500 ms autosave
    wait_for_text(browser, "A few last questions")
    assert draft_state(app_server, study, "fast1")["groups"][0]["cards"] == ["c1", "c2", "c3"]


def test_persian_study_is_right_to_left_and_usable_at_320px(app_server, browser):
    study = app_server.add_study(PERSIAN_SPEC)
    browser.get(app_server.participant_url(study, "fa1"))
    button = wait_until(browser, lambda d: d.find_elements(By.XPATH, "//button[.//p[text()='شروع مرتب‌سازی']]"))
    wait_until(browser, lambda d: d.execute_script("return document.documentElement.dir") == "rtl")
    assert browser.execute_script("return document.documentElement.lang") == "fa"
    assert browser.title == "مرتب‌سازی کارت‌ها"  # the default title: never the study's internal name
    assert "خوش آمدید" in browser.find_element(By.TAG_NAME, "h2").text
    button[0].click()
    wait_for_board(browser)
    board = browser.find_element(By.CSS_SELECTOR, ".csb")
    assert board.get_attribute("dir") == "rtl"
    assert browser.find_element(By.CSS_SELECTOR, ".csb-unsorted h3").text == "کارت‌های مرتب‌نشده"
    assert browser.find_element(By.CSS_SELECTOR, ".csb-progress").text == "۰ از ۳ کارت مرتب شده است"
    # Right-to-left: the handle (first in the DOM) sits on the right of the card button.
    handle = browser.find_element(By.CSS_SELECTOR, ".csb-handle")
    card_button = browser.find_element(By.CSS_SELECTOR, ".csb-card-button")
    assert handle.rect["x"] > card_button.rect["x"]

    cdp(browser, "Emulation.setDeviceMetricsOverride",
        {"width": 320, "height": 800, "deviceScaleFactor": 1, "mobile": True})
    try:
        wait_until(browser, lambda d: d.execute_script("return window.innerWidth") == 320)
        overflow = browser.execute_script("""
            return Array.from(document.querySelectorAll('.csb *'))
              .filter(e => { const r = e.getBoundingClientRect();
                             return r.width && (r.left < -1 || r.right > window.innerWidth + 1); })
              .map(e => e.className);""")
        assert overflow == []
        sizes = browser.execute_script("""
            return Array.from(document.querySelectorAll('.csb button, .csb select, .csb input, .csb-handle'))
              .filter(e => e.offsetParent)
              .map(e => Math.min(e.getBoundingClientRect().width, e.getBoundingClientRect().height));""")
        assert sizes and min(sizes) >= 44
    finally:
        cdp(browser, "Emulation.clearDeviceMetricsOverride")


def test_no_axe_violations_on_any_participant_page(app_server, browser):
    study = app_server.add_study(HYBRID_SPEC)
    persian = app_server.add_study(PERSIAN_SPEC)
    closed = app_server.add_study({**OPEN_SPEC, "status": "closed"})
    seen = {}

    browser.get(f"{app_server.url}/sort?study=does-not-exist")
    wait_for_text(browser, "We could not find this study")
    seen["unknown study"] = axe_violations(browser)
    browser.get(app_server.participant_url(closed, "a1"))
    wait_for_text(browser, "This study has ended")
    seen["closed study"] = axe_violations(browser)

    browser.get(app_server.participant_url(study, "axe1"))
    wait_for_text(browser, "Start sorting")
    seen["welcome"] = axe_violations(browser)
    browser.find_element(By.XPATH, "//button[.//p[text()='Start sorting']]").click()
    wait_for_board(browser)
    # The board with everything showing: an open card, an own group being renamed, a sorted card.
    browser.find_element(By.XPATH, "//button[@class='csb-card-button'][.='Returns']").click()
    press(browser, Keys.ENTER)
    browser.find_element(By.XPATH, "//button[@class='csb-card-button'][.='Shipping']").click()
    browser.execute_script("arguments[0].value = '__new'", browser.switch_to.active_element)
    press(browser, Keys.ENTER)
    wait_until(browser, lambda d: focus_is(d, "input", label="Group name"))
    browser.find_element(By.XPATH, "//button[@class='csb-card-button'][.='Gift cards']").click()
    seen["board"] = axe_violations(browser)

    browser.find_element(By.XPATH, "//button[.//p[text()='I am done sorting']]").click()
    wait_until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='stAlertContentError']"))
    seen["board with requirement messages"] = axe_violations(browser)

    store.save_draft(app_server.engine, study.id, "axe2", {
        "groups": [{"id": "k1", "label": "Help", "category_id": "k1", "cards": ["c1", "c2", "c3"]}],
        "unsorted": [], "stage": "questions"})
    browser.get(app_server.participant_url(study, "axe2"))
    wait_for_text(browser, "A few last questions")
    seen["questions"] = axe_violations(browser)
    browser.find_element(By.XPATH, "//button[.//p[text()='Submit my sort']]").click()
    wait_for_text(browser, "Thank you!")
    seen["thank you"] = axe_violations(browser)

    browser.get(app_server.participant_url(persian, "axe3"))
    wait_for_text(browser, "شروع مرتب‌سازی")
    browser.find_element(By.XPATH, "//button[.//p[text()='شروع مرتب‌سازی']]").click()
    wait_for_board(browser)
    seen["persian board"] = axe_violations(browser)

    assert seen == {page: [] for page in seen}


def test_participants_see_the_study_title_and_texts_not_its_internal_name(app_server, browser):
    texts = {"title": "به ما در بهبود سایت کتابخانه کمک کنید", "welcome": "سلام! حدود ده دقیقه طول می‌کشد.",
             "instructions": "هر کارت را جایی بگذارید که دنبالش می‌گردید.", "thank_you": "سپاس، کمک بزرگی بود."}
    study = app_server.add_study({**PERSIAN_SPEC, "name": "LIB-internal round 2", "texts": texts})
    browser.get(app_server.participant_url(study, "tx1"))
    wait_for_text(browser, texts["welcome"])
    wait_until(browser, lambda d: d.execute_script("return document.documentElement.dir") == "rtl")
    wait_until(browser, lambda d: d.title == texts["title"])
    assert browser.find_element(By.TAG_NAME, "h1").text == texts["title"]
    body = browser.find_element(By.TAG_NAME, "body").text
    assert texts["instructions"] in body and "LIB-internal" not in body
    seen = {"welcome with the study's texts": axe_violations(browser)}
    store.submit_sort(app_server.engine, study.id, Sort("tx1", (Group("همه", ("c1", "c2", "c3")),)))
    browser.get(app_server.participant_url(study, "tx1"))
    wait_for_text(browser, texts["thank_you"])
    assert browser.find_element(By.TAG_NAME, "h1").text == texts["title"]
    assert "LIB-internal" not in browser.find_element(By.TAG_NAME, "body").text + browser.title
    seen["thank you with the study's texts"] = axe_violations(browser)
    assert seen == {page: [] for page in seen}


def test_double_click_on_submit_stores_one_sort(app_server, browser):
    study = app_server.add_study(OPEN_SPEC)
    store.save_draft(app_server.engine, study.id, "dbl", {
        "groups": [{"id": "g-a", "label": "All", "category_id": None, "cards": ["c1", "c2", "c3"]}],
        "unsorted": [], "stage": "questions"})
    browser.get(app_server.participant_url(study, "dbl"))
    submit = wait_until(browser, lambda d: d.find_elements(By.XPATH, "//button[.//p[text()='Submit my sort']]"))[0]
    ActionChains(browser).double_click(submit).perform()
    wait_for_text(browser, "Thank you!")
    browser.refresh()
    wait_for_text(browser, "Thank you!")
    time.sleep(0.5)  # let any late rerun of the second click finish before counting
    assert [s.participant_id for s in store.load_sorts(app_server.engine, study.id)] == ["dbl"]
