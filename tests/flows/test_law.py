from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.law import (
    add_months,
    conformity_fix_by,
    conformity_refund_due,
    conformity_until,
    is_working_day,
    next_working_day,
    order_withdrawal_last_day,
    presumption_until,
    refund_due,
    reminder_day,
    replacement_due,
    return_ship_by,
    withdrawal_last_day,
    withdrawal_refund_due,
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


days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))
delays = st.integers(min_value=0, max_value=120)


def test_withdrawal_refund_when_nothing_travels_back_is_due_14_days_after() -> None:
    withdrawn = date(2026, 11, 5)

    assert withdrawal_refund_due(withdrawn, item_travels_back=False, returned_on=None) == date(
        2026, 11, 19
    )


def test_withdrawal_refund_waits_for_the_item_or_the_proof_of_shipment() -> None:
    withdrawn = date(2026, 11, 5)

    assert withdrawal_refund_due(withdrawn, item_travels_back=True, returned_on=None) is None


def test_item_back_early_keeps_the_14_days() -> None:
    withdrawn = date(2026, 11, 5)

    due = withdrawal_refund_due(withdrawn, item_travels_back=True, returned_on=date(2026, 11, 9))

    assert due == date(2026, 11, 19)


def test_item_back_late_makes_the_refund_due_that_day() -> None:
    withdrawn = date(2026, 11, 5)

    due = withdrawal_refund_due(withdrawn, item_travels_back=True, returned_on=date(2026, 11, 24))

    assert due == date(2026, 11, 24)


def test_nothing_can_be_returned_when_nothing_travels_back() -> None:
    with pytest.raises(ValueError, match="nothing travels back"):
        withdrawal_refund_due(
            date(2026, 11, 5), item_travels_back=False, returned_on=date(2026, 11, 9)
        )
    with pytest.raises(ValueError, match="nothing travels back"):
        conformity_refund_due(
            date(2026, 11, 5), item_travels_back=False, returned_on=date(2026, 11, 9)
        )


def test_conformity_refund_runs_14_days_from_the_item_back() -> None:
    decided = date(2026, 11, 5)

    assert conformity_refund_due(decided, item_travels_back=True, returned_on=None) is None
    assert conformity_refund_due(
        decided, item_travels_back=True, returned_on=date(2026, 11, 12)
    ) == date(2026, 11, 26)


def test_conformity_refund_when_the_item_stays_runs_from_the_decision() -> None:
    decided = date(2026, 11, 5)

    assert conformity_refund_due(decided, item_travels_back=False, returned_on=None) == date(
        2026, 11, 19
    )


def test_replacement_is_due_30_days_after_the_request() -> None:
    assert replacement_due(date(2026, 11, 5)) == date(2026, 12, 5)
    assert replacement_due(date(2026, 11, 5)) == conformity_fix_by(date(2026, 11, 5))


def test_the_shop_is_reminded_3_days_before_a_due_date() -> None:
    assert reminder_day(date(2026, 12, 5)) == date(2026, 12, 2)
    assert reminder_day(date(2027, 1, 2)) == date(2026, 12, 30)


@given(withdrawn=days, back_after=st.none() | delays)
def test_a_withdrawal_refund_is_never_due_before_14_days(
    withdrawn: date, back_after: int | None
) -> None:
    returned = None if back_after is None else withdrawn + timedelta(days=back_after)

    due = withdrawal_refund_due(withdrawn, item_travels_back=True, returned_on=returned)

    assert due is None or due >= refund_due(withdrawn)
    assert (due is None) == (returned is None)


@given(withdrawn=days, back_after=delays)
def test_a_deferral_only_ever_moves_the_refund_later(withdrawn: date, back_after: int) -> None:
    returned = withdrawn + timedelta(days=back_after)
    undeferred = withdrawal_refund_due(withdrawn, item_travels_back=False, returned_on=None)

    deferred = withdrawal_refund_due(withdrawn, item_travels_back=True, returned_on=returned)

    assert undeferred is not None and deferred is not None
    assert deferred >= undeferred
    assert deferred >= returned


@given(decided=days, back_after=delays)
def test_a_conformity_refund_is_never_due_before_14_days_after_the_item_is_back(
    decided: date, back_after: int
) -> None:
    returned = decided + timedelta(days=back_after)
    kept = conformity_refund_due(decided, item_travels_back=False, returned_on=None)

    due = conformity_refund_due(decided, item_travels_back=True, returned_on=returned)

    assert kept is not None and due is not None
    assert due == returned + timedelta(days=14)
    assert due >= kept


@given(due=days)
def test_the_reminder_always_comes_before_the_due_date(due: date) -> None:
    assert reminder_day(due) < due
    assert (due - reminder_day(due)).days == 3
