"""Reporters: pure functions from a report dict (:func:`a11y.report.make_report`) to text.

Each format lives in its own module with a ``render_<format>(report) -> str``;
:func:`render` picks one by name. None of them opens files, browsers or networks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from a11y.report import validate_report
from a11y.reporters.csv import render_csv
from a11y.reporters.html import render_html
from a11y.reporters.json import render_json
from a11y.reporters.junit import render_junit
from a11y.reporters.sarif import render_sarif

_RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "json": render_json, "html": render_html, "csv": render_csv,
    "junit": render_junit, "sarif": render_sarif,
}
FORMATS = tuple(_RENDERERS)
"""Allowed ``--format`` values."""

EXTENSIONS = {"json": ".json", "html": ".html", "csv": ".csv", "junit": ".xml", "sarif": ".sarif"}
"""Usual file extension of each format."""


def render(report: dict[str, Any], fmt: str) -> str:
    """Render a report in one of :data:`FORMATS`.

    Parameters
    ----------
    report : dict
        A report from :func:`a11y.report.make_report` (optionally after
        :func:`a11y.report.apply_baseline`).
    fmt : {'json', 'html', 'csv', 'junit', 'sarif'}
        Output format.

    Returns
    -------
    str
        The whole document, ending with a newline.

    Raises
    ------
    ValueError
        If ``fmt`` is not one of :data:`FORMATS`, or ``report`` is not a report.
    """
    if fmt not in _RENDERERS:
        raise ValueError(f"unknown report format {fmt!r}; allowed: {', '.join(FORMATS)}")
    validate_report(report)
    return _RENDERERS[fmt](report)


__all__ = ["EXTENSIONS", "FORMATS", "render", "render_csv", "render_html", "render_json",
           "render_junit", "render_sarif"]
