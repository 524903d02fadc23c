"""Handling the recorded updates: one chat in order, one at a time; different chats side by side.

Each update is handled in one transaction that starts by claiming the inbox row
(`handled_at` set where it was still empty) and goes on with the engine's state change and its outbox
rows: all of it commits, or none of it does. A crash before the commit leaves the row unclaimed, and
it is handled again on the next start; a claimed row is never handled twice. Claiming first also
makes the transaction a writer from its first statement, which SQLite needs to stay consistent.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Callable, Sequence
from typing import Generic, Protocol, TypeVar

from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from bot.storage.base import utcnow
from bot.storage.models import InboxUpdate, OutboxMessage
from bot.telegram.errors import is_transient
from bot.telegram.inbox import CHANNEL
from bot.telegram.lanes import IdWindow, Lanes, Verdict
from bot.telegram.writes import WriteGate, with_retries

log = logging.getLogger(__name__)

P = TypeVar("P")
NO_CHAT = ""
PREPARE_ATTEMPTS = 5


class UpdateHandler(Protocol[P]):
    """What the dispatcher runs for each update, in three steps."""

    async def prepare(self, update: InboxUpdate) -> P:
        """Outside any transaction: slow work such as downloading a photo (safe to repeat)."""
        ...

    async def handle(self, session: AsyncSession, update: InboxUpdate, prepared: P) -> None:
        """Inside the update's transaction: the state change and its outbox rows."""
        ...

    async def handled(self, update: InboxUpdate, prepared: P) -> None:
        """After the commit (or the failure): courtesies such as answering a callback query."""
        ...


class Dispatcher(Generic[P]):
    """Feeds unhandled inbox rows to chat lanes until cancelled; `wake()` after recording.

    `on_committed` is given the outbox rows each update's transaction wrote, once committed, so that
    the senders can take them at once instead of querying for them.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        gate: WriteGate,
        handler: UpdateHandler[P],
        *,
        on_committed: Callable[[Sequence[OutboxMessage]], None] = lambda _rows: None,
        concurrency: int = 16,
        poll_interval: float = 2.0,
    ) -> None:
        self._sessions = sessions
        self._gate = gate
        self._handler = handler
        self._on_committed = on_committed
        self._slots = asyncio.Semaphore(concurrency)
        self._poll_interval = poll_interval
        self._wakeup = asyncio.Event()
        self._lanes: Lanes[InboxUpdate] = Lanes(self._in_slot, "chat")
        self._window = IdWindow()
        self._stopping = False
        self.handled_count = 0

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        """Picks up unhandled rows: at start (what a crash left), on wake, and now and then."""
        while not self._stopping:
            self._wakeup.clear()
            await with_retries(self._fetch, what="reading the inbox")
            try:
                await asyncio.wait_for(self._wakeup.wait(), self._poll_interval)
            except TimeoutError:
                continue

    async def drain(self, grace: float) -> None:
        """Stops taking updates; lets the ones being handled finish for up to `grace` seconds."""
        self._stopping = True
        self._wakeup.set()
        await self._lanes.drain(grace)

    async def _fetch(self) -> None:
        query = select(InboxUpdate).where(
            InboxUpdate.channel == CHANNEL, InboxUpdate.handled_at.is_(None)
        )
        lowest = self._window.lowest()
        if lowest is not None:
            query = query.where(InboxUpdate.id > lowest)
        snapshot = self._lanes.snapshot()
        async with self._sessions() as session:
            rows = (await session.scalars(query.order_by(InboxUpdate.id))).all()
        for row in rows:
            self._lanes.offer(row.chat_id or NO_CHAT, row.id, row)
        self._window.scanned(row.id for row in rows)
        self._lanes.forget(snapshot)

    async def _in_slot(self, row: InboxUpdate) -> Verdict:
        async with self._slots:
            await self._handle_one(row)
        return Verdict.DONE

    async def _handle_one(self, row: InboxUpdate) -> None:
        prepared: P | None = None
        written: list[OutboxMessage] | None = None
        try:
            prepared = await self._prepare(row)
            written = await with_retries(
                lambda: self._in_transaction(row, prepared), what=f"handling update {row.update_id}"
            )
        except Exception:
            log.exception("update %s (chat %s) could not be handled", row.update_id, row.chat_id)
            written = [] if await self._set_aside(row, traceback.format_exc()) else None
        if written is not None:
            self.handled_count += 1
            self._on_committed(written)
        if prepared is not None:
            try:
                await self._handler.handled(row, prepared)
            except Exception:
                log.exception("after update %s", row.update_id)

    async def _prepare(self, row: InboxUpdate) -> P:
        """Network hiccups while preparing (a photo download) are waited out, a few times."""
        for attempt in range(1, PREPARE_ATTEMPTS + 1):
            try:
                return await self._handler.prepare(row)
            except Exception as error:
                if attempt == PREPARE_ATTEMPTS or not is_transient(error):
                    raise
                log.warning("update %s: %s; trying again", row.update_id, error)
                await asyncio.sleep(min(0.5 * 2**attempt, 10.0))
        raise AssertionError("unreachable")

    async def _in_transaction(self, row: InboxUpdate, prepared: P) -> list[OutboxMessage] | None:
        """The outbox rows it wrote, or None when the update was already handled (by another run).

        The rows are noted as the session makes them persistent: the session itself keeps only weak
        references to them.
        """
        written: list[OutboxMessage] = []

        def note(_session: Session, item: object) -> None:
            if isinstance(item, OutboxMessage):
                written.append(item)

        async with self._gate.turn(), self._sessions.begin() as session:
            event.listen(session.sync_session, "pending_to_persistent", note)
            if not await _claim(session, row.id):
                return None
            await self._handler.handle(session, row, prepared)
            await session.flush()
        return sorted(written, key=lambda item: item.id)

    async def _set_aside(self, row: InboxUpdate, error: str) -> bool:
        """A failing update is marked with its error, so that it does not fail again and again."""

        async def mark() -> bool:
            async with self._gate.turn(), self._sessions.begin() as session:
                claimed = await _claim(session, row.id)
                if claimed:
                    await session.execute(
                        update(InboxUpdate)
                        .where(InboxUpdate.id == row.id)
                        .values(error=error[-4000:])
                    )
                return claimed

        return await with_retries(mark, what="setting an update aside")


async def _claim(session: AsyncSession, inbox_id: int) -> bool:
    result = await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.id == inbox_id, InboxUpdate.handled_at.is_(None))
        .values(handled_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0))
