"""The case card agents read: the customer's request for a remedy, the guarantee past two years."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.agents.handoff import AGENTS_CHANNEL
from bot.conversation import PhotoIn
from bot.storage.models import Shipment, ShopSettings
from tests.bot.agents.test_commands import CAMILLE, Desk
from tests.helpers import load_example_shop


async def _card(desk: Desk) -> str:
    cards = [row for row in await desk.rows(AGENTS_CHANNEL) if row.payload["kind"] == "card"]
    return str(cards[-1].payload["text"])


async def _at_the_offer(sessions: async_sessionmaker[AsyncSession]) -> Desk:
    desk = Desk(sessions)
    await desk.customer("ma lampe 6A15602676300 est arrivée cassée")
    await desk.customer("69003")
    async with sessions() as session, session.begin():
        await desk.engine.handle_in(session, CAMILLE, PhotoIn("ab" * 32, "photos/ab.jpg"))
    await desk.customer("c'est tout")
    return desk


async def test_a_repair_asked_for_at_the_offer_goes_to_an_agent_with_the_request_on_the_card(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    desk = await _at_the_offer(sessions)

    await desk.customer("je préférerais une réparation")

    said = await desk.said_to_customer()
    assert "vous souhaitez une réparation" in said[-1]
    card = await _card(desk)
    assert "Pourquoi un conseiller : le client demande une réparation (L217-9)" in card


async def test_the_shop_allowing_remedies_offers_them_and_a_price_reduction_is_carried_over(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    async with sessions() as session, session.begin():
        await session.execute(
            update(ShopSettings).values(allows_repair=True, allows_price_reduction=True)
        )
    desk = await _at_the_offer(sessions)
    offer = (await desk.rows("telegram"))[-1].payload

    assert "demander une réparation ou une réduction du prix" in str(offer["text"])
    assert offer["choices"][-2:] == [
        ["remedy:repair", "Réparation"],
        ["remedy:price_reduction", "Réduction du prix"],
    ]

    await desk.customer("un geste commercial plutôt")

    assert "vous souhaitez une réduction du prix" in (await desk.said_to_customer())[-1]
    assert "le client demande une réduction du prix (L217-14)" in await _card(desk)


async def test_past_two_years_the_card_recalls_the_hidden_defect_guarantee(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    async with sessions() as session, session.begin():
        await session.execute(
            update(Shipment)
            .where(Shipment.tracking_number == "6A15602676300")
            .values(delivered_at=date(2024, 10, 7))
        )
    desk = Desk(sessions)
    await desk.customer("ma lampe 6A15602676300 est arrivée cassée")
    await desk.customer("69003")

    card = await _card(desk)
    assert "conformity_over (L217-3, C. civ. 1641, C. civ. 1648)" in card
    assert "garantie des vices cachés" in card
    assert "2 ans de sa découverte" in card
