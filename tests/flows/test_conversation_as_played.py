"""The journey as customers really play it (issue 14): free text, questions, second thoughts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from flows.events import ReplacementToOrder
from flows.understanding import Heard
from messages import render
from tests.conversation_helpers import PureChat, two_chargers, two_items

NOV_5 = date(2026, 11, 5)


def _at_the_photos(
    first: str = "ma lampe 6A15602676300 est cassée", postcode: str = "69003"
) -> PureChat:
    chat = PureChat(NOV_5)
    chat.say(first)
    chat.say(postcode)
    assert chat.state == "ask_photos"
    return chat


# -- point 5: photos -------------------------------------------------------------------------------


def test_after_a_photo_the_usual_ways_of_saying_done_finish_the_step() -> None:
    for done in ("c tout", "ok", "voilà", "c'est bon"):
        chat = _at_the_photos()
        chat.photo()

        replies = chat.say(done)

        assert chat.state == "ask_option", done
        assert [r.template for r in replies] == ["offer"]


def test_done_before_any_photo_still_asks_for_one() -> None:
    chat = _at_the_photos()

    replies = chat.say("ok")

    assert chat.state == "ask_photos"
    assert [r.template for r in replies] == ["reask_photos"]


def test_the_same_photo_sent_twice_counts_once() -> None:
    chat = _at_the_photos()
    chat.photo()

    replies = chat.photo(known=True)

    assert chat.facts.photos == 1
    assert [(r.template, r.values["photos"], r.values["again"]) for r in replies] == [
        ("photo_received", 1, True)
    ]


# -- point 9: stable buttons -----------------------------------------------------------------------


def _ids(chat: PureChat) -> list[str]:
    return [button.id for reply in chat.said for button in reply.buttons]


def test_the_photo_steps_choices_keep_their_numbers() -> None:
    required = _at_the_photos()
    before = _ids(required)
    required.photo()
    after = _ids(required)
    optional = _at_the_photos("trop petit EW112720413FR", "31000")
    optional_before = _ids(optional)
    optional.photo()
    optional_after = _ids(optional)

    assert after[: len(before)] == before == ["later"]
    assert optional_after[: len(optional_before)] == optional_before == ["photos:skip", "later"]
    assert after[-1] == optional_after[-1] == "photos:done"


def test_a_refusal_and_the_reminder_after_it_offer_the_same_choices_in_the_same_order() -> None:
    chat = PureChat(date(2026, 11, 20))
    chat.say("je n'en veux plus 1Z5R89390357567127")
    chat.say("44000")
    chat.say("non")
    assert chat.state == "declined"
    refusal = _ids(chat)

    chat.say("bon")

    assert _ids(chat) == refusal == ["start", "agent"]


# -- point 2: the customer's own mistake is not the shop's -----------------------------------------


def test_ordering_the_wrong_item_is_a_withdrawal_not_a_free_replacement() -> None:
    chat = PureChat(NOV_5)
    chat.say("je me suis trompé d'article EW112720413FR")
    chat.say("31000")

    replies = chat.say("passer")

    assert chat.facts.reason == "changed_mind"
    offer = replies[-1]
    assert offer.template == "offer"
    assert offer.values["decision"].window == "withdrawal"
    assert "keep_and_replace" not in offer.values["decision"].options


def test_being_sent_the_wrong_item_stays_the_shops_side() -> None:
    chat = PureChat(NOV_5)

    chat.say("vous m'avez envoyé le mauvais article EW112720413FR")
    chat.say("31000")

    assert chat.facts.reason == "wrong_item"
    assert chat.state == "ask_photos"


# -- point 3 and issue 12 point 3: a question is not a choice, and gets an answer ----------------


def _at_the_options() -> PureChat:
    chat = PureChat(date(2026, 11, 26))
    chat.say("mon chargeur ne marche plus LX123456785CN")
    chat.say("35000")
    chat.photo()
    chat.press("photos:done")
    assert chat.state == "ask_option"
    return chat


def test_asking_when_the_refund_comes_at_the_options_is_answered_not_chosen() -> None:
    chat = _at_the_options()

    replies = chat.say("c'est quand que je suis remboursé ??")

    assert chat.state == "ask_option"
    assert chat.facts.option is None
    assert [r.template for r in replies] == ["aside", "offer"]
    assert replies[0].values["topic"] == "refund_when"
    assert chat.case is not None and chat.case.option is None


def test_any_question_at_the_options_is_not_taken_as_a_choice() -> None:
    chat = _at_the_options()

    replies = chat.say("comment se passe le remboursement ?")

    assert (chat.state, chat.facts.option) == ("ask_option", None)
    assert [r.template for r in replies] == ["aside", "offer"]


def test_a_choice_can_be_changed_until_anything_has_shipped() -> None:
    chat = _at_the_options()
    chat.say("je veux le remboursement")
    assert chat.case is not None and chat.case.status == "awaiting_refund"

    replies = chat.say("NON attendez, je préfère un échange")

    assert chat.state == "done"
    assert chat.case.option == "keep_and_replace"
    assert chat.case.status == "awaiting_replacement"
    assert [r.template for r in replies] == ["instructions_keep_and_replace"]


def test_a_choice_cannot_change_once_the_item_is_on_its_way() -> None:
    chat = PureChat(NOV_5)
    chat.say("cassé 6A15602676300")
    chat.say("69003")
    chat.photo()
    chat.press("photos:done")
    chat.press("option:exchange")
    chat.say("RA123456785FR")
    assert chat.case is not None and chat.case.status == "return_in_transit"

    replies = chat.say("finalement je préfère le remboursement")

    assert chat.case.option == "exchange"
    assert [r.template for r in replies] == ["choice_fixed"]


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("vous êtes un robot ?", "robot"),
        ("c'est un bot qui me répond ?", "robot"),
        ("quels sont vos horaires ?", "opening_hours"),
        ("c'est quoi le délai de livraison ?", "delivery_delay"),
        ("quand serai-je remboursé ?", "refund_when"),
    ],
)
def test_a_question_off_the_path_gets_an_answer_and_the_question_again(
    text: str, topic: str
) -> None:
    chat = PureChat(NOV_5)
    chat.say("cassé 6A15602676300")

    replies = chat.say(text)

    assert chat.state == "ask_ownership"
    assert chat.standing.misses == 0
    assert [r.template for r in replies] == ["aside", "ask_ownership"]
    assert replies[0].values["topic"] == topic


# -- point 8: honest identity ----------------------------------------------------------------------


def test_the_bot_says_it_is_the_shops_assistant_and_a_person_can_take_over() -> None:
    chat = PureChat(NOV_5)
    chat.say("cassé 6A15602676300")

    replies = chat.say("vous êtes un robot ?")

    text = render(replies[0].template, replies[0].values)
    assert "assistant automatique de la boutique" in text
    assert "pas une personne" in text
    assert "/agent" in text


# -- point 4: after a refusal, a defect claim is heard ---------------------------------------------


def test_a_defect_claimed_after_a_refusal_reopens_the_decision() -> None:
    chat = PureChat(date(2026, 11, 20))
    chat.say("je n'en veux plus 1Z5R89390357567127")
    chat.say("44000")
    chat.say("non")
    assert (chat.state, chat.case and chat.case.status) == ("declined", "declined")

    replies = chat.say("il a un trou, c un défaut")

    assert [r.template for r in replies] == ["reconsidered", "ask_photos"]
    assert chat.case is not None and chat.case.status == "open"
    chat.photo()
    offer = chat.say("c tout")[-1]
    assert offer.template == "offer"
    assert offer.values["decision"].window == "conformity"
    assert chat.case.reason == "defective"
    chat.press("option:refund")
    assert chat.case.status == "awaiting_return"


# -- point 1: quantity -----------------------------------------------------------------------------

NOV_26 = date(2026, 11, 26)


def test_one_of_two_chargers_broken_is_one_charger_refunded_or_replaced() -> None:
    chat = PureChat(NOV_26, parcels=two_chargers())
    chat.say("un des 2 chargeurs marche plus, l'autre ca va LX123456785CN")
    chat.say("35000")
    chat.photo()

    offer = chat.say("c tout")[-1]

    assert offer.template == "offer"
    # 9,90 € and half of the delivery (3,90 € for two chargers)
    assert (offer.values["quantity"], offer.values["amount"]) == (1, Decimal("11.85"))
    chat.press("option:keep_and_replace")
    assert chat.case is not None and chat.case.quantity == 1
    assert ReplacementToOrder(None, 1) in chat.last_case_events


def test_several_of_a_line_asks_how_many_are_concerned_and_the_amount_follows() -> None:
    chat = PureChat(NOV_26, parcels=two_chargers())
    chat.say("chargeur cassé LX123456785CN")

    replies = chat.say("35000")

    assert [r.template for r in replies] == ["ask_quantity"]
    assert [b.id for b in replies[0].buttons] == ["quantity:1", "quantity:2"]
    assert chat.say("euh")[0].template == "reask_quantity"
    assert chat.say("les deux")[0].template == "ask_photos"
    chat.photo()
    assert chat.say("c tout")[-1].values["amount"] == Decimal("23.70")  # and the 3,90 € delivery
    chat.press("option:refund")
    assert chat.case is not None and chat.case.amount == Decimal("23.70")


def test_a_line_of_one_is_not_asked_how_many() -> None:
    chat = PureChat(NOV_26)
    chat.say("chargeur cassé LX123456785CN")

    assert [r.template for r in chat.say("35000")] == ["ask_photos"]


def test_a_parcel_not_received_is_not_asked_how_many_of_it_were_received() -> None:
    chat = PureChat(NOV_26, parcels=two_chargers())
    chat.say("jai toujours rien recu alors que le suivi dit livré LX123456785CN")

    replies = chat.say("35000")

    assert "ask_quantity" not in [r.template for r in replies]
    assert chat.state == "handover"


# -- point 6: nothing asked twice ------------------------------------------------------------------


def test_a_postcode_in_the_first_message_is_the_ownership_proof() -> None:
    chat = PureChat(NOV_5)

    replies = chat.say("bonjour, ma lampe 6A15602676300 est arrivée cassée, je suis au 69003")

    assert chat.facts.owner_verified
    assert [r.template for r in replies] == ["welcome", "ask_photos"]


def test_a_postcode_given_before_the_tracking_number_is_used_once_it_comes() -> None:
    chat = PureChat(NOV_5)
    chat.say("ma lampe est cassée, code postal 69003")

    replies = chat.say("6A15602676300")

    assert chat.facts.owner_verified
    assert [r.template for r in replies] == ["ask_photos"]


def test_a_wrong_early_postcode_still_asks_for_the_proof() -> None:
    chat = PureChat(NOV_5)
    chat.say("ma lampe est cassée, code postal 75001")

    replies = chat.say("6A15602676300")

    assert not chat.facts.owner_verified
    assert [r.template for r in replies] == ["ask_ownership"]


def test_a_new_request_about_the_same_parcel_asks_neither_greeting_nor_parcel_again() -> None:
    chat = PureChat(NOV_5, parcels=two_items())
    for step in ("cassé 6A15602676300", "69003", "1"):
        chat.say(step)
    chat.photo()
    chat.press("photos:done")
    chat.press("option:refund")
    assert chat.state == "done"

    again = chat.press("start")
    reason = chat.press("reason:size_color")

    assert [r.template for r in again] == ["new_request", "ask_reason"]
    assert [r.template for r in reason] == ["ask_item"]
    assert chat.cases_opened == 2


def test_a_new_request_about_another_parcel_takes_its_number() -> None:
    chat = PureChat(NOV_5)
    for step in ("cassé 6A15602676300", "69003"):
        chat.say(step)
    chat.photo()
    chat.press("photos:done")
    chat.press("option:refund")
    chat.press("start")

    replies = chat.say("la casquette est trop petite EW112720413FR")

    assert chat.facts.tracking_number == "EW112720413FR"
    assert not chat.facts.owner_verified
    assert [r.template for r in replies] == ["ask_ownership"]


def test_the_offers_choices_keep_their_order_and_numbers_when_offered_again() -> None:
    chat = _at_the_options()
    first = [r for r in chat.said if r.template == "offer"][-1]

    chat.say("c'est quand que je suis rembourse ??")
    again = [r for r in chat.said if r.template == "offer"][-1]

    assert again is not first
    assert len(first.buttons) >= 2
    assert [(b.id, b.label) for b in again.buttons] == [(b.id, b.label) for b in first.buttons]
    assert render(again.template, again.values) == render(first.template, first.values)


# -- issue 12: a reason the reader hesitates over is asked, not « pas bien compris » ---------------


def _unsure(*readings: str) -> Heard:
    return Heard(text="il a un souci", hesitates=readings)


def test_a_reason_the_reader_hesitates_over_gets_one_question_with_its_likeliest_readings() -> None:
    chat = PureChat(NOV_5)
    chat.say("/start")

    replies = chat._send(_unsure("reason:damaged", "reason:defective", "other"), "")

    assert chat.state == "ask_reason"
    assert [r.template for r in replies] == ["clarify_reason"]
    assert [(b.id, b.label) for b in replies[0].buttons] == [
        ("reason:damaged", "clarify.damaged"),
        ("reason:defective", "clarify.defective"),
        ("reason:other", "clarify.other"),
    ]
    assert "Pour être sûr de bien comprendre" in render("clarify_reason", replies[0].values)


def test_the_button_pressed_under_the_clarifying_question_is_the_reason() -> None:
    chat = PureChat(NOV_5)
    chat.say("/start")
    chat._send(_unsure("reason:damaged", "reason:defective"), "")

    replies = chat.press("reason:defective")

    assert chat.state == "ask_tracking"
    assert chat.facts.reason == "defective"
    assert [r.template for r in replies] == ["ask_tracking"]


def test_something_else_under_the_clarifying_question_lists_every_reason_again() -> None:
    chat = PureChat(NOV_5)
    chat.say("/start")
    chat._send(_unsure("reason:damaged", "reason:defective"), "")

    replies = chat.press("reason:other")

    assert chat.state == "ask_reason"
    assert [r.template for r in replies] == ["ask_reason"]
    assert "reason:size_color" in [b.id for b in replies[0].buttons]
    assert chat.press("reason:size_color") and chat.facts.reason == "size_color"


def test_the_first_questions_buttons_still_answer_after_a_clarifying_question() -> None:
    chat = PureChat(NOV_5)
    chat.say("/start")
    chat._send(_unsure("reason:damaged", "reason:defective"), "")

    chat.press("reason:wrong_item")

    assert chat.state == "ask_tracking"
    assert chat.facts.reason == "wrong_item"


def test_a_message_the_reader_is_unsure_of_but_not_about_a_reason_is_asked_again_as_before() -> (
    None
):
    chat = PureChat(NOV_5)
    chat.say("/start")

    replies = chat._send(Heard(text="bof", hesitates=("other", "yes")), "")

    assert [r.template for r in replies] == ["reask_reason"]


def test_a_vague_complaint_typed_at_the_reason_gets_the_clarifying_question() -> None:
    chat = PureChat(NOV_5)
    chat.say("/start")

    replies = chat.say("il a un souci")

    assert [r.template for r in replies] == ["clarify_reason"]
    offered = {b.id for b in replies[0].buttons}
    assert {"reason:damaged", "reason:defective", "reason:other"} <= offered


def test_a_trouble_with_the_order_typed_at_the_reason_asks_which_reason_it_is() -> None:
    chat = PureChat(NOV_5)
    chat.say("/start")

    replies = chat.say("j'ai un souci avec ma commande")

    assert chat.state == "ask_reason" and chat.facts.reason is None
    assert [r.template for r in replies] == ["clarify_reason"]
    buttons = [b.id for b in replies[0].buttons]
    assert len(buttons) == 4 and buttons[-1] == "reason:other"


def test_hesitating_three_times_still_brings_a_person() -> None:
    chat = PureChat(NOV_5)
    chat.say("/start")
    for _ in range(2):
        chat._send(_unsure("reason:damaged", "reason:defective"), "")

    chat._send(_unsure("reason:damaged", "reason:defective"), "")

    assert chat.state == "handover"


# -- typed « j'annule » and « je veux me rétracter » ----------------------------------------------


def test_a_typed_cancel_is_asked_once_more_and_cancels_on_yes() -> None:
    chat = PureChat(NOV_5)
    chat.say("ma lampe 6A15602676300 est cassée")

    replies = chat.say("laissez tomber j'annule")

    assert chat.state == "ask_ownership"
    assert [r.template for r in replies] == ["confirm_cancel"]
    assert [b.id for b in replies[0].buttons] == ["cancel", "continue"]
    chat.press("cancel")
    assert chat.state == "cancelled"


def test_carrying_on_after_a_typed_cancel_asks_the_step_s_question_again_without_a_miss() -> None:
    chat = PureChat(NOV_5)
    chat.say("ma lampe 6A15602676300 est cassée")
    chat.say("j'annule")

    replies = chat.press("continue")

    assert chat.state == "ask_ownership"
    assert [r.template for r in replies] == ["carry_on", "ask_ownership"]
    assert chat.standing.misses == 0


def test_a_typed_cancel_once_settled_asks_before_cancelling_the_request() -> None:
    chat = _at_the_photos()
    chat.photo()
    chat.press("photos:done")
    chat.press("option:exchange")
    assert chat.state == "done"

    replies = chat.say("finalement j'annule tout")

    assert [r.template for r in replies] == ["confirm_cancel"]
    assert replies[0].values["settled"] is True


def test_a_typed_withdrawal_at_a_step_begins_the_declaration() -> None:
    chat = PureChat(NOV_5)
    chat.say("/start")
    chat.say("il ne me plaît pas")
    assert chat.state == "ask_tracking"

    chat.say("je souhaite exercer mon droit de rétractation")

    assert chat.facts.withdrawal is True
    assert chat.facts.withdrawal_started_at is not None


def test_a_message_the_step_can_take_is_its_answer_even_if_it_sounds_like_cancelling() -> None:
    chat = PureChat(NOV_5)
    chat.say("/start")

    replies = chat.say("c'est bon laissez tomber j'en ai plus besoin")

    assert chat.facts.reason == "changed_mind"
    assert "confirm_cancel" not in [r.template for r in replies]


@pytest.mark.parametrize(
    "said", ["un echange", "je voudrais etre remboursé", "c quoi mes options ?"]
)
def test_a_solution_wished_for_or_asked_about_before_the_offer_is_answered_not_missed(
    said: str,
) -> None:
    chat = _at_the_photos()

    replies = chat.say(said)

    assert [r.template for r in replies] == ["aside", "ask_photos"]
    assert replies[0].values["topic"] == "solutions"
    assert "solutions possibles pour votre article" in render("aside", replies[0].values)
    assert chat.standing.misses == 0


def test_withdrawing_after_choosing_an_exchange_in_the_period_replaces_the_choice() -> None:
    chat = PureChat(NOV_5)
    chat.say("le t-shirt est trop petit RR123456785ES")
    chat.say("31000")
    chat.press("photos:skip")
    chat.press("option:exchange")
    chat.say("L")
    assert chat.state == "done" and chat.case is not None
    assert chat.case.option == "exchange"

    replies = chat.say("/retractation")

    assert chat.state == "confirm_withdrawal"
    assert [r.template for r in replies] == ["confirm_withdrawal"]
    chat.press("withdrawal:confirm")
    assert chat.case.option == "refund"
    assert chat.case.status == "awaiting_return"


def test_no_proof_at_all_at_the_ownership_step_is_asked_for_not_called_a_mismatch() -> None:
    chat = PureChat(NOV_5)
    chat.say("ma lampe 6A15602676300 est cassée")

    first, second = chat.say("c tout"), chat.say("75001")

    assert [r.template for r in first] == ["reask_ownership"]
    assert "j'ai besoin du code postal de livraison" in render("reask_ownership", first[0].values)
    assert "correspond" in render("reask_ownership", second[0].values)  # a mismatch, this time
    # The first mismatch is not « still » one: the miss before it gave no proof at all.
    assert "Toujours" not in render("reask_ownership", second[0].values)


def test_only_a_second_mismatch_at_the_ownership_step_says_still_no_match() -> None:
    chat = PureChat(NOV_5)
    chat.say("ma lampe 6A15602676300 est cassée")

    first, second = chat.say("75001"), chat.say("13008")

    assert "Toujours" not in render("reask_ownership", first[0].values)
    assert render("reask_ownership", second[0].values).startswith("Toujours aucune correspondance")


@pytest.mark.parametrize("said", ["ok tant pis", "merci beaucoup", "d'accord"])
def test_thanks_or_ok_once_settled_is_noted_not_answered_with_the_status_again(said: str) -> None:
    chat = _at_the_photos()
    chat.photo()
    chat.press("photos:done")
    chat.press("option:refund")
    assert chat.state == "done"

    replies = chat.say(said)

    assert [r.template for r in replies] == ["noted"]
    assert chat.state == "done"


def test_a_question_once_settled_still_gets_where_the_case_stands() -> None:
    chat = _at_the_photos()
    chat.photo()
    chat.press("photos:done")
    chat.press("option:refund")

    replies = chat.say("ok mais je le renvoie comment ?")

    assert "noted" not in [r.template for r in replies]


def test_retractation_after_an_exchange_under_the_guarantee_takes_its_refund_instead() -> None:
    chat = _at_the_photos()  # a broken lamp: the conformity guarantee
    chat.photo()
    chat.press("photos:done")
    chat.press("option:exchange")
    assert chat.state == "done" and chat.case is not None

    replies = chat.say("/retractation")

    assert chat.state == "done"  # the same request, not a new one asking for the parcel again
    assert [r.template for r in replies] == ["refund_instead_of_withdrawal", "instructions_refund"]
    assert chat.case.option == "refund"
    assert not chat.facts.withdrawal
