"""The tables of release 0.3, the last one made by create_all: card sorting (cardsort/store.py) and audits
(a11y/history.py, a11y/jobs.py).

Also adopts a database that release made (its tables, no alembic_version): a table already there is kept with
its rows, after checking it has the columns below; a missing one (the audit tables appeared on first use) is
created. Written by hand from the models as they were (main f3ef2ad); defaults are the code's (``default=``),
not the database's, as create_all made them, so no server defaults.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = ("studies", "cards", "categories", "drafts", "sorts", "sort_groups", "placements", "sort_tags",
          "screenouts", "label_decisions", "study_notes", "audits", "audit_screenshots", "audit_jobs")
"""In creation order (a table after those it refers to); read by cardsort.migrate to recognise an old database."""


def _study_id() -> sa.Column:
    return sa.Column("study_id", sa.String(40), sa.ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True)


def _sort_id() -> sa.Column:
    return sa.Column("sort_id", sa.Integer, sa.ForeignKey("sorts.id", ondelete="CASCADE"), primary_key=True)


def _tables() -> dict[str, list]:
    when = sa.DateTime(timezone=True)
    return {
        "studies": [
            sa.Column("id", sa.String(40), primary_key=True),
            sa.Column("name", sa.Text, nullable=False),
            sa.Column("kind", sa.String(10), nullable=False),
            sa.Column("language", sa.String(35), nullable=False),
            sa.Column("status", sa.String(10), nullable=False),
            sa.Column("settings", sa.Text, nullable=False),
            sa.Column("created_at", when, nullable=False),
            sa.Column("updated_at", when, nullable=False),
        ],
        "cards": [
            _study_id(),
            sa.Column("id", sa.String(100), primary_key=True),
            sa.Column("position", sa.Integer, nullable=False),
            sa.Column("label", sa.Text, nullable=False),
            sa.Column("description", sa.Text),
            sa.Column("image", sa.Text),
        ],
        "categories": [
            _study_id(),
            sa.Column("id", sa.String(100), primary_key=True),
            sa.Column("position", sa.Integer, nullable=False),
            sa.Column("label", sa.Text, nullable=False),
        ],
        "drafts": [
            _study_id(),
            sa.Column("participant_id", sa.String(200), primary_key=True),
            sa.Column("state", sa.Text, nullable=False),
            sa.Column("started_at", when, nullable=False),
            sa.Column("updated_at", when, nullable=False),
        ],
        "sorts": [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("study_id", sa.String(40), sa.ForeignKey("studies.id", ondelete="CASCADE"), nullable=False),
            sa.Column("participant_id", sa.String(200), nullable=False),
            sa.Column("started_at", when),
            sa.Column("finished_at", when),
            sa.Column("answers", sa.Text, nullable=False),
            sa.Column("excluded", sa.Boolean, nullable=False),
            sa.UniqueConstraint("study_id", "participant_id", name="one_sort_per_participant"),
        ],
        "sort_groups": [
            _sort_id(),
            sa.Column("idx", sa.Integer, primary_key=True),
            sa.Column("label", sa.Text, nullable=False),
            sa.Column("category_id", sa.String(100)),
        ],
        "placements": [
            _sort_id(),
            sa.Column("card_id", sa.String(100), primary_key=True),
            sa.Column("group_idx", sa.Integer, nullable=False),
            sa.Column("position", sa.Integer, nullable=False),
        ],
        "sort_tags": [
            _sort_id(),
            sa.Column("name", sa.String(50), primary_key=True),
            sa.Column("value", sa.Text, nullable=False),
        ],
        "screenouts": [
            _study_id(),
            sa.Column("participant_id", sa.String(200), primary_key=True),
            sa.Column("at", when, nullable=False),
            sa.Column("question_id", sa.String(40), nullable=False),
            sa.Column("answers", sa.Text, nullable=False),
        ],
        "label_decisions": [
            _study_id(),
            sa.Column("label_key", sa.Text, primary_key=True),
            sa.Column("standard_label", sa.Text, nullable=False),
            sa.Column("status", sa.String(10), nullable=False),
            sa.Column("decided_at", when, nullable=False),
        ],
        "study_notes": [
            _study_id(),
            sa.Column("notes", sa.Text, nullable=False),
            sa.Column("updated_at", when, nullable=False),
        ],
        "audits": [
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("site", sa.Text, nullable=False),
            sa.Column("started_at", when, nullable=False),
            sa.Column("finished_at", when, nullable=False),
            sa.Column("standard", sa.String(20), nullable=False),
            sa.Column("axe_version", sa.String(40), nullable=False),
            sa.Column("pages", sa.Integer, nullable=False),
            sa.Column("error_pages", sa.Integer, nullable=False),
            sa.Column("violations", sa.Integer, nullable=False),
            sa.Column("nodes", sa.Integer, nullable=False),
            sa.Column("screen_reader_nodes", sa.Integer, nullable=False),
            sa.Column("needs_review_nodes", sa.Integer, nullable=False),
            sa.Column("report", sa.Text, nullable=False),
        ],
        "audit_screenshots": [
            sa.Column("audit_id", sa.Integer, sa.ForeignKey("audits.id", ondelete="CASCADE"), primary_key=True),
            sa.Column("url", sa.Text, primary_key=True),
            sa.Column("rule", sa.String(100), primary_key=True),
            sa.Column("fingerprint", sa.String(64), primary_key=True),
            sa.Column("png", sa.LargeBinary, nullable=False),
        ],
        "audit_jobs": [
            sa.Column("id", sa.String(32), primary_key=True),
            sa.Column("site", sa.Text, nullable=False),
            sa.Column("status", sa.String(12), nullable=False),
            sa.Column("request", sa.Text, nullable=False),
            sa.Column("done", sa.Integer, nullable=False),
            sa.Column("total", sa.Integer, nullable=False),
            sa.Column("current_url", sa.Text),
            sa.Column("cancel_requested", sa.Boolean, nullable=False),
            sa.Column("error", sa.Text),
            sa.Column("audit_id", sa.Integer),
            sa.Column("owner", sa.String(32), nullable=False),
            sa.Column("created_at", when, nullable=False),
            sa.Column("updated_at", when, nullable=False),
        ],
    }


INDEXES = {"ix_audits_site": ("audits", ["site"])}


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    existing = set(inspector.get_table_names())
    tables = _tables()
    assert tuple(tables) == TABLES
    for name, elements in tables.items():
        if name not in existing:
            op.create_table(name, *elements)
            continue
        wanted = [e.name for e in elements if isinstance(e, sa.Column)]
        have = {c["name"] for c in inspector.get_columns(name)}
        missing = [c for c in wanted if c not in have]
        if missing:
            raise ValueError(f"the database's table {name!r} has no column {', '.join(map(repr, missing))}: it was "
                             "not made by this app (release 0.3 or earlier), so it is left as it was")
    for index, (table, columns) in INDEXES.items():
        if table not in existing or index not in {i["name"] for i in inspector.get_indexes(table)}:
            op.create_index(index, table, columns)


def downgrade() -> None:
    for index, (table, _columns) in INDEXES.items():
        op.drop_index(index, table_name=table)
    for name in reversed(TABLES):
        op.drop_table(name)
