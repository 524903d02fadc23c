"""The steps of the customer journey: one callback per step, named after it, and the conditions.

`Journey` is the model the shared machine of `flows.conversation` drives. It holds one conversation's
state, what it has learnt (`Facts`) and the world the shell looked up; each step appends `Reply`
values and domain events (`flows.events`), and `answer()` gives them back as one `Answer`. Nothing
here reads a clock, a database or a channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, ClassVar

from flows import conversation_answers as answers
from flows.case_file import AWAITING, BEFORE_OFFER, REPLACEMENTS, REQUESTING
from flows.conversation_world import Answer, Button, Facts, Item, Parcel, Reply, Standing, World
from flows.decision import decide
from flows.events import (
    Cancelled,
    CaseOpened,
    Chose,
    Commented,
    Declined,
    Event,
    HandedBack,
    HandedOver,
    LeftHandover,
    Rated,
    Relayed,
    Reopened,
    ReturnShipped,
    WithdrawalAcknowledged,
    WithdrawalRecorded,
)
from flows.facts import (
    CONVERSATION_HANDOVER_FLAGS,
    OPTIONS,
    REASONS,
    REMEDIES,
    SEALED_CATEGORIES,
    CaseFacts,
    Decision,
    Mediator,
    Option,
    Reason,
    Remedy,
    side_of,
)
from flows.understanding import Heard

REASON_BUTTONS = tuple(Button(f"reason:{code}", f"reason.{code}") for code in REASONS)
CLARIFY_OTHER = "reason:other"  # « Autre chose » under a clarifying question: every reason again
CARRY_ON = "continue"  # « Non, continuer » under the question asked when « j'annule » is typed
# The same choices in the same order in every message, so that their numbers stay the same.
SETTLED_BUTTONS = (Button("start", "start"), Button("agent", "agent"))
RATING_BUTTONS = tuple(Button(f"rating:{score}", f"rating.{score}") for score in range(1, 6))
MAX_MISSES = 3
CANCELLABLE = (*BEFORE_OFFER, *AWAITING)
WITHDRAWAL_BUTTONS = (
    Button("withdrawal:confirm", "withdrawal.confirm"),
    Button("withdrawal:back", "withdrawal.back"),
)
# Why a person would take a request over that a withdrawal, being a right, never waits for: its price,
# and what the conversation noted (misses, words, a photo seen elsewhere, the customer's own ask).
_NOT_FOR_A_WITHDRAWAL = frozenset({"above_escalation_threshold", *CONVERSATION_HANDOVER_FLAGS})


class Journey:
    """One conversation as the machine sees it."""

    state: str
    # The step method that asks each waiting state's question: `flows.conversation.STEPS` sets it.
    questions: ClassVar[Mapping[str, str]] = {}

    def __init__(self, state: str, facts: Facts, misses: int, world: World) -> None:
        self.state = state
        self.facts = facts
        self.misses = misses
        self.world = world
        self.heard = Heard()
        self.replies: list[Reply] = []
        self.events: list[Event] = []
        self._decided: tuple[tuple[object, ...], Decision | None] | None = None

    # What is known

    @property
    def parcel(self) -> Parcel | None:
        number = self.facts.tracking_number
        return self.world.parcels.get(number) if number else None

    @property
    def item(self) -> Item | None:
        parcel = self.parcel
        return parcel.item(self.facts.line_id) if parcel and self.facts.owner_verified else None

    def decision(self) -> Decision | None:
        """The policy engine's decision, once the reason and the item are known (worked out once
        for what it depends on: every condition of the event asks for it)."""
        item, parcel, reason = self.item, self.parcel, self.facts.reason
        if item is None or parcel is None or reason is None:
            return None
        if item.policy is None or self.world.shop is None:
            return None
        facts = self.facts
        key: tuple[object, ...] = (item, parcel.tracking_number, reason, facts.seal_intact)
        key += (facts.withdrawal_started_on, facts.quantity, facts.remedy, *self._flags())
        if self._decided is None or self._decided[0] != key:
            self._decided = (key, self._decide(item, parcel, reason))
        return self._decided[1]

    def _flags(self) -> tuple[str, ...]:
        return tuple(sorted(frozenset(self.facts.handover_reasons) & CONVERSATION_HANDOVER_FLAGS))

    def _decide(self, item: Item, parcel: Parcel, reason: str) -> Decision:
        assert item.policy is not None and self.world.shop is not None
        facts = CaseFacts(
            reason=_reason(reason),
            price=item.price,
            category=item.category,
            today=self.world.today,
            delivered_on=parcel.delivered_on,
            seal_intact=self.facts.seal_intact,
            last_parcel_delivered_on=parcel.last_parcel_delivered_on,
            handover_flags=frozenset(self._flags()),
            holiday_region=parcel.holiday_region,
            order_in_transit=parcel.order_in_transit,
            digital_waiver=item.digital_waiver,
            remedy_requested=_remedy(self.facts.remedy),
            withdrawal_started_on=_day(self.facts.withdrawal_started_on),
            quantity=self.quantity,
            order_items_value=parcel.order_items_value,
            order_delivery=parcel.order_delivery,
            unit_paid=item.unit_paid,
        )
        return decide(facts, item.policy, self.world.shop)

    def answer(self, trigger: str, previous_state: str) -> Answer:
        """What this event did, as one value."""
        return Answer(
            trigger=trigger,
            standing=Standing(self.state, self.facts, self.misses),
            previous_state=previous_state,
            replies=tuple(self.replies),
            events=tuple(self.events),
            decision=self.decision(),
            parcel=self.parcel,
            item=self.item,
        )

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def announce_state_change(self, state_before: str, trigger: str) -> None:
        """A customer who leaves an agent's hands themselves (e.g. /annuler): the agents are told."""
        if state_before == "handover" and self.state != "handover" and trigger != "hand_back":
            self.emit(LeftHandover(trigger))

    # Conditions of the transitions

    def knows_reason(self) -> bool:
        return self.facts.reason is not None

    def knows_tracking_number(self) -> bool:
        """A tracking number, or else the order's number or e-mail (the ownership check follows)."""
        return self.facts.tracking_number is not None or self.facts.order_key is not None

    def ownership_locked(self) -> bool:
        """Too many wrong postcodes or e-mails lately, for this parcel or from this customer."""
        if self.facts.owner_verified:
            return False
        world = self.world
        numbers = [self.facts.tracking_number, *world.order_parcels]
        return world.customer_locked or any(n in world.locked_numbers for n in numbers)

    def owner_verified(self) -> bool:
        return self.facts.owner_verified

    def knows_item(self) -> bool:
        return self.item is not None

    def item_has_open_case(self) -> bool:
        return self.item is not None and self.item.open_case is not None

    def quantity_question_applies(self) -> bool:
        """Several of the line received: how many are concerned (a parcel not received: all)."""
        item = self.item
        if item is None or item.quantity <= 1 or self.facts.quantity is not None:
            return False
        return self.facts.reason != "not_received"

    @property
    def quantity(self) -> int:
        """How many of the line the request is about (all of it unless the customer said)."""
        item = self.item
        return self.facts.quantity or (item.quantity if item else 1)

    def seal_question_applies(self) -> bool:
        item, reason = self.item, self.facts.reason
        return (
            item is not None
            and item.category in SEALED_CATEGORIES
            and reason is not None
            and side_of(_reason(reason)) == "customer"
            and self.facts.seal_intact is None
        )

    def photos_wanted(self) -> bool:
        if self.facts.reason == "not_received" or self.facts.photos_settled:
            return False
        decision = self.decision()
        return decision is None or bool(decision.options)

    def needs_agent(self) -> bool:
        """The decision hands over; a withdrawal only for what the shop cannot tell (L221-21: the
        function is the customer's, whatever the price, and whoever held the request before)."""
        decision = self.decision()
        if decision is None:
            return True
        if self.facts.withdrawal:
            return bool(set(decision.handover_reasons) - _NOT_FOR_A_WITHDRAWAL)
        return decision.handover

    def has_options(self) -> bool:
        decision = self.decision()
        return decision is not None and bool(decision.options)

    def withdrawal_requested(self) -> bool:
        return self.facts.withdrawal and self.refund_is_withdrawal()

    def chose_withdrawal(self) -> bool:
        return self.facts.option == "refund" and self.refund_is_withdrawal()

    def chose_new_variant(self) -> bool:
        return self.facts.reason == "size_color" and self.facts.option in (
            "exchange",
            "keep_and_replace",
        )

    def choice_changeable(self) -> bool:
        """Nothing has shipped yet: the case still awaits (`flows.case_file.AWAITING`)."""
        case = self.world.case
        return case is not None and case.status in AWAITING

    def offered_option(self, wanted: str) -> str | None:
        """The offered option the customer means: « un échange » is a new item either way."""
        decision = self.decision()
        options = decision.options if decision else ()
        if wanted in options:
            return wanted
        replacements = [option for option in options if option in REPLACEMENTS]
        return replacements[0] if wanted in REPLACEMENTS and replacements else None

    def withdrawal_confirmed(self) -> bool:
        return self.facts.withdrawal_answer is True

    def asks_a_remedy(self, heard: Heard) -> bool:
        """At the options, a repair or a price reduction asked for under the guarantee: a person
        arranges it, with the request on the case card (L217-9, L217-14)."""
        decision = self.decision()
        return (
            heard.remedy is not None
            and self.state in ("ask_option", "ask_new_variant")
            and decision is not None
            and decision.window == "conformity"
        )

    def shop_side(self, reason: str | None) -> bool:
        return reason is not None and side_of(_reason(reason)) == "shop"

    def insists_on_number(self) -> bool:
        """After a failed check, the same tracking number sent again as it was: a person checks it."""
        heard, facts = self.heard, self.facts
        return (
            self.state == "ask_ownership"
            and self.misses >= 1
            and not heard.proofs
            and heard.tracking_numbers[:1] == (facts.tracking_number,)
        )

    def flag_insisted_number(self) -> None:
        self.facts.flag("unknown_tracking" if self.parcel is None else "three_misses")

    def third_miss(self) -> bool:
        """The third answer not understood hands over, except at the withdrawal's confirmation."""
        return self.misses + 1 >= MAX_MISSES and self.state != "confirm_withdrawal"

    def request_settled(self) -> bool:
        """The request held by an agent had its choice made already: a withdrawal is a new one."""
        case = self.world.case
        return case is not None and case.status not in REQUESTING

    def case_cancellable(self) -> bool:
        """Before anything has left: a request made, or a return not shipped yet."""
        case = self.world.case
        return case is None or case.status in CANCELLABLE

    def followed_up(self) -> bool:
        case = self.world.case
        return case is not None and case.followed_up_on is not None

    def refund_is_withdrawal(self) -> bool:
        """The request is decided within the withdrawal period, with the refund among the options."""
        return self._refund_offered_in("withdrawal")

    def refund_under_guarantee(self) -> bool:
        """The request is decided under the conformity guarantee, with the refund among the options."""
        return self._refund_offered_in("conformity")

    def _refund_offered_in(self, window: str) -> bool:
        decision = self.decision()
        return decision is not None and decision.window == window and "refund" in decision.options

    # The steps: each asks its question when the journey enters it

    def ask_reason(self) -> None:
        """Asks why the customer wants to return the item."""
        self.say("ask_reason", (*REASON_BUTTONS, Button("withdraw", "withdraw")))

    def ask_tracking(self) -> None:
        """Asks for the tracking number of the parcel received."""
        self.say("ask_tracking", reason=self.facts.reason, problem=self.facts.tracking_problem)

    def ask_ownership(self) -> None:
        """Asks for the order's postcode or e-mail before showing anything of the order (only the
        postcode when the order's e-mail named it)."""
        self.say("ask_ownership", found_by=self.facts.found_by)

    def ask_item(self) -> None:
        """Asks which item of the parcel the request is about."""
        items = self.parcel.items if self.parcel else ()
        self.say("ask_item", self._item_buttons(), items=items)

    def ask_quantity(self) -> None:
        """Asks how many of the line are concerned, when the customer received several."""
        item = self.item
        count = item.quantity if item else 1
        buttons = tuple(
            Button(f"quantity:{n}", "quantity", {"n": n}) for n in range(1, min(count, 6) + 1)
        )
        self.say("ask_quantity", buttons, item=item)

    def ask_seal(self) -> None:
        """Asks whether a sealed item's seal is still intact (L221-28, 5° and 9°)."""
        buttons = (Button("seal:yes", "seal.yes"), Button("seal:no", "seal.no"))
        self.say("ask_seal", buttons, item=self.item)

    def ask_photos(self) -> None:
        """Asks for photos: required for a problem with the item, optional otherwise."""
        required = self.photos_required()
        self.say("ask_photos", self._photo_buttons(), required=required, photos=self.facts.photos)

    def offer_options(self) -> None:
        """Presents the decision: each option with what happens, who pays and by when."""
        self.say("offer", self._option_buttons(), today=self.world.today, **self._offer_values())

    def ask_new_variant(self) -> None:
        """Asks for the size or colour wanted instead."""
        self.say("ask_new_variant", item=self.item, option=self.facts.option)

    def confirm_withdrawal(self) -> None:
        """States the withdrawal's declaration (name, order, item, where the acknowledgement goes)
        and asks to confirm it apart (« confirmer la rétractation », L221-21)."""
        self.facts.option = "refund"
        self.facts.withdrawal_answer = None
        self.note_withdrawal_start()
        self.say(
            "confirm_withdrawal",
            WITHDRAWAL_BUTTONS,
            **self._declaration_values(),
            **self._offer_values(),
        )

    def settle(self) -> None:
        """Acknowledges a withdrawal, repeating its declaration with the date and time it was sent;
        the case then takes the choice on (its lifecycle says what happens now)."""
        if self.chose_withdrawal():
            at = self.world.now
            self.facts.withdrawal_confirmed_at = at.isoformat()
            values = {**self._declaration_values(), **self._offer_values()}
            self.say("withdrawal_acknowledged", at=at, **values)
            self.emit(WithdrawalAcknowledged(at))
            self._record_withdrawal("sent")
        elif self.heard.command == "withdraw":  # /retractation turned into the guarantee's refund
            self.say("refund_instead_of_withdrawal")
        option: Option = next((o for o in OPTIONS if o == self.facts.option), "refund")
        self.emit(Chose(option, self.facts.new_variant))

    def decline(self) -> None:
        """Explains kindly why no return can be offered, and offers an agent."""
        decision = self.decision()
        rule = decision.rule_id if decision else ""
        template = "declined_late" if rule == "withdrawal_over" else "declined_exempt"
        self.say(
            template, SETTLED_BUTTONS, rule=rule, mediator=self._mediator(), **self._offer_values()
        )
        self.emit(Declined(rule))
        if self.facts.withdrawal:
            self._record_withdrawal("late" if rule == "withdrawal_over" else "exempt")

    def note_withdrawal_start(self) -> None:
        """The moment the customer starts the declaration (the first « renoncer au contrat ici »,
        or the refund chosen at the options) is kept: it is the one compared with the last day."""
        if self.facts.withdrawal_started_at is None:
            self.facts.withdrawal_started_at = self.world.now.isoformat()
            self.facts.withdrawal_started_on = self.world.today.isoformat()

    def note_withdrawal_email(self) -> None:
        """Another address for the acknowledgement, typed at the declaration."""
        emails = [proof for proof in self.heard.proofs if "@" in proof]
        if emails:
            self.facts.withdrawal_email = emails[0][:320]

    def note_going_back(self) -> None:
        """The customer went back to the options: the declaration is kept as not sent."""
        self._record_withdrawal("went_back")
        self.facts.withdrawal = False
        self.facts.withdrawal_started_at = self.facts.withdrawal_started_on = None
        self.facts.withdrawal_email = None

    def note_declaration_cancelled(self) -> None:
        """/annuler at the declaration: kept as not sent, like going back to the options."""
        self._record_withdrawal("cancelled")

    def withdrawal_email(self) -> str | None:
        """Where the acknowledgement goes: the address the customer gave, else the order's."""
        contact = self.world.contact
        return self.facts.withdrawal_email or (contact.email if contact else None) or None

    def hand_over(self) -> None:
        """Tells the customer that a person takes over, and when to expect an answer."""
        decision = self.decision()
        reasons = list(self.facts.handover_reasons) + list(
            decision.handover_reasons if decision else ()
        )
        open_case = self.item.open_case if self.item_has_open_case() and self.item else None
        self.say(
            "handover",
            because=reasons[0] if reasons else "customer_asked",
            opening_hours=self.world.opening_hours,
            other_reference=open_case,
            channel=self.world.channel,
        )
        self.emit(HandedOver(tuple(dict.fromkeys(reasons))))

    def confirm_cancellation(self) -> None:
        """Confirms that the request is cancelled."""
        self.say("cancelled", (Button("start", "start"),))
        self.emit(Cancelled())

    def ask_return_tracking(self) -> None:
        """Asks for the tracking number of the parcel sent back."""
        self.say("ask_return_tracking", (Button("later", "later"),))

    def ask_comment(self) -> None:
        """Thanks for the rating and offers to add a comment."""
        self.say("ask_comment", (Button("comment:skip", "comment.skip"),), rating=self.facts.rating)

    # What is said around the steps

    def welcome(self) -> None:
        """Greets the customer, apologises and says what will happen."""
        self.say("welcome", first_name=self.world.first_name)

    def say_new_request(self) -> None:
        """Another request in the same chat: no greeting again; the parcel is kept unless another is named."""
        self.say("new_request", tracking_number=self.facts.tracking_number)

    def unsure_of_reason(self) -> bool:
        return bool(self._likely_reasons())

    def clarify_reason(self) -> None:
        """Asks one short question with the reasons the reader hesitated between as buttons,
        instead of saying it did not understand; « Autre chose » lists every reason again."""
        self.misses += 1
        buttons = tuple(
            Button(f"reason:{code}", f"clarify.{code}") for code in self._likely_reasons()
        )
        self.say("clarify_reason", (*buttons, Button(CLARIFY_OTHER, "clarify.other")))
        # The buttons of the question before still answer it.
        asked = [button.id for button in REASON_BUTTONS] + ["withdraw"]
        self.facts.offered = list(dict.fromkeys([*self.facts.offered, *asked]))

    def _likely_reasons(self) -> list[Reason]:
        """The reasons among the reader's hesitations, when its likeliest reading is a reason."""
        readings = self.heard.hesitates
        if not readings or not readings[0].startswith("reason:"):
            return []
        codes = [reading.removeprefix("reason:") for reading in readings]
        return [code for code in codes if code in REASONS][:3]

    def reask(self) -> None:
        """Says the answer was not understood, with an example, and offers the same buttons."""
        self.misses += 1
        question = self._question()
        values = {**(question.values if question else {}), **self._aside_values()}
        heard = self.heard  # a proof given that did not match, or none at all (« c tout »)
        gave_proof = bool(heard.proofs or heard.tracking_numbers or heard.order_numbers)
        if gave_proof:
            self.facts.mismatches += 1
        self.say(
            f"re{self.state}",
            question.buttons if question else (),
            misses=self.misses,
            gave_proof=gave_proof,
            mismatches=self.facts.mismatches,
            **values,
        )

    def acknowledge_photo(self) -> None:
        """Thanks for a photo (one already sent is not counted again) and offers to send more or finish."""
        self.say(
            "photo_received",
            self._photo_buttons(),
            photos=self.facts.photos,
            required=self.photos_required(),
            again=self.world.photo_known,
        )

    def keep_photo(self) -> None:
        """Keeps a photo sent before it was asked, and asks the current question again."""
        self.ask_again("photo_kept")

    def ask_cancel_sure(self) -> None:
        """« J'annule » typed: asks once more, since cancelling ends the request."""
        buttons = (Button("cancel", "cancel.yes"), Button(CARRY_ON, "cancel.no"))
        self.say("confirm_cancel", buttons, settled=self.state in ("done", "declined"))

    def carry_on_asking(self) -> None:
        """« Non, continuer » under that question: the step's question again."""
        self.ask_again("carry_on")

    def welcome_back(self) -> None:
        """Welcomes the customer back where they were."""
        self.ask_again("resume")

    def explain(self) -> None:
        """Lists what the customer can say at any step."""
        self.ask_again("help")

    def say_stale(self) -> None:
        self.ask_again("stale_choice")

    def say_unsupported(self) -> None:
        """A photo too heavy or a file that is no image gets its own word; anything else the generic one."""
        self.ask_again(UNSUPPORTED_PREFACES.get(self.heard.unsupported_kind, "unsupported"))

    def say_later(self) -> None:
        """Agrees to continue later: everything is kept."""
        self.say("later", (Button("start", "start"),))

    def say_noted(self) -> None:
        """« ok merci » once settled: a short word back, the door left open."""
        self.say("noted")

    def remind_settled(self) -> None:
        """Reminds where the request stands once it is settled, and what the customer can do."""
        self.say(
            "case_status",
            self._settled_buttons(),
            case=self.world.case,
            asked=False,
            mediator=self._mediator(),
        )

    def say_status(self) -> None:
        """Says where the case stands (« où en est mon retour ? »), then the question again."""
        buttons = self._settled_buttons() if self.state in ("done", "declined") else ()
        self.say(
            "case_status", buttons, case=self.world.case, asked=True, mediator=self._mediator()
        )
        if self.state in self.questions:
            self.ask_again(None)

    def answer_aside(self) -> None:
        """Answers a question off the path in a few true words, then asks the step's question again."""
        self.say(
            "aside",
            topic=self.heard.asks or "other",
            state=self.state,
            opening_hours=self.world.opening_hours,
            decision=self.decision()
            if self.state in ("ask_option", "confirm_withdrawal")
            else None,
            case=self.world.case,
        )
        if self.state in self.questions:
            self.ask_again(None)

    def note_new_choice(self) -> None:
        """Another option than the one chosen: taken while nothing has shipped."""
        if self.choice_changeable() and self.heard.option is not None:
            self.facts.option = self.offered_option(self.heard.option)
            self.facts.new_variant = None
            self.facts.withdrawal_answer = None
            # Choosing the refund again is a new declaration, begun now.
            self.facts.withdrawal_started_at = self.facts.withdrawal_started_on = None

    def say_choice_fixed(self) -> None:
        """Something has already left: the choice can no longer change, a person can help."""
        self.say("choice_fixed", (Button("agent", "agent"),), case=self.world.case)

    def say_too_late_to_cancel(self) -> None:
        """The item is on its way back or back: the request can no longer be cancelled."""
        self.say("cancel_too_late", (Button("agent", "agent"),), case=self.world.case)

    def _settled_buttons(self) -> tuple[Button, ...]:
        case = self.world.case
        if self.state == "done" and case is not None and case.status == "awaiting_return":
            return (Button("return:shipped", "return.shipped"), *SETTLED_BUTTONS)
        return SETTLED_BUTTONS

    def flag_three_misses(self) -> None:
        unknown = self.state == "ask_ownership" and self.parcel is None
        self.facts.flag("unknown_tracking" if unknown else "three_misses")

    def flag_ownership_locked(self) -> None:
        self.facts.flag("ownership_locked")

    def flag_open_case(self) -> None:
        self.facts.flag("open_case")

    def note_withdrawal(self) -> None:
        """« Renoncer au contrat ici »: the request becomes a withdrawal, whatever was said before;
        the declaration starts now (unless it had already)."""
        self.facts.reason = "changed_mind"
        self.facts.withdrawal = True
        self.facts.option = None
        self.facts.withdrawal_answer = None
        self.facts.photos_settled = True
        self.note_withdrawal_start()

    def note_new_reason(self) -> None:
        """A new reason after a refusal (« il a un trou, c'est un défaut »): decided anew."""
        self.facts.reason = self.heard.reason
        self.facts.photos_settled = False
        self.facts.withdrawal = False
        self.facts.option = None

    def reopen(self) -> None:
        """Says the request is looked at again; its case reopens."""
        self.say("reconsidered", reason=self.facts.reason)
        self.emit(Reopened())

    def note_hand_back(self) -> None:
        """An agent gives the conversation back: the customer is told, then the bot goes on."""
        self.facts.handover_reasons = []
        self.say("agent_handed_back")
        self.emit(HandedBack())

    def open_case(self) -> None:
        """A new request: the shell opens its case."""
        self.emit(CaseOpened())

    def note_relay(self) -> None:
        self.emit(Relayed())

    def note_return_number(self) -> None:
        """The return's tracking number, typed without being asked (the case awaits it)."""
        answers.absorb_return_tracking(self, self.heard)

    def note_return(self) -> None:
        """The return is on its way: the case records its tracking number."""
        if self.facts.return_tracking:
            self.emit(ReturnShipped(self.facts.return_tracking))

    def note_rating(self) -> None:
        self.facts.rating = answers.rating_of(self.heard)
        self.facts.comment = None
        if self.facts.rating is not None:
            self.emit(Rated(self.facts.rating))

    def note_comment(self) -> None:
        """Thanks for the comment (or for nothing to add)."""
        if self.facts.comment:
            self.emit(Commented(self.facts.comment))
        self.say("thanks_for_rating", rating=self.facts.rating)

    # Helpers

    def say(self, template: str, buttons: tuple[Button, ...] = (), **values: Any) -> None:
        self.replies.append(Reply(template, values, buttons))
        if buttons:
            self.facts.offered = [button.id for button in buttons]

    def ask_again(self, preface: str | None) -> None:
        """Says `preface`, then the current step's question again (with its buttons)."""
        if preface is not None:
            self.say(preface, **self._aside_values())
        question = self._question()
        if question is not None:
            self.say(question.template, question.buttons, **question.values)

    def _question(self) -> Reply | None:
        """The current step's question, as its step would ask it (not said)."""
        step = getattr(self, self.questions.get(self.state, ""), None)
        if step is None:
            return None
        said, self.replies = self.replies, []
        try:
            step()
            return self.replies[-1] if self.replies else None
        finally:
            self.replies = said

    def _aside_values(self) -> dict[str, Any]:
        returning = self.state == "ask_return_tracking"
        problem = self.facts.return_problem if returning else self.facts.tracking_problem
        return {"problem": problem, "state": self.state}

    def photos_required(self) -> bool:
        decision = self.decision()
        return decision.photos_required if decision else True

    def _photo_buttons(self) -> tuple[Button, ...]:
        buttons = [Button("later", "later")]
        if not self.photos_required():
            buttons.insert(0, Button("photos:skip", "photos.skip"))
        if self.facts.photos:
            buttons.append(Button("photos:done", "photos.done"))
        return tuple(buttons)

    def _item_buttons(self) -> tuple[Button, ...]:
        items = self.parcel.items if self.parcel else ()
        return tuple(
            Button(f"item:{item.line_id}", "item", {"name": item.name, "price": item.price})
            for item in items
        )

    def _option_buttons(self) -> tuple[Button, ...]:
        decision = self.decision()
        options = decision.options if decision else ()
        remedies = decision.remedies if decision else ()
        return (
            *(Button(f"option:{option}", f"option.{option}") for option in options),
            *(Button(f"remedy:{remedy}", f"remedy.{remedy}") for remedy in remedies),
        )

    def _declaration_values(self) -> dict[str, Any]:
        """What a withdrawal declares: who (the order's name), which order, where the
        acknowledgement goes (by e-mail when the shop sends e-mails)."""
        contact, parcel = self.world.contact, self.parcel
        return {
            "name": (contact.name if contact else "") or self.world.first_name,
            "order": parcel.order_name if parcel else "",
            "email": self.withdrawal_email(),
            "by_email": self.world.sends_email,
        }

    def _record_withdrawal(self, outcome: str) -> None:
        item, values = self.item, self._declaration_values()
        started = self.facts.withdrawal_started_at
        self.emit(
            WithdrawalRecorded(
                outcome=outcome,
                started_at=datetime.fromisoformat(started) if started else self.world.now,
                at=self.world.now,
                name=values["name"],
                order=values["order"],
                item=item.name if item else "",
                email=values["email"],
                reply=self.replies[-1] if self.replies else None,
            )
        )

    def _mediator(self) -> Mediator | None:
        """The shop's consumer mediator, named when a request is declined or refused (L616-1)."""
        shop = self.world.shop
        return shop.mediator if shop else None

    def _offer_values(self) -> dict[str, Any]:
        decision = self.decision()
        refund = decision.refund if decision else None
        return {
            "item": self.item,
            "amount": refund.total if refund else None,
            "quantity": self.quantity,
            "decision": decision,
            "reason": self.facts.reason,
        }

    def absorb(self, heard: Heard) -> None:
        """Keeps what the message says that the journey can use, at this step or a later one."""
        self.heard = heard
        answers.absorb(self, heard)


def _day(iso: str | None) -> date | None:
    return date.fromisoformat(iso) if iso else None


def _remedy(code: str | None) -> Remedy | None:
    return next((remedy for remedy in REMEDIES if remedy == code), None)


def _reason(code: str) -> Reason:
    if code not in REASONS:
        raise ValueError(f"unknown reason {code!r}")
    return code


# What is said, before the question again, when a channel could not take what was sent.
UNSUPPORTED_PREFACES = {
    "too_big": "unsupported_too_big",
    "not_an_image": "unsupported_not_an_image",
    "lost": "unsupported_lost",
}
