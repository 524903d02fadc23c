"""From Telegram updates to the engine's events: text, buttons, photos, albums, and everything else."""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.channels.dispatch import Dispatcher
from bot.channels.events import ChoiceIn, Event, PhotoIn, Sender, TextIn, UnsupportedIn
from bot.channels.writes import WriteGate
from bot.storage.models import Customer, InboxUpdate, OutboxMessage
from bot.telegram.errors import is_transient
from bot.telegram.inbox import CHANNEL, Poller
from bot.telegram.updates import TelegramUpdates
from tests.bot.telegram.fake_bot_api import FakeBotApi, eventually
from tests.helpers import blank_png

AGENTS = -1001234
PATIENCE = 3.0  # seconds a download is tried again (minutes in the bot)


@dataclass
class Recorder:
    """A stand-in for the conversation engine: notes each event it is given."""

    events: list[tuple[str, Event]] = field(default_factory=list)

    async def __call__(
        self, session: AsyncSession, customer: Sender, event: Event, inbox_id: int
    ) -> None:
        self.events.append((customer.chat_id, event))


@dataclass
class Channel:
    api: FakeBotApi
    engine: Recorder
    sessions: async_sessionmaker[AsyncSession]
    photos: Path
    pushed: int = 0

    async def settle(self) -> None:
        """Waits until every update the customers sent is handled."""

        async def done() -> bool:
            async with self.sessions() as session:
                rows = (await session.scalars(select(InboxUpdate))).all()
            return all(row.handled_at is not None for row in rows) and len(rows) == self.pushed

        await eventually(done)

    async def after_commit(self, *methods: str) -> None:
        """Waits for the calls the bot makes once an update is handled (they follow the commit)."""
        await eventually(lambda: all(self.api.calls(method) for method in methods))

    def events(self, chat: int) -> list[Event]:
        return [event for chat_id, event in self.engine.events if chat_id == str(chat)]


@pytest.fixture
async def channel(
    api: FakeBotApi, bot: Bot, sessions: async_sessionmaker[AsyncSession], database_url: str,
    tmp_path: Path,
) -> AsyncIterator[Channel]:  # fmt: skip
    engine = Recorder()
    gate = WriteGate(database_url)
    handler = TelegramUpdates(bot, engine, photos_dir=tmp_path / "photos", agent_chat_id=AGENTS)
    dispatcher = Dispatcher(
        sessions, gate, handler, channel=CHANNEL, transient=is_transient, patience=PATIENCE
    )
    poller = Poller(bot, sessions, gate, dispatcher.wake, timeout=1)
    tasks = [asyncio.create_task(dispatcher.run()), asyncio.create_task(poller.run())]
    original = api.push_update
    result = Channel(api, engine, sessions, tmp_path / "photos")

    def counting(content: dict[str, object]) -> int:
        result.pushed += 1
        return original(content)

    api.push_update = counting  # type: ignore[method-assign]
    try:
        yield result
    finally:
        await dispatcher.drain(grace=2)
        for task in tasks:
            task.cancel()


def _png(colour: str = "red", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


async def test_text_and_commands_reach_the_engine_as_text(channel: Channel) -> None:
    channel.api.send_text(10, "bonjour, ma lampe est arrivée cassée")
    channel.api.send_command(10, "/annuler")
    await channel.settle()
    assert channel.events(10) == [
        TextIn("bonjour, ma lampe est arrivée cassée"),
        TextIn("/annuler"),
    ]


async def test_a_photo_is_downloaded_in_its_largest_size_checked_and_stored(
    channel: Channel,
) -> None:
    image = _png()
    channel.api.send_photo(11, image, caption="voilà")
    await channel.settle()
    caption, photo = channel.events(11)
    assert caption == TextIn("voilà")
    assert isinstance(photo, PhotoIn)
    assert photo.sha256 == hashlib.sha256(image).hexdigest()
    assert await asyncio.to_thread(Path(photo.path).read_bytes) == image
    assert Path(photo.path).parent == channel.photos
    assert len(photo.perceptual_hash) == 16
    assert channel.api.calls("sendChatAction")[0][1]["action"] == "typing"


async def test_each_photo_of_an_album_counts(channel: Channel) -> None:
    for colour in ("red", "green", "blue"):
        channel.api.send_photo(12, _png(colour), media_group_id="album1")
    await channel.settle()
    photos = channel.events(12)
    assert len(photos) == 3
    assert all(isinstance(photo, PhotoIn) for photo in photos)


async def test_images_sent_as_files_are_accepted_and_other_files_refused(channel: Channel) -> None:
    channel.api.send_document(13, _png("blue"), file_name="IMG_0042.PNG", mime_type="image/png")
    channel.api.send_document(13, b"%PDF-1.4", file_name="facture.pdf", mime_type="application/pdf")
    channel.api.send_document(13, b"not an image", file_name="x.jpg", mime_type="image/jpeg")
    await channel.settle()
    image, pdf, fake = channel.events(13)
    assert isinstance(image, PhotoIn)
    assert pdf == UnsupportedIn("document")
    assert fake == UnsupportedIn("not_an_image")


async def test_a_file_over_20_mb_is_refused_without_downloading_it(channel: Channel) -> None:
    channel.api.send_photo(14, _png(), declared_size=25 * 1024 * 1024)
    await channel.settle()
    assert channel.events(14) == [UnsupportedIn("too_big")]
    assert channel.api.calls("getFile") == []


async def test_stickers_voice_locations_and_contacts_are_unsupported(channel: Channel) -> None:
    sticker = {"file_id": "s1", "file_unique_id": "s", "width": 1, "height": 1,
               "is_animated": False, "is_video": False, "type": "regular"}  # fmt: skip
    channel.api.send_other(15, {"sticker": sticker})
    channel.api.send_other(15, {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 2}})
    channel.api.send_other(15, {"location": {"latitude": 48.85, "longitude": 2.35}})
    channel.api.send_other(15, {"contact": {"phone_number": "+33600000000", "first_name": "A"}})
    await channel.settle()
    kinds = [event.kind for event in channel.events(15) if isinstance(event, UnsupportedIn)]
    assert kinds == ["sticker", "voice", "location", "contact"]


async def test_an_edited_message_changes_nothing(channel: Channel) -> None:
    channel.api.send_text(16, "cassé")
    channel.api.edit_text(16, 1, "pas reçu")
    await channel.settle()
    assert channel.events(16) == [TextIn("cassé")]


async def test_a_tapped_button_is_the_choice_it_was_sent_with(channel: Channel) -> None:
    async with channel.sessions.begin() as session:
        question = OutboxMessage(
            channel="telegram",
            chat_id="17",
            payload={
                "text": "Motif ?",
                "choices": [["damaged", "Cassé"], ["defective", "En panne"]],
            },
        )
        session.add(question)
    channel.api.press(17, f"c:{question.id}:1", message_id=5)
    await channel.settle()
    assert channel.events(17) == [ChoiceIn("defective")]
    await channel.after_commit("answerCallbackQuery", "editMessageReplyMarkup")
    answers = channel.api.calls("answerCallbackQuery")
    assert len(answers) == 1 and not answers[0][1].get("text")
    assert channel.api.calls("editMessageReplyMarkup")[0][1]["message_id"] == 5


@pytest.mark.parametrize("data", ["hack", "c:999999:0", "c:{other}:0", "c:{mine}:7", ""])
async def test_a_forged_or_stale_tap_gets_a_polite_answer(channel: Channel, data: str) -> None:
    async with channel.sessions.begin() as session:
        mine = OutboxMessage(
            channel="telegram", chat_id="18", payload={"text": "?", "choices": [["a", "A"]]}
        )
        other = OutboxMessage(
            channel="telegram", chat_id="99", payload={"text": "?", "choices": [["a", "A"]]}
        )
        session.add_all([mine, other])
    channel.api.press(18, data.format(mine=mine.id, other=other.id))
    await channel.settle()
    assert channel.events(18) == []
    await channel.after_commit("answerCallbackQuery")
    (answer,) = channel.api.calls("answerCallbackQuery")
    assert answer[1]["text"] == "Ce bouton ne correspond plus à la question en cours."


async def test_the_bot_leaves_groups_other_than_the_agents_one(channel: Channel) -> None:
    channel.api.send_text(-500, "coucou le bot")
    channel.api.send_text(AGENTS, "message entre conseillers")
    await channel.settle()
    await channel.after_commit("leaveChat")
    assert channel.api.left_chats == [-500]
    assert channel.engine.events == []


async def test_a_customer_who_blocks_then_restarts_the_bot_is_marked_then_unmarked(
    channel: Channel,
) -> None:
    async with channel.sessions.begin() as session:
        session.add(Customer(channel="telegram", external_id="19", first_name="Camille"))
    member = {
        "chat": {"id": 19, "type": "private", "first_name": "Camille"},
        "from": {"id": 19, "is_bot": False, "first_name": "Camille"},
        "date": 0,
        "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True, "first_name": "B"}},
        "new_chat_member": {"status": "kicked", "until_date": 0, "user": {"id": 1, "is_bot": True, "first_name": "B"}},
    }  # fmt: skip
    channel.api.push_update({"my_chat_member": member})
    await channel.settle()
    assert await _blocked(channel.sessions, "19")
    back = {**member, "old_chat_member": member["new_chat_member"],
            "new_chat_member": {**member["old_chat_member"]}}  # fmt: skip
    channel.api.push_update({"my_chat_member": back})
    await channel.settle()
    assert not await _blocked(channel.sessions, "19")


async def _blocked(sessions: async_sessionmaker[AsyncSession], external_id: str) -> bool:
    async with sessions() as session:
        customer = await session.scalar(select(Customer).where(Customer.external_id == external_id))
    return customer is not None and customer.blocked_at is not None


async def test_an_image_bomb_is_refused_as_too_big_without_being_decoded(channel: Channel) -> None:
    bomb = blank_png(20000, 20000)  # 400 megapixels in a few hundred KiB
    channel.api.send_document(20, bomb, file_name="photo.png", mime_type="image/png")
    channel.api.send_document(20, blank_png(8000, 8000), file_name="b.png", mime_type="image/png")
    await channel.settle()
    assert channel.events(20) == [UnsupportedIn("too_big"), UnsupportedIn("too_big")]
    assert not channel.photos.exists() or not list(channel.photos.iterdir())


async def _questions(
    channel: Channel, chat: int, *payloads: tuple[int | None, str, list[list[str]]]
) -> list[OutboxMessage]:
    """Messages with buttons sent to `chat`: (case, template, choices) each."""
    async with channel.sessions.begin() as session:
        rows = [
            OutboxMessage(
                channel="telegram",
                chat_id=str(chat),
                case_id=case,
                payload={"template": template, "text": "?", "choices": choices},
            )
            for case, template, choices in payloads
        ]
        session.add_all(rows)
    return rows


async def test_an_old_keyboard_does_not_answer_a_later_question(channel: Channel) -> None:
    offer = [["option:exchange", "Échange"], ["option:refund", "Remboursement"]]
    first, _later = await _questions(channel, 21, (None, "offer", offer), (None, "ask_reason", [["reason:damaged", "Cassé"]]))  # fmt: skip
    channel.api.press(21, f"c:{first.id}:1")
    await channel.settle()
    assert channel.events(21) == []
    await channel.after_commit("answerCallbackQuery")
    assert channel.api.calls("answerCallbackQuery")[0][1]["text"] == (
        "Ce bouton ne correspond plus à la question en cours."
    )


async def test_the_same_question_asked_again_can_be_answered_on_any_of_its_copies(
    channel: Channel,
) -> None:
    done = [["photos_done", "C'est tout"]]
    first, _second = await _questions(channel, 22, (None, "photo_received", done), (None, "photo_received", done))  # fmt: skip
    channel.api.press(22, f"c:{first.id}:0")
    await channel.settle()
    assert channel.events(22) == [ChoiceIn("photos_done")]


async def test_a_photo_that_cannot_be_downloaded_for_a_while_arrives_once_it_can(
    channel: Channel,
) -> None:
    channel.api.downloads_broken = True
    channel.api.send_photo(23, _png("teal"))
    await eventually(lambda: len(channel.api.calls("getFile")) >= 2)  # tried, and tried again
    channel.api.downloads_broken = False
    await channel.settle()
    (photo,) = channel.events(23)
    assert isinstance(photo, PhotoIn)


async def test_a_photo_that_cannot_be_downloaded_at_all_is_asked_again(channel: Channel) -> None:
    channel.api.downloads_broken = True
    channel.api.send_photo(24, _png("navy"), caption="la voici")
    await channel.settle()
    assert channel.events(24) == [TextIn("la voici"), UnsupportedIn("lost")]
