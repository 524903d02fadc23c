"""Benchmark: the Telegram channel through the loopback Bot API server of the tests.

In one run, on this machine, each bot in a child process polling the same in-process fake server:

1. Throughput. The same backlog of customers' updates (each customer follows a four-message script)
   is handled by returnbot's runner (`bot.telegram.app.serve`, real engine, SQLite) and by a bare
   python-telegram-bot echo bot (Application + MessageHandler replying with the text). An update
   counts as handled when its state change and replies are committed (returnbot) or its echo is sent
   (echo bot). Reported as updates/s and as a ratio (target ≥ 0.8), with each bot's CPU ms and SQL
   statements per update (`bench/probe.py`), steadier than updates/s on a loaded machine.
2. Latency. Updates arrive at a steady rate (100/s); p50/p99 time from an update's arrival at the
   server to its first reply there. Telegram's 30 messages/s would make any queue grow at that rate,
   so this run lifts the overall pacing (per-chat pacing stays).
3. Memory. The bot's RSS (now and peak) after serving a steady load on a database that already
   holds 10,000 conversations with their history.

    .venv/bin/python bench/telegram_throughput.py [--customers 500] [--rate 100] [--seconds 10]
                                                  [--conversations 10000]
    (--seconds 0: no latency measure; --conversations 0: no memory measure)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.probe import cpu_seconds, statements  # noqa: E402
from bot.storage.database import open_database  # noqa: E402
from bot.storage.migrate import upgrade_database  # noqa: E402
from bot.storage.models import Conversation, Customer, InboxUpdate, OutboxMessage  # noqa: E402
from tests.bot.telegram.fake_bot_api import FakeBotApi  # noqa: E402

SCRIPT = ("bonjour", "c'est trop petit", "euh", "je reviens plus tard")

_RETURNBOT = """
import asyncio, os
from bench.probe import install
install()
from bot.config import load_settings
from bot.telegram.app import Tuning, serve
from bot.channels.pacing import Limits
limits = Limits(overall_per_second=int(os.environ["BENCH_OVERALL_PER_SECOND"]))
asyncio.run(serve(load_settings(), tuning=Tuning(limits=limits, poll_timeout=10)))
"""

_ECHO = """
import os
from telegram.ext import Application, MessageHandler, filters
base = os.environ["TELEGRAM_API_BASE_URL"]

async def echo(update, context):
    await update.message.reply_text(update.message.text)

app = (Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"])
       .base_url(base + "/bot").base_file_url(base + "/file/bot").build())
app.add_handler(MessageHandler(filters.TEXT, echo))
app.run_polling(timeout=10, poll_interval=0)
"""


class Child:
    """A bot in a child process, pointed at the fake server, with its own data folder."""

    def __init__(self, api: FakeBotApi, script: str, data_dir: Path, overall: int = 30) -> None:
        self.probe = data_dir / "statements"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RETURNBOT_", "TELEGRAM_"))}
        env.pop("DATABASE_URL", None)
        env.update(
            TELEGRAM_BOT_TOKEN=api.token,
            TELEGRAM_API_BASE_URL=api.base_url,
            RETURNBOT_DATA_DIR=str(data_dir),
            BENCH_OVERALL_PER_SECOND=str(overall),
            BENCH_PROBE=str(self.probe),
            PYTHONPATH=str(ROOT),
        )
        polls = len(api.calls("getUpdates"))
        self.process = subprocess.Popen(
            [sys.executable, "-c", script], env=env, cwd=data_dir, stderr=subprocess.DEVNULL
        )
        try:
            _wait(lambda: len(api.calls("getUpdates")) > polls + 1, 60)
        except BaseException:
            self.stop()
            raise

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def cost(self) -> tuple[float, int]:
        """(CPU seconds, SQL statements) so far."""
        return cpu_seconds(self.process.pid), statements(self.probe)

    def rss_mb(self) -> tuple[float, float]:
        """(current, peak) resident memory in MB, from /proc."""
        fields = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            fields[name] = value.strip()
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _wait(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("benchmark: condition not met in time")
        time.sleep(0.02)


def _handled(database: Path) -> int:
    """Inbox rows handled so far (plain sqlite3: the measuring must stay cheap)."""
    try:
        with contextlib.closing(sqlite3.connect(database, timeout=5)) as connection:
            query = "SELECT count(*) FROM inbox_updates WHERE handled_at IS NOT NULL"
            return int(connection.execute(query).fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def _backlog(api: FakeBotApi, customers: int, first_chat: int) -> int:
    for text in SCRIPT:
        for chat in range(first_chat, first_chat + customers):
            api.send_text(chat, text)
    return customers * len(SCRIPT)


@dataclass(frozen=True)
class Rate:
    """One bot on one backlog: updates/s, and its CPU and SQL statements per update."""

    per_second: float
    cpu_ms: float
    statements: float

    def __str__(self) -> str:
        return (
            f"{self.per_second:8.1f} updates/s, {self.cpu_ms:5.2f} CPU ms/update,"
            f" {self.statements:5.1f} statements/update"
        )


def throughput(customers: int, workdir: Path) -> tuple[Rate, Rate]:
    """(echo bot, returnbot) on the same backlog."""
    with FakeBotApi() as api:
        with Child(api, _ECHO, _folder(workdir, "echo")) as echo:
            total = _backlog(api, customers, 10_000)
            chats = range(10_000, 10_000 + customers)
            echo_rate = _rate(echo, total, lambda: sum(len(api.sent(c)) for c in chats) >= total)
        data = _folder(workdir, "returnbot")
        with Child(api, _RETURNBOT, data) as ours:
            total = _backlog(api, customers, 20_000)
            rate = _rate(ours, total, lambda: _handled(data / "returnbot.db") >= total)
    return echo_rate, rate


def _rate(bot: Child, total: int, done: Callable[[], bool]) -> Rate:
    """Measures `bot` from now until `done()`: `total` updates were pushed just now."""
    start, (cpu, count) = time.monotonic(), bot.cost()
    _wait(done, 600)
    seconds = time.monotonic() - start
    time.sleep(0.2)  # the probe's last report
    cpu_after, count_after = bot.cost()
    return Rate(total / seconds, (cpu_after - cpu) * 1000 / total, (count_after - count) / total)


def latency(script: str, rate: float, seconds: float, workdir: Path, name: str) -> list[float]:
    """Seconds from each update's arrival to its first reply, at a steady `rate` per second."""
    with FakeBotApi() as api, Child(api, script, _folder(workdir, name), overall=1000):
        pushed: list[tuple[int, float]] = []
        count = int(rate * seconds)
        start = time.monotonic()
        for n in range(count):
            time.sleep(max(0.0, start + n / rate - time.monotonic()))
            chat = 30_000 + n % max(1, count // 2)
            pushed.append((chat, time.monotonic()))
            api.send_text(chat, SCRIPT[n // max(1, count // 2)])
        _wait(lambda: all(_first_reply(api, chat, at) is not None for chat, at in pushed), 300)
        return [(_first_reply(api, chat, at) or at) - at for chat, at in pushed]


def _first_reply(api: FakeBotApi, chat: int, at: float) -> float | None:
    return next((sent.at for sent in api.sent(chat) if sent.at >= at), None)


def memory(conversations: int, workdir: Path) -> tuple[float, float]:
    """The bot's RSS (now, peak) in MB after a steady load over `conversations` stored ones."""
    data = _folder(workdir, "memory")
    asyncio.run(_store_conversations(data / "returnbot.db", conversations))
    with FakeBotApi() as api, Child(api, _RETURNBOT, data) as bot:
        for n in range(400):
            api.send_text(1 + n % 200, SCRIPT[n // 200])
        _wait(lambda: _handled(data / "returnbot.db") >= conversations * len(SCRIPT) + 400, 300)
        time.sleep(1)
        return bot.rss_mb()


async def _store_conversations(database: Path, count: int) -> None:
    """`count` customers halfway through the journey, each with its inbox and outbox history."""
    url = f"sqlite+aiosqlite:///{database}"
    await upgrade_database(url)
    now = datetime.now(UTC)
    async with open_database(url) as sessions, sessions.begin() as session:
        chats = [str(1_000_000 + n) for n in range(count)]
        await session.execute(
            insert(Customer),
            [{"channel": "telegram", "external_id": c, "first_name": "Client"} for c in chats],
        )
        ids = dict((await session.execute(select(Customer.external_id, Customer.id))).all())
        await session.execute(
            insert(Conversation),
            [{"channel": "telegram", "chat_id": c, "customer_id": ids[c], "state": "ask_tracking",
              "misses": 1, "context": {"reason": "size_color"}} for c in chats],
        )  # fmt: skip
        message = {"message_id": 1, "date": 0, "text": "bonjour"}
        await session.execute(
            insert(InboxUpdate),
            [{"channel": "telegram", "update_id": -(n * 10 + k) - 1, "chat_id": c, "handled_at": now,
              "payload": {"update_id": -(n * 10 + k) - 1, "message": {**message, "chat": {"id": int(c)}}}}
             for n, c in enumerate(chats) for k in range(len(SCRIPT))],
        )  # fmt: skip
        await session.execute(
            insert(OutboxMessage),
            [{"channel": "telegram", "chat_id": c, "sent_at": now,
              "payload": {"text": "Bonjour 👋 " + "x" * 300, "choices": []}}
             for c in chats for _ in range(5)],
        )  # fmt: skip


def _folder(workdir: Path, name: str) -> Path:
    path = workdir / name
    path.mkdir()
    return path


def _percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--conversations", type=int, default=10_000)
    args = parser.parse_args()
    logging.getLogger("tornado").setLevel(logging.CRITICAL)  # the fake server's shutdown noise
    with tempfile.TemporaryDirectory(prefix="rb-bench-") as folder:
        workdir = Path(folder)
        echo, ours = throughput(args.customers, workdir)
        print(
            f"throughput, {args.customers * len(SCRIPT)} updates from {args.customers} customers:"
        )
        print(f"  echo bot (bare python-telegram-bot): {echo}")
        print(f"  returnbot (engine + SQLite):         {ours}")
        print(
            f"  ratio: {ours.per_second / echo.per_second:.2f} (target >= 0.8),"
            f" CPU per update {ours.cpu_ms / echo.cpu_ms:.2f}× echo's"
        )
        runs = [("returnbot", _RETURNBOT, args.rate), ("echo bot", _ECHO, args.rate)]
        for name, script, rate in runs if args.seconds > 0 else []:
            folder = f"latency-{name.replace(' ', '-')}-{rate:.0f}"
            times = latency(script, rate, args.seconds, workdir, folder)
            print(
                f"latency at {rate:.0f} updates/s, {name}: p50 {_percentile(times, 0.5) * 1000:.0f} ms,"
                f" p99 {_percentile(times, 0.99) * 1000:.0f} ms"
            )
        if args.conversations <= 0:
            return
        now, peak = memory(args.conversations, workdir)
        print(
            f"memory with {args.conversations} stored conversations: RSS {now:.0f} MB (peak {peak:.0f} MB)"
        )


if __name__ == "__main__":
    main()
