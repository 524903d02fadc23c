"""Three `returnbot run` processes on one PostgreSQL: a burst of customers, one process killed twice.

The processes share the chats and elect the one that polls and sends (`bot.channels.workers`).
Killed with SIGKILL, a process leaves its transactions to roll back and its locks to the others:
every update is still handled once, in each chat's order, and every reply arrives, none twice but
the one in flight when the sender was killed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.database import is_sqlite, open_database
from bot.storage.models import InboxUpdate, OutboxMessage
from tests.bot.telegram.fake_bot_api import FakeBotApi, eventually
from tests.bot.telegram.running import BotProcess
from tests.bot.telegram.test_app_resilience import (
    _check_every_chat,
    _progress,
    _reference,
    _send_round,
)

CUSTOMERS = range(5001, 5301)
# Telegram's 30 messages/s would make the test last a minute just sending: a local Bot API's rate.
FAST = {"RETURNBOT_TELEGRAM_MESSAGES_PER_SECOND": "1000"}
# Upper bounds only: on a loaded two-core machine a burst of 300 takes a minute or more.
PATIENCE = 240


@pytest.fixture
def workers(api: FakeBotApi, database_url: str, tmp_path: Path) -> Iterator[list[BotProcess]]:
    """Three bot processes (not started yet) on one PostgreSQL database, each with its folder."""
    if is_sqlite(database_url):
        pytest.skip("several processes share a PostgreSQL database (TEST_DATABASE_URL)")
    processes = []
    for number in range(1, 4):
        folder = tmp_path / f"worker-{number}"
        folder.mkdir()
        processes.append(BotProcess(api, folder, database_url, env=dict(FAST)))
    try:
        yield processes
    finally:
        for process in processes:
            process.ensure_stopped()


def _joined(process: BotProcess) -> bool:
    return process.log().count(" joined") >= process.starts


def _leader(processes: list[BotProcess]) -> BotProcess | None:
    leading = [p for p in processes if p.log().count(" leads ") >= p.starts]
    return leading[0] if len(leading) == 1 else None


async def _in_each_chats_order(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Each chat's updates were claimed in the order they arrived, and replied to in that order."""
    async with sessions() as session:
        inbox = (await session.scalars(select(InboxUpdate).order_by(InboxUpdate.id))).all()
        outbox = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    claimed: dict[str | None, list[object]] = defaultdict(list)
    for row in inbox:
        claimed[row.chat_id].append(row.handled_at)
    for chat, moments in claimed.items():
        assert moments == sorted(moments), f"chat {chat} handled out of order"  # type: ignore[type-var]
    answered: dict[str, list[int]] = defaultdict(list)
    for reply in outbox:
        answered[reply.chat_id].append(reply.inbox_id or 0)
    for chat, updates in answered.items():
        assert updates == sorted(updates), f"chat {chat} answered out of order"


async def test_three_workers_one_killed_twice_handle_every_update_once_in_order_and_reply_once(
    api: FakeBotApi, workers: list[BotProcess], database_url: str, tmp_path: Path
) -> None:
    reference = await _reference(tmp_path)
    total_replies = len(CUSTOMERS) * len(reference[0])
    async with open_database(database_url) as sessions:
        for process in workers:
            process.start()
        await eventually(lambda: all(_joined(p) for p in workers), within=PATIENCE)
        await eventually(lambda: _leader(workers) is not None, within=PATIENCE)
        victim = _leader(workers)
        assert victim is not None
        _send_round(api, CUSTOMERS, 0)
        _send_round(api, CUSTOMERS, 1)
        await eventually(lambda: _progress(sessions, handled=200, sent=100), within=PATIENCE)
        victim.kill()  # the leader: its polling and its sends in flight stop dead

        _send_round(api, CUSTOMERS, 2)  # another process takes the lead and polls these
        await eventually(lambda: _progress(sessions, handled=800, sent=600), within=PATIENCE)
        victim.start()
        await eventually(lambda: _joined(victim), within=PATIENCE)
        _send_round(api, CUSTOMERS, 3)  # the last burst, shared by the three again
        await eventually(lambda: _progress(sessions, handled=950), within=PATIENCE)
        victim.kill()  # again, in the middle of it

        total_updates = len(CUSTOMERS) * 4
        await eventually(
            lambda: _progress(sessions, handled=total_updates, sent=total_replies), within=PATIENCE
        )
        for process in workers:
            if process.process is not None and process.process.poll() is None:
                assert await process.stop() == 0
        await _check_every_chat(api, sessions, CUSTOMERS, reference, most_copies=2)
        await _in_each_chats_order(sessions)
