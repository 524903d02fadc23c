"""Taking turns to write: SQLite has one writer at a time, so the process's writers queue here.

Without it, concurrent transactions spin on SQLite's file lock (sleeping up to 100 ms per try);
an asyncio lock hands the turn over at once. PostgreSQL locks rows itself: the gate is open.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.exc import OperationalError

from bot.storage.database import is_sqlite

log = logging.getLogger(__name__)
T = TypeVar("T")


class WriteGate:
    """One writer at a time on SQLite; no limit on PostgreSQL."""

    def __init__(self, database_url: str) -> None:
        self._lock = asyncio.Lock() if is_sqlite(database_url) else None

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        if self._lock is None:
            yield
            return
        async with self._lock:
            yield


async def with_retries(
    work: Callable[[], Awaitable[T]], *, attempts: int = 8, what: str = "write"
) -> T:
    """Runs `work`, again after a pause when the database is busy (another process holds it)."""
    for attempt in range(1, attempts + 1):
        try:
            return await work()
        except OperationalError as error:
            if attempt == attempts or not _is_transient(error):
                raise
            log.warning("database busy during %s, retrying (%s)", what, error.orig)
            await asyncio.sleep(min(0.05 * 2**attempt, 2.0))
    raise AssertionError("unreachable")


def _is_transient(error: OperationalError) -> bool:
    text = str(error.orig).lower()
    return any(
        word in text for word in ("locked", "busy", "deadlock", "could not serialize", "connection")
    )
