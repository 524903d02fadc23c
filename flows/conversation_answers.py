"""What a customer's message answers: the facts kept from it.

Information given before it is asked is kept (a reason, a tracking number); a step's own answer
(ownership proof, item, seal, photos, option…) is only taken at that step. Whether a step is
answered is said beside the machine (`flows.conversation.STEPS`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows.conversation_world import Facts
from flows.understanding import Heard

if TYPE_CHECKING:
    from flows.conversation_steps import Journey


def absorb(journey: Journey, heard: Heard) -> None:
    """Keeps what the message says that the journey can use, at this step or a later one."""
    _absorb_reason(journey, heard)
    replaced = _absorb_tracking(journey, heard)
    # The shell checked the proof against the parcel known before, or else the one named now.
    if journey.world.proves_ownership and journey.parcel is not None and not replaced:
        journey.facts.owner_verified = True
    _absorb_order(journey)
    _absorb_early_proofs(journey, heard)
    _absorb_answer(journey, heard)
    _absorb_quantity(journey, heard)
    if heard.remedy is not None:
        journey.facts.remedy = heard.remedy
    if heard.photo and not journey.world.photo_known:  # the same photo twice counts once
        journey.facts.photos += 1


def _absorb_reason(journey: Journey, heard: Heard) -> None:
    if heard.reason and (journey.facts.reason is None or journey.state == "ask_reason"):
        journey.facts.reason = heard.reason


# Where a number named later replaces the request's: while the ownership is checked, and for a new
# request in the same chat (before anything of the order is shown).
_NUMBER_MAY_CHANGE = ("ask_tracking", "ask_ownership", "ask_reason")


def _absorb_tracking(journey: Journey, heard: Heard) -> bool:
    """The first valid tracking number of the message, whether or not it is one of the shop's:
    before the ownership check, nothing tells a customer which numbers exist. It can still be
    corrected while the ownership is being checked. True when it replaced another number."""
    facts = journey.facts
    stored = facts.tracking_number
    if stored and journey.state not in _NUMBER_MAY_CHANGE:
        return False
    if journey.state == "ask_ownership" and heard.proofs:
        return False  # postcodes side by side can read as a number (« 75001 69003 »): they are the answer
    if heard.tracking_numbers:
        number = heard.tracking_numbers[0]
        if number != stored:
            facts.tracking_number = number
            facts.owner_verified = number in facts.order_parcels  # one of a proven order's
            facts.line_id = None
            facts.quantity = None
        facts.tracking_problem = None
        facts.order_key = facts.found_by = None
        return stored is not None and number != stored
    if not stored and _absorb_order_key(facts, heard):
        return False
    if journey.state == "ask_tracking":
        facts.tracking_problem = heard.tracking_refusal or "unknown_shape"
    return False


def _absorb_quantity(journey: Journey, heard: Heard) -> None:
    """How many of the line are concerned: asked, or said before (« un des 2 chargeurs »)."""
    facts, item = journey.facts, journey.item
    if heard.how_many and facts.quantity is None:
        facts.quantity_said = heard.how_many
    if item is None or item.quantity <= 1 or facts.quantity is not None:
        return
    number = heard.number if journey.state == "ask_quantity" else None
    if number is not None and 1 <= number <= item.quantity:
        facts.quantity = number
    elif facts.quantity_said:
        facts.quantity = 1 if facts.quantity_said == "one" else item.quantity


def _absorb_order_key(facts: Facts, heard: Heard) -> bool:
    """No tracking number: the order's number (« #1003 ») or its e-mail names it instead."""
    emails = [proof for proof in heard.proofs if "@" in proof]
    if heard.order_numbers:
        facts.order_key, facts.found_by = heard.order_numbers[0], "number"
    elif emails:
        facts.order_key, facts.found_by = emails[0], "email"
    else:
        return False
    facts.tracking_problem = None
    return True


def _absorb_order(journey: Journey) -> None:
    """The order named without a tracking number, once its owner is proven: its parcel, or the
    question of which one when it went in several."""
    facts, parcels = journey.facts, journey.world.order_parcels
    if facts.tracking_number or not facts.order_key or not journey.world.proves_ownership:
        return
    if len(parcels) == 1:
        facts.tracking_number, facts.owner_verified = parcels[0], True
    elif parcels:
        facts.order_key = facts.found_by = None
        facts.order_parcels, facts.owner_verified = list(parcels), True
        facts.tracking_problem = "several_parcels"


def _absorb_early_proofs(journey: Journey, heard: Heard) -> None:
    """A postcode or e-mail typed before the parcel is known: kept to check it then (one guess)."""
    facts = journey.facts
    if facts.owner_verified:
        facts.early_proofs = []
    elif journey.parcel is None and heard.proofs:
        facts.early_proofs = list(heard.proofs[:1])
    elif journey.parcel is not None:
        facts.early_proofs = []  # checked once, with this event's world


def _absorb_answer(journey: Journey, heard: Heard) -> None:
    """The answer to the current step's own question."""
    state = journey.state
    if state == "ask_item":
        journey.facts.line_id = _chosen_line(journey, heard)
    elif state == "ask_seal" and heard.yes is not None:
        journey.facts.seal_intact = heard.yes
    elif state == "ask_photos":
        done = (heard.done or heard.yes is True) and journey.facts.photos > 0
        journey.facts.photos_settled = done or (heard.skip and not journey.photos_required())
    elif state == "ask_option":
        journey.facts.option = _chosen_option(journey, heard)
    elif state == "ask_new_variant" and heard.text and not heard.choice:
        journey.facts.new_variant = heard.text[:200]
    elif state == "confirm_withdrawal":
        journey.facts.withdrawal_answer = heard.yes
        if heard.yes is False:
            journey.facts.option = None
            journey.facts.withdrawal = False
    elif state == "ask_return_tracking":
        absorb_return_tracking(journey, heard)
    elif state == "ask_comment":
        journey.facts.comment = _comment(heard)


def absorb_return_tracking(journey: Journey, heard: Heard) -> None:
    """The return parcel's number: a valid one, not the number of the parcel received."""
    facts = journey.facts
    numbers = [n for n in heard.tracking_numbers if n != facts.tracking_number]
    case = journey.world.case
    if case is not None and case.tracking_number:
        numbers = [n for n in numbers if n != case.tracking_number]
    if numbers:
        facts.return_tracking, facts.return_problem = numbers[0], None
    elif heard.tracking_numbers:
        facts.return_problem = "same_as_received"
    else:
        facts.return_problem = heard.tracking_refusal or "unknown_shape"


def rating_of(heard: Heard) -> int | None:
    """A tapped star, or a lone digit from 1 to 5."""
    if heard.rating is not None:
        return heard.rating
    return heard.number if heard.number is not None and 1 <= heard.number <= 5 else None


def _comment(heard: Heard) -> str | None:
    if heard.choice == "comment:skip" or (heard.yes is False and len(heard.text) <= 12):
        return ""
    if heard.choice or not heard.text.strip():
        return None
    return heard.text.strip()[:1000]


def _chosen_line(journey: Journey, heard: Heard) -> int | None:
    items = journey.parcel.items if journey.parcel else ()
    if heard.choice and heard.choice.startswith("item:"):
        wanted = heard.choice.removeprefix("item:")
        return next((i.line_id for i in items if str(i.line_id) == wanted), None)
    if heard.number is not None and 1 <= heard.number <= len(items):
        return items[heard.number - 1].line_id
    text = heard.text.lower()
    named = [item for item in items if any(w in text for w in _long_words(item.name))]
    return named[0].line_id if len(named) == 1 else None


def _chosen_option(journey: Journey, heard: Heard) -> str | None:
    decision = journey.decision()
    options = decision.options if decision else ()
    if heard.option is not None:
        return journey.offered_option(heard.option)
    if heard.number is not None and 1 <= heard.number <= len(options):
        return options[heard.number - 1]
    if len(options) == 1 and heard.yes:  # « Cela vous convient-il ? » « oui »
        return options[0]
    return None


def _long_words(name: str) -> list[str]:
    return [word for word in name.lower().replace("-", " ").split() if len(word) >= 4]
