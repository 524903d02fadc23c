"""several processes on one PostgreSQL: the index of each chat's pending updates (the ordered
claim), and notices on new inbox and outbox rows (LISTEN returnbot) to wake the other processes

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 19:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOTIFY = """
CREATE OR REPLACE FUNCTION returnbot_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('returnbot', TG_ARGV[0]);
    RETURN NULL;
END
$$
"""
_TRIGGERS = {"inbox_updates": "inbox", "outbox_messages": "outbox"}


def upgrade() -> None:
    with op.batch_alter_table("inbox_updates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbox_updates_pending",
            ["channel", "chat_id", "id"],
            unique=False,
            sqlite_where=sa.text("handled_at IS NULL"),
            postgresql_where=sa.text("handled_at IS NULL"),
        )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_NOTIFY)
    for table, what in _TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {table}_notify AFTER INSERT ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION returnbot_notify('{what}')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_notify ON {table}")
        op.execute("DROP FUNCTION IF EXISTS returnbot_notify()")
    with op.batch_alter_table("inbox_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_updates_pending")
