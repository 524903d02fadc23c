"""How much a refund gives back: the items returned and their share of the delivery paid.

A withdrawal refunds everything paid, standard delivery included (L221-24); a refund under the
conformity guarantee refunds the price paid (L217-14, L217-16), and the delivery was part of it, so
the same amount is refunded on both sides. Returning part of an order (some lines, or some of a
line's quantity) refunds its share of the delivery: the delivery pro rata of the items' value
returned over the value of every item of the order, rounded to the cent (half up); the whole order
returned gets all of it. The delivery is the shipping the order paid, as the shop's export says.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

CENT: Final = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Refund:
    """What a refund gives back, in euros: the items and their share of the delivery."""

    items: Decimal
    delivery: Decimal

    @property
    def total(self) -> Decimal:
        return self.items + self.delivery


def refund_for(
    unit_price: Decimal,
    quantity: int,
    *,
    order_items_value: Decimal | None = None,
    order_delivery: Decimal = Decimal(0),
) -> Refund:
    """The refund for `quantity` of an order line at `unit_price` (delivery unknown: none)."""
    items = (unit_price * quantity).quantize(CENT)
    return Refund(items=items, delivery=delivery_share(items, order_items_value, order_delivery))


def delivery_share(
    returned_value: Decimal, order_items_value: Decimal | None, order_delivery: Decimal
) -> Decimal:
    """The returned items' share of the order's delivery: pro rata of their value, to the cent."""
    if order_delivery <= 0 or order_items_value is None or order_items_value <= 0:
        return Decimal("0.00")
    if returned_value >= order_items_value:
        return order_delivery.quantize(CENT)
    share = order_delivery * returned_value / order_items_value
    return share.quantize(CENT, rounding=ROUND_HALF_UP)
