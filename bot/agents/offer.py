"""An agent's decision: the case's stored decision as a value again, completed for what the agent
chose, so that the customer reads the same templates as for the bot's own decision."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flows.facts import Deadlines, Decision, Party
from flows.law import WITHDRAWAL_DAYS
from flows.refund import Refund

REFUND_DAYS = WITHDRAWAL_DAYS  # L221-24: refund within 14 days when the bot had no due date


def decision_from_json(data: dict[str, Any]) -> Decision:
    """The decision stored on a case (`bot.conversation.cases.decision_json`), as a value again."""
    deadlines = Deadlines(
        **{
            key: date.fromisoformat(value) if value else None
            for key, value in data["deadlines"].items()
        }
    )
    tuples = ("options", "handover_reasons", "articles", "flags", "remedies")
    as_tuples = {key: tuple(data[key]) for key in tuples if key in data}  # older ones lack remedies
    refund = data.get("refund")  # absent from a case decided before the delivery was counted
    return Decision(
        **{
            **data,
            **as_tuples,
            "deadlines": deadlines,
            "refund": Refund(Decimal(refund["items"]), Decimal(refund["delivery"]))
            if refund
            else None,
        }
    )


def law_grants(data: dict[str, Any] | None, today: date) -> str | None:
    """What the law grants on this case today (French, for the agent), or None."""
    if not data:
        return None
    deadlines = data.get("deadlines") or {}
    window = data.get("window")
    withdrawal = deadlines.get("withdrawal_last_day")
    conformity = deadlines.get("conformity_until")
    if window == "withdrawal" and withdrawal and today <= date.fromisoformat(withdrawal):
        return f"le droit de rétractation (L221-18), ouvert jusqu'au {withdrawal}"
    if window == "conformity" and conformity and today <= date.fromisoformat(conformity):
        return f"la garantie légale de conformité (L217-3), valable jusqu'au {conformity}"
    return None


def decision_for_agent(
    option: str,
    data: dict[str, Any],
    *,
    fallback_address: str,
    today: date,
    to_shop: bool = False,
) -> Decision:
    """The case's decision, completed where the agent goes beyond the offer: an exchange the rules
    did not offer comes back to the shop's address; a refund has its 14 days (L221-24). `to_shop`:
    the supplier refused the return, so the item comes back to the shop."""
    decision = decision_from_json(data)
    if to_shop and decision.item_travels_back:
        label: Party | None = "shop" if decision.prepaid_label else None
        decision = dataclasses.replace(
            decision, return_address=fallback_address, return_to="shop", prepaid_label=label
        )
    deadlines = decision.deadlines
    if option == "exchange" and not decision.return_address:
        decision = dataclasses.replace(
            decision, return_address=fallback_address, item_travels_back=True, return_to="shop"
        )
    if option == "refund" and deadlines.refund_due is None:
        due = today + timedelta(days=REFUND_DAYS)
        decision = dataclasses.replace(
            decision, deadlines=dataclasses.replace(deadlines, refund_due=due)
        )
    if option == "refund" and decision.item_travels_back and not decision.return_address:
        decision = dataclasses.replace(decision, item_travels_back=False)
    if option == "keep_and_replace":
        decision = dataclasses.replace(decision, item_travels_back=False, prepaid_label=None)
    return decision


CENT = Decimal("0.01")
MOST = Decimal("100000")  # beyond any return a shop makes: a typo


def parse_amount(raw: str) -> Decimal | None:
    """« 24,90 », « 24.90 € » → Decimal("24.90"); None unless a positive amount to the cent."""
    text = raw.replace("€", "").replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value > MOST or value != value.quantize(CENT):
        return None
    return value.quantize(CENT)
