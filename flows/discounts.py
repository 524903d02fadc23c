"""What each line of an order was really paid, once the order's discounts are taken off.

Shopify's export gives each line its list price (« Lineitem price ») and, when a discount applied to
that line alone, « Lineitem discount »; an order-wide code shows only in the order's « Subtotal »
(the items' price after every discount). A refund gives back what was paid (L221-24, L217-14), not
the list price: each line's discount is its own one plus its share of the rest of the order's,
pro rata of the lines' value after their own discounts, to the cent, the last cent going to the
largest line so that the lines add up to the subtotal exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flows.refund import CENT


@dataclass(frozen=True, slots=True)
class LineValue:
    """One line of an order as exported: its list price, quantity and own discount (all units)."""

    price: Decimal
    quantity: int
    own_discount: Decimal = Decimal(0)


def line_discounts(lines: Sequence[LineValue], subtotal: Decimal | None) -> list[Decimal]:
    """Each line's whole discount (all its units), never more than the line's value.

    Without a subtotal, or one that leaves nothing more to take off, the lines keep their own."""
    values = [(line.price * line.quantity).quantize(CENT) for line in lines]
    own = [
        min(max(line.own_discount, Decimal(0)), value)
        for line, value in zip(lines, values, strict=True)
    ]
    net = [value - discount for value, discount in zip(values, own, strict=True)]
    total = sum(net, Decimal(0))
    rest = total - subtotal if subtotal is not None else Decimal(0)
    if rest <= 0 or total <= 0:
        return [discount.quantize(CENT) for discount in own]
    rest = min(rest, total)
    shares = [(rest * value / total).quantize(CENT, rounding=ROUND_HALF_UP) for value in net]
    largest = max(range(len(net)), key=lambda index: net[index])
    shares[largest] += rest - sum(shares, Decimal(0))
    return [(discount + share).quantize(CENT) for discount, share in zip(own, shares, strict=True)]


def unit_paid(price: Decimal, quantity: int, discount: Decimal) -> Decimal:
    """One unit's price once the line's discount is spread over its units (not rounded: a refund
    of every unit then gives back the line's price paid to the cent)."""
    if discount <= 0 or quantity <= 0:
        return price
    return price - discount / quantity
