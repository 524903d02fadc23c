"""Taking turns to write: SQLite has one writer at a time, so the process's writers queue here.

Without it, concurrent transactions spin on SQLite's file lock (sleeping up to 100 ms per try);
an asyncio lock hands the turn over at once. PostgreSQL locks rows itself: the gate is open.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

from bot.storage.database import is_sqlite

log = logging.getLogger(__name__)
T = TypeVar("T")
CONCURRENT_WRITERS = 3  # PostgreSQL: batches of different chats in flight at once, per process
DISK_FULL_PAUSE = 10.0  # seconds at most between two tries while the disk is full
DISK_FULL_OVER = 60.0  # seconds without the error after which a full-disk episode is over


class WriteGate:
    """One writer at a time on SQLite; no limit on PostgreSQL."""

    def __init__(self, database_url: str) -> None:
        self._lock = asyncio.Lock() if is_sqlite(database_url) else None

    @property
    def writers(self) -> int:
        """How many transactions of the process are worth running at once (`Dispatcher`'s batches):
        one on SQLite; on PostgreSQL a few, so that one's round trips overlap another's."""
        return 1 if self._lock is not None else CONCURRENT_WRITERS

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
    """Runs `work`, again after a pause when the database is busy (another process holds it).

    A full disk is waited out however long it lasts, trying again every few seconds: said once
    in the log when it starts, once when it ends.
    """
    busy = 0
    while True:
        try:
            result = await work()
        except Exception as error:
            if is_disk_full(error):
                await _disk.wait(what, error)
                continue
            busy += 1
            if not isinstance(error, OperationalError) or busy >= attempts:
                raise
            if not _is_transient(error):
                raise
            log.warning("database busy during %s, retrying (%s)", what, error.orig)
            await asyncio.sleep(min(0.05 * 2**busy, 2.0))
            continue
        _disk.fine()
        return result


def is_disk_full(error: BaseException) -> bool:
    """SQLite's SQLITE_FULL (or SQLITE_IOERR, what a write to a full disk may also give),
    PostgreSQL's disk_full (53100), or ENOSPC/EDQUOT from a file."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if not isinstance(error, DBAPIError):
        return False
    orig = error.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR):
        return True
    if getattr(orig, "sqlstate", None) == "53100" or getattr(orig, "pgcode", None) == "53100":
        return True
    text = str(orig).lower()
    return "disk is full" in text or "no space left on device" in text


class _DiskWatch:
    """The full-disk episode in course, logged when it starts and once it is over (a minute
    without the error: reads go on working while writes fail, and must not end it)."""

    def __init__(self) -> None:
        self.since: float | None = None
        self.last = 0.0
        self.tries = 0

    async def wait(self, what: str, error: BaseException) -> None:
        now = time.monotonic()
        if self.since is None:
            self.since = now
            reason = getattr(error, "orig", error)  # not the statement: it holds customers' words
            log.error("disk full (%s, during %s): waiting for space, trying again", reason, what)
        self.last = now
        self.tries += 1
        await asyncio.sleep(min(0.5 * 2 ** min(self.tries, 6), DISK_FULL_PAUSE))

    def fine(self) -> None:
        if self.since is not None and time.monotonic() - self.last > DISK_FULL_OVER:
            log.warning("disk space is back (full for %.0f s)", self.last - self.since)
            self.since, self.tries = None, 0


_disk = _DiskWatch()


def _is_transient(error: OperationalError) -> bool:
    text = str(error.orig).lower()
    return any(
        word in text for word in ("locked", "busy", "deadlock", "could not serialize", "connection")
    )
