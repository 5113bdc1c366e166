"""SARIF 2.1.0 reporter, for code-scanning dashboards."""

from __future__ import annotations

import json
from typing import Any

from a11y.report import impact_rank
from a11y.reporters._common import format_target

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "a11y"
FINGERPRINT_KEY = "a11yFingerprint/v1"
"""Key of our node fingerprint in ``partialFingerprints``."""

LEVELS = {"critical": "error", "serious": "error", "moderate": "warning", "minor": "note"}
"""SARIF ``level`` of each axe impact; findings without an impact are ``warning``."""


def level_of(impact: str | None) -> str:
    """SARIF level for an impact (see :data:`LEVELS`)."""
    return LEVELS.get(impact or "", "warning")


def _rule_descriptor(finding: dict[str, Any]) -> dict[str, Any]:
    tags = list(finding.get("tags", []))
    tags += ["accessibility"] + (["screen-reader"] if finding.get("screen_reader") else [])
    return {
        "id": finding["rule"],
        "name": finding["rule"],
        "shortDescription": {"text": finding.get("help") or finding["rule"]},
        "helpUri": finding.get("help_url", ""),
        "defaultConfiguration": {"level": level_of(finding.get("impact"))},
        "properties": {"tags": list(dict.fromkeys(tags)),
                       "screen-reader": bool(finding.get("screen_reader")),
                       "source": finding.get("source", "axe"),
                       "impact": finding.get("impact")},
    }


def _result(finding: dict[str, Any], node: dict[str, Any], url: str, rule_index: int,
            review: bool) -> dict[str, Any]:
    summary = (node.get("summary") or "").strip()
    text = finding.get("help") or finding["rule"]
    if review:
        text = f"Needs review: {text}"
    result: dict[str, Any] = {
        "ruleId": finding["rule"],
        "ruleIndex": rule_index,
        "kind": "review" if review else "fail",
        "level": "none" if review else level_of(finding.get("impact")),
        "message": {"text": f"{text}\n{summary}" if summary else text},
        # No physicalLocation.region: SARIF requires a region to give a line or an offset,
        # and axe knows neither; the element is named by its selector and its snippet.
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": url}},
            "logicalLocations": [{"fullyQualifiedName": format_target(node.get("target", [])),
                                  "kind": "element"}],
            "message": {"text": node.get("html", "")},
        }],
        "partialFingerprints": {FINGERPRINT_KEY: node["fingerprint"]},
        "properties": {"impact": finding.get("impact"),
                       "screen-reader": bool(finding.get("screen_reader")),
                       "source": finding.get("source", "axe")},
    }
    if finding.get("state"):  # seen only after a control was opened or a scripted step (a11y.states)
        result["properties"]["state"] = finding["state"]
    if node.get("baseline"):
        result["baselineState"] = node["baseline"]  # "new" | "unchanged", SARIF's own words
    return result


def render_sarif(report: dict[str, Any]) -> str:
    """The report as a SARIF 2.1.0 log with one run.

    ``tool.driver`` is this tool (version = the axe-core version that ran) with one
    rule descriptor per rule seen (``properties.tags`` = axe tags plus
    ``accessibility`` and ``screen-reader``; ``defaultConfiguration.level`` from the
    most severe impact seen). Each failing element is one result: ``level`` from
    impact (critical, serious: error; moderate: warning; minor: note), location =
    page URL (``artifactLocation.uri``), the selector as a logical location of kind
    ``element`` and the element's HTML snippet as the location's message; our
    fingerprint in ``partialFingerprints``; ``baselineState`` after a baseline comparison.
    Needs-review elements are results of ``kind`` ``review`` and level ``none``.
    Pages that could not be audited are error notifications of the invocation.
    """
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    results = []
    notifications = []
    for page in report["pages"]:
        if page["status"] == "error":
            notifications.append({
                "level": "error",
                "message": {"text": f"{page['url']} could not be audited: "
                                    f"{page.get('error') or 'unknown error'}"},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": page["url"]}}}],
            })
        for key, review in (("violations", False), ("incomplete", True)):
            for f in page[key]:
                if f["rule"] not in index:
                    index[f["rule"]] = len(rules)
                    rules.append(_rule_descriptor(f))
                rule = rules[index[f["rule"]]]
                if not review and impact_rank(f.get("impact")) > impact_rank(rule["properties"]["impact"]):
                    rule["properties"]["impact"] = f.get("impact")
                    rule["defaultConfiguration"]["level"] = level_of(f.get("impact"))
                for node in f["nodes"]:
                    results.append(_result(f, node, page["url"], index[f["rule"]], review))
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": TOOL_NAME,
                "fullName": f"{TOOL_NAME} accessibility audit with axe-core {report['axe_version']}",
                "version": report["axe_version"],
                "rules": rules,
                "properties": {"standard": report["standard"]},
            }},
            "invocations": [{"executionSuccessful": not notifications,
                             "toolExecutionNotifications": notifications}],
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
