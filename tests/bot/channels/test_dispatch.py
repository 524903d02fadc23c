"""The dispatcher: every recorded update handled exactly once, in order per chat, chats side by side."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.dispatch import Dispatcher
from bot.channels.workers import share_of
from bot.channels.writes import WriteGate
from bot.storage.models import InboxUpdate, OutboxMessage
from bot.telegram.inbox import record_updates
from tests.bot.telegram.fake_bot_api import eventually


class EchoHandler:
    """A stand-in for the conversation engine: answers each text with an outbox row."""

    def __init__(self, slow_chat: str | None = None, failing_text: str | None = None) -> None:
        self.slow_chat = slow_chat
        self.failing_text = failing_text
        self.seen: list[tuple[str | None, str]] = []
        self.after: list[int] = []

    async def prepare(self, update: InboxUpdate) -> str:
        if update.chat_id == self.slow_chat:
            await asyncio.sleep(0.5)
        return str(update.payload["message"]["text"])

    async def handle(self, session: AsyncSession, update: InboxUpdate, prepared: str) -> None:
        session.add(
            OutboxMessage(
                channel="telegram",
                chat_id=update.chat_id or "",
                payload={"text": f"écho : {prepared}"},
                inbox_id=update.id,
            )
        )
        await session.flush()
        if prepared == self.failing_text:
            raise RuntimeError("the engine failed")
        self.seen.append((update.chat_id, prepared))

    async def handled(self, update: InboxUpdate, prepared: str) -> None:
        self.after.append(update.update_id)

    async def gave_up(self, update: InboxUpdate, error: Exception) -> str:
        return "(rien)"


async def _updates(
    sessions: async_sessionmaker[AsyncSession], database_url: str, *messages: tuple[int, str]
) -> None:
    await record_updates(
        sessions,
        WriteGate(database_url),
        [
            {
                "update_id": n,
                "message": {"message_id": n, "date": 0, "chat": {"id": chat}, "text": text},
            }
            for n, (chat, text) in enumerate(messages, start=100)
        ],
    )


@asynccontextmanager
async def _dispatching(
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    handler: EchoHandler,
    on_committed: Callable[[Sequence[OutboxMessage]], None] = lambda _rows: None,
) -> AsyncIterator[Dispatcher[str]]:
    dispatcher = Dispatcher(
        sessions, WriteGate(database_url), handler, channel="telegram", on_committed=on_committed
    )
    task = asyncio.create_task(dispatcher.run())
    try:
        yield dispatcher
    finally:
        await dispatcher.drain(grace=2)
        task.cancel()


async def _rows(sessions: async_sessionmaker[AsyncSession]) -> list[InboxUpdate]:
    async with sessions() as session:
        return list((await session.scalars(select(InboxUpdate).order_by(InboxUpdate.id))).all())


async def _outbox_texts(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [row.payload["text"] for row in rows]


async def _all_handled(sessions: async_sessionmaker[AsyncSession]) -> bool:
    return all(row.handled_at is not None for row in await _rows(sessions))


async def test_updates_left_by_a_crash_are_handled_once_in_order_per_chat(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await _updates(sessions, database_url, (1, "a1"), (2, "b1"), (1, "a2"), (2, "b2"), (1, "a3"))
    handler = EchoHandler()
    async with _dispatching(sessions, database_url, handler):
        await eventually(lambda: _all_handled(sessions))
    assert [text for chat, text in handler.seen if chat == "1"] == ["a1", "a2", "a3"]
    assert [text for chat, text in handler.seen if chat == "2"] == ["b1", "b2"]
    assert sorted(await _outbox_texts(sessions)) == sorted(
        f"écho : {t}" for t in ("a1", "b1", "a2", "b2", "a3")
    )
    async with _dispatching(sessions, database_url, handler):  # a restart handles nothing again
        await asyncio.sleep(0.2)
    assert len(handler.seen) == 5


async def test_a_slow_chat_does_not_hold_up_the_others(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await _updates(sessions, database_url, (1, "lent"), (2, "rapide"))
    handler = EchoHandler(slow_chat="1")
    async with _dispatching(sessions, database_url, handler):
        await eventually(lambda: _all_handled(sessions))
    assert [text for _chat, text in handler.seen] == ["rapide", "lent"]


async def test_a_failing_update_is_set_aside_without_its_replies_and_the_chat_goes_on(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await _updates(sessions, database_url, (1, "un"), (1, "boum"), (1, "trois"))
    handler = EchoHandler(failing_text="boum")
    async with _dispatching(sessions, database_url, handler):
        await eventually(lambda: _all_handled(sessions))
    assert await _outbox_texts(sessions) == ["écho : un", "écho : trois"]
    failed = [row for row in await _rows(sessions) if row.error]
    assert [row.payload["message"]["text"] for row in failed] == ["boum"]
    assert "the engine failed" in (failed[0].error or "")
    assert handler.after == [100, 101, 102]


async def test_the_outbox_rows_of_each_commit_are_handed_on_once_committed(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    committed: list[list[str]] = []

    def hand_on(rows: Sequence[OutboxMessage]) -> None:
        committed.append([row.payload["text"] for row in rows])

    handler = EchoHandler(failing_text="boum")
    await _updates(sessions, database_url, (1, "un"), (1, "boum"), (1, "deux"))
    async with _dispatching(sessions, database_url, handler, hand_on):
        await eventually(lambda: len(committed) == 3)
    assert committed == [["écho : un"], [], ["écho : deux"]]  # the failed update wrote nothing


async def test_updates_of_chats_ready_together_share_a_transaction(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await _updates(sessions, database_url, *[(chat, f"m{chat}") for chat in range(1, 41)])
    commits: list[object] = []
    count = commits.append
    bind = sessions.kw["bind"].sync_engine
    event.listen(bind, "commit", count)
    handler = EchoHandler()
    try:
        async with _dispatching(sessions, database_url, handler):
            await eventually(lambda: _all_handled(sessions))
    finally:
        event.remove(bind, "commit", count)
    assert sorted(await _outbox_texts(sessions)) == sorted(f"écho : m{c}" for c in range(1, 41))
    assert len(commits) < 10  # 40 updates, a handful of batches


async def test_a_failing_update_in_a_batch_sets_aside_only_itself(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    messages = [(chat, "boum" if chat == 7 else f"m{chat}") for chat in range(1, 21)]
    await _updates(sessions, database_url, *messages, (7, "après"))
    committed: list[str] = []
    handler = EchoHandler(failing_text="boum")

    def hand_on(rows: Sequence[OutboxMessage]) -> None:
        committed.extend(row.payload["text"] for row in rows)

    async with _dispatching(sessions, database_url, handler, hand_on):
        await eventually(lambda: _all_handled(sessions))
    expected = sorted([f"écho : m{c}" for c in range(1, 21) if c != 7] + ["écho : après"])
    assert sorted(await _outbox_texts(sessions)) == expected  # each once, none for "boum"
    assert sorted(committed) == expected
    failed = [row for row in await _rows(sessions) if row.error]
    assert [row.payload["message"]["text"] for row in failed] == ["boum"]
    assert sorted(handler.after) == list(range(100, 121))


@asynccontextmanager
async def _sharing(
    sessions: async_sessionmaker[AsyncSession],
    gate: WriteGate,
    handler: EchoHandler,
    owns: Callable[[str], bool],
) -> AsyncIterator[Dispatcher[str]]:
    """One of several processes on the database: its share of the chats, claims in order."""
    dispatcher = Dispatcher(sessions, gate, handler, channel="telegram", owns=owns, in_order=True)
    task = asyncio.create_task(dispatcher.run())
    try:
        yield dispatcher
    finally:
        await dispatcher.drain(grace=2)
        task.cancel()


def _bursts(chats: range, each: int) -> list[tuple[int, str]]:
    return [(chat, f"{chat}-{n}") for n in range(each) for chat in chats]


def _in_order_once(seen: list[tuple[str | None, str]], chats: range, each: int) -> None:
    for chat in chats:
        assert [text for c, text in seen if c == str(chat)] == [f"{chat}-{n}" for n in range(each)]


async def test_processes_sharing_the_chats_handle_each_update_once_in_order(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    chats = range(1, 31)
    await _updates(sessions, database_url, *_bursts(chats, 4))
    gate = WriteGate(database_url)  # SQLite's one writer; PostgreSQL's is open
    first, second = EchoHandler(), EchoHandler()
    async with (
        _sharing(sessions, gate, first, lambda chat: share_of(chat, (1, 2), 1)),
        _sharing(sessions, gate, second, lambda chat: share_of(chat, (1, 2), 2)),
    ):
        await eventually(lambda: _all_handled(sessions))
    assert first.seen and second.seen, "both took a share"
    assert not {chat for chat, _ in first.seen} & {chat for chat, _ in second.seen}
    _in_order_once(first.seen + second.seen, chats, 4)
    assert len(await _outbox_texts(sessions)) == 120


async def test_while_both_think_a_chat_is_theirs_each_update_is_still_handled_once_in_order(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    chats = range(1, 21)
    await _updates(sessions, database_url, *_bursts(chats, 5))
    gate = WriteGate(database_url)
    first, second = EchoHandler(), EchoHandler()
    async with (
        _sharing(sessions, gate, first, lambda _chat: True),
        _sharing(sessions, gate, second, lambda _chat: True),
    ):
        await eventually(lambda: _all_handled(sessions))
    async with sessions() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert sorted(row.inbox_id or 0 for row in rows) == [row.id for row in await _rows(sessions)]
    for chat in chats:  # committed in each chat's order
        texts = [row.payload["text"] for row in rows if row.chat_id == str(chat)]
        assert texts == [f"écho : {chat}-{n}" for n in range(5)]


async def test_an_update_waits_while_an_earlier_one_of_its_chat_is_unhandled(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    """What a process sees that took a chat over while the previous owner still handles one."""
    await _updates(sessions, database_url, (1, "un"), (1, "deux"))
    first, second = await _rows(sessions)
    handler = EchoHandler()
    dispatcher = Dispatcher(
        sessions, WriteGate(database_url), handler, channel="telegram", in_order=True
    )
    assert not await dispatcher._handle_one(second)  # not yet: "un" is still unhandled
    assert await dispatcher._handle_one(first)
    assert await dispatcher._handle_one(second)
    assert handler.seen == [("1", "un"), ("1", "deux")]
    assert await _outbox_texts(sessions) == ["écho : un", "écho : deux"]


class OverlapHandler(EchoHandler):
    """Echoes slowly, chat 2's update ready a moment after chat 1's: notes how many overlap."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.most = 0

    async def prepare(self, update: InboxUpdate) -> str:
        await asyncio.sleep(0.1 if update.chat_id == "2" else 0)
        return await super().prepare(update)

    async def handle(self, session: AsyncSession, update: InboxUpdate, prepared: str) -> None:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            await asyncio.sleep(0.3)
            await super().handle(session, update, prepared)
        finally:
            self.in_flight -= 1


async def test_on_postgresql_batches_of_different_chats_overlap_and_on_sqlite_take_turns(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await _updates(sessions, database_url, (1, "a1"), (2, "b1"), (1, "a2"), (2, "b2"))
    handler = OverlapHandler()
    async with _dispatching(sessions, database_url, handler):
        await eventually(lambda: _all_handled(sessions))

    assert handler.most == (1 if database_url.startswith("sqlite") else 2)
    assert [text for chat, text in handler.seen if chat == "1"] == ["a1", "a2"]
    assert [text for chat, text in handler.seen if chat == "2"] == ["b1", "b2"]
    assert sorted(await _outbox_texts(sessions)) == [
        "écho : a1",
        "écho : a2",
        "écho : b1",
        "écho : b2",
    ]
