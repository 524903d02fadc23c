"""What the decision takes (a case's facts, the supplier's and the shop's policies) and what it gives.

Plain frozen values: the shells build them from the database or the conversation, the core never
reads anything else. Codes are English identifiers; the words a customer reads live in messages/fr/.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Final, Literal, get_args

from flows.refund import Refund
from flows.shop_window import shop_window_days

Reason = Literal[
    "size_color",
    "changed_mind",
    "not_as_described",
    "wrong_item",
    "damaged",
    "defective",
    "not_received",
]
Side = Literal["customer", "shop", "none"]
Category = Literal[
    "standard",
    "hygiene",
    "perishable",
    "custom_made",
    "digital",
    "second_hand",
    "sealed_media",  # sealed audio or video recordings and software (L221-28, 9°)
]
Option = Literal["exchange", "keep_and_replace", "refund"]
Payer = Literal["customer", "shop", "none"]
Window = Literal["withdrawal", "conformity"]
Party = Literal["supplier", "shop"]
Remedy = Literal["repair", "price_reduction"]  # under the conformity guarantee (L217-9, L217-14)

REASONS: Final[tuple[Reason, ...]] = get_args(Reason)
CUSTOMER_SIDE: Final[frozenset[Reason]] = frozenset({"size_color", "changed_mind"})
SHOP_SIDE: Final[frozenset[Reason]] = frozenset(
    {"not_as_described", "wrong_item", "damaged", "defective"}
)
CATEGORIES: Final[tuple[Category, ...]] = get_args(Category)
# Sealed goods whose withdrawal ends once unsealed after delivery (L221-28, 5° and 9°): the seal is asked.
SEALED_CATEGORIES: Final[frozenset[Category]] = frozenset({"hygiene", "sealed_media"})
OPTIONS: Final[tuple[Option, ...]] = get_args(Option)
REMEDIES: Final[tuple[Remedy, ...]] = get_args(Remedy)

# Set by the conversation engine; the decision adds the ones it can see in the facts.
CONVERSATION_HANDOVER_FLAGS: Final[frozenset[str]] = frozenset(
    {"three_misses", "duplicate_photo", "angry_words", "customer_asked", "ownership_locked"}
)
# Every handover reason, in the order a case card lists them.
HANDOVER_REASONS: Final[tuple[str, ...]] = (
    "not_received",
    "unknown_tracking",
    "delivery_date_unknown",
    "conformity_over",
    "asked_repair",
    "asked_price_reduction",
    "above_escalation_threshold",
    "three_misses",
    "ownership_locked",
    "duplicate_photo",
    "angry_words",
    "customer_asked",
)
FIX_DESCRIPTION: Final = "fix_description"


def side_of(reason: Reason) -> Side:
    """Whose side a reason is on: the customer's (withdrawal), the shop's (conformity) or neither."""
    if reason in CUSTOMER_SIDE:
        return "customer"
    if reason in SHOP_SIDE:
        return "shop"
    return "none"


@dataclass(frozen=True, slots=True)
class SupplierPolicy:
    """One version of a supplier's return policy (never shown to customers as a supplier's)."""

    code: str
    name: str
    version: int
    window_days: int
    accepts_customer_side_returns: bool
    customer_side_return_paid_by: Literal["customer", "shop"]
    provides_return_label: bool
    replacement_available: bool
    returns_practical: bool
    return_address: str
    authorisation_required: bool = False  # a return needs its agreement (and an RMA) first


@dataclass(frozen=True, slots=True)
class Mediator:
    """The consumer mediator the shop has joined (L612-1), named in every refusal (L616-1, R616-1)."""

    name: str
    website: str


@dataclass(frozen=True, slots=True)
class ShopPolicy:
    """The shop's own rules; `supplier_windows` holds every supplier's window to derive the shop's.

    `return_costs_terms` is the wording of the shop's terms that put the cost of a customer-side
    return on the customer; without it the shop pays that return (L221-23).
    """

    window_margin_days: int
    shop_pays_customer_side_return: bool
    keep_item_max_value: Decimal
    escalate_above_value: Decimal
    fallback_return_address: str
    supplier_windows: tuple[int, ...] = ()
    customer_informed_of_withdrawal: bool = True
    return_costs_terms: str = ""
    mediator: Mediator | None = None
    allows_repair: bool = False  # the bot offers a repair under the conformity guarantee
    allows_price_reduction: bool = False  # and a price reduction (else an agent decides)

    @property
    def window_days(self) -> int:
        """The advertised window in days from reception, never under the legal 14."""
        return shop_window_days(self.supplier_windows, self.window_margin_days)


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What is known of one item's case when the decision is taken.

    `delivered_on` is the reception day of the item's parcel (None when not known yet);
    `last_parcel_delivered_on` the reception day of the order's last parcel when the customer
    withdraws from the whole order (L221-18: the period then runs from it).
    `handover_flags` come from the conversation (see CONVERSATION_HANDOVER_FLAGS).
    `holiday_region` is `flows.law.holiday_region` of the delivery postcode (its public holidays
    also roll the last day over); `order_in_transit` says another parcel of the order is on its
    way, not received yet: the withdrawal period has not started (L221-18, last item).
    `digital_waiver`: for digital content, the customer expressly consented to its immediate
    supply and acknowledged losing the right of withdrawal (L221-28, 13°); the supply has begun
    once it is delivered. Without both, withdrawal applies.
    `remedy_requested`: the customer asked for a repair or a price reduction (L217-9, L217-14).
    `withdrawal_started_on` is the day a withdrawal's declaration began (L221-21): the day compared
    with the withdrawal's last day, however late it is confirmed.
    `price` is one unit's list price, `unit_paid` what a unit was paid once the order's discounts
    are taken off (`flows.discounts`; None: the price), which a refund gives back; `quantity` how
    many of the line are returned; `order_items_value` the value paid for every item of the order
    and `order_delivery` the delivery it paid (`flows.refund`).
    """

    reason: Reason
    price: Decimal
    category: Category
    today: date
    delivered_on: date | None
    seal_intact: bool | None = None
    last_parcel_delivered_on: date | None = None
    tracking_known: bool = True
    handover_flags: frozenset[str] = field(default_factory=frozenset)
    holiday_region: str | None = None
    order_in_transit: bool = False
    digital_waiver: bool = False
    remedy_requested: Remedy | None = None
    withdrawal_started_on: date | None = None
    quantity: int = 1
    order_items_value: Decimal | None = None
    order_delivery: Decimal = Decimal(0)
    unit_paid: Decimal | None = None

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"unknown reason {self.reason!r}")
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown product category {self.category!r}")
        unknown = set(self.handover_flags) - CONVERSATION_HANDOVER_FLAGS
        if unknown:
            raise ValueError(f"unknown handover flags {sorted(unknown)}")


@dataclass(frozen=True, slots=True)
class Deadlines:
    """The dates a decision rests on; None where they do not apply.

    `withdrawal_last_day` is the legal one (L221-18/19/20), `shop_last_day` the advertised window's,
    `customer_side_last_day` the later of the two (the one applied). The withdrawal is taken to be
    made on the decision day, which starts `refund_due` and `return_ship_by`.
    """

    withdrawal_last_day: date | None = None
    shop_last_day: date | None = None
    customer_side_last_day: date | None = None
    conformity_until: date | None = None
    presumption_until: date | None = None
    refund_due: date | None = None
    return_ship_by: date | None = None
    fix_by: date | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """What the customer is offered for one item, why, and by when. A value: same facts, same one.

    `refund` is what the refund option gives back (None when no refund is offered);
    `return_costs_terms` the shop's terms quoted when the customer pays the return.
    """

    options: tuple[Option, ...]
    return_paid_by: Payer
    item_travels_back: bool
    return_to: Party | None
    return_address: str | None
    prepaid_label: Party | None
    photos_required: bool
    handover: bool
    handover_reasons: tuple[str, ...]
    rule_id: str
    explanation: str
    articles: tuple[str, ...]
    window: Window | None
    deadlines: Deadlines
    policy_version: int
    supplier_code: str
    flags: tuple[str, ...]
    refund: Refund | None = None
    return_costs_terms: str | None = None
    # Withdrawal: a parcel of the order is still on its way, so the period has not started yet.
    awaiting_last_parcel: bool = False
    # Conformity guarantee: the remedies the shop lets the bot offer besides the options.
    remedies: tuple[Remedy, ...] = ()
