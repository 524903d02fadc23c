"""withdrawal records: each withdrawal declaration sent or declined (L221-21), kept as it was; the
database refuses to update or delete one (triggers, on SQLite and PostgreSQL)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:42:32
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_MESSAGE = "withdrawal_records are immutable"
_POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION returnbot_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{_MESSAGE}';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "withdrawal_records",
        sa.Column("id", _ID, nullable=False),
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("customer_id", _ID, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("started_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("order_name", sa.String(length=64), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["return_cases.id"],
            name=op.f("fk_withdrawal_records_case_id_return_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_withdrawal_records_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawal_records")),
        sa.UniqueConstraint(
            "case_id", "started_at", name=op.f("uq_withdrawal_records_case_id_started_at")
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRESQL)
        op.execute(
            "CREATE TRIGGER withdrawal_records_immutable BEFORE UPDATE OR DELETE "
            "ON withdrawal_records FOR EACH ROW EXECUTE FUNCTION returnbot_immutable()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER withdrawal_records_no_{action.lower()} BEFORE {action} "
            f"ON withdrawal_records BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS withdrawal_records_immutable ON withdrawal_records")
        op.execute("DROP FUNCTION IF EXISTS returnbot_immutable()")
    op.drop_table("withdrawal_records")  # SQLite drops the table's triggers with it
