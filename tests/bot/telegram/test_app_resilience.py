"""`returnbot run` under stress: killed twice during a burst, and sending through 429s and 502s.

Every customer follows the same script, so the reference (the replies' templates and the final state)
comes from the engine itself on a fresh database, without Telegram in between.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation import ConversationEngine, Sender, TextIn
from bot.storage.database import open_database
from bot.storage.migrate import upgrade_database
from bot.storage.models import Conversation, InboxUpdate, OutboxMessage
from tests.bot.telegram.fake_bot_api import FakeBotApi, Faults, eventually
from tests.bot.telegram.running import BotProcess, counts

# Greeting, reason, a miss at the tracking step, "later": five replies, one miss counted.
SCRIPT = ("bonjour", "c'est trop petit", "euh", "je reviens plus tard")


async def _reference(tmp_path: Path) -> tuple[list[str], str, int]:
    """(templates replied, final state, misses) for one customer following SCRIPT."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'reference.db'}"
    await upgrade_database(url)
    async with open_database(url) as sessions:
        engine = ConversationEngine(sessions)
        customer = Sender("telegram", "1", "1", "Camille")
        templates: list[str] = []
        for text in SCRIPT:
            outcome = await engine.handle(customer, TextIn(text))
            templates += [message["template"] for message in outcome.messages]
        async with sessions() as session:
            conversation = await session.scalar(select(Conversation))
            assert conversation is not None
    return templates, conversation.state, conversation.misses


def _send_round(api: FakeBotApi, customers: range, step: int) -> None:
    for chat in customers:
        api.send_text(chat, SCRIPT[step], first_name=f"Client{chat}")


async def _progress(
    sessions: async_sessionmaker[AsyncSession], handled: int = 0, sent: int = 0
) -> bool:
    _inbox, done, _outbox, delivered = await counts(sessions)
    return done >= handled and delivered >= sent


async def _check_every_chat(
    api: FakeBotApi,
    sessions: async_sessionmaker[AsyncSession],
    customers: range,
    reference: tuple[list[str], str, int],
    *,
    most_copies: int,
) -> None:
    templates, state, misses = reference
    async with sessions() as session:
        inbox = (await session.scalars(select(InboxUpdate))).all()
        outbox = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        conversations = {c.chat_id: c for c in (await session.scalars(select(Conversation))).all()}
    assert len(inbox) == len(customers) * len(SCRIPT), "each update recorded once"
    assert all(row.handled_at is not None and row.error is None for row in inbox)
    by_chat: dict[str, list[OutboxMessage]] = defaultdict(list)
    for row in outbox:
        by_chat[row.chat_id].append(row)
    for chat in customers:
        rows = by_chat[str(chat)]
        assert [row.payload["template"] for row in rows] == templates, f"chat {chat}"
        assert all(row.sent_at is not None for row in rows)
        conversation = conversations[str(chat)]
        assert (conversation.state, conversation.misses) == (state, misses), f"chat {chat}"
        received = [sent.text for sent in api.sent(chat)]
        assert _squeezed(received) == _squeezed([row.payload["text"] for row in rows]), (
            f"chat {chat}"
        )
        assert len(received) <= len(rows) + most_copies, f"chat {chat}: {received}"


def _squeezed(texts: list[str]) -> list[str]:
    """Consecutive copies folded into one: a message resent after a crash arrives right after itself."""
    return [text for text, _copies in itertools.groupby(texts)]


async def test_killed_twice_during_a_burst_every_update_is_handled_once_and_every_reply_arrives(
    api: FakeBotApi, bot_process: BotProcess, database_url: str, tmp_path: Path
) -> None:
    reference = await _reference(tmp_path)
    customers = range(1001, 1201)
    total_replies = len(customers) * len(reference[0])
    async with open_database(database_url) as sessions:
        bot_process.start()
        await bot_process.started()
        _send_round(api, customers, 0)
        _send_round(api, customers, 1)
        await eventually(lambda: _progress(sessions, handled=150), within=60)
        bot_process.kill()

        _send_round(api, customers, 2)  # while the bot is down
        bot_process.start()
        await eventually(lambda: _progress(sessions, handled=450, sent=300), within=90)
        bot_process.kill()

        bot_process.start()
        _send_round(api, customers, 3)
        await eventually(lambda: _progress(sessions, handled=800, sent=total_replies), within=150)
        assert await bot_process.stop() == 0
        await _check_every_chat(api, sessions, customers, reference, most_copies=2)


async def test_through_429s_and_502s_every_reply_arrives_in_order(
    api: FakeBotApi, bot_process: BotProcess, database_url: str, tmp_path: Path
) -> None:
    api.faults = Faults(share_429=0.1, retry_after=1, share_502=0.2)
    reference = await _reference(tmp_path)
    customers = range(2001, 2031)
    async with open_database(database_url) as sessions:
        bot_process.start()
        await bot_process.started()
        for step in range(len(SCRIPT)):
            _send_round(api, customers, step)
        total = len(customers) * len(reference[0])
        await eventually(lambda: _progress(sessions, handled=120, sent=total), within=90)
        assert await bot_process.stop() == 0
        await _check_every_chat(api, sessions, customers, reference, most_copies=0)
    assert set(api.fault_log) == {429, 502}, "both faults were injected"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB file system of its own (tmpfs), to be filled up."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (65536, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(descriptor, b"\0" * size)
    finally:
        os.close(descriptor)
    return filler


async def test_a_full_disk_is_waited_out_logged_once_and_nothing_is_lost(
    api: FakeBotApi, tmp_path: Path, small_disk: Path
) -> None:
    data_dir = tmp_path / "data"  # the log stays off the full disk
    data_dir.mkdir()
    bot_process = BotProcess(api, data_dir, f"sqlite+aiosqlite:///{small_disk / 'returnbot.db'}")
    try:
        bot_process.start()
        await bot_process.started()
        filler = _fill(small_disk)
        customers: list[int] = []
        for round_ in range(40):  # until SQLite needs a page the disk has not got
            chats = range(3000 + 20 * round_, 3020 + 20 * round_)
            for chat in chats:
                api.send_text(chat, "bonjour " + "x" * 3000)
            customers += chats
            with contextlib.suppress(AssertionError):
                await eventually(lambda: "disk full" in bot_process.log(), within=1)
                break
        assert "disk full" in bot_process.log()
        filler.unlink()
        await eventually(lambda: all(api.sent(chat) for chat in customers), within=120)
        assert bot_process.log().count("disk full") == 1, "logged once"
        assert await bot_process.stop() == 0
    finally:
        bot_process.ensure_stopped()
