"""The example shop (Maison Lumière) as policy values, built from the demo data shipped in bot/demo/data.

Parses suppliers.toml, the Shopify orders export and the shipments CSV directly, so the decision
vectors are checked against the same files a shop owner would import.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from flows.facts import CaseFacts, Category, Mediator, Reason, ShopPolicy, SupplierPolicy

DEMO_DATA = Path(__file__).resolve().parents[2] / "bot" / "demo" / "data"


@dataclass(frozen=True, slots=True)
class Item:
    """One order line as the decision needs it."""

    sku: str
    price: Decimal
    category: Category
    supplier: SupplierPolicy
    delivered_on: date | None
    quantity: int = 1
    order_items_value: Decimal | None = None  # every line of its order
    order_delivery: Decimal = Decimal(0)  # the order's Shipping column


@dataclass(frozen=True, slots=True)
class ExampleShop:
    shop: ShopPolicy
    suppliers: dict[str, SupplierPolicy]
    items: dict[tuple[str, str], Item]  # by (tracking number, sku)

    def facts(
        self,
        tracking_number: str,
        sku: str,
        reason: Reason,
        today: date,
        seal_intact: bool | None = None,
    ) -> tuple[CaseFacts, SupplierPolicy]:
        item = self.items[(tracking_number, sku)]
        facts = CaseFacts(
            reason=reason,
            price=item.price,
            category=item.category,
            today=today,
            delivered_on=item.delivered_on,
            seal_intact=seal_intact,
            quantity=item.quantity,
            order_items_value=item.order_items_value,
            order_delivery=item.order_delivery,
        )
        return facts, item.supplier


def _read_csv(name: str) -> list[dict[str, str]]:
    with (DEMO_DATA / name).open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def _supplier(entry: dict[str, Any]) -> SupplierPolicy:
    return SupplierPolicy(
        code=entry["code"],
        name=entry["name"],
        version=1,
        window_days=entry["window_days"],
        accepts_customer_side_returns=entry["accepts_customer_side_returns"],
        customer_side_return_paid_by=entry["customer_side_return_paid_by"],
        provides_return_label=entry["provides_return_label"],
        replacement_available=entry["replacement_available"],
        returns_practical=entry["returns_practical"],
        return_address=entry["return_address"],
    )


def load_example_shop() -> ExampleShop:
    """Maison Lumière: its settings, its three suppliers, and every shipped order line."""
    config = tomllib.loads((DEMO_DATA / "suppliers.toml").read_text(encoding="utf-8"))
    by_vendor = {entry["vendor"]: _supplier(entry) for entry in config["suppliers"]}
    settings = config["shop"]
    shop = ShopPolicy(
        window_margin_days=settings["window_margin_days"],
        shop_pays_customer_side_return=settings["shop_pays_customer_side_return"],
        keep_item_max_value=Decimal(settings["keep_item_max_value"]),
        escalate_above_value=Decimal(settings["escalate_above_value"]),
        fallback_return_address=settings["fallback_return_address"],
        supplier_windows=tuple(s.window_days for s in by_vendor.values()),
        return_costs_terms=settings.get("return_costs_terms", ""),
        mediator=Mediator(settings["mediator_name"], settings["mediator_website"]),
    )
    categories = {p["sku"]: cast(Category, p["category"]) for p in config.get("products", [])}

    lines_by_order: dict[str, list[dict[str, str]]] = {}
    for row in _read_csv("orders_export.csv"):
        lines_by_order.setdefault(row["Name"], []).append(row)

    items: dict[tuple[str, str], Item] = {}
    value = {
        name: sum(Decimal(r["Lineitem price"]) * int(r["Lineitem quantity"]) for r in rows)
        for name, rows in lines_by_order.items()
    }
    # Shopify writes the order's totals on its first line only.
    delivery = {name: Decimal(rows[0]["Shipping"] or 0) for name, rows in lines_by_order.items()}
    for shipment in _read_csv("shipments.csv"):
        skus = set(shipment["skus"].split("|")) - {""}
        delivered = shipment["delivered_at"]
        for line in lines_by_order[shipment["order"]]:
            sku = line["Lineitem sku"]
            if skus and sku not in skus:
                continue
            items[(shipment["tracking_number"], sku)] = Item(
                sku=sku,
                price=Decimal(line["Lineitem price"]),
                category=categories.get(sku, "standard"),
                supplier=by_vendor[line["Vendor"]],
                delivered_on=date.fromisoformat(delivered) if delivered else None,
                quantity=int(line["Lineitem quantity"]),
                order_items_value=value[shipment["order"]],
                order_delivery=delivery[shipment["order"]],
            )
    return ExampleShop(shop=shop, suppliers={s.code: s for s in by_vendor.values()}, items=items)
