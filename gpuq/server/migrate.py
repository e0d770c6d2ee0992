"""Run the job store's Alembic migrations (``migrations/``) on a connection that holds the store's lock.

A store made before migrations existed has the tables of revision 0001 but
no ``alembic_version``: it is marked as at 0001, then upgraded. An empty
database is built by the migrations from the start, so a new store and an
upgraded one get the same schema by the same steps.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import Connection

from ..exceptions import StoreError

log = logging.getLogger("gpuq.server")

SCRIPTS = Path(__file__).with_name("migrations")
BEFORE_MIGRATIONS = "0001"
"""The revision whose tables a store made before migrations already has."""


def migrate(conn: Connection, tables: set[str]) -> None:
    """Upgrade the store on ``conn`` (inside its transaction) to the newest revision this gpuq knows.

    Raises:
        StoreError: the store is at a revision this gpuq does not know (made by a newer gpuq).
    """
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["connection"] = conn
    scripts = ScriptDirectory.from_config(config)
    current = MigrationContext.configure(conn).get_current_revision()
    if current == scripts.get_current_head():
        return
    if current is None and "gpuq_jobs" in tables:
        command.stamp(config, BEFORE_MIGRATIONS)
    elif current is not None:
        try:
            scripts.get_revision(current)
        except CommandError as exc:
            raise StoreError(
                f"the job store is at schema revision {current}, which this gpuq does not know; upgrade gpuq"
            ) from exc
    command.upgrade(config, "head")
    if "gpuq_jobs" in tables:  # an existing store, not a new one
        log.info(
            "job store schema upgraded from revision %s to %s", current or BEFORE_MIGRATIONS, scripts.get_current_head()
        )
