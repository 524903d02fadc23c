"""Replies out, whatever the channel: a channel's outbox rows sent in order per chat, paced, retried.

Each chat (or address) has a lane that sends its rows one at a time, in id order, and waits for the
row to be marked as sent before the next: after a crash, at most the one message in flight per chat
can go twice. Marks from all lanes are committed together (group commit).

A row reaches its lane only from a reading of the outbox begun after it was committed, together with
every earlier unsent row of its chat: rows of one chat may be written by several writers (another
process, the scheduler), and ids from a PostgreSQL sequence commit out of order, so a row seen alone
(just offered by its writer, or new in the id window) could overtake an earlier one not seen yet.

The channel's `Delivery` sends one row and says, by what it raises, what to do when it could not:
`Retry` (again later, after the wait it names or a growing backoff), `Unreachable` (the recipient
blocked us: their pending rows are set aside), `Rejected` (this row can never be sent: set aside with
its error), `Redirected` (the chat moved: the same row again, to its new id).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.lanes import IdWindow, Lanes, Verdict
from bot.channels.pacing import Pacer
from bot.channels.writes import WriteGate, with_retries
from bot.storage.base import utcnow
from bot.storage.models import Customer, OutboxMessage

log = logging.getLogger(__name__)

ABANDONED = "abandoned: "
COALESCE = 0.02  # seconds a wake waits for more commits, under a backlog
FETCH_GAP = 0.005  # seconds at least from one reading of the outbox to the next
BACKLOG = 64  # rows queued in the lanes from which wakes wait for more commits
CHATS_AT_ONCE = 1000  # chats named in one query at most (bound parameters); more: all of them


class Retry(Exception):
    """Not sent this time; `seconds` to wait before the next try (None: the worker's backoff)."""

    def __init__(self, reason: str, seconds: float | None = None) -> None:
        super().__init__(reason)
        self.seconds = seconds


class Unreachable(Exception):
    """The recipient can no longer be reached (a customer who blocked the bot)."""


class Rejected(Exception):
    """This row can never be sent as it is (a malformed request)."""


class Redirected(Exception):
    """The chat has a new id: send the same row there."""

    def __init__(self, new_chat_id: str) -> None:
        super().__init__(new_chat_id)
        self.new_chat_id = new_chat_id


class Delivery(Protocol):
    """How one channel sends one outbox row (the `send a payload` half of a channel)."""

    channel: str

    async def send(self, row: OutboxMessage) -> None: ...


# Told about a row that failed (after its failure is written): the row, with its attempts and error.
FailureHook = Callable[[OutboxMessage], Awaitable[None]]


class OutboxWorker:
    """Sends a channel's pending outbox rows until cancelled; `wake()` after committing new rows."""

    def __init__(
        self,
        delivery: Delivery,
        sessions: async_sessionmaker[AsyncSession],
        gate: WriteGate,
        *,
        pacer: Pacer | None = None,
        poll_interval: float = 1.0,
        max_backoff: float = 30.0,
        on_failure: FailureHook | None = None,
    ) -> None:
        self._delivery = delivery
        self._channel = delivery.channel
        self._sessions = sessions
        self._gate = gate
        self._pacer = pacer
        self._poll_interval = poll_interval
        self._max_backoff = max_backoff
        self._on_failure = on_failure
        self._wakeup = asyncio.Event()
        self._lanes: Lanes[OutboxMessage] = Lanes(self._send_one, f"send-{self._channel}")
        self._window = IdWindow()
        self._offered: dict[int, OutboxMessage] = {}
        self._marks: list[tuple[int, asyncio.Future[None]]] = []
        self._marks_ready = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wakeup.set()

    def offer(self, rows: Sequence[OutboxMessage]) -> None:
        """Takes rows just committed (by the dispatcher), sparing their reading: they go to their
        lanes with the next fetch, which may find earlier rows of their chats from other writers.
        An idle worker begins that fetch at once."""
        for row in rows:
            if row.channel == self._channel and row.sent_at is None and not row.last_error:
                self._offered[row.id] = row
        if self._offered:
            self._wakeup.set()

    async def run(self) -> None:
        """Fetches pending rows (at start, on wake, and every `poll_interval`) into chat lanes."""
        marker = asyncio.create_task(self._commit_marks(), name=f"{self._channel}-marks")
        try:
            while not self._stopping:
                self._wakeup.clear()
                began = time.monotonic()
                await with_retries(self._fetch, what=f"reading the {self._channel} outbox")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self._poll_interval)
                pause = self._gathering(began)
                if pause > 0:
                    await asyncio.sleep(pause)
        finally:
            marker.cancel()

    def _gathering(self, began: float) -> float:
        """How long a wake waits for more commits before the next fetch (which gathers them all):
        not at all when idle, so that a reply goes at once; up to `FETCH_GAP` after the last
        fetch began, when commits come faster; `COALESCE` under a backlog, whose rows wait
        their turn to be sent anyway (one query for a burst of commits, not one each)."""
        if self._lanes.queued >= BACKLOG:
            return COALESCE
        return began + FETCH_GAP - time.monotonic()

    async def drain(self, grace: float) -> None:
        """Stops taking rows; lets the sends in flight finish for up to `grace` seconds."""
        self._stopping = True
        self._wakeup.set()
        await self._lanes.drain(grace)
        await self._flush_marks()

    # -- reading the outbox -------------------------------------------------------------------

    async def _fetch(self) -> None:
        offered = dict(self._offered)
        lowest = self._window.lowest()
        snapshot = self._lanes.snapshot()
        async with self._sessions() as session:
            pending = list((await session.execute(self._pending(above=lowest))).all())
            if lowest is not None:
                chats = {row.chat_id for row in pending if not self._lanes.knows(row.id)}
                chats |= {row.chat_id for row in offered.values()}
                # Their earlier rows: committed late below the window, or by another writer.
                if chats:
                    named = chats if len(chats) <= CHATS_AT_ONCE else None
                    earlier = self._pending(above=None, upto=lowest, chats=named)
                    pending = [*(await session.execute(earlier)).all(), *pending]
            new = [row for row in pending if not self._lanes.knows(row.id)]
            blocked = {row.chat_id for row in new if row.blocked_at is not None}
            if blocked:
                await self._abandon_chats(blocked, "the customer blocked the bot")
            wanted = [row.id for row in new if row.chat_id not in blocked]
            unread = [row_id for row_id in wanted if row_id not in offered]
            read = (
                (
                    await session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(unread)))
                ).all()
                if unread
                else []
            )
        rows = {row.id: row for row in read}
        for row_id in sorted(wanted):  # each chat's rows in their order, whoever wrote them
            row = rows.get(row_id) or offered.get(row_id)
            if row is not None:
                self._lanes.offer(row.chat_id, row.id, row)
        for row_id in offered:
            self._offered.pop(row_id, None)
        self._window.scanned(row.id for row in pending)
        self._lanes.forget(snapshot)

    def _pending(
        self, *, above: int | None, upto: int | None = None, chats: set[str] | None = None
    ) -> Select[int, str, datetime | None]:
        """This channel's unsent rows (not set aside) with their customer's block, in id order."""
        conditions = [
            OutboxMessage.channel == self._channel,
            OutboxMessage.sent_at.is_(None),
            or_(
                OutboxMessage.last_error.is_(None),
                ~OutboxMessage.last_error.startswith(ABANDONED),
            ),
        ]
        if above is not None:
            conditions.append(OutboxMessage.id > above)
        if upto is not None:
            conditions.append(OutboxMessage.id <= upto)
        if chats is not None:
            conditions.append(OutboxMessage.chat_id.in_(sorted(chats)))
        return (
            select(OutboxMessage.id, OutboxMessage.chat_id, Customer.blocked_at)
            .outerjoin(
                Customer,
                and_(
                    Customer.channel == OutboxMessage.channel,
                    Customer.external_id == OutboxMessage.chat_id,
                ),
            )
            .where(*conditions)
            .order_by(OutboxMessage.id)
        )

    async def _send_one(self, row: OutboxMessage) -> Verdict:
        """Tries once, when it is due; DONE once sent and marked, or set aside."""
        if row.next_attempt_at is not None:
            delay = (row.next_attempt_at - utcnow()).total_seconds()
            if delay > 0:
                await asyncio.sleep(delay)
        if self._pacer is not None:
            await self._pacer.wait_turn(row.chat_id)
        try:
            await self._delivery.send(row)
        except Retry as error:
            wait = error.seconds if error.seconds is not None else self._backoff(row.attempts)
            await self._failed(row, str(error), wait)
            return Verdict.AGAIN
        except Redirected as error:
            log.warning("chat %s became %s", row.chat_id, error.new_chat_id)
            row.payload = {**row.payload, "chat_id": error.new_chat_id}
            return Verdict.AGAIN
        except Unreachable as error:
            await self._abandon_chats({row.chat_id}, f"forbidden: {error}")
            row.last_error = (ABANDONED + f"forbidden: {error}")[:500]
            await self._told(row)
            return Verdict.DROP_CHAT
        except Rejected as error:
            log.error("%s outbox %s rejected: %s", self._channel, row.id, error)
            await self._abandon_row(row, str(error))
            return Verdict.DONE
        while True:  # sent: only the mark may be retried, never the send
            try:
                await self._mark_sent(row.id)
                return Verdict.DONE
            except Exception:
                log.exception("could not mark outbox %s as sent; retrying", row.id)
                await asyncio.sleep(1.0)

    def _backoff(self, attempts: int) -> float:
        return float(min(0.25 * 2**attempts, self._max_backoff))

    # -- writing the outcome --------------------------------------------------------------------

    async def _failed(self, row: OutboxMessage, reason: str, wait: float) -> None:
        row.attempts += 1
        row.next_attempt_at = utcnow() + timedelta(seconds=wait)
        row.last_error = reason[:500]
        log.info("outbox %s failed (%s); again in %.1f s", row.id, row.last_error, wait)
        values = {
            "attempts": row.attempts,
            "next_attempt_at": row.next_attempt_at,
            "last_error": row.last_error,
        }
        await self._update(update(OutboxMessage).where(OutboxMessage.id == row.id).values(values))
        await self._told(row)

    async def _abandon_row(self, row: OutboxMessage, reason: str) -> None:
        row.attempts += 1
        row.last_error = (ABANDONED + reason)[:500]
        await self._update(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id)
            .values(last_error=row.last_error, attempts=row.attempts)
        )
        await self._told(row)

    async def _told(self, row: OutboxMessage) -> None:
        if self._on_failure is None:
            return
        try:
            await self._on_failure(row)
        except Exception:
            log.exception("could not report the failure of outbox %s", row.id)

    async def _abandon_chats(self, chat_ids: set[str], reason: str) -> None:
        """The customer blocked the bot: mark them, and set their pending messages aside."""
        log.info("chats %s no longer reachable: %s", sorted(chat_ids), reason)
        await self._update(
            update(Customer)
            .where(
                Customer.channel == self._channel,
                Customer.external_id.in_(chat_ids),
                Customer.blocked_at.is_(None),
            )
            .values(blocked_at=utcnow())
        )
        await self._update(
            update(OutboxMessage)
            .where(
                OutboxMessage.channel == self._channel,
                OutboxMessage.chat_id.in_(chat_ids),
                OutboxMessage.sent_at.is_(None),
            )
            .values(last_error=(ABANDONED + reason)[:500])
        )

    async def _update(self, statement: Any) -> None:
        async def write() -> None:
            async with self._gate.turn(), self._sessions.begin() as session:
                await session.execute(statement)

        await with_retries(write, what=f"updating the {self._channel} outbox")

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
