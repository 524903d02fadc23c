"""What the agents' group gets of a customer: their topic, its card, the relays and the notes.

Everything is written in the transaction of the event it follows as outbox rows of the `agents`
channel, addressed to the customer's topic row; `bot.telegram.topics` opens the forum topic when it
sends the first of them (the console prints them). One topic per customer (a unique row), so a
burst of messages never opens two, and a customer escalated again finds their topic again.
`bot.cases.effects` decides when, from the machines' events.
"""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.agents.card import case_card
from bot.agents.transcript import case_entries, conversation_so_far
from bot.channels.events import Event, PhotoIn, TextIn, UnsupportedIn
from bot.storage.models import AgentTopic, Customer, OutboxMessage, Photo, ReturnCase

AGENTS_CHANNEL = "agents"
CONSOLE_DESK = "console"  # the agents' "group" of the terminal: its rows are printed, not sent
CONSOLE_DESK_CHANNEL = "console_agents"
ALBUM_LIMIT = 10  # photos in one sendMediaGroup
NAME_LIMIT = 128  # characters in a forum topic's name
REASON_WORDS = {
    "size_color": "taille/couleur",
    "changed_mind": "rétractation",
    "not_as_described": "non conforme",
    "wrong_item": "mauvais article",
    "damaged": "endommagé",
    "defective": "en panne",
    "not_received": "non reçu",
}


async def topic_for(
    session: AsyncSession, customer: Customer, case: ReturnCase | None, agent_chat_id: str
) -> tuple[AgentTopic, bool]:
    """The customer's topic row, created once (insert-or-nothing), pointed at the current case;
    and whether it has just been created (its card is then still to be sent)."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    created = await session.execute(
        insert(AgentTopic)
        .values(customer_id=customer.id, chat_id=agent_chat_id, name=_name(customer, case))
        .on_conflict_do_nothing(index_elements=["customer_id"])
        .returning(AgentTopic.id)
    )
    is_new = created.first() is not None
    topic = (
        await session.execute(
            select(AgentTopic)
            .where(AgentTopic.customer_id == customer.id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    if case is not None:
        is_new = is_new or topic.case_id != case.id
        topic.case_id = case.id
        if topic.message_thread_id is None:  # not opened on Telegram yet: the latest name
            topic.name = _name(customer, case)
    return topic, is_new


async def topic_of(session: AsyncSession, customer_id: int) -> AgentTopic | None:
    """The customer's topic row, if they have one."""
    return (
        await session.execute(select(AgentTopic).where(AgentTopic.customer_id == customer_id))
    ).scalar_one_or_none()


async def queue_card(session: AsyncSession, topic: AgentTopic, case: ReturnCase) -> None:
    """The case card, the conversation so far, then the case's photos as albums."""
    add_to_topic(session, topic, {"kind": "card", "text": await case_card(session, case)}, case.id)
    await _queue_conversation(session, topic, case)
    paths = list(
        (
            await session.scalars(
                select(Photo.path).where(Photo.case_id == case.id).order_by(Photo.id)
            )
        ).all()
    )
    for start in range(0, len(paths), ALBUM_LIMIT):
        chunk = paths[start : start + ALBUM_LIMIT]
        add_to_topic(session, topic, {"kind": "album", "photos": chunk}, case.id)


async def _queue_conversation(session: AsyncSession, topic: AgentTopic, case: ReturnCase) -> None:
    """What the customer and the bot said before the agents took over (split when sent if long)."""
    text = conversation_so_far(await case_entries(session, case))
    if text is not None:
        add_to_topic(session, topic, {"kind": "conversation", "text": text}, case.id)


def relay(session: AsyncSession, topic: AgentTopic, event: Event) -> None:
    """What the customer wrote, for the agents (merged with its neighbours when sent)."""
    if isinstance(event, TextIn):
        payload: dict[str, Any] = {"kind": "relay", "text": html.escape(event.text, quote=False)}
    elif isinstance(event, PhotoIn):
        payload = {"kind": "relay", "photos": [event.path]}
    elif isinstance(event, UnsupportedIn):
        payload = {"kind": "relay", "text": f"<i>(contenu non pris en charge : {event.kind})</i>"}
    else:
        return
    add_to_topic(session, topic, payload, topic.case_id)


def add_to_topic(
    session: AsyncSession, topic: AgentTopic, payload: dict[str, Any], case_id: int | None
) -> OutboxMessage:
    """An outbox row for the topic (sent by `bot.telegram.topics`, in id order, paced for a group)."""
    row = OutboxMessage(
        channel=CONSOLE_DESK_CHANNEL if topic.chat_id == CONSOLE_DESK else AGENTS_CHANNEL,
        chat_id=topic.chat_id,
        payload={"topic_id": topic.id, "parse_mode": "HTML", **payload},
        case_id=case_id,
    )
    session.add(row)
    return row


def _name(customer: Customer, case: ReturnCase | None) -> str:
    """« R-2026-000012 · Camille · endommagé »."""
    parts = [
        case.reference if case is not None and case.reference else "Demande",
        customer.first_name or "Client",
    ]
    if case is not None and case.reason:
        parts.append(REASON_WORDS.get(case.reason, case.reason))
    return " · ".join(parts)[:NAME_LIMIT]
