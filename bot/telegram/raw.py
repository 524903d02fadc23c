"""Telegram's raw JSON, read defensively: an update that cannot be read is set aside, never fatal.

An update is readable when it is an object with an integer `update_id` that fits the inbox's
column, is nested no deeper than any real update (`MAX_DEPTH`), and, where it holds a message or a
callback query, that part is an object whose chat has an integer id. Anything else is recorded as
unreadable with its reason (so the offset can move on), and never reaches the dispatcher.
JSON nested beyond what `json` can recurse into is cut at `CUT_DEPTH` instead of raising.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Final, TypeGuard

MAX_DEPTH: Final = 32  # a real update is nested about 8 deep
CUT_DEPTH: Final = 64  # deeper values are replaced with null when `json` cannot read them
INT64: Final = 2**63
CHAT_HOLDERS: Final = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "my_chat_member",
)


@dataclass(frozen=True, slots=True)
class Inspected:
    """How an update goes into the inbox: its id, its chat's lane, and why it is unreadable."""

    update_id: int
    chat_id: str | None
    error: str | None = None
    payload: dict[str, Any] | None = None  # what is stored (a stub for what cannot be stored)


def loads(text: str | bytes) -> Any:
    """`json.loads`, except that nesting too deep for it is cut rather than an error."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except RecursionError:
        return json.loads(_cut(text, CUT_DEPTH))


def valid_id(value: Any) -> TypeGuard[int]:
    """Whether `value` is an integer a BIGINT column (and Telegram) can hold."""
    return isinstance(value, int) and not isinstance(value, bool) and -INT64 <= value < INT64


def update_id_of(payload: Any) -> int | None:
    """The update's id, when it has a usable one (Telegram's are positive)."""
    update_id = payload.get("update_id") if isinstance(payload, dict) else None
    return update_id if valid_id(update_id) and update_id >= 0 else None


def inspect(payload: Any) -> Inspected:
    """Reads what the inbox needs of one update, or says why it cannot be read."""
    update_id = update_id_of(payload)
    if update_id is None:
        given = payload.get("update_id") if isinstance(payload, dict) else payload
        return _unreadable(payload, f"update_id is not a positive integer: {_short(given)}")
    if _deeper_than(payload, MAX_DEPTH):
        stub = {"update_id": update_id}
        return Inspected(update_id, None, f"nested deeper than {MAX_DEPTH} levels", stub)
    try:
        chat = _chat_of(payload)
    except ValueError as error:
        return Inspected(update_id, None, str(error), payload)
    return Inspected(update_id, chat, None, payload)


def _chat_of(payload: dict[str, Any]) -> str | None:
    for key in CHAT_HOLDERS:
        if key in payload:
            return _chat_id(_object(payload[key], key).get("chat"), f"{key}.chat")
    if "callback_query" in payload:
        query = _object(payload["callback_query"], "callback_query")
        message = query.get("message")
        if message is not None:
            return _chat_id(_object(message, "callback_query.message").get("chat"), "chat")
        return _chat_id(query.get("from"), "callback_query.from")
    return None


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{what} is not an object: {_short(value)}")
    return value


def _chat_id(value: Any, what: str) -> str:
    chat_id = _object(value, what).get("id")
    if not valid_id(chat_id):
        raise ValueError(f"{what}.id is not an integer: {_short(chat_id)}")
    return str(chat_id)


def _unreadable(payload: Any, error: str) -> Inspected:
    """An id of its own for an update without a usable one: negative (Telegram's are positive),
    and the same for the same content, so that it is recorded once however often it comes."""
    text = json.dumps(payload, sort_keys=True, default=str)
    digest = int.from_bytes(hashlib.sha256(text.encode()).digest()[:7], "big")
    stub = {"unreadable": text[:2000]}
    return Inspected(-1 - digest, None, error, stub)


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False


def _cut(text: str, limit: int) -> str:
    """The JSON text with every value nested deeper than `limit` replaced by null."""
    out: list[str] = []
    depth = 0
    start = 0  # where the text still to copy begins
    skip_from: int | None = None  # where the value being cut began
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth == limit + 1 and skip_from is None:
                out.append(text[start:index])
                skip_from = index
        elif char in "]}":
            depth -= 1
            if depth == limit and skip_from is not None:
                out.append("null")
                start, skip_from = index + 1, None
    if skip_from is not None:  # unbalanced: the rest is dropped, json then says what is wrong
        return "".join(out)
    out.append(text[start:])
    return "".join(out)


def _short(value: Any) -> str:
    return repr(value)[:80]
