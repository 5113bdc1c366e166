"""Stored audits: every report the app runs, its screenshots, and comparisons over time.

All database access of the audit side lives here and in :mod:`a11y.jobs`, as plain
functions taking an :class:`~sqlalchemy.engine.Engine` (the app's ``DATABASE_URL``,
SQLite or PostgreSQL). The tables live on this module's own :data:`metadata`, so the card-sort store never
needs to know about them; the schema's migrations (:mod:`cardsort.migrate`) create them with the others.

An audit is stored as its whole JSON report (the docs/architecture.md contract, one text
column) plus the few numbers the history lists and charts need, so listing a
site's audits never parses reports. Screenshots are PNG bytes keyed by
``(audit, page URL, rule, fingerprint)``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from a11y.findings import IMPACTS
from a11y.report import apply_baseline, summarize, validate_report
from cardsort import changes, migrate

metadata = sa.MetaData()

audits = sa.Table(
    "audits", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("site", sa.Text, nullable=False, index=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("standard", sa.String(20), nullable=False),
    sa.Column("axe_version", sa.String(40), nullable=False),
    sa.Column("pages", sa.Integer, nullable=False),
    sa.Column("error_pages", sa.Integer, nullable=False),
    sa.Column("violations", sa.Integer, nullable=False),
    sa.Column("nodes", sa.Integer, nullable=False),
    sa.Column("screen_reader_nodes", sa.Integer, nullable=False),
    sa.Column("needs_review_nodes", sa.Integer, nullable=False),
    sa.Column("report", sa.Text, nullable=False),
)
audit_screenshots = sa.Table(
    "audit_screenshots", metadata,
    sa.Column("audit_id", sa.ForeignKey("audits.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("url", sa.Text, primary_key=True),
    sa.Column("rule", sa.String(100), primary_key=True),
    sa.Column("fingerprint", sa.String(64), primary_key=True),
    sa.Column("png", sa.LargeBinary, nullable=False),
)

def ensure_tables(engine: Engine) -> Engine:
    """Make sure ``engine``'s database is at the newest schema revision (once per engine); return it."""
    return migrate.ensure(engine)


def _utc(t: datetime) -> datetime:
    """SQLite gives naive datetimes back; every time here is UTC."""
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def site_of(url: str) -> str:
    """The site an audit belongs to: ``scheme://host[:port]`` of its first page, lower-cased."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"cannot tell the site of {url!r}: expected an http(s) URL with a host")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme.lower()}://{parts.hostname.lower()}{port}"


# --- writing -----------------------------------------------------------------------------------

ScreenshotKey = tuple[str, str, str]
"""``(page URL, rule, fingerprint)`` of the element a screenshot highlights."""


def save_audit(engine: Engine, report: dict[str, Any], *, started_at: datetime | None = None,
               finished_at: datetime | None = None, site: str | None = None,
               screenshots: dict[ScreenshotKey, bytes] | None = None) -> int:
    """Store a finished audit (one transaction) and return its id.

    Parameters
    ----------
    engine : Engine
    report : dict
        A report from :func:`a11y.report.make_report`, with at least one page.
    started_at, finished_at : datetime or None, default=None
        When the audit ran (UTC); ``None`` means now.
    site : str or None, default=None
        Site the audit belongs to; default :func:`site_of` the first page.
    screenshots : dict of (url, rule, fingerprint) -> bytes, or None
        PNG screenshots taken during the audit (see :mod:`a11y.screenshots`).

    Raises
    ------
    ValueError
        When ``report`` is not a report, or has no pages.
    """
    ensure_tables(engine)
    with engine.begin() as conn:
        return insert_audit(conn, report, started_at=started_at, finished_at=finished_at, site=site,
                            screenshots=screenshots)


def insert_audit(conn: sa.Connection, report: dict[str, Any], *, started_at: datetime | None = None,
                 finished_at: datetime | None = None, site: str | None = None,
                 screenshots: dict[ScreenshotKey, bytes] | None = None) -> int:
    """:func:`save_audit` on the caller's connection, inside its transaction (the audit job stores the
    audit, marks itself done and records that in one)."""
    validate_report(report)
    if not report["pages"]:
        raise ValueError("cannot store an audit without pages")
    now = datetime.now(UTC)
    summary: dict[str, Any] = (report["summary"] if "by_impact" in report.get("summary", {})
                               else summarize(report["pages"]))
    row = {
        "site": site or site_of(report["pages"][0]["url"]),
        "started_at": _utc(started_at or now), "finished_at": _utc(finished_at or now),
        "standard": report["standard"], "axe_version": report["axe_version"],
        "pages": summary["pages"]["total"], "error_pages": summary["pages"]["error"],
        "violations": summary["violations"], "nodes": summary["nodes"],
        "screen_reader_nodes": summary["screen_reader"]["nodes"],
        "needs_review_nodes": summary["needs_review"]["nodes"],
        "report": json.dumps(report, ensure_ascii=False),
    }
    key = conn.execute(audits.insert().values(**row)).inserted_primary_key
    assert key is not None  # a single-row insert always reports its key
    audit_id = key[0]
    if screenshots:
        conn.execute(audit_screenshots.insert(), [
            {"audit_id": audit_id, "url": url, "rule": rule, "fingerprint": fp, "png": png}
            for (url, rule, fp), png in screenshots.items()])
    return int(audit_id)


def delete_audit(engine: Engine, audit_id: int, *, actor: str | None = None) -> None:
    """Remove an audit and its screenshots (nothing happens for an unknown id); recorded
    (``audit.deleted``, :mod:`cardsort.changes`) as made by ``actor``."""
    ensure_tables(engine)
    with engine.begin() as conn:
        site = conn.execute(sa.select(audits.c.site).where(audits.c.id == audit_id)).scalar()
        conn.execute(audit_screenshots.delete().where(audit_screenshots.c.audit_id == audit_id))
        conn.execute(audits.delete().where(audits.c.id == audit_id))
        if site is not None:
            changes.record(conn, actor=actor, action="audit.deleted", audit_id=audit_id, detail={"site": site},
                           summary=f"Deleted audit {audit_id} of {site}")


# --- reading -----------------------------------------------------------------------------------

_LIST_COLUMNS = [c for c in audits.c if c.name != "report"]


def _listing(row: sa.Row) -> dict[str, Any]:
    out = dict(row._mapping)
    out["started_at"], out["finished_at"] = _utc(out["started_at"]), _utc(out["finished_at"])
    return out


def list_sites(engine: Engine) -> list[str]:
    """Sites with stored audits, most recently audited first."""
    ensure_tables(engine)
    query = (sa.select(audits.c.site, sa.func.max(audits.c.finished_at).label("last"))
             .group_by(audits.c.site).order_by(sa.desc("last"), audits.c.site))
    with engine.connect() as conn:
        return [r.site for r in conn.execute(query)]


def list_audits(engine: Engine, site: str | None = None) -> list[dict[str, Any]]:
    """Stored audits, newest first, without their reports.

    Parameters
    ----------
    engine : Engine
    site : str or None, default=None
        Only this site's audits (see :func:`site_of`); ``None`` lists all.

    Returns
    -------
    list of dict
        Keys ``id, site, started_at, finished_at, standard, axe_version, pages,
        error_pages, violations, nodes, screen_reader_nodes, needs_review_nodes``.
    """
    ensure_tables(engine)
    query = sa.select(*_LIST_COLUMNS).order_by(audits.c.finished_at.desc(), audits.c.id.desc())
    if site is not None:
        query = query.where(audits.c.site == site)
    with engine.connect() as conn:
        return [_listing(r) for r in conn.execute(query)]


def get_audit(engine: Engine, audit_id: int) -> dict[str, Any]:
    """One audit: :func:`list_audits`' keys plus ``report`` (the JSON report as a dict).

    Raises
    ------
    LookupError
        When there is no audit with that id.
    """
    ensure_tables(engine)
    with engine.connect() as conn:
        row = conn.execute(sa.select(audits).where(audits.c.id == audit_id)).first()
    if row is None:
        raise LookupError(f"no audit with id {audit_id!r}")
    out = _listing(row)
    out["report"] = json.loads(out["report"])
    return out


def screenshot_keys(engine: Engine, audit_id: int) -> set[ScreenshotKey]:
    """``(url, rule, fingerprint)`` of every screenshot stored with an audit."""
    ensure_tables(engine)
    c = audit_screenshots.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(c.url, c.rule, c.fingerprint).where(c.audit_id == audit_id))
        return {(r.url, r.rule, r.fingerprint) for r in rows}


def get_screenshot(engine: Engine, audit_id: int, url: str, rule: str, fingerprint: str) -> bytes | None:
    """The PNG of one element in one audit, or ``None`` when none was taken."""
    ensure_tables(engine)
    c = audit_screenshots.c
    with engine.connect() as conn:
        return conn.execute(sa.select(c.png).where(
            c.audit_id == audit_id, c.url == url, c.rule == rule, c.fingerprint == fingerprint)).scalar()


# --- comparing ---------------------------------------------------------------------------------

DIFF_KINDS = ("new", "fixed", "unchanged")


def diff_audits(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """What changed between two reports, element by element (by fingerprint).

    Uses :func:`a11y.report.apply_baseline`'s matching: violation nodes are the same
    when page URL, rule and fingerprint agree (repeats counted); a node is *fixed*
    only on pages that ``after`` audited successfully.

    Parameters
    ----------
    before, after : dict
        Two reports, the earlier first.

    Returns
    -------
    dict
        ``{"new": [...], "fixed": [...], "unchanged": [...]}``; each item is
        ``{"url", "rule", "impact", "screen_reader", "source", "help", "help_url",
        "fingerprint", "target", "html"}``. New and unchanged follow ``after``'s
        order, fixed follows ``before``'s.
    """
    compared = apply_baseline(after, before)
    out: dict[str, list[dict[str, Any]]] = {"new": [], "unchanged": []}
    for page in compared["pages"]:
        for f in page["violations"]:
            for node in f["nodes"]:
                out[node["baseline"]].append({
                    "url": page["url"], "rule": f["rule"], "impact": f.get("impact"),
                    "screen_reader": bool(f.get("screen_reader")), "source": f.get("source", "axe"),
                    "help": f.get("help", ""), "help_url": f.get("help_url", ""),
                    "fingerprint": node["fingerprint"], "target": list(node.get("target", [])),
                    "html": node.get("html", "")})
    return {"new": out["new"], "fixed": compared["baseline"]["fixed_items"], "unchanged": out["unchanged"]}


def violations_over_time(engine: Engine, site: str) -> pd.DataFrame:
    """One row per stored audit of ``site``, oldest first, for a chart.

    Returns
    -------
    DataFrame
        Columns ``audit_id`` (int), ``finished_at`` (UTC datetime), ``pages``,
        ``audited_pages`` (pages that could be audited; with none, the audit's zeros
        mean nothing was checked), ``violations`` (rule-on-page failures), ``nodes``
        (failing elements), ``screen_reader_nodes``, ``needs_review_nodes``, and one column per impact
        (``critical``, ``serious``, ``moderate``, ``minor``: failing elements), all int.
    """
    columns = ["audit_id", "finished_at", "pages", "audited_pages", "violations", "nodes",
               "screen_reader_nodes", "needs_review_nodes", *reversed(IMPACTS)]
    ensure_tables(engine)
    query = (sa.select(audits.c.id, audits.c.finished_at, audits.c.pages, audits.c.error_pages,
                       audits.c.violations, audits.c.nodes, audits.c.screen_reader_nodes, audits.c.needs_review_nodes,
                       audits.c.report)
             .where(audits.c.site == site).order_by(audits.c.finished_at, audits.c.id))
    rows = []
    with engine.connect() as conn:
        for r in conn.execute(query):
            report = json.loads(r.report)
            by_impact = report.get("summary", {}).get("by_impact") or summarize(report["pages"])["by_impact"]
            rows.append([r.id, _utc(r.finished_at), r.pages, r.pages - r.error_pages, r.violations, r.nodes,
                         r.screen_reader_nodes, r.needs_review_nodes,
                         *(by_impact[i]["nodes"] for i in reversed(IMPACTS))])
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({c: "int64" for c in columns if c != "finished_at"})
