"""A report as flat tables, for the app's results explorer and its filters.

Pure functions of the report dict of :func:`a11y.report.make_report`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, tzinfo
from typing import Any

import altair as alt
import pandas as pd

from a11y.report import impact_rank

FINDING_COLUMNS = ["page", "rule", "impact", "screen_reader", "source", "help", "help_url", "target",
                   "html", "summary", "fingerprint"]
SCREEN_READER_CHOICES = ("all", "screen-reader", "other")


def findings_frame(report: dict[str, Any], kind: str = "violations") -> pd.DataFrame:
    """One row per failing element of a report.

    Parameters
    ----------
    report : dict
        A report from :func:`a11y.report.make_report`.
    kind : {'violations', 'incomplete'}, default='violations'
        Violations, or needs-review results.

    Returns
    -------
    DataFrame
        Columns :data:`FINDING_COLUMNS`: ``page`` (URL), ``rule``, ``impact`` (str or
        None), ``screen_reader`` (bool), ``source`` ('axe', 'custom' or 'keyboard'), ``help``,
        ``help_url``, ``target`` (selector path as one string), ``html``, ``summary``
        (what to fix), ``fingerprint``; in report order (pages as given, findings
        screen-reader first, most severe first).
    """
    if kind not in ("violations", "incomplete"):
        raise ValueError(f"kind must be 'violations' or 'incomplete'; got {kind!r}")
    rows = [(page["url"], f["rule"], f.get("impact"), bool(f.get("screen_reader")), f.get("source", "axe"),
             f.get("help", ""), f.get("help_url", ""), ", ".join(n.get("target") or []), n.get("html", ""),
             n.get("summary", ""), n["fingerprint"])
            for page in report["pages"] for f in page[kind] for n in f["nodes"]]
    return pd.DataFrame(rows, columns=FINDING_COLUMNS).astype({"screen_reader": bool})


def filter_findings(frame: pd.DataFrame, *, pages: Collection[str] = (), rules: Collection[str] = (),
                    impacts: Collection[str] = (), screen_reader: str = "all",
                    sources: Collection[str] = ()) -> pd.DataFrame:
    """Rows of :func:`findings_frame` that match every filter given (an empty filter keeps all).

    ``impacts`` may hold ``'none'`` for findings without an impact; ``screen_reader`` is
    one of :data:`SCREEN_READER_CHOICES`.
    """
    if screen_reader not in SCREEN_READER_CHOICES:
        raise ValueError(f"screen_reader must be one of {', '.join(SCREEN_READER_CHOICES)}; got {screen_reader!r}")
    keep = pd.Series(True, index=frame.index)
    if pages:
        keep &= frame["page"].isin(pages)
    if rules:
        keep &= frame["rule"].isin(rules)
    if impacts:
        keep &= frame["impact"].fillna("none").isin(impacts)
    if screen_reader != "all":
        keep &= frame["screen_reader"] == (screen_reader == "screen-reader")
    if sources:
        keep &= frame["source"].isin(sources)
    return frame[keep]


def rules_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Failing elements per rule: columns ``rule, impact, screen_reader, source, pages, elements, help``.

    ``impact`` is the most severe seen; rows screen-reader first, most severe first,
    most elements first, then by rule.
    """
    columns = ["rule", "impact", "screen_reader", "source", "pages", "elements", "help"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    out = frame.groupby("rule", sort=False).agg(
        impact=("impact", lambda s: max(s, key=impact_rank)), screen_reader=("screen_reader", "any"),
        source=("source", "first"), pages=("page", "nunique"), elements=("page", "size"),
        help=("help", "first")).reset_index()
    out["_rank"] = out["impact"].map(impact_rank)
    out = out.sort_values(["screen_reader", "_rank", "elements", "rule"], ascending=[False, False, False, True])
    return out[columns].reset_index(drop=True)


SERIES = {"nodes": "All failing elements", "screen_reader_nodes": "Screen-reader elements",
          "critical": "Critical", "serious": "Serious"}
"""Columns of :func:`a11y.history.violations_over_time` the history chart draws, with their legend names."""
SERIES_COLOURS = ("#1f2330", "#0064b0", "#a50e0e", "#c75a00")


TIME_FORMAT = "%Y-%m-%d %H:%M"
"""Times in the chart's tooltips: date and 24-hour clock."""
AXIS_FORMAT = "%d %b %H:%M"
"""Times on the chart's axis: day, month and 24-hour clock (the tooltips have the year)."""


def history_chart(frame: pd.DataFrame, zone: tzinfo = UTC, zone_label: str = "UTC") -> alt.Chart:
    """Line chart of failing elements per audit over time (one line per :data:`SERIES` entry, with a legend).

    Times are shown in ``zone`` on a 24-hour clock, whatever zone the browser drawing the
    chart is in: each audit's local wall time is given to Vega-Lite as a UTC timestamp on
    a UTC scale (whose labels Vega-Lite formats as UTC), and the tooltips show the time
    as text, so no second conversion happens in the browser.

    Audits in which no page could be audited are left out (their zeros are not "no
    failures"); the page's table still lists them.

    Parameters
    ----------
    frame : DataFrame
        :func:`a11y.history.violations_over_time`: ``audit_id``, ``finished_at``,
        ``audited_pages`` (optional) and the :data:`SERIES` columns, one row per audit.
    zone : tzinfo, default=UTC
        The researcher's time zone.
    zone_label : str, default='UTC'
        Its name, for the axis title (e.g. ``'Europe/Berlin'``).
    """
    if "audited_pages" in frame:
        frame = frame[frame["audited_pages"] > 0]
    long = frame.melt(id_vars=["audit_id", "finished_at"], value_vars=list(SERIES),
                      var_name="series", value_name="elements")
    long["series"] = long["series"].map(SERIES)
    wall = pd.to_datetime(long["finished_at"], utc=True).dt.tz_convert(zone).dt.tz_localize(None)
    long["finished"] = wall.dt.strftime(TIME_FORMAT)
    long["when"] = (wall - pd.Timestamp(0)) // pd.Timedelta(milliseconds=1)
    long = long.drop(columns=["finished_at"])
    names = list(SERIES.values())
    return alt.Chart(long, title="Failing elements per audit").mark_line(point=True).encode(
        x=alt.X("when:T", title=f"Audit finished ({zone_label})", scale=alt.Scale(type="utc"),
                axis=alt.Axis(format=AXIS_FORMAT, labelAngle=0, labelOverlap=True, labelFlush=True)),
        y=alt.Y("elements:Q", title="Failing elements", scale=alt.Scale(zero=True)),
        color=alt.Color("series:N", sort=names, scale=alt.Scale(domain=names, range=list(SERIES_COLOURS)),
                        legend=alt.Legend(title="Line", orient="bottom", direction="horizontal",
                                          columns=2, labelLimit=240)),
        strokeDash=alt.StrokeDash("series:N", sort=names, legend=None),
        tooltip=[alt.Tooltip("audit_id:Q", title="Audit"), alt.Tooltip("finished:N", title="Finished"),
                 alt.Tooltip("series:N", title="Line"), alt.Tooltip("elements:Q", title="Elements")],
    ).properties(width=560, height=300)
