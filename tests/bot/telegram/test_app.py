"""`returnbot run` against the loopback Bot API: menu, complete conversations, clean shutdown."""

from __future__ import annotations

import asyncio
import io
import random
import signal
import time

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.pacing import Limits
from bot.channels.writes import WriteGate
from bot.config import Settings
from bot.storage.database import open_database
from bot.storage.models import Conversation, Photo, ReturnCase, WithdrawalRecord
from bot.telegram.app import Tuning, build_senders, sending_limits
from bot.telegram.client import ReturnBot
from tests.bot.telegram.fake_bot_api import FakeBotApi, Sent, eventually
from tests.bot.telegram.running import BotProcess, load_demo_shop
from tests.helpers import returnbot

CAMILLE = 4242  # ordered the Opaline lamp, parcel 6A15602676300, postcode 69003
INES = 3300  # ordered the 189 € Solstice floor lamp, parcel 3318810025, postcode 33000


def photo_of_the_damage(seed: int) -> bytes:
    """A photo unlike any other (random noise), so that no two customers share one."""
    rng = random.Random(seed)
    image = Image.new("L", (48, 36))
    image.putdata([rng.randrange(256) for _ in range(48 * 36)])
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG")
    return buffer.getvalue()


def button(message: Sent, label: str) -> str:
    return next(data for text, data in message.buttons if text == label)


async def replies(api: FakeBotApi, chat: int, count: int) -> list[Sent]:
    await eventually(lambda: len(api.sent(chat)) >= count, within=30)
    return api.sent(chat)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_the_bot_sets_its_french_menu_polls_and_stops_cleanly(
    api: FakeBotApi, bot_process: BotProcess, stop_signal: signal.Signals
) -> None:
    bot_process.start()
    await bot_process.started()
    assert [c["command"] for c in api.commands] == [
        "start",
        "annuler",
        "agent",
        "suivi",
        "aide",
        "retractation",
    ]
    await eventually(lambda: bool(api.calls("deleteWebhook")))  # long polling needs it gone
    await eventually(lambda: bool(api.calls("getUpdates")))
    api.send_command(7, "/aide")
    assert (await replies(api, 7, 1))[0].text
    assert await bot_process.stop(stop_signal) == 0
    assert "Bot arrêté." in bot_process.log()


def test_without_a_token_run_says_which_variable_to_set() -> None:
    result = returnbot("run", env={"TELEGRAM_BOT_TOKEN": ""})
    assert result.returncode == 1
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "@BotFather" in result.stderr


async def test_a_complete_conversation_with_free_text_a_photo_and_buttons(
    api: FakeBotApi, bot_process: BotProcess, database_url: str
) -> None:
    await load_demo_shop(database_url)
    bot_process.start()
    await bot_process.started()

    api.send_text(CAMILLE, "bonjour, ma lampe est arrivee cassée 6A15602676300")
    welcome, ownership = await replies(api, CAMILLE, 2)
    assert "désolés" in welcome.text and "code postal" in ownership.text

    api.send_text(CAMILLE, "69003")
    photos = (await replies(api, CAMILLE, 3))[-1]
    assert "photo" in photos.text

    api.send_photo(CAMILLE, photo_of_the_damage(1))
    received = (await replies(api, CAMILLE, 4))[-1]
    assert "photo reçue (1)" in received.text

    api.press(CAMILLE, button(received, "C'est tout"), received.message_id)
    offer = (await replies(api, CAMILLE, 5))[-1]
    assert [label for label, _ in offer.buttons] == ["Échange", "Remboursement"]

    api.press(CAMILLE, button(offer, "Remboursement"), offer.message_id)
    instructions = (await replies(api, CAMILLE, 6))[-1]
    assert "R-2026-" in instructions.text and "adresse de retour" in instructions.text

    await eventually(lambda: len(api.calls("editMessageReplyMarkup")) == 2)
    assert len(api.calls("answerCallbackQuery")) == 2
    edited = [c[1]["message_id"] for c in api.calls("editMessageReplyMarkup")]
    assert edited == [received.message_id, offer.message_id]
    async with open_database(database_url) as sessions:
        conversation, case, photo = await _journey(sessions, CAMILLE)
    assert conversation.state == "done"
    assert (case.reason, case.chosen_option) == ("damaged", "refund")
    assert (bot_process.data_dir / "photos").is_dir() and photo.path.endswith(".jpg")
    assert await bot_process.stop() == 0


async def test_a_189_euro_withdrawal_is_served_by_the_bot_with_its_declaration_and_acknowledgement(
    api: FakeBotApi, bot_process: BotProcess, database_url: str
) -> None:
    await load_demo_shop(database_url)
    bot_process.start()
    await bot_process.started()

    api.send_command(INES, "/retractation")
    await replies(api, INES, 2)
    api.send_text(INES, "3318810025")
    await replies(api, INES, 3)
    api.send_text(INES, "33000")
    declaration = (await replies(api, INES, 4))[-1]
    assert "Inès Moreau" in declaration.text and "#1005" in declaration.text
    assert [label for label, _ in declaration.buttons] == [
        "Confirmer la rétractation",
        "Revenir aux options",
    ]

    confirmed = api.press(
        INES, button(declaration, "Confirmer la rétractation"), declaration.message_id
    )
    acknowledgement = (await replies(api, INES, 5))[4]
    said = len(await replies(api, INES, 6))
    api.push_update(api.update(confirmed))  # Telegram delivers the same update again
    api.send_command(INES, "/aide")  # answered after the redelivered one, in order
    await replies(api, INES, said + 1)

    assert "Accusé de réception de votre rétractation" in acknowledgement.text
    assert (
        "Lampadaire arc Solstice" in acknowledgement.text
        and "(heure de Paris)" in acknowledgement.text
    )
    async with open_database(database_url) as sessions, sessions() as session:
        record = (await session.scalars(select(WithdrawalRecord))).one()
    assert (record.outcome, record.name, record.order_name) == ("sent", "Inès Moreau", "#1005")
    texts = [sent.text for sent in api.sent(INES)]
    assert sum("Accusé de réception de votre rétractation" in text for text in texts) == 1
    assert await bot_process.stop() == 0


async def _journey(
    sessions: async_sessionmaker[AsyncSession], chat: int
) -> tuple[Conversation, ReturnCase, Photo]:
    async with sessions() as session:
        conversation = await session.scalar(
            select(Conversation).where(Conversation.chat_id == str(chat))
        )
        assert conversation is not None and conversation.case_id is not None
        case = await session.get_one(ReturnCase, conversation.case_id)
        photo = await session.scalar(select(Photo).where(Photo.case_id == case.id))
        assert photo is not None
    return conversation, case, photo


async def test_the_customers_and_the_agents_senders_share_the_overall_limit(
    bot: ReturnBot,
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    settings: Settings,
) -> None:
    limits = Limits(overall_per_second=3)
    sender, topics = build_senders(bot, sessions, WriteGate(database_url), settings, limits)
    start = time.monotonic()
    await asyncio.gather(
        *(sender._pacer.wait_turn(str(chat)) for chat in range(3)),
        *(topics._pacer.wait_turn(f"-100{chat}") for chat in range(3)),
    )
    assert time.monotonic() - start >= 0.95  # six messages at three a second overall


async def test_a_name_and_a_message_with_u0000_are_cleaned_and_answered(
    api: FakeBotApi, bot_process: BotProcess, database_url: str
) -> None:
    bot_process.start()
    await bot_process.started()
    api.send_text(4244, "bonjour\x00", first_name="Ca\x00mille")
    welcome = (await replies(api, 4244, 1))[0]
    assert "Camille" in welcome.text
    assert await bot_process.stop() == 0


def test_the_overall_send_rate_is_the_shops_setting(settings: Settings) -> None:
    assert sending_limits(settings, Tuning()) == Limits(overall_per_second=30)
    faster = settings.model_copy(update={"telegram_messages_per_second": 120})
    assert sending_limits(faster, Tuning()).overall_per_second == 120
    assert (
        sending_limits(faster, Tuning(limits=Limits(overall_per_second=5))).overall_per_second == 5
    )
