"""The async engine and sessions: SQLite (WAL, foreign keys) by default, PostgreSQL through DATABASE_URL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.storage.inline_sqlite import PATIENT_BUSY_MS, inline_connector


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, inline: bool = False) -> AsyncEngine:
    """An engine for `url`; SQLite gets its folder created and WAL, foreign keys, a busy timeout.

    `inline`: SQLite statements run on the event loop's thread (`bot.storage.inline_sqlite`), for
    the long-running bot, whose loop would otherwise hand every statement to a thread and back.
    """
    if is_sqlite(url):
        database = make_url(url).database
        in_file = bool(database) and database != ":memory:"
        if in_file:
            _private_file(Path(str(database)))
        if inline and in_file:
            engine = create_async_engine(url, async_creator=inline_connector(str(database)))
            busy = 0
        else:
            engine = create_async_engine(url, connect_args={"timeout": 30})
            busy = PATIENT_BUSY_MS
        event.listen(engine.sync_engine, "connect", partial(_sqlite_pragmas, busy_ms=busy))
        return engine
    return create_async_engine(url, pool_pre_ping=True)


def _private_file(path: Path) -> None:
    """The database's folder (0700) and file (0600), made before SQLite makes them world-readable;
    its -wal and -shm files take the file's permissions."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, busy_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def open_database(url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Opens an engine for the length of a command and disposes of it afterwards."""
    engine = create_engine(url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()
