"""Webhook mode: updates are accepted only with the secret, and answered 200 after the commit."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

from sqlalchemy import select

from bot.storage.database import open_database
from bot.storage.models import InboxUpdate
from tests.bot.telegram.fake_bot_api import FakeBotApi, eventually
from tests.bot.telegram.poison import DEEP, POISON
from tests.bot.telegram.running import BotProcess, free_port

SECRET = "le-secret_de-la-boutique"


def _post(url: str, update: dict[str, object] | str, secret: str | None, **extra: str) -> int:
    headers = {"Content-Type": "application/json", **extra}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    body = update if isinstance(update, str) else json.dumps(update)
    request = urllib.request.Request(url, data=body.encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


async def _webhook_bot(api: FakeBotApi, bot_process: BotProcess) -> str:
    """Starts the bot in webhook mode; its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    bot_process.env.update(
        RETURNBOT_WEBHOOK_URL=url,
        RETURNBOT_WEBHOOK_SECRET=SECRET,
        RETURNBOT_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
    )
    bot_process.start()
    await bot_process.started()
    await eventually(lambda: api.webhook is not None)
    return url


async def test_webhook_with_the_right_secret_serves_and_a_wrong_one_is_refused(
    api: FakeBotApi, bot_process: BotProcess, database_url: str
) -> None:
    url = await _webhook_bot(api, bot_process)
    assert api.webhook == {
        "url": url,
        "secret_token": SECRET,
        "allowed_updates": ["message", "edited_message", "callback_query", "my_chat_member", "channel_post"],
    }  # fmt: skip

    api.send_command(8, "/aide")  # Telegram posts it to the webhook with the secret
    await eventually(lambda: len(api.sent(8)) == 1, within=30)

    forged = {"update_id": 999_001, "message": {"message_id": 1, "date": 0, "chat": {"id": 9, "type": "private"}, "from": {"id": 9, "is_bot": False, "first_name": "X"}, "text": "/start"}}  # fmt: skip
    assert await asyncio.to_thread(_post, url, forged, "pas-le-bon") == 403
    assert await asyncio.to_thread(_post, url, forged, None, **{"X-Real-Ip": "203.0.113.9"}) == 403
    assert await asyncio.to_thread(_post, url, "pas du JSON", SECRET) == 400
    await asyncio.sleep(0.5)
    async with open_database(database_url) as sessions, sessions() as session:
        update_ids = (await session.scalars(select(InboxUpdate.update_id))).all()
    assert 999_001 not in update_ids and len(update_ids) == 1
    assert api.sent(9) == []
    assert api.calls("getUpdates") == [] and api.calls("deleteWebhook") == []
    assert await bot_process.stop() == 0
    assert "203.0.113.9" not in bot_process.log(), "X-Real-Ip is not trusted by default"
    assert "without the right secret from 127.0.0.1" in bot_process.log()


async def test_updates_that_cannot_be_read_are_answered_200_and_set_aside(
    api: FakeBotApi, bot_process: BotProcess, database_url: str
) -> None:
    url = await _webhook_bot(api, bot_process)
    for content in POISON:  # as Telegram would post them, one after the other
        api.push_update(content)
    deep = '{"update_id": 99, "message": ' + DEEP + "}"
    assert await asyncio.to_thread(_post, url, deep, SECRET) == 200
    assert await asyncio.to_thread(_post, url, {"no": "update"}, SECRET) == 200
    api.send_command(8, "/aide")
    await eventually(lambda: len(api.sent(8)) == 1, within=30)
    assert api.webhook_statuses == [200] * (len(POISON) + 1), "not 500 again and again"
    async with open_database(database_url) as sessions, sessions() as session:
        rows = (await session.scalars(select(InboxUpdate))).all()
    unreadable = [row for row in rows if row.chat_id != "8"]
    assert len(unreadable) == len(POISON) + 2
    assert all(row.handled_at is not None and row.error for row in unreadable)
    assert await bot_process.stop() == 0
