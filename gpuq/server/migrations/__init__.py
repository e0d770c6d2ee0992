"""Alembic migrations of the job store's schema, run by ``db.create_schema`` whenever a store is opened.

``versions/`` holds one module per schema change; ``env.py`` runs them on
the connection ``create_schema`` gives it, inside its transaction and lock.
"""
