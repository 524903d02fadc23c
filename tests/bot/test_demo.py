"""The demo shop: loaded with every date shifted so that the latest delivery was yesterday."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.demo import demo_file, demo_shift, load_demo
from bot.storage.models import Order, Shipment
from tests.helpers import ROOT

Sessions = async_sessionmaker[AsyncSession]


# The shop settings issue 11 added to the shared examples' [shop]: the terms on return costs
# (L221-23) and the consumer mediator (L612-1, L616-1), with their comments.
ADDED_SHOP_KEYS = ("return_costs_terms = ", "mediator_name = ", "mediator_website = ")


def test_the_demo_files_are_the_shared_examples() -> None:
    shared = ROOT.parent / "shared" / "examples"
    if shared.is_dir():  # the project must also work without ../shared
        for name in ("orders_export.csv", "shipments.csv"):
            assert demo_file(name) == (shared / name).read_bytes(), name
        demo = demo_file("suppliers.toml").decode().splitlines()
        kept = [line for line in demo if not _added(line)]
        assert kept == (shared / "suppliers.toml").read_text(encoding="utf-8").splitlines()


def _added(line: str) -> bool:
    return line.startswith(ADDED_SHOP_KEYS) or line.startswith(
        ("# The wording of the shop's terms", "# quoted to the customer", "# The consumer mediator")
    )


def test_the_demo_shop_names_its_mediator_and_its_terms_on_return_costs() -> None:
    demo = demo_file("suppliers.toml").decode()

    assert all(key in demo for key in ADDED_SHOP_KEYS)


async def test_dates_are_shifted_so_the_latest_delivery_was_yesterday(sessions: Sessions) -> None:
    today = date(2027, 3, 10)
    reports = await load_demo(sessions, today)
    assert all(report.ok for report in reports)
    shift = demo_shift(today)
    async with sessions() as session:
        latest = await session.scalar(select(func.max(Shipment.delivered_at)))
        assert latest == date(2027, 3, 9)
        lamp = (
            await session.execute(
                select(Shipment).where(Shipment.tracking_number == "6A15602676300")
            )
        ).scalar_one()
        assert lamp.delivered_at == date(2026, 10, 7) + shift
        order = (await session.execute(select(Order).where(Order.name == "#1001"))).scalar_one()
        assert order.paid_at == datetime(2026, 10, 2, 8, 14, 3, tzinfo=UTC) + shift


async def test_loading_twice_the_same_day_changes_nothing(sessions: Sessions) -> None:
    await load_demo(sessions, date(2027, 3, 10))
    reports = await load_demo(sessions, date(2027, 3, 10))
    assert [(r.created, r.updated) for r in reports] == [(0, 0), (0, 0), (0, 0)]
