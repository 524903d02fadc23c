"""From the shop's data in the database to the facts the pure policy engine decides on.

The conversation engine and `returnbot decide` both go through here, so that a shop owner checking a
policy sees exactly what a customer would be offered.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal, cast

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import (
    SHOP_SETTINGS_ID,
    Order,
    OrderLine,
    Product,
    Shipment,
    ShopSettings,
    Supplier,
    SupplierPolicyVersion,
    shipment_lines,
)
from flows.decision import decide
from flows.discounts import unit_paid
from flows.facts import (
    CaseFacts,
    Category,
    Decision,
    Mediator,
    Reason,
    ShopPolicy,
    SupplierPolicy,
)
from flows.law import holiday_region
from flows.refund import Refund, refund_for
from flows.tracking import normalise_tracking_number


class MissingShopData(Exception):
    """The shop's settings or an item's return policy are not loaded; the message is French."""


@dataclass(frozen=True, slots=True)
class ParcelItem:
    """One order line carried by a parcel."""

    order_line_id: int
    sku: str
    name: str
    price: Decimal  # one unit's list price
    quantity: int
    category: Category
    supplier_id: int | None
    digital_waiver: bool = False  # digital content: consent and acknowledgement (L221-28, 13°)
    discount: Decimal = Decimal(0)  # what the order's discounts took off the whole line

    @property
    def unit_paid(self) -> Decimal:
        """One unit's price paid, the line's discount spread over its units."""
        return unit_paid(self.price, self.quantity, self.discount)


@dataclass(frozen=True, slots=True)
class Parcel:
    """A shipment found by its tracking number, with its order's ownership proofs kept private."""

    shipment_id: int
    order_id: int
    order_name: str
    tracking_number: str
    carrier: str
    delivered_on: date | None
    last_parcel_delivered_on: date | None
    items: tuple[ParcelItem, ...]
    order_items_value: Decimal  # every line of the order as paid: price × quantity − discount
    order_delivery: Decimal  # the delivery the order paid
    _shipping_zip: str
    _email: str
    order_in_transit: bool = False  # another parcel of the order has no delivery date yet

    @property
    def holiday_region(self) -> str | None:
        """The region of the delivery postcode whose public holidays also count (L221-19)."""
        return holiday_region(self._shipping_zip)

    def item(self, sku: str) -> ParcelItem | None:
        return next((item for item in self.items if item.sku == sku), None)

    def owned_by(self, answer: str) -> bool:
        """True when `answer` is the order's shipping postcode or e-mail (spaces, case, accents ignored)."""
        given = _plain(answer)
        return bool(given) and given in {_plain(self._shipping_zip), _plain(self._email)} - {""}


@dataclass(frozen=True, slots=True)
class PolicyInForce:
    """The supplier policy version a decision is taken with (its id is stored on the case)."""

    version_id: int
    policy: SupplierPolicy


async def find_parcel(session: AsyncSession, tracking_number: str) -> Parcel | None:
    """The parcel with this tracking number (as a customer typed it), or None."""
    normalised = normalise_tracking_number(tracking_number)
    shipment = (
        await session.execute(select(Shipment).where(Shipment.tracking_number == normalised))
    ).scalar_one_or_none()
    if shipment is None:
        return None
    order = await session.get_one(Order, shipment.order_id)
    rows = (
        await session.execute(
            select(OrderLine, Product.category, Product.digital_waiver)
            .join(shipment_lines, shipment_lines.c.order_line_id == OrderLine.id)
            .outerjoin(Product, Product.sku == OrderLine.sku)
            .where(shipment_lines.c.shipment_id == shipment.id)
            .order_by(OrderLine.position)
        )
    ).all()
    # L221-18: the period runs from the last item's reception; one still in transit holds it back,
    # and so does a line that ships but is in no parcel yet.
    last, in_transit, items_value, unshipped = (
        await session.execute(
            select(
                func.max(Shipment.delivered_at),
                func.count().filter(Shipment.delivered_at.is_(None)),
                _order_items_value(order.id),
                _unshipped_lines(order.id),
            ).where(Shipment.order_id == order.id, Shipment.id != shipment.id)
        )
    ).one()
    if shipment.delivered_at is not None and (last is None or shipment.delivered_at > last):
        last = shipment.delivered_at
    items = tuple(
        ParcelItem(
            order_line_id=line.id,
            sku=line.sku,
            name=line.name,
            price=line.price,
            quantity=line.quantity,
            category=cast(Category, category or "standard"),
            supplier_id=line.supplier_id,
            digital_waiver=bool(waiver),
            discount=line.discount,
        )
        for line, category, waiver in rows
    )
    return Parcel(
        shipment_id=shipment.id,
        order_id=order.id,
        order_name=order.name,
        tracking_number=shipment.tracking_number,
        carrier=shipment.carrier,
        delivered_on=shipment.delivered_at,
        last_parcel_delivered_on=last,
        items=items,
        order_items_value=Decimal(items_value or 0),
        order_delivery=order.shipping or Decimal(0),
        _shipping_zip=order.shipping_zip,
        _email=order.email,
        order_in_transit=in_transit > 0 or unshipped > 0,
    )


def _unshipped_lines(order_id: int) -> Any:
    """How many of the order's lines that ship are in no parcel yet."""
    in_a_parcel = select(shipment_lines.c.order_line_id).where(
        shipment_lines.c.order_line_id == OrderLine.id
    )
    return (
        select(func.count())
        .select_from(OrderLine)
        .where(
            OrderLine.order_id == order_id,
            OrderLine.requires_shipping.is_(True),
            ~in_a_parcel.exists(),
        )
        .scalar_subquery()
    )


def _order_items_value(order_id: int) -> Any:
    return (
        select(func.sum(OrderLine.price * OrderLine.quantity - OrderLine.discount))
        .where(OrderLine.order_id == order_id)
        .scalar_subquery()
    )


async def line_refund(session: AsyncSession, order_line_id: int, quantity: int | None) -> Refund:
    """What refunding `quantity` of an order line gives back (all of it when None), its share of
    the order's delivery included: the same figure as the decision's (`flows.refund`)."""
    line = await session.get_one(OrderLine, order_line_id)
    order = await session.get_one(Order, line.order_id)
    items_value = await session.scalar(select(_order_items_value(order.id)))
    return refund_for(
        unit_paid(line.price, line.quantity, line.discount),
        quantity or line.quantity,
        order_items_value=Decimal(items_value or 0),
        order_delivery=order.shipping or Decimal(0),
    )


async def order_tracking_numbers(
    session: AsyncSession, *, order_name: str | None = None, email: str | None = None
) -> list[str]:
    """The parcels of the one order with this name (« #1003 ») or this e-mail: none when no order or
    several match. The ownership check still follows: a number or an e-mail only finds it."""
    query = select(Order.id)
    if order_name is not None:
        query = query.where(Order.name == order_name)
    elif email:
        query = query.where(func.lower(Order.email) == email.strip().lower())
    else:
        return []
    orders = (await session.scalars(query.limit(2))).all()
    if len(orders) != 1:
        return []
    numbers = await session.scalars(
        select(Shipment.tracking_number).where(Shipment.order_id == orders[0]).order_by(Shipment.id)
    )
    return list(numbers)


async def shop_policy(session: AsyncSession) -> ShopPolicy:
    """The shop's rules, with every supplier's current window to derive the advertised one."""
    shop = await session.get(ShopSettings, SHOP_SETTINGS_ID)
    if shop is None:
        raise MissingShopData(
            "les réglages de la boutique ne sont pas chargés : importez suppliers.toml "
            "(returnbot import suppliers) ou la démo (returnbot demo load)"
        )
    windows = tuple(sorted(policy.window_days for _, policy in await _current_policies(session)))
    return ShopPolicy(
        window_margin_days=shop.window_margin_days,
        shop_pays_customer_side_return=shop.shop_pays_customer_side_return,
        keep_item_max_value=shop.keep_item_max_value,
        escalate_above_value=shop.escalate_above_value,
        fallback_return_address=shop.fallback_return_address,
        supplier_windows=windows,
        customer_informed_of_withdrawal=shop.customer_informed_of_withdrawal,
        return_costs_terms=shop.return_costs_terms or "",
        mediator=mediator_of(shop),
        allows_repair=shop.allows_repair,
        allows_price_reduction=shop.allows_price_reduction,
    )


def mediator_of(shop: ShopSettings) -> Mediator | None:
    """The shop's consumer mediator (None in a database imported before it was required)."""
    if not shop.mediator_name or not shop.mediator_website:
        return None
    return Mediator(shop.mediator_name, shop.mediator_website)


async def policy_in_force(session: AsyncSession, item: ParcelItem) -> PolicyInForce:
    """The current policy version of the item's supplier."""
    if item.supplier_id is None:
        raise MissingShopData(
            f"l'article {item.sku or item.name} n'a pas de fournisseur (colonne Vendor vide dans l'export)"
        )
    for supplier, version in await _current_policies(session, item.supplier_id):
        return PolicyInForce(version.id, _policy(supplier, version))
    raise MissingShopData(f"aucune politique de retour pour l'article {item.sku or item.name}")


async def policy_version(session: AsyncSession, version_id: int) -> SupplierPolicy:
    """A given policy version: open cases keep the one they were decided with."""
    version = await session.get_one(SupplierPolicyVersion, version_id)
    supplier = await session.get_one(Supplier, version.supplier_id)
    return _policy(supplier, version)


async def decision_for(
    session: AsyncSession,
    parcel: Parcel,
    item: ParcelItem,
    reason: Reason,
    today: date,
    *,
    seal_intact: bool | None = None,
    handover_flags: frozenset[str] = frozenset(),
    policy: PolicyInForce | None = None,
    quantity: int | None = None,
) -> tuple[Decision, PolicyInForce]:
    """Decides on one item of a parcel with the policy in force (or the one given); `quantity`:
    how many of the line are returned (all of it when None)."""
    in_force = policy or await policy_in_force(session, item)
    facts = CaseFacts(
        reason=reason,
        price=item.price,
        category=item.category,
        today=today,
        delivered_on=parcel.delivered_on,
        seal_intact=seal_intact,
        last_parcel_delivered_on=parcel.last_parcel_delivered_on,
        handover_flags=handover_flags,
        quantity=quantity or item.quantity,
        order_items_value=parcel.order_items_value,
        order_delivery=parcel.order_delivery,
        holiday_region=parcel.holiday_region,
        order_in_transit=parcel.order_in_transit,
        digital_waiver=item.digital_waiver,
        unit_paid=item.unit_paid,
    )
    return decide(facts, in_force.policy, await shop_policy(session)), in_force


async def _current_policies(
    session: AsyncSession, supplier_id: int | None = None
) -> list[tuple[Supplier, SupplierPolicyVersion]]:
    latest = (
        select(
            SupplierPolicyVersion.supplier_id,
            func.max(SupplierPolicyVersion.version).label("version"),
        )
        .group_by(SupplierPolicyVersion.supplier_id)
        .subquery()
    )
    query = (
        select(Supplier, SupplierPolicyVersion)
        .join(SupplierPolicyVersion, SupplierPolicyVersion.supplier_id == Supplier.id)
        .join(
            latest,
            (latest.c.supplier_id == SupplierPolicyVersion.supplier_id)
            & (latest.c.version == SupplierPolicyVersion.version),
        )
        .order_by(Supplier.code)
    )
    if supplier_id is not None:
        query = query.where(Supplier.id == supplier_id)
    return [(supplier, version) for supplier, version in (await session.execute(query)).all()]


def _policy(supplier: Supplier, version: SupplierPolicyVersion) -> SupplierPolicy:
    return SupplierPolicy(
        code=supplier.code,
        name=supplier.name,
        version=version.version,
        window_days=version.window_days,
        accepts_customer_side_returns=version.accepts_customer_side_returns,
        customer_side_return_paid_by=cast(
            "Literal['customer', 'shop']", version.customer_side_return_paid_by
        ),
        provides_return_label=version.provides_return_label,
        replacement_available=version.replacement_available,
        returns_practical=version.returns_practical,
        return_address=version.return_address,
        authorisation_required=version.authorisation_required,
    )


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in decomposed if ch.isalnum() or ch in "@.-_+")
