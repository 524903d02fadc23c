"""The scheduler on a database: a due job fires once, whoever runs it and however often; a failing
one is tried again, then set aside; jobs outlive the process that wrote them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.effects import Effects
from bot.cases.lifecycle import Lifecycle
from bot.channels.writes import WriteGate
from bot.scheduler.jobs import morning_of, schedule
from bot.scheduler.runner import MAX_ATTEMPTS, Scheduler
from bot.storage.database import open_database
from bot.storage.models import Customer, OutboxMessage, ReturnCase, ScheduledJob

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


async def _settled_case(sessions: async_sessionmaker[AsyncSession]) -> int:
    """A case whose replacement has shipped: its follow-up is what the scheduler sends."""
    async with sessions() as session, session.begin():
        customer = Customer(channel="telegram", external_id="4242", first_name="Camille")
        session.add(customer)
        await session.flush()
        case = ReturnCase(
            customer_id=customer.id,
            reference="R-2026-000001",
            status="replacement_shipped",  # the case as its lifecycle left it
            chosen_option="keep_and_replace",
            facts={},
        )
        session.add(case)
        await session.flush()
        await schedule(session, case.id, "follow_up", NOW - timedelta(minutes=1), {})
        await schedule(session, case.id, "follow_up", NOW - timedelta(minutes=1), {})  # once
        return case.id


def _scheduler(sessions: async_sessionmaker[AsyncSession], url: str) -> Scheduler:
    return Scheduler(
        sessions, WriteGate(url), Lifecycle(Effects(agent_chat=None)), clock=lambda: NOW
    )


async def _follow_ups(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        rows = await session.scalars(select(OutboxMessage))
        return sum(row.payload["template"] == "follow_up" for row in rows)


async def test_a_due_job_fires_once_even_with_two_schedulers_at_the_same_time(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await _settled_case(sessions)
    async with open_database(database_url) as other:
        fired = await asyncio.gather(
            _scheduler(sessions, database_url).run_due(), _scheduler(other, database_url).run_due()
        )

    assert sorted(fired) == [0, 1]
    assert await _follow_ups(sessions) == 1
    assert await _scheduler(sessions, database_url).run_due() == 0


async def test_a_job_written_before_a_restart_is_run_by_the_next_process(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    case_id = await _settled_case(sessions)
    async with open_database(database_url) as restarted:
        assert await _scheduler(restarted, database_url).run_due() == 1

    async with sessions() as session:
        case = await session.get_one(ReturnCase, case_id)
        job = (await session.scalars(select(ScheduledJob))).one()
    assert case.status == "closed" and case.followed_up_on is not None
    assert job.done_at is not None and job.error is None


async def test_a_job_not_due_yet_waits(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    case_id = await _settled_case(sessions)
    async with sessions() as session, session.begin():
        await schedule(session, case_id, "alert", morning_of(NOW.date() + timedelta(days=2)), {})

    assert await _scheduler(sessions, database_url).run_due() == 1
    async with sessions() as session:
        waiting = await session.scalar(select(func.count()).where(ScheduledJob.done_at.is_(None)))
    assert waiting == 1


async def test_a_failing_job_is_tried_again_then_set_aside_with_its_error(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    case_id = await _settled_case(sessions)
    async with sessions() as session, session.begin():
        job = (await session.scalars(select(ScheduledJob))).one()
        job.data = {"kind": "refund", "due": "not a date"}
        job.kind = "alert"
        await session.flush()
        assert job.case_id == case_id
    scheduler = _scheduler(sessions, database_url)
    moments = [NOW + timedelta(hours=hours) for hours in range(0, 24 * 7, 6)]

    for moment in moments:
        scheduler._clock = lambda at=moment: at  # type: ignore[misc]
        await scheduler.run_due()

    async with sessions() as session:
        job = (await session.scalars(select(ScheduledJob))).one()
    assert job.attempts == MAX_ATTEMPTS and job.done_at is not None
    assert job.error is not None and "not a date" in job.error
