"""Fair share and streamed results: ``gpuq_user_service`` and ``gpuq_result_pieces`` (schema_version 2).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the two tables; existing rows are untouched (old results stay in ``gpuq_jobs.result``).

    A table already there (a store opened by a development build that made
    it without migrations) is left as it is.
    """
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "gpuq_result_pieces" not in existing:
        op.create_table(
            "gpuq_result_pieces",
            sa.Column("job_id", sa.String(36), sa.ForeignKey("gpuq_jobs.id"), primary_key=True),
            sa.Column("seq", sa.Integer, primary_key=True),
            sa.Column("data", sa.LargeBinary, nullable=False),
        )
    if "gpuq_user_service" not in existing:
        op.create_table(
            "gpuq_user_service",
            sa.Column("user_id", sa.Integer, sa.ForeignKey("gpuq_users.id"), primary_key=True),
            sa.Column("last_claim_at", sa.DateTime, nullable=False),
        )


def downgrade() -> None:
    """Drop the two tables (results stored as pieces are lost)."""
    op.drop_table("gpuq_user_service")
    op.drop_table("gpuq_result_pieces")
