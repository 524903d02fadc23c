"""SQLite on the event loop's thread: statements run at once, and waiting for a lock never blocks the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

from sqlalchemy import text

from bot.storage.database import create_engine, session_factory


async def test_statements_run_on_the_event_loop_thread(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}", inline=True)
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            driver._conn.create_function("thread", 0, threading.get_ident)
            thread = (await connection.execute(text("SELECT thread()"))).scalar_one()
        assert thread == threading.get_ident()
    finally:
        await engine.dispose()


async def test_a_write_waits_off_the_loop_while_another_process_holds_the_lock(
    tmp_path: Path,
) -> None:
    path = tmp_path / "inline.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}", inline=True)
    sessions = session_factory(engine)
    try:
        async with sessions.begin() as session:
            await session.execute(text("CREATE TABLE notes (body TEXT)"))
        other = sqlite3.connect(path, isolation_level=None)  # another process's import, say
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO notes VALUES ('import')")

        async def write() -> None:
            async with sessions.begin() as session:
                await session.execute(text("INSERT INTO notes VALUES ('bot')"))

        writing = asyncio.create_task(write())
        ticks = 0
        for _ in range(20):  # the loop goes on while the write waits for the lock
            await asyncio.sleep(0.01)
            ticks += 1
        assert ticks == 20 and not writing.done()
        other.execute("COMMIT")
        other.close()
        await asyncio.wait_for(writing, 10)
        async with sessions() as session:
            bodies = (await session.execute(text("SELECT body FROM notes"))).scalars().all()
        assert sorted(bodies) == ["bot", "import"]
    finally:
        await engine.dispose()
