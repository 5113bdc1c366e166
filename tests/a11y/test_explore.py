"""The explorer's tables and the history chart, on the recorded v1 site of tests/a11y/test_report.py.

v1 failing elements by rule (pages, elements): image-alt critical SR (3, 3), label critical SR
(shop + contact: 2, 3), link-name serious SR (3, 3), aria-command-name, document-title and
html-has-lang serious SR (1, 1 each), heading-order moderate SR (1, 1), color-contrast serious,
not SR (1, 1); 14 elements in all, 1 needs review (color-contrast on shop).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from a11y.explore import FINDING_COLUMNS, filter_findings, findings_frame, history_chart, rules_table
from tests.a11y.test_report import ABOUT, CONTACT, SHOP, v1_report


@pytest.fixture(scope="module")
def frame():
    return findings_frame(v1_report())


def test_one_row_per_failing_element(frame):
    assert list(frame.columns) == FINDING_COLUMNS
    assert len(frame) == 14
    assert frame["page"].value_counts().to_dict() == {CONTACT: 6, SHOP: 4, ABOUT: 4}
    first = frame.iloc[0]
    assert (first["page"], first["rule"], first["impact"], first["screen_reader"], first["source"], first["target"]) \
        == (SHOP, "image-alt", "critical", True, "axe", "img")
    review = findings_frame(v1_report(), "incomplete")
    assert review[["page", "rule"]].values.tolist() == [[SHOP, "color-contrast"]]
    with pytest.raises(ValueError, match="'violations' or 'incomplete'"):
        findings_frame(v1_report(), "passes")


@pytest.mark.parametrize(("filters", "expected"), [
    ({}, 14),
    ({"pages": [SHOP]}, 4),
    ({"rules": ["label", "link-name"]}, 6),
    ({"impacts": ["critical"]}, 6),
    ({"impacts": ["moderate", "minor"]}, 1),
    ({"impacts": ["none"]}, 0),
    ({"screen_reader": "screen-reader"}, 13),
    ({"screen_reader": "other"}, 1),
    ({"sources": ["custom"]}, 0),
    ({"pages": [CONTACT], "rules": ["label"], "impacts": ["critical"], "screen_reader": "screen-reader"}, 2),
])
def test_filters_combine(frame, filters, expected):
    assert len(filter_findings(frame, **filters)) == expected


def test_bad_screen_reader_filter(frame):
    with pytest.raises(ValueError, match="all, screen-reader, other"):
        filter_findings(frame, screen_reader="yes")


def test_rules_table_orders_screen_reader_then_severity_then_elements(frame):
    table = rules_table(frame)
    assert table[["rule", "impact", "screen_reader", "pages", "elements"]].values.tolist() == [
        ["image-alt", "critical", True, 3, 3], ["label", "critical", True, 2, 3],
        ["link-name", "serious", True, 3, 3], ["aria-command-name", "serious", True, 1, 1],
        ["document-title", "serious", True, 1, 1], ["html-has-lang", "serious", True, 1, 1],
        ["heading-order", "moderate", True, 1, 1], ["color-contrast", "serious", False, 1, 1]]
    assert rules_table(frame.iloc[0:0]).empty


def over_time(*moments: datetime, audited_pages=None) -> pd.DataFrame:
    n = len(moments)
    return pd.DataFrame({"audit_id": list(range(1, n + 1)), "finished_at": list(moments), "pages": [5] * n,
                         "audited_pages": audited_pages or [4] * n, "violations": [13, 11, 9][:n],
                         "nodes": [14, 12, 10][:n], "screen_reader_nodes": [13, 12, 9][:n],
                         "needs_review_nodes": [1] * n, "critical": [6, 6, 5][:n], "serious": [7, 5, 4][:n],
                         "moderate": [1] * n, "minor": [0] * n})


def test_history_chart_draws_four_series_per_audit_with_a_legend():
    spec = history_chart(over_time(*(datetime(2026, 11, d, tzinfo=UTC) for d in (1, 8)))).to_dict()
    values = next(iter(spec["datasets"].values()))
    assert len(values) == 8
    assert sorted((v["audit_id"], v["series"], v["elements"]) for v in values if v["audit_id"] == 2) == [
        (2, "All failing elements", 12), (2, "Critical", 6), (2, "Screen-reader elements", 12), (2, "Serious", 5)]
    assert spec["mark"]["type"] == "line"
    # every line is named in a legend, in the order of SERIES
    color = spec["encoding"]["color"]
    assert color["field"] == "series" and color["legend"]["title"] == "Line"
    assert color["scale"]["domain"] == ["All failing elements", "Screen-reader elements", "Critical", "Serious"]


BERLIN = ZoneInfo("Europe/Berlin")
HALF_PAST_SEVEN_PM_UTC = datetime(2026, 1, 15, 19, 30, tzinfo=UTC)  # winter: Berlin is UTC+1


@pytest.mark.parametrize(("zone", "label", "shown"), [
    (UTC, "UTC", "2026-01-15 19:30"),
    (BERLIN, "Europe/Berlin", "2026-01-15 20:30"),
])
def test_history_chart_shows_times_in_the_researchers_zone_on_a_24_hour_clock(zone, label, shown):
    spec = history_chart(over_time(HALF_PAST_SEVEN_PM_UTC), zone, label).to_dict()
    values = next(iter(spec["datasets"].values()))
    assert {v["finished"] for v in values} == {shown}
    # the axis gets the wall time as a UTC timestamp and formats it as UTC: no second shift in the browser
    assert {v["when"] for v in values} == {int(datetime.strptime(shown, "%Y-%m-%d %H:%M").replace(
        tzinfo=UTC).timestamp() * 1000)}
    x = spec["encoding"]["x"]
    assert (x["field"], x["type"], x["scale"]["type"]) == ("when", "temporal", "utc")
    assert x["axis"]["format"] == "%d %b %H:%M"
    assert x["title"] == f"Audit finished ({label})"
    assert {"field": "finished", "type": "nominal", "title": "Finished"} in spec["encoding"]["tooltip"]


def test_history_chart_leaves_out_audits_where_nothing_was_audited():
    frame = over_time(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 8, tzinfo=UTC),
                      audited_pages=[4, 0])
    values = next(iter(history_chart(frame).to_dict()["datasets"].values()))
    assert {v["audit_id"] for v in values} == {1}
