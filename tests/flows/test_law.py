from __future__ import annotations

from datetime import date

import pytest

from flows.law import (
    add_months,
    conformity_fix_by,
    conformity_until,
    is_working_day,
    next_working_day,
    order_withdrawal_last_day,
    presumption_until,
    refund_due,
    return_ship_by,
    withdrawal_last_day,
)
from tests.flows.vectors import load_vectors


@pytest.mark.parametrize("row", load_vectors("withdrawal_deadlines.csv"), ids=lambda r: r["why"])
def test_withdrawal_deadline_vectors(row: dict[str, str]) -> None:
    received = date.fromisoformat(row["received"])

    assert withdrawal_last_day(received) == date.fromisoformat(row["last_day"])


def test_friday_delivery_before_a_holiday_weekend() -> None:
    # Friday 30 October 2026, before the All Saints' weekend: days are calendar days, the
    # holidays right after the reception day move nothing; day 14 is Friday 13 November.
    assert withdrawal_last_day(date(2026, 10, 30)) == date(2026, 11, 13)


def test_day_14_on_a_holiday_friday_rolls_over_the_weekend() -> None:
    # Received Friday 11 December 2026: day 14 is Friday 25 December, then a weekend.
    assert withdrawal_last_day(date(2026, 12, 11)) == date(2026, 12, 28)


def test_not_informed_extends_by_twelve_months() -> None:
    # Day 14 of 2025-01-10 is 2025-01-24; twelve months later is Saturday 2026-01-24.
    assert withdrawal_last_day(date(2025, 1, 10), informed=False) == date(2026, 1, 26)


def test_whole_order_runs_from_the_last_parcel() -> None:
    parcels = [date(2026, 10, 29), date(2026, 10, 30)]

    assert order_withdrawal_last_day(parcels) == withdrawal_last_day(date(2026, 10, 30))
    with pytest.raises(ValueError, match="at least one"):
        order_withdrawal_last_day([])


def test_working_days() -> None:
    assert is_working_day(date(2026, 11, 10))
    assert not is_working_day(date(2026, 11, 11))  # Armistice
    assert not is_working_day(date(2026, 11, 14))  # Saturday
    assert next_working_day(date(2026, 11, 10)) == date(2026, 11, 10)


def test_conformity_guarantee_dates() -> None:
    delivered = date(2026, 10, 7)

    assert conformity_until(delivered) == date(2028, 10, 7)
    assert presumption_until(delivered) == date(2028, 10, 7)
    assert presumption_until(delivered, second_hand=True) == date(2027, 10, 7)
    assert conformity_fix_by(date(2026, 11, 5)) == date(2026, 12, 5)


def test_leap_day_anniversary() -> None:
    assert add_months(date(2028, 2, 29), 24) == date(2030, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


def test_refund_and_return_after_withdrawal() -> None:
    assert refund_due(date(2026, 11, 5)) == date(2026, 11, 19)
    assert return_ship_by(date(2026, 11, 5)) == date(2026, 11, 19)
