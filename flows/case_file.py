"""A return case as the core sees it: the request, the offer it rests on, and its lifecycle so far.

The shell reads it from the database before an event and writes back what the machines changed.
It is what the lifecycle machine (`flows.case_lifecycle`) drives, and what the conversation reads to
tell a customer where their case stands.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from flows.facts import Decision
from flows.refund import Refund, refund_for

# The lifecycle's states, grouped by what they mean for the shop and the customer.
BEFORE_OFFER = ("open", "handover")
AWAITING = (
    "awaiting_authorisation",
    "supplier_refused",
    "awaiting_return",
    "awaiting_refund",
    "awaiting_replacement",
)  # a choice made, nothing shipped yet: it can still change
RETURNING = ("return_in_transit", "received")
SETTLED = ("refunded", "replacement_shipped")
ENDED = ("declined", "cancelled", "refused", "closed")
STATUSES = (*BEFORE_OFFER, *AWAITING, *RETURNING, *SETTLED, *ENDED)
REPLACEMENTS = ("exchange", "keep_and_replace")
# Nothing chosen yet: the request itself (reason, item, decision) may still change.
REQUESTING = (*BEFORE_OFFER, "declined")


@dataclass(frozen=True, slots=True)
class CaseItem:
    """What the templates read of the item (its name)."""

    name: str


@dataclass(frozen=True, slots=True)
class CaseFile:
    """One case: its reference, status and everything its lifecycle has recorded."""

    reference: str = ""
    status: str = "open"
    reason: str | None = None
    item_name: str = ""
    price: Decimal | None = None  # one unit's price
    quantity: int = 1
    order_name: str | None = None
    tracking_number: str | None = None  # the parcel the customer received
    decision: Decision | None = None
    needs_authorisation: bool = False  # the item's return policy asks for the supplier's agreement
    option: str | None = None
    new_variant: str | None = None
    amount: Decimal | None = None  # the refund's amount, once chosen
    chosen_on: date | None = None
    withdrawal_at: datetime | None = None
    rma: str | None = None
    label: str | None = None  # the return label's file, once an agent has sent it
    authorised_on: date | None = None
    return_tracking_number: str | None = None
    return_shipped_on: date | None = None
    received_on: date | None = None
    refund_due: date | None = None
    replacement_due: date | None = None
    refunded_on: date | None = None
    replacement_tracking_number: str | None = None
    replacement_shipped_on: date | None = None
    settled_on: date | None = None
    followed_up_on: date | None = None
    rating: int | None = None
    comment: str | None = None
    refusal: str | None = None

    @property
    def item(self) -> CaseItem:
        return CaseItem(self.item_name)

    @property
    def refund(self) -> Refund | None:
        """What a refund gives back: the decision's, the delivery's share included (a case decided
        before the delivery was counted: the items alone)."""
        if self.decision is not None and self.decision.refund is not None:
            return self.decision.refund
        return refund_for(self.price, self.quantity) if self.price is not None else None

    @property
    def item_travels_back(self) -> bool:
        return bool(self.decision and self.decision.item_travels_back)

    @property
    def label_expected(self) -> bool:
        """The return is prepaid: the customer gets a label (the supplier's or the shop's)."""
        return bool(self.decision and self.decision.prepaid_label and self.item_travels_back)

    @property
    def returned_on(self) -> date | None:
        """The first proof that the item is on its way back or back (L221-24)."""
        days = [day for day in (self.return_shipped_on, self.received_on) if day is not None]
        return min(days) if days else None

    @property
    def owes_refund(self) -> bool:
        return self.option == "refund" and self.status in (*AWAITING, *RETURNING)

    @property
    def owes_replacement(self) -> bool:
        return self.option in REPLACEMENTS and self.status in (*AWAITING, *RETURNING)

    def changed(self, **values: object) -> CaseFile:
        return replace(self, **values)  # type: ignore[arg-type]
