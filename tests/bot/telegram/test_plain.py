"""A customer's text or tap read straight from Telegram's JSON: the same reading as through PTB's objects."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.channels.events import Sender, TextIn
from bot.telegram.client import ReturnBot
from bot.telegram.updates import Reading, TelegramUpdates, plain_reading

AGENTS = -1001234
USER = {
    "id": 42,
    "is_bot": False,
    "first_name": "Camille",
    "username": "cam",
    "language_code": "fr",
}
PRIVATE = {"id": 42, "type": "private", "first_name": "Camille"}
GROUP = {"id": -200, "type": "supergroup", "title": "Un groupe"}
AGENTS_GROUP = {"id": AGENTS, "type": "supergroup", "title": "SAV", "is_forum": True}
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Boutique", "username": "boutique_bot"}
PHOTO = [
    {"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90, "file_size": 10},
    {"file_id": "p2", "file_unique_id": "u2", "width": 1280, "height": 960, "file_size": 900},
]


def _message(content: dict[str, Any], chat: dict[str, Any] = PRIVATE, **extra: Any) -> Any:
    return {"message_id": 7, "date": 1_764_800_000, "chat": chat, "from": USER, **content, **extra}


def _tap(data: Any, message: Any = None, **extra: Any) -> dict[str, Any]:
    query = {"id": "q1", "from": USER, "chat_instance": "ci42", "data": data, **extra}
    if message is not None:
        query["message"] = message
    return {"callback_query": query}


SHOWN = _message({"text": "Quel motif ?"}, **{"from": BOT_USER})

# Read straight from the JSON.
PLAIN: dict[str, dict[str, Any]] = {
    "text": {"message": _message({"text": "bonjour"})},
    "command": {
        "message": _message(
            {"text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}
        )
    },
    "text with NUL": {"message": _message({"text": "a\x00b"})},
    "text without username": {
        "message": _message({"text": "x"}, **{"from": {**USER, "username": None}})
    },
    "text without sender": {
        "message": {k: v for k, v in _message({"text": "x"}).items() if k != "from"}
    },
    "text in another group": {"message": _message({"text": "salut"}, chat=GROUP)},
    "text in the agents' group": {"message": _message({"text": "/prendre"}, chat=AGENTS_GROUP)},
    "tap": _tap("c:12:1", SHOWN),
    "tap on a forged button": _tap("n'importe quoi", SHOWN),
    "tap without data": _tap(None, SHOWN),
    "tap on an old message": _tap("c:12:0", {"message_id": 3, "date": 0, "chat": PRIVATE}),
    "tap without message": _tap("c:12:0"),
    "tap in another group": _tap("c:12:0", _message({"text": "?"}, chat=GROUP)),
    "tap in the agents' group": _tap("c:12:0", _message({"text": "?"}, chat=AGENTS_GROUP)),
}
# Through PTB's objects, as before.
THROUGH_PTB: dict[str, dict[str, Any]] = {
    "photo": {"message": _message({"photo": PHOTO})},
    "photo with caption": {"message": _message({"photo": PHOTO, "caption": "cassé"})},
    "photo of an album": {"message": _message({"photo": PHOTO, "media_group_id": "g1"})},
    "image as a file": {
        "message": _message(
            {"document": {"file_id": "d1", "file_unique_id": "ud", "mime_type": "image/png"}}
        )
    },
    "pdf": {
        "message": _message(
            {"document": {"file_id": "d2", "file_unique_id": "ud2", "file_name": "facture.pdf"}}
        )
    },
    "sticker": {
        "message": _message(
            {
                "sticker": {
                    "file_id": "s",
                    "file_unique_id": "us",
                    "type": "regular",
                    "width": 1,
                    "height": 1,
                    "is_animated": False,
                    "is_video": False,
                }
            }
        )
    },
    "voice": {
        "message": _message({"voice": {"file_id": "v", "file_unique_id": "uv", "duration": 2}})
    },
    "location": {"message": _message({"location": {"latitude": 48.8, "longitude": 2.3}})},
    "empty text": {"message": _message({"text": ""})},
    "edited text": {"edited_message": _message({"text": "bonjour !"}, edit_date=1_764_800_009)},
    "blocked": {
        "my_chat_member": {
            "chat": PRIVATE,
            "from": USER,
            "date": 1_764_800_000,
            "old_chat_member": {"user": BOT_USER, "status": "member"},
            "new_chat_member": {"user": BOT_USER, "status": "kicked", "until_date": 0},
        }
    },
    "channel post": {
        "channel_post": _message({"text": "promo"}, chat={"id": -300, "type": "channel"})
    },
    "text and something else": {
        "message": _message({"text": "x"}),
        "edited_message": _message({"text": "y"}),
    },
}
# Not what PTB accepts of a message: PTB says so, as before.
REFUSED: dict[str, dict[str, Any]] = {
    "sender without first name": {
        "message": _message({"text": "x"}, **{"from": {"id": 1, "is_bot": False}})
    },
    "message without date": {
        "message": {"message_id": 1, "chat": PRIVATE, "from": USER, "text": "x"}
    },
    "tap without its sender": {
        "callback_query": {"id": "q", "chat_instance": "c", "data": "c:1:0"}
    },
}


@pytest.fixture
def handler(bot: ReturnBot, tmp_path: Path) -> TelegramUpdates:
    async def engine(*_args: object) -> None:
        raise AssertionError("only reading here")

    return TelegramUpdates(bot, engine, photos_dir=tmp_path, agent_chat_id=AGENTS)


async def _through_ptb(
    handler: TelegramUpdates, bot: ReturnBot, payload: dict[str, Any]
) -> Reading:
    return await handler.read(Update.de_json(copy.deepcopy(payload), bot), downloads=False)


@pytest.mark.parametrize("name", sorted(PLAIN))
async def test_a_text_or_a_tap_is_read_from_the_json_as_ptb_reads_it(
    name: str, handler: TelegramUpdates, bot: ReturnBot
) -> None:
    payload = {"update_id": 5, **PLAIN[name]}
    plain = plain_reading(payload, AGENTS)
    assert plain is not None, "read through PTB"
    assert plain == await _through_ptb(handler, bot, payload)
    assert await handler.read_payload(payload) == plain


@pytest.mark.parametrize("name", sorted(THROUGH_PTB))
async def test_other_updates_are_read_through_ptb_s_objects(
    name: str, handler: TelegramUpdates, bot: ReturnBot
) -> None:
    payload = {"update_id": 5, **THROUGH_PTB[name]}
    assert plain_reading(payload, AGENTS) is None
    assert await handler.read_payload(payload, downloads=False) == await _through_ptb(
        handler, bot, payload
    )


@pytest.mark.parametrize("name", sorted(REFUSED))
async def test_what_ptb_refuses_it_still_refuses(
    name: str, handler: TelegramUpdates, bot: ReturnBot
) -> None:
    payload = {"update_id": 5, **REFUSED[name]}
    assert plain_reading(payload, AGENTS) is None
    with pytest.raises(Exception) as through_ptb:
        await _through_ptb(handler, bot, payload)
    with pytest.raises(type(through_ptb.value)):
        await handler.read_payload(payload)


def test_what_a_text_becomes() -> None:
    reading = plain_reading({"update_id": 1, "message": _message({"text": "a\x00b"})}, AGENTS)
    assert reading == Reading(
        customer=Sender("telegram", "42", "42", "Camille", "cam"), events=[TextIn("ab")]
    )
