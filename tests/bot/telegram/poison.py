"""Updates that cannot be read, as an attacker (or a broken proxy) would send them."""

from __future__ import annotations


def _message(chat: object) -> dict[str, object]:
    return {"message_id": 1, "date": 0, "chat": chat, "text": "bonjour"}


def _nested(depth: int) -> list[object]:
    value: list[object] = []
    for _level in range(depth):
        value = [value]
    return value


DEEP = "[" * 5000 + "]" * 5000  # beyond what `json` can recurse into
POISON: list[dict[str, object]] = [
    {"message": {"message_id": 1, "date": 0, "text": "sans chat"}},
    {"message": None},
    {"message": _message("pas un objet")},
    {"message": _message({"id": "douze", "type": "private"})},
    {"update_id": "abc", "message": _message({"id": 5, "type": "private"})},
    {"update_id": 2**70, "message": _message({"id": 5, "type": "private"})},
    {"callback_query": 7},
    {"message": _message({"id": 5, "type": "private"}), "deep": _nested(40)},
]
