"""Importing the shipments CSV: tracking numbers, carriers, dates and which lines each parcel carried."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.importers import run_import
from bot.storage.models import Order, OrderLine, Shipment, shipment_lines
from tests.helpers import example, load_example_shop

Sessions = async_sessionmaker[AsyncSession]
HEADER = "order,tracking_number,carrier,shipped_at,delivered_at,skus"


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


async def _skus_of(session: AsyncSession, tracking: str) -> list[str]:
    result = await session.execute(
        select(OrderLine.sku)
        .join(shipment_lines, shipment_lines.c.order_line_id == OrderLine.id)
        .join(Shipment, Shipment.id == shipment_lines.c.shipment_id)
        .where(Shipment.tracking_number == tracking)
        .order_by(OrderLine.sku)
    )
    return list(result.scalars())


async def test_the_example_shipments_are_imported(sessions: Sessions) -> None:
    reports = await load_example_shop(sessions)
    assert reports[2].ok and reports[2].created == 8
    async with sessions() as session:
        parcel = (
            await session.execute(
                select(Shipment).where(Shipment.tracking_number == "RR123456785ES")
            )
        ).scalar_one()
        assert (parcel.carrier, parcel.shipped_at, parcel.delivered_at) == (
            "correos",
            date(2026, 10, 21),
            date(2026, 10, 29),
        )
        assert await _skus_of(session, "RR123456785ES") == ["MF-TSHIRT-RIV-M-SAB"]
        assert await _skus_of(session, "EW112720413FR") == ["MF-CAP-RIV"]
        # empty skus: every line of the order
        assert await _skus_of(session, "LX123456785CN") == ["SZ-CHARGER-20W"]


async def test_reimport_changes_nothing_and_a_correction_updates(sessions: Sessions) -> None:
    await load_example_shop(sessions)
    again = await run_import(sessions, "shipments", example("shipments.csv"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 8)
    fixed = await run_import(
        sessions, "shipments", _csv("#1001,6a 156 0267 6300,colissimo,2026-10-03,2026-10-08,")
    )
    assert (fixed.created, fixed.updated) == (0, 1)
    async with sessions() as session:
        parcel = (
            await session.execute(
                select(Shipment).where(Shipment.tracking_number == "6A15602676300")
            )
        ).scalar_one()
        assert parcel.delivered_at == date(2026, 10, 8)
        assert await session.scalar(select(func.count()).select_from(Shipment)) == 8


async def test_bad_rows_are_reported(sessions: Sessions) -> None:
    await load_example_shop(sessions)
    report = await run_import(
        sessions,
        "shipments",
        _csv(
            "#9999,RR473124829FR,la_poste,2026-10-03,2026-10-07,",
            "#1001,6C02345678901,colissimo,2026-10-03,2026-10-07,",
            "#1001,RR287043775IN,la_poste,2026-10-03,le 7,",
            "#1002,EW112720413FR,la_poste,2026-10-03,2026-10-07,NOPE-SKU",
            "#1003,LX999,cainiao,2026-11-03,2026-11-01,",
            "#1004,CP111111111FR,ups,2026-11-10,2026-11-13,",
            "#1005,cp111111111fr,dhl,2026-11-13,2026-11-16,",
            ",AB1,dhl,,,",
        ),
    )
    reasons = {error.line: error.reason for error in report.rejected}
    assert "#9999 inconnue" in reasons[2]
    assert "déjà utilisé pour une autre commande" in reasons[3]
    assert "delivered_at" in reasons[4]
    assert "NOPE-SKU" in reasons[5]
    assert "avant shipped_at" in reasons[6]
    assert "en double (déjà ligne 7)" in reasons[8]
    assert "order vide" in reasons[9]
    assert report.created == 1  # CP111111111FR for #1004


async def test_wrong_files(sessions: Sessions) -> None:
    assert (await run_import(sessions, "shipments", b"")).file_error == "le fichier est vide."
    wrong = await run_import(sessions, "shipments", example("orders_export.csv"))
    assert wrong.file_error is not None and "tracking_number" in wrong.file_error
    assert "returnbot import orders" in wrong.file_error


async def test_strict_rolls_everything_back(sessions: Sessions) -> None:
    await run_import(sessions, "suppliers", example("suppliers.toml"))
    await run_import(sessions, "orders", example("orders_export.csv"))
    report = await run_import(
        sessions,
        "shipments",
        _csv("#1001,6A15602676300,colissimo,2026-10-03,2026-10-07,", "#9,X1,,,,"),
        strict=True,
    )
    assert not report.committed
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Shipment)) == 0
        assert await session.scalar(select(func.count()).select_from(Order)) == 7


async def test_a_file_without_a_column_leaves_its_stored_values_alone(sessions: Sessions) -> None:
    await load_example_shop(sessions)
    older = b"order,tracking_number\n#1002,RR123456785ES\n"

    report = await run_import(sessions, "shipments", older)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    async with sessions() as session:
        parcel = (
            await session.execute(
                select(Shipment).where(Shipment.tracking_number == "RR123456785ES")
            )
        ).scalar_one()
        assert (parcel.carrier, parcel.delivered_at) == ("correos", date(2026, 10, 29))
        assert await _skus_of(session, "RR123456785ES") == ["MF-TSHIRT-RIV-M-SAB"]


async def test_a_semicolon_separated_shipments_file_is_read(sessions: Sessions) -> None:
    await load_example_shop(sessions)
    semicolons = example("shipments.csv").replace(b",", b";")

    report = await run_import(sessions, "shipments", semicolons)

    assert report.ok and report.unchanged == 8
