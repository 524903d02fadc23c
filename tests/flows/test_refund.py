"""The refund's amount: the items returned and their share of the delivery paid (L221-24)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flows.refund import Refund, delivery_share, refund_for


def test_the_whole_order_returned_gets_all_of_its_delivery() -> None:
    refund = refund_for(
        Decimal("34.90"), 1, order_items_value=Decimal("34.90"), order_delivery=Decimal("4.90")
    )

    assert refund == Refund(items=Decimal("34.90"), delivery=Decimal("4.90"))
    assert refund.total == Decimal("39.80")


def test_one_of_two_units_gets_half_of_the_delivery() -> None:
    refund = refund_for(
        Decimal("9.90"), 1, order_items_value=Decimal("19.80"), order_delivery=Decimal("3.90")
    )

    assert (refund.items, refund.delivery, refund.total) == (
        Decimal("9.90"),
        Decimal("1.95"),
        Decimal("11.85"),
    )


@pytest.mark.parametrize(
    ("returned", "order", "delivery", "share"),
    [
        ("24.90", "37.80", "4.90", "3.23"),  # 3.2277… rounds down
        ("10.00", "40.00", "4.90", "1.23"),  # 1.225 exactly: half up
        ("12.90", "37.80", "0.00", "0.00"),  # free delivery
        ("50.00", "40.00", "4.90", "4.90"),  # never more than the delivery paid
    ],
)
def test_a_partial_return_gets_the_delivery_pro_rata_rounded_half_up(
    returned: str, order: str, delivery: str, share: str
) -> None:
    assert delivery_share(Decimal(returned), Decimal(order), Decimal(delivery)) == Decimal(share)


def test_without_the_order_s_figures_only_the_items_are_refunded() -> None:
    assert refund_for(Decimal("12.90"), 2) == Refund(Decimal("25.80"), Decimal("0.00"))
