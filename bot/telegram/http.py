"""A small HTTP/1.1 client for the paced sends: prepared JSON posted on a few kept-alive connections.

httpx (under PTB) costs about a millisecond of the loop's CPU per request: its own layers (URL
parsing, cookies, auth, redirects) and httpcore's pool, which looks over every pooled connection,
nested, and asks each idle socket whether it is readable, twice per request. A send needs none of
that: one origin, a JSON body, Telegram's JSON answer. Here: asyncio streams, h11 to write the
request and read the answer (chunked or not), idle connections reused newest first and dropped once
the server closed them or after `KEEP_ALIVE` seconds. The caller bounds how many calls are in
flight (`ReturnBot.call`), so there are never more connections than that.

It is a PTB `BaseRequest`: the answer is read by PTB's own `_request_wrapper`, with the same errors
as any PTB call (`RetryAfter` with Telegram's wait, `Forbidden`, `BadRequest`, `ChatMigrated`,
`NetworkError` for 5xx and broken connections, `TimedOut`).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

import certifi
import h11
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

KEEP_ALIVE = 15.0  # seconds an idle connection is trusted (the server may close it before)
_READ = 65536


class JsonBody:
    """A request's parameters already encoded as a JSON body.

    Handed to PTB's `BaseRequest.post` in place of its (final) `RequestData`, which it passes on
    untouched to `do_request` (`as_request_data`)."""

    __slots__ = ("body",)

    def __init__(self, body: bytes) -> None:
        self.body = body

    def as_request_data(self) -> RequestData:
        return cast(RequestData, self)


def json_body(request_data: RequestData | None) -> bytes | None:
    """The body of a `JsonBody` handed over as `RequestData`, else None."""
    given = cast(object, request_data)
    return given.body if isinstance(given, JsonBody) else None


@dataclass(frozen=True, slots=True)
class _Origin:
    scheme: str
    host: str
    port: int

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


@dataclass(slots=True)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    state: h11.Connection
    idle_since: float = 0.0

    def usable(self, now: float) -> bool:
        return (
            not self.reader.at_eof()
            and not self.writer.is_closing()
            and now - self.idle_since < KEEP_ALIVE
        )

    def close(self) -> None:
        self.writer.close()


class JsonPoster(BaseRequest):
    """POSTs `JsonBody` requests; nothing else (PTB's other calls keep its own client)."""

    def __init__(
        self,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 20.0,
        user_agent: str = "",
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """`tls`: how HTTPS servers are verified (by default, against certifi's authorities)."""
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._user_agent = user_agent or BaseRequest.USER_AGENT
        self._idle: dict[_Origin, list[_Connection]] = {}
        self._targets: dict[str, tuple[_Origin, str]] = {}
        self._tls = tls

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        """Connections are opened when needed."""

    async def shutdown(self) -> None:
        idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        body = json_body(request_data)
        if body is None or method != "POST":
            raise TypeError("JsonPoster only posts a JsonBody")
        origin, target = self._split(url)
        connection = self._reuse(origin)
        try:
            if connection is None:
                connection = await self._connect(origin)
            async with asyncio.timeout(self._read_timeout):
                answer = await self._exchange(connection, origin, target, body)
        except TimeoutError as error:
            if connection is not None:
                connection.close()
            raise TimedOut from error
        except (OSError, h11.ProtocolError, EOFError) as error:
            if connection is not None:
                connection.close()
            raise NetworkError(f"{type(error).__name__}: {error}") from error
        except BaseException:  # cancelled: the connection is in an unknown state
            if connection is not None:
                connection.close()
            raise
        self._release(origin, connection)
        return answer

    def idle_connections(self) -> int:
        """Idle connections that could still be reused."""
        now = time.monotonic()
        return sum(c.usable(now) for connections in self._idle.values() for c in connections)

    def _split(self, url: str) -> tuple[_Origin, str]:
        known = self._targets.get(url)
        if known is None:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise NetworkError(f"cannot post to {url!r}")
            port = parts.port or (443 if parts.scheme == "https" else 80)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            known = self._targets[url] = (_Origin(parts.scheme, parts.hostname, port), target)
        return known

    def _reuse(self, origin: _Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if connection.usable(now):
                return connection
            connection.close()
        return None

    def _release(self, origin: _Origin, connection: _Connection) -> None:
        state = connection.state
        if state.our_state is h11.DONE and state.their_state is h11.DONE:
            state.start_next_cycle()
            connection.idle_since = time.monotonic()
            self._idle.setdefault(origin, []).append(connection)
        else:  # the server asked to close, or the answer was not read to its end
            connection.close()

    async def _connect(self, origin: _Origin) -> _Connection:
        tls = None
        if origin.scheme == "https":
            if self._tls is None:
                self._tls = ssl.create_default_context(cafile=certifi.where())
            tls = self._tls
        async with asyncio.timeout(self._connect_timeout):
            reader, writer = await asyncio.open_connection(
                origin.host, origin.port, ssl=tls, server_hostname=origin.host if tls else None
            )
        return _Connection(reader, writer, h11.Connection(h11.CLIENT))

    async def _exchange(
        self, connection: _Connection, origin: _Origin, target: str, body: bytes
    ) -> tuple[int, bytes]:
        state = connection.state
        headers = [
            ("Host", origin.host_header),
            ("User-Agent", self._user_agent),
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
        ]
        request = state.send(h11.Request(method="POST", target=target, headers=headers)) or b""
        connection.writer.write(request + (state.send(h11.Data(data=body)) or b""))
        connection.writer.write(state.send(h11.EndOfMessage()) or b"")
        await connection.writer.drain()
        status = 0
        parts: list[bytes] = []
        while True:
            event = state.next_event()
            if event is h11.NEED_DATA:
                state.receive_data(await connection.reader.read(_READ))
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                parts.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return status, b"".join(parts)
            elif isinstance(event, h11.ConnectionClosed):
                raise EOFError("the server closed the connection before answering")
