"""Updates in: each Telegram update is committed to the inbox before Telegram is told it arrived.

Long polling moves the getUpdates offset past a batch only once the batch is committed; the webhook
answers 200 only after the same commit (`webhook.py`). Recording is idempotent on `update_id`, so an
update Telegram sends again after a crash is recorded once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.channels.writes import WriteGate, with_retries
from bot.storage.base import utcnow
from bot.storage.models import InboxUpdate
from bot.telegram.client import POLL_TIMEOUT, ReturnBot
from bot.telegram.errors import retry_after_seconds
from bot.telegram.raw import inspect, update_id_of

log = logging.getLogger(__name__)

CHANNEL = "telegram"
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member", "channel_post")


def chat_of(payload: dict[str, Any]) -> str | None:
    """The chat an update belongs to (the lane it is handled in), or None."""
    return inspect(payload).chat_id


async def record_updates(
    sessions: async_sessionmaker[AsyncSession], gate: WriteGate, payloads: Sequence[Any]
) -> None:
    """Commits the updates to the inbox; an update already there is left as it is.

    An update that cannot be read (`bot.telegram.raw`) is recorded already set aside, with its
    error: it is kept for a look, and is never handled.
    """
    if not payloads:
        return
    now = utcnow()
    rows = []
    for payload in payloads:
        seen = inspect(payload)
        if seen.error is not None:
            log.error("update %s cannot be read, set aside: %s", seen.update_id, seen.error)
        rows.append(
            {
                "channel": CHANNEL,
                "update_id": seen.update_id,
                "chat_id": seen.chat_id,
                "payload": seen.payload,
                "handled_at": now if seen.error is not None else None,
                "error": seen.error,
            }
        )

    async def insert() -> None:
        async with gate.turn(), sessions.begin() as session:
            await session.execute(_insert_ignoring_duplicates(session), rows)

    await with_retries(insert, what="recording updates")


def next_offset(offset: int | None, payloads: Sequence[Any]) -> int | None:
    """The getUpdates offset that confirms `payloads`, the batch fetched from `offset`.

    An update without a usable id is taken to follow the one before it, as Telegram numbers them
    (an id too large for the inbox is not trusted either: it would skip every update after it).
    """
    last = offset - 1 if offset is not None else None
    for payload in payloads:
        update_id = update_id_of(payload)
        if update_id is not None:
            last = update_id
        elif last is not None:
            last += 1
    return last + 1 if last is not None else offset


def _insert_ignoring_duplicates(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(InboxUpdate).on_conflict_do_nothing(
        index_elements=["channel", "update_id"]
    )


class Poller:
    """Long polling: fetch, commit, then confirm by moving the offset."""

    def __init__(
        self,
        bot: ReturnBot,
        sessions: async_sessionmaker[AsyncSession],
        gate: WriteGate,
        on_recorded: Callable[[], None],
        *,
        timeout: int = POLL_TIMEOUT,
    ) -> None:
        self._bot = bot
        self._sessions = sessions
        self._gate = gate
        self._on_recorded = on_recorded
        self._timeout = timeout
        self.offset: int | None = None

    async def run(self) -> None:
        """Polls until cancelled."""
        failures = 0
        while True:
            try:
                updates = await self._bot.get_update_payloads(
                    offset=self.offset, timeout=self._timeout, allowed_updates=ALLOWED_UPDATES
                )
            except RetryAfter as error:
                await asyncio.sleep(retry_after_seconds(error))
                continue
            except InvalidToken:
                raise
            except (NetworkError, Conflict, TelegramError) as error:  # a garbled answer too
                failures += 1
                log.warning("getUpdates failed (%s); retrying", error)
                await asyncio.sleep(min(0.5 * 2**failures, 30.0))
                continue
            failures = 0
            if not updates:
                continue
            await record_updates(self._sessions, self._gate, updates)
            offset = next_offset(self.offset, updates)
            if offset == self.offset:  # unreadable ids at the very start: nothing to count from
                log.error("cannot confirm updates without a usable update_id; waiting")
                await asyncio.sleep(5.0)
            self.offset = offset
            self._on_recorded()

    async def confirm(self) -> None:
        """Tells Telegram that everything recorded so far arrived (at shutdown)."""
        if self.offset is None:
            return
        try:
            await self._bot.get_updates(offset=self.offset, timeout=0, limit=1)
        except Exception as error:  # a courtesy: the inbox ignores duplicates anyway
            log.info("could not confirm the last offset: %s", error)
