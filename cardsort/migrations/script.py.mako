"""${message}

Revision ${up_revision}, after ${down_revision | comma,n} (${create_date}). Written by ``python -m cardsort db revision``:
read the operations, keep them portable (SQLite and PostgreSQL), then commit.
"""

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
