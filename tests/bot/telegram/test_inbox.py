"""The inbox: an update is committed before Telegram is told it arrived, and recorded once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.writes import WriteGate
from bot.storage.database import open_database
from bot.storage.models import InboxUpdate
from bot.telegram.client import ReturnBot
from bot.telegram.inbox import Poller, chat_of, record_updates
from tests.bot.telegram.fake_bot_api import FakeBotApi, eventually
from tests.bot.telegram.poison import DEEP, POISON
from tests.bot.telegram.running import BotProcess


async def _inbox(sessions: async_sessionmaker[AsyncSession]) -> list[InboxUpdate]:
    async with sessions() as session:
        return list((await session.scalars(select(InboxUpdate).order_by(InboxUpdate.id))).all())


async def test_polled_updates_are_recorded_then_confirmed(
    api: FakeBotApi, bot: ReturnBot, sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    woken: list[int] = []
    poller = Poller(bot, sessions, WriteGate(database_url), lambda: woken.append(1), timeout=1)
    ids = [api.send_text(41, "bonjour"), api.send_text(42, "salut"), api.send_text(41, "re")]
    task = asyncio.create_task(poller.run())
    try:

        async def all_recorded() -> bool:
            return len(await _inbox(sessions)) == 3

        await eventually(all_recorded)
        await eventually(lambda: api.confirmed_offset == ids[-1] + 1)
    finally:
        task.cancel()
    rows = await _inbox(sessions)
    assert [row.update_id for row in rows] == ids
    assert [row.chat_id for row in rows] == ["41", "42", "41"]
    assert rows[0].payload == api.update(ids[0])  # as Telegram sent it
    assert all(row.handled_at is None for row in rows)
    assert woken


async def test_an_update_sent_twice_is_recorded_once(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    update = {"update_id": 7, "message": {"message_id": 1, "date": 0, "chat": {"id": 5}}}
    gate = WriteGate(database_url)
    await record_updates(sessions, gate, [update])
    await record_updates(sessions, gate, [update, {**update, "update_id": 8}])
    assert [row.update_id for row in await _inbox(sessions)] == [7, 8]


async def test_nothing_is_confirmed_when_the_commit_fails(
    api: FakeBotApi, bot: ReturnBot, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'no-tables.db'}"
    api.send_text(41, "bonjour")
    async with open_database(url) as sessions:
        poller = Poller(bot, sessions, WriteGate(url), lambda: None, timeout=1)
        with pytest.raises(Exception, match="no such table"):
            await asyncio.wait_for(poller.run(), 10)
    assert api.confirmed_offset == 0


def test_the_chat_of_each_kind_of_update() -> None:
    chat = {"id": 9, "type": "private"}
    assert chat_of({"update_id": 1, "message": {"chat": chat}}) == "9"
    assert chat_of({"update_id": 1, "edited_message": {"chat": chat}}) == "9"
    assert chat_of({"update_id": 1, "my_chat_member": {"chat": {"id": -100}}}) == "-100"
    assert chat_of({"update_id": 1, "callback_query": {"message": {"chat": chat}}}) == "9"
    assert chat_of({"update_id": 1, "callback_query": {"from": {"id": 3}}}) == "3"
    assert chat_of({"update_id": 1, "poll": {}}) is None


async def test_updates_that_cannot_be_read_are_set_aside_and_the_bot_goes_on(
    api: FakeBotApi, bot_process: BotProcess, database_url: str
) -> None:
    bot_process.start()
    await bot_process.started()
    places = [api.push_update(content) for content in POISON]
    places.append(api.push_raw_update('{"update_id": 99, "message": ' + DEEP + "}"))
    api.send_command(31, "/aide")
    await eventually(lambda: len(api.sent(31)) == 1, within=30)
    await eventually(lambda: api.confirmed_offset > places[-1], within=30)
    async with open_database(database_url) as sessions:
        rows = [row for row in await _inbox(sessions) if row.chat_id != "31"]
    assert len(rows) == len(POISON) + 1, "each one recorded"
    assert all(row.handled_at is not None and row.error for row in rows), "each one set aside"
    assert bot_process.process is not None and bot_process.process.poll() is None

    assert await bot_process.stop() == 0  # a restart does not meet them again
    bot_process.start()
    await bot_process.started()
    api.send_command(31, "/aide")
    await eventually(lambda: len(api.sent(31)) == 2, within=30)
    async with open_database(database_url) as sessions:
        assert len(await _inbox(sessions)) == len(POISON) + 3
    assert await bot_process.stop() == 0
