"""The Bot API client: python-telegram-bot's `Bot`, pointed at `TELEGRAM_API_BASE_URL`.

Three HTTP clients: long polling (PTB's, 2 connections); the sends and a tap's answers, posted as
prepared JSON (`ReturnBot.call`) by `bot.telegram.http.JsonPoster` on as many connections as the
overall rate needs (`send_connections`); everything else through PTB (downloads, the typing
action, the staff's calls, the agents' topics). httpcore's pool costs CPU with the square of its
open connections (it looks over all of them, nested, at every request): PTB's pool stays small.
"""

from __future__ import annotations

import asyncio
import json
import math
import urllib.request
from collections.abc import Sequence
from typing import Any, cast

import httpx
from telegram import Bot
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.config import Settings
from bot.telegram import raw
from bot.telegram.http import JsonBody, JsonPoster, json_body

# Telegram holds a long poll open this long; the HTTP read timeout leaves it a margin.
POLL_TIMEOUT = 25
# Photo downloads take 16 at a time (the dispatcher's preparations), with the courtesy calls.
MAX_CONCURRENT_REQUESTS = 16
# A Bot API call's round trip over the internet, on the slow side: a paced send holds a
# connection this long, so the overall rate needs rate × this many connections (and the taps'
# courtesy calls share them). `JsonPoster` costs the same whatever their number.
SEND_ROUND_TRIP = 0.3  # seconds
_JSON_HEADERS = {"Content-Type": "application/json", "User-Agent": HTTPXRequest.USER_AGENT}


def send_connections(per_second: float) -> int:
    """Connections the sends need at `per_second` overall (30/s: 9), between 4 and 64."""
    return max(4, min(64, math.ceil(per_second * SEND_ROUND_TRIP)))


class _ProxiedJson(HTTPXRequest):
    """The sends through httpx when a proxy is configured (`HTTPS_PROXY`…, which httpx honours
    and `JsonPoster` does not): a `JsonBody` posted as it is, read by PTB as `JsonPoster`'s."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        body = json_body(request_data)
        if body is None:
            return await super().do_request(url, method, request_data, *args, **kwargs)
        try:
            response = await self._client.post(url, content=body, headers=_JSON_HEADERS)
        except httpx.TimeoutException as error:
            raise TimedOut from error
        except httpx.HTTPError as error:
            raise NetworkError(f"httpx.{error.__class__.__name__}: {error}") from error
        return response.status_code, response.content


def sends_client(connections: int) -> BaseRequest:
    """`JsonPoster`, or httpx when the environment names a proxy."""
    proxies = urllib.request.getproxies()
    if any(proxies.get(kind) for kind in ("http", "https", "all")):
        return _ProxiedJson(
            connection_pool_size=connections,
            connect_timeout=10.0,
            read_timeout=20.0,
            write_timeout=30.0,
            pool_timeout=30.0,
        )
    return JsonPoster(connect_timeout=10.0, read_timeout=20.0)


class ReturnBot(Bot):
    """PTB's `Bot`, which also fetches updates as Telegram's own JSON and sends prepared JSON.

    The inbox records an update exactly as Telegram sent it, and it is read into PTB's objects once,
    when it is handled: no parsing on the way in only to turn the objects back into JSON. The
    sender posts its payloads as they are (`call`), without PTB's objects either way.
    """

    def __init__(self, *args: Any, send_connections: int = 9, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sends = sends_client(send_connections)
        # At most this many sends in flight: the others wait here, on as many connections.
        self._in_flight = asyncio.Semaphore(send_connections)

    async def initialize(self) -> None:
        await self._sends.initialize()
        await super().initialize()

    async def shutdown(self) -> None:
        await super().shutdown()
        await self._sends.shutdown()

    async def call(self, method: str, payload: dict[str, Any]) -> Any:
        """The Bot API's `method` with `payload` (JSON-ready: no `None` values), on the sends'
        connections; its `result`, as Telegram's JSON. Raises as PTB's calls do."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        async with self._in_flight:
            return await self._sends.post(
                f"{self._base_url}/{method}", JsonBody(body).as_request_data()
            )

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


def build_bot(
    settings: Settings, *, poll_timeout: float = POLL_TIMEOUT, sends_per_second: float | None = None
) -> ReturnBot:
    """A `Bot` whose API calls and file downloads both go to the configured base URL; its sends'
    pool sized for `sends_per_second` (default: `RETURNBOT_TELEGRAM_MESSAGES_PER_SECOND`)."""
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    base = settings.telegram_api_base_url
    rate = settings.telegram_messages_per_second if sends_per_second is None else sends_per_second
    return ReturnBot(
        settings.telegram_bot_token,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        send_connections=send_connections(rate),
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
