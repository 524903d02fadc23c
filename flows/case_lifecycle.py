"""A return case after the offer, as data: its statuses, the moves between them, and the one machine.

The customer's choice (or an agent's decision) starts it. Where the item's return policy asks for
it, the supplier's agreement comes first; then the item travels back (the customer sends the
return's tracking number; an agent or a shipments import marks it received) and the shop refunds
or ships the replacement; keep-and-replace and refunds of items that stay skip the return. A
follow-up goes a few days after the case is settled, with a 1–5 rating. Every actor drives it the
same way: the customer (through the conversation's events, `follow`), agents' commands, imports
and the scheduler (`advance`). Each answer is a value: the new case file, replies to the customer
and domain events for the shells (the agents' topic, reminders, the supplier's e-mail).

States are plain strings, saved as the case's status. One `transitions.Machine` serves every case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final

from transitions import Machine
from transitions.core import MachineError

from flows import law
from flows.case_file import (
    AWAITING,
    BEFORE_OFFER,
    ENDED,
    REPLACEMENTS,
    REQUESTING,
    RETURNING,
    SETTLED,
    STATUSES,
    CaseFile,
)
from flows.conversation_world import Answer, Button, Reply
from flows.events import (
    AuthorisationRequested,
    Cancelled,
    Chose,
    Closed,
    Commented,
    Declined,
    DueDateSet,
    Event,
    FollowUpDue,
    HandedBack,
    HandedOver,
    LabelAwaited,
    NotPossible,
    Overdue,
    Rated,
    Refused,
    ReminderDue,
    Reopened,
    ReplacementToOrder,
    ReturnShipped,
    StatusChanged,
    WithdrawalAcknowledged,
)
from flows.facts import Mediator
from flows.machines import fire
from flows.refund import Refund

RATING_BUTTONS: Final = tuple(Button(f"rating:{score}", f"rating.{score}") for score in range(1, 6))
RETURN_SHIPPED_BUTTON: Final = Button("return:shipped", "return.shipped")

STATES: Final[list[dict[str, Any]]] = [
    {"name": "open"},
    {"name": "handover"},
    {"name": "declined"},
    {"name": "cancelled"},
    {"name": "refused", "on_enter": "tell_refusal"},
    {"name": "awaiting_authorisation", "on_enter": "request_authorisation"},
    {"name": "supplier_refused"},
    {"name": "awaiting_return", "on_enter": "give_return_instructions"},
    {"name": "awaiting_refund", "on_enter": "confirm_refund"},
    {"name": "awaiting_replacement", "on_enter": "confirm_replacement"},
    {"name": "return_in_transit", "on_enter": "thank_for_shipping"},
    {"name": "received", "on_enter": "confirm_reception"},
    {"name": "refunded", "on_enter": "tell_refund"},
    {"name": "replacement_shipped", "on_enter": "tell_replacement_shipped"},
    {"name": "closed"},
]

# Where a choice leads: the supplier's agreement first when asked for, then the item's trip back.
ROUTE: Final[list[dict[str, Any]]] = [
    {"dest": "awaiting_authorisation", "conditions": "needs_authorisation"},
    {"dest": "awaiting_return", "conditions": "item_travels_back"},
    {"dest": "awaiting_refund", "conditions": "refund_chosen"},
    {"dest": "awaiting_replacement"},
]
DECIDABLE: Final = [*BEFORE_OFFER, "declined", *AWAITING]  # a choice is made, or made again
ON_ITS_WAY: Final = ["awaiting_return", "return_in_transit"]
OWING: Final = [*AWAITING, *RETURNING]
LIVE: Final = [s for s in STATUSES if s not in ENDED]

TRANSITIONS: Final[list[dict[str, Any]]] = [
    {"trigger": "hand_over", "source": "open", "dest": "handover"},
    {"trigger": "hand_back", "source": "handover", "dest": "open"},
    *({"trigger": "choose", "source": DECIDABLE, "prepare": "note_choice", **route} for route in ROUTE),
    {"trigger": "decline", "source": BEFORE_OFFER, "dest": "declined"},
    {"trigger": "reopen", "source": "declined", "dest": "open"},
    {"trigger": "cancel", "source": [*BEFORE_OFFER, *AWAITING], "dest": "cancelled"},
    {"trigger": "refuse", "source": DECIDABLE, "dest": "refused", "prepare": "note_refusal"},
    # The supplier's agreement, and the label it comes with.
    {"trigger": "authorise", "source": "awaiting_authorisation", "dest": "awaiting_return", "prepare": "note_authorisation", "unless": "label_awaited"},
    {"trigger": "authorise", "source": "awaiting_authorisation", "dest": None, "after": "await_label"},
    {"trigger": "attach_label", "source": "awaiting_authorisation", "dest": "awaiting_return", "prepare": "note_label", "conditions": "authorised"},
    {"trigger": "attach_label", "source": "awaiting_authorisation", "dest": None},
    {"trigger": "attach_label", "source": ON_ITS_WAY, "dest": None, "prepare": "note_label", "after": "send_label"},
    {"trigger": "supplier_refuses", "source": "awaiting_authorisation", "dest": "supplier_refused"},
    # The item's trip back.
    {"trigger": "return_shipped", "source": "awaiting_return", "dest": "return_in_transit", "prepare": "note_return_shipment"},
    {"trigger": "receive", "source": ON_ITS_WAY, "dest": "received", "prepare": "note_reception"},
    # What the shop owes, settled.
    {"trigger": "refund", "source": [*ON_ITS_WAY, "received", "awaiting_refund"], "dest": "refunded", "conditions": "refund_chosen", "prepare": "note_refund"},
    {"trigger": "ship_replacement", "source": [*ON_ITS_WAY, "received", "awaiting_replacement"], "dest": "replacement_shipped", "conditions": "replacement_chosen", "prepare": "note_replacement_shipment"},
    {"trigger": "follow_up", "source": SETTLED, "dest": "closed", "after": "send_follow_up"},
    {"trigger": "close", "source": LIVE, "dest": "closed", "after": "say_closed"},
    # The scheduler: a due date close, a due date passed (for as long as it stays unsettled).
    {"trigger": "remind", "source": OWING, "dest": None, "conditions": "still_owed", "after": "remind_shop"},
    {"trigger": "alert", "source": OWING, "dest": None, "conditions": "still_owed", "after": "alert_shop"},
    # The customer's rating of the follow-up, kept whatever the status.
    {"trigger": "rate", "source": "*", "dest": None, "prepare": "note_rating"},
    {"trigger": "comment", "source": "*", "dest": None, "prepare": "note_comment"},
]  # fmt: skip

MACHINE: Final = Machine(
    model=None,
    states=STATES,
    transitions=TRANSITIONS,
    initial="open",
    auto_transitions=False,
    ignore_invalid_triggers=False,
)


@dataclass(frozen=True, slots=True)
class CaseAnswer:
    """What the lifecycle made of one event: the case as it now stands, replies, domain events.

    `fired` is False when the event could not apply at the case's status (see `NotPossible`).
    """

    trigger: str
    file: CaseFile
    fired: bool
    replies: tuple[Reply, ...] = ()
    events: tuple[Event, ...] = ()

    @property
    def status(self) -> str:
        return self.file.status


@dataclass
class _Lifecycle:
    """One case as the machine sees it, for one event."""

    file: CaseFile
    today: date
    follow_up_after_days: int
    data: dict[str, Any]
    mediator: Mediator | None = None  # named in a refusal (L616-1)
    state: str = ""
    replies: list[Reply] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    # -- conditions ------------------------------------------------------------------------------

    def needs_authorisation(self) -> bool:
        return self.file.needs_authorisation and self.file.item_travels_back

    def item_travels_back(self) -> bool:
        return self.file.item_travels_back

    def refund_chosen(self) -> bool:
        return self.file.option == "refund"

    def replacement_chosen(self) -> bool:
        return self.file.option in REPLACEMENTS

    def label_awaited(self) -> bool:
        return self.file.label_expected and self.file.label is None

    def authorised(self) -> bool:
        return self.file.authorised_on is not None

    def still_owed(self) -> bool:
        kind, due = self.data.get("kind"), self.data.get("due")
        if kind == "refund":
            return self.file.owes_refund and self.file.refund_due == due
        return (
            kind == "replacement"
            and self.file.owes_replacement
            and self.file.replacement_due == due
        )

    # -- what each event records -------------------------------------------------------------------

    def note_choice(self) -> None:
        option = self.data["option"]
        self._change(
            decision=self.data.get("decision") or self.file.decision
        )  # an agent's may differ
        refund = self.file.refund if option == "refund" else None
        amount = self.data.get("amount") or (refund.total if refund else None)
        self._change(
            # A supplier who refused is not asked again: the shop takes the return on itself.
            needs_authorisation=self.file.needs_authorisation and self.state != "supplier_refused",
            option=option,
            new_variant=self.data.get("new_variant"),
            amount=amount,
            chosen_on=self.today,
            refund_due=None,
            replacement_due=None,
            refusal=None,
        )

    def note_refusal(self) -> None:
        self._change(refusal=self.data.get("motive") or "")

    def note_authorisation(self) -> None:
        self._change(authorised_on=self.today, rma=self.data.get("rma") or self.file.rma)

    def note_label(self) -> None:
        self._change(label=self.data["label"])

    def note_return_shipment(self) -> None:
        self._change(
            return_tracking_number=self.data["tracking_number"], return_shipped_on=self.today
        )

    def note_reception(self) -> None:
        self._change(received_on=self.data.get("on") or self.today)

    def note_refund(self) -> None:
        self._change(refunded_on=self.today, amount=self.data.get("amount") or self.file.amount)

    def note_replacement_shipment(self) -> None:
        number = self.data["tracking_number"]
        self._change(replacement_tracking_number=number, replacement_shipped_on=self.today)

    def note_rating(self) -> None:
        self._change(rating=self.data["score"])

    def note_comment(self) -> None:
        self._change(comment=self.data["text"][:1000])

    # -- what each status says, and to whom ------------------------------------------------------

    def request_authorisation(self) -> None:
        """Tells the customer kindly that the return is being prepared; the request goes out."""
        self._set_due_dates()
        self.say("return_being_prepared", label=self.file.label_expected)
        self.emit(AuthorisationRequested())

    def await_label(self) -> None:
        self._change(authorised_on=self.today, rma=self.data.get("rma") or self.file.rma)
        self.emit(LabelAwaited(self.file.rma))

    def give_return_instructions(self) -> None:
        """The return address (with the label and the return's reference when there are)."""
        self._set_due_dates()
        if self.file.authorised_on is not None:
            self.say("return_ready", (RETURN_SHIPPED_BUTTON,), document=self.file.label)
        else:
            self.say(f"instructions_{self.file.option}", (RETURN_SHIPPED_BUTTON,))
        if self.file.option == "keep_and_replace":  # a nothing-travels-back option never comes here
            self._order_replacement()

    def confirm_refund(self) -> None:
        self._set_due_dates()
        self.say("instructions_refund")

    def confirm_replacement(self) -> None:
        self._set_due_dates()
        self.say("instructions_keep_and_replace")
        self._order_replacement()

    def send_label(self) -> None:
        self.say("return_label", document=self.file.label)

    def thank_for_shipping(self) -> None:
        self._set_due_dates()
        self.say("return_on_its_way")

    def confirm_reception(self) -> None:
        self._set_due_dates()
        self.say("return_received")
        if self.file.option == "exchange":
            self._order_replacement()

    def tell_refund(self) -> None:
        self._settled()
        self.say("refund_made")

    def tell_replacement_shipped(self) -> None:
        self._settled()
        self.say("replacement_on_its_way")

    def send_follow_up(self) -> None:
        self._change(followed_up_on=self.today)
        self.say("follow_up", RATING_BUTTONS)

    def say_closed(self) -> None:
        self.say("agent_closed")
        self.emit(Closed())

    def tell_refusal(self) -> None:
        self.say("agent_refused", motive=self.file.refusal or "", mediator=self.mediator)

    def remind_shop(self) -> None:
        due: date = self.data["due"]
        self.emit(ReminderDue(self.data["kind"], due, (due - self.today).days))

    def alert_shop(self) -> None:
        kind, due = self.data["kind"], self.data["due"]
        file = self.file
        items = None if file.price is None else file.price * file.quantity
        late = law.late_refund_surcharge(
            due, self.today, file.amount or Decimal(0), product_price=items
        )
        if kind == "refund" and late is not None:
            self.emit(
                Overdue(
                    kind,
                    due,
                    late.days_late,
                    surcharge_percent=late.percent,
                    surcharge_amount=late.amount,
                    next_step_on=late.next_step_on,
                )
            )
        else:
            self.emit(Overdue(kind, due, max((self.today - due).days, 0)))

    # -- helpers ---------------------------------------------------------------------------------

    def say(self, template: str, buttons: tuple[Button, ...] = (), **values: Any) -> None:
        document = values.pop("document", None)
        file = self.file
        decision = file.decision
        values = {
            "item": file.item,
            "amount": file.amount if file.amount is not None else _total(file.refund),
            "decision": decision,
            "new_variant": file.new_variant,
            "reason": file.reason,
            "case": file,
            **values,
        }
        self.replies.append(Reply(template, values, buttons, document=document))

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def _change(self, **values: Any) -> None:
        self.file = self.file.changed(**values)

    def _order_replacement(self) -> None:
        self.emit(ReplacementToOrder(self.file.new_variant, self.file.quantity))

    def _settled(self) -> None:
        self._change(settled_on=self.today)
        self.emit(FollowUpDue(self.follow_up_after_days))

    def _set_due_dates(self) -> None:
        """What the shop owes by when, from the law; a date that moves is announced again."""
        file = self.file
        refund_due = replacement_due = None
        if file.option == "refund" and file.chosen_on is not None:
            refund_due = _refund_due(file)
        if file.option in REPLACEMENTS and file.chosen_on is not None:
            replacement_due = law.replacement_due(file.chosen_on)
        if refund_due is not None and refund_due != file.refund_due:
            self.emit(DueDateSet("refund", refund_due))
        if replacement_due is not None and replacement_due != file.replacement_due:
            self.emit(DueDateSet("replacement", replacement_due))
        self._change(refund_due=refund_due, replacement_due=replacement_due)


def _total(refund: Refund | None) -> Decimal | None:
    return refund.total if refund is not None else None


def _refund_due(file: CaseFile) -> date | None:
    assert file.chosen_on is not None
    window = file.decision.window if file.decision else None
    if window == "withdrawal":
        return law.withdrawal_refund_due(
            file.chosen_on, item_travels_back=file.item_travels_back, returned_on=file.returned_on
        )
    return law.conformity_refund_due(
        file.chosen_on, item_travels_back=file.item_travels_back, returned_on=file.returned_on
    )


def advance(
    file: CaseFile,
    trigger: str,
    *,
    today: date,
    follow_up_after_days: int = 3,
    mediator: Mediator | None = None,
    **data: Any,
) -> CaseAnswer:
    """Runs one event of the case's lifecycle: an agent's command, an import, the scheduler."""
    model = _Lifecycle(file, today, follow_up_after_days, data, mediator)
    if not _fire(model, trigger):  # what a transition's preparation noted is not kept
        return CaseAnswer(trigger, file, False, (), (NotPossible(trigger, file.status),))
    if model.state != file.status:
        model.emit(StatusChanged(file.status, model.state, trigger))
    final = model.file.changed(status=model.state)
    return CaseAnswer(trigger, final, True, tuple(model.replies), tuple(model.events))


# The case's event for each of the conversation's (the customer's side of the lifecycle).
_FROM_CONVERSATION: Final[dict[type, str]] = {
    HandedOver: "hand_over",
    HandedBack: "hand_back",
    Chose: "choose",
    Declined: "decline",
    Reopened: "reopen",
    Refused: "refuse",
    Cancelled: "cancel",
    Closed: "close",
    ReturnShipped: "return_shipped",
    Rated: "rate",
    Commented: "comment",
}


def follow(
    file: CaseFile,
    events: Sequence[Event],
    *,
    today: date,
    follow_up_after_days: int = 3,
    mediator: Mediator | None = None,
) -> CaseAnswer:
    """The conversation's events applied to its case, in order (those it cannot take are dropped)."""
    replies: list[Reply] = []
    told: list[Event] = []
    for event in events:
        if isinstance(event, WithdrawalAcknowledged):
            file = file.changed(withdrawal_at=event.at)
            continue
        trigger = _FROM_CONVERSATION.get(type(event))
        if trigger is None:
            continue
        answer = advance(
            file,
            trigger,
            today=today,
            follow_up_after_days=follow_up_after_days,
            mediator=mediator,
            **_data(event),
        )
        if answer.fired:
            file = answer.file
            replies += answer.replies
            told += answer.events
    return CaseAnswer("follow", file, True, tuple(replies), tuple(told))


def _data(event: Event) -> dict[str, Any]:
    if isinstance(event, Chose):
        return {"option": event.option, "new_variant": event.new_variant, "amount": event.amount}
    if isinstance(event, Refused):
        return {"motive": event.motive}
    if isinstance(event, ReturnShipped):
        return {"tracking_number": event.tracking_number}
    if isinstance(event, Rated):
        return {"score": event.score}
    if isinstance(event, Commented):
        return {"text": event.text}
    return {}


def with_request(file: CaseFile, answer: Answer) -> CaseFile:
    """The request as the conversation has gathered it so far, until the offer is settled (a case
    keeps the item, the decision and the dates it was settled with)."""
    if file.status not in REQUESTING:
        return file
    facts, item, parcel = answer.standing.facts, answer.item, answer.parcel
    policy = item.policy if item is not None else None
    return file.changed(
        reason=facts.reason,
        item_name=item.name if item is not None else "",
        price=item.price if item is not None else None,
        quantity=(facts.quantity or item.quantity) if item is not None else 1,
        order_name=parcel.order_name if parcel is not None and facts.owner_verified else None,
        tracking_number=parcel.tracking_number if parcel is not None else None,
        decision=answer.decision,
        needs_authorisation=bool(policy and policy.authorisation_required),
    )


def _fire(model: _Lifecycle, trigger: str) -> bool:
    model.state = model.file.status
    try:
        return fire(MACHINE, model, trigger)
    except MachineError:
        return False
