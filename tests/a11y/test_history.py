"""Stored audits on SQLite and PostgreSQL: save, list, read back, screenshots, diff and the time series.

Reports are the recorded v1/v2 site of tests/a11y/test_report.py: v1 has 5 pages (shop,
about, contact, clean, one error page) with 13 violations on 14 elements (shop 4, about 4,
contact 6 with two label elements), 13 of them screen-reader elements (all but shop's
colour contrast), 1 needs-review element; by impact 6 critical (image-alt x3, label x3),
7 serious, 1 moderate (heading-order). v2 (4 pages, shop changed) has 11 violations on
12 elements, all screen-reader: 6 critical, 5 serious, 1 moderate; 1 new (button-name on
shop), 11 unchanged, 3 fixed on shop.
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from a11y import history, jobs
from a11y.__main__ import main as a11y_main
from a11y.findings import fingerprint, loose_fingerprint
from tests.a11y.test_report import SHOP, SITE, v1_report, v2_report
from tests.httpd import Handler, serve

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\nnot really a picture"


def test_save_list_and_get_round_trip(engine):
    report = v1_report()
    fp = report["pages"][0]["violations"][0]["nodes"][0]["fingerprint"]
    audit_id = history.save_audit(engine, report, started_at=T0, finished_at=T0 + timedelta(minutes=2),
                                  screenshots={(SHOP, "image-alt", fp): PNG})
    listed = history.list_audits(engine, "http://127.0.0.1:8000")
    assert listed == [{
        "id": audit_id, "site": "http://127.0.0.1:8000", "started_at": T0,
        "finished_at": T0 + timedelta(minutes=2), "standard": "wcag22aa", "axe_version": "4.10.2",
        "pages": 5, "error_pages": 1, "violations": 13, "nodes": 14, "screen_reader_nodes": 13,
        "needs_review_nodes": 1}]
    stored = history.get_audit(engine, audit_id)
    assert stored["report"] == report
    assert history.screenshot_keys(engine, audit_id) == {(SHOP, "image-alt", fp)}
    assert history.get_screenshot(engine, audit_id, SHOP, "image-alt", fp) == PNG
    assert history.get_screenshot(engine, audit_id, SHOP, "label", fp) is None


def test_audits_are_listed_per_site_newest_first(engine):
    first = history.save_audit(engine, v1_report(), finished_at=T0)
    second = history.save_audit(engine, v2_report(), finished_at=T0 + timedelta(days=1))
    other = v2_report()
    for page in other["pages"]:
        page["url"] = page["url"].replace("127.0.0.1:8000", "example.org")
    third = history.save_audit(engine, other, finished_at=T0 + timedelta(hours=1))
    assert [a["id"] for a in history.list_audits(engine, SITE.rstrip("/"))] == [second, first]
    assert [a["id"] for a in history.list_audits(engine)] == [second, third, first]
    assert history.list_sites(engine) == ["http://127.0.0.1:8000", "http://example.org"]
    history.delete_audit(engine, second)
    assert [a["id"] for a in history.list_audits(engine)] == [third, first]


def test_violations_over_time_has_one_row_per_audit_oldest_first(engine):
    site = "http://127.0.0.1:8000"
    history.save_audit(engine, v2_report(), finished_at=T0 + timedelta(days=7))
    history.save_audit(engine, v1_report(), finished_at=T0)
    frame = history.violations_over_time(engine, site)
    assert list(frame.columns) == ["audit_id", "finished_at", "pages", "audited_pages", "violations", "nodes",
                                   "screen_reader_nodes", "needs_review_nodes",
                                   "critical", "serious", "moderate", "minor"]
    assert frame["finished_at"].tolist() == [T0, T0 + timedelta(days=7)]
    assert frame["violations"].tolist() == [13, 11]
    assert frame["audited_pages"].tolist() == [4, 4]  # v1's fifth page could not be audited
    assert frame[["pages", "nodes", "screen_reader_nodes", "critical", "serious", "moderate", "minor"]
                 ].values.tolist() == [[5, 14, 13, 6, 7, 1, 0], [4, 12, 12, 6, 5, 1, 0]]
    assert history.violations_over_time(engine, "http://nowhere.example").empty


def test_diff_says_new_fixed_and_unchanged_by_fingerprint():
    diff = history.diff_audits(v1_report(), v2_report())
    assert {k: len(v) for k, v in diff.items()} == {"new": 1, "fixed": 3, "unchanged": 11}
    assert [(i["url"], i["rule"]) for i in diff["new"]] == [(SHOP, "button-name")]
    assert [(i["url"], i["rule"]) for i in diff["fixed"]] == [
        (SHOP, "image-alt"), (SHOP, "link-name"), (SHOP, "color-contrast")]
    assert diff["new"][0]["impact"] == "critical" and diff["new"][0]["screen_reader"] is True
    # the other way round, everything that was fixed is new again and the new button is fixed
    back = history.diff_audits(v2_report(), v1_report())
    assert {k: len(v) for k, v in back.items()} == {"new": 3, "fixed": 1, "unchanged": 11}


def test_bad_input_is_refused(engine):
    with pytest.raises(ValueError, match="without pages"):
        history.save_audit(engine, {"axe_version": "4.10.2", "standard": "wcag22aa", "pages": [], "summary": {}})
    with pytest.raises(ValueError, match="not an a11y audit report"):
        history.save_audit(engine, {"pages": []})
    with pytest.raises(LookupError, match="no audit with id 999"):
        history.get_audit(engine, 999)
    with pytest.raises(ValueError, match="http"):
        history.site_of("file:///etc/passwd")
    assert history.site_of("HTTPS://Example.org:8443/a?b") == "https://example.org:8443"


# --- a page edited the way a developer edits it ----------------------------------------------------

EDITED = Path(__file__).resolve().parent / "site" / "edited"


class EditedSite(Handler):
    """``/shop/`` answers tests/a11y/site/edited/<version>/index.html; ``/img/`` the site's images."""

    version = "v1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?", 1)[0]
        if path == "/shop/":
            self.send_html((EDITED / EditedSite.version / "index.html").read_bytes())
        elif path.startswith("/img/") and (EDITED.parent / path.lstrip("/")).is_file():
            body = (EDITED.parent / path.lstrip("/")).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "image/svg+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_html(status=404)


@pytest.fixture
def edited_site():
    server = serve(EditedSite)
    yield f"http://127.0.0.1:{server.server_address[1]}/shop/"
    server.shutdown()
    EditedSite.version = "v1"


def opening_tag(html: str) -> str:
    return re.match(r"<[^>]*>", html).group(0)


# v2 of the shop page adds a promotion banner above the header, a nav item ("Events") before the
# search box, the alt text of the Dune cover and a postcode field without a label; its build renamed
# every generated class. Everything else failing in v1 still fails, unchanged. The extra nav item also
# makes the nav row (flex, no wrap) too wide for a 320 px viewport: its last item, the search box, now
# sticks out (a true reflow failure the v1 row did not have).
NEW = [("label", '<input type="text" name="postcode">'), ("vp-reflow", "<li>")]
FIXED = [("image-alt", '<img src="/img/cover-dune.svg" width="60" height="90">')]
UNCHANGED = [("button-name", '<button type="submit">'),
             ("image-alt", '<img src="/img/cover-emma.svg" width="60" height="90">'),
             ("link-name", '<a href="/cart/" class="css-7qp0vw">'),
             ("sr-placeholder-only", '<input type="search" name="q" placeholder="Search books">')]


@pytest.mark.browser
def test_an_unchanged_element_matches_itself_after_a_developer_edits_the_page(engine, driver, edited_site, tmp_path):
    reports = {}
    for version in ("v1", "v2"):
        EditedSite.version = version
        request = jobs.make_request(edited_site)
        job_id = jobs.create_job(engine, request)
        assert jobs.run_job(engine, job_id, request, driver=driver, screenshots=False) == "done"
        reports[version] = history.get_audit(engine, jobs.get_job(engine, job_id)["audit_id"])["report"]
    diff = history.diff_audits(reports["v1"], reports["v2"])
    assert sorted((i["rule"], opening_tag(i["html"])) for i in diff["new"]) == NEW
    assert sorted((i["rule"], opening_tag(i["html"])) for i in diff["fixed"]) == FIXED
    assert sorted((i["rule"], opening_tag(i["html"])) for i in diff["unchanged"]) == UNCHANGED

    # the search box's selector moved with the new nav item; its fingerprint did not
    def search_box(report):
        (finding,) = [f for f in report["pages"][0]["violations"] if f["rule"] == "sr-placeholder-only"]
        return finding["nodes"][0]
    before, after = search_box(reports["v1"]), search_box(reports["v2"])
    assert before["target"] != after["target"]
    assert before["fingerprint"] == after["fingerprint"]

    # the command line's --baseline says the same
    EditedSite.version = "v1"
    code, _, _ = cli(["audit", edited_site, "--output", str(tmp_path / "v1.json")], driver=driver)
    assert code == 1
    EditedSite.version = "v2"
    code, _, _ = cli(["audit", edited_site, "--baseline", str(tmp_path / "v1.json"),
                      "--output", str(tmp_path / "v2.json")], driver=driver)
    compared = json.loads((tmp_path / "v2.json").read_text(encoding="utf-8"))
    marks = sorted((node["baseline"], f["rule"], opening_tag(node["html"]))
                   for f in compared["pages"][0]["violations"] for node in f["nodes"])
    assert marks == sorted([("new", *i) for i in NEW] + [("unchanged", *i) for i in UNCHANGED])
    assert [(i["rule"], opening_tag(i["html"])) for i in compared["baseline"]["fixed_items"]] == FIXED
    assert (compared["baseline"]["new"], compared["baseline"]["unchanged"], compared["baseline"]["fixed"]) == (2, 4, 1)
    assert code == 1  # the new unlabelled field is critical


def cli(argv, driver):
    out, err = io.StringIO(), io.StringIO()
    code = a11y_main(argv, stdout=out, stderr=err, driver=driver)
    return code, out.getvalue(), err.getvalue()


def test_an_audit_stored_before_fingerprints_had_anchors_still_compares():
    """v1 as stored by an older version (fingerprints of the snippet alone); v2 with anchored fingerprints."""
    after = v2_report()
    for page in after["pages"]:
        for f in page["violations"]:
            for node in f["nodes"]:
                node["fingerprint"] = fingerprint(f["rule"], node["target"], node["html"],
                                                  {"name": "", "landmark": "main", "heading": "Shop"})
    assert after["pages"][0]["violations"][0]["nodes"][0]["fingerprint"] != \
        v2_report()["pages"][0]["violations"][0]["nodes"][0]["fingerprint"]
    diff = history.diff_audits(v1_report(), after)
    assert {k: len(v) for k, v in diff.items()} == {"new": 1, "fixed": 3, "unchanged": 11}
    assert [(i["url"], i["rule"]) for i in diff["new"]] == [(SHOP, "button-name")]


def test_fingerprints_ignore_selectors_positions_and_generated_names():
    same = [("label", ["nav > ul > li:nth-child(3) > form > input"], '<input type="search" name="q">'),
            ("label", ["li:nth-child(4) > .css-4hd8s2 > input"], '<input name="q"  type="search" class="sc-x1y2z3">')]
    assert len({fingerprint(*args) for args in same}) == 1
    anchor = {"name": "", "landmark": "navigation Main", "heading": ""}
    assert len({fingerprint(*args, anchor) for args in same}) == 1
    # another element, another rule, another landmark or another name: another fingerprint
    others = {fingerprint("label", [], '<input type="search" name="q">', anchor),
              fingerprint("label", [], '<input type="text" name="q">', anchor),
              fingerprint("sr-placeholder-only", [], '<input type="search" name="q">', anchor),
              fingerprint("label", [], '<input type="search" name="q">', {**anchor, "landmark": "contentinfo"}),
              fingerprint("label", [], '<input type="search" name="q">', {**anchor, "name": "Search"})}
    assert len(others) == 5
    # cache-busting queries and hashed file names are not the element
    assert loose_fingerprint("image-alt", '<img src="/img/logo.3f2a1b9c.png?v=12">') == \
        loose_fingerprint("image-alt", '<img src="/img/logo.77e0c4d1.png?v=13">')
    # a list keeps its fingerprint when an item is added inside it; a link's text is its name
    assert loose_fingerprint("list", "<ul><li>Books</li></ul>") == \
        loose_fingerprint("list", "<ul><li>Books</li><li>Events</li></ul>")
    assert loose_fingerprint("link-name", '<a href="/x">Books</a>') != \
        loose_fingerprint("link-name", '<a href="/x">Events</a>')
