"""what the order's discounts took off each order line, so that a refund gives back what was paid;
whether a line ships at all, so that one not shipped yet holds the withdrawal period back

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.storage.base import Money

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("order_lines") as batch:
        batch.add_column(sa.Column("discount", Money, server_default="0", nullable=False))
        batch.add_column(
            sa.Column("requires_shipping", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_column("requires_shipping")
        batch.drop_column("discount")
