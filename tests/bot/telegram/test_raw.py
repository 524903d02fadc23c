"""Reading Telegram's raw JSON: what cannot be read is said, never raised."""

from __future__ import annotations

import json

from bot.telegram.inbox import next_offset
from bot.telegram.raw import MAX_DEPTH, inspect, loads
from tests.bot.telegram.poison import DEEP, POISON

CHAT = {"id": 5, "type": "private"}


def test_json_nested_too_deep_for_the_json_module_is_cut_not_raised() -> None:
    value = loads('{"update_id": 3, "a": "[[[", "deep": ' + DEEP + "}")
    assert value["update_id"] == 3 and value["a"] == "[[["
    assert inspect(value).error == f"nested deeper than {MAX_DEPTH} levels"
    assert inspect(value).payload == {"update_id": 3}


def test_a_readable_update_keeps_its_id_its_chat_and_its_payload() -> None:
    update = {"update_id": 7, "message": {"chat": CHAT, "text": "bonjour"}}
    seen = inspect(update)
    assert (seen.update_id, seen.chat_id, seen.error, seen.payload) == (7, "5", None, update)
    assert inspect({"update_id": 8, "callback_query": {"from": {"id": 3}}}).chat_id == "3"


def test_each_poison_update_is_unreadable_and_one_without_an_id_gets_a_stable_negative_one() -> (
    None
):
    for number, content in enumerate(POISON, 1):
        seen = inspect({"update_id": number, **content})
        assert seen.error, content
        json.dumps(seen.payload)  # storable
    first, again = inspect({"update_id": "abc"}), inspect({"update_id": "abc"})
    assert first.update_id < 0 and first.update_id == again.update_id
    assert inspect({"update_id": "abd"}).update_id != first.update_id


def test_the_offset_moves_past_updates_without_a_usable_id() -> None:
    assert next_offset(None, [{"update_id": 10}, {"update_id": 11}]) == 12
    assert next_offset(12, [{"update_id": "x"}, {"update_id": 2**70}]) == 14
    assert next_offset(12, [{"update_id": 12}, "pas un objet"]) == 14
    assert next_offset(None, [{"update_id": "x"}]) is None
