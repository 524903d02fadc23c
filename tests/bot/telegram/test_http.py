"""The sends' HTTP client: JSON posted on kept-alive connections, answers and errors read as PTB's."""

from __future__ import annotations

import asyncio
import json
import ssl
import warnings
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning

from bot.telegram.client import ReturnBot, sends_client
from bot.telegram.errors import retry_after_seconds
from bot.telegram.http import JsonBody, JsonPoster
from tests.bot.telegram.fake_bot_api import FakeBotApi, eventually

# One scripted answer: (status, headers, body); the server's way of writing it.
Answer = tuple[int, dict[str, str], bytes]


@dataclass
class _Server:
    """A bare HTTP/1.1 server on the loopback that answers each request with `answer(request)`."""

    answer: Callable[[dict[str, Any]], Answer]
    chunked: bool = False
    close_after: bool = False  # closes the connection after each answer, without saying so
    connections: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    open: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode().split("\r\n")
                method, target, _ = lines[0].split(" ")
                headers = dict(line.split(": ", 1) for line in lines[1:] if line)
                body = await reader.readexactly(int(headers["Content-Length"]))
                request = {"method": method, "target": target, "headers": headers}
                request["json"] = json.loads(body)
                self.requests.append(request)
                status, extra, content = self.answer(request)
                writer.write(self._response(status, extra, content))
                await writer.drain()
                if self.close_after or extra.get("Connection") == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open -= 1
            writer.close()

    def _response(self, status: int, extra: dict[str, str], content: bytes) -> bytes:
        headers = {"Content-Type": "application/json", **extra}
        if self.chunked:
            headers["Transfer-Encoding"] = "chunked"
            half = len(content) // 2
            body = b"".join(
                f"{len(part):x}\r\n".encode() + part + b"\r\n"
                for part in (content[:half], content[half:])
                if part
            )
            body += b"0\r\n\r\n"
        else:
            headers["Content-Length"] = str(len(content))
            body = content
        head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        return (head + "\r\n").encode() + body


def _ok(request: dict[str, Any]) -> Answer:
    return 200, {}, json.dumps({"ok": True, "result": {"echo": request["json"]}}).encode()


@asynccontextmanager
async def _serving(server: _Server, poster: JsonPoster) -> AsyncIterator[str]:
    """The server's URL; at the end, the poster's connections closed and the server's ended."""
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/botTOKEN"
    finally:
        await poster.shutdown()
        await eventually(lambda: server.open == 0)
        listening.close()


async def _post(poster: JsonPoster, url: str, payload: dict[str, Any]) -> Any:
    body = JsonBody(json.dumps(payload).encode()).as_request_data()
    return await poster.post(url + "/sendMessage", body)


@pytest.mark.parametrize("chunked", [False, True])
async def test_calls_one_after_another_share_one_kept_alive_connection(chunked: bool) -> None:
    server = _Server(_ok, chunked=chunked)
    poster = JsonPoster()
    async with _serving(server, poster) as url:
        for number in range(5):
            assert await _post(poster, url, {"n": number, "text": "é"}) == {
                "echo": {"n": number, "text": "é"}
            }
    assert server.connections == 1
    assert [r["target"] for r in server.requests] == ["/botTOKEN/sendMessage"] * 5
    assert server.requests[0]["headers"]["Content-Type"] == "application/json"
    assert server.requests[0]["headers"]["Host"].startswith("127.0.0.1:")


async def test_calls_at_once_open_one_connection_each_then_reuse_them() -> None:
    server = _Server(_ok)
    poster = JsonPoster()
    async with _serving(server, poster) as url:
        await asyncio.gather(*(_post(poster, url, {"n": n}) for n in range(3)))
        await asyncio.gather(*(_post(poster, url, {"n": n}) for n in range(3)))
        assert poster.idle_connections() == 3
    assert server.connections == 3 and len(server.requests) == 6


async def test_a_connection_the_server_closed_is_not_reused() -> None:
    server = _Server(_ok, close_after=True)
    poster = JsonPoster()
    async with _serving(server, poster) as url:
        for number in range(3):
            await eventually(lambda: server.open == 0 and poster.idle_connections() == 0)
            assert await _post(poster, url, {"n": number}) == {"echo": {"n": number}}
    assert server.connections == 3


async def test_connection_close_is_honoured() -> None:
    server = _Server(lambda r: (200, {"Connection": "close"}, b'{"ok": true, "result": true}'))
    poster = JsonPoster()
    async with _serving(server, poster) as url:
        assert await _post(poster, url, {}) is True
        assert poster.idle_connections() == 0
        assert await _post(poster, url, {}) is True
    assert server.connections == 2


def _error(status: int, description: str, **parameters: Any) -> Callable[..., Answer]:
    content = {"ok": False, "error_code": status, "description": description}
    if parameters:
        content["parameters"] = parameters
    return lambda _request: (status, {}, json.dumps(content).encode())


async def test_telegram_s_errors_are_ptb_s_errors() -> None:
    cases: list[tuple[Callable[..., Answer], type[Exception]]] = [
        (_error(429, "Too Many Requests: retry after 7", retry_after=7), RetryAfter),
        (_error(400, "Bad Request: message text is empty"), BadRequest),
        (_error(403, "Forbidden: bot was blocked by the user"), Forbidden),
        (
            _error(400, "Bad Request: group chat was upgraded", migrate_to_chat_id=-100),
            ChatMigrated,
        ),
        (lambda _r: (502, {"Content-Type": "text/html"}, b"<html>502</html>"), NetworkError),
    ]
    for answer, kind in cases:
        server = _Server(answer)
        poster = JsonPoster()
        async with _serving(server, poster) as url:
            with pytest.raises(kind) as raised, warnings.catch_warnings():
                warnings.simplefilter("ignore", PTBDeprecationWarning)  # RetryAfter's int
                await _post(poster, url, {"chat_id": 1, "text": ""})
        if isinstance(raised.value, RetryAfter):
            assert retry_after_seconds(raised.value) == 7
        if isinstance(raised.value, ChatMigrated):
            assert raised.value.new_chat_id == -100
        if kind is BadRequest:
            assert str(raised.value) == "Message text is empty"


async def test_a_server_that_is_not_there_is_a_network_error() -> None:
    listening = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    listening.close()
    await listening.wait_closed()
    with pytest.raises(NetworkError):
        await _post(JsonPoster(), f"http://127.0.0.1:{port}/botTOKEN", {})


async def test_a_proxy_in_the_environment_sends_through_httpx(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    assert not isinstance(sends_client(4), JsonPoster)
    monkeypatch.delenv("HTTPS_PROXY")
    for name in ("https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert isinstance(sends_client(4), JsonPoster)


async def test_the_bot_s_call_reaches_the_bot_api_as_json(api: FakeBotApi, bot: ReturnBot) -> None:
    result = await bot.call("sendMessage", {"chat_id": 5, "text": "Bonjour <b>é</b>"})
    assert result["text"] == "Bonjour <b>é</b>"
    assert [m.text for m in api.sent(5)] == ["Bonjour <b>é</b>"]
    api.block(6)
    with pytest.raises(Forbidden):
        await bot.call("sendMessage", {"chat_id": 6, "text": "non"})


_TLS = Path(__file__).resolve().parents[2] / "data" / "tls"


@asynccontextmanager
async def _serving_tls(server: _Server) -> AsyncIterator[str]:
    """The same server behind TLS, with the test certificate for 127.0.0.1 (`tests/data/tls`)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(_TLS / "localhost.pem", _TLS / "localhost.key")
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=context)
    port = listening.sockets[0].getsockname()[1]
    try:
        yield f"https://127.0.0.1:{port}/botTOKEN"
    finally:
        listening.close()


async def test_https_is_spoken_and_the_server_s_certificate_verified() -> None:
    server = _Server(_ok)
    trusting = JsonPoster(tls=ssl.create_default_context(cafile=_TLS / "localhost.pem"))
    async with _serving_tls(server) as url:
        try:
            for number in range(2):
                assert await _post(trusting, url, {"n": number}) == {"echo": {"n": number}}
        finally:
            await trusting.shutdown()
    assert server.connections == 1  # kept alive under TLS too


async def test_a_server_whose_certificate_is_not_trusted_is_refused() -> None:
    server = _Server(_ok)
    poster = JsonPoster()  # certifi's authorities: the test certificate is none of theirs
    async with _serving_tls(server) as url:
        with pytest.raises(NetworkError):
            await _post(poster, url, {"n": 1})
    assert server.requests == []
