"""Statistics: cases by reason, product and supplier; descriptions to fix; a valid PNG chart."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.admin.stats import case_statistics, statistics_chart, statistics_text
from bot.storage.models import Customer, OrderLine, ReturnCase
from tests.helpers import load_example_shop

Sessions = async_sessionmaker[AsyncSession]


async def _case(
    session: AsyncSession, customer: Customer, sku: str, reason: str, when: datetime
) -> None:
    line = (await session.execute(select(OrderLine).where(OrderLine.sku == sku))).scalar_one()
    session.add(
        ReturnCase(
            customer_id=customer.id,
            order_line_id=None if reason == "x" else line.id,
            reason=reason,
            created_at=when,
            closed_at=when,
        )
    )


async def test_statistics_over_a_period(sessions: Sessions) -> None:
    await load_example_shop(sessions)
    inside = datetime(2026, 11, 10, tzinfo=UTC)
    async with sessions() as session:
        customer = Customer(channel="console", external_id="c", first_name="C")
        session.add(customer)
        await session.flush()
        await _case(session, customer, "LUM-FLOOR-ARC", "not_as_described", inside)
        await _case(session, customer, "LUM-FLOOR-ARC", "not_as_described", inside)
        await _case(session, customer, "SZ-EARBUDS-PULSE", "defective", inside)
        await _case(session, customer, "MF-CAP-RIV", "size_color", datetime(2026, 9, 1, tzinfo=UTC))
        await session.commit()
    async with sessions() as session:
        stats = await case_statistics(
            session, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
        )
    assert stats.total == 3
    assert stats.by_reason == [("not_as_described", 2), ("defective", 1)]
    assert stats.by_supplier == [("lumina", 2), ("shenzhen-gadgets", 1)]
    assert stats.descriptions_to_fix == [("Lampadaire arc Solstice (LUM-FLOOR-ARC)", 2)]
    text = statistics_text(stats)
    assert "3 retours du 01/11/2026 au 01/12/2026." in text
    assert "Descriptions à corriger" in text
    png = statistics_chart(stats)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    image.verify()
    assert image.format == "PNG"


async def test_an_empty_period(sessions: Sessions) -> None:
    async with sessions() as session:
        stats = await case_statistics(
            session, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
        )
    assert statistics_text(stats) == "Aucun retour du 01/01/2026 au 01/02/2026."
    assert statistics_chart(stats).startswith(b"\x89PNG")
