"""The core's replies rendered into outbox rows: the one payload every channel sends."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import OutboxMessage
from flows.conversation_world import Reply
from messages import button_label, render


def payload(reply: Reply, reference: str | None, shop_name: str | None = None) -> dict[str, Any]:
    """`{"text": HTML, "parse_mode": "HTML", "choices": [[id, label], …], "photo": None, "document": None}`.

    `shop_name` is the addressee of the return addresses the customer reads (None: the reply has none).
    """
    shop = {"shop_name": shop_name} if shop_name is not None else {}
    values = {"reference": reference or "", **shop, **reply.values}
    return {
        "template": reply.template,
        "text": render(reply.template, values),
        "parse_mode": "HTML",
        "choices": [[b.id, button_label(b.label, b.values)] for b in reply.buttons],
        "photo": None,
        "document": reply.document,
    }


def _row(
    channel: str,
    chat_id: str,
    reply: Reply,
    reference: str | None,
    case_id: int | None,
    inbox_id: int | None,
    shop_name: str | None,
) -> dict[str, Any]:
    """An outbox row's own columns for `reply` (the others take their defaults)."""
    return {
        "channel": channel,
        "chat_id": chat_id,
        "payload": payload(reply, reference, shop_name),
        "case_id": case_id,
        "inbox_id": inbox_id,
    }


def queue_replies(
    session: AsyncSession,
    channel: str,
    chat_id: str,
    replies: Sequence[Reply],
    *,
    reference: str | None,
    case_id: int | None,
    inbox_id: int | None,
    shop_name: str | None = None,
) -> list[OutboxMessage]:
    """Adds one outbox row per reply to the session's transaction, in order."""
    rows = [
        OutboxMessage(**_row(channel, chat_id, reply, reference, case_id, inbox_id, shop_name))
        for reply in replies
    ]
    session.add_all(rows)
    return rows


# Built once; the table's own INSERT, not the unit of work (`sort_by_parameter_order`: each id
# comes back with its row, whatever the database's order).
_OUTBOX = cast(Table, OutboxMessage.__table__)
INSERT_REPLIES = insert(_OUTBOX).returning(_OUTBOX.c.id, sort_by_parameter_order=True)
_WRITTEN = "returnbot.outbox_written"


def reply_values(
    channel: str,
    chat_id: str,
    replies: Sequence[Reply],
    *,
    reference: str | None,
    case_id: int | None,
    inbox_id: int | None,
    shop_name: str | None = None,
    now: datetime,
) -> list[dict[str, Any]]:
    """Like `queue_replies`, the rows as `INSERT_REPLIES`'s parameters (every column set), in order."""
    unsent = {"created_at": now, "attempts": 0, "next_attempt_at": None, "sent_at": None}
    return [
        {
            **_row(channel, chat_id, reply, reference, case_id, inbox_id, shop_name),
            **unsent,
            "last_error": None,
        }
        for reply in replies
    ]


def inserted_replies(
    session: AsyncSession, values: list[dict[str, Any]], ids: Iterable[int]
) -> list[OutboxMessage]:
    """The rows `INSERT_REPLIES` wrote from `values` with `ids`, outside the session, and noted in
    it for `written_rows`."""
    rows = [_written_row(row_id, row) for row_id, row in zip(ids, values, strict=True)]
    session.info.setdefault(_WRITTEN, []).extend(rows)
    return rows


_NEW_ROW = OutboxMessage.__mapper__.class_manager.new_instance


def _written_row(row_id: int, values: dict[str, Any]) -> OutboxMessage:
    """A row as written, its columns set as if read back (the ORM's constructor, which records
    each value as a change for a flush that never comes, costs ten times more)."""
    row: OutboxMessage = _NEW_ROW()
    row.__dict__.update(values, id=row_id)
    return row


def written_rows(session: AsyncSession) -> list[OutboxMessage]:
    """The rows `insert_replies` wrote in the session since the last call (taken out of it)."""
    rows: list[OutboxMessage] = session.info.pop(_WRITTEN, [])
    return rows
