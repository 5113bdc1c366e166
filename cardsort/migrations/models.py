"""Every table the code declares, what the migrations must match (``db check``) and what ``db revision`` compares.

The one place in ``cardsort/`` that names ``a11y/`` (docs/architecture.md, "Dependencies"): the database is shared,
so its migrations know the audit tables too. Imported only when comparing, never by the app's own code paths.
A module that declares tables on a new ``MetaData`` adds it here.
"""

from __future__ import annotations

import sqlalchemy as sa


def metadata() -> list[sa.MetaData]:
    from a11y import history, jobs  # jobs puts audit_jobs on history's metadata
    from cardsort import changes, store

    assert jobs.audit_jobs.metadata is history.metadata
    return [store.metadata, history.metadata, changes.metadata]
