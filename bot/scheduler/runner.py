"""Running the due jobs: each claimed and run in one transaction, so it fires once.

A job is claimed by setting its `done_at` where it was still empty, in the transaction that runs
the case's event and writes what follows (the replies, the topic's notes, the next jobs): all of it
commits, or none of it and the job is still due. A job that fails is tried again later, a few
times, then set aside with its error. Nothing is kept in memory between two looks at the table.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.lifecycle import Lifecycle
from bot.channels.writes import WriteGate, with_retries
from bot.storage.base import utcnow
from bot.storage.models import ReturnCase, ScheduledJob

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
POLL_INTERVAL = 30.0  # seconds: reminders are days apart, a half-minute late is on time
Clock = Callable[[], datetime]


class Scheduler:
    """Fires the due jobs until cancelled; `run_due()` once is what tests and the console call."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        gate: WriteGate,
        lifecycle: Lifecycle,
        *,
        clock: Clock = utcnow,
        poll_interval: float = POLL_INTERVAL,
        on_committed: Callable[[], None] = lambda: None,
    ) -> None:
        self._sessions = sessions
        self._gate = gate
        self._lifecycle = lifecycle
        self._clock = clock
        self._poll_interval = poll_interval
        self._on_committed = on_committed
        self._wakeup = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        while not self._stopping:
            self._wakeup.clear()
            try:
                await self.run_due()
            except Exception:
                log.exception("scheduler: could not run the due jobs; trying again")
            try:
                await asyncio.wait_for(self._wakeup.wait(), self._poll_interval)
            except TimeoutError:
                continue

    def stop(self) -> None:
        self._stopping = True
        self._wakeup.set()

    async def run_due(self) -> int:
        """Runs every job due now, one per transaction; how many fired."""
        fired = 0
        while not self._stopping:
            now = self._clock()
            job_id = await with_retries(partial(self._next_due, now), what="reading the jobs")
            if job_id is None:
                return fired
            if await self._run_one(job_id, now):
                fired += 1
        return fired

    async def _next_due(self, now: datetime) -> int | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(ScheduledJob.id)
                .where(ScheduledJob.done_at.is_(None), ScheduledJob.due_at <= now)
                .order_by(ScheduledJob.due_at, ScheduledJob.id)
                .limit(1)
            )

    async def _run_one(self, job_id: int, now: datetime) -> bool:
        try:
            ran = await with_retries(lambda: self._in_transaction(job_id, now), what="a job")
        except Exception:
            log.exception("scheduled job %s failed", job_id)
            await with_retries(
                lambda: self._failed(job_id, traceback.format_exc(), now), what="a job's failure"
            )
            return False
        if ran:
            self._on_committed()
        return ran

    async def _in_transaction(self, job_id: int, now: datetime) -> bool:
        async with self._gate.turn(), self._sessions.begin() as session:
            claimed = await session.execute(
                update(ScheduledJob)
                .where(ScheduledJob.id == job_id, ScheduledJob.done_at.is_(None))
                .values(done_at=now)
                .returning(ScheduledJob.case_id, ScheduledJob.kind, ScheduledJob.data)
            )
            row = claimed.first()
            if row is None:  # another run took it
                return False
            case = await session.get(ReturnCase, row.case_id)
            if case is not None:
                await self._lifecycle.advance(session, case, row.kind, now=now, **_data(row.data))
            return True

    async def _failed(self, job_id: int, error: str, now: datetime) -> None:
        async with self._gate.turn(), self._sessions.begin() as session:
            job = await session.get(ScheduledJob, job_id)
            if job is None:
                return
            job.attempts += 1
            job.error = error[-4000:]
            if job.attempts >= MAX_ATTEMPTS:
                job.done_at = now  # set aside, with its error
            else:
                job.due_at = now + timedelta(minutes=2**job.attempts)


def _data(data: dict[str, Any]) -> dict[str, Any]:
    """A job's data as the lifecycle takes it (dates were stored as ISO strings)."""
    out = dict(data)
    if isinstance(out.get("due"), str):
        out["due"] = date.fromisoformat(str(out["due"]))
    return out
