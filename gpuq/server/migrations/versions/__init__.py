"""One module per change of the job store's schema, oldest first (Alembic revisions)."""
