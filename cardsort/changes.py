"""Who changed what: one row per change a researcher (or the command line) made, recorded with the change.

Every function that changes a study, an analysis decision or an audit job records its change here
through :func:`record`, on the connection of its own transaction: the change and its record land
together or not at all. Rows are only ever added; deleting a study keeps its history (``study_id``
is not a foreign key), so "who deleted it" stays answerable.

``actor`` is who did it: the signed-in researcher's identity in the app
(``app_pages._signin.current_actor``), ``cli:<user>`` from the command line, :data:`UNKNOWN` when a
caller did not say. ``action`` is a short code (:data:`ACTIONS`), ``summary`` the sentence the pages
show, ``detail`` a JSON object with what the summary leaves out (participant ids, label keys,
the fields an edit changed).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

metadata = sa.MetaData()

MAX_ACTOR = 320  # an e-mail address at its longest
UNKNOWN = "unknown"
"""The actor of a change whose caller did not say who made it."""

ACTIONS = {
    "study.created": "a study was created (or duplicated)",
    "study.edited": "a study's set-up changed (name, kind, language, cards, categories, settings, texts, "
                    "questions, panel)",
    "study.status": "a study was opened, closed or put back in draft",
    "study.archived": "a study was archived",
    "study.unarchived": "a study was brought back from the archive",
    "study.sharing": "a study was shared with the team or made private to its owner",
    "study.deleted": "a study was deleted with everything keyed to it",
    "sort.deleted": "one participant's sort was deleted",
    "participant.excluded": "participants' sorts were left out of the analyses",
    "participant.included": "participants' sorts were taken back into the analyses",
    "participant.exclusions": "some sorts excluded and others included at once",
    "labels.accepted": "a label merge was accepted (its name or labels possibly edited)",
    "labels.rejected": "a label merge was rejected",
    "labels.decided": "label decisions of several kinds at once",
    "labels.undone": "label decisions were undone",
    "notes.saved": "the stakeholder notes were saved",
    "sorts.imported": "sorts were imported from a file",
    "sort.paper": "a paper sort was typed in",
    "audit.started": "an audit job was started",
    "audit.cancelled": "someone asked an audit job to stop",
    "audit.finished": "an audit job ended: done (stored), cancelled or failed",
    "audit.deleted": "a stored audit was deleted",
}
"""Every action code, with what it means."""

changes = sa.Table(
    "changes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(MAX_ACTOR), nullable=False),
    sa.Column("study_id", sa.String(40)),
    sa.Column("job_id", sa.String(32)),
    sa.Column("audit_id", sa.Integer),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Index("changes_by_study", "study_id", "at"),
    sa.Index("changes_by_job", "job_id", "at"),
)


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def actor_or_unknown(actor: str | None) -> str:
    """``actor`` checked (a non-empty text of at most :data:`MAX_ACTOR` characters), or :data:`UNKNOWN`."""
    if actor is None:
        return UNKNOWN
    if not isinstance(actor, str) or not actor.strip():
        raise ValueError(f"actor must be a non-empty text, not {actor!r}")
    if len(actor) > MAX_ACTOR:
        raise ValueError(f"actor must be at most {MAX_ACTOR} characters, not {len(actor)}")
    return actor.strip()


def record(target: Connection | Engine, *, actor: str | None, action: str, summary: str,
           study_id: str | None = None, job_id: str | None = None, audit_id: int | None = None,
           detail: dict[str, Any] | None = None, at: datetime | None = None) -> int:
    """Record one change; returns its id.

    Parameters
    ----------
    target : Connection or Engine
        The connection of the transaction that makes the change (so both land or neither does);
        an engine records in a transaction of its own.
    actor : str or None
        Who made the change; ``None`` is recorded as :data:`UNKNOWN`.
    action : str
        One of :data:`ACTIONS`.
    summary : str
        What happened, in one sentence for people.
    study_id, job_id, audit_id : optional
        What it happened to: a study, an audit job, a stored audit.
    detail : dict or None
        More about it, stored as JSON.
    at : datetime or None
        When (timezone-aware); default now, in UTC.

    Raises
    ------
    ValueError
        For an unknown action, an empty summary, a bad actor or a naive time.
    """
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
    if not summary.strip():
        raise ValueError("a change needs a summary")
    if at is not None and at.tzinfo is None:
        raise ValueError("the time of a change must be timezone-aware")
    row = {"at": (at or datetime.now(UTC)).astimezone(UTC), "actor": actor_or_unknown(actor), "study_id": study_id,
           "job_id": job_id, "audit_id": audit_id, "action": action, "summary": summary,
           "detail": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)}
    if isinstance(target, Engine):
        with target.begin() as conn:
            return _insert(conn, row)
    return _insert(target, row)


def _insert(conn: Connection, row: dict[str, Any]) -> int:
    key = conn.execute(changes.insert().values(**row)).inserted_primary_key
    assert key is not None  # a one-row insert always reports its key
    return int(key[0])


def _rows(engine: Engine, where: sa.ColumnElement[bool], limit: int, offset: int) -> list[dict[str, Any]]:
    if limit < 0 or offset < 0:
        raise ValueError(f"limit and offset must not be negative, not {limit} and {offset}")
    query = (sa.select(changes).where(where).order_by(changes.c.at.desc(), changes.c.id.desc())
             .limit(limit).offset(offset))
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    for r in rows:
        r["at"] = _utc(r["at"])
        r["detail"] = json.loads(r["detail"] or "{}")
    return rows


def _count(engine: Engine, where: sa.ColumnElement[bool]) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(changes).where(where)).scalar_one())


def for_study(engine: Engine, study_id: str, limit: int = 20, offset: int = 0) -> list[dict[str, Any]]:
    """A study's changes, newest first: ``id, at (UTC), actor, study_id, job_id, audit_id, action, summary,
    detail (dict)``; at most ``limit``, after skipping ``offset``. See :func:`count_for_study`."""
    return _rows(engine, changes.c.study_id == study_id, limit, offset)


def count_for_study(engine: Engine, study_id: str) -> int:
    """How many changes a study has (its deletion included)."""
    return _count(engine, changes.c.study_id == study_id)


Ids = sa.Select | Collection[Any] | None


def _audit_rows(jobs: Ids, audits: Ids) -> sa.ColumnElement[bool]:
    if jobs is None and audits is None:
        return sa.or_(changes.c.job_id.is_not(None), changes.c.audit_id.is_not(None))
    chosen = []
    for column, ids in ((changes.c.job_id, jobs), (changes.c.audit_id, audits)):
        if ids is not None:
            chosen.append(column.in_(ids if isinstance(ids, sa.Select) else sorted(ids)))
    return sa.or_(*chosen)


def for_audits(engine: Engine, jobs: Ids = None, limit: int = 20, offset: int = 0, *,
               audits: Ids = None) -> list[dict[str, Any]]:
    """Changes of audit jobs and stored audits, newest first (keys as :func:`for_study`).

    ``jobs`` and ``audits`` narrow them to the changes of some jobs or stored audits: their ids, or a
    ``SELECT`` of ids (``a11y.jobs.audit_changes`` passes a site's); both ``None`` lists every audit change.
    """
    return _rows(engine, _audit_rows(jobs, audits), limit, offset)


def count_for_audits(engine: Engine, jobs: Ids = None, *, audits: Ids = None) -> int:
    """How many changes :func:`for_audits` has in all for ``jobs`` and ``audits``."""
    return _count(engine, _audit_rows(jobs, audits))
