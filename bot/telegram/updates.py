"""From a Telegram update to the conversation engine's event, and the courtesies around it.

Customers are served in private chats only. Text (commands included) becomes `TextIn`; a tapped
button `ChoiceIn` (every callback query is answered, a forged or stale one with a polite note); a
photo (its largest size) or an image sent as a file is downloaded, checked and stored, then becomes
`PhotoIn` (each photo of an album is its own update, so each counts); stickers, voice notes, videos,
locations, contacts and other files become `UnsupportedIn`, which the engine answers with a re-ask.
Edited messages change nothing. Groups and channels other than the agents' group are logged and left.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    CallbackQuery,
    Chat,
    ChatMemberUpdated,
    Document,
    Message,
    PhotoSize,
    Update,
    User,
)
from telegram.constants import ChatAction, ChatMemberStatus
from telegram.error import BadRequest, TelegramError

from bot.channels.events import ChoiceIn, Event, PhotoIn, Sender, TextIn, UnsupportedIn
from bot.photos import NotAnImage, TooLarge, store_photo
from bot.storage.base import utcnow
from bot.storage.models import Customer, InboxUpdate, OutboxMessage
from bot.telegram.client import ReturnBot
from bot.telegram.inbox import CHANNEL
from bot.telegram.keyboards import Tap, choices_of, read_tap
from bot.telegram.raw import valid_id
from messages import render

log = logging.getLogger(__name__)

MAX_DOWNLOAD = 20 * 1024 * 1024  # the Bot API's getFile limit
LATER_MESSAGES = 200  # looked at after a tapped keyboard: beyond, the keyboard is too old
DECODES = 2  # images decoded at once (each may take up to ~100 MB while it is)
UNSUPPORTED = (
    "sticker", "voice", "video", "video_note", "audio", "animation", "location", "venue",
    "contact", "poll", "dice", "game", "story",
)  # fmt: skip
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".gif", ".bmp")

# What the engine is given for one event; it writes its state and outbox rows in `session`.
Engine = Callable[[AsyncSession, Sender, Event, int], Awaitable[object]]


@dataclass
class Reading:
    """What an update amounts to, worked out before its transaction (downloads included)."""

    customer: Sender | None = None
    events: list[Event] = field(default_factory=list)
    tap: Tap | None = None
    query_id: str | None = None
    toast: str | None = None
    tapped: tuple[int, int] | None = None  # (chat, message) whose keyboard to remove
    leave: int | None = None
    blocked: bool | None = None


class TelegramUpdates:
    """The dispatcher's handler for Telegram updates (see `bot.channels.dispatch.UpdateHandler`)."""

    def __init__(
        self, bot: ReturnBot, engine: Engine, *, photos_dir: Path, agent_chat_id: int | None
    ) -> None:
        self._bot = bot
        self._engine = engine
        self._photos_dir = photos_dir
        self._agent_chat_id = agent_chat_id
        self._decodes = asyncio.Semaphore(DECODES)

    async def prepare(self, row: InboxUpdate) -> Reading:
        return await self.read_payload(row.payload)

    async def read_payload(self, payload: dict[str, Any], *, downloads: bool = True) -> Reading:
        """`read(Update.de_json(payload))`: a customer's text or tap read straight from Telegram's
        JSON (`plain_reading`), anything else through PTB's objects."""
        reading = plain_reading(payload, self._agent_chat_id)
        if reading is not None:
            return reading
        return await self.read(Update.de_json(payload, self._bot), downloads=downloads)

    async def gave_up(self, row: InboxUpdate, error: Exception) -> Reading:
        """The photo could not be downloaded for minutes: the customer is asked to send it again."""
        return await self.read(Update.de_json(row.payload, self._bot), downloads=False)

    async def read(self, update: Update, *, downloads: bool = True) -> Reading:
        reading = Reading()
        chat = update.effective_chat
        if update.edited_message is not None or update.edited_channel_post is not None:
            log.debug("update %s: an edited message changes nothing", update.update_id)
        elif update.callback_query is not None:
            self._read_tap(update.callback_query, reading)
        elif chat is not None and chat.type != Chat.PRIVATE:
            self._outside(update, chat, reading)
        elif update.my_chat_member is not None:
            reading.blocked = _blocked(update.my_chat_member)
            reading.customer = _customer(
                update.my_chat_member.from_user, update.my_chat_member.chat
            )
        elif update.message is not None and update.message.from_user is not None:
            reading.customer = _customer(update.message.from_user, update.message.chat)
            reading.events = await self._read_message(update.message, downloads)
        return reading

    async def handle(self, session: AsyncSession, row: InboxUpdate, reading: Reading) -> None:
        customer = reading.customer
        if customer is None:
            return
        if reading.blocked is not None:  # a customer who writes is unmarked by the engine
            await _set_blocked(session, customer.external_id, reading.blocked)
        events = list(reading.events)
        if reading.tap is not None:
            choice = await _resolve(session, reading.tap, customer.chat_id)
            if choice is None:
                reading.toast = render("stale_choice", {})
            else:
                events.append(ChoiceIn(choice))
        for event in events:
            await self._engine(session, customer, event, row.id)

    async def handled(self, row: InboxUpdate, reading: Reading) -> None:
        if reading.query_id is not None:  # as prepared JSON (`ReturnBot.call`), like the sends
            answer: dict[str, Any] = {"callback_query_id": reading.query_id}
            if reading.toast is not None:
                answer["text"] = reading.toast
            await _quietly(self._bot.call("answerCallbackQuery", answer))
        if reading.tapped is not None and reading.toast is None:
            chat_id, message_id = reading.tapped
            edit = {"chat_id": chat_id, "message_id": message_id}  # no markup: the buttons go
            await _quietly(self._bot.call("editMessageReplyMarkup", edit))
        if reading.leave is not None:
            await _quietly(self._bot.leave_chat(reading.leave))

    # -- reading ----------------------------------------------------------------------------------

    async def _read_message(self, message: Message, downloads: bool) -> list[Event]:
        events: list[Event] = []
        if message.text:
            return [TextIn(without_nul(message.text))]
        if message.caption:
            events.append(TextIn(without_nul(message.caption)))
        image: PhotoSize | Document | None = message.photo[-1] if message.photo else None
        document = message.document
        if document is not None and _is_image(document.mime_type, document.file_name):
            image = document
        if image is not None:
            events.append(
                await self._image(message.chat_id, image.file_id, image.file_size)
                if downloads
                else UnsupportedIn("lost")
            )
        elif document is not None:
            events.append(UnsupportedIn("document"))
        else:
            kind = next((k for k in UNSUPPORTED if getattr(message, k, None)), None)
            if kind is not None:
                events.append(UnsupportedIn(kind))
        return events

    async def _image(self, chat_id: int, file_id: str, size: int | None) -> Event:
        """Downloads, checks and stores an image; a file too big or not an image is refused."""
        if size is not None and size > MAX_DOWNLOAD:
            return UnsupportedIn("too_big")
        await _quietly(self._bot.send_chat_action(chat_id, ChatAction.TYPING))
        try:
            file = await self._bot.get_file(file_id)
        except BadRequest as error:
            if "too big" in error.message.lower():
                return UnsupportedIn("too_big")
            raise
        if file.file_size is not None and file.file_size > MAX_DOWNLOAD:
            return UnsupportedIn("too_big")
        data = bytes(await file.download_as_bytearray())
        try:
            async with self._decodes:
                stored = await asyncio.to_thread(store_photo, data, self._photos_dir)
        except TooLarge as error:
            log.info("image refused: %s", error)
            return UnsupportedIn("too_big")
        except NotAnImage:
            return UnsupportedIn("not_an_image")
        return PhotoIn(
            sha256=stored.sha256,
            path=str(stored.path),
            perceptual_hash=stored.perceptual_hash,
            source_file_id=file_id,
        )

    def _read_tap(self, query: CallbackQuery, reading: Reading) -> None:
        reading.query_id = query.id
        message = query.message
        chat = message.chat if message is not None else None
        if chat is not None and chat.type != Chat.PRIVATE:
            if chat.id != self._agent_chat_id:
                log.info("ignoring a button tapped in chat %s", chat.id)
            return
        reading.customer = _customer(query.from_user, chat)
        reading.tap = read_tap(query.data)
        if reading.tap is None:
            reading.toast = render("stale_choice", {})
        elif message is not None:
            reading.tapped = (message.chat.id, message.message_id)

    def _outside(self, update: Update, chat: Chat, reading: Reading) -> None:
        """A group or a channel: the agents' group is for agents; any other is left."""
        if chat.id == self._agent_chat_id:
            log.debug("update %s from the agents' group", update.update_id)
            return
        member = update.my_chat_member
        if member is not None and member.new_chat_member.status in (
            ChatMemberStatus.LEFT,
            ChatMemberStatus.BANNED,
        ):
            return
        log.info("ignoring update %s from %s %s; leaving it", update.update_id, chat.type, chat.id)
        reading.leave = chat.id


def _customer(user: User, chat: Chat | None) -> Sender:
    return _sender(
        chat.id if chat is not None else user.id, user.id, user.first_name, user.username
    )


def _sender(chat_id: int, user_id: int, first_name: str | None, username: str | None) -> Sender:
    return Sender(
        channel=CHANNEL,
        chat_id=str(chat_id),
        external_id=str(user_id),
        first_name=without_nul(first_name or ""),
        username=without_nul(username or ""),
    )


# -- reading the common updates straight from Telegram's JSON -----------------------------------
#
# PTB builds some 200 attributes of objects for one message, for the few the bot reads. The updates
# customers send all the time, a text and a tapped button, are read here from the JSON, to the same
# `Reading` as `TelegramUpdates.read` (tests/bot/telegram/test_plain.py compares them); any other
# update, or one whose parts are not what PTB would accept, goes through PTB as before.


def plain_reading(payload: dict[str, Any], agent_chat_id: int | None) -> Reading | None:
    """The update's `Reading`, or None when it is to be read through PTB's objects."""
    if len(payload) != 2 or not valid_id(payload.get("update_id")):
        return None
    if "message" in payload:
        return _plain_text(payload["update_id"], payload["message"], agent_chat_id)
    if "callback_query" in payload:
        return _plain_tap(payload["callback_query"], agent_chat_id)
    return None


def _plain_text(update_id: int, message: Any, agent_chat_id: int | None) -> Reading | None:
    chat = _plain_chat(message)
    text = message.get("text") if chat is not None else None
    if chat is None or not isinstance(text, str) or not text:
        return None  # not a message PTB reads, or not a text: photos, files, stickers…
    user = message.get("from")
    if user is not None and not _plain_user(user):
        return None
    chat_id, kind = chat
    reading = Reading()
    if kind != Chat.PRIVATE:
        if chat_id == agent_chat_id:
            log.debug("update %s from the agents' group", update_id)
        else:
            log.info("ignoring update %s from %s %s; leaving it", update_id, kind, chat_id)
            reading.leave = chat_id
    elif user is not None:
        reading.customer = _sender(chat_id, user["id"], user["first_name"], user.get("username"))
        reading.events = [TextIn(without_nul(text))]
    return reading


def _plain_tap(query: Any, agent_chat_id: int | None) -> Reading | None:
    if not isinstance(query, dict) or not isinstance(query.get("id"), str):
        return None
    user, message, data = query.get("from"), query.get("message"), query.get("data")
    if not _plain_user(user) or not isinstance(query.get("chat_instance"), str):
        return None
    if data is not None and not isinstance(data, str):
        return None
    chat = _plain_chat(message) if message is not None else None
    if message is not None and chat is None:
        return None
    reading = Reading(query_id=query["id"])
    if chat is not None and chat[1] != Chat.PRIVATE:
        if chat[0] != agent_chat_id:
            log.info("ignoring a button tapped in chat %s", chat[0])
        return reading
    chat_id = chat[0] if chat is not None else user["id"]
    reading.customer = _sender(chat_id, user["id"], user["first_name"], user.get("username"))
    reading.tap = read_tap(data)
    if reading.tap is None:
        reading.toast = render("stale_choice", {})
    elif chat is not None and isinstance(message, dict):
        reading.tapped = (chat[0], message["message_id"])
    return reading


def _plain_chat(message: Any) -> tuple[int, str] | None:
    """A message's (chat id, chat type), when the message has what PTB requires of one."""
    if not isinstance(message, dict):
        return None
    chat = message.get("chat")
    if not (valid_id(message.get("message_id")) and _plain_date(message.get("date"))):
        return None
    if not isinstance(chat, dict) or not valid_id(chat.get("id")):
        return None
    kind = chat.get("type")
    return (chat["id"], kind) if isinstance(kind, str) else None


def _plain_date(value: Any) -> bool:
    return valid_id(value) and 0 <= value < 2**33  # seconds since 1970, as PTB can convert them


def _plain_user(user: Any) -> TypeGuard[dict[str, Any]]:
    return (
        isinstance(user, dict)
        and valid_id(user.get("id"))
        and isinstance(user.get("is_bot"), bool)
        and isinstance(user.get("first_name"), str)
        and isinstance(user.get("username"), str | None)
    )


def without_nul(text: str) -> str:
    """PostgreSQL's text cannot hold U+0000: a name or a message with one would never be stored."""
    return text.replace("\x00", "")


def _blocked(member: ChatMemberUpdated) -> bool | None:
    status = member.new_chat_member.status
    if status == ChatMemberStatus.BANNED:
        return True
    if status == ChatMemberStatus.MEMBER:
        return False
    return None


def _is_image(mime_type: str | None, file_name: str | None) -> bool:
    if mime_type and mime_type.startswith("image/"):
        return True
    return bool(file_name) and str(file_name).lower().endswith(IMAGE_SUFFIXES)


async def _resolve(session: AsyncSession, tap: Tap, chat_id: str) -> str | None:
    """The choice id a tap stands for, if the button really was sent to this chat and still
    answers the question in course: an old keyboard's « Remboursement » must not answer today's
    offer for another item (the same question asked again, « C'est tout » after each photo, does)."""
    row = await session.get(OutboxMessage, tap.outbox_id)
    if row is None or row.channel != CHANNEL or row.chat_id != chat_id:
        return None
    choices = choices_of(row.payload)
    if tap.index >= len(choices):
        return None
    latest = await _latest_keyboard(session, chat_id, row.id)
    if latest is not None and _question(latest) != _question(row):
        return None
    return choices[tap.index][0]


async def _latest_keyboard(session: AsyncSession, chat_id: str, after: int) -> OutboxMessage | None:
    """The last message with buttons sent to the chat after the one `after` (None: it is the last)."""
    later = await session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.channel == CHANNEL,
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.id > after,
        )
        .order_by(OutboxMessage.id.desc())
        .limit(LATER_MESSAGES)
    )
    rows = later.all()
    keyboards = (row for row in rows if choices_of(row.payload))
    return next(keyboards, rows[-1] if len(rows) == LATER_MESSAGES else None)


def _question(row: OutboxMessage) -> tuple[object, ...]:
    return (row.case_id, row.payload.get("template"), choices_of(row.payload))


async def _set_blocked(session: AsyncSession, external_id: str, blocked: bool) -> None:
    await session.execute(
        update(Customer)
        .where(
            Customer.channel == CHANNEL,
            Customer.external_id == external_id,
            Customer.blocked_at.is_(None) if blocked else Customer.blocked_at.is_not(None),
        )
        .values(blocked_at=utcnow() if blocked else None)
    )


async def _quietly(call: Awaitable[object]) -> None:
    """A courtesy call (typing, answering a tap): failing it must not fail the update."""
    try:
        await call
    except TelegramError as error:
        log.info("courtesy call failed: %s", error)
