"""Who changed what: the ``changes`` table (``cardsort/changes.py``).

Revision 0002, after 0001. One row per researcher change (study edits, exclusions, label decisions,
imports, paper sorts, audit runs), written in the change's own transaction; no foreign key, so a
deleted study keeps its history.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("study_id", sa.String(length=40), nullable=True),
        sa.Column("job_id", sa.String(length=32), nullable=True),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("changes_by_job", "changes", ["job_id", "at"])
    op.create_index("changes_by_study", "changes", ["study_id", "at"])


def downgrade() -> None:
    op.drop_index("changes_by_study", table_name="changes")
    op.drop_index("changes_by_job", table_name="changes")
    op.drop_table("changes")
