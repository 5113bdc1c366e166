"""The explorer's tables and the history chart, on the recorded v1 site of tests/a11y/test_report.py.

v1 failing elements by rule (pages, elements): image-alt critical SR (3, 3), label critical SR
(shop + contact: 2, 3), link-name serious SR (3, 3), aria-command-name, document-title and
html-has-lang serious SR (1, 1 each), heading-order moderate SR (1, 1), color-contrast serious,
not SR (1, 1); 14 elements in all, 1 needs review (color-contrast on shop).
"""

from __future__ import annotations

from datetime import datetime, timezone

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


def test_history_chart_draws_four_series_per_audit():
    t = [datetime(2026, 11, d, tzinfo=timezone.utc) for d in (1, 8)]
    frame = pd.DataFrame({"audit_id": [1, 2], "finished_at": t, "pages": [5, 4], "violations": [13, 11],
                          "nodes": [14, 12], "screen_reader_nodes": [13, 12], "needs_review_nodes": [1, 1],
                          "critical": [6, 6], "serious": [7, 5], "moderate": [1, 1], "minor": [0, 0]})
    spec = history_chart(frame).to_dict()
    values = next(iter(spec["datasets"].values()))
    assert len(values) == 8
    assert sorted((v["audit_id"], v["series"], v["elements"]) for v in values if v["audit_id"] == 2) == [
        (2, "All failing elements", 12), (2, "Critical", 6), (2, "Screen-reader elements", 12), (2, "Serious", 5)]
    assert spec["encoding"]["x"]["field"] == "finished_at" and spec["mark"]["type"] == "line"
