"""The real `returnbot run` in a child process, pointed at the loopback Bot API server."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.demo import load_demo
from bot.storage.database import open_database
from bot.storage.models import InboxUpdate, OutboxMessage
from tests.bot.telegram.fake_bot_api import FakeBotApi, eventually
from tests.helpers import ROOT


@dataclass
class BotProcess:
    """`returnbot run` as a shop owner starts it, with its own data folder and database."""

    api: FakeBotApi
    data_dir: Path
    database_url: str
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RETURNBOT_", "TELEGRAM_"))}
        env.pop("DATABASE_URL", None)
        env.update(
            TELEGRAM_BOT_TOKEN=self.api.token,
            TELEGRAM_API_BASE_URL=self.api.base_url,
            RETURNBOT_DATA_DIR=str(self.data_dir),
            DATABASE_URL=self.database_url,
            PYTHONUNBUFFERED="1",
            PYTHONPATH=str(ROOT),  # the checkout under test, whatever the installed copy
        )
        env.update(self.env)
        self.starts += 1
        log = (self.data_dir / f"bot-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            cwd=self.data_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    async def started(self) -> None:
        """Waits until this start has set the customers' command menu (the bot is up); the agents'
        and admins' menus are set with a scope, once per start too, and do not count."""

        def menus() -> int:
            return sum("scope" not in params for _, params in self.api.calls("setMyCommands"))

        await eventually(lambda: menus() >= self.starts, within=60)

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    async def stop(self, stop_signal: signal.Signals = signal.SIGTERM) -> int:
        """SIGTERM, as systemd or Docker stop it (or SIGINT: Ctrl-C); returns the exit code."""
        assert self.process is not None
        self.process.send_signal(stop_signal)
        return await asyncio.to_thread(self.process.wait, 30)

    def log(self) -> str:
        return "\n".join(
            path.read_text(errors="replace") for path in sorted(self.data_dir.glob("bot-*.log"))
        )

    def ensure_stopped(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


async def load_demo_shop(database_url: str) -> None:
    async with open_database(database_url) as sessions:
        await load_demo(sessions, date.today())


async def counts(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int, int, int]:
    """(inbox rows, handled, outbox rows, sent)."""
    async with sessions() as session:
        inbox = await session.scalar(select(func.count()).select_from(InboxUpdate))
        handled = await session.scalar(
            select(func.count()).where(InboxUpdate.handled_at.is_not(None))
        )
        outbox = await session.scalar(select(func.count()).select_from(OutboxMessage))
        sent = await session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_not(None)))
    return inbox or 0, handled or 0, outbox or 0, sent or 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
