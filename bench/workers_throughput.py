"""Benchmark: returnbot on PostgreSQL with 1, 2 and 3 processes, and on SQLite, against the echo bot.

In one run, through the loopback Bot API server of the tests (as `telegram_throughput.py`):
the bare python-telegram-bot echo bot, returnbot alone on SQLite, and returnbot on PostgreSQL with
1, 2 and 3 processes (`returnbot run` started N times on one database, as systemd would). For each:
updates/s on the same backlog at Telegram's 30 messages/s, with the CPU ms per update of the bots'
processes and of PostgreSQL's, and the SQL statements per update (`bench/probe.py`) (an update counts once its state and
replies are committed; the echo bot's once its echo is sent), then p50/p99 from an update's arrival to its first reply at a steady
rate (overall pacing lifted to 1000/s, as in `telegram_throughput.py`).

    .venv/bin/python bench/workers_throughput.py [--customers 500] [--rate 100] [--seconds 5]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import asyncpg

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from telegram_throughput import (  # noqa: E402
    _ECHO,
    ROOT,
    SCRIPT,
    _backlog,
    _first_reply,
    _folder,
    _handled,
    _percentile,
    _wait,
)

from bench.probe import cpu_seconds, statements  # noqa: E402
from bot.channels.workers import plain_dsn  # noqa: E402
from bot.config import async_database_url  # noqa: E402
from bot.storage.migrate import upgrade_database  # noqa: E402
from tests.bot.telegram.fake_bot_api import FakeBotApi  # noqa: E402

# `python -m bot run`, its statements counted
_RUN = [sys.executable, str(BENCH / "probe.py"), "run"]


@contextmanager
def _bots(
    api: FakeBotApi,
    command: list[str],
    data: Path,
    database_url: str | None,
    count: int,
    per_second: int = 30,
) -> Iterator[Callable[[], tuple[float, int]]]:
    """`count` bot processes on one database, ready once one polls and all have joined; yields
    what they cost so far: (CPU seconds, SQL statements), summed over the processes."""
    polls = len(api.calls("getUpdates"))
    processes = []
    for number in range(count):
        folder = data / f"p{number}"
        folder.mkdir(parents=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RETURNBOT_", "TELEGRAM_"))}
        env.pop("DATABASE_URL", None)
        env.update(
            TELEGRAM_BOT_TOKEN=api.token,
            TELEGRAM_API_BASE_URL=api.base_url,
            RETURNBOT_DATA_DIR=str(data if database_url is None else folder),
            RETURNBOT_TELEGRAM_MESSAGES_PER_SECOND=str(per_second),
            PYTHONPATH=str(ROOT),
            BENCH_PROBE=str(folder / "statements"),
        )
        if database_url is not None:
            env["DATABASE_URL"] = database_url
        log = (folder / "bot.log").open("wb")
        processes.append(
            subprocess.Popen(command, env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT)
        )
    try:
        _wait(lambda: len(api.calls("getUpdates")) > polls + 1, 180)
        time.sleep(1.0 if count > 1 else 0)  # the others have joined (heartbeat 0.5 s)
        yield lambda: (
            sum(cpu_seconds(process.pid) for process in processes),
            sum(statements(data / f"p{number}" / "statements") for number in range(count)),
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


class _Postgres:
    """A fresh, migrated database for each measure, dropped afterwards."""

    def __init__(self, url: str) -> None:
        self._admin = plain_dsn(async_database_url(url))
        self._url = async_database_url(url)
        self.names: list[str] = []
        self._loop = (
            asyncio.new_event_loop()
        )  # one connection per database, kept: measuring is cheap
        self._connections: dict[str, asyncpg.Connection] = {}

    def fresh(self) -> str:
        name = f"rb_bench_{uuid.uuid4().hex[:10]}"
        asyncio.run(self._execute(f'CREATE DATABASE "{name}"'))
        self.names.append(name)
        url = self._url.rsplit("/", 1)[0] + "/" + name
        asyncio.run(upgrade_database(url))
        return url

    def handled(self, url: str) -> int:
        async def count() -> int:
            if url not in self._connections:
                self._connections[url] = await asyncpg.connect(plain_dsn(url))
            query = "SELECT count(*) FROM inbox_updates WHERE handled_at IS NOT NULL"
            return int(await self._connections[url].fetchval(query))

        time.sleep(0.1)  # a look every ~0.1 s, as cheap as the SQLite one
        return self._loop.run_until_complete(count())

    def cpu(self, url: str) -> float:
        """CPU seconds so far of the PostgreSQL server processes connected to `url`'s database."""

        async def pids() -> list[int]:
            query = "SELECT pid FROM pg_stat_activity WHERE datname = $1"
            name = url.rsplit("/", 1)[1]
            return [row[0] for row in await self._connections[url].fetch(query, name)]

        self.handled(url)  # opens the connection
        return sum(cpu_seconds(pid) for pid in self._loop.run_until_complete(pids()))

    def drop_all(self) -> None:
        for connection in self._connections.values():
            self._loop.run_until_complete(connection.close())
        for name in self.names:
            asyncio.run(self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    async def _execute(self, statement: str) -> None:
        connection = await asyncpg.connect(self._admin)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()


@dataclass(frozen=True)
class Measure:
    """One configuration: updates/s; CPU ms per update of the bots and of PostgreSQL; statements
    per update; latency p50 and p99 in seconds."""

    per_second: float
    cpu_ms: float
    database_cpu_ms: float
    statements: float
    p50: float = 0.0
    p99: float = 0.0


def _measure(
    name: str,
    workdir: Path,
    customers: int,
    rate: float,
    seconds: float,
    pg: _Postgres | None,
    count: int,
) -> Measure:
    """One configuration; `pg` None: SQLite (or the echo bot)."""
    echo = name == "echo"
    command = [sys.executable, "-c", _ECHO] if echo else _RUN
    with FakeBotApi() as api:
        data = _folder(workdir, f"{name}-throughput")
        url = pg.fresh() if pg is not None else None
        with _bots(api, command, data, url, count) as cost:
            database_cpu = pg.cpu(url) if pg is not None and url is not None else 0.0
            cpu, executed = cost()
            start = time.monotonic()
            total = _backlog(api, customers, 10_000)
            chats = range(10_000, 10_000 + customers)
            if echo:
                done = lambda: sum(len(api.sent(c)) for c in chats) >= total  # noqa: E731
            elif url is None:
                done = lambda: _handled(data / "returnbot.db") >= total  # noqa: E731
            else:
                done = lambda: pg.handled(url) >= total  # type: ignore[union-attr]  # noqa: E731
            _wait(done, 600)
            updates_per_second = total / (time.monotonic() - start)
            time.sleep(0.2)  # the probes' last report
            cpu_after, executed_after = cost()
            database_cpu = pg.cpu(url) - database_cpu if pg is not None and url is not None else 0.0
    measure = Measure(
        updates_per_second,
        (cpu_after - cpu) * 1000 / total,
        database_cpu * 1000 / total,
        (executed_after - executed) / total,
    )
    if seconds <= 0:
        return measure
    with FakeBotApi() as api:
        data = _folder(workdir, f"{name}-latency")
        url = pg.fresh() if pg is not None else None
        with _bots(api, command, data, url, count, per_second=1000):
            pushed: list[tuple[int, float]] = []
            n_updates = int(rate * seconds)
            half = max(1, n_updates // 2)
            start = time.monotonic()
            for n in range(n_updates):
                time.sleep(max(0.0, start + n / rate - time.monotonic()))
                chat = 30_000 + n % half
                pushed.append((chat, time.monotonic()))
                api.send_text(chat, SCRIPT[n // half])
            _wait(lambda: all(_first_reply(api, c, at) is not None for c, at in pushed), 300)
            times = [(_first_reply(api, c, at) or at) - at for c, at in pushed]
    return replace(measure, p50=_percentile(times, 0.5), p99=_percentile(times, 0.99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=5.0, help="0: no latency measure")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--only", default="", help="e.g. sqlite,postgresql-1 (the echo bot always runs)"
    )
    args = parser.parse_args()
    logging.getLogger("tornado").setLevel(logging.CRITICAL)
    pg = _Postgres(args.database_url)
    runs = [
        ("echo", None, 1),
        ("sqlite", None, 1),
        ("postgresql-1", pg, 1),
        ("postgresql-2", pg, 2),
        ("postgresql-3", pg, 3),
    ]
    wanted = args.only.split(",") if args.only else [name for name, _db, _n in runs]
    results: dict[str, Measure] = {}
    print(f"{args.customers * len(SCRIPT)} updates from {args.customers} customers; "
          f"latency at {args.rate:.0f} updates/s; {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print("  (CPU ms per update: the bots' processes + PostgreSQL's, user + system)")
    try:
        with tempfile.TemporaryDirectory(prefix="rb-bench-") as folder:
            for name, database, count in runs:
                if name not in wanted and name != "echo":
                    continue
                measure = _measure(
                    name, Path(folder), args.customers, args.rate, args.seconds, database, count
                )
                results[name] = measure
                ratio = measure.per_second / results["echo"].per_second
                print(
                    f"  {name:13} {measure.per_second:7.1f} updates/s ({ratio:.2f}× echo)"
                    f"  CPU {measure.cpu_ms:5.2f} + {measure.database_cpu_ms:4.2f} ms/update"
                    f"  {measure.statements:5.1f} statements/update"
                    f"  p50 {measure.p50 * 1000:5.0f} ms  p99 {measure.p99 * 1000:5.0f} ms",
                    flush=True,
                )
    finally:
        pg.drop_all()
    if all(f"postgresql-{n}" in results for n in (1, 2, 3)):
        one = results["postgresql-1"].per_second
        print(f"  postgresql: 2 workers {results['postgresql-2'].per_second / one:.2f}× one,"
              f" 3 workers {results['postgresql-3'].per_second / one:.2f}× one")  # fmt: skip


if __name__ == "__main__":
    main()
