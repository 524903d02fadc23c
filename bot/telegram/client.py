"""The Bot API client: python-telegram-bot's `Bot`, pointed at `TELEGRAM_API_BASE_URL`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from telegram import Bot
from telegram.error import TelegramError
from telegram.request import HTTPXRequest

from bot.config import Settings
from bot.telegram import raw

# Telegram holds a long poll open this long; the HTTP read timeout leaves it a margin.
POLL_TIMEOUT = 25
# Sends are paced (30/s) and photo downloads take 16 at a time: more connections would only cost
# CPU (httpcore looks over its whole pool, twice nested, at every request).
MAX_CONCURRENT_REQUESTS = 20


class ReturnBot(Bot):
    """PTB's `Bot`, which also fetches updates as Telegram's own JSON.

    The inbox records an update exactly as Telegram sent it, and it is read into PTB's objects once,
    when it is handled: no parsing on the way in only to turn the objects back into JSON.
    """

    async def get_update_payloads(
        self,
        *,
        offset: int | None,
        timeout: int,  # noqa: ASYNC109 (Telegram's long-polling parameter)
        allowed_updates: Sequence[str],
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """getUpdates, as `Bot.get_updates` calls it (its HTTP client, its read timeout), unparsed."""
        data = {
            "offset": offset,
            "limit": limit,
            "timeout": timeout,
            "allowed_updates": list(allowed_updates),
        }
        read_timeout = (self._request[0].read_timeout or 0) + timeout
        result = await self._post("getUpdates", data, read_timeout=read_timeout)
        if not isinstance(result, list):
            raise TelegramError(f"getUpdates answered {type(result).__name__}, not a list")
        return cast(list[dict[str, Any]], result)


class _UpdatesRequest(HTTPXRequest):
    """getUpdates' HTTP client: an answer nested too deep for `json` is cut, not an exception."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        try:
            return cast(dict[str, Any], raw.loads(payload))
        except ValueError as error:
            raise TelegramError("Invalid server response") from error


def build_bot(settings: Settings, *, poll_timeout: float = POLL_TIMEOUT) -> ReturnBot:
    """A `Bot` whose API calls and file downloads both go to the configured base URL."""
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    base = settings.telegram_api_base_url
    return ReturnBot(
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
        get_updates_request=_UpdatesRequest(
            connection_pool_size=2,
            connect_timeout=10.0,
            read_timeout=poll_timeout + 10.0,
        ),
    )
