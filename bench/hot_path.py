"""Benchmark: what one update costs the bot's own thread, on a backlog, robust to a loaded machine.

The bot (`bot.telegram.app.serve`) runs in this process, on the event loop of the main thread;
the loopback Bot API server of the tests runs in its own thread. A backlog of customers' updates
(the four-message script of `telegram_throughput.py`) is pushed at once; measured until every
update is handled (its state and replies committed): the loop thread's CPU time per update
(`time.thread_time`, so neither the fake server nor other processes count), the SQL statements per
update (every statement the bot's engines ran, sends at 30/s included), and optionally a cProfile.

    .venv/bin/python bench/hot_path.py [--customers 300] [--database-url postgresql://…]
                                       [--profile out.prof]  # then: python -m pstats out.prof

`--until-sent` measures until every reply is sent too (with `--send-rate 1000`: each update's
sends counted with it). `--sends N` measures the sending side alone instead: N outbox rows (every other one with buttons)
over 100 chats, one lane per chat as the outbox worker has them, through the overall pacing of
`--send-rate`, by `bot.telegram.sender.TelegramDelivery` to the loopback server: the loop thread's
CPU ms per send (no database).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from bench.telegram_throughput import SCRIPT, _backlog  # noqa: E402
from bot.channels.pacing import Limits, Pacer  # noqa: E402
from bot.channels.workers import plain_dsn  # noqa: E402
from bot.cli.run import configure_logging  # noqa: E402
from bot.config import Settings, async_database_url, load_settings  # noqa: E402
from bot.storage.database import open_database  # noqa: E402
from bot.storage.models import InboxUpdate, OutboxMessage  # noqa: E402
from bot.telegram.app import Tuning, serve  # noqa: E402
from bot.telegram.client import build_bot  # noqa: E402
from bot.telegram.sender import TelegramDelivery  # noqa: E402
from tests.bot.telegram.fake_bot_api import FakeBotApi, eventually  # noqa: E402

_statements = 0
_kinds: Counter[str] = Counter()


def _counted(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
    global _statements
    _statements += 1
    _kinds[" ".join(statement.split())[:110]] += 1


def _settings(api: FakeBotApi, data: Path, **more: object) -> Settings:
    """The bot's settings pointed at the loopback Bot API, with its data in `data`."""
    return load_settings(
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_API_BASE_URL=api.base_url,
        RETURNBOT_DATA_DIR=data,
        **more,
    )


async def _measure(
    url: str,
    data: Path,
    customers: int,
    profile: Path | None,
    verbose: bool,
    send_rate: int,
    until_sent: bool = False,
) -> None:
    with FakeBotApi() as api:
        settings = _settings(api, data, DATABASE_URL=url)
        stop = asyncio.Event()
        bot = asyncio.create_task(
            serve(
                settings,
                tuning=Tuning(limits=Limits(overall_per_second=send_rate), poll_timeout=1),
                stop=stop,
            )
        )
        async with open_database(url) as sessions:

            async def handled() -> int:
                async with sessions() as session:
                    count = select(func.count()).where(InboxUpdate.handled_at.is_not(None))
                    return int(await session.scalar(count) or 0)

            async def unsent() -> int:
                async with sessions() as session:
                    count = select(func.count()).where(OutboxMessage.sent_at.is_(None))
                    return int(await session.scalar(count) or 0)

            await eventually(lambda: len(api.calls("getUpdates")) >= 2, within=120)
            await asyncio.sleep(1.0)
            profiler = cProfile.Profile(time.thread_time) if profile else None  # CPU, not wall
            _kinds.clear()
            total = _backlog(api, customers, 10_000)
            start, cpu, count = time.monotonic(), time.thread_time(), _statements
            if profiler:
                profiler.enable()
            looks = 0
            while await handled() < total:
                looks += 1
                await asyncio.sleep(0.1)
            if until_sent:  # and every reply sent: each update's sends counted with it
                while await unsent():
                    looks += 1
                    await asyncio.sleep(0.1)
            if profiler:
                profiler.disable()
            seconds, cpu = time.monotonic() - start, time.thread_time() - cpu
            count = _statements - count - looks - 1  # the measure's own looks
            async with sessions() as session:
                rows = await session.scalar(select(func.count()).select_from(OutboxMessage))
            sent = sum(len(api.sent(chat)) for chat in api.chats())
        stop.set()
        await bot
    if profiler and profile:
        profiler.dump_stats(profile)
    print(
        f"  {total} updates in {seconds:.1f} s ({total / seconds:.0f}/s wall, noisy);"
        f" bot thread {cpu * 1000 / total:.2f} CPU ms/update; {count / total:.2f} statements/update;"
        f" {rows} replies written, {sent} messages sent meanwhile"
    )
    if verbose:
        for statement, times in _kinds.most_common(15):
            print(f"    {times / total:5.2f}/update  {statement}")


async def _measure_sends(
    data: Path, sends: int, send_rate: int, profile: Path | None, chats: int = 100
) -> None:
    with FakeBotApi() as api:
        settings = _settings(api, data)
        async with build_bot(settings) as bot:
            delivery = TelegramDelivery(bot, data_dir=data)
            pacer = Pacer(
                Limits(overall_per_second=send_rate, private_per_second=1000, private_burst=1000)
            )
            choices = [["yes", "Oui"], ["no", "Non"]]
            rows = [
                OutboxMessage(
                    id=number + 1,
                    channel="telegram",
                    chat_id=str(30_000 + number % chats),
                    payload={
                        "text": f"Réponse <b>{number}</b>",
                        "choices": choices[: number % 2 * 2],
                    },
                )
                for number in range(sends)
            ]

            async def lane(chat: int) -> None:
                for row in rows[chat::chats]:
                    await pacer.wait_turn(row.chat_id)
                    await delivery.send(row)

            profiler = cProfile.Profile(time.thread_time) if profile else None
            start, cpu = time.monotonic(), time.thread_time()
            if profiler:
                profiler.enable()
            await asyncio.gather(*(lane(chat) for chat in range(chats)))
            if profiler:
                profiler.disable()
            seconds, cpu = time.monotonic() - start, time.thread_time() - cpu
        sent = sum(len(api.sent(chat)) for chat in api.chats())
    if profiler and profile:
        profiler.dump_stats(profile)
    print(
        f"  {sent} messages sent in {seconds:.1f} s ({sent / seconds:.0f}/s wall);"
        f" bot thread {cpu * 1000 / sends:.3f} CPU ms/send"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--database-url", default="", help="PostgreSQL (default: SQLite)")
    parser.add_argument("--send-rate", type=int, default=30, help="messages/s sent overall")
    parser.add_argument("--profile", type=Path, help="a cProfile of the bot thread's CPU time")
    parser.add_argument("--statements", action="store_true", help="the most frequent statements")
    parser.add_argument(
        "--until-sent", action="store_true", help="measure until every reply is sent too"
    )
    parser.add_argument("--sends", type=int, default=0, help="measure N sends alone (no database)")
    args = parser.parse_args()
    if args.sends:
        with tempfile.TemporaryDirectory(prefix="rb-hot-") as folder:
            print(f"Sends alone, {args.sends} messages at {args.send_rate}/s overall:")
            asyncio.run(_measure_sends(Path(folder), args.sends, args.send_rate, args.profile))
        return
    event.listen(Engine, "before_cursor_execute", _counted)
    with tempfile.TemporaryDirectory(prefix="rb-hot-") as folder:
        data = Path(folder)
        configure_logging(filename=data / "bot.log")  # as `returnbot run` logs: logging costs too
        if not args.database_url:
            print(f"SQLite, {args.customers} customers × {len(SCRIPT)} messages:")
            asyncio.run(
                _measure(
                    f"sqlite+aiosqlite:///{data / 'returnbot.db'}",
                    data,
                    args.customers,
                    args.profile,
                    args.statements,
                    args.send_rate,
                    args.until_sent,
                )
            )
            return
        admin, name = (
            plain_dsn(async_database_url(args.database_url)),
            f"rb_hot_{uuid.uuid4().hex[:10]}",
        )
        asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
        try:
            url = async_database_url(args.database_url).rsplit("/", 1)[0] + "/" + name
            print(f"PostgreSQL, one process, {args.customers} customers × {len(SCRIPT)} messages:")
            asyncio.run(
                _measure(
                    url,
                    data,
                    args.customers,
                    args.profile,
                    args.statements,
                    args.send_rate,
                    args.until_sent,
                )
            )
        finally:
            asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(dsn: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


if __name__ == "__main__":
    main()
