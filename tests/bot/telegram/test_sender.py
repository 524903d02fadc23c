"""The sender: outbox rows reach the customer in order, through faults, and are marked as sent."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.channels import outbox
from bot.channels.outbox import OutboxWorker
from bot.channels.pacing import Limits, Pacer
from bot.channels.writes import WriteGate
from bot.storage.database import is_sqlite
from bot.storage.models import Customer, OutboxMessage
from bot.telegram.sender import ABANDONED, customer_sender
from tests.bot.telegram.fake_bot_api import FakeBotApi, Faults, eventually

FAST = Limits(overall_per_second=200, private_per_second=50, private_burst=5)


async def _queue(
    sessions: async_sessionmaker[AsyncSession], chat_id: int, payloads: Sequence[dict[str, Any]]
) -> list[OutboxMessage]:
    rows = [OutboxMessage(channel="telegram", chat_id=str(chat_id), payload=p) for p in payloads]
    async with sessions.begin() as session:
        session.add_all(rows)
    return rows


async def _outbox(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessions() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


@asynccontextmanager
async def _running(
    bot: Bot, sessions: async_sessionmaker[AsyncSession], url: str, tmp_path: Path, limits: Limits
) -> AsyncIterator[OutboxWorker]:
    sender = customer_sender(bot, sessions, WriteGate(url), data_dir=tmp_path, pacer=Pacer(limits))
    task = asyncio.create_task(sender.run())
    try:
        yield sender
    finally:
        await sender.drain(grace=2)
        task.cancel()


async def test_pending_replies_go_out_in_order_with_their_buttons(
    api: FakeBotApi, bot: Bot, sessions: async_sessionmaker[AsyncSession], database_url: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    await _queue(sessions, 11, [{"text": "Bonjour <b>Camille</b>"}, {"text": "Deux"}])
    await _queue(sessions, 12, [{"text": "Quel motif ?", "choices": [["damaged", "Cassé"], ["wrong_item", "Pas le bon article"]]}])  # fmt: skip
    async with _running(bot, sessions, database_url, tmp_path, Limits()):
        await eventually(lambda: len(api.sent(11)) == 2 and len(api.sent(12)) == 1)
        await eventually(lambda: _all_sent(sessions))
    assert [m.text for m in api.sent(11)] == ["Bonjour <b>Camille</b>", "Deux"]
    assert api.sent(11)[0].params["parse_mode"] == "HTML"
    question = api.sent(12)[0]
    outbox_id = (await _outbox(sessions))[2].id
    assert question.buttons == [
        ("Cassé", f"c:{outbox_id}:0"),
        ("Pas le bon article", f"c:{outbox_id}:1"),
    ]


async def test_every_reply_arrives_in_order_despite_429_and_502(
    api: FakeBotApi, bot: Bot, sessions: async_sessionmaker[AsyncSession], database_url: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    api.faults = Faults(share_429=0.1, retry_after=1, share_502=0.2)
    chats = range(21, 27)
    for chat in chats:
        await _queue(sessions, chat, [{"text": f"{chat} message {n}"} for n in range(5)])
    async with _running(bot, sessions, database_url, tmp_path, FAST):
        await eventually(lambda: _all_sent(sessions), within=60)
    for chat in chats:
        assert [m.text for m in api.sent(chat)] == [f"{chat} message {n}" for n in range(5)]
    rows = await _outbox(sessions)
    assert any(row.attempts > 0 for row in rows), "the faults were not exercised"


async def test_a_customer_who_blocked_the_bot_is_marked_and_no_longer_sent_to(
    api: FakeBotApi, bot: Bot, sessions: async_sessionmaker[AsyncSession], database_url: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    async with sessions.begin() as session:
        session.add_all(
            [Customer(channel="telegram", external_id=str(c), first_name="A") for c in (31, 32)]
        )
    api.block(31)
    await _queue(sessions, 31, [{"text": "un"}, {"text": "deux"}])
    await _queue(sessions, 32, [{"text": "pour 32"}])
    async with _running(bot, sessions, database_url, tmp_path, FAST) as sender:
        await eventually(lambda: len(api.sent(32)) == 1)
        await eventually(lambda: _blocked(sessions, "31"))
        await _queue(sessions, 31, [{"text": "trois"}])
        sender.wake()
        await eventually(lambda: _abandoned(sessions, 3))
    attempts = [c for c in api.calls("sendMessage") if c[1]["chat_id"] == 31]
    assert len(attempts) == 1
    assert not await _blocked(sessions, "32")


async def test_a_message_telegram_rejects_is_set_aside_and_the_next_ones_go(
    api: FakeBotApi, bot: Bot, sessions: async_sessionmaker[AsyncSession], database_url: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    await _queue(sessions, 41, [{"text": "un"}, {"text": "  "}, {"text": "trois"}])
    async with _running(bot, sessions, database_url, tmp_path, FAST):
        await eventually(lambda: len(api.sent(41)) == 2)
        await eventually(lambda: _abandoned(sessions, 1))
    assert [m.text for m in api.sent(41)] == ["un", "trois"]


async def test_a_reply_with_a_photo_or_a_document_uploads_it_with_the_text_as_caption(
    api: FakeBotApi, bot: Bot, sessions: async_sessionmaker[AsyncSession], database_url: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    image = b"\x89PNG fake image bytes"
    (tmp_path / "label.png").write_bytes(image)
    (tmp_path / "label.pdf").write_bytes(b"%PDF-1.4 label")
    await _queue(
        sessions,
        51,
        [
            {"text": "Votre photo", "photo": "label.png"},
            {"text": "Votre étiquette", "photo": None, "document": str(tmp_path / "label.pdf")},
        ],
    )
    async with _running(bot, sessions, database_url, tmp_path, FAST):
        await eventually(lambda: len(api.sent(51)) == 2)
    photo, document = api.sent(51)
    assert (photo.method, photo.text) == ("sendPhoto", "Votre photo")
    assert photo.upload_sha256 == hashlib.sha256(image).hexdigest()
    assert (document.method, document.text) == ("sendDocument", "Votre étiquette")


async def test_a_reply_offered_by_its_writer_waits_for_an_earlier_one_of_its_chat_written_elsewhere(
    api: FakeBotApi, bot: Bot, sessions: async_sessionmaker[AsyncSession], database_url: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    await _queue(sessions, 61, [{"text": "Bonjour"}])  # by the process that died, unsent
    second = await _queue(sessions, 61, [{"text": "Quel motif ?"}])  # by the new leader
    async with _running(bot, sessions, database_url, tmp_path, FAST) as sender:
        sender.offer(second)  # before its first reading of the outbox
        await eventually(lambda: len(api.sent(61)) == 2)
    assert [m.text for m in api.sent(61)] == ["Bonjour", "Quel motif ?"]


async def test_an_idle_sender_sends_an_offered_reply_without_waiting_to_gather_more_commits(
    api: FakeBotApi, bot: Bot, sessions: async_sessionmaker[AsyncSession], database_url: str,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(outbox, "COALESCE", 3600.0)  # a gathering pause would outlast the test
    await _queue(sessions, 81, [{"text": "Bonjour"}])
    async with _running(bot, sessions, database_url, tmp_path, FAST) as sender:
        await eventually(lambda: len(api.sent(81)) == 1)  # its first reading is over
        sender.offer(await _queue(sessions, 81, [{"text": "Quel motif ?"}]))
        await eventually(lambda: len(api.sent(81)) == 2)
    assert [m.text for m in api.sent(81)] == ["Bonjour", "Quel motif ?"]


async def test_a_reply_committed_late_below_the_id_window_still_goes_before_the_next_of_its_chat(
    api: FakeBotApi, bot: Bot, sessions: async_sessionmaker[AsyncSession], database_url: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    if is_sqlite(database_url):
        pytest.skip("one writer at a time on SQLite: ids commit in their order")
    async with sessions() as slow:  # another process's transaction: its id taken, not committed
        slow.add(OutboxMessage(channel="telegram", chat_id="71", payload={"text": "Bonjour"}))
        await slow.flush()
        others = range(1000, 1250)  # more rows than the window looks back, committed meanwhile
        for chat in others:
            await _queue(sessions, chat, [{"text": "Bonjour"}])
        async with _running(bot, sessions, database_url, tmp_path, FAST) as sender:
            await eventually(lambda: all(api.sent(chat) for chat in others), within=30)
            await slow.commit()
            await _queue(sessions, 71, [{"text": "Quel motif ?"}])
            sender.wake()
            await eventually(lambda: len(api.sent(71)) >= 1)
            assert api.sent(71)[0].text == "Bonjour"
            await eventually(lambda: len(api.sent(71)) == 2)
    assert [m.text for m in api.sent(71)] == ["Bonjour", "Quel motif ?"]


async def _all_sent(sessions: async_sessionmaker[AsyncSession]) -> bool:
    return all(row.sent_at is not None for row in await _outbox(sessions))


async def _abandoned(sessions: async_sessionmaker[AsyncSession], count: int) -> bool:
    rows = await _outbox(sessions)
    return sum(1 for row in rows if (row.last_error or "").startswith(ABANDONED)) == count


async def _blocked(sessions: async_sessionmaker[AsyncSession], external_id: str) -> bool:
    async with sessions() as session:
        customer = await session.scalar(select(Customer).where(Customer.external_id == external_id))
    return customer is not None and customer.blocked_at is not None
