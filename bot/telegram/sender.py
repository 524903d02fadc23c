"""Replies to customers on Telegram: how one outbox row becomes a Bot API call.

The rows are read, paced, retried and marked by `bot.channels.outbox.OutboxWorker`; here is only the
Telegram side: text with its buttons (a text longer than a message in pieces, the buttons with the
last), a photo or a document with its caption, a copy of an agent's message, and what Telegram's
errors mean. 429 waits `retry_after`; 5xx, timeouts and network errors
back off and try again; 403 marks the customer as having blocked the bot; a request Telegram rejects
as malformed is set aside with its error, never retried forever.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.constants import ParseMode
from telegram.error import ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.channels.outbox import (
    ABANDONED,
    FailureHook,
    OutboxWorker,
    Redirected,
    Rejected,
    Retry,
    Unreachable,
)
from bot.channels.pacing import Limits, Pacer
from bot.channels.writes import WriteGate
from bot.storage.models import OutboxMessage
from bot.telegram.client import ReturnBot
from bot.telegram.errors import is_permanent, retry_after_seconds
from bot.telegram.inbox import CHANNEL
from bot.telegram.keyboards import choices_of, keyboard, keyboard_json
from bot.telegram.splitting import CAPTION_LIMIT, split_html, units

__all__ = ["ABANDONED", "CAPTION_LIMIT", "TelegramDelivery", "customer_sender"]

log = logging.getLogger(__name__)

_NO_PREVIEW = {"is_disabled": True}  # a link's preview would hide the buttons


class TelegramDelivery:
    """Sends one customer's outbox row through the Bot API."""

    channel = CHANNEL

    def __init__(self, bot: ReturnBot, *, data_dir: Path) -> None:
        self._bot = bot
        self._data_dir = data_dir

    async def send(self, row: OutboxMessage) -> None:
        try:
            await self._deliver(row)
        except RetryAfter as error:
            raise Retry(f"RetryAfter: {error}", retry_after_seconds(error)) from error
        except ChatMigrated as error:
            raise Redirected(str(error.new_chat_id)) from error
        except Forbidden as error:
            raise Unreachable(error.message) from error
        except TelegramError as error:
            if is_permanent(error):
                raise Rejected(error.message) from error
            raise Retry(f"{type(error).__name__}: {error}") from error
        except (OSError, TimeoutError) as error:
            raise Retry(f"{type(error).__name__}: {error}") from error

    async def _deliver(self, row: OutboxMessage) -> None:
        payload = row.payload
        chat_id = payload.get("chat_id", row.chat_id)
        text = str(payload.get("text") or "")
        extra: dict[str, Any] = {}
        if payload.get("message_thread_id"):
            extra["message_thread_id"] = int(payload["message_thread_id"])
        if payload.get("copy_from_chat_id"):
            await self._bot.call(
                "copyMessage",
                {
                    "chat_id": _chat(chat_id),
                    "from_chat_id": _chat(payload["copy_from_chat_id"]),
                    "message_id": int(payload["copy_message_id"]),
                    **extra,
                },
            )
            return
        choices = choices_of(payload)
        for kind in ("photo", "document"):
            media = self._media_path(payload.get(kind))
            if media is None:
                continue
            markup = keyboard(row.id, choices)
            caption = text if units(text) <= CAPTION_LIMIT else None
            send = self._bot.send_photo if kind == "photo" else self._bot.send_document
            await send(
                chat_id,
                await asyncio.to_thread(media.read_bytes),
                filename=media.name,
                caption=caption,
                parse_mode=ParseMode.HTML,
                reply_markup=markup if caption is not None else None,
                **extra,
            )
            if caption is not None:
                return
        pieces = split_html(text) or [text]
        markup_json = keyboard_json(row.id, choices)
        for number, piece in enumerate(pieces, 1):  # the buttons go with the last piece
            message = {
                "chat_id": _chat(chat_id),
                "text": piece,
                "parse_mode": ParseMode.HTML.value,
                "link_preview_options": _NO_PREVIEW,
                **extra,
            }
            if markup_json is not None and number == len(pieces):
                message["reply_markup"] = markup_json
            await self._bot.call("sendMessage", message)

    def _media_path(self, value: Any) -> Path | None:
        if not value:
            return None
        path = Path(str(value))
        if not path.is_absolute():
            path = self._data_dir / path
        if not path.is_file():
            log.error("outbox photo %s is missing; sending the text alone", path)
            return None
        return path


def _chat(chat_id: Any) -> int | str:
    """A chat id as the Bot API's JSON has it: an integer, or a channel's @username."""
    try:
        return int(chat_id)
    except (TypeError, ValueError):
        return str(chat_id)


def customer_sender(
    bot: ReturnBot,
    sessions: async_sessionmaker[AsyncSession],
    gate: WriteGate,
    *,
    data_dir: Path,
    pacer: Pacer | None = None,
    poll_interval: float = 1.0,
    on_failure: FailureHook | None = None,
) -> OutboxWorker:
    """The customers' outbox worker on Telegram."""
    return OutboxWorker(
        TelegramDelivery(bot, data_dir=data_dir),
        sessions,
        gate,
        pacer=pacer or Pacer(Limits()),
        poll_interval=poll_interval,
        on_failure=on_failure,
    )
