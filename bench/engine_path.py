"""Benchmark: the conversation engine alone on its storage path, without Telegram or sends.

The four-message script of `telegram_throughput.py` for each customer, run through
`ConversationEngine.handle_in` in transactions of 64 chats (as the dispatcher batches them):
CPU ms per event on this thread, SQL statements and unit-of-work flushes per event.

    .venv/bin/python bench/engine_path.py [--customers 400] [--database-url postgresql://…] [--statements]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, update  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.hot_path import _admin  # noqa: E402
from bench.telegram_throughput import SCRIPT  # noqa: E402
from bot.channels.events import Sender, TextIn  # noqa: E402
from bot.channels.workers import plain_dsn  # noqa: E402
from bot.config import async_database_url  # noqa: E402
from bot.conversation.engine import ConversationEngine  # noqa: E402
from bot.storage.database import create_engine, session_factory  # noqa: E402
from bot.storage.migrate import upgrade_database  # noqa: E402
from bot.storage.models import InboxUpdate  # noqa: E402

BATCH = 64
_kinds: Counter[str] = Counter()
_flushes = 0


def _counted(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
    _kinds[" ".join(statement.split())[:110]] += 1


def _flushed(_session: Session, _context: object) -> None:
    global _flushes
    _flushes += 1


async def _measure(url: str, customers: int, verbose: bool) -> None:
    global _flushes
    await upgrade_database(url)
    engine = create_engine(url, inline=True)
    sessions = session_factory(engine)
    conversations = ConversationEngine(sessions)
    _kinds.clear()
    _flushes = 0
    events, transactions, cpu = 0, 0, time.thread_time()
    for text in SCRIPT:
        for first in range(0, customers, BATCH):
            async with sessions.begin() as session:
                # The dispatcher's claim: the transaction writes before the engine reads.
                claim = update(InboxUpdate).where(InboxUpdate.id == -1).values(error=None)
                await session.execute(claim)
                transactions += 1
                for chat in map(str, range(10_000 + first, 10_000 + min(customers, first + BATCH))):
                    await conversations.handle_in(
                        session, Sender("telegram", chat, chat), TextIn(text)
                    )
                    await session.flush()
                    events += 1
    cpu = time.thread_time() - cpu
    await engine.dispose()
    statements = sum(_kinds.values()) - transactions
    print(
        f"  {events} events: {cpu * 1000 / events:.2f} CPU ms/event;"
        f" {statements / events:.2f} statements/event; {_flushes / events:.2f} flushes/event"
    )
    if verbose:
        for statement, times in _kinds.most_common(15):
            print(f"    {times / events:5.2f}/event  {statement}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--database-url", default="", help="PostgreSQL (default: SQLite)")
    parser.add_argument("--statements", action="store_true", help="the most frequent statements")
    args = parser.parse_args()
    event.listen(Engine, "before_cursor_execute", _counted)
    event.listen(Session, "after_flush", _flushed)
    if not args.database_url:
        with tempfile.TemporaryDirectory(prefix="rb-engine-") as folder:
            print(f"SQLite, {args.customers} customers × {len(SCRIPT)} messages:")
            url = f"sqlite+aiosqlite:///{Path(folder) / 'returnbot.db'}"
            asyncio.run(_measure(url, args.customers, args.statements))
        return
    admin = plain_dsn(async_database_url(args.database_url))
    name = f"rb_engine_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        url = async_database_url(args.database_url).rsplit("/", 1)[0] + "/" + name
        print(f"PostgreSQL, {args.customers} customers × {len(SCRIPT)} messages:")
        asyncio.run(_measure(url, args.customers, args.statements))
    finally:
        asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
