"""An agent's decision, said to the customer with the same templates as the bot's own decision."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flows.facts import Deadlines, Decision
from flows.law import WITHDRAWAL_DAYS

REFUND_DAYS = WITHDRAWAL_DAYS  # L221-24: refund within 14 days when the bot had no due date


@dataclass(frozen=True, slots=True)
class ItemName:
    """What the instruction templates read of the item."""

    name: str


def decision_from_json(data: dict[str, Any]) -> Decision:
    """The decision stored on a case (`bot.conversation.cases.decision_json`), as a value again."""
    deadlines = Deadlines(
        **{
            key: date.fromisoformat(value) if value else None
            for key, value in data["deadlines"].items()
        }
    )
    tuples = ("options", "handover_reasons", "articles", "flags")
    return Decision(**{**data, **{key: tuple(data[key]) for key in tuples}, "deadlines": deadlines})


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


def instruction_values(
    option: str,
    decision: Decision,
    item_name: str,
    amount: Decimal,
    *,
    fallback_address: str,
    today: date,
) -> dict[str, Any]:
    """The values `instructions_<option>` needs, completed where the agent goes beyond the offer."""
    deadlines = decision.deadlines
    if option == "exchange" and not decision.return_address:
        decision = dataclasses.replace(decision, return_address=fallback_address)
    if option == "refund" and deadlines.refund_due is None:
        due = today + timedelta(days=REFUND_DAYS)
        decision = dataclasses.replace(
            decision, deadlines=dataclasses.replace(deadlines, refund_due=due)
        )
    if option == "refund" and decision.item_travels_back and not decision.return_address:
        decision = dataclasses.replace(decision, item_travels_back=False)
    return {
        "item": ItemName(item_name),
        "amount": amount,
        "decision": decision,
        "new_variant": None,
        "reason": None,
    }


def parse_amount(raw: str) -> Decimal | None:
    """« 24,90 », « 24.90 € » → Decimal("24.90"); None when it is not a positive amount."""
    text = raw.replace("€", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value > Decimal("100000"):
        return None
    return value.quantize(Decimal("0.01"))
