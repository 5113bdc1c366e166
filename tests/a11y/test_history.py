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

from datetime import datetime, timedelta, timezone

import pytest

from a11y import history
from tests.a11y.test_report import SHOP, SITE, v1_report, v2_report

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)
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
    assert list(frame.columns) == ["audit_id", "finished_at", "pages", "violations", "nodes",
                                   "screen_reader_nodes", "needs_review_nodes",
                                   "critical", "serious", "moderate", "minor"]
    assert frame["finished_at"].tolist() == [T0, T0 + timedelta(days=7)]
    assert frame["violations"].tolist() == [13, 11]
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
