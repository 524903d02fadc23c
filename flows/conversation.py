"""The customer journey as data: the states, the transitions between them, and the one machine.

Read top to bottom, `NEXT_STEP` is the happy path: reason, tracking number, ownership check, item,
hygiene seal, photos, then the decision (hand over, decline, confirm a withdrawal or offer the
options). Information given early is kept, so a step whose answer is already known is skipped.
The steps themselves (what is said on entering each state) are in `flows.conversation_steps`.

One `transitions.Machine` serves every conversation: `respond` binds a `Journey` to it for one event
and unbinds it. States are plain strings, saved as a column. The machine is synchronous, so an event
runs to its end without yielding; the shell still handles one event per conversation at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

from transitions import Machine

from flows.conversation_steps import Journey
from flows.conversation_world import Facts
from flows.understanding import ALWAYS_VALID_CHOICES, Heard

RESTING: Final = ["new", "done", "declined", "cancelled"]
GATHERING: Final = [
    "ask_reason",
    "ask_tracking",
    "ask_ownership",
    "ask_item",
    "ask_seal",
    "ask_photos",
]
CHOOSING: Final = ["ask_option", "ask_new_variant", "confirm_withdrawal"]
WAITING: Final = GATHERING + CHOOSING

STATES: Final[list[dict[str, Any]]] = [
    {"name": "new"},
    {"name": "ask_reason", "on_enter": "ask_reason"},
    {"name": "ask_tracking", "on_enter": "ask_tracking"},
    {"name": "ask_ownership", "on_enter": "ask_ownership"},
    {"name": "ask_item", "on_enter": "ask_item"},
    {"name": "ask_seal", "on_enter": "ask_seal"},
    {"name": "ask_photos", "on_enter": "ask_photos"},
    {"name": "ask_option", "on_enter": "offer_options"},
    {"name": "ask_new_variant", "on_enter": "ask_new_variant"},
    {"name": "confirm_withdrawal", "on_enter": "confirm_withdrawal"},
    {"name": "done", "on_enter": "give_instructions"},
    {"name": "declined", "on_enter": "decline"},
    {"name": "handover", "on_enter": "hand_over"},
    {"name": "cancelled", "on_enter": "confirm_cancellation"},
]

# The first step whose answer is missing, in the journey's order; then the decision's outcome.
NEXT_STEP: Final[list[dict[str, Any]]] = [
    {"dest": "ask_reason", "unless": "knows_reason"},
    {"dest": "ask_tracking", "unless": "knows_parcel"},
    {"dest": "ask_ownership", "unless": "owner_verified"},
    {"dest": "ask_item", "unless": "knows_item"},
    {"dest": "handover", "conditions": "item_has_open_case", "before": "flag_open_case"},
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
) -> list[dict[str, Any]]:
    routes = []
    for route in NEXT_STEP:
        step = {"trigger": trigger, "source": source, **route}
        step["before"] = [*(before or []), *_as_list(route.get("before"))]
        if prepare:  # runs before the conditions are looked at
            step["prepare"] = prepare
        routes.append(step)
    return routes


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else value


TRANSITIONS: Final[list[dict[str, Any]]] = [
    # Forward: a (re)start, an answered question, a withdrawal, an agent handing back.
    *_to_next_step("start", RESTING, before=["welcome"]),
    *_to_next_step("proceed", GATHERING),
    *_to_next_step("withdraw", RESTING, before=["welcome"], prepare="note_withdrawal"),
    *_to_next_step("withdraw", WAITING, prepare="note_withdrawal"),
    *_to_next_step("hand_back", ["handover"], before=["note_hand_back"]),
    # The customer's choice among the options, and what follows it.
    {"trigger": "choose", "source": "ask_option", "dest": "confirm_withdrawal", "conditions": "chose_withdrawal"},
    {"trigger": "choose", "source": "ask_option", "dest": "ask_new_variant", "conditions": "chose_new_variant"},
    {"trigger": "choose", "source": "ask_option", "dest": "done"},
    {"trigger": "choose", "source": "ask_new_variant", "dest": "done"},
    {"trigger": "choose", "source": "confirm_withdrawal", "dest": "done", "conditions": "withdrawal_confirmed"},
    {"trigger": "choose", "source": "confirm_withdrawal", "dest": "ask_option"},
    # Not understood: ask again with an example; the third time, a person takes over.
    {"trigger": "miss", "source": WAITING, "dest": "handover", "conditions": "third_miss", "before": "flag_three_misses"},
    {"trigger": "miss", "source": WAITING, "dest": None, "after": "reask"},
    # Photos: thanked at the photo step, kept for later before it.
    {"trigger": "photo", "source": "ask_photos", "dest": None, "after": "acknowledge_photo"},
    {"trigger": "photo", "source": [s for s in WAITING if s != "ask_photos"], "dest": None, "after": "keep_photo"},
    # At any step.
    {"trigger": "agent", "source": [*RESTING, *WAITING], "dest": "handover"},
    {"trigger": "agent", "source": "handover", "dest": None, "after": "welcome_back"},
    {"trigger": "cancel", "source": "*", "dest": "cancelled"},
    {"trigger": "help", "source": "*", "dest": None, "after": "explain"},
    {"trigger": "resume", "source": [*WAITING, "handover"], "dest": None, "after": "welcome_back"},
    {"trigger": "later", "source": WAITING, "dest": None, "after": "say_later"},
    {"trigger": "stale", "source": "*", "dest": None, "after": "say_stale"},
    {"trigger": "unsupported", "source": "*", "dest": None, "after": "say_unsupported"},
    {"trigger": "remind", "source": ["done", "declined"], "dest": None, "after": "remind_settled"},
    # While a person holds the case, the bot stays silent (the agents' channel relays).
    {"trigger": "relay", "source": "handover", "dest": None},
]  # fmt: skip

MACHINE: Final = Machine(
    model=None,
    states=STATES,
    transitions=TRANSITIONS,
    initial="new",
    auto_transitions=False,
    ignore_invalid_triggers=False,
)


def respond(journey: Journey, heard: Heard) -> str:
    """Runs one customer event through the machine; returns the trigger fired.

    The journey's replies, facts, misses and state are updated in place.
    """
    trigger = _trigger_for(journey, heard)
    state_before = journey.state
    if trigger == "start" or (trigger == "withdraw" and state_before in RESTING):
        journey.facts = Facts()
    if trigger in ("start", "withdraw", "photo", "agent", "answer"):
        journey.absorb(heard)
    elif trigger == "unsupported":
        journey.heard = heard  # only to say what could not be read
    if trigger == "answer":
        trigger = _answer_trigger(journey)
    with _bound(journey, state_before):
        journey.trigger(trigger)  # type: ignore[attr-defined]
    if journey.state != state_before:
        journey.misses = 0
    return trigger


def hand_back(journey: Journey) -> None:
    """An agent hands the customer back to the bot: the journey goes on from the next missing step."""
    with _bound(journey, journey.state):
        journey.trigger("hand_back")  # type: ignore[attr-defined]
    journey.misses = 0


def _trigger_for(journey: Journey, heard: Heard) -> str:
    state, facts, world = journey.state, journey.facts, journey.world
    if heard.command == "start":
        return "start" if state in RESTING else "resume"
    if state == "handover" and heard.command == "withdraw":
        return "relay"  # the agent holding the case takes the withdrawal
    if heard.command in ("cancel", "help", "withdraw", "agent"):
        if heard.command == "agent":
            facts.flag("customer_asked")
        return heard.command
    if heard.command is not None:
        return "help"
    if state == "handover":
        return "relay"
    if heard.alarm or heard.wants_agent:
        facts.flag("angry_words" if heard.alarm else "customer_asked")
        return "agent"
    if heard.photo and world.duplicate_photo:
        facts.flag("duplicate_photo")
        return "agent"
    if state in ("new", "cancelled"):
        return "start"
    if (
        heard.choice
        and heard.choice not in facts.offered
        and heard.choice not in ALWAYS_VALID_CHOICES
    ):
        return "stale"
    if state in ("done", "declined"):
        return "remind"
    return _aside(heard) or "answer"


def _aside(heard: Heard) -> str | None:
    """A message that does not try to answer the question: a photo, a greeting, "later"…"""
    if heard.unsupported:
        return "unsupported"
    if heard.photo:
        return "photo"
    if heard.greeting_only:
        return "resume"
    if heard.later and not heard.choice and heard.reason is None:
        return "later"
    if heard.choice == "later":
        return "later"
    return None


def _answer_trigger(journey: Journey) -> str:
    if not journey.answered():
        return "miss"
    return "choose" if journey.state in CHOOSING else "proceed"


@contextmanager
def _bound(journey: Journey, state: str) -> Iterator[None]:
    known = set(vars(journey))
    MACHINE.add_model(journey, initial=state)
    try:
        yield
    finally:
        MACHINE.remove_model(journey)
        for name in set(vars(journey)) - known - {"state"}:
            delattr(
                journey, name
            )  # the machine's bound triggers, so the journey can be bound again
