"""What happened, as the machines tell it: the domain events the shells react to.

The conversation machine and the case's lifecycle machine answer every event with values: a new
state, replies, and these events. The shells apply them (open the case, open the agents' topic, set
a reminder, send an e-mail); nothing outside the machines decides that any of it happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from flows.facts import Option

if TYPE_CHECKING:  # a reply is a value of the conversation's, which tells these events
    from flows.conversation_world import Reply

# -- told by the conversation (the customer's side) ------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseOpened:
    """A new request starts: it gets its own case."""


@dataclass(frozen=True, slots=True)
class HandedOver:
    """A person takes the conversation over; `reasons` say why (the card lists them)."""

    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HandedBack:
    """The conversation is the bot's again."""


@dataclass(frozen=True, slots=True)
class LeftHandover:
    """The customer left the agent's hands themselves (`trigger`: what they did, e.g. cancel)."""

    trigger: str


@dataclass(frozen=True, slots=True)
class Relayed:
    """What the customer sent is for the person holding the conversation."""


@dataclass(frozen=True, slots=True)
class Chose:
    """The request is settled by a choice: the customer's at the offer, or an agent's decision."""

    option: Option
    new_variant: str | None = None
    amount: Decimal | None = None  # an agent's refund amount; None: the item's price


@dataclass(frozen=True, slots=True)
class Reopened:
    """A declined request is looked at again: the customer gave a new reason (a defect)."""


@dataclass(frozen=True, slots=True)
class Declined:
    """No option could be offered (`rule`: the decision's rule)."""

    rule: str


@dataclass(frozen=True, slots=True)
class Refused:
    """An agent refused the request (`motive` is read by the customer)."""

    motive: str
    against_law: bool = False


@dataclass(frozen=True, slots=True)
class Cancelled:
    """The customer cancelled the request."""


@dataclass(frozen=True, slots=True)
class Closed:
    """An agent closed the case."""


@dataclass(frozen=True, slots=True)
class WithdrawalAcknowledged:
    """The withdrawal was confirmed (« confirmer la rétractation ») and acknowledged `at`."""

    at: datetime


@dataclass(frozen=True, slots=True)
class WithdrawalRecorded:
    """A withdrawal declaration sent (`outcome` "sent") or not ("went_back", "late", "exempt"),
    with what it declared and the reply that answered it: the shell keeps it for good."""

    outcome: str
    started_at: datetime
    at: datetime
    name: str
    order: str
    item: str
    email: str | None
    reply: Reply | None = None


@dataclass(frozen=True, slots=True)
class ReturnShipped:
    """The customer sent the item back: the return parcel's tracking number."""

    tracking_number: str


@dataclass(frozen=True, slots=True)
class Rated:
    """The customer's 1–5 rating of how the return went."""

    score: int


@dataclass(frozen=True, slots=True)
class Commented:
    """The customer's comment after their rating."""

    text: str


# -- told by the case's lifecycle (the shop's side) ------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusChanged:
    """The case moved on in its lifecycle."""

    before: str
    after: str
    by: str  # the trigger


@dataclass(frozen=True, slots=True)
class DueDateSet:
    """The shop owes something by `due`: the refund, or the replacement."""

    kind: str  # "refund" | "replacement"
    due: date


@dataclass(frozen=True, slots=True)
class AuthorisationRequested:
    """The item's return needs the supplier's agreement: the request is to be sent."""


@dataclass(frozen=True, slots=True)
class LabelAwaited:
    """The supplier agreed (`rma`); the return label is awaited before the customer is told."""

    rma: str | None


@dataclass(frozen=True, slots=True)
class ReplacementToOrder:
    """A new item is to be ordered and shipped to the customer (exchange, keep-and-replace)."""

    new_variant: str | None
    quantity: int


@dataclass(frozen=True, slots=True)
class ReminderDue:
    """A due date is close (`days_left`) and the shop has not settled it yet."""

    kind: str
    due: date
    days_left: int


@dataclass(frozen=True, slots=True)
class Overdue:
    """A due date has passed unsettled; for a refund, the L242-4 increase that now applies."""

    kind: str
    due: date
    days_late: int
    surcharge_percent: Decimal | None = None  # None: the legal interest rate (or no increase)
    surcharge_amount: Decimal | None = None
    next_step_on: date | None = None  # when the increase rises next (the next alert)


@dataclass(frozen=True, slots=True)
class FollowUpDue:
    """The case is settled: the follow-up message goes `after_days` later."""

    after_days: int


@dataclass(frozen=True, slots=True)
class NotPossible:
    """An actor asked for something the case's status does not allow (`trigger`, at `status`)."""

    trigger: str
    status: str


ConversationEvent = (
    CaseOpened
    | HandedOver
    | HandedBack
    | LeftHandover
    | Relayed
    | Chose
    | Declined
    | Reopened
    | Refused
    | Cancelled
    | Closed
    | WithdrawalAcknowledged
    | WithdrawalRecorded
    | ReturnShipped
    | Rated
    | Commented
)
CaseEvent = (
    StatusChanged
    | DueDateSet
    | AuthorisationRequested
    | LabelAwaited
    | ReplacementToOrder
    | ReminderDue
    | Overdue
    | FollowUpDue
    | NotPossible
)
Event = ConversationEvent | CaseEvent
