"""The schema of gpuq 0.x before migrations (``gpuq_meta`` schema_version 1): users, jobs, workers, meta.

A store made by that release has exactly these tables and no
``alembic_version``; ``create_schema`` marks it as at this revision and
upgrades it from here.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the four tables of schema version 1."""
    op.create_table(
        "gpuq_users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "gpuq_jobs",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("gpuq_users.id"), nullable=False),
        sa.Column("backend", sa.String(200), nullable=False),
        sa.Column("needs_gpu", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("qobj_id", sa.String(200), nullable=False),
        sa.Column("qobj", sa.Text, nullable=False),
        sa.Column("result", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=True),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("queue_order", sa.BigInteger, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("cancel_requested", sa.Boolean, nullable=False),
        sa.Column("worker", sa.String(300), nullable=True),
        sa.Column("worker_space", sa.String(200), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_gpuq_jobs_queue", "gpuq_jobs", ["status", "queue_order", "seq"])
    op.create_index("ix_gpuq_jobs_order", "gpuq_jobs", ["queue_order"])
    op.create_index("ix_gpuq_jobs_user_created", "gpuq_jobs", ["user_id", "created_at", "seq"])
    op.create_table(
        "gpuq_workers",
        sa.Column("name", sa.String(300), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("has_gpu", sa.Boolean, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("seen_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "gpuq_meta",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    """Drop every table of the store."""
    for table in ("gpuq_meta", "gpuq_workers", "gpuq_jobs", "gpuq_users"):
        op.drop_table(table)
