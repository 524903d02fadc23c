"""`returnbot import orders`: Shopify's "Export orders" CSV, one row per line item."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.importers import values
from bot.importers.report import ImportReport
from bot.importers.source import CsvRow, CsvTable, chunks, decode
from bot.storage.models import Order, OrderLine, Product, Supplier
from flows.discounts import LineValue, line_discounts

REQUIRED = frozenset({"Name", "Lineitem name", "Lineitem price"})
Progress = Callable[[int], None]

# Order columns (Shopify header -> model field), read from the first row of each order.
_ORDER_TEXT = {
    "Email": "email",
    "Financial Status": "financial_status",
    "Currency": "currency",
    "Shipping Name": "shipping_name",
    "Shipping Address1": "shipping_address1",
    "Shipping Address2": "shipping_address2",
    "Shipping Phone": "shipping_phone",
    "Shipping Zip": "shipping_zip",
    "Shipping City": "shipping_city",
    "Shipping Country": "shipping_country",
    "Id": "shopify_id",
}
_ORDER_AMOUNTS = {
    "Subtotal": "subtotal",
    "Shipping": "shipping",
    "Taxes": "taxes",
    "Total": "total",
}
_ORDER_MOMENTS = {
    "Created at": "created_at",
    "Paid at": "paid_at",
    "Fulfilled at": "fulfilled_at",
    "Cancelled at": "cancelled_at",
}


@dataclass
class _ParsedOrder:
    name: str
    first_line: int
    fields: dict[str, Any] = field(default_factory=dict)
    lines: list[dict[str, Any]] = field(default_factory=list)
    row_lines: list[int] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


async def import_orders(
    session: AsyncSession, data: bytes, *, progress: Progress | None = None
) -> ImportReport:
    """Creates or updates the orders and lines the file names; the caller commits or rolls back."""
    report = ImportReport("orders")
    table = CsvTable(decode(data), REQUIRED, "un export de commandes Shopify")
    suppliers = {s.vendor: s.id for s in (await session.execute(select(Supplier))).scalars()}
    parsed = _parse(table, suppliers, progress)
    good: list[_ParsedOrder] = []
    for order in parsed:
        if order.errors:
            bad_lines = {line for line, _ in order.errors}
            for line, reason in order.errors:
                report.reject(line, reason)
            for line in order.row_lines:
                if line not in bad_lines:
                    report.reject(
                        line, f"rejetée avec sa commande {order.name} (voir ses autres lignes)"
                    )
        else:
            good.append(order)
    await _write(session, good, report)
    await _ensure_products(session, good)
    return report


def _parse(
    table: CsvTable, suppliers: dict[str, int], progress: Progress | None
) -> list[_ParsedOrder]:
    orders: dict[str, _ParsedOrder] = {}
    has_vendor = table.has("Vendor")
    for row in table.rows():
        name = row.get("Name")
        if not name:
            orders.setdefault("", _ParsedOrder("(sans nom)", row.line)).errors.append(
                (row.line, "colonne Name vide (numéro de commande attendu, par exemple #1001)")
            )
            continue
        order = orders.get(name)
        if order is None:
            order = orders[name] = _ParsedOrder(name, row.line)
            _read_order_fields(order, row, table)
        order.row_lines.append(row.line)
        _read_line(order, row, suppliers if has_vendor else None)
        if progress is not None:
            progress(1)
    found = [order for key, order in orders.items() if key or order.errors]
    known = table.has("Lineitem discount") or table.has("Subtotal")
    for order in found:
        _spread_discounts(order, known)
    return found


def _spread_discounts(order: _ParsedOrder, known: bool) -> None:
    """Each line's discount: its own and its share of the order's (`flows.discounts`); a file
    with neither column leaves the stored discounts alone."""
    lines = [
        LineValue(line["price"], line.get("quantity", 1), line.pop("own_discount", Decimal(0)))
        for line in order.lines
    ]
    if not known:
        return
    subtotal = order.fields.get("subtotal")
    for line, discount in zip(order.lines, line_discounts(lines, subtotal), strict=True):
        line["discount"] = discount


def _read_order_fields(order: _ParsedOrder, row: CsvRow, table: CsvTable) -> None:
    """The order's fields the file has columns for: a column it lacks leaves the stored value alone."""
    order.fields = {
        name: row.get(column) for column, name in _ORDER_TEXT.items() if table.has(column)
    }
    if "currency" in order.fields:
        order.fields["currency"] = order.fields["currency"] or "EUR"
    if "email" in order.fields:
        order.fields["email"] = order.fields["email"].lower()
    try:
        for column, name in _ORDER_AMOUNTS.items():
            if table.has(column):
                order.fields[name] = values.amount(column, row.get(column))
        for column, name in _ORDER_MOMENTS.items():
            if table.has(column):
                order.fields[name] = values.moment(column, row.get(column))
    except values.BadValue as error:
        order.errors.append((row.line, str(error)))


def _read_line(order: _ParsedOrder, row: CsvRow, suppliers: dict[str, int] | None) -> None:
    vendor = row.get("Vendor")
    try:
        price = values.amount("Lineitem price", row.get("Lineitem price"), required=True)
        quantity = values.quantity("Lineitem quantity", row.get("Lineitem quantity"))
        own_discount = values.amount("Lineitem discount", row.get("Lineitem discount"))
        ships = values.yes_no("Lineitem requires shipping", row.get("Lineitem requires shipping"))
    except values.BadValue as error:
        order.errors.append((row.line, str(error)))
        return
    if not row.get("Lineitem name"):
        order.errors.append((row.line, "Lineitem name est vide (nom de l'article attendu)"))
        return
    supplier_id = None
    if suppliers is not None and vendor:
        supplier_id = suppliers.get(vendor)
        if supplier_id is None:
            order.errors.append(
                (
                    row.line,
                    f"Vendor « {vendor} » inconnu : ajoutez-le dans suppliers.toml et importez-le d'abord",
                )
            )
            return
    line = {
        "position": len(order.row_lines),
        "sku": row.get("Lineitem sku"),
        "name": row.get("Lineitem name"),
        "quantity": quantity,
        "price": price,
        "own_discount": own_discount or Decimal(0),
        "vendor": vendor,
        "supplier_id": supplier_id,
        "requires_shipping": ships,
    }
    order.lines.append({key: value for key, value in line.items() if key in _present(row)})


async def _write(session: AsyncSession, orders: list[_ParsedOrder], report: ImportReport) -> None:
    existing = await _existing_orders(session, [order.name for order in orders])
    new = [order for order in orders if order.name not in existing]
    ids = await _insert_orders(session, new)
    report.created += len(new)
    changed_orders: list[dict[str, Any]] = []
    for order in orders:
        if order.name in existing:
            order_id, current = existing[order.name]
            ids[order.name] = order_id
            if any(_differs(current.get(key), value) for key, value in order.fields.items()):
                changed_orders.append({"id": order_id, **order.fields})
    if changed_orders:
        await session.execute(update(Order), changed_orders)
    changed_ids = {row["id"] for row in changed_orders}
    line_changes = await _write_lines(session, orders, ids, {o.name for o in new})
    for order in orders:
        if order.name in existing:
            order_id = ids[order.name]
            if order_id in changed_ids or order_id in line_changes:
                report.updated += 1
            else:
                report.unchanged += 1


async def _existing_orders(
    session: AsyncSession, names: list[str]
) -> dict[str, tuple[int, dict[str, Any]]]:
    found: dict[str, tuple[int, dict[str, Any]]] = {}
    columns = [Order.id, Order.name, *(getattr(Order, f) for f in _all_order_fields())]
    for chunk in chunks(names):
        for row in await session.execute(select(*columns).where(Order.name.in_(chunk))):
            mapping = dict(row._mapping)
            found[mapping["name"]] = (mapping["id"], mapping)
    return found


async def _insert_orders(session: AsyncSession, orders: list[_ParsedOrder]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in chunks(orders):
        rows = [{"name": order.name, **order.fields} for order in chunk]
        result = await session.execute(insert(Order).returning(Order.id, Order.name), rows)
        ids.update({name: order_id for order_id, name in result.all()})
    return ids


async def _write_lines(
    session: AsyncSession, orders: list[_ParsedOrder], ids: dict[str, int], new_names: set[str]
) -> set[int]:
    """Inserts new lines and updates changed ones; returns the ids of orders whose lines changed."""
    old_ids = {ids[order.name] for order in orders if order.name not in new_names}
    compared = (
        "sku",
        "name",
        "quantity",
        "price",
        "discount",
        "vendor",
        "supplier_id",
        "requires_shipping",
    )
    current: dict[tuple[int, int], dict[str, Any]] = {}
    columns = [OrderLine.id, OrderLine.order_id, OrderLine.position] + [
        getattr(OrderLine, key) for key in compared
    ]
    for id_chunk in chunks(sorted(old_ids)):
        result = await session.execute(select(*columns).where(OrderLine.order_id.in_(id_chunk)))
        for row in result:
            mapping = dict(row._mapping)
            current[(mapping["order_id"], mapping["position"])] = mapping
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    changed: set[int] = set()
    for order in orders:
        order_id = ids[order.name]
        for line in order.lines:
            before = current.get((order_id, line["position"]))
            if before is None:
                inserts.append({"order_id": order_id, **_NEW_LINE, **line})
                changed.add(order_id)
            elif any(_differs(before[key], line[key]) for key in compared if key in line):
                updates.append({"id": before["id"], **line})
                changed.add(order_id)
    for insert_chunk in chunks(inserts):
        await session.execute(insert(OrderLine), insert_chunk)
    if updates:
        await session.execute(update(OrderLine), updates)
    return changed & old_ids


async def _ensure_products(session: AsyncSession, orders: list[_ParsedOrder]) -> None:
    """Every SKU sold becomes a product (category `standard` until suppliers.toml says otherwise)."""
    wanted: dict[str, dict[str, Any]] = {}
    for order in orders:
        for line in order.lines:
            if line.get("sku"):
                wanted.setdefault(
                    line["sku"], {"name": line["name"], "supplier_id": line.get("supplier_id")}
                )
    known: dict[str, Product] = {}
    for sku_chunk in chunks(list(wanted)):
        result = await session.execute(select(Product).where(Product.sku.in_(sku_chunk)))
        known.update({product.sku: product for product in result.scalars()})
    new = [
        {"sku": sku, "category": "standard", **info}
        for sku, info in wanted.items()
        if sku not in known
    ]
    for product_chunk in chunks(new):
        await session.execute(insert(Product), product_chunk)
    for sku, product in known.items():
        info = wanted[sku]
        if not product.name:
            product.name = info["name"]
        if product.supplier_id is None and info["supplier_id"] is not None:
            product.supplier_id = info["supplier_id"]


# Line fields and the column each comes from (name and price are required columns).
_LINE_COLUMNS = {
    "sku": "Lineitem sku",
    "quantity": "Lineitem quantity",
    "vendor": "Vendor",
    "supplier_id": "Vendor",
    "requires_shipping": "Lineitem requires shipping",
}


_NEW_LINE: dict[str, Any] = {"sku": "", "quantity": 1, "vendor": "", "supplier_id": None}


def _present(row: CsvRow) -> set[str]:
    """The line's fields the file has columns for (a field it lacks keeps its stored value)."""
    return {"position", "name", "price", "own_discount"} | {
        key for key, column in _LINE_COLUMNS.items() if column in row.values
    }


def _all_order_fields() -> Iterable[str]:
    yield from _ORDER_TEXT.values()
    yield from _ORDER_AMOUNTS.values()
    yield from _ORDER_MOMENTS.values()


def _differs(before: Any, after: Any) -> bool:
    if isinstance(before, datetime) and isinstance(after, datetime):
        return before != after
    if isinstance(before, Decimal | int) and isinstance(after, Decimal | int):
        return Decimal(before) != Decimal(after)
    return bool(before != after)
