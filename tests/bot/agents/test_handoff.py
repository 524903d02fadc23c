"""What a handover writes for the agents: one topic per customer, its card, and a note when the customer leaves."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.agents.handoff import AGENTS_CHANNEL
from bot.storage.models import AgentTopic
from tests.bot.agents.test_commands import Desk, handed_over
from tests.helpers import load_example_shop


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
    assert kinds == [
        *("card", "conversation", "relay"),  # the escalating message comes last
        *("relay", "note"),
        *("card", "conversation", "relay"),
    ]
    card = rows[0].payload["text"]
    assert "Pourquoi un conseiller : le client a demandé un conseiller" in card
    assert "garantie de conformité jusqu'au" in card and "Règle" in card
    assert rows[2].payload["text"] == "je veux parler à un conseiller"
    assert "le pied est fendu" in rows[3].payload["text"]
    assert "Le client a annulé sa demande : le bot lui répond." in rows[4].payload["text"]
    assert rows[7].payload["text"] == "/agent"
    assert {row.payload["topic_id"] for row in rows} == {topics[0].id}


async def test_the_topic_gets_the_conversation_so_far_and_the_message_that_asked_for_a_person(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await load_example_shop(sessions)
    desk = Desk(sessions)
    await desk.customer("bonjour, ma lampe est arrivée <cassée> 6A15602676300")
    await desk.customer("69003")
    await desk.photo(tmp_path, 1)
    await desk.photo(tmp_path, 2)
    await desk.press("photos:done")
    await desk.customer("je veux parler à quelqu'un, c'est la 3e fois")

    rows = await desk.rows(AGENTS_CHANNEL)
    assert [row.payload["kind"] for row in rows] == ["card", "conversation", "album", "relay"]
    said = rows[1].payload["text"]
    assert said.splitlines()[0] == "<b>La conversation jusqu'ici</b>"
    in_order = [
        "👤 <b>Client</b> : bonjour, ma lampe est arrivée &lt;cassée&gt; 6A15602676300",
        "🤖 Bot : Bonjour Camille",
        "👤 <b>Client</b> : 69003",
        "🤖 Bot : Pour traiter votre demande, pouvez-vous m'envoyer une ou plusieurs photos",
        "👤 <b>Client</b> : 📷 photo 1",
        "👤 <b>Client</b> : 📷 photo 2",
        "👤 <b>Client</b> : [C'est tout]",
        "🤖 Bot : Voici ce que nous vous proposons",
    ]
    positions = [said.find(line) for line in in_order]
    assert -1 not in positions and positions == sorted(positions), said
    assert "3e fois" not in said  # the escalating message is the relay after the photos
    assert len(rows[2].payload["photos"]) == 2
    assert rows[3].payload["text"] == "je veux parler à quelqu'un, c'est la 3e fois"


async def test_the_card_gives_the_refund_with_the_delivery(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    desk = await handed_over(sessions)

    card = (await desk.rows(AGENTS_CHANNEL))[0].payload["text"]

    assert (
        "Remboursement : 39,80\u00a0€ (articles 34,90\u00a0€, livraison 4,90\u00a0€), "
        "sur le moyen de paiement de la commande"
    ) in card
