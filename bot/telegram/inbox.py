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
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter

from bot.channels.writes import WriteGate, with_retries
from bot.storage.models import InboxUpdate
from bot.telegram.client import POLL_TIMEOUT, ReturnBot
from bot.telegram.errors import retry_after_seconds

log = logging.getLogger(__name__)

CHANNEL = "telegram"
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member", "channel_post")
_CHAT_HOLDERS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "my_chat_member",
)


def chat_of(payload: dict[str, Any]) -> str | None:
    """The chat an update belongs to (the lane it is handled in), or None."""
    for key in _CHAT_HOLDERS:
        if key in payload:
            return str(payload[key]["chat"]["id"])
    query = payload.get("callback_query")
    if query is not None:
        message = query.get("message") or {}
        chat = message.get("chat") or query.get("from") or {}
        return str(chat["id"]) if "id" in chat else None
    return None


async def record_updates(
    sessions: async_sessionmaker[AsyncSession], gate: WriteGate, payloads: Sequence[dict[str, Any]]
) -> None:
    """Commits the updates to the inbox; an update already there is left as it is."""
    if not payloads:
        return
    rows = [
        {
            "channel": CHANNEL,
            "update_id": int(payload["update_id"]),
            "chat_id": chat_of(payload),
            "payload": payload,
        }
        for payload in payloads
    ]

    async def insert() -> None:
        async with gate.turn(), sessions.begin() as session:
            await session.execute(_insert_ignoring_duplicates(session), rows)

    await with_retries(insert, what="recording updates")


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
            except (NetworkError, Conflict) as error:
                failures += 1
                log.warning("getUpdates failed (%s); retrying", error)
                await asyncio.sleep(min(0.5 * 2**failures, 30.0))
                continue
            failures = 0
            if not updates:
                continue
            await record_updates(self._sessions, self._gate, updates)
            self.offset = int(updates[-1]["update_id"]) + 1
            self._on_recorded()

    async def confirm(self) -> None:
        """Tells Telegram that everything recorded so far arrived (at shutdown)."""
        if self.offset is None:
            return
        try:
            await self._bot.get_updates(offset=self.offset, timeout=0, limit=1)
        except Exception as error:  # a courtesy: the inbox ignores duplicates anyway
            log.info("could not confirm the last offset: %s", error)
