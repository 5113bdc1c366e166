"""The trust and standardisation pages and the stakeholder report in a real Chromium: zero axe violations.

Uses the session's app server and browser of conftest.py and the researcher helpers' keyboard sign-in.
"""

from __future__ import annotations

import functools
import os
import random
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from cardsort import demo, store
from cardsort.report import load_report, render
from tests.app.test_researcher_browser import (
    TIMEOUT,
    go,
    open_tabs,
    settle,
    sign_in_by_keyboard,
    sort,
    violations,
    wait_for_text,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def study(app_server):
    """An open study with five sorts: two spellings to merge, one flagged one-pile sort, a hostile label."""
    s = app_server.add_study({"name": "Library (trust test)", "kind": "open",
                              "cards": ["Opening hours", "Contact us", "Renew a loan", "Fines"]})
    store.import_sorts(app_server.engine, s.id, [
        sort("p1", 6, ("Visit", ["c1", "c2"], None), ("Borrow", ["c3", "c4"], None)),
        sort("p2", 9, ("visit!", ["c1", "c2"], None), ("Borrowing", ["c3", "c4"], None)),
        sort("p3", 12, ("About", ["c1", "c2", "c4"], None), ("<script>x</script>", ["c3"], None)),
        sort("p4", 7, ("Visit", ["c1", "c2"], None), ("Borrow", ["c3", "c4"], None)),
        sort("pile", 1, ("All", ["c1", "c2", "c3", "c4"], None)),
    ])
    with app_server.engine.begin() as conn:  # p1 left a comment after sorting
        conn.execute(store.sorts.update().where(store.sorts.c.participant_id == "p1", store.sorts.c.study_id == s.id)
                     .values(answers='{"comments": "Fines <i>could</i> go under Borrow"}'))
    store.save_study_notes(app_server.engine, s.id, "Check <b>Fines</b> again.")
    return s


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_trust_and_standardise_pages_and_report_have_no_axe_violations(app_server, browser, study, tmp_path):
    found: dict[str, list] = {}
    sign_in_by_keyboard(browser, app_server.url)
    go(browser, f"/trust?study={study.id}", "Flagged:")
    for name in open_tabs(browser):
        found[f"trust, {name}"] = violations(browser)
    build = next(b for b in browser.find_elements(By.TAG_NAME, "button") if b.text == "Build the report")
    build.send_keys(Keys.ENTER)
    wait_for_text(browser, "Report ready")
    settle(browser)
    assert "Download comments CSV" in browser.find_element(By.TAG_NAME, "body").text
    found["trust, Report built"] = violations(browser)
    go(browser, f"/standardise?study={study.id}", "Standardised categories")
    found["standardise"] = violations(browser)

    (tmp_path / "report.html").write_text(render(load_report(app_server.engine, study.id), "html"), encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        browser.get(f"http://127.0.0.1:{server.server_address[1]}/report.html")
        wait_for_text(browser, "Actual Agreement Method")
        assert "Fines <i>could</i> go under Borrow" in browser.find_element(By.TAG_NAME, "body").get_attribute(
            "textContent")
        assert browser.execute_script("return document.querySelectorAll('script').length") == 0
        found["report"] = violations(browser)
    finally:
        server.shutdown()
        server.server_close()
    assert "trust, Report" in found and "trust, Cluster map" in found
    assert {page: v for page, v in found.items() if v} == {}


def realistic_study(app_server, n_cards: int, n_participants: int, seed: int = 3):
    """A study like the demo at a realistic size: the demo's library cards (numbered after the first 40),
    sorted by simulated participants who mostly follow the demo's sections with the demo's labels."""
    sections = list(demo.SECTIONS.values())
    base = [(card, k) for k, (_, cards) in enumerate(sections) for card in cards]
    cards = [(base[i % len(base)][0] + (f" ({i // len(base) + 1})" if i >= len(base) else ""), base[i % len(base)][1])
             for i in range(n_cards)]
    s = app_server.add_study({"name": f"Library, {n_cards} cards", "kind": "open", "cards": [c for c, _ in cards]})
    rng = random.Random(seed)
    sorts = []
    for p in range(n_participants):
        piles: dict[int, list[str]] = {}
        for i, (_, home) in enumerate(cards):
            piles.setdefault(home if rng.random() < 0.85 else rng.randrange(len(sections)), []).append(f"c{i + 1}")
        sorts.append(sort(f"p{p + 1:03d}", 5 + p % 20,
                          *((rng.choice(sections[k][0]), ids, None) for k, ids in sorted(piles.items()))))
    store.import_sorts(app_server.engine, s.id, sorts)
    return s


CHART_OVERFLOW = """
const out = [];
const vw = document.documentElement.clientWidth;
for (const chart of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
  if (!chart.offsetParent) continue;  // in a hidden tab
  const graphic = chart.querySelector('svg, canvas');
  const box = graphic.getBoundingClientRect();
  const name = chart.closest('[data-testid="stVerticalBlock"]').innerText.split('\\n')[0];
  let el = graphic;
  while (el && el !== document.body) {  // every box from the graphic up: nothing scrolls or clips sideways
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
      out.push(`${name}: ${el.tagName}.${el.className} scrolls ${el.scrollWidth} > ${el.clientWidth}`);
    el = el.parentElement;
  }
  const holder = chart.getBoundingClientRect();
  if (box.left < holder.left - 1 || box.right > holder.right + 1)
    out.push(`${name}: chart ${Math.round(box.left)}-${Math.round(box.right)} outside its container ` +
             `${Math.round(holder.left)}-${Math.round(holder.right)}`);
  const plot = graphic.querySelector('.root .background').getBoundingClientRect();
  const isMap = name.startsWith('Cards often put together');
  for (const text of graphic.querySelectorAll('.mark-text text')) {  // every label whole: in the chart, on the map
    const r = text.getBoundingClientRect();
    const [left, right] = isMap ? [plot.left, plot.right] : [box.left, box.right];
    if (r.width && (r.left < left - 1 || r.right > right + 1))
      out.push(`${name}: "${text.textContent}" ${Math.round(r.left)}-${Math.round(r.right)} outside ` +
               `${isMap ? 'the plot' : 'the chart'} ${Math.round(left)}-${Math.round(right)}`);
  }
  if (box.left < 0 || box.right > vw)
    out.push(`${name}: chart ${Math.round(box.left)}-${Math.round(box.right)} outside the viewport 0-${vw}`);
}
return out;
"""


@pytest.mark.parametrize("n_cards, n_participants", [(40, 300), (135, 200)])
def test_aam_tree_and_cluster_map_fit_a_1400_px_window(app_server, browser, n_cards, n_participants, tmp_path):
    """At 1400 px nothing on the AAM tab or the cluster map scrolls sideways or lies outside its container and the
    viewport, every label of a chart is inside it, and the map's labels are inside the map (TRUST_SHOTS=dir keeps
    the screenshots)."""
    shots = Path(os.environ.get("TRUST_SHOTS") or tmp_path)
    s = realistic_study(app_server, n_cards, n_participants)
    browser.set_window_size(1400, 1000)
    try:
        sign_in_by_keyboard(browser, app_server.url)
        go(browser, f"/trust?study={s.id}", "Flagged:")
        seen = {}
        for name in open_tabs(browser):
            if name in ("AAM tree", "Cluster map"):
                WebDriverWait(browser, TIMEOUT).until(lambda d: d.execute_script(
                    "return [...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')]"
                    ".filter(c => c.offsetParent && c.querySelector('svg, canvas')).length"))
                settle(browser)
                browser.save_screenshot(str(shots / f"trust-{n_cards}-{name.replace(' ', '-')}.png"))
                seen[name] = browser.execute_script(CHART_OVERFLOW)
    finally:
        browser.set_window_size(1280, 1000)
    assert seen == {"Cluster map": [], "AAM tree": []}
