"""SQLite statements run on the event loop's own thread, handed to a thread only when they must wait.

aiosqlite runs every statement in a worker thread and wakes the event loop with its result: a
hand-off per statement, and the loop's other work (polling, sending) queues in between. A statement
on a local SQLite file takes microseconds, so the bot runs it at once on the loop's thread instead.
Waiting is the one thing it must never do there: the connection's busy timeout is 0, and a
statement that finds the database locked by another process (a command-line import, say) is run
again in the worker thread, with the usual patient busy timeout, while the loop goes on.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

PATIENT_BUSY_MS = 30_000


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection that runs statements inline unless the database is locked."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or self._connection is None:
            return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as error:
            if not is_locked(error):
                raise
        log.debug("database locked by another connection: waiting off the event loop")
        return await super()._execute(  # type: ignore[no-untyped-call]
            _patiently, self._connection, fn, args, kwargs
        )


def is_locked(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) in (
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
    ) or "locked" in str(error)


def _patiently(
    connection: sqlite3.Connection,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    connection.execute(f"PRAGMA busy_timeout={PATIENT_BUSY_MS}")
    try:
        return fn(*args, **kwargs)
    finally:
        connection.execute("PRAGMA busy_timeout=0")


def inline_connector(database: str) -> Callable[[], Any]:
    """SQLAlchemy's `async_creator` for `database`: an `InlineConnection`, its thread a daemon."""

    async def connect() -> InlineConnection:
        def open_file() -> sqlite3.Connection:
            return sqlite3.connect(Path(database), timeout=0, check_same_thread=False)

        connection = InlineConnection(open_file, iter_chunk_size=64)
        connection._thread.daemon = True
        await connection
        return connection

    return connect
