"""Pages that settle: late content is waited for, lazy content scrolled into being, then audited.

The pages are tests/a11y/site/late/ (see its README): a single-page app whose content arrives
with a fetch answered after 1 s, its clean control, a timer, an infinite scroll, a page that
never settles, late results for --wait-for/--wait, and links that only a script renders.
"""

from __future__ import annotations

import io
import json
from collections import Counter

import pytest

from a11y import crawl, history, jobs, settle
from a11y.__main__ import main
from a11y.engine import audit_page, audit_urls, link_reader, rendered_links
from a11y.findings import PageResult
from a11y.report import make_report, validate_report
from tests.app._researcher import app_db, open_page  # noqa: F401 - app_db is a fixture

SPA_DEFECTS = {"image-alt": 1, "link-name": 1, "label": 1}
QUIET = {"settled": True, "scrolls": 0, "note": None}


def counts(result) -> dict[str, int]:
    return dict(Counter({f.rule: len(f.nodes) for f in result.violations}))


def run(*argv: str, driver=None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, driver=driver)
    return code, out.getvalue(), err.getvalue()


# --- pure parts ---------------------------------------------------------------------------------

def test_defaults():
    assert settle.make_options() == settle.SettleOptions(quiet_ms=500, cap_ms=10_000, max_scrolls=20, wait_ms=0,
                                                         wait_for=None)
    assert settle.SettleOptions().enabled and not settle.NO_SETTLE.enabled
    assert settle.make_options(cap_ms=0, wait_ms=200).enabled  # a fixed wait alone still waits
    assert settle.make_options(wait_for="  #app  ").wait_for == "#app"
    assert settle.make_options(wait_for="   ").wait_for is None


@pytest.mark.parametrize("kwargs, message", [
    ({"quiet_ms": -1}, "quiet window (ms) must be a whole number from 0 to 10000, got -1"),
    ({"cap_ms": 60_001}, "settle cap (ms) must be a whole number from 0 to 60000, got 60001"),
    ({"cap_ms": 1.5}, "settle cap (ms) must be a whole number from 0 to 60000, got 1.5"),
    ({"max_scrolls": True}, "most scroll steps must be a whole number from 0 to 200, got True"),
    ({"wait_ms": 30_001}, "wait (ms) must be a whole number from 0 to 30000, got 30001"),
    ({"wait_for": "#a\n#b"}, "wait-for selector must be one CSS selector on one line"),
    ({"wait_for": "a" * 501}, "wait-for selector must be one CSS selector on one line"),
])
def test_bad_options_name_the_problem(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        settle.make_options(**kwargs)


@pytest.mark.parametrize("raw, options, expected", [
    ({"settled": True, "scrolls": 3}, settle.SettleOptions(), settle.Settled(True, 3, None)),
    ({"settled": False, "pending": 2, "timers": 1, "changing": True, "scrolls": 0},
     settle.SettleOptions(cap_ms=1500),
     settle.Settled(False, 0, "the page did not settle within 1.5 s (2 requests pending, 1 timer pending, "
                              "the page changed less than 0.5 s before); audited as it was then")),
    ({"settled": False, "pending": 0, "timers": 0, "changing": False}, settle.SettleOptions(),
     settle.Settled(False, 0, "the page did not settle within 10 s; audited as it was then")),
    ({"settled": True, "waitedFor": False}, settle.SettleOptions(cap_ms=2000, wait_for="#results"),
     settle.Settled(False, 0, "'#results' did not appear within 2 s")),
    ({"settled": True, "scrolls": 20, "grew": True}, settle.SettleOptions(),
     settle.Settled(True, 20, "scrolled 20 viewports (the most allowed) and the page went on; "
                              "what lies further down was not loaded")),
    ({"settled": True, "scrolls": 1, "scrollCapped": True, "grew": False}, settle.SettleOptions(),
     settle.Settled(True, 1, "scrolling stopped after 1 viewport: the page was still loading after 10 s; "
                             "what lies further down may be missing")),
])
def test_what_the_page_script_said_becomes_a_note(raw, options, expected):
    assert settle.describe(raw, options) == expected


def test_the_settle_block_is_added_to_the_page_only_when_there_was_one():
    plain = PageResult(url="http://x.test/")
    assert "settle" not in plain.to_dict()
    noted = PageResult(url="http://x.test/", settle=settle.Settled(False, 2, "late").to_dict())
    assert noted.to_dict()["settle"] == {"settled": False, "scrolls": 2, "note": "late"}
    assert PageResult.from_dict(noted.to_dict()) == noted
    report = make_report([plain, noted], axe_version="4.10.2", standard="wcag22aa")
    validate_report(report)
    assert [p.get("settle") for p in report["pages"]] == [None, {"settled": False, "scrolls": 2, "note": "late"}]
    report["pages"][1]["settle"] = {"settled": "no"}
    with pytest.raises(ValueError, match=r"pages\[1\]\.settle must be an object with settled \(boolean\)"):
        validate_report(report)


def test_a_request_carries_its_settle_options():
    request = jobs.make_request("https://a.example/", wait_ms=1500, wait_for="#app", settle_quiet_ms=300,
                                settle_cap_ms=4000, max_scrolls=5)
    assert request.settle_options() == settle.SettleOptions(quiet_ms=300, cap_ms=4000, max_scrolls=5, wait_ms=1500,
                                                            wait_for="#app")
    assert {k: request.public()[k] for k in ("wait_ms", "wait_for", "settle_cap_ms")} == \
        {"wait_ms": 1500, "wait_for": "#app", "settle_cap_ms": 4000}
    with pytest.raises(ValueError, match="settle cap"):
        jobs.make_request("https://a.example/", settle_cap_ms=-5)


def test_cli_options_reach_the_settle_options():
    from a11y.__main__ import build_parser, settle_options

    args = build_parser().parse_args(["audit", "http://x.test/", "--wait", "250", "--wait-for", "#app",
                                      "--settle-quiet", "300", "--settle-cap", "4000", "--max-scrolls", "3"])
    assert settle_options(args) == settle.SettleOptions(quiet_ms=300, cap_ms=4000, max_scrolls=3, wait_ms=250,
                                                        wait_for="#app")
    off = build_parser().parse_args(["audit", "http://x.test/", "--no-settle"])
    assert settle_options(off) == settle.NO_SETTLE


def test_bad_cli_settle_values_exit_2_with_one_line():
    code, _, err = run("audit", "http://x.test/", "--settle-cap", "90000")
    assert code == 2 and err == "a11y: error: settle cap (ms) must be a whole number from 0 to 60000, got 90000\n"


# --- real pages ---------------------------------------------------------------------------------

@pytest.mark.browser
def test_single_page_app_is_audited_once_its_content_arrived(driver, site_url):
    result = audit_page(driver, f"{site_url}/late/spa.html")
    assert (result.status, counts(result), result.settle) == ("ok", SPA_DEFECTS, QUIET)
    # At "load" it is only "Loading…": the three defects missed and a false page-has-heading-one.
    early = audit_page(driver, f"{site_url}/late/spa.html", settle_options=settle.NO_SETTLE)
    assert (counts(early), early.settle) == ({"page-has-heading-one": 1}, None)


@pytest.mark.browser
def test_clean_single_page_app_gives_nothing_at_all(driver, site_url):
    result = audit_page(driver, f"{site_url}/late/spa-clean.html")
    assert (result.status, result.violations, result.incomplete, result.settle) == ("ok", [], [], QUIET)
    assert driver.find_element("css selector", "h1").text == "Today's books"  # it did render


@pytest.mark.browser
def test_a_frame_inserted_late_is_audited_once_its_document_arrived(driver, site_url):
    result = audit_page(driver, f"{site_url}/late/frame.html")
    assert (counts(result), result.settle) == ({"button-name": 1}, QUIET)


@pytest.mark.browser
def test_frames_a_script_renders_are_audited_with_axe_preloaded(site_url):
    # audit_urls preloads axe into every new document, as the CLI and the app do; a frame's first,
    # empty document gets that axe too when the settle wait touches it, and keeps its window for the
    # real page. Audited five times over: it used to miss the frame's defect on about half the runs.
    results = audit_urls([f"{site_url}/late/frame-quick.html?{n}" for n in range(5)]
                         + [f"{site_url}/late/frame.html"], workers=1, viewport_checks=False,
                         keyboard_walk=False)
    assert [(counts(r), r.settle) for r in results] == [({"button-name": 1}, QUIET)] * 6


@pytest.mark.browser
def test_a_pending_timer_is_waited_for(driver, site_url):
    result = audit_page(driver, f"{site_url}/late/timer.html")
    assert (counts(result), result.settle) == ({"image-alt": 1}, QUIET)


@pytest.mark.browser
def test_a_page_that_moves_on_by_script_is_audited_where_it_lands(driver, site_url):
    result = audit_page(driver, f"{site_url}/late/redirect.html")
    # redirect.html itself has no h1 (page-has-heading-one); spa-clean.html, once rendered, has no findings.
    assert (result.status, result.violations, result.incomplete, result.settle) == ("ok", [], [], QUIET)
    assert driver.current_url == f"{site_url}/late/spa-clean.html"


@pytest.mark.browser
def test_lazy_content_is_scrolled_into_the_audit(driver, site_url):
    result = audit_page(driver, f"{site_url}/late/lazy.html")
    assert counts(result) == {"image-alt": 1}
    assert result.settle["settled"] and result.settle["note"] is None and result.settle["scrolls"] >= 4
    assert driver.execute_script("return [scrollY, document.querySelectorAll('#list section').length]") == [0, 3]
    clean = audit_page(driver, f"{site_url}/late/lazy-clean.html")
    assert (clean.violations, clean.incomplete, clean.settle["note"]) == ([], [], None)
    unscrolled = audit_page(driver, f"{site_url}/late/lazy.html", settle_options=settle.make_options(max_scrolls=0))
    assert (counts(unscrolled), unscrolled.settle) == ({}, QUIET)


@pytest.mark.browser
def test_an_infinite_scroll_ends_at_the_step_limit_and_says_so(driver, site_url):
    result = audit_page(driver, f"{site_url}/late/infinite.html", settle_options=settle.make_options(max_scrolls=3))
    assert (result.status, result.violations) == ("ok", [])
    assert result.settle == {"settled": True, "scrolls": 3, "note": "scrolled 3 viewports (the most allowed) and "
                             "the page went on; what lies further down was not loaded"}


@pytest.mark.browser
def test_a_page_that_never_settles_is_audited_at_the_cap_and_noted(driver, site_url):
    result = audit_page(driver, f"{site_url}/late/busy.html", settle_options=settle.make_options(cap_ms=1500))
    assert (result.status, result.violations) == ("ok", [])
    assert result.settle == {"settled": False, "scrolls": 0, "note": (
        "the page did not settle within 1.5 s (1 request pending, the page changed less than 0.5 s before); "
        "audited as it was then")}


@pytest.mark.browser
def test_only_pages_with_scripts_that_run_wait_for_the_quiet_window(driver, site_url):
    """A window longer than the cap: pages without a running script settle at once, others never do."""
    options = settle.make_options(quiet_ms=10_000, cap_ms=1500, max_scrolls=0)
    for page in ("clean/about.html", "late/data-only.html"):  # no script; JSON-LD and a template only
        assert audit_page(driver, f"{site_url}/{page}", settle_options=options).settle == QUIET
    inert = audit_page(driver, f"{site_url}/late/inert.html", settle_options=options)
    assert inert.settle == {"settled": False, "scrolls": 0, "note": "the page did not settle within 1.5 s (the "
                            "page changed less than 10 s before); audited as it was then"}


@pytest.mark.browser
def test_wait_for_and_wait(driver, site_url):
    url = f"{site_url}/late/ready.html"
    assert counts(audit_page(driver, url)) == {}  # 3 s through a long timer: not waited for by default
    found = audit_page(driver, url, settle_options=settle.make_options(wait_for="#results"))
    assert (counts(found), found.settle) == ({"image-alt": 1}, QUIET)
    waited = audit_page(driver, url, settle_options=settle.make_options(wait_ms=3500))
    assert counts(waited) == {"image-alt": 1}
    missing = audit_page(driver, url, settle_options=settle.make_options(wait_for="#never", cap_ms=1000))
    assert (missing.status, missing.settle) == ("ok", {"settled": False, "scrolls": 0,
                                                       "note": "'#never' did not appear within 1 s"})
    bad = audit_page(driver, url, settle_options=settle.make_options(wait_for="#a[["))
    assert bad.status == "error"
    assert bad.error.startswith("wait-for selector '#a[[' is not valid CSS: ")


@pytest.mark.browser
def test_cli_audits_the_settled_page_and_reports_notes(driver, site_url, tmp_path):
    spa, busy = f"{site_url}/late/spa.html", f"{site_url}/late/busy.html"
    code, out, err = run("audit", spa, busy, "--settle-cap", "1500", driver=driver)
    assert code == 1  # image-alt is critical
    report = json.loads(out)
    validate_report(report)
    assert [{f["rule"]: len(f["nodes"]) for f in p["violations"]} for p in report["pages"]] == [SPA_DEFECTS, {}]
    assert [p["settle"]["settled"] for p in report["pages"]] == [True, False]
    assert f"a11y: note: {busy}: the page did not settle within 1.5 s" in err
    code, out, _ = run("audit", spa, "--no-settle", driver=driver)
    [page] = json.loads(out)["pages"]
    assert (code, "settle" in page, [f["rule"] for f in page["violations"]]) == (0, False, ["page-has-heading-one"])
    code, out, _ = run("audit", f"{site_url}/late/ready.html", "--wait-for", "#results", "--fail-on", "none",
                       driver=driver)
    assert [f["rule"] for f in json.loads(out)["pages"][0]["violations"]] == ["image-alt"]
    code, out, _ = run("audit", f"{site_url}/late/ready.html", "--wait", "3500", "--fail-on", "none", driver=driver)
    assert [f["rule"] for f in json.loads(out)["pages"][0]["violations"]] == ["image-alt"]


# --- the crawl reads the rendered page ----------------------------------------------------------

@pytest.mark.browser
def test_rendered_links_include_what_a_script_added(driver, site_url):
    final, links = rendered_links(driver, f"{site_url}/late/links.html")
    assert final == f"{site_url}/late/links.html"
    assert links == [f"{site_url}/late/spa-clean.html", f"{site_url}/clean/about.html",
                     "http://169.254.169.254/latest/meta-data/", "mailto:desk@library.example"]


@pytest.mark.browser
def test_crawl_follows_links_a_script_renders_and_still_checks_every_one(driver, site_url, site_server):
    seed = f"{site_url}/late/links.html"
    assert crawl.crawl([seed], 5) == [seed]  # the served HTML has no links
    before = len(site_server.requests)
    pages = crawl.crawl([seed], 5, read_page=link_reader(driver))
    # links.html's own (the metadata address and the mailto: refused), then about.html's (index, history).
    assert pages == [seed, f"{site_url}/late/spa-clean.html", f"{site_url}/clean/about.html",
                     f"{site_url}/clean/index.html", f"{site_url}/clean/history.html"]
    assert "169.254.169.254" not in " ".join(site_server.requests[before:])


@pytest.mark.browser
def test_rendered_crawl_of_a_static_site_matches_the_served_html_crawl(driver, site_url):
    seed = [f"{site_url}/clean/index.html"]
    assert crawl.crawl(seed, 10, read_page=link_reader(driver)) == crawl.crawl(seed, 10)


@pytest.mark.browser
def test_cli_crawl_audits_the_pages_a_script_links_to(driver, site_url):
    code, out, err = run("audit", f"{site_url}/late/links.html", "--crawl", "3", driver=driver)
    report = json.loads(out)
    assert [p["url"] for p in report["pages"]] == [f"{site_url}/late/links.html", f"{site_url}/late/spa-clean.html",
                                                   f"{site_url}/clean/about.html"]
    assert [p["violations"] for p in report["pages"]] == [[], [], []]
    assert code == 0


@pytest.mark.browser
def test_cli_crawl_starts_its_own_browser_when_given_none(site_url):
    code, out, _ = run("audit", f"{site_url}/late/links.html", "--crawl", "2")
    assert code == 0
    assert [p["url"] for p in json.loads(out)["pages"]] == [f"{site_url}/late/links.html",
                                                           f"{site_url}/late/spa-clean.html"]


@pytest.mark.browser
def test_a_job_crawls_rendered_links_and_settles_every_page(engine, site_url, driver):
    request = jobs.make_request(f"{site_url}/late/spa.html\n{site_url}/late/links.html", crawl_limit=3,
                                wait_for="main", settle_cap_ms=5000)
    job_id = jobs.create_job(engine, request)
    assert jobs.run_job(engine, job_id, request, driver=driver, screenshots=False) == "done"
    pages = history.get_audit(engine, jobs.get_job(engine, job_id)["audit_id"])["report"]["pages"]
    # spa.html's rendered link (about.html) comes before links.html's: breadth first from both seeds.
    assert [p["url"].removeprefix(site_url) for p in pages] == ["/late/spa.html", "/late/links.html",
                                                                 "/clean/about.html"]
    assert [{f["rule"]: len(f["nodes"]) for f in p["violations"]} for p in pages] == [SPA_DEFECTS, {}, {}]
    assert [p["settle"] for p in pages] == [QUIET, QUIET, QUIET]


# --- the app's Audit page -----------------------------------------------------------------------

def test_audit_page_passes_its_settle_choices_to_the_job(app_db, monkeypatch):  # noqa: F811 - fixture
    started = []
    monkeypatch.setattr(jobs, "start_audit", lambda engine, request, **kwargs: started.append(request) or "job1")
    at = open_page("audit.py")
    assert (at.text_input(key="audit_wait_for").value, at.number_input(key="audit_wait_ms").value,
            at.number_input(key="audit_settle_quiet_ms").value, at.number_input(key="audit_settle_cap_s").value,
            at.number_input(key="audit_max_scrolls").value) == ("", 0, 500, 10, 20)
    at.text_area(key="audit_urls").set_value("https://a.example/")
    at.text_input(key="audit_wait_for").set_value("#results")
    at.number_input(key="audit_wait_ms").set_value(1500)
    at.number_input(key="audit_settle_cap_s").set_value(4)
    at.number_input(key="audit_max_scrolls").set_value(0)
    at.button[0].click()  # the form's submit button
    at.run()
    assert not at.error
    [request] = started
    assert request.settle_options() == settle.SettleOptions(quiet_ms=500, cap_ms=4000, max_scrolls=0, wait_ms=1500,
                                                            wait_for="#results")


def test_results_page_shows_a_page_that_did_not_settle(app_db):  # noqa: F811 - fixture
    note = "the page did not settle within 10 s (1 request pending); audited as it was then"
    pages = [PageResult(url="https://a.example/", settle=settle.Settled().to_dict()),
             PageResult(url="https://a.example/live", settle=settle.Settled(False, 0, note).to_dict()),
             PageResult(url="https://a.example/gone", status="error", error="HTTP 404")]
    audit_id = history.save_audit(app_db, make_report(pages, axe_version="4.10.2", standard="wcag22aa"))
    at = open_page("audit_results.py", audit=str(audit_id))
    assert not at.exception
    assert at.dataframe[0].value["Status"].tolist() == ["Audited", f"Audited ({note})", "Not audited (HTTP 404)"]


def test_html_report_says_when_a_page_did_not_settle():
    from a11y.reporters import render

    pages = [PageResult(url="https://a.example/live", settle=settle.Settled(False, 0, "late <again>").to_dict()),
             PageResult(url="https://a.example/", settle=settle.Settled().to_dict())]
    html = render(make_report(pages, axe_version="4.10.2", standard="wcag22aa"), "html")
    assert '<span class="ok">Audited</span>: late &lt;again&gt;</td>' in html
    assert html.count('<span class="ok">Audited</span></td>') == 1


@pytest.mark.browser
def test_a_job_cancelled_while_it_crawls_stops_before_the_next_page(engine, site_url, driver, monkeypatch):
    request = jobs.make_request(f"{site_url}/late/links.html", crawl_limit=3)
    with pytest.raises(jobs.DiscoveryCancelled):
        jobs.discover_pages(request, browser=driver, cancelled=lambda: True)
    asked = []

    def cancel_after_the_first_page(engine, job_id):
        asked.append(job_id)
        return len(asked) > 2  # the job's own check before it starts, the first crawled page, then cancel

    monkeypatch.setattr(jobs, "_cancel_requested", cancel_after_the_first_page)
    job_id = jobs.create_job(engine, request)
    assert jobs.run_job(engine, job_id, request, driver=driver, screenshots=False) == "cancelled"
    job = jobs.get_job(engine, job_id)
    assert (job["status"], job["done"], job["audit_id"]) == ("cancelled", 0, None)  # stopped crawling: none audited
    assert len(asked) == 4  # the three above, then once more to say why it stopped
