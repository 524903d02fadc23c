"""Several bot processes on one PostgreSQL database: who is here, who leads, whose chats are whose.

Each process holds, on a connection of its own, a session advisory lock on a member slot; the
members are the slots locked in `pg_locks`. A process that dies loses its connection, hence its
locks, at once: the others see it gone at their next look (every `heartbeat` seconds) and share
its chats among themselves. The chats are shared by a hash of their id over the members present;
while the members change, two processes may both think a chat is theirs for a moment, which costs
some repeated work and nothing else (the dispatcher's claim keeps each chat's order, see
`bot.channels.dispatch`).

One of them leads, by a second advisory lock: it polls Telegram (or registers the webhook) and is
the only one to send, so that Telegram's limits (30 messages/s overall, 1/s per chat) are kept by
one in-memory pacer and each chat's messages leave one at a time, in order. A process that
takes the lead waits a few heartbeats first, long enough for a leader that lost its connection
without dying to have noticed and stopped; a leader that loses its connection stops at once,
as a crash would (`on_lost_lead`), since it can no longer prove it is the only sender.

The same connection LISTENs to the database's notices (`NOTICES`, sent by triggers when inbox
or outbox rows are inserted, migration 0006): a process wakes when another commits work for it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import zlib
from collections.abc import Callable
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from bot.storage.migrate import LOCKS, MIGRATION_LOCK

log = logging.getLogger(__name__)

__all__ = ["LOCKS", "MIGRATION_LOCK", "Workers", "share_of"]
LEADER = 0  # the second key says which lock: the lead, the migrations, or a member's slot
FIRST_SLOT, SLOTS = 16, 256  # member slots: 16 … 271
NOTICES = "returnbot"  # the LISTEN/NOTIFY channel; the payload says which table got rows
HEARTBEAT = 0.5  # seconds between two looks at the members
TAKEOVER = 4  # heartbeats a new leader waits before acting as one

_MEMBERS = f"""
SELECT objid::int FROM pg_locks
WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = {LOCKS}
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND objid::int BETWEEN {FIRST_SLOT} AND {FIRST_SLOT + SLOTS - 1}
ORDER BY 1
"""


def plain_dsn(database_url: str) -> str:
    """The asyncpg address of a `postgresql+asyncpg://` SQLAlchemy URL."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def share_of(chat: str, members: tuple[int, ...], me: int) -> bool:
    """Whether `chat` belongs to member `me` among `members` (a stable hash of the chat's id)."""
    if me not in members:
        return False
    return members[zlib.crc32(chat.encode()) % len(members)] == me


def _halt() -> None:
    """Stops the process at once, as a crash would: nothing committed is lost, nothing more is sent."""
    logging.shutdown()
    os._exit(3)


class Workers:
    """This process among the bot's processes; `run()` until cancelled."""

    def __init__(
        self,
        database_url: str,
        *,
        on_notice: Callable[[str], None] = lambda _what: None,
        on_members: Callable[[], None] = lambda: None,
        on_lost_lead: Callable[[], None] = _halt,
        heartbeat: float = HEARTBEAT,
    ) -> None:
        self._dsn = plain_dsn(database_url)
        self._on_notice = on_notice
        self._on_members = on_members
        self._on_lost_lead = on_lost_lead
        self._heartbeat = heartbeat
        self.leading = asyncio.Event()
        self.slot: int | None = None
        self.members: tuple[int, ...] = ()

    def owns(self, chat: str) -> bool:
        """Whether this process handles `chat`'s updates now (none before it has joined)."""
        return self.slot is not None and share_of(chat, self.members, self.slot)

    async def run(self) -> None:
        while True:
            try:
                connection = await asyncpg.connect(self._dsn, timeout=10)
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("workers: cannot reach PostgreSQL (%s); trying again", error)
                await asyncio.sleep(2.0)
                continue
            try:
                await self._serve(connection)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                if self.leading.is_set():
                    log.critical("workers: lost the lead's connection (%s); stopping", error)
                    self._on_lost_lead()
                    return
                log.warning("workers: lost the connection (%s); joining again", error)
                self.slot = None
                await asyncio.sleep(1.0)
            finally:
                await _close(connection)

    async def _serve(self, connection: asyncpg.Connection) -> None:
        await connection.add_listener(NOTICES, self._heard)
        self.slot = await self._take_slot(connection)
        log.info("worker %d joined", self.slot)
        waited: int | None = None
        while True:
            timeout = max(2 * self._heartbeat, 1.0)
            if not self.leading.is_set():
                if waited is None and await connection.fetchval(
                    "SELECT pg_try_advisory_lock($1, $2)", LOCKS, LEADER, timeout=timeout
                ):
                    waited = 0
                elif waited is not None:
                    waited += 1
                    if waited >= TAKEOVER:
                        log.info("worker %d leads (polls and sends)", self.slot)
                        self.leading.set()
            rows = await connection.fetch(_MEMBERS, timeout=timeout)
            members = tuple(int(row[0]) for row in rows)
            if members != self.members:
                log.info("workers present: %s (this one: %d)", list(members), self.slot)
                self.members = members
                self._on_members()
            await asyncio.sleep(self._heartbeat)

    async def _take_slot(self, connection: asyncpg.Connection) -> int:
        for slot in range(FIRST_SLOT, FIRST_SLOT + SLOTS):
            if await connection.fetchval("SELECT pg_try_advisory_lock($1, $2)", LOCKS, slot):
                return slot
        raise RuntimeError(f"more than {SLOTS} bot processes on one database")

    def _heard(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        self._on_notice(payload)


async def _close(connection: asyncpg.Connection) -> None:
    try:
        await asyncio.wait_for(connection.close(), 2.0)
    except Exception:  # already broken: nothing to give back
        connection.terminate()
