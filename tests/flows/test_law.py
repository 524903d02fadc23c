from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.law import (
    HOLIDAY_REGIONS,
    add_months,
    conformity_fix_by,
    conformity_refund_due,
    conformity_until,
    holiday_region,
    is_working_day,
    late_refund_surcharge,
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


REFUND_DUE = date(2026, 11, 19)


@pytest.mark.parametrize(
    ("days_late", "percent", "legal_interest", "next_step_after"),
    [
        (1, None, True, 11),
        (10, None, True, 11),  # "at the latest ten days" late: day 10 is still the legal rate
        (11, "5", False, 21),
        (20, "5", False, 21),
        (21, "10", False, 31),
        (30, "10", False, 31),
        (31, "20", False, 61),
        (60, "20", False, 61),
        (61, "50", False, 91),
        (90, "50", False, 91),
        (91, "55", False, 121),  # a further month of delay begun: five more points
        (120, "55", False, 121),
        (121, "60", False, 151),
        (360, "95", False, 361),
        (361, "100", False, 391),  # the increase reaches the price
        (390, "100", False, 391),
        (391, "100", True, None),  # then the legal interest rate on top, for good
        (1000, "100", True, None),
    ],
)
def test_late_refund_tiers_and_their_boundaries(
    days_late: int, percent: str | None, legal_interest: bool, next_step_after: int | None
) -> None:
    late = late_refund_surcharge(REFUND_DUE, REFUND_DUE + timedelta(days=days_late), Decimal("80"))

    assert late is not None
    assert late.days_late == days_late
    assert late.percent == (None if percent is None else Decimal(percent))
    assert late.legal_interest is legal_interest
    expected_next = (
        None if next_step_after is None else REFUND_DUE + timedelta(days=next_step_after)
    )
    assert late.next_step_on == expected_next
    assert late.article == "L242-4"


def test_a_refund_made_on_or_before_its_due_date_is_not_late() -> None:
    assert late_refund_surcharge(REFUND_DUE, REFUND_DUE, Decimal("80")) is None
    assert late_refund_surcharge(REFUND_DUE, REFUND_DUE - timedelta(days=3), Decimal("80")) is None


def test_the_legal_interest_tier_has_no_amount_of_its_own() -> None:
    late = late_refund_surcharge(REFUND_DUE, REFUND_DUE + timedelta(days=4), Decimal("80"))

    assert late is not None and late.amount is None


def test_the_increase_is_in_euros_to_the_cent() -> None:
    # 5 % of 24,99 € is 1,2495 €: rounded half up, to the customer's side.
    late = late_refund_surcharge(REFUND_DUE, REFUND_DUE + timedelta(days=15), Decimal("24.99"))

    assert late is not None and late.amount == Decimal("1.25")


def test_the_increase_stops_at_the_price_of_the_product() -> None:
    late = late_refund_surcharge(REFUND_DUE, REFUND_DUE + timedelta(days=500), Decimal("39.90"))

    assert late is not None and late.amount == Decimal("39.90")


prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)


def _amount(due: date, day: date, price: Decimal) -> Decimal:
    late = late_refund_surcharge(due, day, price)
    return Decimal(0) if late is None or late.amount is None else late.amount


@given(due=days, first=st.integers(-30, 800), more=st.integers(0, 800), price=prices)
def test_the_increase_never_decreases_as_the_delay_grows(
    due: date, first: int, more: int, price: Decimal
) -> None:
    earlier, later = due + timedelta(days=first), due + timedelta(days=first + more)

    assert _amount(due, earlier, price) <= _amount(due, later, price)


@given(due=days, delay=st.integers(-30, 2000), price=prices)
def test_the_increase_never_exceeds_the_price(due: date, delay: int, price: Decimal) -> None:
    assert _amount(due, due + timedelta(days=delay), price) <= price


@given(due=days, delay=st.integers(1, 390), price=prices)  # from day 391 nothing more is added
def test_the_next_step_is_later_and_brings_a_higher_tier(
    due: date, delay: int, price: Decimal
) -> None:
    late = late_refund_surcharge(due, due + timedelta(days=delay), price)
    assert late is not None and late.next_step_on is not None
    assert late.next_step_on > due + timedelta(days=delay)

    step = late_refund_surcharge(due, late.next_step_on, price)
    day_before = late_refund_surcharge(due, late.next_step_on - timedelta(days=1), price)

    assert step is not None and day_before is not None
    assert (day_before.percent, day_before.legal_interest) == (late.percent, late.legal_interest)
    assert (step.percent, step.legal_interest) != (late.percent, late.legal_interest)
    assert (step.percent or Decimal(0)) >= (late.percent or Decimal(0))


@pytest.mark.parametrize(
    ("postcode", "region"),
    [
        ("57000", "57"),  # Metz
        ("67000", "6AE"),  # Strasbourg
        ("68100", "6AE"),  # Mulhouse
        ("97110", "971"),  # Pointe-à-Pitre
        ("97133", "BL"),  # Saint-Barthélemy, not Guadeloupe
        ("97150", "MF"),  # Saint-Martin, not Guadeloupe
        ("97200", "972"),
        ("973 00", "973"),
        ("97400", "974"),
        ("97500", "PM"),
        ("97600", "976"),
        ("75015", None),
        ("5700", None),
        ("", None),
        (None, None),
    ],
)
def test_delivery_postcode_names_the_holiday_region(postcode: str | None, region: str) -> None:
    assert holiday_region(postcode) == region


def test_good_friday_rolls_the_last_day_over_in_moselle() -> None:
    # Received Friday 20 March 2026: day 14 is Good Friday 3 April, a day off in Moselle only;
    # then the weekend and Easter Monday.
    assert withdrawal_last_day(date(2026, 3, 20)) == date(2026, 4, 3)
    assert withdrawal_last_day(date(2026, 3, 20), region="57") == date(2026, 4, 7)


def test_saint_stephen_rolls_the_last_day_over_in_alsace() -> None:
    # Received Friday 12 December 2025: day 14 is Friday 26 December, a day off in Alsace.
    assert withdrawal_last_day(date(2025, 12, 12)) == date(2025, 12, 26)
    assert withdrawal_last_day(date(2025, 12, 12), region=holiday_region("67000")) == date(
        2025, 12, 29
    )


def test_abolition_of_slavery_rolls_the_last_day_over_in_martinique() -> None:
    # Received Friday 8 May 2026: day 14 is Friday 22 May (Martinique), then Whit Monday.
    assert withdrawal_last_day(date(2026, 5, 8), region="972") == date(2026, 5, 26)
    assert not is_working_day(date(2026, 5, 22), "972")
    assert is_working_day(date(2026, 5, 22))


@given(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    st.sampled_from(sorted(set(HOLIDAY_REGIONS.values()))),
)
def test_a_region_only_ever_lengthens_the_period(received: date, region: str) -> None:
    national = withdrawal_last_day(received)

    assert withdrawal_last_day(received, region=region) >= national
    assert withdrawal_last_day(received, informed=False, region=region) >= withdrawal_last_day(
        received, informed=False
    )
