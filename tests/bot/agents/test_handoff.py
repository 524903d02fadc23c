"""What a handover writes for the agents: one topic per customer, its card, and a note when the customer leaves."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.agents.handoff import AGENTS_CHANNEL
from bot.storage.models import AgentTopic
from tests.bot.agents.test_commands import handed_over


async def test_one_topic_per_customer_a_card_each_handover_and_a_note_when_the_customer_leaves(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    desk = await handed_over(sessions)
    await desk.customer("une précision : le pied est fendu")
    await desk.customer("/annuler")
    await desk.customer("/agent")

    async with sessions() as session:
        topics = list(await session.scalars(select(AgentTopic)))
    assert len(topics) == 1
    assert topics[0].name == "R-2026-000001 · Camille · endommagé"
    rows = await desk.rows(AGENTS_CHANNEL)
    kinds = [row.payload["kind"] for row in rows]
    assert kinds == ["card", "relay", "note", "card"]
    card = rows[0].payload["text"]
    assert "Pourquoi un conseiller : le client a demandé un conseiller" in card
    assert "garantie de conformité jusqu'au" in card and "Règle" in card
    assert "le pied est fendu" in rows[1].payload["text"]
    assert "Le client a annulé sa demande : le bot lui répond." in rows[2].payload["text"]
    assert {row.payload["topic_id"] for row in rows} == {topics[0].id}


async def test_the_card_gives_the_refund_with_the_delivery(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    desk = await handed_over(sessions)

    card = (await desk.rows(AGENTS_CHANNEL))[0].payload["text"]

    assert (
        "Remboursement : 39,80\u00a0€ (articles 34,90\u00a0€, livraison 4,90\u00a0€), "
        "sur le moyen de paiement de la commande"
    ) in card
