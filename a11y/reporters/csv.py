"""CSV reporter: one row per failing element, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import Any

from a11y.reporters._common import format_target

COLUMNS = ("page", "kind", "rule", "impact", "screen_reader", "source", "help", "help_url",
           "target", "html", "fingerprint", "baseline", "state")
"""CSV header. ``kind`` is ``violation``, ``needs-review`` or ``error`` (a page that could not
be audited: one row, its message in ``help``); ``baseline`` is ``new``/``unchanged`` after a
baseline comparison, else empty; ``state`` names the state the element was seen in (a control
opened, an ``audit`` step; :mod:`a11y.states`), empty for the page as loaded."""

def render_csv(report: dict[str, Any]) -> str:
    """The report as CSV with the header :data:`COLUMNS`.

    Rows follow the report: pages in order; in each page its violations (screen-reader
    issues first) node by node, then its needs-review nodes; an error page gives one
    ``error`` row. Booleans are ``true``/``false``; ``target`` joins selectors with ``, ``.
    Every cell goes through :func:`cardsort.formats.neutralise`, the project's one rule against
    spreadsheet formulas (imported here, not at the top, so the CLI does not load NumPy for other formats).
    """
    from cardsort.formats import neutralise

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)

    def row(**cells: Any) -> None:
        writer.writerow([neutralise("" if (v := cells.get(col)) is None else str(v)) for col in COLUMNS])

    for page in report["pages"]:
        if page["status"] == "error":
            row(page=page["url"], kind="error", help=page.get("error") or "")
        for kind, key in (("violation", "violations"), ("needs-review", "incomplete")):
            for f in page[key]:
                for node in f["nodes"]:
                    row(page=page["url"], kind=kind, rule=f["rule"], impact=f.get("impact") or "",
                        screen_reader="true" if f.get("screen_reader") else "false",
                        source=f.get("source", "axe"), help=f.get("help", ""),
                        help_url=f.get("help_url", ""), target=format_target(node.get("target", [])),
                        html=node.get("html", ""), fingerprint=node["fingerprint"],
                        baseline=node.get("baseline", ""), state=f.get("state", ""))
    return out.getvalue()
