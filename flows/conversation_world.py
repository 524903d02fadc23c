"""What the conversation core is given (the world as the shell looked it up) and what it gives back.

The shell reads the database before an event and passes where the conversation stands (`Standing`)
and a `World`; the core answers with an `Answer`: the new standing, `Reply` values (a template name,
its values and buttons) that the shell renders and stores in the outbox, the decision and the
domain events (`flows.events`) the shell applies. `Facts` is what a conversation has learnt so far;
it is saved as JSON with the conversation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from flows.case_file import CaseFile
from flows.events import Event
from flows.facts import Category, Decision, ShopPolicy, SupplierPolicy


@dataclass(frozen=True, slots=True)
class Item:
    """One order line of the customer's parcel, with the return policy that applies to it."""

    line_id: int
    name: str
    sku: str
    price: Decimal
    quantity: int
    category: Category
    policy: SupplierPolicy | None
    open_case: str | None = None  # another open case's reference on this line
    digital_waiver: bool = False  # digital content: consent and acknowledgement (L221-28, 13°)
    unit_paid: Decimal | None = None  # one unit's price once the discounts are off (None: price)


@dataclass(frozen=True, slots=True)
class Parcel:
    """A parcel found by its tracking number; no ownership proof travels into the core."""

    tracking_number: str
    order_name: str
    delivered_on: date | None
    last_parcel_delivered_on: date | None
    items: tuple[Item, ...]
    order_items_value: Decimal | None = None  # every item of the order, for the delivery's share
    order_delivery: Decimal = Decimal(0)  # the delivery the order paid
    order_in_transit: bool = False  # another parcel of the order is on its way (L221-18)
    holiday_region: str | None = None  # `flows.law.holiday_region` of the delivery postcode

    def item(self, line_id: int | None) -> Item | None:
        """The chosen item, or the only one."""
        if line_id is None:
            return self.items[0] if len(self.items) == 1 else None
        return next((item for item in self.items if item.line_id == line_id), None)


@dataclass(frozen=True, slots=True)
class Contact:
    """The order's name and e-mail, looked up only once the customer has proven the order is theirs."""

    name: str
    email: str


@dataclass(frozen=True, slots=True)
class World:
    """What the shell looked up for one event: clock, shop rules, parcels and checks on the message."""

    today: date
    now: datetime
    shop: ShopPolicy | None = None
    parcels: Mapping[str, Parcel] = field(default_factory=dict)
    proves_ownership: bool = False  # the message's first postcode or e-mail is the order's
    # Too many wrong postcodes or e-mails lately: for these tracking numbers, or from this customer.
    locked_numbers: frozenset[str] = frozenset()
    customer_locked: bool = False
    duplicate_photo: bool = False  # the photo is in another customer's case
    photo_known: bool = False  # the same photo is already in this case
    # Without a tracking number: the parcels of the order named by `Facts.order_key` (in `parcels`).
    order_parcels: tuple[str, ...] = ()
    first_name: str = ""
    channel: str = ""  # "telegram", "console": where the customer writes
    opening_hours: str = ""
    case: CaseFile | None = None  # the conversation's case, as it stands in its lifecycle
    contact: Contact | None = None  # looked up for a withdrawal's declaration
    sends_email: bool = False  # the shop's e-mail is set up: acknowledged by e-mail too


@dataclass
class Facts:
    """What the conversation has learnt, step by step (JSON-safe: saved with the conversation)."""

    reason: str | None = None
    withdrawal: bool = False
    tracking_number: str | None = None
    tracking_problem: str | None = None
    # No tracking number: the order as the customer named it (« #1003 », or its e-mail), and how.
    order_key: str | None = None
    found_by: str | None = None  # "number" or "email" (then only the postcode proves it)
    order_parcels: list[str] = field(default_factory=list)  # a proven order's parcels, when several
    owner_verified: bool = False
    mismatches: int = 0  # proofs that matched nothing at this step (« Toujours » from the 2nd)
    early_proofs: list[str] = field(
        default_factory=list
    )  # a postcode or e-mail typed before the parcel
    line_id: int | None = None
    quantity: int | None = None  # how many of the line are concerned (asked when it holds several)
    quantity_said: str | None = None  # « un des deux » ("one"), « les deux » ("all"), said early
    seal_intact: bool | None = None
    photos: int = 0
    photos_settled: bool = False
    option: str | None = None
    remedy: str | None = None  # a repair or a price reduction asked for (L217-9, L217-14)
    new_variant: str | None = None
    withdrawal_answer: bool | None = None
    withdrawal_confirmed_at: str | None = None
    # L221-21: the moment the declaration began is the one that counts (and its day in Paris).
    withdrawal_started_at: str | None = None
    withdrawal_started_on: str | None = None
    withdrawal_email: str | None = None  # another address for the acknowledgement than the order's
    handover_reasons: list[str] = field(default_factory=list)
    offered: list[str] = field(default_factory=list)
    return_tracking: str | None = None  # the return parcel's number, given after the choice
    return_problem: str | None = None
    rating: int | None = None
    comment: str | None = None  # "" when the customer had nothing to add

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Facts:
        names = _fact_names()
        return cls(**{key: value for key, value in data.items() if key in names})

    def to_json(self) -> dict[str, Any]:
        """The facts as JSON: plain values, each list a copy (`asdict`'s deep copy, at a fraction
        of its cost: it runs twice per update)."""
        values = ((name, getattr(self, name)) for name in _fact_names())
        return {name: list(value) if isinstance(value, list) else value for name, value in values}

    def copy(self) -> Facts:
        """A copy the machine may change: each list copied, every other fact is immutable."""
        return Facts(**self.to_json())

    def same_parcel(self) -> Facts:
        """A new request about the same parcel: its number and the ownership proven are kept."""
        return Facts(
            tracking_number=self.tracking_number,
            owner_verified=self.owner_verified,
            found_by=self.found_by,
        )

    def flag(self, reason: str) -> None:
        if reason not in self.handover_reasons:
            self.handover_reasons.append(reason)


@dataclass(frozen=True, slots=True)
class Button:
    """A choice offered with a message: its id comes back when pressed; its label is a template key."""

    id: str
    label: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to the customer: `messages/fr/<template>.j2` rendered with `values`."""

    template: str
    values: Mapping[str, Any] = field(default_factory=dict)
    buttons: tuple[Button, ...] = ()
    document: str | None = None  # a file sent with it (a return label), by its stored path


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a conversation stands: its state, what it has learnt, and the misses at this step."""

    state: str
    facts: Facts
    misses: int = 0


@dataclass(frozen=True, slots=True)
class Answer:
    """What the conversation machine made of one event; the shell applies it as it is.

    `decision` is computed once per event; `parcel` and `item` are those the request is about once
    known (the item only after the ownership check). `events` are in the order they happened.
    """

    trigger: str
    standing: Standing
    previous_state: str
    replies: tuple[Reply, ...] = ()
    events: tuple[Event, ...] = ()
    decision: Decision | None = None
    parcel: Parcel | None = None
    item: Item | None = None

    @property
    def state(self) -> str:
        return self.standing.state


@cache
def _fact_names() -> tuple[str, ...]:
    return tuple(f.name for f in fields(Facts))
