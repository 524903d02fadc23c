"""`returnbot import shipments`: `order,tracking_number,carrier,shipped_at,delivered_at,skus`.

A row whose tracking number is a customer's return parcel is no shipment of the order: once it
shows a delivery date, the case's return is received (`ReturnArrived`, run in the import's
transaction); it is not stored as a parcel the customer could claim as received.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.importers import values
from bot.importers.orders import Progress
from bot.importers.report import ImportReport
from bot.importers.source import CsvRow, CsvTable, chunks, decode
from bot.storage.models import Order, OrderLine, ReturnCase, Shipment, shipment_lines
from flows.tracking import normalise_tracking_number

REQUIRED = frozenset({"order", "tracking_number"})
_OPTIONAL = ("carrier", "shipped_at", "delivered_at", "skus")
# A return parcel delivered: the case's lifecycle takes it (True when the case moved on).
ReturnArrived = Callable[[AsyncSession, ReturnCase, date], Awaitable[bool]]
_SKU_SEPARATORS = re.compile(r"[|;,\s]+")


@dataclass(frozen=True)
class _ParsedShipment:
    line: int
    order_name: str
    tracking_number: str
    carrier: str
    shipped_at: date | None
    delivered_at: date | None
    skus: tuple[str, ...]


async def import_shipments(
    session: AsyncSession,
    data: bytes,
    *,
    progress: Progress | None = None,
    on_return: ReturnArrived | None = None,
) -> ImportReport:
    """Creates or updates shipments by tracking number, and marks the returns that arrived; the
    caller commits or rolls back."""
    report = ImportReport("shipments")
    table = CsvTable(decode(data), REQUIRED, "un fichier d'expéditions (order,tracking_number,…)")
    parsed: list[_ParsedShipment] = []
    seen: dict[str, int] = {}
    for row in table.rows():
        shipment = _parse_row(row, report)
        if progress is not None:
            progress(1)
        if shipment is None:
            continue
        if shipment.tracking_number in seen:
            report.reject(
                row.line,
                f"numéro de suivi {shipment.tracking_number} en double (déjà ligne {seen[shipment.tracking_number]})",
            )
            continue
        seen[shipment.tracking_number] = row.line
        parsed.append(shipment)
    returns = await _return_cases(session, [s.tracking_number for s in parsed])
    parsed = [s for s in parsed if not await _a_return(session, s, returns, on_return, report)]
    orders = await _orders_with_lines(session, {s.order_name for s in parsed})
    existing = await _existing_shipments(session, [s.tracking_number for s in parsed])
    present = frozenset(column for column in _OPTIONAL if table.has(column))
    for shipment in parsed:
        await _write(session, shipment, orders, existing, report, present)
    return report


async def _return_cases(session: AsyncSession, numbers: list[str]) -> dict[str, ReturnCase]:
    found: dict[str, ReturnCase] = {}
    for chunk in chunks(numbers):
        result = await session.execute(
            select(ReturnCase).where(ReturnCase.return_tracking_number.in_(chunk))
        )
        found.update({case.return_tracking_number or "": case for case in result.scalars()})
    return found


async def _a_return(
    session: AsyncSession,
    parsed: _ParsedShipment,
    returns: dict[str, ReturnCase],
    on_return: ReturnArrived | None,
    report: ImportReport,
) -> bool:
    """Whether the row is a customer's return parcel (handled here, whatever its state)."""
    case = returns.get(parsed.tracking_number)
    if case is None:
        return False
    if parsed.delivered_at is None or on_return is None:
        report.unchanged += 1
    elif await on_return(session, case, parsed.delivered_at):
        report.returns_received.append(case.reference or str(case.id))
    else:
        report.unchanged += 1  # received already: importing the file again changes nothing
    return True


def _parse_row(row: CsvRow, report: ImportReport) -> _ParsedShipment | None:
    order_name = row.get("order")
    tracking = normalise_tracking_number(row.get("tracking_number"))
    if not order_name:
        report.reject(
            row.line, "colonne order vide (numéro de commande attendu, par exemple #1001)"
        )
        return None
    if not tracking:
        report.reject(row.line, "colonne tracking_number vide")
        return None
    try:
        shipped = values.day("shipped_at", row.get("shipped_at"))
        delivered = values.day("delivered_at", row.get("delivered_at"))
    except values.BadValue as error:
        report.reject(row.line, str(error))
        return None
    if shipped and delivered and delivered < shipped:
        report.reject(row.line, f"delivered_at {delivered} est avant shipped_at {shipped}")
        return None
    skus = tuple(sku for sku in _SKU_SEPARATORS.split(row.get("skus")) if sku)
    return _ParsedShipment(
        row.line, order_name, tracking, row.get("carrier").lower(), shipped, delivered, skus
    )


async def _orders_with_lines(
    session: AsyncSession, names: set[str]
) -> dict[str, tuple[int, dict[str, list[int]]]]:
    """Order name -> (order id, SKU -> line ids)."""
    found: dict[str, tuple[int, dict[str, list[int]]]] = {}
    for chunk in chunks(sorted(names)):
        result = await session.execute(
            select(Order.name, Order.id, OrderLine.sku, OrderLine.id)
            .outerjoin(OrderLine, OrderLine.order_id == Order.id)
            .where(Order.name.in_(chunk))
            .order_by(OrderLine.position)
        )
        for name, order_id, sku, line_id in result.all():
            _, lines = found.setdefault(name, (order_id, {}))
            if line_id is not None:
                lines.setdefault(sku or "", []).append(line_id)
    return found


async def _existing_shipments(session: AsyncSession, numbers: list[str]) -> dict[str, Shipment]:
    found: dict[str, Shipment] = {}
    for chunk in chunks(numbers):
        result = await session.execute(select(Shipment).where(Shipment.tracking_number.in_(chunk)))
        found.update({s.tracking_number: s for s in result.scalars()})
    return found


async def _write(
    session: AsyncSession,
    parsed: _ParsedShipment,
    orders: dict[str, tuple[int, dict[str, list[int]]]],
    existing: dict[str, Shipment],
    report: ImportReport,
    present: frozenset[str] = frozenset(),
) -> None:
    """Creates or updates the shipment; a column the file lacks (`present`) leaves it alone."""
    if parsed.order_name not in orders:
        report.reject(
            parsed.line, f"commande {parsed.order_name} inconnue : importez d'abord les commandes"
        )
        return
    order_id, lines = orders[parsed.order_name]
    unknown = [sku for sku in parsed.skus if sku not in lines]
    if unknown:
        report.reject(
            parsed.line,
            f"article(s) {', '.join(unknown)} absent(s) de la commande {parsed.order_name}",
        )
        return
    line_ids = sorted(
        line_id
        for sku, ids in lines.items()
        if not parsed.skus or sku in parsed.skus
        for line_id in ids
    )
    current = existing.get(parsed.tracking_number)
    if current is not None and current.order_id != order_id:
        report.reject(
            parsed.line,
            f"numéro de suivi {parsed.tracking_number} déjà utilisé pour une autre commande",
        )
        return
    fields = {
        key: value
        for key, value in (
            ("carrier", parsed.carrier),
            ("shipped_at", parsed.shipped_at),
            ("delivered_at", parsed.delivered_at),
        )
        if key in present
    }
    if current is None:
        result = await session.execute(
            insert(Shipment).returning(Shipment.id),
            [{"order_id": order_id, "tracking_number": parsed.tracking_number, **fields}],
        )
        shipment_id = result.scalar_one()
        report.created += 1
    else:
        shipment_id = current.id
        old_lines = sorted(
            (
                await session.execute(
                    select(shipment_lines.c.order_line_id).where(
                        shipment_lines.c.shipment_id == shipment_id
                    )
                )
            ).scalars()
        )
        if "skus" not in present:
            line_ids = old_lines  # no skus column: the parcel keeps the lines it had
        if all(getattr(current, k) == v for k, v in fields.items()) and old_lines == line_ids:
            report.unchanged += 1
            return
        for key, value in fields.items():
            setattr(current, key, value)
        await session.execute(
            delete(shipment_lines).where(shipment_lines.c.shipment_id == shipment_id)
        )
        report.updated += 1
    if line_ids:
        await session.execute(
            insert(shipment_lines),
            [{"shipment_id": shipment_id, "order_line_id": line_id} for line_id in line_ids],
        )
