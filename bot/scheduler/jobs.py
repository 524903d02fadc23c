"""Writing the scheduler's jobs, and when a case's due dates are heard of."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import ScheduledJob

PARIS = ZoneInfo("Europe/Paris")
MORNING = time(9, 0)  # reminders and alerts reach the shop at the start of its day


def morning_of(day: date) -> datetime:
    """9:00 in Paris on `day`."""
    return datetime.combine(day, MORNING, tzinfo=PARIS)


async def schedule(
    session: AsyncSession, case_id: int, kind: str, due_at: datetime, data: dict[str, Any]
) -> None:
    """Adds a job to the caller's transaction; the same case, kind and moment is scheduled once."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(ScheduledJob)
        .values(case_id=case_id, kind=kind, due_at=due_at, data=data)
        .on_conflict_do_nothing(index_elements=["case_id", "kind", "due_at"])
    )
