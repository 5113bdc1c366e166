"""Named researcher accounts and failed sign-ins (``cardsort/accounts.py``).

Revision 0003, after 0002. ``accounts``: email (unique, lower-cased), name, role (admin, researcher,
viewer), scrypt password hash, created and disabled times. ``signin_failures``: SHA-256 digests of the
email or client address whose sign-in failed, and when (the rate limit reads them).
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "signin_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("signin_failures_by_subject", "signin_failures", ["kind", "subject", "at"])


def downgrade() -> None:
    op.drop_index("signin_failures_by_subject", table_name="signin_failures")
    op.drop_table("signin_failures")
    op.drop_table("accounts")
