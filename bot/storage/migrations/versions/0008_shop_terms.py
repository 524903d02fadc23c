"""the shop's terms on return costs (L221-23) and its consumer mediator (L612-1, L616-1)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: a shop imported before keeps working; the next import of its settings asks for them.
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("return_costs_terms", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("mediator_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("mediator_website", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.drop_column("mediator_website")
        batch_op.drop_column("mediator_name")
        batch_op.drop_column("return_costs_terms")
