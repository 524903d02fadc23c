"""The core's replies rendered into outbox rows: the one payload every channel sends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
        OutboxMessage(
            channel=channel,
            chat_id=chat_id,
            payload=payload(reply, reference, shop_name),
            case_id=case_id,
            inbox_id=inbox_id,
        )
        for reply in replies
    ]
    session.add_all(rows)
    return rows
