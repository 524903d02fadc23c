"""The French legal calendar of a return: withdrawal period, conformity guarantee, refund and return dates.

Pure date arithmetic: "today" and every other date are arguments, never read from a clock.
Articles are those of the Code de la consommation.

Article texts checked in December 2026 on stored copies of public pages, not on legifrance itself:
L221-24 only as quoted by others (a shop's terms of sale; service-public's page F10485 republished
by a town's site); L217-10 on lexbase.fr; L217-16, version in force since 1 October 2021, on
doctrine.fr (it sets no refund period); L242-4, version in force since 1 July 2016, on doctrine.fr,
and service-public's table of its tiers (F10485).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Final

import holidays

WITHDRAWAL_DAYS: Final = 14  # L221-18
RETURN_SHIPPING_DAYS: Final = 14  # L221-23
REFUND_DAYS: Final = 14  # L221-24
UNINFORMED_EXTENSION_MONTHS: Final = 12  # L221-20
CONFORMITY_MONTHS: Final = 24  # L217-3
PRESUMPTION_MONTHS: Final = 24  # L217-7
SECOND_HAND_PRESUMPTION_MONTHS: Final = 12  # L217-7
CONFORMITY_FIX_DAYS: Final = 30  # L217-10
CONFORMITY_REFUND_DAYS: Final = 14  # no period in L217-16: the shop's practice, as in L221-24
REMINDER_DAYS_BEFORE: Final = 3  # the shop's practice, not the law

# L242-4: (last day late of the tier, percent of increase; None for the legal interest rate).
# "At the latest ten days" late takes day 10; "between ten and twenty" then starts at day 11,
# and each "between" tier keeps its upper day, as the first one does.
LATE_REFUND_TIERS: Final[tuple[tuple[int, Decimal | None], ...]] = (
    (10, None),
    (20, Decimal(5)),
    (30, Decimal(10)),
    (60, Decimal(20)),
    (90, Decimal(50)),
)
# Then five more points per further month of delay (taken as 30 days, like the tiers above) up to
# the price of the product; the month after the cap is reached, the legal interest rate on top.
LATE_REFUND_MONTH_DAYS: Final = 30
LATE_REFUND_MONTHLY_POINTS: Final = Decimal(5)
LATE_REFUND_CAP_PERCENT: Final = Decimal(100)
_CENT: Final = Decimal("0.01")


# Delivery postcodes whose local public holidays add to the national ones, by the first digits of
# the postcode; the longest prefix wins. Codes are the `holidays` package's French subdivisions.
# Alsace-Moselle (Good Friday, 26 December): Moselle 57, Bas-Rhin 67 and Haut-Rhin 68 (Alsace
# is one subdivision, "6AE"). Overseas: Guadeloupe 971 but Saint-Barthélemy 97133 and
# Saint-Martin 97150, which have their own days; Martinique 972, Guyane 973, La Réunion 974,
# Saint-Pierre-et-Miquelon 975, Mayotte 976, Wallis-et-Futuna 986, Polynésie 987,
# Nouvelle-Calédonie 988.
HOLIDAY_REGIONS: Final[dict[str, str]] = {
    "57": "57",
    "67": "6AE",
    "68": "6AE",
    "971": "971",
    "97133": "BL",
    "97150": "MF",
    "972": "972",
    "973": "973",
    "974": "974",
    "975": "PM",
    "976": "976",
    "986": "WF",
    "987": "PF",
    "988": "NC",
}


def holiday_region(postcode: str | None) -> str | None:
    """The region whose public holidays also count at this delivery postcode, None for none.

    A French postcode has five digits (spaces ignored); anything else is taken as mainland.
    """
    code = "".join((postcode or "").split())
    if len(code) != 5 or not code.isdigit():
        return None
    for length in (5, 3, 2):
        if code[:length] in HOLIDAY_REGIONS:
            return HOLIDAY_REGIONS[code[:length]]
    return None


@cache
def _french_holidays(year: int, region: str | None = None) -> frozenset[date]:
    national = frozenset(holidays.country_holidays("FR", years=year))
    if region is None:
        return national
    # On top of the national days, never instead: a region's days only lengthen a period.
    return national | frozenset(holidays.country_holidays("FR", subdiv=region, years=year))


def is_working_day(day: date, region: str | None = None) -> bool:
    """Neither a Saturday, a Sunday nor a public holiday, national or of the region (L221-19)."""
    return day.weekday() < 5 and day not in _french_holidays(day.year, region)


def next_working_day(day: date, region: str | None = None) -> date:
    """The day itself when it is a working day, else the next one (L221-19)."""
    while not is_working_day(day, region):
        day += timedelta(days=1)
    return day


def add_months(day: date, months: int) -> date:
    """Same day `months` later; the 29th of February gives the last day of the month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def withdrawal_last_day(
    received: date, *, informed: bool = True, region: str | None = None
) -> date:
    """Last day to withdraw: 14 days after the reception day, rolled to a working day (L221-18/19).

    When the customer was not informed of the right, the period is extended by 12 months (L221-20).
    `region` (`holiday_region` of the delivery postcode) adds its public holidays to the roll-over.
    """
    last_day = received + timedelta(days=WITHDRAWAL_DAYS)
    if not informed:
        last_day = add_months(last_day, UNINFORMED_EXTENSION_MONTHS)
    return next_working_day(last_day, region)


def order_withdrawal_last_day(
    receptions: Iterable[date], *, informed: bool = True, region: str | None = None
) -> date:
    """Last day to withdraw from a whole order delivered in several parcels: from the last one."""
    last_reception = max(receptions, default=None)
    if last_reception is None:
        raise ValueError("an order withdrawal needs at least one reception date")
    return withdrawal_last_day(last_reception, informed=informed, region=region)


def return_ship_by(withdrawn_on: date) -> date:
    """Last day for the customer to send the item back after withdrawing (L221-23)."""
    return withdrawn_on + timedelta(days=RETURN_SHIPPING_DAYS)


def refund_due(withdrawn_on: date) -> date:
    """Last day for the shop to refund after a withdrawal (L221-24)."""
    return withdrawn_on + timedelta(days=REFUND_DAYS)


def conformity_until(delivered: date) -> date:
    """Last day of the legal conformity guarantee: 2 years from delivery (L217-3)."""
    return add_months(delivered, CONFORMITY_MONTHS)


def presumption_until(delivered: date, *, second_hand: bool = False) -> date:
    """Last day a defect is presumed to have existed at delivery: 24 months, 12 second-hand (L217-7)."""
    months = SECOND_HAND_PRESUMPTION_MONTHS if second_hand else PRESUMPTION_MONTHS
    return add_months(delivered, months)


def conformity_fix_by(requested_on: date) -> date:
    """Last day to repair or replace a non-conforming item, free of charge (L217-10)."""
    return requested_on + timedelta(days=CONFORMITY_FIX_DAYS)


def withdrawal_refund_due(
    withdrawn_on: date, *, item_travels_back: bool, returned_on: date | None
) -> date | None:
    """Last day to refund after a withdrawal: 14 days, deferred until the item is back (L221-24).

    `returned_on` is the day the shop gets the item back or the customer's proof of shipment,
    whichever comes first; while the item travels back and neither has happened, the refund may
    be deferred, so nothing is due yet (None). Nothing can come back when nothing travels back.
    """
    if not item_travels_back:
        if returned_on is not None:
            raise ValueError("nothing travels back, so nothing can have been returned")
        return refund_due(withdrawn_on)
    if returned_on is None:
        return None
    return max(refund_due(withdrawn_on), returned_on)


def conformity_refund_due(
    decided_on: date, *, item_travels_back: bool, returned_on: date | None
) -> date | None:
    """Last day to refund under the conformity guarantee: 14 days after the item is back (L217-16).

    L217-16 makes the seller refund the price and take the item back at its own cost, but its text
    sets no period. The shop holds itself to 14 days from the day it gets the item back or the
    customer's proof of shipment, whichever comes first (`returned_on`; None, nothing due yet,
    while neither has happened), and to 14 days from the decision when nothing travels back;
    never earlier than 14 days from the decision.
    """
    if not item_travels_back:
        if returned_on is not None:
            raise ValueError("nothing travels back, so nothing can have been returned")
        return decided_on + timedelta(days=CONFORMITY_REFUND_DAYS)
    if returned_on is None:
        return None
    return max(decided_on, returned_on) + timedelta(days=CONFORMITY_REFUND_DAYS)


def replacement_due(requested_on: date) -> date:
    """Last day to repair or replace after the customer's request: 30 days (L217-10)."""
    return conformity_fix_by(requested_on)


def reminder_day(due: date) -> date:
    """The day the shop is reminded of a due date: 3 days before it (the shop's practice)."""
    return due - timedelta(days=REMINDER_DAYS_BEFORE)


@dataclass(frozen=True, slots=True)
class LateRefund:
    """The increase owed on a refund made, or still not made, after its due date (L242-4)."""

    days_late: int
    legal_interest: bool  # the legal interest rate applies: alone at first, on top once capped
    percent: Decimal | None  # None while only the legal interest rate applies
    amount: Decimal | None  # the increase on the price in euros, capped at the price
    next_step_on: date | None  # first day the next tier applies; None once nothing more is added
    article: str = "L242-4"


def late_refund_surcharge(due: date, paid_or_today: date, price: Decimal) -> LateRefund | None:
    """The increase on a late refund on a given day, None when it is not late (L242-4).

    `due` is a withdrawal refund's due date, deferral included (`withdrawal_refund_due`): the
    article counts from the periods of L221-24. It increases the sums due; `price` stands for them.
    """
    days_late = (paid_or_today - due).days
    if days_late <= 0:
        return None
    percent, last_day = _late_refund_tier(days_late)
    amount = None
    if percent is not None:
        amount = min(price, (price * percent / 100).quantize(_CENT, rounding=ROUND_HALF_UP))
    return LateRefund(
        days_late=days_late,
        legal_interest=percent is None or last_day is None,
        percent=percent,
        amount=amount,
        next_step_on=None if last_day is None else due + timedelta(days=last_day + 1),
    )


def _late_refund_tier(days_late: int) -> tuple[Decimal | None, int | None]:
    """The tier's percent (None: the legal interest rate) and its last day late (None: no end)."""
    for last_day, percent in LATE_REFUND_TIERS:
        if days_late <= last_day:
            return percent, last_day
    last_fixed_day, last_fixed_percent = LATE_REFUND_TIERS[-1]
    months = -(-(days_late - last_fixed_day) // LATE_REFUND_MONTH_DAYS)  # a month begun counts
    percent = (last_fixed_percent or Decimal(0)) + LATE_REFUND_MONTHLY_POINTS * months
    if percent > LATE_REFUND_CAP_PERCENT:
        return LATE_REFUND_CAP_PERCENT, None
    return percent, last_fixed_day + LATE_REFUND_MONTH_DAYS * months
