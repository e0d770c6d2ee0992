"""Alembic's entry point: run the migrations on the connection ``db.create_schema`` passes in.

There is no ``alembic.ini``: ``create_schema`` builds the configuration,
takes the lock that serialises processes opening the store at once, and
hands over its connection, which is already inside a transaction.
"""

from __future__ import annotations

from alembic import context

from gpuq.server.db import metadata

context.configure(connection=context.config.attributes["connection"], target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
