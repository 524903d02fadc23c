"""Replies out: the outbox rows, sent in order per chat, paced, retried, marked as sent.

Each chat has a lane that sends its rows one at a time, in id order, and waits for the row to be
marked as sent before the next: after a crash, at most the one message in flight per chat can arrive
twice. Marks from all lanes are committed together (group commit). 429 waits `retry_after`; 5xx,
timeouts and network errors back off and try again; 403 marks the customer as having blocked the
bot; a request Telegram rejects as malformed is set aside with its error, never retried forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.storage.base import utcnow
from bot.storage.models import Customer, OutboxMessage
from bot.telegram.errors import is_permanent, retry_after_seconds
from bot.telegram.inbox import CHANNEL
from bot.telegram.keyboards import choices_of, keyboard
from bot.telegram.lanes import IdWindow, Lanes, Verdict
from bot.telegram.pacing import Limits, Pacer
from bot.telegram.writes import WriteGate, with_retries

log = logging.getLogger(__name__)

ABANDONED = "abandoned: "
CAPTION_LIMIT = 1024
COALESCE = 0.02  # seconds
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class Sender:
    """Sends the pending outbox rows until cancelled; `wake()` after committing new rows."""

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
        self._lanes: Lanes[OutboxMessage] = Lanes(self._send_one, "send")
        self._window = IdWindow()
        self._marks: list[tuple[int, asyncio.Future[None]]] = []
        self._marks_ready = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wakeup.set()

    def offer(self, rows: Sequence[OutboxMessage]) -> None:
        """Takes rows just committed (by the dispatcher), sparing a query; the rest is fetched."""
        for row in rows:
            if row.channel == CHANNEL and row.sent_at is None and not row.last_error:
                self._lanes.offer(row.chat_id, row.id, row)

    async def run(self) -> None:
        """Fetches pending rows (at start, on wake, and every `poll_interval`) into chat lanes."""
        marker = asyncio.create_task(self._commit_marks(), name="outbox-marks")
        try:
            while not self._stopping:
                self._wakeup.clear()
                await with_retries(self._fetch, what="reading the outbox")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self._poll_interval)
                await asyncio.sleep(COALESCE)  # a burst of commits makes one query, not one each
        finally:
            marker.cancel()

    async def drain(self, grace: float) -> None:
        """Stops taking rows; lets the sends in flight finish for up to `grace` seconds."""
        self._stopping = True
        self._wakeup.set()
        await self._lanes.drain(grace)
        await self._flush_marks()

    # -- reading the outbox -------------------------------------------------------------------

    async def _fetch(self) -> None:
        lowest = self._window.lowest()
        snapshot = self._lanes.snapshot()
        async with self._sessions() as session:
            pending = (
                await session.execute(
                    select(OutboxMessage.id, OutboxMessage.chat_id, Customer.blocked_at)
                    .outerjoin(
                        Customer,
                        and_(
                            Customer.channel == OutboxMessage.channel,
                            Customer.external_id == OutboxMessage.chat_id,
                        ),
                    )
                    .where(
                        OutboxMessage.channel == CHANNEL,
                        OutboxMessage.sent_at.is_(None),
                        or_(
                            OutboxMessage.last_error.is_(None),
                            ~OutboxMessage.last_error.startswith(ABANDONED),
                        ),
                        OutboxMessage.id > (lowest if lowest is not None else -1),
                    )
                    .order_by(OutboxMessage.id)
                )
            ).all()
            new = [row for row in pending if not self._lanes.knows(row.id)]
            blocked = {row.chat_id for row in new if row.blocked_at is not None}
            if blocked:
                await self._abandon_chats(blocked, "the customer blocked the bot")
            wanted = [row.id for row in new if row.chat_id not in blocked]
            rows = (
                (
                    await session.scalars(
                        select(OutboxMessage)
                        .where(OutboxMessage.id.in_(wanted))
                        .order_by(OutboxMessage.id)
                    )
                ).all()
                if wanted
                else []
            )
        for row in rows:
            self._lanes.offer(row.chat_id, row.id, row)
        self._window.scanned(row.id for row in pending)
        self._lanes.forget(snapshot)

    async def _send_one(self, row: OutboxMessage) -> Verdict:
        """Tries once, when it is due; DONE once sent and marked, or set aside."""
        if row.next_attempt_at is not None:
            delay = (row.next_attempt_at - utcnow()).total_seconds()
            if delay > 0:
                await asyncio.sleep(delay)
        await self._pacer.wait_turn(row.chat_id)
        try:
            await self._deliver(row)
        except RetryAfter as error:
            await self._failed(row, error, retry_after_seconds(error))
            return Verdict.AGAIN
        except ChatMigrated as error:
            log.warning("chat %s became %s", row.chat_id, error.new_chat_id)
            row.payload = {**row.payload, "chat_id": str(error.new_chat_id)}
            return Verdict.AGAIN
        except Forbidden as error:
            await self._abandon_chats({row.chat_id}, f"forbidden: {error.message}")
            return Verdict.DROP_CHAT
        except TelegramError as error:
            if is_permanent(error):
                log.error("outbox %s rejected by Telegram: %s", row.id, error.message)
                await self._abandon_row(row, error.message)
                return Verdict.DONE
            await self._failed(row, error, _backoff(row.attempts))
            return Verdict.AGAIN
        except (OSError, TimeoutError) as error:
            await self._failed(row, error, _backoff(row.attempts))
            return Verdict.AGAIN
        while True:  # sent: only the mark may be retried, never the send
            try:
                await self._mark_sent(row.id)
                return Verdict.DONE
            except Exception:
                log.exception("could not mark outbox %s as sent; retrying", row.id)
                await asyncio.sleep(1.0)

    async def _deliver(self, row: OutboxMessage) -> None:
        payload = row.payload
        chat_id = payload.get("chat_id", row.chat_id)
        text = str(payload.get("text") or "")
        markup = keyboard(row.id, choices_of(payload))
        extra: dict[str, Any] = {}
        if payload.get("message_thread_id"):
            extra["message_thread_id"] = int(payload["message_thread_id"])
        if payload.get("copy_from_chat_id"):
            await self._bot.copy_message(
                chat_id, payload["copy_from_chat_id"], int(payload["copy_message_id"]), **extra
            )
            return
        for kind in ("photo", "document"):
            media = self._media_path(payload.get(kind))
            if media is None:
                continue
            caption = text if len(text) <= CAPTION_LIMIT else None
            send = self._bot.send_photo if kind == "photo" else self._bot.send_document
            await send(
                chat_id,
                await asyncio.to_thread(media.read_bytes),
                filename=media.name,
                caption=caption,
                parse_mode=ParseMode.HTML,
                reply_markup=markup if caption is not None else None,
                **extra,
            )
            if caption is not None:
                return
        await self._bot.send_message(
            chat_id,
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            link_preview_options=_NO_PREVIEW,
            **extra,
        )

    def _media_path(self, value: Any) -> Path | None:
        if not value:
            return None
        path = Path(str(value))
        if not path.is_absolute():
            path = self._data_dir / path
        if not path.is_file():
            log.error("outbox photo %s is missing; sending the text alone", path)
            return None
        return path

    # -- writing the outcome --------------------------------------------------------------------

    async def _failed(self, row: OutboxMessage, error: BaseException, wait: float) -> None:
        row.attempts += 1
        row.next_attempt_at = utcnow() + timedelta(seconds=wait)
        row.last_error = f"{type(error).__name__}: {error}"[:500]
        log.info("outbox %s failed (%s); again in %.1f s", row.id, row.last_error, wait)
        values = {
            "attempts": row.attempts,
            "next_attempt_at": row.next_attempt_at,
            "last_error": row.last_error,
        }
        await self._update(update(OutboxMessage).where(OutboxMessage.id == row.id).values(values))

    async def _abandon_row(self, row: OutboxMessage, reason: str) -> None:
        row.last_error = (ABANDONED + reason)[:500]
        await self._update(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id)
            .values(last_error=row.last_error, attempts=row.attempts + 1)
        )

    async def _abandon_chats(self, chat_ids: set[str], reason: str) -> None:
        """The customer blocked the bot: mark them, and set their pending messages aside."""
        log.info("chats %s no longer reachable: %s", sorted(chat_ids), reason)
        await self._update(
            update(Customer)
            .where(
                Customer.channel == CHANNEL,
                Customer.external_id.in_(chat_ids),
                Customer.blocked_at.is_(None),
            )
            .values(blocked_at=utcnow())
        )
        await self._update(
            update(OutboxMessage)
            .where(
                OutboxMessage.channel == CHANNEL,
                OutboxMessage.chat_id.in_(chat_ids),
                OutboxMessage.sent_at.is_(None),
            )
            .values(last_error=(ABANDONED + reason)[:500])
        )

    async def _update(self, statement: Any) -> None:
        async def write() -> None:
            async with self._gate.turn(), self._sessions.begin() as session:
                await session.execute(statement)

        await with_retries(write, what="updating the outbox")

    async def _mark_sent(self, row_id: int) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._marks.append((row_id, done))
        self._marks_ready.set()
        await done

    async def _commit_marks(self) -> None:
        while True:
            await self._marks_ready.wait()
            try:
                await self._flush_marks()
            except Exception:
                log.exception("could not commit the sent marks")
                await asyncio.sleep(0.5)

    async def _flush_marks(self) -> None:
        self._marks_ready.clear()
        marks, self._marks = self._marks, []
        if not marks:
            return
        try:
            await self._update(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([row_id for row_id, _ in marks]))
                .values(sent_at=utcnow())
            )
        except Exception as error:
            for _row_id, done in marks:
                if not done.done():
                    done.set_exception(error)
            raise
        for _row_id, done in marks:
            if not done.done():
                done.set_result(None)


def _backoff(attempts: int) -> float:
    return float(min(0.25 * 2**attempts, 30.0))
