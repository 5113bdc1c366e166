"""SQLAlchemy tables and every function that reads or writes them.

All database access of the card-sort side lives here, as plain functions taking an
:class:`~sqlalchemy.engine.Engine`. Each write is one transaction: it lands whole
or not at all. The researcher's writes take ``actor`` (who makes the change) and record
the change in :mod:`cardsort.changes` inside that same transaction.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Collection, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from . import changes as _changes
from . import migrate
from . import settings as _settings  # the project's settings, not a study's
from .accounts import Account
from .model import (
    Card,
    Category,
    Group,
    Settings,
    Sort,
    Study,
    fold_screen_out_url,
    parse_time,
    questions_from_list,
    settings_from_dict,
    texts_from_dict,
    utcnow,
)
from .panel import Panel, accepts, panel_from_dict

DEFAULT_DATABASE_URL = str(_settings.SETTINGS["DATABASE_URL"].default)
SECRETS_FILE = _settings.SECRETS_FILE

metadata = sa.MetaData()

studies = sa.Table(
    "studies", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("language", sa.String(35), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("settings", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
cards = sa.Table(
    "cards", metadata,
    sa.Column("study_id", sa.ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("image", sa.Text),
)
categories = sa.Table(
    "categories", metadata,
    sa.Column("study_id", sa.ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("label", sa.Text, nullable=False),
)
drafts = sa.Table(
    "drafts", metadata,
    sa.Column("study_id", sa.ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("participant_id", sa.String(200), primary_key=True),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
sorts = sa.Table(
    "sorts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("study_id", sa.ForeignKey("studies.id", ondelete="CASCADE"), nullable=False),
    sa.Column("participant_id", sa.String(200), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("answers", sa.Text, nullable=False, default="{}"),
    sa.Column("excluded", sa.Boolean, nullable=False, default=False),
    sa.UniqueConstraint("study_id", "participant_id", name="one_sort_per_participant"),
)
sort_groups = sa.Table(
    "sort_groups", metadata,
    sa.Column("sort_id", sa.ForeignKey("sorts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("category_id", sa.String(100)),
)
placements = sa.Table(
    "placements", metadata,
    sa.Column("sort_id", sa.ForeignKey("sorts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("card_id", sa.String(100), primary_key=True),
    sa.Column("group_idx", sa.Integer, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
)
sort_tags = sa.Table(  # a table of its own (tags came after sorts), so ``sorts`` kept its columns
    "sort_tags", metadata,
    sa.Column("sort_id", sa.ForeignKey("sorts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

screenouts = sa.Table(
    "screenouts", metadata,  # participants screened out by a question before sorting: counted, never analysed
    sa.Column("study_id", sa.ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("participant_id", sa.String(200), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("question_id", sa.String(40), nullable=False),
    sa.Column("answers", sa.Text, nullable=False, default="{}"),
)


study_owners = sa.Table(  # who owns a study and whether the team sees it; no row: a team study, visible to all
    "study_owners", metadata,
    sa.Column("study_id", sa.ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("owner_account_id", sa.Integer),  # cardsort.accounts' id (another metadata, so no foreign key)
    sa.Column("shared", sa.Boolean, nullable=False, default=True),
)


class NotFound(LookupError):
    """No study with that id."""


def database_url(secrets_file: Path = SECRETS_FILE) -> str:
    """``DATABASE_URL`` from the environment, else from ``.streamlit/secrets.toml``, else SQLite."""
    return str(_settings.value("DATABASE_URL", secrets=secrets_file))


def make_engine(url: str | None = None, *, schema: str | None = None, upgrade: bool = True) -> Engine:
    """Open the database at ``url`` (default :func:`database_url`), brought to the newest schema revision.

    :func:`cardsort.migrate.upgrade` runs the migrations, safe when several processes start at once (one query
    when the database is up to date). SQLite runs in WAL mode with foreign keys on and its folder is created.
    ``schema`` (PostgreSQL only) puts the tables in that schema, for isolated tests. ``upgrade=False`` leaves
    the schema as it is (``python -m cardsort db current``).
    """
    url = url or database_url()
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    elif schema:
        kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
    engine = sa.create_engine(url, pool_pre_ping=True, **kwargs)
    if url.startswith("sqlite"):
        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    elif schema:
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    if upgrade:
        migrate.upgrade(engine)
    return engine


def _utc(t: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    if t is None:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def new_study_id() -> str:
    """12 URL-safe characters that never start with ``-``, so the id works as a command-line argument."""
    while True:
        study_id = secrets.token_urlsafe(9)
        if not study_id.startswith("-"):
            return study_id


# --- studies -------------------------------------------------------------------------------

def _write_study_rows(conn: sa.Connection, study: Study) -> None:
    conn.execute(cards.delete().where(cards.c.study_id == study.id))
    conn.execute(categories.delete().where(categories.c.study_id == study.id))
    if study.cards:
        conn.execute(cards.insert(), [
            {"study_id": study.id, "id": c.id, "position": i, "label": c.label,
             "description": c.description, "image": c.image}
            for i, c in enumerate(study.cards)
        ])
    if study.categories:
        conn.execute(categories.insert(), [
            {"study_id": study.id, "id": c.id, "position": i, "label": c.label}
            for i, c in enumerate(study.categories)
        ])


def _options_json(study: Study) -> str:
    """The ``settings`` column: the study's settings, plus its participant texts, archived flag and panel.

    Kept in the one JSON column so that no new column is needed; :func:`_options` reads it back.
    """
    options: dict[str, Any] = asdict(study.settings)
    if study.texts.any():
        options["texts"] = asdict(study.texts)
    if study.questions:
        options["questions"] = [q.to_spec() for q in study.questions]
    if study.archived:
        options["archived"] = True
    if study.panel.any():
        options["panel"] = study.panel.to_dict()
    return json.dumps(options, ensure_ascii=False)


def _options(raw: str) -> dict[str, Any]:
    options = json.loads(raw)
    texts = options.pop("texts", None)
    questions = options.pop("questions", None)
    archived = bool(options.pop("archived", False))
    options, raw_panel = fold_screen_out_url(options, options.pop("panel", None))
    panel = panel_from_dict(raw_panel)
    return {"settings": settings_from_dict(options), "texts": texts_from_dict(texts), "archived": archived,
            "panel": panel, "questions": questions_from_list(questions)}


def _plural(n: int, one: str, other: str | None = None) -> str:
    """``"1 card"``, ``"3 cards"``: the counts of the change summaries (English, as the researcher pages)."""
    return f"{n:,} {one if n == 1 else (other or one + 's')}"


def _listed(items: Collection[str], most: int = 10) -> str:
    """``“a”, “b” and “c”``; past ``most`` items, ``… and 4 more``."""
    quoted = [f"“{i}”" for i in list(items)[:most]]
    rest = len(items) - len(quoted)
    if rest > 0:
        quoted.append(f"{rest:,} more")
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def create_study(engine: Engine, study: Study, *, actor: str | None = None, owner: int | None = None) -> Study:
    """Store a new study, recording who created it; returns it with its times set.

    With ``owner`` (an account id) the study is that account's, shared with the team (see :func:`set_shared`);
    without, it is a team study that every account sees (the command line, the demo).
    """
    summary = (f"Created the study “{study.name}” ({study.kind} sort, "
               f"{_plural(len(study.cards), 'card')})")
    return _create_study(engine, study, actor, summary, {}, owner)


def _create_study(engine: Engine, study: Study, actor: str | None, summary: str, detail: dict[str, Any],
                  owner: int | None = None) -> Study:
    now = utcnow()
    study = replace(study, created_at=now, updated_at=now)
    with engine.begin() as conn:
        conn.execute(studies.insert().values(
            id=study.id, name=study.name, kind=study.kind, language=study.language,
            status=study.status, settings=_options_json(study),
            created_at=now, updated_at=now,
        ))
        _write_study_rows(conn, study)
        if owner is not None:
            conn.execute(study_owners.insert().values(study_id=study.id, owner_account_id=owner, shared=True))
        _changes.record(conn, actor=actor, action="study.created", summary=summary, study_id=study.id,
                        detail={"name": study.name, "kind": study.kind, "status": study.status,
                                "cards": len(study.cards), **detail}, at=now)
    return study


EDITED_PARTS = {"name": "name", "kind": "kind of sort", "language": "language", "status": "status",
                "cards": "cards", "categories": "categories", "settings": "settings", "texts": "participant texts",
                "questions": "questions", "panel": "panel settings", "archived": "archive"}
"""What an edit may change, in the order and the words of its summary."""
STATUS_DONE = {"open": "Opened the study", "closed": "Closed the study", "draft": "Put the study back in draft"}


def describe_edit(before: Study, after: Study) -> tuple[str, str, dict[str, Any]] | None:
    """``(action, summary, detail)`` of the change from ``before`` to ``after``; ``None`` when nothing changed.

    Only a status change is ``study.status`` ("Opened the study"); archiving (with the closing it
    brings) is ``study.archived`` / ``study.unarchived``; anything else is ``study.edited``,
    naming each part that changed: "Edited the study: name (“A” → “B”), cards (2 added, 1 removed)
    and settings".
    """
    changed = [part for part in EDITED_PARTS if getattr(before, part) != getattr(after, part)]
    if not changed:
        return None
    detail: dict[str, Any] = {"changed": changed}
    for part in ("name", "kind", "language", "status"):
        if part in changed:
            detail[part] = {"from": getattr(before, part), "to": getattr(after, part)}
    if "archived" in changed and set(changed) <= {"archived", "status"}:
        if after.archived:
            return "study.archived", "Archived the study", detail
        return "study.unarchived", "Brought the study back from the archive", detail
    if changed == ["status"]:
        return "study.status", STATUS_DONE.get(after.status, f"Set the status to {after.status}"), detail
    words = []
    for part in changed:
        word = EDITED_PARTS[part]
        if part in ("name", "kind", "language", "status"):
            arrow = "“{from}” → “{to}”" if part == "name" else "{from} → {to}"
            word += f" ({arrow.format(**detail[part])})"
        elif part in ("cards", "categories"):
            old = {c.id for c in getattr(before, part)}
            new = {c.id for c in getattr(after, part)}
            added = [c.id for c in getattr(after, part) if c.id not in old]
            removed = [c.id for c in getattr(before, part) if c.id not in new]
            detail[part] = {"added": added, "removed": removed}
            counts = ([f"{len(added):,} added"] if added else []) + ([f"{len(removed):,} removed"] if removed else [])
            if counts:
                word += f" ({', '.join(counts)})"
        words.append(word)
    listed = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
    return "study.edited", f"Edited the study: {listed}", detail


def update_study(engine: Engine, study: Study, *, actor: str | None = None) -> Study:
    """Replace a study's fields, cards and categories, recording who changed what (:func:`describe_edit`).

    Cards that already have submitted sorts keep their ids, so removing a card
    leaves earlier sorts readable (their placements of it are ignored in analysis).
    Saving a study unchanged records nothing.
    """
    now = utcnow()
    with engine.begin() as conn:
        before = _read_study(conn, study.id, lock=True)
        conn.execute(studies.update().where(studies.c.id == study.id).values(
            name=study.name, kind=study.kind, language=study.language, status=study.status,
            settings=_options_json(study), updated_at=now,
        ))
        _write_study_rows(conn, study)
        described = describe_edit(before, study)
        if described is not None:
            action, summary, detail = described
            _changes.record(conn, actor=actor, action=action, summary=summary, study_id=study.id, detail=detail,
                            at=now)
    return replace(study, updated_at=now)


def set_status(engine: Engine, study_id: str, status: str, *, actor: str | None = None) -> None:
    study = get_study(engine, study_id)
    update_study(engine, replace(study, status=status), actor=actor)


def set_archived(engine: Engine, study_id: str, archived: bool, *, actor: str | None = None) -> Study:
    """Archive a study (hidden from the study lists, and closed to participants) or bring it back.

    Bringing it back leaves it closed: the researcher opens it again on purpose. Nothing is deleted.
    """
    study = get_study(engine, study_id)
    changed = replace(study, archived=archived, status="closed" if archived else study.status)
    return update_study(engine, changed, actor=actor)


def get_study(engine: Engine, study_id: str) -> Study:
    """Load one study; raises :class:`NotFound` for an unknown id."""
    with engine.connect() as conn:
        return _read_study(conn, study_id)


def _read_study(conn: sa.Connection, study_id: str, *, lock: bool = False) -> Study:
    query = sa.select(studies).where(studies.c.id == study_id)
    row = conn.execute(query.with_for_update() if lock else query).mappings().first()
    if row is None:
        raise NotFound(f"no study with id {study_id!r}")
    card_rows = conn.execute(
        sa.select(cards).where(cards.c.study_id == study_id).order_by(cards.c.position)
    ).mappings().all()
    cat_rows = conn.execute(
        sa.select(categories).where(categories.c.study_id == study_id).order_by(categories.c.position)
    ).mappings().all()
    return Study(
        id=row["id"], name=row["name"], kind=row["kind"], language=row["language"],
        status=row["status"], **_options(row["settings"]),
        cards=tuple(Card(r["id"], r["label"], r["description"], r["image"]) for r in card_rows),
        categories=tuple(Category(r["id"], r["label"]) for r in cat_rows),
        created_at=_utc(row["created_at"]), updated_at=_utc(row["updated_at"]),
    )


def list_studies(engine: Engine, *, include_archived: bool = False) -> list[dict[str, Any]]:
    """One row per study: id, name, kind, language, status, cards, participants, updated_at, archived.

    Archived studies are left out unless ``include_archived``.
    """
    n_cards = sa.select(sa.func.count()).where(cards.c.study_id == studies.c.id).scalar_subquery()
    n_sorts = sa.select(sa.func.count()).where(sorts.c.study_id == studies.c.id).scalar_subquery()
    query = sa.select(
        studies.c.id, studies.c.name, studies.c.kind, studies.c.language, studies.c.status,
        n_cards.label("cards"), n_sorts.label("participants"), studies.c.updated_at, studies.c.settings,
    ).order_by(studies.c.created_at.desc(), studies.c.id)
    with engine.connect() as conn:
        rows = [dict(r) | {"updated_at": _utc(r["updated_at"])} for r in conn.execute(query).mappings()]
    for row in rows:
        row["archived"] = bool(json.loads(row.pop("settings")).get("archived", False))
    return [r for r in rows if include_archived or not r["archived"]]


def duplicate_study(engine: Engine, study_id: str, name: str | None = None, *, actor: str | None = None,
                    owner: int | None = None) -> Study:
    """Copy a study's set-up (not its sorts) as a new draft study, recorded on the copy as created by ``actor``;
    ``owner`` as :func:`create_study` (the copy is the copier's, shared, whoever owned the original)."""
    study = get_study(engine, study_id)
    copy = replace(study, id=new_study_id(), name=name or f"{study.name} (copy)", status="draft", archived=False)
    return _create_study(engine, copy, actor, f"Created the study “{copy.name}” as a copy of “{study.name}”",
                         {"copied_from": study.id}, owner)


# --- who sees a study ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Sharing:
    """A study's owner (an account id; ``None`` for a team study) and whether the team sees it."""

    owner_account_id: int | None
    shared: bool

    @property
    def team(self) -> bool:
        """A study nobody owns (made before accounts, by the command line or the demo): everyone's."""
        return self.owner_account_id is None


TEAM = Sharing(None, True)


def _visible_to(account: Account | None) -> sa.ColumnElement[bool]:
    """Which ``studies`` rows ``account`` sees (outer-joined with ``study_owners``): an admin every study; a
    researcher or a viewer the team studies and the shared ones, a researcher also their own; nobody, nothing."""
    if account is None:
        return sa.false()
    if account.role == "admin":
        return sa.true()
    seen: list[sa.ColumnElement[bool]] = [
        study_owners.c.study_id.is_(None), study_owners.c.owner_account_id.is_(None), study_owners.c.shared.is_(True)]
    if account.role == "researcher":
        seen.append(study_owners.c.owner_account_id == account.id)
    return sa.or_(*seen)


def visible_studies(engine: Engine, account: Account | None, *,
                    include_archived: bool = False) -> list[dict[str, Any]]:
    """:func:`list_studies`' rows of the studies ``account`` may see (:func:`can_see`), with their ``owner``
    (account id or ``None``) and ``shared``."""
    query = (sa.select(studies.c.id, study_owners.c.owner_account_id, study_owners.c.shared)
             .select_from(studies.outerjoin(study_owners, study_owners.c.study_id == studies.c.id))
             .where(_visible_to(account)))
    with engine.connect() as conn:
        seen = {r.id: (r.owner_account_id, True if r.shared is None else bool(r.shared)) for r in conn.execute(query)}
    return [row | {"owner": seen[row["id"]][0], "shared": seen[row["id"]][1]}
            for row in list_studies(engine, include_archived=include_archived) if row["id"] in seen]


def can_see(engine: Engine, account: Account | None, study_id: str) -> bool:
    """Whether ``account`` may open the study ``study_id``: an admin any study; a researcher or a viewer a team
    study (no owner) or a shared one, a researcher also their own private ones. ``False`` for an unknown id,
    so the answer never tells whether a study exists."""
    query = (sa.select(studies.c.id)
             .select_from(studies.outerjoin(study_owners, study_owners.c.study_id == studies.c.id))
             .where(studies.c.id == study_id, _visible_to(account)))
    with engine.connect() as conn:
        return conn.execute(query).first() is not None


def sharing(engine: Engine, study_id: str) -> Sharing:
    """Who owns the study and whether it is shared (:data:`TEAM` for a study without an owner)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(study_owners).where(study_owners.c.study_id == study_id)).first()
    return TEAM if row is None else Sharing(row.owner_account_id, bool(row.shared))


def may_share(account: Account | None, owned: Sharing) -> bool:
    """Whether ``account`` may switch a study's sharing: its owner (a researcher) or an admin; nobody for a team
    study, which has no owner and is everyone's."""
    if account is None or owned.team:
        return False
    return account.role == "admin" or (account.role == "researcher" and account.id == owned.owner_account_id)


def set_shared(engine: Engine, study_id: str, shared: bool, *, account: Account, actor: str | None = None) -> None:
    """Share the study with the team or make it private to its owner (and the admins), as ``account`` asks
    (recorded as ``study.sharing`` made by ``actor``, default the account's email, in the same transaction).

    Raises :class:`NotFound` for an unknown study, :class:`PermissionError` (changing nothing) when ``account``
    is neither the owner nor an admin, and :class:`ValueError` for a team study (it has no owner to keep it).
    """
    with engine.begin() as conn:
        name = conn.execute(sa.select(studies.c.name).where(studies.c.id == study_id).with_for_update()).scalar()
        if name is None:
            raise NotFound(f"no study with id {study_id!r}")
        row = conn.execute(sa.select(study_owners).where(study_owners.c.study_id == study_id)).first()
        owned = TEAM if row is None else Sharing(row.owner_account_id, bool(row.shared))
        if owned.team:
            raise ValueError(f"“{name}” is a team study: it has no owner, so everyone sees it")
        if not may_share(account, owned):
            raise PermissionError("only the study's owner or an admin can change who sees it")
        if owned.shared == shared:
            return
        conn.execute(study_owners.update().where(study_owners.c.study_id == study_id).values(shared=shared))
        summary = (f"Shared the study “{name}” with the team" if shared
                   else f"Made the study “{name}” private to its owner")
        _changes.record(conn, actor=actor or account.email, action="study.sharing", study_id=study_id,
                        summary=summary, detail={"shared": shared, "owner": owned.owner_account_id})


# --- participants: drafts and submissions ----------------------------------------------------

def save_draft(engine: Engine, study_id: str, participant_id: str, state: dict[str, Any]) -> None:
    """Insert or replace a participant's in-progress board state (any JSON object)."""
    now = utcnow()
    payload = json.dumps(state, ensure_ascii=False)
    with engine.begin() as conn:
        if conn.execute(sa.select(sorts.c.id).where(
            sorts.c.study_id == study_id, sorts.c.participant_id == participant_id
        )).first():
            return  # already submitted: a late autosave from another tab changes nothing
        updated = conn.execute(drafts.update().where(
            drafts.c.study_id == study_id, drafts.c.participant_id == participant_id
        ).values(state=payload, updated_at=now)).rowcount
        if not updated:
            try:
                with conn.begin_nested():
                    conn.execute(drafts.insert().values(
                        study_id=study_id, participant_id=participant_id, state=payload,
                        started_at=now, updated_at=now,
                    ))
            except sa.exc.IntegrityError:  # another request inserted it first
                conn.execute(drafts.update().where(
                    drafts.c.study_id == study_id, drafts.c.participant_id == participant_id
                ).values(state=payload, updated_at=now))


def get_draft(engine: Engine, study_id: str, participant_id: str) -> dict[str, Any] | None:
    """The saved board state with ``started_at``, or ``None``."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(drafts).where(
            drafts.c.study_id == study_id, drafts.c.participant_id == participant_id
        )).mappings().first()
    if row is None:
        return None
    return {"state": json.loads(row["state"]), "started_at": _utc(row["started_at"]),
            "updated_at": _utc(row["updated_at"])}


def record_screenout(engine: Engine, study_id: str, participant_id: str, question_id: str,
                     answers: dict[str, str]) -> bool:
    """Record that a participant was screened out by ``question_id``, with their answers so far, and
    drop their draft; one transaction. Returns ``False`` (changing nothing) when they were already
    recorded or have already submitted a sort."""
    with engine.begin() as conn:
        if conn.execute(sa.select(sorts.c.id).where(
                sorts.c.study_id == study_id, sorts.c.participant_id == participant_id)).first():
            return False
        try:
            with conn.begin_nested():
                conn.execute(screenouts.insert().values(
                    study_id=study_id, participant_id=participant_id, at=utcnow(), question_id=question_id,
                    answers=json.dumps(answers, ensure_ascii=False)))
        except sa.exc.IntegrityError:  # recorded already (a second tab)
            return False
        conn.execute(drafts.delete().where(drafts.c.study_id == study_id, drafts.c.participant_id == participant_id))
    return True


def is_screened_out(engine: Engine, study_id: str, participant_id: str) -> bool:
    """Whether a question screened this participant out of this study."""
    with engine.connect() as conn:
        return conn.execute(sa.select(screenouts.c.at).where(
            screenouts.c.study_id == study_id, screenouts.c.participant_id == participant_id)).first() is not None


def count_screenouts(engine: Engine, study_id: str) -> int:
    """How many participants questions screened out of the study."""
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(screenouts)
                            .where(screenouts.c.study_id == study_id)).scalar_one()


def load_screenouts(engine: Engine, study_id: str) -> list[dict[str, Any]]:
    """The screened-out participants, oldest first: ``participant``, ``at``, ``question``, ``answers``."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(screenouts).where(screenouts.c.study_id == study_id)
                            .order_by(screenouts.c.at, screenouts.c.participant_id)).mappings().all()
    return [{"participant": r["participant_id"], "at": _utc(r["at"]), "question": r["question_id"],
             "answers": json.loads(r["answers"] or "{}")} for r in rows]


def has_sort(engine: Engine, study_id: str, participant_id: str) -> bool:
    """Whether this participant has already submitted a sort in this study."""
    with engine.connect() as conn:
        return conn.execute(sa.select(sorts.c.id).where(
            sorts.c.study_id == study_id, sorts.c.participant_id == participant_id
        )).first() is not None


def count_card_exposure(engine: Engine, study_id: str) -> dict[str, int]:
    """How many participants were dealt each card: submitted sorts plus drafts in progress.

    A submitted sort counts the cards it placed; a draft counts every card on its
    board (``groups`` and ``unsorted`` of the board state). Cards never dealt are
    absent (read them as 0).
    """
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        placed = conn.execute(
            sa.select(placements.c.card_id, sa.func.count())
            .join(sorts, sorts.c.id == placements.c.sort_id)
            .where(sorts.c.study_id == study_id)
            .group_by(placements.c.card_id)
        ).all()
        states = conn.execute(sa.select(drafts.c.state).where(
            drafts.c.study_id == study_id, ~_has_submitted(drafts))).scalars().all()
    for card_id, n in placed:
        counts[card_id] = counts.get(card_id, 0) + n
    for raw in states:
        state = json.loads(raw)
        if not isinstance(state, dict):
            continue
        dealt = {c for g in state.get("groups") or [] if isinstance(g, dict) for c in g.get("cards") or []}
        dealt.update(state.get("unsorted") or [])
        for card_id in dealt:
            if isinstance(card_id, str):
                counts[card_id] = counts.get(card_id, 0) + 1
    return counts


def check_sort(study: Study, sort: Sort) -> None:
    """Raise ``ValueError`` if ``sort`` does not fit ``study``.

    Checks: known cards, each card at most once, known categories (closed and
    hybrid), no own groups in a closed sort.
    """
    known = study.card_by_id()
    cat_ids = {c.id for c in study.categories}
    seen: set[str] = set()
    for g in sort.groups:
        for card in g.cards:
            if card not in known:
                raise ValueError(f"participant {sort.participant_id!r}: unknown card {card!r}")
            if card in seen:
                raise ValueError(f"participant {sort.participant_id!r}: card {card!r} is placed twice")
            seen.add(card)
        if g.category_id is not None and g.category_id not in cat_ids:
            raise ValueError(f"participant {sort.participant_id!r}: unknown category {g.category_id!r}")
        if study.kind == "closed" and g.category_id is None:
            raise ValueError(
                f"participant {sort.participant_id!r}: the group {g.label!r} is not one of the "
                "study's categories, and a closed sort has no participant groups"
            )


def _insert_sort(conn: sa.Connection, study_id: str, sort: Sort) -> int:
    inserted = conn.execute(sorts.insert().values(
        study_id=study_id, participant_id=sort.participant_id, started_at=sort.started_at,
        finished_at=sort.finished_at, answers=json.dumps(sort.answers, ensure_ascii=False),
        excluded=False,
    )).inserted_primary_key
    assert inserted is not None  # an INSERT of one row always has its key
    sort_id = int(inserted[0])
    groups = [g for g in sort.groups if g.cards]
    if groups:
        conn.execute(sort_groups.insert(), [
            {"sort_id": sort_id, "idx": i, "label": g.label, "category_id": g.category_id}
            for i, g in enumerate(groups)
        ])
        conn.execute(placements.insert(), [
            {"sort_id": sort_id, "card_id": c, "group_idx": i, "position": p}
            for i, g in enumerate(groups) for p, c in enumerate(g.cards)
        ])
    if sort.tags:
        conn.execute(sort_tags.insert(), [{"sort_id": sort_id, "name": k, "value": v} for k, v in sort.tags.items()])
    return sort_id


def submit_sort(engine: Engine, study_id: str, sort: Sort) -> tuple[int, bool]:
    """Store a participant's finished sort, exactly once.

    Returns ``(sort_id, created)``. A second submission by the same participant
    (double click, reload, second tab) returns the first one's id with
    ``created=False`` and stores nothing. The participant's draft is removed in
    the same transaction.

    Raises :class:`StudyClosed`, storing nothing, when the study's panel quota is reached or its
    ``closes_at`` passed and the participant was not already in progress (see :func:`cardsort.panel.accepts`).
    """
    study = get_study(engine, study_id)
    check_sort(study, sort)
    if sort.finished_at is None:
        sort = replace(sort, finished_at=utcnow())
    existing = sa.select(sorts.c.id).where(
        sorts.c.study_id == study_id, sorts.c.participant_id == sort.participant_id)
    with engine.begin() as conn:
        found = conn.execute(existing).scalar()
        if found is not None:  # also clear a draft a late autosave of another process may have left
            conn.execute(drafts.delete().where(
                drafts.c.study_id == study_id, drafts.c.participant_id == sort.participant_id))
            return found, False
        _check_open(conn, study_id, study.panel, sort.participant_id)
        try:
            with conn.begin_nested():
                sort_id = _insert_sort(conn, study_id, sort)
        except sa.exc.IntegrityError:  # a concurrent submission won the race
            return conn.execute(existing).scalar_one(), False
        conn.execute(drafts.delete().where(
            drafts.c.study_id == study_id, drafts.c.participant_id == sort.participant_id))
    return sort_id, True


class StudyClosed(ValueError):
    """The study's quota is reached or its closing time passed, and the participant was not in progress."""


def _completed(conn: sa.Connection, study_id: str) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(sorts).where(
        sorts.c.study_id == study_id, sorts.c.excluded.is_(False))).scalar_one()


def completed_count(engine: Engine, study_id: str) -> int:
    """Completed, non-excluded sorts of a study: what a panel quota counts."""
    with engine.connect() as conn:
        return _completed(conn, study_id)


def _check_open(conn: sa.Connection, study_id: str, panel: Panel, participant_id: str) -> None:
    if panel.quota is None and panel.closes_at is None:
        return
    started = conn.execute(sa.select(drafts.c.started_at).where(
        drafts.c.study_id == study_id, drafts.c.participant_id == participant_id)).scalar()
    if not accepts(panel, _completed(conn, study_id), utcnow(), in_progress_since=_utc(started)):
        raise StudyClosed(f"study {study_id!r} takes no new sorts: its quota is reached or its closing time passed")


MAX_LISTED_IN_DETAIL = 100  # participant ids a change's detail lists (an import of thousands gives counts only)


def import_sorts(engine: Engine, study_id: str, new_sorts: Iterable[Sort], *, skip_existing: bool = False,
                 actor: str | None = None, source: str | None = None) -> int:
    """Store many submitted sorts in one transaction; returns how many were stored.

    Every sort is checked against the study first; a participant who already has
    a sort in the study is an error, or, with ``skip_existing``, left out (their
    stored sort is kept as it is). On any error nothing is stored. An import that stores
    sorts is recorded (``sorts.imported``) as made by ``actor`` from ``source`` (the file's name).
    """
    new_sorts = list(new_sorts)

    def describe(stored: list[str], skipped: list[str]) -> tuple[str, str, dict[str, Any]]:
        summary = f"Imported {_plural(len(stored), 'sort')}" + (f" from {source}" if source else "")
        if skipped:
            summary += f"; skipped {_plural(len(skipped), 'participant')} who already had sorts"
        detail: dict[str, Any] = {"source": source, "imported": len(stored), "skipped": len(skipped)}
        if len(stored) + len(skipped) <= MAX_LISTED_IN_DETAIL:
            detail |= {"participants": stored, "skipped_participants": skipped}
        return "sorts.imported", summary, detail

    return _store_sorts(engine, study_id, new_sorts, skip_existing, actor, describe)


def enter_paper_sort(engine: Engine, study_id: str, sort: Sort, *, actor: str | None = None) -> None:
    """Store one paper sort typed in by a researcher (checked by :func:`cardsort.paper.paper_sort`), recorded as
    ``sort.paper``; raises ``ValueError``, storing nothing, when the participant already has a sort."""
    def describe(stored: list[str], skipped: list[str]) -> tuple[str, str, dict[str, Any]]:
        groups = [g for g in sort.groups if g.cards]
        placed = sum(len(g.cards) for g in groups)
        return ("sort.paper", f"Entered the paper sort of participant “{sort.participant_id}” "
                f"({_plural(len(groups), 'group')}, {_plural(placed, 'card')})",
                {"participant": sort.participant_id, "groups": len(groups), "cards": placed})

    _store_sorts(engine, study_id, [sort], False, actor, describe)


def _store_sorts(engine: Engine, study_id: str, new_sorts: list[Sort], skip_existing: bool, actor: str | None,
                 describe: Callable[[list[str], list[str]], tuple[str, str, dict[str, Any]]]) -> int:
    study = get_study(engine, study_id)
    for s in new_sorts:
        check_sort(study, s)
    stored: list[str] = []
    skipped: list[str] = []
    with engine.begin() as conn:
        existing = set(conn.execute(
            sa.select(sorts.c.participant_id).where(sorts.c.study_id == study_id)).scalars())
        for s in new_sorts:
            if s.participant_id in existing:
                if skip_existing:
                    skipped.append(s.participant_id)
                    continue
                raise ValueError(f"participant {s.participant_id!r} already has a sort in this study")
            existing.add(s.participant_id)
            _insert_sort(conn, study_id, s)
            stored.append(s.participant_id)
        if stored:
            now = utcnow()
            conn.execute(studies.update().where(studies.c.id == study_id).values(updated_at=now))
            action, summary, detail = describe(stored, skipped)
            _changes.record(conn, actor=actor, action=action, summary=summary, study_id=study_id, detail=detail,
                            at=now)
    return len(stored)


def participants_with_sorts(engine: Engine, study_id: str, participant_ids: Iterable[str]) -> list[str]:
    """Those of ``participant_ids`` who already have a sort in the study, in the order given."""
    wanted = list(dict.fromkeys(participant_ids))
    found: set[str] = set()
    with engine.connect() as conn:
        for start in range(0, len(wanted), 500):  # bounded IN lists
            found.update(conn.execute(sa.select(sorts.c.participant_id).where(
                sorts.c.study_id == study_id, sorts.c.participant_id.in_(wanted[start:start + 500]))).scalars())
    return [p for p in wanted if p in found]


def load_sorts(engine: Engine, study_id: str, *, include_excluded: bool = True,
               groups: bool = True) -> list[Sort]:
    """Submitted sorts of a study, oldest first.

    With ``groups=False`` only the sorts' times and answers are read, and every sort's ``groups``
    is empty: for pages that show those without the placements (see :func:`load_placements`).
    """
    query = sa.select(sorts).where(sorts.c.study_id == study_id).order_by(sorts.c.id)
    if not include_excluded:
        query = query.where(sorts.c.excluded.is_(False))
    with engine.connect() as conn:
        sort_rows = conn.execute(query).mappings().all()
        ids = [r["id"] for r in sort_rows]
        group_rows: dict[int, list] = {i: [] for i in ids}
        card_rows: dict[tuple[int, int], list[str]] = {}
        tag_rows: dict[int, dict[str, str]] = {}
        if ids:
            for r in conn.execute(sa.select(sort_tags).join(sorts, sorts.c.id == sort_tags.c.sort_id)
                                  .where(sorts.c.study_id == study_id)
                                  .order_by(sort_tags.c.sort_id, sort_tags.c.name)):
                tag_rows.setdefault(r.sort_id, {})[r.name] = r.value
        if ids and groups:
            sub = sa.select(sorts.c.id).where(sorts.c.study_id == study_id)
            for r in conn.execute(sa.select(sort_groups).where(sort_groups.c.sort_id.in_(sub))
                                  .order_by(sort_groups.c.sort_id, sort_groups.c.idx)):
                if r.sort_id in group_rows:
                    group_rows[r.sort_id].append(r)
            for r in conn.execute(sa.select(placements).where(placements.c.sort_id.in_(sub))
                                  .order_by(placements.c.sort_id, placements.c.group_idx, placements.c.position)):
                card_rows.setdefault((r.sort_id, r.group_idx), []).append(r.card_id)
    return [
        Sort(
            participant_id=r["participant_id"],
            groups=tuple(Group(g.label, tuple(card_rows.get((r["id"], g.idx), ())), g.category_id)
                         for g in group_rows[r["id"]]),
            started_at=_utc(r["started_at"]), finished_at=_utc(r["finished_at"]),
            answers=json.loads(r["answers"] or "{}"), tags=tag_rows.get(r["id"], {}),
        )
        for r in sort_rows
    ]


MAX_IN_LIST = 5000  # participants one query may name (SQLite allows 32,766 parameters; PostgreSQL 65,535)


@dataclass(frozen=True)
class StoredPlacements:
    """A study's stored placements as arrays (see :func:`load_placements`).

    Attributes
    ----------
    participants : tuple of str, shape (n_participants,)
        Participants with at least one placement, oldest sort first.
    card_ids : tuple of str, shape (n_card_ids,)
        The distinct card ids placed (cards since removed from the study too).
    card : ndarray of int64, shape (n_placements,)
        Each placement's card, an index into ``card_ids``.
    group : ndarray of int64, shape (n_placements,)
        Each placement's stored group, an index into the ``group_*`` attributes.
    group_participant, group_index : ndarray of int64, shape (n_groups,)
        Each stored group's participant (index into ``participants``) and its place in the
        participant's sort (``sort_groups.idx``: 0 for the first group).
    group_labels : tuple of str, shape (n_groups,)
        The label the participant gave the group ('' when unnamed).
    group_category_ids : tuple of (str or None), shape (n_groups,)
        The study's category the group stands for (``None`` for a participant's own group).

    Placements are in the order of :func:`load_sorts`: sort, group, place in the group.
    """

    participants: tuple[str, ...]
    card_ids: tuple[str, ...]
    card: np.ndarray
    group: np.ndarray
    group_participant: np.ndarray
    group_index: np.ndarray
    group_labels: tuple[str, ...]
    group_category_ids: tuple[str | None, ...]


def load_placements(engine: Engine, study_id: str, *, include_excluded: bool = False,
                    participants: Collection[str] | None = None) -> StoredPlacements:
    """Every placement of a study's submitted sorts, in one SQL query, as arrays.

    What :func:`load_sorts` reads, without a Python object per sort or group: the query
    returns one row per placement (sort, group and place as integers, the card's id), and the participant's
    id, the group's label and its category id only on the first placement of each sort and
    group (the others carry NULL), so texts are read once. Excluded sorts are left out unless
    ``include_excluded``; with ``participants`` (at most :data:`MAX_IN_LIST`), only their sorts are read.
    """
    first = placements.c.position == 0  # places and group indices count from 0 (see _insert_sort)
    query = (
        sa.select(placements.c.sort_id, placements.c.group_idx, placements.c.position, placements.c.card_id,
                  sa.case((sa.and_(first, placements.c.group_idx == 0), sorts.c.participant_id)),
                  sort_groups.c.label, sort_groups.c.category_id)
        .select_from(placements.join(sorts, sorts.c.id == placements.c.sort_id)
                     .outerjoin(sort_groups, sa.and_(sort_groups.c.sort_id == placements.c.sort_id,
                                                     sort_groups.c.idx == placements.c.group_idx, first)))
        .where(sorts.c.study_id == study_id)
    )
    if not include_excluded:
        query = query.where(sorts.c.excluded.is_(False))
    if participants is not None:
        if len(participants) > MAX_IN_LIST:
            raise ValueError(f"at most {MAX_IN_LIST:,} participants can be chosen in the query, not "
                             f"{len(participants):,}")
        query = query.where(sorts.c.participant_id.in_(sorted(participants)))
    with engine.connect() as conn:
        result = conn.execute(query)
        rows = result.cursor.fetchall()  # plain tuples of ints and texts: no row objects needed
        result.close()
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return StoredPlacements((), (), empty, empty, empty, empty, (), ())
    sort_ids, group_idxs, positions, card_id, participant, label, category = zip(*rows)
    sort_id, group_idx, position = (np.array(col, dtype=np.int64) for col in (sort_ids, group_idxs, positions))
    codes: dict[str, int] = {}  # card ids to integers here, not in a join: a join's plan depends on statistics
    card = np.array([codes.setdefault(c, len(codes)) for c in card_id], dtype=np.int64)
    order = np.lexsort((position, group_idx, sort_id))  # the query leaves the order to the database
    sort_id, group_idx, position = sort_id[order], group_idx[order], position[order]
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = (sort_id[1:] != sort_id[:-1]) | (group_idx[1:] != group_idx[:-1])
    sort_starts = np.ones(len(order), dtype=bool)
    sort_starts[1:] = sort_id[1:] != sort_id[:-1]
    first_rows = order[starts].tolist()
    if position[starts].any() or group_idx[sort_starts].any() or any(label[i] is None for i in first_rows):
        raise ValueError(f"study {study_id!r} has sorts whose groups or placements are not stored as submit_sort "
                         "stores them (a group missing, or not counted from 0)")
    return StoredPlacements(
        participants=tuple(participant[i] for i in order[sort_starts].tolist()),
        card_ids=tuple(codes), card=card[order], group=np.cumsum(starts) - 1,
        group_participant=np.cumsum(sort_starts)[starts] - 1, group_index=group_idx[starts],
        group_labels=tuple(label[i] for i in first_rows),
        group_category_ids=tuple(category[i] for i in first_rows),
    )


def participant_counts(engine: Engine, study_id: str) -> dict[str, int]:
    """``{"completed": n, "in_progress": n}`` for a study."""
    with engine.connect() as conn:
        done = conn.execute(sa.select(sa.func.count()).where(sorts.c.study_id == study_id)).scalar_one()
        drafting = conn.execute(sa.select(sa.func.count()).where(
            drafts.c.study_id == study_id, ~_has_submitted(drafts))).scalar_one()
    return {"completed": done, "in_progress": drafting}


def _has_submitted(table: sa.Table) -> sa.ColumnElement[bool]:
    """Whether the participant of a drafts row already submitted (a stale draft is not "in progress")."""
    return sa.exists().where(sorts.c.study_id == table.c.study_id,
                             sorts.c.participant_id == table.c.participant_id)


def set_excluded(engine: Engine, study_id: str, participant_id: str, excluded: bool, *,
                 actor: str | None = None) -> None:
    """Exclude or include one participant's sort (see :func:`set_exclusions`)."""
    set_exclusions(engine, study_id, {participant_id: excluded}, actor=actor)


def is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(studies)).scalar_one() == 0


__all__ = [
    "NotFound", "Settings", "check_sort", "count_card_exposure", "create_study", "database_url",
    "duplicate_study", "get_draft", "has_sort", "get_study", "import_sorts", "is_empty", "list_studies", "load_sorts",
    "make_engine", "new_study_id", "parse_time", "participant_counts", "save_draft",
    "set_excluded", "set_status", "submit_sort", "update_study", "StoredPlacements", "load_placements",
]


# --- analysis decisions: label standardisation, exclusions, notes ----------------------------------
# Every write below also moves the study's ``updated_at``, so cached analyses keyed on it recompute.

DECISION_STATUSES = ("accepted", "rejected", "edited")

label_decisions = sa.Table(
    "label_decisions", metadata,
    sa.Column("study_id", sa.ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("label_key", sa.Text, primary_key=True),
    sa.Column("standard_label", sa.Text, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
)
study_notes = sa.Table(
    "study_notes", metadata,
    sa.Column("study_id", sa.ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)


def _touch_study(conn: sa.Connection, study_id: str) -> None:
    if not conn.execute(studies.update().where(studies.c.id == study_id).values(updated_at=utcnow())).rowcount:
        raise NotFound(f"no study with id {study_id!r}")


def describe_label_decisions(rows: list[dict[str, str]]) -> tuple[str, str, dict[str, Any]]:
    """``(action, summary, detail)`` of saving these label decisions (see :func:`save_label_decisions`)."""
    keys = [d["label_key"] for d in rows]
    statuses = {d["status"] for d in rows}
    names = list(dict.fromkeys(d["standard_label"] for d in rows))
    detail: dict[str, Any] = {"labels": keys, "statuses": sorted(statuses), "standard_labels": names}
    if statuses <= {"accepted", "edited"} and len(names) == 1:
        edited = " (name or labels edited)" if "edited" in statuses else ""
        return ("labels.accepted", f"Merged {_plural(len(keys), 'label')} as “{names[0]}”{edited}: {_listed(keys)}",
                detail)
    if statuses == {"rejected"}:
        return "labels.rejected", f"Rejected merging {_plural(len(keys), 'label')}: {_listed(keys)}", detail
    return "labels.decided", f"Decided on {_plural(len(keys), 'label')}: {_listed(keys)}", detail


def save_label_decisions(engine: Engine, study_id: str, decisions: Iterable[dict[str, str]], *,
                         actor: str | None = None) -> int:
    """Insert or replace label decisions, in one transaction; returns how many.

    Each decision is ``{"label_key", "standard_label", "status"}``: ``label_key`` is a
    :func:`cardsort.naming.normalise_label` key, ``status`` one of :data:`DECISION_STATUSES`.
    Recorded as made by ``actor`` (:func:`describe_label_decisions`).
    """
    rows = list(decisions)
    for d in rows:
        if d["status"] not in DECISION_STATUSES:
            raise ValueError(f"status must be one of {', '.join(DECISION_STATUSES)}, not {d['status']!r}")
        if not d["label_key"]:
            raise ValueError("label_key must not be empty")
    now = utcnow()
    with engine.begin() as conn:
        _touch_study(conn, study_id)
        keys = [d["label_key"] for d in rows]
        if keys:
            conn.execute(label_decisions.delete().where(
                label_decisions.c.study_id == study_id, label_decisions.c.label_key.in_(keys)))
            conn.execute(label_decisions.insert(), [
                {"study_id": study_id, "label_key": d["label_key"], "standard_label": d["standard_label"],
                 "status": d["status"], "decided_at": now} for d in rows])
            action, summary, detail = describe_label_decisions(rows)
            _changes.record(conn, actor=actor, action=action, summary=summary, study_id=study_id, detail=detail,
                            at=now)
    return len(rows)


def delete_label_decisions(engine: Engine, study_id: str, label_keys: Iterable[str], *,
                           actor: str | None = None) -> None:
    """Forget the decisions on these label keys (undo), so they can be suggested again.

    Recorded (``labels.undone``) when a decision was there to forget.
    """
    keys = list(label_keys)
    with engine.begin() as conn:
        _touch_study(conn, study_id)
        if keys:
            mine = sa.and_(label_decisions.c.study_id == study_id, label_decisions.c.label_key.in_(keys))
            undone = conn.execute(sa.select(label_decisions.c.label_key, label_decisions.c.status).where(mine)
                                  .order_by(label_decisions.c.label_key)).all()
            conn.execute(label_decisions.delete().where(mine))
            if undone:
                _changes.record(conn, actor=actor, action="labels.undone", study_id=study_id,
                                summary=f"Undid the decisions on {_plural(len(undone), 'label')}: "
                                        f"{_listed([k for k, _ in undone])}",
                                detail={"labels": {k: status for k, status in undone}})


def load_label_decisions(engine: Engine, study_id: str) -> list[dict[str, str]]:
    """The study's label decisions, ``[{"label_key", "standard_label", "status"}]`` by key."""
    query = (sa.select(label_decisions.c.label_key, label_decisions.c.standard_label, label_decisions.c.status)
             .where(label_decisions.c.study_id == study_id).order_by(label_decisions.c.label_key))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def save_study_notes(engine: Engine, study_id: str, notes: str, *, actor: str | None = None) -> None:
    """Store the UX lead's notes on a study (replacing earlier ones); recorded (``notes.saved``) when they changed."""
    now = utcnow()
    with engine.begin() as conn:
        _touch_study(conn, study_id)
        before = conn.execute(sa.select(study_notes.c.notes).where(study_notes.c.study_id == study_id)).scalar()
        if before is None:
            conn.execute(study_notes.insert().values(study_id=study_id, notes=notes, updated_at=now))
        else:
            conn.execute(study_notes.update().where(study_notes.c.study_id == study_id)
                         .values(notes=notes, updated_at=now))
        if notes != (before or ""):
            _changes.record(conn, actor=actor, action="notes.saved", study_id=study_id, at=now,
                            summary=f"Saved the notes for stakeholders ({_plural(len(notes), 'character')})",
                            detail={"characters": len(notes), "before": len(before or "")})


def load_study_notes(engine: Engine, study_id: str) -> str:
    """The UX lead's notes on a study ('' when none)."""
    with engine.connect() as conn:
        value = conn.execute(sa.select(study_notes.c.notes).where(study_notes.c.study_id == study_id)).scalar()
    return value or ""


def describe_exclusions(excluded: list[str], included: list[str]) -> tuple[str, str, dict[str, Any]]:
    """``(action, summary, detail)`` of excluding and including these participants (both in the order given)."""
    detail = {"excluded": excluded, "included": included}
    if excluded and included:
        return ("participant.exclusions", f"Excluded {_listed(excluded)} and included {_listed(included)} again",
                detail)
    if excluded:
        who = (f"participant “{excluded[0]}”" if len(excluded) == 1
               else f"{_plural(len(excluded), 'participant')} ({_listed(excluded)})")
        return "participant.excluded", f"Excluded {who} from the analyses", detail
    who = (f"participant “{included[0]}”" if len(included) == 1
           else f"{_plural(len(included), 'participant')} ({_listed(included)})")
    return "participant.included", f"Included {who} in the analyses again", detail


def set_exclusions(engine: Engine, study_id: str, excluded: dict[str, bool], *, actor: str | None = None) -> None:
    """Exclude (``True``) or include (``False``) many participants' sorts in one transaction.

    Raises :class:`NotFound`, changing nothing, when a participant has no sort in the study.
    The sorts whose flag changed are recorded in one change made by ``actor`` (:func:`describe_exclusions`);
    nothing is recorded when every flag already was as asked.
    """
    newly: dict[bool, list[str]] = {True: [], False: []}
    with engine.begin() as conn:
        _touch_study(conn, study_id)
        for participant_id, flag in excluded.items():
            mine = sa.and_(sorts.c.study_id == study_id, sorts.c.participant_id == participant_id)
            was = conn.execute(sa.select(sorts.c.excluded).where(mine)).scalar()
            if was is None:
                raise NotFound(f"no sort by participant {participant_id!r} in study {study_id!r}")
            if bool(was) != bool(flag):
                conn.execute(sorts.update().where(mine).values(excluded=bool(flag)))
                newly[bool(flag)].append(participant_id)
        if newly[True] or newly[False]:
            action, summary, detail = describe_exclusions(newly[True], newly[False])
            _changes.record(conn, actor=actor, action=action, summary=summary, study_id=study_id, detail=detail)


def excluded_participants(engine: Engine, study_id: str) -> set[str]:
    """Ids of the participants whose sorts are excluded from analysis."""
    with engine.connect() as conn:
        return set(conn.execute(sa.select(sorts.c.participant_id).where(
            sorts.c.study_id == study_id, sorts.c.excluded.is_(True))).scalars())


__all__ += [
    "DECISION_STATUSES", "delete_label_decisions", "excluded_participants", "load_label_decisions",
    "load_study_notes", "save_label_decisions", "save_study_notes", "set_exclusions",
]


# --- deleting: a whole study, or one participant's sort ----------------------------------------------

def deletion_counts(engine: Engine, study_id: str) -> dict[str, int]:
    """What :func:`delete_study` would remove: ``{"cards", "categories", "sorts", "drafts",
    "label_decisions", "notes"}`` (drafts counts every saved board, stale ones too).

    Raises :class:`NotFound` for an unknown study.
    """
    counted = {"cards": cards, "categories": categories, "sorts": sorts, "drafts": drafts,
               "label_decisions": label_decisions, "notes": study_notes}
    with engine.connect() as conn:
        if conn.execute(sa.select(studies.c.id).where(studies.c.id == study_id)).first() is None:
            raise NotFound(f"no study with id {study_id!r}")
        return {name: conn.execute(sa.select(sa.func.count()).select_from(table)
                                   .where(table.c.study_id == study_id)).scalar_one()
                for name, table in counted.items()}


def delete_study(engine: Engine, study_id: str, *, actor: str | None = None) -> dict[str, int]:
    """Delete a study and everything keyed to it, in one transaction; returns what went (see
    :func:`deletion_counts`).

    Its cards, categories, sorts (with their groups and placements, so exclusions go too),
    drafts, label decisions and notes are deleted explicitly rather than left to the
    databases' cascades. Raises :class:`NotFound`, deleting nothing, for an unknown study.
    The deletion is recorded (``study.deleted``, made by ``actor``); the study's earlier changes stay.
    """
    gone: dict[str, int] = {}
    own_sorts = sa.select(sorts.c.id).where(sorts.c.study_id == study_id)
    with engine.begin() as conn:
        study_name = conn.execute(sa.select(studies.c.name).where(studies.c.id == study_id)
                                  .with_for_update()).scalar()
        if study_name is None:
            raise NotFound(f"no study with id {study_id!r}")
        conn.execute(placements.delete().where(placements.c.sort_id.in_(own_sorts)))
        conn.execute(sort_groups.delete().where(sort_groups.c.sort_id.in_(own_sorts)))
        conn.execute(sort_tags.delete().where(sort_tags.c.sort_id.in_(own_sorts)))
        conn.execute(screenouts.delete().where(screenouts.c.study_id == study_id))
        conn.execute(study_owners.delete().where(study_owners.c.study_id == study_id))
        for name, table in (("sorts", sorts), ("drafts", drafts), ("label_decisions", label_decisions),
                            ("notes", study_notes), ("cards", cards), ("categories", categories)):
            gone[name] = conn.execute(table.delete().where(table.c.study_id == study_id)).rowcount
        conn.execute(studies.delete().where(studies.c.id == study_id))
        counts = {part: gone[part] for part in ("cards", "categories", "sorts", "drafts", "label_decisions", "notes")}
        _changes.record(conn, actor=actor, action="study.deleted", study_id=study_id,
                        detail={"name": study_name, **counts},
                        summary=f"Deleted the study “{study_name}” with its {_plural(counts['sorts'], 'sort')} and "
                                f"{_plural(counts['cards'], 'card')}")
    return counts


def participant_ids(engine: Engine, study_id: str) -> list[str]:
    """Ids of the participants with a submitted sort in the study, oldest sort first."""
    with engine.connect() as conn:
        return list(conn.execute(sa.select(sorts.c.participant_id).where(sorts.c.study_id == study_id)
                                 .order_by(sorts.c.id)).scalars())


def delete_sort(engine: Engine, study_id: str, participant_id: str, *, actor: str | None = None) -> None:
    """Delete one participant's sort (its groups, placements and exclusion) and any draft of theirs.

    One transaction; moves the study's ``updated_at`` so analyses recompute. Raises
    :class:`NotFound`, deleting nothing, when the participant has no sort in the study. Recorded
    (``sort.deleted``) as made by ``actor``.
    """
    with engine.begin() as conn:
        sort_id = conn.execute(sa.select(sorts.c.id).where(
            sorts.c.study_id == study_id, sorts.c.participant_id == participant_id)).scalar()
        if sort_id is None:
            raise NotFound(f"no sort by participant {participant_id!r} in study {study_id!r}")
        conn.execute(placements.delete().where(placements.c.sort_id == sort_id))
        conn.execute(sort_groups.delete().where(sort_groups.c.sort_id == sort_id))
        conn.execute(sort_tags.delete().where(sort_tags.c.sort_id == sort_id))
        conn.execute(sorts.delete().where(sorts.c.id == sort_id))
        conn.execute(drafts.delete().where(drafts.c.study_id == study_id, drafts.c.participant_id == participant_id))
        _touch_study(conn, study_id)
        _changes.record(conn, actor=actor, action="sort.deleted", study_id=study_id,
                        summary=f"Deleted the sort of participant “{participant_id}”",
                        detail={"participant": participant_id})


__all__ += ["count_screenouts", "is_screened_out", "load_screenouts", "record_screenout"]
__all__ += ["delete_sort", "delete_study", "deletion_counts", "participant_ids", "set_archived"]
__all__ += ["StudyClosed", "completed_count"]
__all__ += ["describe_edit", "describe_exclusions", "describe_label_decisions", "enter_paper_sort"]
