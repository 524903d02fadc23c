"""The Bot API client: python-telegram-bot's `Bot`, pointed at `TELEGRAM_API_BASE_URL`."""

from __future__ import annotations

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.config import Settings

# Telegram holds a long poll open this long; the HTTP read timeout leaves it a margin.
POLL_TIMEOUT = 25
MAX_CONCURRENT_REQUESTS = 64


def build_bot(settings: Settings, *, poll_timeout: float = POLL_TIMEOUT) -> Bot:
    """A `Bot` whose API calls and file downloads both go to the configured base URL."""
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    base = settings.telegram_api_base_url
    return Bot(
        settings.telegram_bot_token,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=HTTPXRequest(
            connection_pool_size=MAX_CONCURRENT_REQUESTS,
            connect_timeout=10.0,
            read_timeout=20.0,
            write_timeout=30.0,
            pool_timeout=30.0,
        ),
        get_updates_request=HTTPXRequest(
            connection_pool_size=2,
            connect_timeout=10.0,
            read_timeout=poll_timeout + 10.0,
        ),
    )
