"""Alembic's environment: migrate the connection :mod:`cardsort.migrate` hands over (``config.attributes``).

Online only, in the caller's transaction (which holds the migration lock). The code's tables
(``target_metadata``) are handed over only to write a revision: an upgrade runs the revisions alone.
Batch mode renders SQLite's table-copying ALTERs when a later revision changes a table.
"""

from alembic import context

attributes = context.config.attributes
connection = attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("run migrations through python -m cardsort db (cardsort.migrate), which hands over a connection")
context.configure(connection=connection, target_metadata=attributes.get("target_metadata"),
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
