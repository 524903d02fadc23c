"""The customer journey as data: the states, what each message fires, the transitions, the one machine.

Read top to bottom: `STEPS` are the questions and what answers each; `CUES` decide which trigger a
message fires; `NEXT_STEP` is the happy path (reason, tracking number, ownership check, item,
how many of a line are concerned, hygiene seal, photos, then the decision: hand over, decline, confirm a withdrawal or offer the
options); `TRANSITIONS` is every move. Information given early is kept, so a step whose answer is
already known is skipped. What is said on entering each state is in `flows.conversation_steps`.

After the customer's choice, the case lives on in its own machine (`flows.case_lifecycle`); the
conversation rests in `done`, where the customer can still send the return's tracking number, ask
where the case stands, and rate the follow-up.

One `transitions.Machine` serves every conversation: `respond` binds a `Journey` to it for one event
and unbinds it. States are plain strings, saved as a column. The machine is synchronous, so an event
runs to its end without yielding; the shell still handles one event per conversation at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, Final

from transitions import Machine

from flows.conversation_steps import CARRY_ON, CLARIFY_OTHER, Journey
from flows.conversation_words import ABOUT_SOLUTIONS, THANKS
from flows.conversation_world import Answer, Facts, Standing, World
from flows.machines import fire
from flows.understanding import ALWAYS_VALID_CHOICES, Heard, plain_words

RESTING: Final = ["new", "done", "declined", "cancelled"]
SETTLED: Final = ["done", "declined"]  # a request answered: another may follow in the same chat
GATHERING: Final = [
    "ask_reason",
    "ask_tracking",
    "ask_ownership",
    "ask_item",
    "ask_quantity",
    "ask_seal",
    "ask_photos",
]
CHOOSING: Final = ["ask_option", "ask_new_variant", "confirm_withdrawal"]
FOLLOWING: Final = ["ask_return_tracking", "ask_comment"]  # after the choice, about the case
WAITING: Final = GATHERING + CHOOSING + FOLLOWING


@dataclass(frozen=True, slots=True)
class Step:
    """A waiting state: the Journey method that asks its question, and when it is answered."""

    question: str
    answered: Callable[[Journey], bool]


STEPS: Final[dict[str, Step]] = {
    "ask_reason": Step("ask_reason", lambda j: j.facts.reason is not None),
    "ask_tracking": Step("ask_tracking", lambda j: j.knows_tracking_number()),
    "ask_ownership": Step("ask_ownership", lambda j: j.facts.owner_verified),
    "ask_item": Step("ask_item", lambda j: j.item is not None),
    "ask_quantity": Step("ask_quantity", lambda j: j.facts.quantity is not None),
    "ask_seal": Step("ask_seal", lambda j: j.facts.seal_intact is not None),
    "ask_photos": Step("ask_photos", lambda j: j.facts.photos_settled),
    "ask_option": Step("offer_options", lambda j: j.facts.option is not None),
    "ask_new_variant": Step("ask_new_variant", lambda j: j.facts.new_variant is not None),
    "confirm_withdrawal": Step("confirm_withdrawal", lambda j: j.facts.withdrawal_answer is not None),
    "ask_return_tracking": Step("ask_return_tracking", lambda j: j.facts.return_tracking is not None),
    "ask_comment": Step("ask_comment", lambda j: j.facts.comment is not None),
}  # fmt: skip

Journey.questions = MappingProxyType({state: step.question for state, step in STEPS.items()})

STATES: Final[list[dict[str, Any]]] = [
    {"name": "new"},
    *({"name": state, "on_enter": STEPS[state].question} for state in WAITING),
    {"name": "done"},
    {"name": "declined", "on_enter": "decline"},
    {"name": "handover", "on_enter": "hand_over"},
    {"name": "cancelled", "on_enter": "confirm_cancellation"},
]


@dataclass(frozen=True, slots=True)
class Cue:
    """A message fires `trigger` when `when` holds; the first cue that holds wins. `flag` is noted as
    a reason for a person to take over (the agents' card lists it)."""

    trigger: str
    when: Callable[[Journey, Heard], bool]
    flag: str | None = None


def _stale(journey: Journey, heard: Heard) -> bool:
    choice = heard.choice
    return (
        bool(choice) and choice not in journey.facts.offered and choice not in ALWAYS_VALID_CHOICES
    )


def _aside(journey: Journey, heard: Heard) -> bool:
    """A question off the path: answered, then the step's question again. Where the case has
    settled, « when am I refunded » is where the case stands (`status`)."""
    if heard.choice or journey.state not in (*WAITING, "done", "declined"):
        return False
    if heard.asks is None:  # at the options, a question is never a choice
        return heard.question and journey.state in CHOOSING
    return heard.asks != "refund_when" or journey.state in (*GATHERING, *CHOOSING)


def _changes_choice(journey: Journey, heard: Heard) -> bool:
    """Once settled, another of the options offered (« NON attendez, je préfère un échange »)."""
    if journey.state != "done" or heard.option is None or journey.facts.option is None:
        return False
    option = journey.offered_option(heard.option)
    return option is not None and option != journey.facts.option


def _gives_email(journey: Journey, heard: Heard) -> bool:
    """At a withdrawal's declaration, an e-mail address: the acknowledgement goes there instead."""
    return (
        journey.state == "confirm_withdrawal"
        and not heard.choice
        and any("@" in proof for proof in heard.proofs)
    )


def _case_is(*statuses: str) -> Callable[[Journey, Heard], bool]:
    return lambda j, _h: j.world.case is not None and j.world.case.status in statuses


CUES: Final[list[Cue]] = [
    Cue("again", lambda j, h: h.command == "start" and j.state in SETTLED and j.knows_tracking_number()),
    Cue("start", lambda j, h: h.command == "start" and j.state in RESTING),
    Cue("resume", lambda j, h: h.command == "start"),
    Cue("agent", lambda j, h: h.command == "agent", flag="customer_asked"),
    Cue("status", lambda j, h: h.command == "status"),
    Cue("cancel", lambda j, h: h.command == "cancel"),
    Cue("help", lambda j, h: h.command == "help"),
    Cue("withdraw", lambda j, h: h.command == "withdraw"),  # a right: even while an agent holds it
    Cue("help", lambda j, h: h.command is not None),  # an unknown command
    Cue("relay", lambda j, h: j.state == "handover"),
    Cue("carry_on", lambda j, h: h.choice == CARRY_ON and j.state in WAITING),
    Cue("remind", lambda j, h: h.choice == CARRY_ON and j.state in SETTLED),
    Cue("agent", lambda j, h: h.alarm and j.state != "confirm_withdrawal", flag="angry_words"),
    Cue("agent", lambda j, h: h.wants_agent, flag="customer_asked"),
    Cue("agent", lambda j, h: h.photo and j.world.duplicate_photo, flag="duplicate_photo"),
    Cue("new_email", _gives_email),
    Cue("agent", lambda j, h: j.asks_a_remedy(h)),
    Cue("aside", _aside),
    Cue("status", lambda j, h: h.wants_status and j.state not in ("new", "cancelled")),
    Cue("start", lambda j, h: j.state in ("new", "cancelled")),
    Cue("rate", lambda j, h: j.state == "done" and h.rating is not None and j.followed_up()),
    Cue("ask_return", lambda j, h: j.state == "done" and h.choice == "return:shipped"),
    Cue("return_sent", lambda j, h: j.state == "done" and bool(h.tracking_numbers)
        and _case_is("awaiting_return")(j, h)),
    Cue("change", _changes_choice),
    Cue("stale", _stale),
    Cue("list_reasons", lambda j, h: j.state == "ask_reason" and h.choice == CLARIFY_OTHER),
    Cue("reconsider", lambda j, h: j.state == "declined" and j.shop_side(h.reason)),
    Cue("acknowledge", lambda j, h: j.state in SETTLED and _thanks_or_ok(h)),
    Cue("remind", lambda j, h: j.state in ("done", "declined")),
    Cue("unsupported", lambda j, h: h.unsupported),
    Cue("photo", lambda j, h: h.photo),
    Cue("resume", lambda j, h: h.greeting_only),
    Cue("later", lambda j, h: h.later and not h.choice and h.reason is None),
    Cue("later", lambda j, h: h.choice == "later"),
    Cue("answer", lambda j, h: True),
]  # fmt: skip

# The first step whose answer is missing, in the journey's order; then the decision's outcome.
NEXT_STEP: Final[list[dict[str, Any]]] = [
    {"dest": "ask_reason", "unless": "knows_reason"},
    {"dest": "ask_tracking", "unless": "knows_tracking_number"},
    {"dest": "handover", "conditions": "ownership_locked", "before": "flag_ownership_locked"},
    {"dest": "ask_ownership", "unless": "owner_verified"},
    {"dest": "ask_item", "unless": "knows_item"},
    {"dest": "handover", "conditions": "item_has_open_case", "before": "flag_open_case"},
    {"dest": "ask_quantity", "conditions": "quantity_question_applies"},
    {"dest": "ask_seal", "conditions": "seal_question_applies"},
    {"dest": "ask_photos", "conditions": "photos_wanted"},
    {"dest": "handover", "conditions": "needs_agent"},
    {"dest": "declined", "unless": "has_options"},
    {"dest": "confirm_withdrawal", "conditions": "withdrawal_requested"},
    {"dest": "ask_option"},
]


def _to_next_step(
    trigger: str,
    source: list[str],
    before: list[str] | None = None,
    prepare: str | None = None,
    conditions: list[str] | None = None,
    unless: list[str] | None = None,
) -> list[dict[str, Any]]:
    routes = []
    for route in NEXT_STEP:
        step = {"trigger": trigger, "source": source, **route}
        step["before"] = [*(before or []), *_as_list(route.get("before"))]
        if conditions:
            step["conditions"] = [*conditions, *_as_list(route.get("conditions"))]
        if unless:
            step["unless"] = [*unless, *_as_list(route.get("unless"))]
        if prepare:  # runs before the conditions are looked at
            step["prepare"] = prepare
        routes.append(step)
    return routes


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else value


# Where a withdrawal starts a new request (after the choice, the case is settled already).
RESTARTING: Final = [*RESTING, *FOLLOWING]

TRANSITIONS: Final[list[dict[str, Any]]] = [
    # Forward: a (re)start, an answered question, a withdrawal, an agent handing back.
    *_to_next_step("start", RESTING, before=["welcome", "open_case"]),
    # Another request in the same chat: no greeting again, the parcel kept unless another is named.
    *_to_next_step("again", SETTLED, before=["say_new_request", "open_case"]),
    *_to_next_step("proceed", GATHERING),
    *_to_next_step("withdraw", RESTARTING, before=["welcome", "open_case"], prepare="note_withdrawal"),
    *_to_next_step("withdraw", GATHERING + CHOOSING, prepare="note_withdrawal"),
    # While an agent holds the request (the agents are told): the same request, or a new one once settled.
    *_to_next_step("withdraw", ["handover"], before=["welcome", "open_case"], prepare="note_withdrawal", conditions=["request_settled"]),
    *_to_next_step("withdraw", ["handover"], prepare="note_withdrawal", unless=["request_settled"]),
    *_to_next_step("hand_back", ["handover"], before=["note_hand_back"]),
    # A refusal invites « si l'article présente un défaut, dites-le-nous »: a defect reopens it.
    *_to_next_step("reconsider", ["declined"], before=["reopen"], prepare="note_new_reason"),
    # The customer's choice among the options, and what follows it.
    {"trigger": "choose", "source": "ask_option", "dest": "confirm_withdrawal", "conditions": "chose_withdrawal"},
    {"trigger": "choose", "source": "ask_option", "dest": "ask_new_variant", "conditions": "chose_new_variant"},
    {"trigger": "choose", "source": "ask_option", "dest": "done", "after": "settle"},
    {"trigger": "choose", "source": "ask_new_variant", "dest": "done", "after": "settle"},
    {"trigger": "choose", "source": "confirm_withdrawal", "dest": "done", "conditions": "withdrawal_confirmed", "after": "settle"},
    {"trigger": "choose", "source": "confirm_withdrawal", "dest": "ask_option", "after": "note_going_back"},
    # Another address for the acknowledgement: the declaration is shown again with it.
    {"trigger": "new_email", "source": "confirm_withdrawal", "dest": None, "before": "note_withdrawal_email", "after": "confirm_withdrawal"},
    # A change of mind after the choice, until anything has shipped (the case re-routes).
    {"trigger": "change", "source": "done", "dest": "confirm_withdrawal", "prepare": "note_new_choice", "conditions": ["choice_changeable", "chose_withdrawal"]},
    {"trigger": "change", "source": "done", "dest": "ask_new_variant", "conditions": ["choice_changeable", "chose_new_variant"]},
    {"trigger": "change", "source": "done", "dest": None, "conditions": "choice_changeable", "after": "settle"},
    {"trigger": "change", "source": "done", "dest": None, "after": "say_choice_fixed"},
    # After the choice: the return's tracking number, the rating and its comment.
    {"trigger": "ask_return", "source": "done", "dest": "ask_return_tracking"},
    {"trigger": "return_sent", "source": "done", "dest": None, "before": "note_return_number", "after": "note_return"},
    {"trigger": "note", "source": "ask_return_tracking", "dest": "done", "after": "note_return"},
    {"trigger": "rate", "source": "done", "dest": "ask_comment", "before": "note_rating"},
    {"trigger": "note", "source": "ask_comment", "dest": "done", "after": "note_comment"},
    # Not understood: ask again with an example; the third time, a person takes over.
    {"trigger": "miss", "source": "ask_ownership", "dest": "handover", "conditions": "ownership_locked", "before": "flag_ownership_locked"},
    {"trigger": "miss", "source": "ask_ownership", "dest": "handover", "conditions": "insists_on_number", "before": "flag_insisted_number"},
    {"trigger": "miss", "source": WAITING, "dest": "handover", "conditions": "third_miss", "before": "flag_three_misses"},
    # A reason the reader hesitates over: one short question with its likeliest readings as buttons.
    {"trigger": "miss", "source": "ask_reason", "dest": None, "conditions": "unsure_of_reason", "after": "clarify_reason"},
    {"trigger": "miss", "source": WAITING, "dest": None, "after": "reask"},
    {"trigger": "list_reasons", "source": "ask_reason", "dest": None, "after": "ask_reason"},
    # Photos: thanked at the photo step, kept for later elsewhere.
    {"trigger": "photo", "source": "ask_photos", "dest": None, "after": "acknowledge_photo"},
    {"trigger": "photo", "source": [s for s in WAITING if s != "ask_photos"], "dest": None, "after": "keep_photo"},
    # At any step.
    {"trigger": "agent", "source": "new", "dest": "handover", "before": "open_case"},
    {"trigger": "agent", "source": [*RESTING[1:], *WAITING], "dest": "handover"},
    {"trigger": "agent", "source": "handover", "dest": None, "after": "welcome_back"},
    {"trigger": "cancel", "source": ["done", *FOLLOWING], "dest": "cancelled", "conditions": "case_cancellable"},
    {"trigger": "cancel", "source": ["done", *FOLLOWING], "dest": None, "after": "say_too_late_to_cancel"},
    {"trigger": "cancel", "source": "confirm_withdrawal", "dest": "cancelled", "before": "note_declaration_cancelled"},
    {"trigger": "cancel", "source": "*", "dest": "cancelled"},
    {"trigger": "help", "source": "*", "dest": None, "after": "explain"},
    {"trigger": "status", "source": "*", "dest": None, "after": "say_status"},
    {"trigger": "aside", "source": [*WAITING, "done", "declined"], "dest": None, "after": "answer_aside"},
    {"trigger": "resume", "source": [*WAITING, "handover"], "dest": None, "after": "welcome_back"},
    # « j'annule » typed: asked once more, since cancelling ends the request (`_typed_instead`).
    {"trigger": "confirm_cancel", "source": [*WAITING, *SETTLED], "dest": None, "after": "ask_cancel_sure"},
    {"trigger": "carry_on", "source": WAITING, "dest": None, "after": "carry_on_asking"},
    {"trigger": "later", "source": WAITING, "dest": None, "after": "say_later"},
    {"trigger": "stale", "source": "*", "dest": None, "after": "say_stale"},
    {"trigger": "unsupported", "source": "*", "dest": None, "after": "say_unsupported"},
    {"trigger": "remind", "source": ["done", "declined"], "dest": None, "after": "remind_settled"},
    {"trigger": "acknowledge", "source": SETTLED, "dest": None, "after": "say_noted"},
    # While a person holds the case, the bot stays silent (the agents' channel relays).
    {"trigger": "relay", "source": "handover", "dest": None, "after": "note_relay"},
    # The agents' side: taking over, and settling the request by a decision, a refusal or closing it.
    {"trigger": "take_over", "source": "new", "dest": "handover", "before": "open_case"},
    {"trigger": "take_over", "source": [*RESTING[1:], *WAITING], "dest": "handover"},
    {"trigger": "take_over", "source": "handover", "dest": None},
    {"trigger": "agent_done", "source": "*", "dest": "done"},
]  # fmt: skip

MACHINE: Final = Machine(
    model=None,
    states=STATES,
    transitions=TRANSITIONS,
    initial="new",
    auto_transitions=False,
    ignore_invalid_triggers=False,
)
# Triggers fired for the shop's people, not by a customer's message.
AGENTS_TRIGGERS: Final = ("take_over", "hand_back", "agent_done")


def respond(standing: Standing, world: World, heard: Heard) -> Answer:
    """Runs one customer message through the machine: the conversation's answer, as a value."""
    journey = _journey(standing, world)
    cue = next(cue for cue in CUES if cue.when(journey, heard))
    if cue.flag:
        journey.facts.flag(cue.flag)
    trigger = cue.trigger
    if trigger == "withdraw" and _withdraws_the_settled_choice(journey):
        heard, trigger = replace(heard, option="refund"), "change"
    if trigger == "start" or (trigger == "withdraw" and _restarts(journey)):
        journey.facts = Facts()
    elif trigger == "again":
        journey.facts = journey.facts.same_parcel()
    if trigger in ("start", "again", "withdraw", "photo", "agent", "answer"):
        journey.absorb(heard)
    elif trigger in (
        "new_email",
        "unsupported",
        "relay",
        "return_sent",
        "rate",
        "aside",
        "change",
        "reconsider",
    ):
        journey.heard = heard  # what could not be read, what to relay, what to note
    if trigger == "answer":
        trigger = _answer_trigger(journey)
    if trigger in ("miss", "remind"):
        trigger = _typed_instead(journey, heard) or trigger
    return _fire(journey, standing.state, trigger)


def act(standing: Standing, world: World, trigger: str) -> Answer:
    """Runs one of the agents' triggers (`AGENTS_TRIGGERS`) through the machine."""
    if trigger not in AGENTS_TRIGGERS:
        raise ValueError(f"not an agents' trigger: {trigger!r}")
    journey = _journey(standing, world)
    if trigger == "take_over":
        journey.facts.flag("customer_asked")  # a person chose to take it: the card says so
    return _fire(journey, standing.state, trigger)


def _journey(standing: Standing, world: World) -> Journey:
    return Journey(standing.state, standing.facts.copy(), standing.misses, world)


def _fire(journey: Journey, state_before: str, trigger: str) -> Answer:
    fire(MACHINE, journey, trigger)
    if journey.state != state_before:
        journey.misses = 0
        journey.facts.mismatches = 0
    journey.announce_state_change(state_before, trigger)
    return journey.answer(trigger, state_before)


def _withdraws_the_settled_choice(journey: Journey) -> bool:
    """/retractation once another solution was chosen, nothing shipped yet: in the withdrawal
    period the withdrawal replaces that choice in the same request (a new one would meet this
    one); under the conformity guarantee, the refund it offered does, with nothing to pay."""
    return (
        journey.state == "done"
        and journey.facts.option not in (None, "refund")
        and journey.choice_changeable()
        and journey.offered_option("refund") == "refund"
        and (journey.refund_is_withdrawal() or journey.refund_under_guarantee())
    )


def _restarts(journey: Journey) -> bool:
    """A withdrawal that is a new request: from rest, after the choice, or from an agent's hands
    once the request was settled."""
    if journey.state == "handover":
        return journey.request_settled()
    return journey.state in RESTARTING


# How sure the reader must be of a typed « j'annule » or « je me rétracte » for the bot to act on it:
# above the reader's own threshold, since it changes the course of the request.
TYPED_SURE: Final = 0.8


def _typed_instead(journey: Journey, heard: Heard) -> str | None:
    """A message that answers nothing here but surely says « j'annule » or « je veux me rétracter »:
    cancelling is asked once more (it ends the request); a withdrawal begins its declaration, which
    has its own confirmation button. After the choice, a withdrawal is a new request: a person's.
    Before the offer, a solution wished for (« un échange ») or asked about is no miss either: the
    solutions come once the questions are answered (`answer_aside`)."""
    if heard.choice or heard.command is not None:
        return None
    if journey.state in GATHERING and _about_solutions(heard):
        journey.heard = replace(heard, asks="solutions")
        return "aside"
    if heard.confidence < TYPED_SURE:
        return None
    if heard.intent == "cancel" and journey.state in (*WAITING, *SETTLED):
        return "confirm_cancel"
    if heard.intent == "withdrawal" and journey.state in (
        *GATHERING,
        "ask_option",
        "ask_new_variant",
    ):
        return "withdraw"
    return None


def _thanks_or_ok(heard: Heard) -> bool:
    """« ok merci », « d'accord », « tant pis » once settled: noted, not the case's status again."""
    if heard.choice or heard.question or "?" in heard.text or heard.reason or heard.option:
        return False
    return heard.yes is True or not THANKS.isdisjoint(plain_words(heard.text))


def _about_solutions(heard: Heard) -> bool:
    if heard.option is not None or heard.remedy is not None:
        return True
    return "?" in heard.text and not ABOUT_SOLUTIONS.isdisjoint(plain_words(heard.text))


def _answer_trigger(journey: Journey) -> str:
    """At a waiting step (the only place a message is an answer): answered, or not understood."""
    if not STEPS[journey.state].answered(journey):
        return "miss"
    if journey.state in CHOOSING:
        return "choose"
    return "note" if journey.state in FOLLOWING else "proceed"
