"""the law, second pass: sealed audio, video and software (L221-28, 9°), the digital-content
waiver (13°), and the remedies the shop offers itself (repair, price reduction: L217-9, L217-14)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "'standard', 'hygiene', 'perishable', 'custom_made', 'digital', 'second_hand'"
_NEW = _OLD + ", 'sealed_media'"


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_products_category_known"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_products_category_known"), sa.text(f"category IN ({_NEW})")
        )
        batch_op.add_column(
            sa.Column("digital_waiver", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("allows_repair", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "allows_price_reduction", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.drop_column("allows_price_reduction")
        batch_op.drop_column("allows_repair")
    op.execute("UPDATE products SET category = 'standard' WHERE category = 'sealed_media'")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("digital_waiver")
        batch_op.drop_constraint(batch_op.f("ck_products_category_known"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_products_category_known"), sa.text(f"category IN ({_OLD})")
        )
