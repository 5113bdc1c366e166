"""A report as flat tables, for the app's results explorer and its filters.

Pure functions of the report dict of :func:`a11y.report.make_report`.
"""

from __future__ import annotations

from collections.abc import Collection
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
        None), ``screen_reader`` (bool), ``source`` ('axe' or 'custom'), ``help``,
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


def history_chart(frame: pd.DataFrame) -> alt.Chart:
    """Line chart of failing elements per audit over time (one line per :data:`SERIES` entry).

    Parameters
    ----------
    frame : DataFrame
        :func:`a11y.history.violations_over_time`: ``audit_id``, ``finished_at`` and the
        :data:`SERIES` columns, one row per audit.
    """
    long = frame.melt(id_vars=["audit_id", "finished_at"], value_vars=list(SERIES),
                      var_name="series", value_name="elements")
    long["series"] = long["series"].map(SERIES)
    return alt.Chart(long, title="Failing elements per audit").mark_line(point=True).encode(
        x=alt.X("finished_at:T", title="Audit finished (UTC)"),
        y=alt.Y("elements:Q", title="Failing elements", scale=alt.Scale(zero=True)),
        color=alt.Color("series:N", title=None, sort=list(SERIES.values()),
                        scale=alt.Scale(domain=list(SERIES.values()), range=list(SERIES_COLOURS))),
        strokeDash=alt.StrokeDash("series:N", sort=list(SERIES.values()), legend=None),
        tooltip=["audit_id:Q", "finished_at:T", "series:N", "elements:Q"],
    ).properties(width=560, height=300)
