"""The withdrawal function (L221-21 as amended, applicable since 19 June 2026): « renoncer au contrat
ici », a declaration stating who, which order and where the acknowledgement goes, a separate
« confirmer la rétractation », and an acknowledgement repeating it with the date and time it was sent."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flows.conversation_world import Parcel
from flows.events import HandedOver, LeftHandover, WithdrawalAcknowledged, WithdrawalRecorded
from messages import render
from tests.conversation_helpers import PureChat, example_parcel

PARIS = ZoneInfo("Europe/Paris")
LAMP = "6A15602676300"  # delivered 2026-10-07: the last day to withdraw is Thursday 22 October
LAST_DAY = date(2026, 10, 22)


def _paris(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def _expensive_lamp() -> dict[str, Parcel]:
    """The lamp at 189 €: above the shop's escalation threshold (150 €)."""
    lamp = example_parcel(LAMP)
    assert lamp is not None
    return {LAMP: replace(lamp, items=(replace(lamp.items[0], price=Decimal("189.00")),))}


def _declared(chat: PureChat) -> None:
    chat.say("/retractation")
    chat.say(LAMP)
    chat.say("69003")


def _recorded(chat: PureChat) -> list[WithdrawalRecorded]:
    assert chat.last is not None
    return [e for e in chat.last.events if isinstance(e, WithdrawalRecorded)]


def test_a_withdrawal_above_the_escalation_threshold_is_never_handed_over() -> None:
    chat = PureChat(date(2026, 10, 20), parcels=_expensive_lamp())

    _declared(chat)

    assert chat.state == "confirm_withdrawal"
    assert chat.templates() == ["confirm_withdrawal"]
    chat.press("withdrawal:confirm")
    assert chat.state == "done"
    assert chat.templates()[0] == "withdrawal_acknowledged"


def test_the_same_item_is_still_handed_over_for_a_refund_asked_otherwise() -> None:
    chat = PureChat(date(2026, 10, 20), parcels=_expensive_lamp())

    chat.say(f"je n'en veux plus {LAMP}")
    chat.say("69003")
    chat.press("photos:skip")

    assert chat.state == "handover"


def test_the_withdrawal_function_runs_while_an_agent_holds_the_request() -> None:
    chat = PureChat(date(2026, 10, 20), parcels=_expensive_lamp())
    chat.say(f"je n'en veux plus {LAMP}")
    chat.say("69003")
    chat.press("photos:skip")
    assert chat.state == "handover"

    replies = chat.say("/retractation")

    assert chat.state == "confirm_withdrawal"
    assert [r.template for r in replies] == ["confirm_withdrawal"]
    assert chat.last is not None
    assert LeftHandover("withdraw") in chat.last.events  # the agents' topic is told
    chat.press("withdrawal:confirm")
    assert chat.state == "done"
    assert any(isinstance(e, WithdrawalAcknowledged) for e in chat.last.events)


def test_the_withdraw_button_while_an_agent_holds_it_is_not_relayed() -> None:
    chat = PureChat(date(2026, 10, 20))
    chat.say("/agent")
    assert chat.state == "handover"

    chat.press("withdraw")

    assert chat.state == "ask_tracking"
    assert chat.last is not None
    assert not any(isinstance(e, HandedOver) for e in chat.last.events)


def test_angry_words_or_misses_at_the_confirmation_do_not_hand_it_over() -> None:
    chat = PureChat(date(2026, 10, 20))
    _declared(chat)

    for text in ("euh", "c'est une arnaque", "???", "quoi"):
        chat.say(text)

    assert chat.state == "confirm_withdrawal"
    assert chat.templates()[-1] == "reconfirm_withdrawal"


def test_a_declaration_begun_on_the_last_day_and_confirmed_after_midnight_is_in_time() -> None:
    chat = PureChat(LAST_DAY, moment=_paris(LAST_DAY, 23, 50))
    chat.say("/retractation")
    next_day = date(2026, 10, 23)
    chat.today, chat.moment = next_day, _paris(next_day, 0, 2)
    chat.say(LAMP)
    chat.say("69003")
    assert chat.state == "confirm_withdrawal"
    chat.moment = _paris(next_day, 0, 10)

    chat.press("withdrawal:confirm")

    assert chat.state == "done"
    assert chat.facts.withdrawal_started_at == _paris(LAST_DAY, 23, 50).isoformat()
    assert chat.facts.withdrawal_started_on == "2026-10-22"
    [record] = _recorded(chat)
    assert record.outcome == "sent"
    assert record.started_at == _paris(LAST_DAY, 23, 50)
    assert record.at == _paris(next_day, 0, 10)


def test_a_declaration_begun_after_the_last_day_is_declined_and_recorded() -> None:
    next_day = date(2026, 10, 23)
    chat = PureChat(next_day, moment=_paris(next_day, 0, 5))

    _declared(chat)

    assert chat.state == "declined"
    assert chat.templates() == ["declined_late"]
    [record] = _recorded(chat)
    assert (record.outcome, record.order, record.item) == ("late", "#1000", LAMP_NAME)


def test_the_start_is_the_first_press_not_a_later_one() -> None:
    chat = PureChat(LAST_DAY, moment=_paris(LAST_DAY, 23, 50))
    chat.say("/retractation")
    chat.today, chat.moment = date(2026, 10, 23), _paris(date(2026, 10, 23), 0, 1)

    chat.say("/retractation")  # pressed again after midnight

    assert chat.facts.withdrawal_started_on == "2026-10-22"


def test_the_declaration_states_name_order_item_and_the_address_for_the_acknowledgement() -> None:
    chat = PureChat(date(2026, 10, 20), sends_email=True)

    _declared(chat)

    [declaration] = chat.said
    assert declaration.values["name"] == "Camille Martin"
    assert declaration.values["order"] == "#1000"
    assert declaration.values["email"] == "camille@example.fr"
    assert [b.id for b in declaration.buttons] == ["withdrawal:confirm", "withdrawal:back"]
    text = render(declaration.template, {"reference": "R-1", **declaration.values})
    assert "Camille Martin" in text and "#1000" in text and "camille@example.fr" in text
    assert "Confirmer la rétractation" in text


def test_another_email_typed_at_the_declaration_replaces_the_orders_without_confirming() -> None:
    chat = PureChat(date(2026, 10, 20), sends_email=True)
    _declared(chat)

    replies = chat.say("plutôt à moi.perso@exemple.org svp")

    assert chat.state == "confirm_withdrawal"
    assert [r.template for r in replies] == ["confirm_withdrawal"]
    assert replies[0].values["email"] == "moi.perso@exemple.org"
    assert chat.standing.misses == 0
    chat.press("withdrawal:confirm")
    assert chat.said[0].values["email"] == "moi.perso@exemple.org"
    assert _recorded(chat)[0].email == "moi.perso@exemple.org"


def test_without_email_set_up_the_acknowledgement_is_said_to_come_here() -> None:
    chat = PureChat(date(2026, 10, 20))
    _declared(chat)

    text = render("confirm_withdrawal", {"reference": "R-1", **chat.said[0].values})

    assert "ici, dans cette conversation" in text
    assert "camille@example.fr" not in text


def test_the_acknowledgement_repeats_the_declaration_with_the_date_and_time_sent() -> None:
    chat = PureChat(date(2026, 10, 20), sends_email=True, moment=_paris(date(2026, 10, 20), 14, 5))
    _declared(chat)

    chat.press("withdrawal:confirm")

    acknowledgement = chat.said[0]
    text = render(
        acknowledgement.template, {"reference": "R-2026-000001", **acknowledgement.values}
    )
    for said in ("Camille Martin", "#1000", LAMP_NAME, "renoncez", "R-2026-000001"):
        assert said in text
    assert "mardi 20 octobre 2026 à 14:05 (heure de Paris)" in text
    assert "camille@example.fr" in text
    [record] = _recorded(chat)
    assert record.reply == acknowledgement
    assert (record.name, record.order, record.email) == (
        "Camille Martin",
        "#1000",
        "camille@example.fr",
    )


def test_going_back_to_the_options_is_recorded_and_a_new_declaration_starts_again() -> None:
    chat = PureChat(date(2026, 10, 20))
    _declared(chat)

    chat.press("withdrawal:back")

    assert chat.state == "ask_option"
    [record] = _recorded(chat)
    assert record.outcome == "went_back"
    assert chat.facts.withdrawal_started_at is None
    chat.moment = _paris(date(2026, 10, 20), 18, 0)
    chat.press("option:refund")
    assert chat.state == "confirm_withdrawal"
    assert chat.facts.withdrawal_started_at == _paris(date(2026, 10, 20), 18, 0).isoformat()


LAMP_NAME = "LUM-LAMP-01"  # the example parcels name an item by its SKU


def test_a_refund_chosen_again_after_a_change_of_mind_is_a_new_declaration() -> None:
    chat = PureChat(date(2026, 11, 5))
    chat.say("trop petite EW112720413FR")
    chat.say("31000")
    chat.press("photos:skip")
    chat.press("option:refund")
    chat.press("withdrawal:confirm")
    first = _recorded(chat)[0].started_at
    chat.say("non attendez, je préfère le garder et en recevoir une autre")
    assert chat.state == "ask_new_variant"
    chat.say("L")

    chat.moment = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)
    chat.say("finalement je préfère être remboursé")

    assert chat.state == "confirm_withdrawal"
    assert chat.facts.withdrawal_started_at == "2026-11-05T15:00:00+00:00"
    assert datetime.fromisoformat(chat.facts.withdrawal_started_at) != first
