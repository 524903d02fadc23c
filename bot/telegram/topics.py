"""The agents' group's outbox: opens each customer's forum topic, then sends into it, paced and merged.

Rows of the `agents` channel (see `bot.agents.handoff`) are sent one batch at a time, in id order:
the first pending row, with the relays of the same topic that follow it merged in (texts into one
message, photos into one album), so that a burst of customer messages stays within the group's
20 messages a minute without losing any. The topic is created on Telegram (createForumTopic) when
its first row goes out, and its `message_thread_id` kept; a topic deleted by hand is opened again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import unicodedata
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InputMediaPhoto, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, RetryAfter, TelegramError

from bot.agents.handoff import AGENTS_CHANNEL, ALBUM_LIMIT
from bot.channels.pacing import Limits, Pacer
from bot.channels.writes import WriteGate, with_retries
from bot.storage.base import utcnow
from bot.storage.models import AgentTopic, OutboxMessage
from bot.telegram.errors import is_permanent, retry_after_seconds
from bot.telegram.splitting import split_html

log = logging.getLogger(__name__)

ABANDONED = "abandoned: "
RELAY_GATHER = 1.0  # seconds a customer's message waits for the next ones of a burst
MERGED_TEXT_LIMIT = 3800  # characters: one Telegram message, with room for the header
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
_TOPIC_GONE = ("thread not found", "topic_deleted", "topic not found", "topic_closed")


class TopicSender:
    """Sends the agents' group's pending rows until cancelled; `wake()` after committing new rows."""

    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        gate: WriteGate,
        *,
        data_dir: Path,
        pacer: Pacer | None = None,
        poll_interval: float = 1.0,
    ) -> None:
        self._bot = bot
        self._sessions = sessions
        self._gate = gate
        self._data_dir = data_dir
        self._pacer = pacer or Pacer(Limits())  # the app shares one between its senders
        self._poll_interval = poll_interval
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        while not self._stopping:
            self._wakeup.clear()
            self._idle.clear()
            try:
                batch = await with_retries(self._pending, what="reading the agents' outbox")
                if batch:
                    await self._send(batch[0])
            except Exception:
                log.exception("agents' outbox: sending failed; trying again")
                await asyncio.sleep(1.0)
                continue
            finally:
                self._idle.set()
            if not batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self._poll_interval)

    async def drain(self, grace: float) -> None:
        """Stops after the batch in flight, waiting for it at most `grace` seconds."""
        self._stopping = True
        self._wakeup.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), grace)

    # -- choosing what to send ------------------------------------------------------------------

    async def _pending(self) -> list[OutboxMessage]:
        async with self._sessions() as session:
            rows = (
                await session.scalars(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.channel == AGENTS_CHANNEL,
                        OutboxMessage.sent_at.is_(None),
                        or_(
                            OutboxMessage.last_error.is_(None),
                            ~OutboxMessage.last_error.startswith(ABANDONED),
                        ),
                    )
                    .order_by(OutboxMessage.id)
                    .limit(200)
                )
            ).all()
        return list(rows)

    async def _send(self, first: OutboxMessage) -> None:
        """Sends `first`, with what can be merged into it once its turn has come."""
        if first.next_attempt_at is not None:
            delay = (first.next_attempt_at - utcnow()).total_seconds()
            if delay > 0:
                await asyncio.sleep(min(delay, self._poll_interval))
                return
        batch = [first]
        try:
            thread = await self._thread(int(first.payload["topic_id"]), first.chat_id)
            if first.payload.get("kind") == "relay":  # let a burst gather, then send it as one
                age = (utcnow() - first.created_at).total_seconds()
                await asyncio.sleep(max(0.0, RELAY_GATHER - age))
            await self._pacer.wait_turn(first.chat_id)
            pending = await with_retries(self._pending, what="reading the agents' outbox")
            if pending and pending[0].id == first.id:
                batch = merged(pending)
            await self._deliver(first.chat_id, thread, batch)
        except RetryAfter as error:
            await self._failed(batch, error, retry_after_seconds(error))
            return
        except TelegramError as error:
            if isinstance(error, BadRequest) and _topic_gone(error):
                await self._forget_thread(int(first.payload["topic_id"]))
                await self._failed(batch, error, 0.0)
            elif is_permanent(error):
                log.error("agents' outbox %s rejected: %s", first.id, error.message)
                await self._mark(batch, last_error=(ABANDONED + error.message)[:500])
            else:
                await self._failed(batch, error, _backoff(first.attempts))
            return
        except (OSError, TimeoutError) as error:
            await self._failed(batch, error, _backoff(first.attempts))
            return
        await self._mark(batch, sent_at=utcnow())

    # -- Telegram ---------------------------------------------------------------------------------

    async def _thread(self, topic_id: int, chat_id: str) -> int:
        """The topic's thread in the group, created on Telegram the first time."""
        async with self._sessions() as session:
            topic = await session.get_one(AgentTopic, topic_id)
        if topic.message_thread_id is not None:
            return topic.message_thread_id
        await self._pacer.wait_turn(chat_id)
        created = await self._bot.create_forum_topic(int(chat_id), forum_title(topic.name))
        thread = created.message_thread_id
        await self._write(
            update(AgentTopic).where(AgentTopic.id == topic_id).values(message_thread_id=thread)
        )
        log.info("opened topic %s (%s) in the agents' group", thread, topic.name)
        return thread

    async def _deliver(self, chat_id: str, thread: int, batch: list[OutboxMessage]) -> None:
        payload = batch[0].payload
        photos = [p for row in batch for p in row.payload.get("photos") or ()]
        if photos:
            media = [await asyncio.to_thread(self._read, path) for path in photos]
            available = [m for m in media if m is not None]
            if len(available) == 1:
                await self._bot.send_photo(
                    int(chat_id),
                    available[0],
                    message_thread_id=thread,
                    caption=_header(payload) or None,
                    parse_mode=ParseMode.HTML,
                )
            elif available:
                await self._bot.send_media_group(
                    int(chat_id),
                    [InputMediaPhoto(m) for m in available],
                    message_thread_id=thread,
                    caption=_header(payload) or None,
                    parse_mode=ParseMode.HTML,
                )
            return
        text = "\n".join(str(row.payload.get("text") or "") for row in batch)
        if payload.get("kind") == "relay":
            text = f"{_header(payload)}\n{text}"
        for piece in split_html(text) or ["…"]:  # a long message in several, none lost
            await self._bot.send_message(
                int(chat_id),
                piece,
                message_thread_id=thread,
                parse_mode=ParseMode.HTML,
                link_preview_options=_NO_PREVIEW,
            )

    def _read(self, value: str) -> bytes | None:
        path = Path(value)
        if not path.is_absolute():
            path = self._data_dir / path
        if not path.is_file():
            log.error("photo %s is missing", path)
            return None
        return path.read_bytes()

    # -- the database ------------------------------------------------------------------------------

    async def _failed(self, batch: list[OutboxMessage], error: BaseException, wait: float) -> None:
        first = batch[0]
        log.info("agents' outbox %s failed (%s); again in %.1f s", first.id, error, wait)
        await self._mark(
            batch,
            attempts=first.attempts + 1,
            next_attempt_at=utcnow() + timedelta(seconds=wait),
            last_error=f"{type(error).__name__}: {error}"[:500],
        )

    async def _forget_thread(self, topic_id: int) -> None:
        await self._write(
            update(AgentTopic).where(AgentTopic.id == topic_id).values(message_thread_id=None)
        )

    async def _mark(self, batch: list[OutboxMessage], **values: Any) -> None:
        ids = [row.id for row in batch]
        await self._write(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(**values))

    async def _write(self, statement: Any) -> None:
        async def write() -> None:
            async with self._gate.turn(), self._sessions.begin() as session:
                await session.execute(statement)

        await with_retries(write, what="updating the agents' outbox")


def forum_title(name: str) -> str:
    """A topic's name as shown to the agents: without the direction marks and overrides a
    customer's name may carry (U+202E turns « Camille » around, and whatever follows it)."""
    kept = (c for c in name.translate(_BIDI_CONTROLS) if unicodedata.category(c) != "Cc")
    return "".join(kept).strip() or "…"


def merged(rows: list[OutboxMessage]) -> list[OutboxMessage]:
    """The first row, with the following relays of its topic that can go in the same message."""
    if not rows:
        return []
    first = rows[0]
    batch = [first]
    if first.payload.get("kind") != "relay":
        return batch
    topic, photos = first.payload["topic_id"], bool(first.payload.get("photos"))
    size = len(str(first.payload.get("text") or ""))
    count = len(first.payload.get("photos") or ())
    for row in rows[1:]:
        if row.payload.get("topic_id") != topic:
            continue
        if row.payload.get("kind") != "relay" or bool(row.payload.get("photos")) != photos:
            break
        if photos:
            count += len(row.payload["photos"])
            if count > ALBUM_LIMIT:
                break
        else:
            size += len(str(row.payload.get("text") or "")) + 1
            if size > MERGED_TEXT_LIMIT:
                break
        batch.append(row)
    return batch


def _header(payload: dict[str, Any]) -> str:
    return "💬 <b>Le client écrit :</b>" if payload.get("kind") == "relay" else ""


def _topic_gone(error: BadRequest) -> bool:
    return any(word in error.message.lower() for word in _TOPIC_GONE)


def _backoff(attempts: int) -> float:
    return float(min(0.25 * 2**attempts, 30.0))
