"""The law's second pass (issue 11) as a customer meets it in the conversation."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import date

from flows.conversation_world import Parcel
from messages import render
from tests.conversation_helpers import SHOP, PureChat, example_parcel

LAMP = "6A15602676300"  # delivered Wednesday 7 October 2026, Lyon 69003


def _lamp(**changes: object) -> Parcel:
    parcel = example_parcel(LAMP)
    assert parcel is not None
    return replace(parcel, **changes)  # type: ignore[arg-type]


def _offer(chat: PureChat, first: str = f"j'ai changé d'avis pour ma lampe {LAMP}") -> str:
    chat.say(first)
    chat.say("69003")
    replies = chat.say("non merci pas de photo")
    assert [reply.template for reply in replies] == ["offer"]
    return html.unescape(render("offer", dict(replies[0].values)))


def test_a_parcel_still_in_transit_is_said_kindly_not_declined_as_late() -> None:
    # 20 November: long after the lamp's 14 days, but another parcel of the order is on its way.
    chat = PureChat(date(2026, 11, 20), parcels={LAMP: _lamp(order_in_transit=True)})

    text = _offer(chat)

    assert chat.state == "ask_option"
    assert "délai de rétractation n'a pas encore commencé" in text
    assert "réception du dernier colis" in text
    assert "dépassé" not in text and "terminé" not in text


def test_the_offer_names_the_withdrawal_period_and_the_14_days_to_send_back() -> None:
    chat = PureChat(date(2026, 10, 15))

    text = _offer(chat)

    # Received 7 October: day 14 is Wednesday 21 October (L221-18); the shop's 15 days go further.
    assert "Vous êtes dans votre délai de rétractation, jusqu'au mercredi 21 octobre 2026" in text
    assert "notre délai de retour va même jusqu'au jeudi 22 octobre 2026" in text
    # L221-23: 14 more days to send the item back once withdrawn.
    assert "Vous aurez ensuite 14 jours pour nous renvoyer l'article." in text


def test_past_the_legal_period_the_shop_s_window_is_not_called_withdrawal() -> None:
    chat = PureChat(date(2026, 10, 22))

    text = _offer(chat)

    assert "Vous êtes dans notre délai de retour, jusqu'au jeudi 22 octobre 2026." in text
    assert "délai de rétractation" not in text


def test_a_regional_holiday_lengthens_the_period_in_the_conversation() -> None:
    # Received Friday 20 March 2026: day 14 is Good Friday, off in Moselle; 7 April is still in.
    received = date(2026, 3, 20)
    moselle = _lamp(delivered_on=received, last_parcel_delivered_on=received, holiday_region="57")
    mainland = replace(moselle, holiday_region=None)

    in_moselle = _offer(PureChat(date(2026, 4, 7), parcels={LAMP: moselle}))
    chat = PureChat(date(2026, 4, 7), parcels={LAMP: mainland})
    chat.say(f"j'ai changé d'avis pour ma lampe {LAMP}")
    chat.say("69003")
    chat.say("non merci pas de photo")

    assert "jusqu'au mardi 7 avril 2026" in in_moselle
    assert chat.state == "declined"


def _sealed_media(seal_answer: str) -> tuple[PureChat, str]:
    parcel = _lamp()
    parcel = replace(parcel, items=(replace(parcel.items[0], category="sealed_media"),))
    chat = PureChat(date(2026, 10, 15), parcels={LAMP: parcel})
    chat.say(f"j'ai changé d'avis pour mon DVD {LAMP}")
    asked = chat.say("69003")
    assert [reply.template for reply in asked] == ["ask_seal"]
    replies = chat.say(seal_answer)
    if chat.state == "ask_photos":
        replies = chat.say("non merci pas de photo")
    return chat, html.unescape("\n".join(render(r.template, dict(r.values)) for r in replies))


def test_sealed_media_unsealed_after_delivery_has_no_withdrawal() -> None:
    chat, text = _sealed_media("non")

    assert chat.state == "declined"
    assert "une fois son emballage scellé ouvert" in text
    assert "L221-28" in text


def test_sealed_media_still_sealed_keeps_the_withdrawal() -> None:
    chat, text = _sealed_media("oui")

    assert chat.state == "ask_option"
    assert "délai de rétractation" in text


def _at_the_damaged_lamp_offer(chat: PureChat) -> None:
    chat.say(f"ma lampe {LAMP} est arrivée cassée")
    chat.say("69003")
    chat.photo()
    chat.say("c'est tout")
    assert chat.state == "ask_option"


def test_the_repair_button_hands_over_with_the_request() -> None:
    chat = PureChat(date(2026, 10, 15), shop=replace(SHOP.shop, allows_repair=True))
    _at_the_damaged_lamp_offer(chat)
    assert "remedy:repair" in chat.facts.offered

    replies = chat.press("remedy:repair")

    assert chat.state == "handover"
    assert replies[-1].values["because"] == "asked_repair"
    assert chat.last is not None and chat.last.decision is not None
    assert "asked_repair" in chat.last.decision.handover_reasons


def test_a_remedy_the_shop_does_not_offer_is_still_heard_and_handed_over() -> None:
    chat = PureChat(date(2026, 10, 15))
    _at_the_damaged_lamp_offer(chat)
    assert not any(choice.startswith("remedy:") for choice in chat.facts.offered)

    chat.say("un geste commercial serait bienvenu")

    assert chat.state == "handover"
    assert chat.last is not None and chat.last.decision is not None
    assert chat.last.decision.handover_reasons == ("asked_price_reduction",)


def _declined_text(chat: PureChat) -> str:
    replies = [*chat.say(f"j'ai changé d'avis pour ma lampe {LAMP}"), *chat.say("69003")]
    if chat.state != "declined":
        replies += chat.say("non merci pas de photo")
    assert chat.state == "declined"
    [late] = [reply for reply in replies if reply.template == "declined_late"]
    return html.unescape(render("declined_late", dict(late.values)))


def test_a_late_request_names_the_withdrawal_period_when_its_day_was_the_last() -> None:
    # Received Friday 20 March 2026 in Moselle: the legal period (7 April) outlasts the shop's.
    received = date(2026, 3, 20)
    moselle = _lamp(delivered_on=received, last_parcel_delivered_on=received, holiday_region="57")

    text = _declined_text(PureChat(date(2026, 4, 8), parcels={LAMP: moselle}))

    assert "Votre délai de rétractation s'est terminé le mardi 7 avril 2026." in text
    assert "notre délai de retour" not in text


def test_a_late_request_says_the_shop_s_longer_window_ended_too() -> None:
    text = _declined_text(PureChat(date(2026, 10, 23)))  # received 7 October; the shop's: 22nd

    assert (
        "Votre délai de rétractation, puis notre délai de retour, plus long, sont terminés" in text
    )
    assert "le dernier jour était le jeudi 22 octobre 2026" in text
