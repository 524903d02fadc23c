"""Inline keyboards for the engine's choices, and reading back which button was tapped.

A button's callback data names the outbox message that carried the keyboard and the choice's place in
it (`c:<outbox id>:<index>`): short enough for Telegram's 64 bytes whatever the choice ids, and
checkable against the database, so a forged or stale tap is recognised rather than trusted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

_DATA = re.compile(r"^c:(\d{1,18}):(\d{1,3})$")


@dataclass(frozen=True, slots=True)
class Tap:
    """A tapped button: the outbox message that showed it and the choice's index there."""

    outbox_id: int
    index: int


def choices_of(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """The (id, label) choices an outbox payload offers."""
    return [(str(choice[0]), str(choice[1])) for choice in payload.get("choices") or ()]


def keyboard(outbox_id: int, choices: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup | None:
    """One button per row: labels stay readable on a phone."""
    if not choices:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=f"c:{outbox_id}:{index}")]
            for index, (_choice, label) in enumerate(choices)
        ]
    )


def keyboard_json(outbox_id: int, choices: Sequence[tuple[str, str]]) -> dict[str, Any] | None:
    """`keyboard` as the Bot API's JSON (`reply_markup`), for a payload posted as it is."""
    if not choices:
        return None
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": f"c:{outbox_id}:{index}"}]
            for index, (_choice, label) in enumerate(choices)
        ]
    }


def read_tap(data: str | None) -> Tap | None:
    """The tap encoded in callback data, or None when it is not ours."""
    match = _DATA.match(data or "")
    if match is None:
        return None
    return Tap(int(match[1]), int(match[2]))
