"""Fixtures of the Telegram tests: the loopback Bot API server and a client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.telegram.client import ReturnBot, build_bot
from tests.bot.telegram.fake_bot_api import FakeBotApi
from tests.bot.telegram.running import BotProcess


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.fixture
def settings(api: FakeBotApi, tmp_path: Path) -> Settings:
    return load_settings(
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_API_BASE_URL=api.base_url,
        RETURNBOT_DATA_DIR=tmp_path,
    )


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[ReturnBot]:
    async with build_bot(settings, poll_timeout=1) as client:
        yield client


@pytest.fixture
def bot_process(api: FakeBotApi, database_url: str, tmp_path: Path) -> Iterator[BotProcess]:
    """The real `returnbot run` (not started yet), with its data folder and database."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    process = BotProcess(api, data_dir, database_url)
    try:
        yield process
    finally:
        process.ensure_stopped()
