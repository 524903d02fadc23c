"""Handling the recorded updates: one chat in order, one at a time; different chats side by side.

Each update is handled in a transaction that starts by claiming its inbox row (`handled_at` set where
it was still empty) and goes on with the engine's state change and its outbox rows: all of it
commits, or none of it does. A crash before the commit leaves the row unclaimed, and it is handled
again on the next start; a claimed row is never handled twice. Claiming first also makes the
transaction a writer from its first statement, which SQLite needs to stay consistent.

Several processes on one PostgreSQL database share the chats (`owns`, from `bot.channels.workers`);
the claim then takes an update only once every earlier update of its chat is committed as handled
(`in_order`), so that a chat passing from one process to another (one died, one joined) keeps its
order: the newcomer's update waits, and is tried again, while the previous owner finishes the one
before it.

Updates of different chats that are ready at the same moment share one transaction (a batch: one
claim, one commit), which is what lets a busy shop's bot keep up. Each chat has at most one update
in a batch, so the order within a chat holds. Should anything in a batch fail, it is rolled back
and its updates are handled again one per transaction, so that one bad update sets aside only itself.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Select, event, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, aliased

from bot.channels.lanes import IdWindow, Lanes, Verdict
from bot.channels.payloads import written_rows
from bot.channels.writes import WriteGate, is_disk_full, with_retries
from bot.storage.base import utcnow
from bot.storage.models import InboxUpdate, OutboxMessage

log = logging.getLogger(__name__)

P = TypeVar("P")
NO_CHAT = ""
PATIENCE = 300.0  # seconds a failing preparation (a photo download) is tried again
BATCH_LIMIT = 64  # updates in one transaction at most
NOT_YET_PAUSE = 0.05  # seconds before trying again an update whose chat's earlier one is in flight


class _Later:
    """An update not claimed yet: an earlier update of its chat is still being handled elsewhere."""


LATER = _Later()
# The outbox rows an update wrote; None: handled elsewhere; LATER: to be tried again.
Written = list[OutboxMessage] | _Later | None


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

    async def gave_up(self, update: InboxUpdate, error: Exception) -> P:
        """What is left of the update when preparing it kept failing (the network, for minutes):
        without what could not be fetched, so that the sender can be asked to send it again."""
        ...


class Dispatcher(Generic[P]):
    """Feeds a channel's unhandled inbox rows to chat lanes until cancelled; `wake()` after recording.

    `transient` tells the errors of the channel's network (a photo download) worth trying again:
    they are, with a growing pause, for `patience` seconds, then the handler `gave_up`. A full
    disk is waited out however long it lasts.

    `on_committed` is given the outbox rows each update's transaction wrote, once committed, so that
    the senders can take them at once instead of querying for them.

    `owns` says which chats are this process's (all, alone on the database); `in_order` makes the
    claim wait for each chat's earlier updates (needed when processes share the database).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        gate: WriteGate,
        handler: UpdateHandler[P],
        *,
        channel: str,
        transient: Callable[[Exception], bool] = lambda error: isinstance(
            error, OSError | TimeoutError
        ),
        on_committed: Callable[[Sequence[OutboxMessage]], None] = lambda _rows: None,
        concurrency: int = 16,
        poll_interval: float = 2.0,
        patience: float = PATIENCE,
        batch_limit: int = BATCH_LIMIT,
        owns: Callable[[str], bool] | None = None,
        in_order: bool = False,
    ) -> None:
        self._sessions = sessions
        self._gate = gate
        self._handler = handler
        self._channel = channel
        self._transient = transient
        self._on_committed = on_committed
        self._slots = asyncio.Semaphore(concurrency)  # updates being prepared (downloads)
        self._patience = patience
        self._batches = _Batches(self._transaction, batch_limit, workers=gate.writers)
        self._poll_interval = poll_interval
        self._wakeup = asyncio.Event()
        self._lanes: Lanes[InboxUpdate] = Lanes(self._in_slot, "chat")
        self._window = IdWindow()
        self._stopping = False
        self._owns = owns
        self._in_order = in_order
        self.handled_count = 0

    def wake(self) -> None:
        self._wakeup.set()

    def rescan(self) -> None:
        """The chats were shared anew: the next look reads the whole inbox, at once."""
        self._window = IdWindow()
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
        await self._batches.close()

    def _unhandled(self, *columns: Any) -> Select[Any]:
        """This channel's rows not handled yet, above the window's lowest row already taken."""
        query = select(*columns).where(
            InboxUpdate.channel == self._channel, InboxUpdate.handled_at.is_(None)
        )
        lowest = self._window.lowest()
        return query if lowest is None else query.where(InboxUpdate.id > lowest)

    async def _fetch(self) -> None:
        if self._owns is not None:
            await self._fetch_owned(self._owns)
            return
        query = self._unhandled(InboxUpdate)
        snapshot = self._lanes.snapshot()
        async with self._sessions() as session:
            rows = (await session.scalars(query.order_by(InboxUpdate.id))).all()
        for row in rows:
            self._lanes.offer(row.chat_id or NO_CHAT, row.id, row)
        self._window.scanned(row.id for row in rows)
        self._lanes.forget(snapshot)

    async def _fetch_owned(self, owns: Callable[[str], bool]) -> None:
        """The pending rows' chats first, then only the rows of this process's chats in full."""
        query = self._unhandled(InboxUpdate.id, InboxUpdate.chat_id)
        snapshot = self._lanes.snapshot()
        async with self._sessions() as session:
            pending = (await session.execute(query.order_by(InboxUpdate.id))).all()
            wanted = [
                row.id
                for row in pending
                if owns(row.chat_id or NO_CHAT) and not self._lanes.knows(row.id)
            ]
            rows = (
                (
                    await session.scalars(
                        select(InboxUpdate)
                        .where(InboxUpdate.id.in_(wanted))
                        .order_by(InboxUpdate.id)
                    )
                ).all()
                if wanted
                else []
            )
        for row in rows:
            self._lanes.offer(row.chat_id or NO_CHAT, row.id, row)
        self._window.scanned(row.id for row in pending)
        self._lanes.forget(snapshot)

    async def _in_slot(self, row: InboxUpdate) -> Verdict:
        if self._owns is not None and not self._owns(row.chat_id or NO_CHAT):
            return Verdict.RELEASE  # another process has this chat now
        if await self._handle_one(row):
            return Verdict.DONE
        await asyncio.sleep(NOT_YET_PAUSE)
        return Verdict.AGAIN

    async def _handle_one(self, row: InboxUpdate) -> bool:
        """Handles one update; False when it must wait for an earlier one of its chat."""
        prepared: P | None = None
        written: Written = None
        try:
            prepared = await self._prepare(row)
            written = await self._batches.run(_Job(row, prepared))
        except Exception:
            log.exception("update %s (chat %s) could not be handled", row.update_id, row.chat_id)
            written = [] if await self._set_aside(row, traceback.format_exc()) else None
        if isinstance(written, _Later):
            return False
        if written is not None:
            self.handled_count += 1
            self._on_committed(written)
        if prepared is not None:
            try:
                await self._handler.handled(row, prepared)
            except Exception:
                log.exception("after update %s", row.update_id)
        return True

    async def _prepare(self, row: InboxUpdate) -> P:
        """Network failures while preparing are waited out (the slot is let go meanwhile)."""
        deadline = time.monotonic() + self._patience
        for attempt in itertools.count(1):
            try:
                async with self._slots:
                    return await self._handler.prepare(row)
            except Exception as error:
                if not (self._transient(error) or is_disk_full(error)):
                    raise
                left = deadline - time.monotonic()
                if left <= 0 and not is_disk_full(error):
                    log.warning(
                        "update %s: %s; given up after %d tries", row.update_id, error, attempt
                    )
                    return await self._handler.gave_up(row, error)
                (log.warning if attempt == 1 else log.info)(
                    "update %s: %s; trying again", row.update_id, error
                )
                pause = min(0.5 * 2 ** min(attempt, 6), 30.0)
                await asyncio.sleep(pause if is_disk_full(error) else min(pause, max(left, 0.05)))
        raise AssertionError("unreachable")

    async def _transaction(self, jobs: Sequence[_Job[P]]) -> list[Written]:
        """Handles `jobs` in one transaction (again after a pause when the database is busy)."""
        first = jobs[0].row.update_id
        what = f"handling update {first}" + (f" and {len(jobs) - 1} more" if len(jobs) > 1 else "")
        return await with_retries(lambda: self._in_transaction(jobs), what=what)

    async def _in_transaction(self, jobs: Sequence[_Job[P]]) -> list[Written]:
        """For each job, the outbox rows it wrote, None when another run had handled it, or
        LATER when an earlier update of its chat is still in flight elsewhere.

        The rows are noted as the session makes them persistent (the session itself keeps only weak
        references to them), flushed job after job so that each row is put down to its own job, or
        as `insert_replies` writes them (`written_rows`).
        """
        written: list[Written] = []

        def note(_session: Session, item: object) -> None:
            mine = written[-1] if written else None
            if isinstance(item, OutboxMessage) and isinstance(mine, list):
                mine.append(item)

        async with self._gate.turn(), self._sessions.begin() as session:
            event.listen(session.sync_session, "pending_to_persistent", note)
            ids = [job.row.id for job in jobs]
            claimed = await (_claim_in_order if self._in_order else _claim)(session, ids)
            later = (
                await _unhandled(session, [i for i in ids if i not in claimed])
                if self._in_order and len(claimed) < len(ids)
                else set()
            )
            for job in jobs:
                if job.row.id not in claimed:
                    written.append(LATER if job.row.id in later else None)
                    continue
                rows: list[OutboxMessage] = []
                written.append(rows)
                await self._handler.handle(session, job.row, job.prepared)
                await session.flush()
                rows += written_rows(session)
        return [
            rows if not isinstance(rows, list) else sorted(rows, key=lambda r: r.id)
            for rows in written
        ]

    async def _set_aside(self, row: InboxUpdate, error: str) -> bool:
        """A failing update is marked with its error, so that it does not fail again and again."""

        async def mark() -> bool:
            async with self._gate.turn(), self._sessions.begin() as session:
                claimed = bool(await _claim(session, [row.id]))
                if claimed:
                    await session.execute(
                        update(InboxUpdate)
                        .where(InboxUpdate.id == row.id)
                        .values(error=error[-4000:])
                    )
                return claimed

        return await with_retries(mark, what="setting an update aside")


async def _claim(session: AsyncSession, inbox_ids: Sequence[int]) -> set[int]:
    """Marks the rows as handled, where no one had yet; the ids this transaction claimed."""
    result = await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.id.in_(inbox_ids), InboxUpdate.handled_at.is_(None))
        .values(handled_at=utcnow())
        .returning(InboxUpdate.id)
        .execution_options(synchronize_session=False)
    )
    return set(result.scalars())


_EARLIER = aliased(InboxUpdate)


async def _claim_in_order(session: AsyncSession, inbox_ids: Sequence[int]) -> set[int]:
    """Like `_claim`, for the rows whose chat has no earlier row left unhandled (as committed)."""
    earlier = exists().where(
        _EARLIER.channel == InboxUpdate.channel,
        _EARLIER.chat_id == InboxUpdate.chat_id,
        _EARLIER.handled_at.is_(None),
        _EARLIER.id < InboxUpdate.id,
    )
    result = await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.id.in_(inbox_ids), InboxUpdate.handled_at.is_(None), ~earlier)
        .values(handled_at=utcnow())
        .returning(InboxUpdate.id)
        .execution_options(synchronize_session=False)
    )
    return set(result.scalars())


async def _unhandled(session: AsyncSession, inbox_ids: Sequence[int]) -> set[int]:
    result = await session.scalars(
        select(InboxUpdate.id).where(
            InboxUpdate.id.in_(inbox_ids), InboxUpdate.handled_at.is_(None)
        )
    )
    return set(result)


@dataclass(eq=False)
class _Job(Generic[P]):
    """One prepared update waiting for its transaction, and the future its lane awaits."""

    row: InboxUpdate
    prepared: P
    done: asyncio.Future[Written] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class _Batches(Generic[P]):
    """Gathers the jobs that lanes hand in and runs them, a batch per transaction, up to `workers`
    batches at a time (one on SQLite; on PostgreSQL a few, whose round trips overlap: a lane has one
    job in flight, so two batches never hold the same chat).

    A job's lane waits for its result. A batch that fails is run again one job per transaction: the
    failing job gets its own error, the others their results.
    """

    def __init__(
        self,
        transaction: Callable[[Sequence[_Job[P]]], Awaitable[list[Written]]],
        limit: int,
        *,
        workers: int = 1,
    ) -> None:
        self._transaction = transaction
        self._limit = limit
        self._most = workers
        self._waiting: list[_Job[P]] = []
        self._workers: set[asyncio.Task[None]] = set()

    async def run(self, job: _Job[P]) -> Written:
        self._waiting.append(job)
        # A worker that found nothing more to do has returned (done) already; the others take
        # this job when their batch is over.
        self._workers = {worker for worker in self._workers if not worker.done()}
        if len(self._workers) < self._most:
            self._workers.add(asyncio.create_task(self._work(), name="dispatcher-batches"))
        return await job.done

    async def close(self) -> None:
        """Cancels the batches at hand, if any: their transactions roll back (the lanes were
        drained first, so this is only what outlived their grace period)."""
        workers = list(self._workers)
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    async def _work(self) -> None:
        jobs: list[_Job[P]] = []
        try:
            while self._waiting:
                await asyncio.sleep(0)  # lanes made ready by the last batch join this one
                jobs, self._waiting = self._waiting[: self._limit], self._waiting[self._limit :]
                if jobs:  # another worker may have taken them meanwhile
                    await self._run(jobs)
        except BaseException:
            for job in [*jobs, *self._waiting]:
                job.done.cancel()
            self._waiting = []
            raise

    async def _run(self, jobs: list[_Job[P]]) -> None:
        try:
            results = await self._transaction(jobs)
        except Exception as error:
            if len(jobs) == 1:
                _settle(jobs[0], error=error)
                return
            log.info("a batch of %d updates failed (%s): one by one", len(jobs), error)
            for job in jobs:
                await self._run([job])
            return
        for job, written in zip(jobs, results, strict=True):
            _settle(job, written=written)


def _settle(job: _Job[P], *, written: Written = None, error: Exception | None = None) -> None:
    if job.done.done():  # its lane was cancelled
        return
    if error is not None:
        job.done.set_exception(error)
    else:
        job.done.set_result(written)
