"""Audit workers: the ``audit_jobs`` columns of jobs claimed by workers (``a11y/jobs.py``, ``a11y/worker.py``).

Revision 0004, after 0003. ``attempts`` (starts so far), ``claimed_by`` (the worker, ``host:pid``),
``lease_until`` (when a silent worker's job may be taken over), ``pinned_to`` (the server process holding
the job's secrets), ``policy`` (the URL policy the request was checked with), and the index the claim
reads the queue by. Jobs already in the table get ``attempts`` 0 (added nullable, filled, then made
NOT NULL: no server default) and no lease, pin or policy (a job without a policy is run with the defaults).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_jobs") as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("pinned_to", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("policy", sa.Text(), nullable=True))
    # the jobs already there were never claimed; then NOT NULL, as the code declares it (no server default)
    op.execute(sa.table("audit_jobs", sa.column("attempts", sa.Integer())).update().values(attempts=0))
    with op.batch_alter_table("audit_jobs") as batch_op:
        batch_op.alter_column("attempts", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index("audit_jobs_status", ["status", "created_at"])


def downgrade() -> None:
    with op.batch_alter_table("audit_jobs") as batch_op:
        batch_op.drop_index("audit_jobs_status")
        batch_op.drop_column("policy")
        batch_op.drop_column("pinned_to")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("attempts")
