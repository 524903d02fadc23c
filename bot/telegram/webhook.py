"""Webhook mode: Telegram posts each update to us; we answer 200 only once it is committed.

A request without the right `X-Telegram-Bot-Api-Secret-Token` gets 403 and nothing is recorded; a
body that is not a JSON object, 400. An update that cannot be read is recorded set aside and
answered 200, like any other, so that Telegram moves on. A database failure answers 500, so
Telegram delivers the update again later.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

from bot.channels.writes import WriteGate
from bot.telegram import raw
from bot.telegram.inbox import ALLOWED_UPDATES, record_updates

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024


class WebhookServer:
    """The HTTP endpoint on `RETURNBOT_WEBHOOK_LISTEN`."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        gate: WriteGate,
        secret: str,
        on_recorded: Callable[[], None],
        *,
        behind_proxy: bool = False,
    ) -> None:
        app = Application(
            [
                (
                    r"/.*",
                    _UpdateHandler,
                    {
                        "sessions": sessions,
                        "gate": gate,
                        "secret": secret,
                        "on_recorded": on_recorded,
                    },
                )
            ]
        )
        # X-Real-Ip and X-Forwarded-For are anyone's to write: trusted only behind one's own proxy.
        self._server = HTTPServer(app, max_body_size=MAX_BODY, xheaders=behind_proxy)

    def listen(self, host: str, port: int, *, shared: bool = False) -> None:
        """`shared`: the bot's other processes on this host listen on the same port (the kernel
        shares the connections among them)."""
        self._server.listen(port, address=host or None, reuse_port=shared)
        log.info("webhook listening on %s:%s", host, port)

    async def close(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()


async def register(bot: Bot, url: str, secret: str) -> None:
    """Tells Telegram where to post updates, with the secret it must send back."""
    await bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)


class _UpdateHandler(RequestHandler):
    def initialize(
        self,
        sessions: async_sessionmaker[AsyncSession],
        gate: WriteGate,
        secret: str,
        on_recorded: Callable[[], None],
    ) -> None:
        self._sessions = sessions
        self._gate = gate
        self._secret = secret
        self._on_recorded = on_recorded

    def check_xsrf_cookie(self) -> None:
        """Telegram is not a browser."""

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            log.warning("webhook call without the right secret from %s", self.request.remote_ip)
            self._answer(403)
            return
        update = _parse(self.request.body)
        if update is None:
            self._answer(400)
            return
        try:  # an update that cannot be read is recorded too (set aside): Telegram must move on
            await record_updates(self._sessions, self._gate, [update])
        except Exception:
            log.exception("could not record update %s", str(update.get("update_id"))[:40])
            self._answer(500)
            return
        self._on_recorded()
        self._answer(200)

    def _answer(self, status: int) -> None:
        self.set_status(status)
        self.finish()


def _parse(body: bytes) -> dict[str, Any] | None:
    """The posted object; None for a body that is not a JSON object at all (not an update)."""
    try:
        update = raw.loads(body)
    except ValueError:
        return None
    return update if isinstance(update, dict) else None
