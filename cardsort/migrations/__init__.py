"""Alembic's migration environment of the whole database (``env.py``, ``versions/``); run by :mod:`cardsort.migrate`."""
