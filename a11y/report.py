"""The audit report: JSON contract of docs/architecture.md, its summary, exit code, component groups and baseline.

Everything here is a pure function of plain data (pa11y style): the engine hands over
:class:`~a11y.findings.PageResult` objects, :func:`make_report` turns them into the
report dict that ``--format json`` writes, and every other function (and every
reporter in :mod:`a11y.reporters`) reads only that dict.

Report shape (docs/architecture.md, Contracts; keys are only ever added, never renamed or removed)::

    {"axe_version": "4.10.2", "standard": "wcag22aa",
     "pages": [{"url", "status": "ok"|"error", "error": str|None,
                "violations": [Finding.to_dict(), ...],   # screen-reader issues first
                "incomplete": [Finding.to_dict(), ...],    # "needs review", never failures
                "keyboard": {...},                         # only when the keyboard walk ran: its cost
                "settle": {"settled": bool, "scrolls": int, "note": str|None},  # when the page was waited for
                "states": {...}}],                         # only when automatic states ran (a11y.states)
     "summary": {...},                                     # see summarize()
     "baseline": {...}}                                    # only after apply_baseline()

After :func:`apply_baseline` every violation node also has ``"baseline": "new"|"unchanged"``.
A finding seen only in a state of the page (a scripted ``audit`` step, or a menu, disclosure or
``<details>`` opened by :mod:`a11y.states`) has ``"state": str`` naming it; other findings have no
``state`` key.
"""

from __future__ import annotations

import copy
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from a11y.findings import IMPACTS, PageResult, loose_fingerprint, sort_findings

FAIL_ON = ("none",) + IMPACTS
"""Allowed ``--fail-on`` thresholds, from "never fail" to "only critical"."""

STATUSES = ("ok", "error")
SOURCE_NAMES = {"axe": "axe-core", "custom": "Accessibility-tree checks",
                "viewport": "Small screens and text spacing", "keyboard": "Keyboard walk"}
"""Where a finding came from (``Finding.source``), in the words the app shows."""
SOURCES = tuple(SOURCE_NAMES)
TOP_RULES = 10
"""How many rules ``summary["top_rules"]`` lists."""

_RANK = {impact: i for i, impact in enumerate(IMPACTS)}  # minor 0 ... critical 3


def impact_rank(impact: str | None) -> int:
    """Severity as a number: minor 0, moderate 1, serious 2, critical 3; no impact -1."""
    return _RANK.get(impact or "", -1)


# --- building the report ---------------------------------------------------------------------

def make_report(pages: list[PageResult], *, axe_version: str, standard: str) -> dict[str, Any]:
    """Build the JSON report (docs/architecture.md, Contracts) from the engine's page results.

    Parameters
    ----------
    pages : list of PageResult
        One entry per audited URL, in the order the user gave them; error pages included.
    axe_version : str
        Version of the axe-core build that ran, e.g. ``"4.10.2"``.
    standard : str
        The ``--standard`` the audit used, e.g. ``"wcag22aa"``.

    Returns
    -------
    dict
        ``{"axe_version", "standard", "pages", "summary"}``. In every page,
        violations and needs-review findings are ordered by
        :func:`~a11y.findings.sort_findings`: screen-reader issues first, then
        most severe first, then by rule id. ``summary`` is :func:`summarize`.
    """
    page_dicts = []
    for page in pages:
        data = page.to_dict()
        data["violations"] = [f.to_dict() for f in sort_findings(page.violations)]
        data["incomplete"] = [f.to_dict() for f in sort_findings(page.incomplete)]
        page_dicts.append(data)
    return {"axe_version": axe_version, "standard": standard, "pages": page_dicts,
            "summary": summarize(page_dicts)}


def _count(findings: list[dict[str, Any]]) -> dict[str, int]:
    return {"violations": len(findings), "nodes": sum(len(f["nodes"]) for f in findings)}


def summarize(pages: list[dict[str, Any]]) -> dict[str, Any]:
    """The report's ``summary``: what a reader or a CI dashboard wants at a glance.

    Parameters
    ----------
    pages : list of dict
        The report's ``pages``.

    Returns
    -------
    dict
        A "violation" is one rule failing on one page; its "nodes" are the failing
        elements. Keys:

        - ``pages``: ``{"total", "ok", "error"}`` page counts.
        - ``violations``, ``nodes``: totals over all pages.
        - ``by_impact``: ``{"critical"|"serious"|"moderate"|"minor": {"violations", "nodes"}}``,
          most severe first, all four always present. Findings without an impact
          count in the totals only.
        - ``screen_reader`` and ``other``: ``{"violations", "nodes"}`` for findings that
          do / do not change what a screen-reader user hears or can reach.
        - ``by_source``: ``{"axe"|"custom"|"viewport"|"keyboard": {"violations", "nodes"}}`` (axe-core, our
          accessibility-tree checks, our reflow and text-spacing checks, the keyboard walk).
        - ``needs_review``: ``{"violations", "nodes"}`` of axe's "incomplete" results;
          not included in any other count.
        - ``components``: distinct failing elements, i.e. distinct
          ``(rule, fingerprint)`` pairs over all pages (see :func:`group_by_component`).
        - ``top_rules``: up to :data:`TOP_RULES` entries ``{"rule", "impact",
          "screen_reader", "pages", "nodes"}``, most failing nodes first, then most
          pages, then rule id; ``impact`` is the most severe seen.
    """
    violations = [f for p in pages for f in p["violations"]]
    by_impact = {imp: _count([f for f in violations if f.get("impact") == imp])
                 for imp in reversed(IMPACTS)}
    rules: dict[str, dict[str, Any]] = {}
    for page in pages:
        for f in page["violations"]:
            entry = rules.setdefault(f["rule"], {"rule": f["rule"], "impact": f.get("impact"),
                                                 "screen_reader": bool(f.get("screen_reader")),
                                                 "pages": 0, "nodes": 0})
            if impact_rank(f.get("impact")) > impact_rank(entry["impact"]):
                entry["impact"] = f.get("impact")
            entry["pages"] += 1
            entry["nodes"] += len(f["nodes"])
    top = sorted(rules.values(), key=lambda r: (-r["nodes"], -r["pages"], r["rule"]))[:TOP_RULES]
    return {
        "pages": {"total": len(pages),
                  "ok": sum(p["status"] == "ok" for p in pages),
                  "error": sum(p["status"] == "error" for p in pages)},
        **_count(violations),
        "by_impact": by_impact,
        "screen_reader": _count([f for f in violations if f.get("screen_reader")]),
        "other": _count([f for f in violations if not f.get("screen_reader")]),
        "by_source": {src: _count([f for f in violations if f.get("source", "axe") == src])
                      for src in SOURCES},
        "needs_review": _count([f for p in pages for f in p["incomplete"]]),
        "components": len({(f["rule"], n["fingerprint"]) for f in violations for n in f["nodes"]}),
        "top_rules": top,
    }


# --- exit code ---------------------------------------------------------------------------------

def exit_code(report: dict[str, Any], fail_on: str, *, new_only: bool = False) -> int:
    """The CLI's exit status for a report.

    Parameters
    ----------
    report : dict
        A report from :func:`make_report` (or :func:`apply_baseline`).
    fail_on : {'none', 'minor', 'moderate', 'serious', 'critical'}
        Lowest impact that fails the run; ``'none'`` never fails on violations.
    new_only : bool, default=False
        Count only nodes that :func:`apply_baseline` marked ``"new"``, so CI fails on
        regressions and not on known debt. Requires a report with a baseline.

    Returns
    -------
    int
        2 if any page could not be audited; else 1 if any violation is at or above
        ``fail_on``; else 0. Needs-review results never fail a run.

    Raises
    ------
    ValueError
        If ``fail_on`` is not one of :data:`FAIL_ON`, or ``new_only`` is set on a
        report without a baseline.
    """
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}; got {fail_on!r}")
    if new_only and "baseline" not in report:
        raise ValueError("new_only needs a report compared with a baseline (apply_baseline)")
    if any(p["status"] == "error" for p in report["pages"]):
        return 2
    if fail_on == "none":
        return 0
    threshold = impact_rank(fail_on)
    for page in report["pages"]:
        for finding in page["violations"]:
            if impact_rank(finding.get("impact")) < threshold:
                continue
            if not new_only or any(n.get("baseline") == "new" for n in finding["nodes"]):
                return 1
    return 0


# --- components --------------------------------------------------------------------------------

def group_by_component(report: dict[str, Any], *, kind: str = "violations") -> list[dict[str, Any]]:
    """Group the same failing element across pages, so one broken header shows once.

    Parameters
    ----------
    report : dict
        A report from :func:`make_report`.
    kind : {'violations', 'incomplete'}, default='violations'
        Group violations, or needs-review results.

    Returns
    -------
    list of dict
        One entry per distinct ``(rule, fingerprint)``: ``{"rule", "impact",
        "screen_reader", "source", "help", "help_url", "fingerprint", "html",
        "target", "summary", "pages", "nodes"}``. ``html``, ``target`` and
        ``summary`` (what to fix) come from the first page it was seen on; ``pages`` lists page URLs
        once each, in report order; ``nodes`` counts every occurrence; ``impact`` is the most severe seen.
        A component found in a state of a page (:mod:`a11y.states`, an ``audit`` step) also has
        ``"state"``, from the first page it was seen on.
        After :func:`apply_baseline`, also ``"baseline": {"new": int, "unchanged": int}``
        node counts.
        Ordered screen-reader first, most severe first, most pages first, then
        rule id, then first appearance.
    """
    if kind not in ("violations", "incomplete"):
        raise ValueError(f"kind must be 'violations' or 'incomplete'; got {kind!r}")
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for page in report["pages"]:
        for f in page[kind]:
            for node in f["nodes"]:
                key = (f["rule"], node["fingerprint"])
                group = groups.get(key)
                if group is None:
                    group = groups[key] = {
                        "rule": f["rule"], "impact": f.get("impact"),
                        "screen_reader": bool(f.get("screen_reader")),
                        "source": f.get("source", "axe"), "help": f.get("help", ""),
                        "help_url": f.get("help_url", ""), "fingerprint": node["fingerprint"],
                        "html": node.get("html") or "", "target": list(node.get("target") or []),
                        "summary": node.get("summary") or "", "pages": [], "nodes": 0,
                    }
                    if f.get("state"):  # seen in a state of the page (first page it was seen on)
                        group["state"] = f["state"]
                if impact_rank(f.get("impact")) > impact_rank(group["impact"]):
                    group["impact"] = f.get("impact")
                if page["url"] not in group["pages"]:
                    group["pages"].append(page["url"])
                group["nodes"] += 1
                if "baseline" in node:
                    marks = group.setdefault("baseline", {"new": 0, "unchanged": 0})
                    marks[node["baseline"]] += 1
    order = {key: i for i, key in enumerate(groups)}
    return sorted(groups.values(), key=lambda g: (
        not g["screen_reader"], -impact_rank(g["impact"]), -len(g["pages"]), g["rule"],
        order[(g["rule"], g["fingerprint"])]))


# --- baseline ----------------------------------------------------------------------------------

def apply_baseline(report: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """Compare a report with an earlier one: what is new, unchanged and fixed.

    Violation nodes are matched on ``(page URL, rule, fingerprint)``, counting
    repeats (two identical failing elements on a page need two earlier ones to be
    both "unchanged"). Nodes left over are then matched on ``(page URL, rule,
    loose fingerprint)`` (:func:`a11y.findings.loose_fingerprint`, from the element's
    own snippet): an element that did not change still matches when only what is
    around it did (another heading above it), and reports stored before
    fingerprints had anchors still compare. Needs-review results are not compared.

    Parameters
    ----------
    report : dict
        The current report (not modified).
    baseline : dict
        An earlier report, e.g. from :func:`load_report`.

    Returns
    -------
    dict
        A deep copy of ``report`` in which every violation node has
        ``"baseline": "new"|"unchanged"``, plus ``report["baseline"] = {"new": int,
        "unchanged": int, "fixed": int, "fixed_items": [...]}``. A baseline node is
        *fixed* when its page was audited successfully now and the node is gone;
        pages that were not audited this time, or failed to load, fix nothing.
        Each fixed item is ``{"url", "rule", "impact", "screen_reader", "source",
        "help", "help_url", "fingerprint", "target", "html"}``, in baseline order.
    """
    validate_report(baseline, source="baseline")
    earlier = [(page, f, node) for page in baseline["pages"] for f in page["violations"] for node in f["nodes"]]
    matched = [False] * len(earlier)
    exact: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    loose: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for i, (page, f, node) in enumerate(earlier):
        exact[(page["url"], f["rule"], node["fingerprint"])].append(i)
        loose[(page["url"], f["rule"], loose_fingerprint(f["rule"], node.get("html") or ""))].append(i)

    def take(candidates: list[int]) -> bool:
        while candidates:
            i = candidates.pop(0)
            if not matched[i]:
                matched[i] = True
                return True
        return False

    out = copy.deepcopy(report)
    now = [(page, f, node) for page in out["pages"] for f in page["violations"] for node in f["nodes"]]
    for page, f, node in now:
        node["baseline"] = "unchanged" if take(exact[(page["url"], f["rule"], node["fingerprint"])]) else "new"
    for page, f, node in now:
        if node["baseline"] == "new" and take(
                loose[(page["url"], f["rule"], loose_fingerprint(f["rule"], node.get("html") or ""))]):
            node["baseline"] = "unchanged"
    counts = Counter(node["baseline"] for _, _, node in now)

    audited = {p["url"] for p in out["pages"] if p["status"] == "ok"}
    fixed_items = [{
        "url": page["url"], "rule": f["rule"], "impact": f.get("impact"),
        "screen_reader": bool(f.get("screen_reader")), "source": f.get("source", "axe"),
        "help": f.get("help", ""), "help_url": f.get("help_url", ""), "fingerprint": node["fingerprint"],
        "target": list(node.get("target", [])), "html": node.get("html", ""),
    } for (page, f, node), done in zip(earlier, matched) if not done and page["url"] in audited]
    out["baseline"] = {"new": counts["new"], "unchanged": counts["unchanged"], "fixed": len(fixed_items),
                       "fixed_items": fixed_items}
    return out


# --- loading and validating ----------------------------------------------------------------------

def _expect(cond: bool, where: str, what: str, source: str) -> None:
    if not cond:
        raise ValueError(f"{source} is not an a11y audit report: {where} {what}")


def validate_report(report: Any, *, source: str = "report") -> None:
    """Check that ``report`` has the shape :func:`make_report` produces.

    Raises
    ------
    ValueError
        Naming the first offending key path, e.g.
        ``"... pages[2].violations[0].nodes[1].fingerprint must be a string"``.
    """
    _expect(isinstance(report, dict), "the top level", "must be a JSON object", source)
    for key in ("axe_version", "standard"):
        _expect(isinstance(report.get(key), str), key, "must be a string", source)
    _expect(isinstance(report.get("pages"), list), "pages", "must be a list", source)
    _expect(isinstance(report.get("summary", {}), dict), "summary", "must be an object", source)
    for i, page in enumerate(report["pages"]):
        where = f"pages[{i}]"
        _expect(isinstance(page, dict), where, "must be an object", source)
        _expect(isinstance(page.get("url"), str), f"{where}.url", "must be a string", source)
        _expect(page.get("status") in STATUSES, f"{where}.status",
                f"must be one of {', '.join(STATUSES)}", source)
        if "settle" in page:
            block = page["settle"]
            _expect(isinstance(block, dict) and isinstance(block.get("settled"), bool)
                    and isinstance(block.get("scrolls"), int) and isinstance(block.get("note"), str | None),
                    f"{where}.settle", "must be an object with settled (boolean), scrolls (number) and note",
                    source)
        _expect(isinstance(page.get("states", {}), dict), f"{where}.states", "must be an object", source)
        for kind in ("violations", "incomplete"):
            findings = page.get(kind)
            _expect(isinstance(findings, list), f"{where}.{kind}", "must be a list", source)
            for j, f in enumerate(findings):
                fw = f"{where}.{kind}[{j}]"
                _expect(isinstance(f, dict), fw, "must be an object", source)
                _expect(isinstance(f.get("rule"), str), f"{fw}.rule", "must be a string", source)
                _expect(f.get("impact") is None or f.get("impact") in IMPACTS, f"{fw}.impact",
                        f"must be null or one of {', '.join(IMPACTS)}", source)
                _expect(isinstance(f.get("nodes"), list), f"{fw}.nodes", "must be a list", source)
                _expect(isinstance(f.get("state", ""), str), f"{fw}.state", "must be a string", source)
                for k, node in enumerate(f["nodes"]):
                    nw = f"{fw}.nodes[{k}]"
                    _expect(isinstance(node, dict), nw, "must be an object", source)
                    _expect(isinstance(node.get("fingerprint"), str), f"{nw}.fingerprint",
                            "must be a string", source)
                    _expect(isinstance(node.get("target", []), list), f"{nw}.target",
                            "must be a list", source)


def load_report(path: str | Path) -> dict[str, Any]:
    """Read a JSON report written by ``python -m a11y audit --format json``.

    Raises
    ------
    ValueError
        If the file is missing or unreadable, is not JSON, or is not such a report
        (the message names the file and the offending key).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read report {path}: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not JSON: {exc}") from exc
    validate_report(data, source=str(path))
    return data
