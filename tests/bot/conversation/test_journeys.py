"""The acceptance scenarios of the journey on the engine and a real database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation import UnsupportedIn
from bot.photos import store_photo
from bot.storage.models import Conversation, OrderLine, OwnershipMiss, Photo, ReturnCase
from tests.conversation_helpers import EngineChat, jpeg
from tests.helpers import load_example_shop

NOV_5 = date(2026, 11, 5)


async def test_a_first_message_with_reason_and_tracking_number_skips_both_questions(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)

    outcome = await chat.say("ma commande RR123456785ES est arrivée cassée")

    assert [m["template"] for m in outcome.messages] == ["welcome", "ask_ownership"]


async def test_a_postcode_given_early_is_the_ownership_proof(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    first = EngineChat(sessions, NOV_5, name="camille")
    second = EngineChat(sessions, NOV_5, name="yanis")

    at_once = await first.say("ma lampe 6A15602676300 est arrivée cassée, je suis au 69003")
    await second.say("la casquette est trop petite, j'habite au 31000")
    before = await second.say("EW112720413FR")

    assert [m["template"] for m in at_once.messages] == ["welcome", "ask_photos"]
    assert [m["template"] for m in before.messages] == ["ask_photos"]


async def test_a_wrong_tracking_number_three_times_hands_over(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)
    await chat.say("/start")
    await chat.press("reason:defective")

    await chat.say("RR123456784ES")
    await chat.say("12 34")
    assert chat.state == "ask_tracking"
    outcome = await chat.say("XX")

    assert outcome.state == "handover"
    async with sessions() as session:
        case = (await session.execute(select(ReturnCase))).scalar_one()
    assert case.status == "handover"
    assert case.facts["handover_reasons"] == ["three_misses"]


async def test_the_photo_step_answered_with_text_asks_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)
    await chat.say("6A15602676300 cassée")
    await chat.say("69003")

    outcome = await chat.say("je vous l'envoie")

    assert outcome.state == "ask_photos"
    assert [m["template"] for m in outcome.messages] == ["reask_photos"]
    unsupported = await chat.send(UnsupportedIn("sticker"))
    assert [m["template"] for m in unsupported.messages] == ["unsupported", "ask_photos"]
    too_big = await chat.send(UnsupportedIn("too_big"))
    assert [m["template"] for m in too_big.messages] == ["unsupported_too_big", "ask_photos"]
    not_an_image = await chat.send(UnsupportedIn("not_an_image"))
    assert [m["template"] for m in not_an_image.messages] == [
        "unsupported_not_an_image",
        "ask_photos",
    ]
    lost = await chat.send(UnsupportedIn("lost"))  # a download that failed for minutes
    assert [m["template"] for m in lost.messages] == ["unsupported_lost", "ask_photos"]


async def test_the_same_photo_sent_twice_counts_once(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)
    await chat.say("6A15602676300 cassée")
    await chat.say("69003")
    stored = store_photo(jpeg(), tmp_path)
    await chat.photo(stored.path, stored.sha256, stored.perceptual_hash)

    again = await chat.photo(stored.path, stored.sha256, stored.perceptual_hash)

    assert "déjà dans votre dossier" in chat.texts()[0]
    assert again.state == "ask_photos"
    async with sessions() as session:
        conversation = (await session.execute(select(Conversation))).scalar_one()
        photos = (await session.execute(select(Photo))).scalars().all()
    assert conversation.context["photos"] == 1
    assert len(photos) == 1


async def test_a_failed_ownership_check_leaks_no_order_detail(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)
    await chat.say("le colis 3318810025 ne correspond pas à la description")

    for guess in ("75001", "nimporte@example.fr", "33001"):
        await chat.say(guess)

    said = "\n".join(str(m["text"]) for m in chat.received)
    for detail in (
        "Lampadaire",
        "189",
        "#1005",
        "Moreau",
        "Bordeaux",
        "33000",
        "ines.moreau",
        "Solstice",
    ):
        assert detail not in said
    assert chat.state == "handover"


async def test_cancel_then_start_is_a_fresh_start(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)
    await chat.say("6A15602676300 cassée")
    await chat.say("69003")

    cancelled = await chat.say("/annuler")
    started = await chat.say("/start")

    assert cancelled.state == "cancelled"
    assert [m["template"] for m in started.messages] == ["welcome", "ask_reason"]
    async with sessions() as session:
        conversation = (await session.execute(select(Conversation))).scalar_one()
        cases = (await session.execute(select(ReturnCase).order_by(ReturnCase.id))).scalars().all()
    assert conversation.context["reason"] is None
    assert conversation.context["tracking_number"] is None
    assert [(c.status, c.closed_at is not None) for c in cases] == [
        ("cancelled", True),
        ("open", False),
    ]
    assert conversation.case_id == cases[1].id


async def test_a_customer_coming_back_days_later_resumes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    await EngineChat(sessions, NOV_5).say("6A15602676300 cassée")

    later = EngineChat(sessions, date(2026, 11, 9))
    outcome = await later.say("Bonjour")

    assert [m["template"] for m in outcome.messages] == ["resume", "ask_ownership"]
    assert (await later.say("69003")).state == "ask_photos"


async def test_the_bot_stays_silent_while_an_agent_holds_the_case(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)
    await chat.say("/agent")

    outcome = await chat.say("allô ?")

    assert outcome.messages == []
    assert outcome.for_agent


async def test_a_defect_claimed_after_a_refusal_reopens_the_case(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, date(2026, 11, 20))
    await chat.say("je n'en veux plus 1Z5R89390357567127")
    await chat.say("44000")
    declined = await chat.say("non")
    assert declined.state == "declined"

    reopened = await chat.say("il a un trou, c un défaut")

    assert reopened.state == "ask_photos"
    async with sessions() as session:
        case = (await session.execute(select(ReturnCase))).scalar_one()
    assert (case.status, case.closed_at, case.reason) == ("open", None, "defective")


async def test_a_new_request_in_the_same_chat_keeps_the_parcel_and_sees_the_open_case(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)
    await chat.say("la casquette me va pas, trop petite EW112720413FR")
    await chat.say("31000")
    await chat.press("photos:skip")
    await chat.press("option:refund")
    await chat.press("withdrawal:confirm")

    again = await chat.press("start")
    reason = await chat.press("reason:damaged")

    assert [m["template"] for m in again.messages] == ["new_request", "ask_reason"]
    assert reason.state == "handover"  # the cap's first case is still open
    async with sessions() as session:
        cases = (await session.execute(select(ReturnCase).order_by(ReturnCase.id))).scalars().all()
    assert [(c.status, c.order_line_id is not None) for c in cases] == [
        ("awaiting_refund", True),
        ("handover", False),
    ]


async def test_the_order_number_finds_the_parcel_and_the_ownership_check_still_follows(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)
    await chat.say("mes écouteurs ne fonctionnent pas")
    await chat.say("je n'ai pas de numéro de suivi")

    named = await chat.say("ma commande c'est la #1003")

    assert [m["template"] for m in named.messages] == ["ask_ownership"]
    assert (await chat.say("75001")).state == "ask_ownership"
    assert "Écouteurs" not in "\n".join(str(m["text"]) for m in chat.received)
    assert (await chat.say("59000")).state == "ask_photos"
    async with sessions() as session:
        conversation = (await session.execute(select(Conversation))).scalar_one()
    assert conversation.context["tracking_number"] == "LP00412345678901"


async def test_an_unknown_order_number_is_not_told_apart_before_the_check(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    known, unknown = EngineChat(sessions, NOV_5, name="lea"), EngineChat(sessions, NOV_5, name="x")

    for chat, order in ((known, "#1003"), (unknown, "#9999")):
        await chat.say("mes écouteurs ne fonctionnent pas")
        await chat.say(f"commande {order}")
        await chat.say("75001")

    assert known.texts() == unknown.texts()
    assert known.state == unknown.state == "ask_ownership"


async def test_the_orders_e_mail_names_the_order_and_only_the_postcode_proves_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)
    await chat.say("mes écouteurs ne fonctionnent pas")

    named = await chat.say("lea.dubois@example.fr")

    assert named.state == "ask_ownership"
    assert "code postal" in chat.texts()[0] and "e-mail" not in chat.texts()[0]
    assert (await chat.say("lea.dubois@example.fr")).state == "ask_ownership"
    assert (await chat.say("59000")).state == "ask_photos"


async def test_an_order_sent_in_several_parcels_asks_which_one_once_proven(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)
    await chat.say("la casquette est trop petite")
    await chat.say("commande #1002")

    proven = await chat.say("31000")
    parcel = await chat.say("EW112720413FR")

    assert proven.state == "ask_tracking"
    assert "plusieurs colis" in chat.received[-2]["text"]  # type: ignore[operator]
    assert parcel.state == "ask_photos"  # the order's own parcel: not asked to prove it again


async def test_a_tracking_number_sent_again_after_a_failed_check_goes_to_an_agent(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)
    await chat.say("c'est cassé")
    await chat.say("6A15602676399")
    first = await chat.say("69003")

    insisted = await chat.say("6A15602676399 je suis sûr de moi")

    assert first.state == "ask_ownership"
    assert insisted.state == "handover"
    async with sessions() as session:
        case = (await session.execute(select(ReturnCase))).scalar_one()
    assert case.facts["handover_reasons"] == ["unknown_tracking"]


async def test_a_second_failed_check_gets_other_words_than_the_first(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)
    await chat.say("6A15602676300 cassée")

    first = await chat.say("75001")
    second = await chat.say("75002")

    assert first.messages[0]["text"] != second.messages[0]["text"]
    assert "un conseiller le vérifiera" in str(second.messages[0]["text"])


async def test_a_wrong_postcode_given_early_counts_as_a_guess(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5)
    await chat.say("ma lampe est cassée, code postal 75001")

    outcome = await chat.say("6A15602676300")

    assert outcome.state == "ask_ownership"
    async with sessions() as session:
        misses = (await session.execute(select(OwnershipMiss))).scalars().all()
    assert [miss.tracking_number for miss in misses] == ["6A15602676300"]


async def test_an_e_mail_given_early_is_the_ownership_proof(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    chat = EngineChat(sessions, NOV_5, name="camille")

    at_once = await chat.say("ma lampe 6A15602676300 est arrivée cassée, camille.martin@example.fr")

    assert [m["template"] for m in at_once.messages] == ["welcome", "ask_photos"]
    # Without a tracking number, an e-mail names the order instead, and the postcode proves it:
    # test_the_orders_e_mail_names_the_order_and_only_the_postcode_proves_it.


async def test_a_discounted_item_is_offered_back_what_was_paid(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load_example_shop(sessions)
    async with sessions.begin() as session:  # the lamp of #1001 bought with 3,49 € off
        await session.execute(
            update(OrderLine).where(OrderLine.sku == "LUM-LAMP-01").values(discount=Decimal("3.49"))
        )
    chat = EngineChat(sessions, date(2026, 10, 12))
    await chat.say("ma lampe 6A15602676300 ne me plait pas finalement")
    await chat.say("69003")
    offer = await chat.press("photos:skip")

    outcome = await chat.press("option:refund")

    async with sessions() as session:
        case = (await session.execute(select(ReturnCase))).scalar_one()
    assert case.decision is not None
    assert case.decision["refund"] == {"items": "31.41", "delivery": "4.90"}
    assert any("36,31" in m["text"] for m in offer.messages)  # the offer says it
    assert any("36,31" in m["text"] for m in outcome.messages)  # and the declaration
