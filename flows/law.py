"""The French legal calendar of a return: withdrawal period, conformity guarantee, refund and return dates.

Pure date arithmetic: "today" and every other date are arguments, never read from a clock.
Articles are those of the Code de la consommation.

Article texts checked (December 2026, through stored public pages, not legifrance itself):
L221-24 in quotations of it (a shop's terms of sale, service-public's page F10485); L217-10 on
lexbase.fr; L217-16 in its version since 1 October 2021 on doctrine.fr (it sets no refund period);
L242-4 in its version since 1 July 2016 on doctrine.fr, with service-public's table of the tiers.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta
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


@cache
def _french_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FR", years=year))


def is_working_day(day: date) -> bool:
    """Neither a Saturday, a Sunday nor a French public holiday."""
    return day.weekday() < 5 and day not in _french_holidays(day.year)


def next_working_day(day: date) -> date:
    """The day itself when it is a working day, else the next one (L221-19)."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_months(day: date, months: int) -> date:
    """Same day `months` later; the 29th of February gives the last day of the month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def withdrawal_last_day(received: date, *, informed: bool = True) -> date:
    """Last day to withdraw: 14 days after the reception day, rolled to a working day (L221-18/19).

    When the customer was not informed of the right, the period is extended by 12 months (L221-20).
    """
    last_day = received + timedelta(days=WITHDRAWAL_DAYS)
    if not informed:
        last_day = add_months(last_day, UNINFORMED_EXTENSION_MONTHS)
    return next_working_day(last_day)


def order_withdrawal_last_day(receptions: Iterable[date], *, informed: bool = True) -> date:
    """Last day to withdraw from a whole order delivered in several parcels: from the last one."""
    last_reception = max(receptions, default=None)
    if last_reception is None:
        raise ValueError("an order withdrawal needs at least one reception date")
    return withdrawal_last_day(last_reception, informed=informed)


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
