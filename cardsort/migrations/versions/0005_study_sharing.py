"""Study sharing: who owns a study and whether the team sees it (``cardsort/store.py``, ``study_owners``).

Revision 0005, after 0004. ``study_owners``: one row per study made in the app by a signed-in account
(``owner_account_id``, an account id, no foreign key: the accounts are another metadata) and whether it is
``shared`` with the team. Studies made before (no row) stay team studies that every account sees.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "study_owners",
        sa.Column("study_id", sa.String(length=40), nullable=False),
        sa.Column("owner_account_id", sa.Integer(), nullable=True),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["study_id"], ["studies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("study_id"),
    )


def downgrade() -> None:
    op.drop_table("study_owners")
