"""What a handover and a held case write for the agents: the customer's topic, its card, the relays.

Everything is written in the customer's event transaction as outbox rows of the `agents` channel,
addressed to the customer's topic row; `bot.telegram.topics` opens the forum topic when it sends the
first of them. One topic per customer (a unique row), so a burst of messages never opens two, and a
customer escalated again finds their topic again.
"""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.agents.card import case_card
from bot.conversation.engine import Outcome
from bot.conversation.events import Event, PhotoIn, Sender, TextIn, UnsupportedIn
from bot.storage.models import AgentTopic, Customer, OutboxMessage, Photo, ReturnCase

AGENTS_CHANNEL = "agents"
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


async def after_event(
    session: AsyncSession, sender: Sender, event: Event, outcome: Outcome, agent_chat_id: int
) -> None:
    """Opens (or reuses) the topic on a handover; relays what the customer writes to a held case."""
    if outcome.handed_over and outcome.case_id is not None:
        case = await session.get_one(ReturnCase, outcome.case_id)
        topic = await topic_for(session, sender, case, agent_chat_id)
        await queue_card(session, topic, case)
    elif outcome.for_agent:
        known = await _topic_of_chat(session, sender)
        if known is None:  # held before topics existed: open it now
            held = await session.get(ReturnCase, outcome.case_id) if outcome.case_id else None
            known = await topic_for(session, sender, held, agent_chat_id)
        relay(session, known, event)
    elif outcome.previous_state == "handover" and outcome.state != "handover":
        left = await _topic_of_chat(session, sender)
        if left is not None:  # e.g. /annuler: the agents must not wait for an answer
            note = (
                f"ℹ️ Le client a quitté la prise en charge ({outcome.trigger}) : le bot lui répond."
            )
            add_to_topic(session, left, {"kind": "note", "text": note}, outcome.case_id)


async def topic_for(
    session: AsyncSession, sender: Sender, case: ReturnCase | None, agent_chat_id: int
) -> AgentTopic:
    """The customer's topic row, created once (insert-or-nothing), pointed at the current case."""
    customer_id = await _customer_id(session, sender)
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(AgentTopic)
        .values(customer_id=customer_id, chat_id=str(agent_chat_id), name=_name(sender, case))
        .on_conflict_do_nothing(index_elements=["customer_id"])
    )
    topic = (
        await session.execute(
            select(AgentTopic)
            .where(AgentTopic.customer_id == customer_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    if case is not None:
        topic.case_id = case.id
        if topic.message_thread_id is None:  # not opened on Telegram yet: the latest name
            topic.name = _name(sender, case)
    return topic


async def queue_card(session: AsyncSession, topic: AgentTopic, case: ReturnCase) -> None:
    """The case card, then the case's photos as albums."""
    add_to_topic(session, topic, {"kind": "card", "text": await case_card(session, case)}, case.id)
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
        channel=AGENTS_CHANNEL,
        chat_id=topic.chat_id,
        payload={"topic_id": topic.id, "parse_mode": "HTML", **payload},
        case_id=case_id,
    )
    session.add(row)
    return row


async def _customer_id(session: AsyncSession, sender: Sender) -> int:
    return (
        await session.execute(
            select(Customer.id).where(
                Customer.channel == sender.channel, Customer.external_id == sender.external_id
            )
        )
    ).scalar_one()


async def _topic_of_chat(session: AsyncSession, sender: Sender) -> AgentTopic | None:
    customer_id = await _customer_id(session, sender)
    return (
        await session.execute(select(AgentTopic).where(AgentTopic.customer_id == customer_id))
    ).scalar_one_or_none()


def _name(sender: Sender, case: ReturnCase | None) -> str:
    """« R-2026-000012 · Camille · endommagé »."""
    parts = [
        case.reference if case is not None and case.reference else "Demande",
        sender.first_name or "Client",
    ]
    if case is not None and case.reason:
        parts.append(REASON_WORDS.get(case.reason, case.reason))
    return " · ".join(parts)[:NAME_LIMIT]
