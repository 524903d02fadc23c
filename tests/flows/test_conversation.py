"""The customer journey on the pure core: the machine, the steps and what is said, no database."""

from __future__ import annotations

import html
import json
from dataclasses import asdict, replace
from datetime import UTC, date, datetime

import pytest

from flows.conversation import MACHINE, STATES, TRANSITIONS, respond
from flows.conversation_world import Facts, Standing, World
from flows.understanding import Heard
from messages import render
from tests.conversation_helpers import SHOP, SHOP_NAME, PureChat, example_parcel

NOV_5 = date(2026, 11, 5)


def _lamp_chat() -> PureChat:
    chat = PureChat(NOV_5)
    chat.press("start")
    chat.press("reason:damaged")
    chat.say("6A15602676300")
    chat.say("69003")
    return chat


def test_the_happy_path_with_buttons() -> None:
    chat = PureChat(NOV_5)

    assert [r.template for r in chat.say("/start")] == ["welcome", "ask_reason"]
    assert [r.template for r in chat.press("reason:damaged")] == ["ask_tracking"]
    assert [r.template for r in chat.say("6A15602676300")] == ["ask_ownership"]
    assert [r.template for r in chat.say("69003")] == ["ask_photos"]
    assert [r.template for r in chat.photo()] == ["photo_received"]
    assert [r.template for r in chat.press("photos:done")] == ["offer"]
    assert chat.facts.offered == ["option:exchange", "option:refund"]
    assert [r.template for r in chat.press("option:exchange")] == ["instructions_exchange"]
    assert chat.state == "done"


def test_a_first_message_with_reason_and_tracking_number_skips_both_questions() -> None:
    chat = PureChat(NOV_5)

    replies = chat.say("bonjour, ma commande 6A15602676300 est arrivée cassée")

    assert [r.template for r in replies] == ["welcome", "ask_ownership"]
    assert chat.facts.reason == "damaged"


def test_no_order_detail_before_ownership_is_proven() -> None:
    chat = PureChat(NOV_5)
    chat.say("ma lampe 6A15602676300 est cassée")

    replies = chat.say("75001")

    assert chat.state == "ask_ownership"
    assert [r.template for r in replies] == ["reask_ownership"]
    assert chat.item is None
    assert all("item" not in reply.values for reply in replies)


def test_a_wrong_tracking_number_three_times_hands_over() -> None:
    chat = PureChat(NOV_5)
    chat.say("c'est cassé")

    chat.say("RR123456784ES")
    chat.say("12345")
    assert chat.state == "ask_tracking"
    assert [r.template for r in chat.said] == ["reask_tracking"]
    chat.say("je ne sais pas")

    assert chat.state == "handover"
    assert chat.facts.handover_reasons == ["three_misses"]


def test_a_number_that_is_no_parcel_of_the_shop_is_not_told_apart_before_the_ownership_check() -> (
    None
):
    known, unknown = PureChat(NOV_5), PureChat(NOV_5)
    known.say("c'est cassé")
    unknown.say("c'est cassé")

    assert known.say("6A15602676300") == unknown.say("6A15602676399")
    assert unknown.state == "ask_ownership"
    assert unknown.say("69003") == known.say("75001")  # the same words for both failures


def test_an_unknown_tracking_number_is_flagged_as_unknown_after_three_tries() -> None:
    chat = PureChat(NOV_5)
    chat.say("c'est cassé")
    chat.say("6A15602676399")
    for _ in range(3):
        chat.say("69003")

    assert chat.state == "handover"
    assert chat.facts.handover_reasons == ["unknown_tracking"]


def test_the_photo_step_answered_with_text_asks_again() -> None:
    chat = _lamp_chat()

    replies = chat.say("la voici")

    assert chat.state == "ask_photos"
    assert [r.template for r in replies] == ["reask_photos"]
    assert chat.facts.offered == ["later"]


def test_photos_are_optional_for_a_customer_side_reason() -> None:
    chat = PureChat(NOV_5)
    chat.say("la casquette EW112720413FR est trop petite")
    chat.say("31000")

    assert chat.state == "ask_photos"
    chat.press("photos:skip")
    assert chat.state == "ask_option"
    assert chat.facts.offered == ["option:keep_and_replace", "option:refund"]


def test_cancel_then_start_begins_afresh() -> None:
    chat = _lamp_chat()

    assert [r.template for r in chat.say("/annuler")] == ["cancelled"]
    assert [r.template for r in chat.say("/start")] == ["welcome", "ask_reason"]
    assert chat.facts.reason is None
    assert chat.facts.tracking_number is None


def test_start_in_the_middle_resumes_the_current_step() -> None:
    chat = _lamp_chat()

    assert [r.template for r in chat.say("/start")] == ["resume", "ask_photos"]
    assert [r.template for r in chat.say("bonjour")] == ["resume", "ask_photos"]
    assert chat.state == "ask_photos"


def test_angry_words_hand_over_at_once() -> None:
    chat = _lamp_chat()

    chat.say("si ça continue je porte plainte")

    assert chat.state == "handover"
    assert chat.facts.handover_reasons == ["angry_words"]
    assert chat.say("vous êtes là ?") == []


def test_asking_for_a_person_hands_over() -> None:
    chat = PureChat(NOV_5)
    chat.say("bonjour")

    chat.say("je veux parler à un conseiller")

    assert chat.state == "handover"
    assert chat.said[0].values["because"] == "customer_asked"


def test_a_photo_from_another_customers_case_hands_over_without_accusing() -> None:
    chat = _lamp_chat()

    chat.photo(duplicate=True)

    assert chat.state == "handover"
    assert chat.facts.handover_reasons == ["duplicate_photo"]
    assert chat.said[0].values["because"] == "duplicate_photo"


def test_a_hygiene_item_asks_whether_the_seal_is_intact() -> None:
    chat = PureChat(date(2026, 11, 20))
    chat.say("je n'en veux plus, suivi 1Z5R89390357567127")
    chat.say("44000")

    assert chat.state == "ask_seal"
    chat.say("non il a été ouvert")
    chat.press("photos:skip") if chat.state == "ask_photos" else None

    assert chat.state == "declined"
    assert chat.said[-1].template == "declined_exempt"


def test_the_withdrawal_function_confirms_and_acknowledges() -> None:
    chat = PureChat(date(2026, 10, 22))
    assert [r.template for r in chat.say("/retractation")][:2] == ["welcome", "ask_tracking"]
    chat.say("6A15602676300")
    chat.say("69003")

    assert chat.state == "confirm_withdrawal"
    replies = chat.press("withdrawal:confirm")

    assert [r.template for r in replies] == ["withdrawal_acknowledged", "instructions_refund"]
    assert chat.facts.withdrawal_confirmed_at == "2026-10-22T09:30:00+00:00"


def test_an_exchange_for_size_asks_the_new_size() -> None:
    chat = PureChat(NOV_5)
    chat.say("trop petit RR123456785ES")
    chat.say("31000")
    chat.press("photos:skip")

    chat.press("option:exchange")
    assert chat.state == "ask_new_variant"
    chat.say("L")

    assert chat.state == "done"
    assert chat.said[0].values["new_variant"] == "L"


def test_a_parcel_with_several_items_asks_which_one() -> None:
    lamp = example_parcel("6A15602676300")
    cap = example_parcel("EW112720413FR")
    assert lamp is not None and cap is not None
    both = replace(lamp, items=(lamp.items[0], replace(cap.items[0], line_id=2)))
    chat = PureChat(NOV_5, parcels={"6A15602676300": both})
    chat.say("6A15602676300 cassé")
    chat.say("69003")

    assert chat.state == "ask_item"
    assert chat.facts.offered == ["item:1", "item:2"]
    chat.say("le 2")
    assert chat.facts.line_id == 2


def test_an_old_button_gets_a_polite_answer() -> None:
    chat = _lamp_chat()

    replies = chat.press("option:refund")

    assert [r.template for r in replies] == ["stale_choice", "ask_photos"]
    assert chat.state == "ask_photos"


def test_coming_back_later_keeps_everything() -> None:
    chat = _lamp_chat()

    assert [r.template for r in chat.press("later")] == ["later"]
    assert chat.state == "ask_photos"


def test_the_machine_is_data_with_plain_string_states() -> None:
    assert all(isinstance(state["name"], str) for state in STATES)
    assert all({"trigger", "source", "dest"} <= set(t) for t in TRANSITIONS)
    assert set(MACHINE.states) == {state["name"] for state in STATES}


@pytest.mark.parametrize("state", [state["name"] for state in STATES])
@pytest.mark.parametrize(
    "heard",
    [Heard(command=c) for c in ("start", "cancel", "agent", "help", "withdraw", "unknown")]
    + [Heard(photo=True), Heard(unsupported=True), Heard(text="bonjour", greeting_only=True),
       Heard(text="???"), Heard(choice="option:refund"), Heard(choice="later", later=True)],
)  # fmt: skip
def test_every_event_is_welcome_in_every_state(state: str, heard: Heard) -> None:
    world = World(NOV_5, datetime(2026, 11, 5, tzinfo=UTC))

    answer = respond(Standing(state, Facts()), world, heard)

    assert answer.state in {s["name"] for s in STATES}


def test_respond_answers_with_a_value_and_leaves_what_it_was_given_alone() -> None:
    world = World(NOV_5, datetime(2026, 11, 5, 9, 30, tzinfo=UTC))
    standing = Standing("new", Facts())

    answer = respond(standing, world, Heard(command="agent"))

    assert (answer.trigger, answer.previous_state, answer.state) == ("agent", "new", "handover")
    assert [type(event).__name__ for event in answer.events] == ["CaseOpened", "HandedOver"]
    assert [reply.template for reply in answer.replies] == ["handover"]
    assert standing == Standing("new", Facts())  # the core changed nothing of what it was given


def test_every_waiting_step_says_its_question_and_what_answers_it() -> None:
    from flows.conversation import STEPS, WAITING

    assert set(STEPS) == set(WAITING)
    assert all(callable(step.answered) for step in STEPS.values())


def test_where_is_my_return_says_the_step_and_the_next_date_then_the_question_again() -> None:
    chat = _lamp_chat()
    asked = chat.say("où en est mon retour ?")
    assert [r.template for r in asked] == ["case_status", "ask_photos"]  # mid-journey: asked again

    chat.photo()
    chat.press("photos:done")
    chat.press("option:exchange")
    (status,) = chat.say("/suivi")

    assert status.template == "case_status"
    text = render(status.template, {"reference": "R-2026-000001", **status.values})
    assert "nous attendons votre colis retour" in text
    assert "samedi 5 décembre 2026" in text  # the replacement is due within 30 days (L217-10)
    assert status.buttons[0].id == "return:shipped"


# Refund amounts with the delivery (L221-24), return costs (L221-23), the mediator (L616-1)

PAYMENT = "sur le moyen de paiement utilisé pour la commande"


def _rendered(chat: PureChat) -> str:
    return html.unescape(
        "\n".join(
            render(
                reply.template,
                {"reference": "R-2026-000001", "shop_name": SHOP_NAME, **reply.values},
            )
            for reply in chat.said
        )
    )


def _lamp_withdrawal(chat: PureChat) -> list[str]:
    """#1001's lamp (34,90 €, delivery 4,90 €) withdrawn from: what each step says."""
    texts = []
    for step in ("/retractation", "6A15602676300", "69003"):
        chat.say(step)
        texts.append(_rendered(chat))
    chat.press("withdrawal:confirm")
    texts.append(_rendered(chat))
    return texts


def test_a_withdrawal_announces_the_item_and_the_delivery_back_on_the_means_of_payment() -> None:
    chat = PureChat(date(2026, 10, 15))

    *_, confirm, settled = _lamp_withdrawal(chat)

    assert "remboursé de 39,80\u00a0€ (dont 4,90\u00a0€ de livraison)" in confirm
    assert PAYMENT in confirm
    assert "remboursement de <b>39,80\u00a0€</b> (dont 4,90\u00a0€ de livraison)" in settled
    assert PAYMENT in settled
    assert chat.case is not None and chat.case.amount is not None
    assert str(chat.case.amount) == "39.80"


def test_the_offer_gives_the_refund_with_the_delivery_and_the_means_of_payment() -> None:
    chat = _lamp_chat()
    chat.photo()

    chat.press("photos:done")

    offer = _rendered(chat)
    assert "Remboursement de 39,80\u00a0€ (dont 4,90\u00a0€ de livraison)" in offer
    assert PAYMENT in offer


def test_the_refund_made_says_the_amount_and_the_means_of_payment() -> None:
    chat = PureChat(date(2026, 10, 15))
    _lamp_withdrawal(chat)
    chat.case_event("return_shipped", tracking_number="6A99999999999")
    chat.case_event("receive")

    chat.case_event("refund")

    made = _rendered(chat)
    assert "remboursé <b>39,80\u00a0€</b> (dont 4,90\u00a0€ de livraison)" in made
    assert PAYMENT in made


def test_the_customer_pays_the_return_by_the_shop_s_terms_quoted_in_the_instructions() -> None:
    chat = PureChat(date(2026, 10, 15))

    *_, settled = _lamp_withdrawal(chat)

    assert "Les frais de retour sont à votre charge, comme le prévoient nos conditions" in settled
    assert f"« {SHOP.shop.return_costs_terms} »" in settled


def test_without_terms_the_shop_pays_the_return_and_no_cost_is_mentioned() -> None:
    chat = PureChat(date(2026, 10, 15), shop=replace(SHOP.shop, return_costs_terms=""))

    *_, settled = _lamp_withdrawal(chat)

    assert "Le retour est à nos frais" in settled
    assert "étiquette prépayée" in settled
    assert "à votre charge" not in settled


@pytest.mark.parametrize(
    ("message", "template"),
    [("la lampe est trop grande 6A15602676300", "declined_late")],
)
def test_a_declined_request_names_the_consumer_mediator(message: str, template: str) -> None:
    chat = PureChat(NOV_5)
    chat.say(message)
    chat.say("69003")
    if chat.state == "ask_photos":
        chat.press("photos:skip")

    assert chat.said[-1].template == template
    text = _rendered(chat)
    assert "médiateur de la consommation" in text
    assert "CM2C, https://www.cm2c.net" in text


def test_an_exempt_item_s_refusal_names_the_consumer_mediator() -> None:
    chat = PureChat(date(2026, 11, 28))
    chat.say("trop petit 6C02345678901")
    chat.say("13002")
    if chat.state == "ask_photos":
        chat.press("photos:skip")

    assert chat.said[-1].template == "declined_exempt"
    assert "CM2C, https://www.cm2c.net" in _rendered(chat)


def test_an_agent_s_refusal_names_the_consumer_mediator() -> None:
    chat = _lamp_chat()
    chat.photo()
    chat.press("photos:done")

    chat.case_event("refuse", motive="l'article a été utilisé")

    assert chat.templates() == ["agent_refused"]
    assert "médiateur de la consommation dont nous relevons : CM2C" in _rendered(chat)


def test_the_status_of_a_declined_request_names_the_consumer_mediator_again() -> None:
    chat = PureChat(NOV_5)
    chat.say("la lampe est trop grande 6A15602676300")
    chat.say("69003")
    if chat.state == "ask_photos":
        chat.press("photos:skip")
    assert chat.case is not None and chat.case.status == "declined"

    chat.say("où en est mon dossier ?")

    assert "case_status" in chat.templates()
    assert "médiateur de la consommation dont nous relevons : CM2C" in _rendered(chat)


def test_the_facts_go_to_json_and_back_as_plain_values_their_lists_copied() -> None:
    facts = Facts(
        reason="damaged",
        tracking_number="LX123456785CN",
        owner_verified=True,
        early_proofs=["35000"],
        handover_reasons=["three_misses"],
        offered=["exchange", "refund"],
        quantity=1,
        withdrawal_started_at="2026-10-22T23:50:00+02:00",
    )

    data = facts.to_json()
    data["offered"].append("keep_and_replace")

    assert facts.offered == ["exchange", "refund"]
    assert facts.to_json() == asdict(facts)
    assert Facts.from_json(json.loads(json.dumps(facts.to_json()))) == facts
