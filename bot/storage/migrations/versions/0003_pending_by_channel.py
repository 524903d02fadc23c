"""outbox: the unsent rows indexed by channel, so each sender finds its own without a scan

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 12:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _pending_index(columns: list[str]) -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_pending")
        batch_op.create_index(
            "ix_outbox_messages_pending",
            columns,
            unique=False,
            sqlite_where=sa.text("sent_at IS NULL"),
            postgresql_where=sa.text("sent_at IS NULL"),
        )


def upgrade() -> None:
    _pending_index(["channel", "id"])


def downgrade() -> None:
    _pending_index(["id"])
