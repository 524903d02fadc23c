"""Importing Shopify's "Export orders" CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.importers import run_import
from bot.shop_facts import line_refund
from bot.storage.models import Order, OrderLine, Product, Supplier
from tests.helpers import example

Sessions = async_sessionmaker[AsyncSession]
HEADER = example("orders_export.csv").decode().splitlines()[0]


async def _suppliers(sessions: Sessions) -> None:
    report = await run_import(sessions, "suppliers", example("suppliers.toml"))
    assert report.ok


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def _row(
    name: str = "#2001",
    price: str = "10.00",
    vendor: str = "Lumina Home",
    paid: str = "2026-10-02 10:14:03 +0200",
    sku: str = "LUM-X",
    **more: str,
) -> str:
    """A row of the real export's 79 columns, with the fields a test changes (`more`: by column,
    spaces for underscores: `Lineitem_discount="2.00"`)."""
    cells = [""] * len(HEADER.split(","))
    columns = HEADER.split(",")
    values = {
        "Name": name,
        "Email": "Client@Example.fr",
        "Financial Status": "paid",
        "Paid at": paid,
        "Currency": "EUR",
        "Total": price,
        "Lineitem quantity": "1",
        "Lineitem name": "Article",
        "Lineitem price": price,
        "Lineitem sku": sku,
        "Shipping Zip": "75011",
        "Vendor": vendor,
        **{column.replace("_", " "): value for column, value in more.items()},
    }
    for column, value in values.items():
        cells[columns.index(column)] = value
    return ",".join(cells)


async def test_the_example_export_is_imported(sessions: Sessions) -> None:
    await _suppliers(sessions)
    report = await run_import(sessions, "orders", example("orders_export.csv"))
    assert report.ok and report.created == 7
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OrderLine)) == 8
        order = (await session.execute(select(Order).where(Order.name == "#1002"))).scalar_one()
        assert order.total == Decimal("37.80")
        assert order.email == "yanis.benali@example.fr"
        assert order.shipping_zip == "31000"
        assert order.paid_at == datetime(2026, 10, 20, 16, 40, 11, tzinfo=UTC)
        lines = (
            (
                await session.execute(
                    select(OrderLine)
                    .where(OrderLine.order_id == order.id)
                    .order_by(OrderLine.position)
                )
            )
            .scalars()
            .all()
        )
        assert [(line.sku, line.price) for line in lines] == [
            ("MF-TSHIRT-RIV-M-SAB", Decimal("24.90")),
            ("MF-CAP-RIV", Decimal("12.90")),
        ]
        modaflex = (
            await session.execute(select(Supplier).where(Supplier.code == "modaflex"))
        ).scalar_one()
        assert {line.supplier_id for line in lines} == {modaflex.id}
        charger = (
            await session.execute(select(OrderLine).where(OrderLine.sku == "SZ-CHARGER-20W"))
        ).scalar_one()
        assert charger.quantity == 2
        brush = (
            await session.execute(select(Product).where(Product.sku == "LUM-BRUSH-SET"))
        ).scalar_one()
        assert brush.category == "hygiene" and brush.name == "Set de pinceaux maquillage Velours"


async def test_reimporting_the_same_file_changes_nothing(sessions: Sessions) -> None:
    await _suppliers(sessions)
    await run_import(sessions, "orders", example("orders_export.csv"))
    again = await run_import(sessions, "orders", example("orders_export.csv"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OrderLine)) == 8


async def test_a_corrected_file_updates_the_rows_it_names(sessions: Sessions) -> None:
    await _suppliers(sessions)
    await run_import(sessions, "orders", _csv(_row("#2001", "10.00"), _row("#2002", "20.00")))
    report = await run_import(sessions, "orders", _csv(_row("#2001", "11.50")))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    async with sessions() as session:
        prices = dict(
            (
                await session.execute(
                    select(OrderLine.sku, OrderLine.price).join(Order).where(Order.name == "#2001")
                )
            ).all()
        )
        assert prices == {"LUM-X": Decimal("11.50")}
        assert await session.scalar(select(func.count()).select_from(Order)) == 2


async def test_utf8_bom_and_an_older_export_with_fewer_columns(sessions: Sessions) -> None:
    data = "\ufeffName,Email,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Shipping Zip\n#3001,a@b.fr,1,Tasse émaillée,9.90,MUG-1,13002\n"
    report = await run_import(sessions, "orders", data.encode())
    assert report.ok and report.created == 1
    async with sessions() as session:
        line = (await session.execute(select(OrderLine))).scalar_one()
        assert (line.name, line.price, line.supplier_id) == (
            "Tasse émaillée",
            Decimal("9.90"),
            None,
        )


async def test_bad_rows_are_reported_with_their_line_and_the_good_ones_imported(
    sessions: Sessions,
) -> None:
    await _suppliers(sessions)
    data = _csv(
        _row("#2001"),
        _row("#2002", price="douze"),
        _row("#2003", paid="hier soir"),
        _row("#2004", vendor="Inconnu SARL"),
        _row("#2005"),
    )
    report = await run_import(sessions, "orders", data)
    assert report.created == 2 and report.committed
    reasons = {error.line: error.reason for error in report.rejected}
    assert set(reasons) == {3, 4, 5}
    assert "Lineitem price" in reasons[3] and "douze" in reasons[3]
    assert "Paid at" in reasons[4]
    assert "Inconnu SARL" in reasons[5]
    async with sessions() as session:
        names = set((await session.execute(select(Order.name))).scalars())
        assert names == {"#2001", "#2005"}


async def test_a_bad_line_rejects_its_whole_order(sessions: Sessions) -> None:
    await _suppliers(sessions)
    report = await run_import(sessions, "orders", _csv(_row("#2001"), _row("#2001", price="-3")))
    assert [error.line for error in report.rejected] == [2, 3]
    assert report.created == 0


async def test_strict_imports_nothing_when_a_row_is_bad(sessions: Sessions) -> None:
    await _suppliers(sessions)
    report = await run_import(
        sessions, "orders", _csv(_row("#2001"), _row("#2002", price="x")), strict=True
    )
    assert not report.committed and len(report.rejected) == 1
    assert "rien n'a été importé" in "\n".join(report.lines())
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Order)) == 0


async def test_files_that_are_not_an_orders_export(sessions: Sessions) -> None:
    empty = await run_import(sessions, "orders", b"")
    assert empty.file_error == "le fichier est vide."
    toml = await run_import(sessions, "orders", example("suppliers.toml"))
    assert toml.file_error is not None and "colonne(s) manquante(s)" in toml.file_error
    assert "returnbot import suppliers" in toml.file_error
    missing = await run_import(sessions, "orders", b"Name,Email\n#1,a@b.fr\n")
    assert missing.file_error is not None and "Lineitem price" in missing.file_error
    binary = await run_import(sessions, "orders", b"\x89PNG\r\n\x1a\n\x00\x00")
    assert binary.file_error is not None
    latin1 = await run_import(
        sessions, "orders", "Name,Lineitem name,Lineitem price\n#1,Tasse é,1\n".encode("latin-1")
    )
    assert latin1.file_error is not None and "UTF-8" in latin1.file_error


def _without(data: bytes, *dropped: str) -> bytes:
    """The file as an older export writes it: without `dropped` columns."""
    rows = list(csv.reader(io.StringIO(data.decode())))
    keep = [i for i, column in enumerate(rows[0]) if column not in dropped]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([[row[i] for i in keep] for row in rows])
    return out.getvalue().encode()


async def test_an_older_export_without_a_column_leaves_its_stored_values_alone(
    sessions: Sessions,
) -> None:
    await _suppliers(sessions)
    assert (await run_import(sessions, "orders", example("orders_export.csv"))).ok
    older = _without(example("orders_export.csv"), "Email", "Lineitem sku", "Vendor")

    report = await run_import(sessions, "orders", older)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 7)
    async with sessions() as session:
        emails = (await session.scalars(select(Order.email).order_by(Order.name))).all()
        lines = (await session.execute(select(OrderLine.sku, OrderLine.supplier_id))).all()
    assert emails[0] == "camille.martin@example.fr" and all(emails)
    assert all(sku and supplier for sku, supplier in lines)


async def test_a_semicolon_separated_csv_from_french_excel_is_read(sessions: Sessions) -> None:
    await _suppliers(sessions)
    rows = list(csv.reader(io.StringIO(example("orders_export.csv").decode())))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows(
        [[cell.replace(".", ",") if _amount(cell) else cell for cell in row] for row in rows]
    )

    report = await run_import(sessions, "orders", out.getvalue().encode())

    assert report.ok and report.created == 7
    async with sessions() as session:
        price = await session.scalar(select(OrderLine.price).where(OrderLine.sku == "LUM-LAMP-01"))
    assert price == Decimal("34.90")


def _amount(cell: str) -> bool:
    head, dot, tail = cell.partition(".")
    return bool(dot) and head.isdigit() and tail.isdigit() and len(tail) == 2


async def test_strict_reports_nothing_imported_when_a_line_is_rejected(sessions: Sessions) -> None:
    await _suppliers(sessions)

    report = await run_import(
        sessions, "orders", _csv(_row("#2001"), _row("#2002", price="abc")), strict=True
    )

    assert report.lines()[0] == "Import des commandes : 1 ligne(s) rejetée(s)."
    assert "créé" not in report.lines()[0] and "mis à jour" not in report.lines()[0]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Order)) == 0


async def _lines(sessions: Sessions, order: str) -> dict[str, OrderLine]:
    async with sessions() as session:
        rows = await session.scalars(
            select(OrderLine).join(Order).where(Order.name == order).order_by(OrderLine.position)
        )
        return {line.sku: line for line in rows}


async def test_an_order_wide_discount_code_is_shared_by_its_lines_and_refunds_what_was_paid(
    sessions: Sessions,
) -> None:
    await _suppliers(sessions)
    data = _csv(
        _row("#2002", "40.00", sku="LAMP", Subtotal="54.00", Discount_Code="BIENVENUE10"),
        _row("#2002", "10.00", sku="MUG", Lineitem_quantity="2"),
    )
    report = await run_import(sessions, "orders", data)
    assert report.ok

    lines = await _lines(sessions, "#2002")
    assert {sku: line.discount for sku, line in lines.items()} == {
        "LAMP": Decimal("4.00"),
        "MUG": Decimal("2.00"),
    }
    async with sessions() as session:
        one_mug = await line_refund(session, lines["MUG"].id, 1)
        lamp = await line_refund(session, lines["LAMP"].id, None)
    assert (one_mug.items, lamp.items) == (Decimal("9.00"), Decimal("36.00"))


async def test_a_discount_on_one_line_is_not_taken_off_the_others(sessions: Sessions) -> None:
    await _suppliers(sessions)
    data = _csv(
        _row("#2003", "40.00", sku="LAMP", Subtotal="40.00", Lineitem_discount="20.00"),
        _row("#2003", "10.00", sku="MUG", Lineitem_quantity="2", Lineitem_discount="0.00"),
    )
    assert (await run_import(sessions, "orders", data)).ok

    lines = await _lines(sessions, "#2003")
    assert (lines["LAMP"].discount, lines["MUG"].discount) == (Decimal("20.00"), Decimal("0.00"))
    async with sessions() as session:
        assert (await line_refund(session, lines["MUG"].id, 2)).items == Decimal("20.00")
        assert (await line_refund(session, lines["LAMP"].id, 1)).items == Decimal("20.00")


async def test_a_file_without_discount_columns_leaves_the_stored_discounts_alone(
    sessions: Sessions,
) -> None:
    await _suppliers(sessions)
    first = _csv(_row("#2004", "40.00", sku="LAMP", Subtotal="30.00"))
    assert (await run_import(sessions, "orders", first)).ok
    older = "Name,Email,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Shipping Zip\n#2004,a@b.fr,1,Article,40.00,LAMP,75011\n"

    assert (await run_import(sessions, "orders", older.encode())).ok

    assert (await _lines(sessions, "#2004"))["LAMP"].discount == Decimal("10.00")


async def test_a_line_that_never_ships_is_marked_so(sessions: Sessions) -> None:
    await _suppliers(sessions)
    data = _csv(
        _row("#2005", "40.00", sku="LAMP", Lineitem_requires_shipping="true"),
        _row("#2005", "15.00", sku="GIFT", Lineitem_requires_shipping="false"),
        _row("#2006", "15.00", sku="ODD", Lineitem_requires_shipping="peut-être"),
    )

    report = await run_import(sessions, "orders", data)

    lines = await _lines(sessions, "#2005")
    assert (lines["LAMP"].requires_shipping, lines["GIFT"].requires_shipping) == (True, False)
    assert [error.reason for error in report.rejected] == [
        "Lineitem requires shipping « peut-être » n'est ni true ni false"
    ]


async def test_a_discount_that_is_not_an_amount_rejects_its_order_with_the_column_named(
    sessions: Sessions,
) -> None:
    await _suppliers(sessions)
    data = _csv(
        _row("#2007", "40.00", sku="LAMP", Lineitem_discount="dix euros"),
        _row("#2008", "10.00", sku="MUG", Lineitem_discount="2,00"),
    )

    report = await run_import(sessions, "orders", data)

    assert [error.reason for error in report.rejected] == [
        "Lineitem discount « dix euros » n'est pas un montant (exemple : 24.90)"
    ]
    assert (await _lines(sessions, "#2008"))["MUG"].discount == Decimal("2.00")
    assert await _lines(sessions, "#2007") == {}
