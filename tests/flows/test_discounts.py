"""Each order line's share of the order's discounts (`flows.discounts`)."""

from __future__ import annotations

from decimal import Decimal

from flows.discounts import LineValue, line_discounts, unit_paid
from flows.refund import refund_for

D = Decimal


def test_an_order_wide_code_is_shared_pro_rata_and_the_lines_add_up_to_the_subtotal() -> None:
    lines = [LineValue(D("34.90"), 1), LineValue(D("12.90"), 1), LineValue(D("9.90"), 3)]

    discounts = line_discounts(lines, D("69.75"))  # 77,50 € of items, 10 % off

    assert discounts == [D("3.49"), D("1.29"), D("2.97")]
    assert sum(discounts) == D("7.75")


def test_the_cent_left_by_rounding_goes_to_the_largest_line() -> None:
    lines = [LineValue(D("10.00"), 1), LineValue(D("10.00"), 1), LineValue(D("10.00"), 1)]

    discounts = line_discounts(lines, D("29.00"))  # 1 € off three equal lines

    assert sorted(discounts) == [D("0.33"), D("0.33"), D("0.34")]


def test_a_lines_own_discount_is_its_own() -> None:
    lines = [LineValue(D("40.00"), 1, own_discount=D("20.00")), LineValue(D("10.00"), 2)]

    assert line_discounts(lines, D("40.00")) == [D("20.00"), D("0.00")]


def test_an_own_discount_and_an_order_wide_code_together() -> None:
    lines = [LineValue(D("40.00"), 1, own_discount=D("10.00")), LineValue(D("10.00"), 1)]

    assert line_discounts(lines, D("36.00")) == [D("13.00"), D("1.00")]  # 4 € more, 30:10


def test_without_a_subtotal_or_when_it_takes_nothing_off_the_lines_keep_their_own() -> None:
    lines = [LineValue(D("40.00"), 1, own_discount=D("5.00"))]

    assert line_discounts(lines, None) == [D("5.00")]
    assert line_discounts(lines, D("50.00")) == [D("5.00")]  # a subtotal above: nothing more


def test_a_discount_never_exceeds_the_line() -> None:
    lines = [LineValue(D("10.00"), 1, own_discount=D("15.00")), LineValue(D("10.00"), 1)]

    assert line_discounts(lines, D("0.00")) == [D("10.00"), D("10.00")]


def test_every_unit_refunded_gives_back_the_line_paid_to_the_cent() -> None:
    paid = unit_paid(D("9.90"), 3, D("1.00"))  # 28,70 € paid for three

    assert refund_for(paid, 3).items == D("28.70")
    assert refund_for(paid, 1).items == D("9.57")
    assert unit_paid(D("9.90"), 3, D(0)) == D("9.90")
