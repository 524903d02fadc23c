"""Telling the agents about a reply the customer will never receive (the sender's failure hook).

A customer's outbox row that is set aside for good (the customer blocked the bot, Telegram refuses
the message) becomes a note in that customer's topic, when they have one: an agent who wrote it
would otherwise believe it was read. Retries are not failures yet, and without a topic there is no
agent to tell: the error is in the log and on the row.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.agents.handoff import add_to_topic
from bot.channels.outbox import ABANDONED, FailureHook
from bot.channels.writes import WriteGate, with_retries
from bot.storage.models import AgentTopic, Customer, OutboxMessage

log = logging.getLogger(__name__)

EXCERPT = 200  # characters of the lost message quoted in the note
_TAGS = re.compile(r"<[^>]*>")


def tell_agents(
    sessions: async_sessionmaker[AsyncSession], gate: WriteGate, wake_topics: Callable[[], None]
) -> FailureHook:
    """The hook for `OutboxWorker(on_failure=…)`; `wake_topics` once the note is committed."""

    async def told(row: OutboxMessage) -> None:
        if not (row.last_error or "").startswith(ABANDONED):
            return

        async def write() -> bool:
            async with gate.turn(), sessions.begin() as session:
                topic = await session.scalar(
                    select(AgentTopic)
                    .join(Customer, Customer.id == AgentTopic.customer_id)
                    .where(Customer.channel == row.channel, Customer.external_id == row.chat_id)
                )
                if topic is None:
                    return False
                add_to_topic(session, topic, {"kind": "note", "text": _note(row)}, row.case_id)
                return True

        if await with_retries(write, what="noting an undelivered message"):
            wake_topics()
        else:
            log.warning("outbox %s not delivered, and no topic to tell", row.id)

    return told


def _note(row: OutboxMessage) -> str:
    said = html.unescape(_TAGS.sub("", str(row.payload.get("text") or ""))).strip()
    if len(said) > EXCERPT:
        said = said[:EXCERPT] + "…"
    what = f"« {html.escape(said, quote=False)} »" if said else "(photo ou fichier)"
    reason = html.escape((row.last_error or "")[len(ABANDONED) :], quote=False)
    return f"⚠️ Ce message n'a pas pu être remis au client : {what}\n<i>{reason}</i>"
