"""JUnit XML reporter: CI systems show each page as a suite and each failing rule as a test."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from a11y.reporters._common import format_target, plural, xml_safe


def _node_text(finding: dict[str, Any]) -> str:
    lines = [f"Seen {finding['state']}"] if finding.get("state") else []
    for node in finding["nodes"]:
        lines.append(f"- {format_target(node.get('target', []))}")
        lines.append(f"  {node.get('html', '')}")
        for line in (node.get("summary") or "").splitlines():
            lines.append(f"  {line.strip()}")
        if node.get("baseline"):
            lines.append(f"  baseline: {node['baseline']}")
    if finding.get("help_url"):
        lines.append(f"How to fix: {finding['help_url']}")
    return "\n".join(lines)


def _element(parent: ET.Element | None, tag: str, text: str | None = None, **attrs: Any) -> ET.Element:
    attrib = {k: xml_safe(v) for k, v in attrs.items()}
    el = ET.Element(tag, attrib) if parent is None else ET.SubElement(parent, tag, attrib)
    if text is not None:
        el.text = xml_safe(text)
    return el


def render_junit(report: dict[str, Any]) -> str:
    """The report as JUnit XML.

    One ``<testsuite>`` per page (``name`` = URL). In it, one ``<testcase>`` per
    page and rule: a violated rule is a ``<failure>`` (``type`` = impact, message =
    help text and element count, body = the failing elements); a needs-review rule
    is ``<skipped>``; a page with neither gets one passing ``no violations`` case;
    a page that could not be audited gets one ``audit`` case with an ``<error>``.
    ``<testsuites>`` carries the totals. Text the XML cannot hold (C0 controls) is dropped.
    """
    root = _element(None, "testsuites",
                    name=f"Accessibility audit ({report['standard']}, axe-core {report['axe_version']})")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for page in report["pages"]:
        url = page["url"]
        suite = _element(root, "testsuite", name=url)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if page["status"] == "error":
            case = _element(suite, "testcase", classname=url, name="audit")
            message = page.get("error") or "page could not be audited"
            _element(case, "error", message, message=message, type="page-error")
            counts["tests"] += 1
            counts["errors"] += 1
        for f in page["violations"]:
            case = _element(suite, "testcase", classname=url, name=f["rule"])
            sr = ", screen reader" if f.get("screen_reader") else ""
            message = (f"{f.get('help', '')} ({plural(len(f['nodes']), 'element')}, "
                       f"{f.get('impact') or 'no impact'}{sr})")
            _element(case, "failure", _node_text(f), message=message, type=f.get("impact") or "")
            counts["tests"] += 1
            counts["failures"] += 1
        for f in page["incomplete"]:
            case = _element(suite, "testcase", classname=url, name=f"needs review: {f['rule']}")
            _element(case, "skipped", _node_text(f),
                     message=f"needs review: {f.get('help', '')} ({plural(len(f['nodes']), 'element')})")
            counts["tests"] += 1
            counts["skipped"] += 1
        if counts["tests"] == 0:
            _element(suite, "testcase", classname=url, name="no violations")
            counts["tests"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
