"""From the shop's data to the facts of a decision: parcels still in transit, the delivery region."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import shop_facts
from bot.storage.models import Order, OrderLine, Product, Shipment
from tests.helpers import load_example_shop

SHIRT = "RR123456785ES"  # order #1002, delivered 29 October 2026; its cap came on 30 October (EW…)


async def _cap_still_in_transit(session: AsyncSession) -> None:
    await session.execute(
        update(Shipment)
        .where(Shipment.tracking_number == "EW112720413FR")
        .values(delivered_at=None)
    )


async def test_a_parcel_of_the_order_in_transit_holds_the_period_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    async with sessions() as session:
        await _cap_still_in_transit(session)
        parcel = await shop_facts.find_parcel(session, SHIRT)
        assert parcel is not None
        # 20 November: late from the shirt alone (legal 12, shop 13 November).
        decision, _ = await shop_facts.decision_for(
            session, parcel, parcel.items[0], "changed_mind", date(2026, 11, 20)
        )

    assert parcel.order_in_transit
    assert parcel.last_parcel_delivered_on == date(2026, 10, 29)
    assert decision.rule_id == "changed_mind_refund"
    assert decision.awaiting_last_parcel


async def test_every_parcel_received_runs_the_period_from_the_last_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    async with sessions() as session:
        parcel = await shop_facts.find_parcel(session, SHIRT)
        assert parcel is not None
        decision, _ = await shop_facts.decision_for(
            session, parcel, parcel.items[0], "changed_mind", date(2026, 11, 5)
        )

    assert not parcel.order_in_transit
    assert parcel.last_parcel_delivered_on == date(2026, 10, 30)
    assert decision.deadlines.withdrawal_last_day == date(2026, 11, 13)
    assert not decision.awaiting_last_parcel


async def test_the_delivery_postcode_brings_its_region_s_holidays(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    async with sessions() as session:
        await session.execute(
            update(Order).where(Order.name == "#1002").values(shipping_zip="57000")
        )
        parcel = await shop_facts.find_parcel(session, SHIRT)

    assert parcel is not None
    assert parcel.holiday_region == "57"


async def test_a_digital_product_with_the_waiver_is_exempt_and_without_it_is_not(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    async with sessions() as session:
        lamp = Product.sku == "LUM-LAMP-01"
        await session.execute(
            update(Product).where(lamp).values(category="digital", digital_waiver=True)
        )
        parcel = await shop_facts.find_parcel(session, "6A15602676300")
        assert parcel is not None
        waived, _ = await shop_facts.decision_for(
            session, parcel, parcel.items[0], "changed_mind", date(2026, 10, 10)
        )
        await session.execute(update(Product).where(lamp).values(digital_waiver=False))
        parcel = await shop_facts.find_parcel(session, "6A15602676300")
        assert parcel is not None
        not_waived, _ = await shop_facts.decision_for(
            session, parcel, parcel.items[0], "changed_mind", date(2026, 10, 10)
        )

    assert waived.rule_id == "exempt_digital"
    assert not_waived.rule_id == "changed_mind_refund"


async def test_a_discounted_line_is_decided_and_refunded_at_the_price_paid(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    async with sessions() as session:  # #1001's lamp, 34,90 €, bought with 3,49 € off
        await session.execute(
            update(OrderLine).values(discount=Decimal("3.49")).where(OrderLine.sku == "LUM-LAMP-01")
        )
        parcel = await shop_facts.find_parcel(session, "6A15602676300")
        assert parcel is not None
        decision, _ = await shop_facts.decision_for(
            session, parcel, parcel.items[0], "changed_mind", date(2026, 10, 15)
        )

    assert parcel.items[0].unit_paid == Decimal("31.41")
    assert parcel.order_items_value == Decimal("31.41")
    assert decision.refund is not None
    assert (decision.refund.items, decision.refund.delivery) == (Decimal("31.41"), Decimal("4.90"))


async def test_a_line_not_shipped_yet_holds_the_period_back_unless_it_never_ships(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    async with sessions.begin() as session:  # #1002's cap: in no parcel yet
        await session.execute(delete(Shipment).where(Shipment.tracking_number == "EW112720413FR"))
    async with sessions() as session:
        waiting = await shop_facts.find_parcel(session, SHIRT)
        await session.execute(
            update(OrderLine)
            .where(OrderLine.sku != "MF-TSHIRT-RIV-M-SAB")
            .values(requires_shipping=False)
        )
        no_wait = await shop_facts.find_parcel(session, SHIRT)

    assert waiting is not None and waiting.order_in_transit
    assert no_wait is not None and not no_wait.order_in_transit
